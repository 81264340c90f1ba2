"""Who sees the reporter's identity, and the request-and-approve path of policy ``on_request``."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from integritas.audit.chain import record
from integritas.cases import access, conflict
from integritas.cases.history import actor_of, record_event
from integritas.cases.models import NOTE_MAX, Case, CaseHandler, EventKind, IdentityRequest, Via
from integritas.errors import Forbidden, NotFound, WrongState
from integritas.orgs.models import Person
from integritas.validation import clean_text

OPEN_REQUEST_STATES = (IdentityRequest.State.PENDING, IdentityRequest.State.APPROVED)


def on_request(case: Case) -> bool:
    return case.unit.effective_policy.get("identity_disclosure") == "on_request"


def is_handler(person: Person, case: Case) -> bool:
    return CaseHandler.objects.filter(case=case, person=person).exists()


def may_see_identity(person: Person | None, case: Case) -> bool:
    """Overseeing teams always; handlers unless the policy is on_request and no request was approved.
    Either only after stating having no conflict with the case (SPEC §3): a member of a team as much
    as a handler (the pages ask first; the API records it when the case is first opened there)."""
    if person is None or case.anonymous or access.has_recused(person, case):
        return False
    if conflict.pending(person, case):
        return False
    if access.oversees(person, case):
        return True
    if not is_handler(person, case):
        return False
    if not on_request(case):
        return True
    return IdentityRequest.objects.filter(
        case=case, requester=person, state=IdentityRequest.State.APPROVED
    ).exists()


def may_request(person: Person, case: Case) -> bool:
    """A handler whose identity view is withheld, with no request pending or granted."""
    return (
        on_request(case)
        and not case.anonymous
        and is_handler(person, case)
        and not may_see_identity(person, case)
        and not access.has_recused(person, case)
        and not IdentityRequest.objects.filter(
            case=case, requester=person, state__in=OPEN_REQUEST_STATES
        ).exists()
    )


def may_decide(person: Person, case: Case) -> bool:
    """A member of an overseeing team (never on their own request: checked per request)."""
    return on_request(case) and access.oversees(person, case) and not access.has_recused(person, case)


def request_for(case: Case, request_id: str | int) -> IdentityRequest:
    """A request of this case by its id as it comes in a path, or NotFound."""
    text = str(request_id)
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise NotFound(reason="identity_request")
    item = IdentityRequest.objects.filter(case=case, pk=int(text)).first()
    if item is None:
        raise NotFound(reason="identity_request")
    return item


def identity_viewed(person: Person, case: Case) -> None:
    record(
        "case.identity_viewed", actor=person.username, case_reference=case.reference, unit_code=case.unit.code
    )


def identity_request(
    *, case: Case, actor: Person, reason: str, via: Via, now: dt.datetime | None = None
) -> IdentityRequest:
    now = now or timezone.now()
    reason_text = clean_text(reason, "reason", limit=NOTE_MAX)
    with transaction.atomic():
        case = Case.objects.locked(case)
        if not on_request(case) or case.anonymous:
            raise WrongState("identity_not_withheld")
        if not is_handler(actor, case):
            raise Forbidden(reason="handler_only")
        if IdentityRequest.objects.filter(case=case, requester=actor, state__in=OPEN_REQUEST_STATES).exists():
            raise WrongState("identity_request_exists")
        conflict.require(case, actor, via=via, now=now)
        item = IdentityRequest.objects.create(case=case, requester=actor, reason=reason_text, at=now)
        record_event(
            case,
            EventKind.IDENTITY_REQUESTED,
            at=now,
            actor=actor_of(actor, case),
            note=reason_text,
            data={"request": item.pk},
        )
        return item


def identity_decide(
    *,
    case: Case,
    actor: Person,
    request: IdentityRequest,
    approve: bool,
    note: str = "",
    via: Via,
    now: dt.datetime | None = None,
) -> IdentityRequest:
    now = now or timezone.now()
    note_text = clean_text(note, "note", limit=NOTE_MAX, required=False)
    with transaction.atomic():
        case = Case.objects.locked(case)
        item = IdentityRequest.objects.select_for_update().filter(case=case, pk=request.pk).first()
        if item is None:
            raise NotFound(reason="identity_request")
        if item.state != IdentityRequest.State.PENDING:
            raise WrongState("identity_request_decided")
        if not may_decide(actor, case):
            raise Forbidden(reason="team_only")
        if item.requester_id == actor.pk:
            raise Forbidden(reason="own_request")
        conflict.require(case, actor, via=via, now=now)
        item.state = IdentityRequest.State.APPROVED if approve else IdentityRequest.State.REJECTED
        item.decided_by, item.decided_at, item.decision_note = actor, now, note_text
        item.save()
        record_event(
            case,
            EventKind.IDENTITY_APPROVED if approve else EventKind.IDENTITY_REJECTED,
            at=now,
            actor=actor_of(actor, case),
            note=note_text,
            data={"request": item.pk},
        )
        return item
