"""Who sees the reporter's identity, and the request-and-approve path of policy `on_request`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from integritas.audit.chain import record
from integritas.cases import access
from integritas.cases.models import Case, CaseHandler, IdentityRequest
from integritas.cases.services import _event, _text
from integritas.errors import Forbidden, NotFound, WrongState
from integritas.orgs.models import Person


def on_request(case: Case) -> bool:
    return case.unit.effective_policy.get("identity_disclosure") == "on_request"


def may_see_identity(person: Person | None, case: Case) -> bool:
    """Overseeing teams always; handlers unless the policy is on_request and no request was approved."""
    if person is None or case.anonymous or access.has_recused(person, case):
        return False
    if access.oversees(person, case):
        return True
    if not CaseHandler.objects.filter(case=case, person=person).exists():
        return False
    if not on_request(case):
        return True
    return IdentityRequest.objects.filter(
        case=case, requester=person, state=IdentityRequest.State.APPROVED
    ).exists()


def identity_viewed(person: Person, case: Case) -> None:
    record(
        "case.identity_viewed", actor=person.username, case_reference=case.reference, unit_code=case.unit.code
    )


def identity_request(
    *, case: Case, actor: Person, reason: Any, now: dt.datetime | None = None
) -> IdentityRequest:
    now = now or timezone.now()
    reason_text = _text(reason, "reason")
    if not on_request(case) or case.anonymous:
        raise WrongState("This case's reporter identity is not withheld: nothing to request")
    if not CaseHandler.objects.filter(case=case, person=actor).exists():
        raise Forbidden("Only a handler of the case can ask for the reporter's identity")
    with transaction.atomic():
        if IdentityRequest.objects.filter(
            case=case, requester=actor, state__in=["pending", "approved"]
        ).exists():
            raise WrongState("You already have a pending or approved request for this case")
        item = IdentityRequest.objects.create(case=case, requester=actor, reason=reason_text, at=now)
        _event(case, "identity_requested", at=now, actor=actor, note=reason_text, public=False)
        return item


def identity_decide(
    *,
    case: Case,
    actor: Person,
    request_id: Any,
    approve: Any,
    note: Any = None,
    now: dt.datetime | None = None,
) -> IdentityRequest:
    now = now or timezone.now()
    if not isinstance(approve, bool):
        from integritas.errors import Invalid

        raise Invalid({"approve": "must be true or false"})
    note_text = _text(note, "note", required=False)
    if not access.oversees(actor, case):
        raise Forbidden("Only a member of an overseeing COI handling team can decide")
    with transaction.atomic():
        try:
            item = IdentityRequest.objects.select_for_update().get(case=case, pk=int(request_id))
        except (ValueError, TypeError, IdentityRequest.DoesNotExist):
            raise NotFound("Identity request not found") from None
        if item.requester_id == actor.pk:
            raise Forbidden("Nobody decides their own request")
        if item.state != IdentityRequest.State.PENDING:
            raise WrongState(f"This request is already {item.state}")
        item.state = IdentityRequest.State.APPROVED if approve else IdentityRequest.State.REJECTED
        item.decided_by, item.decided_at, item.decision_note = actor, now, note_text
        item.save()
        _event(case, f"identity_{item.state}", at=now, actor=actor, note=note_text, public=False)
        return item
