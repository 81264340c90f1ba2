"""Staff endpoints: sign-in, my profile, the case queue, a case, and the actions of the procedure.

Handlers only translate HTTP into one service call; visibility comes from cases.access alone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja import Status as Reply
from ninja.security import HttpBearer
from pydantic import Field

from integritas.api import schemas as s
from integritas.api.common import binary_answer, find, json_answer, page
from integritas.audit import selectors as audit_selectors
from integritas.audit.models import AuditEntry
from integritas.cases import access, conflict, identity, presenters, queue, services
from integritas.cases.evidence import open_for_download
from integritas.cases.models import Case, Status, Via
from integritas.errors import Forbidden, Invalid, NotFound, Problem
from integritas.http import attachment
from integritas.monitoring import figures
from integritas.orgs import auth, totp
from integritas.orgs.auth import (
    check_password,
    check_second_factor,
    token_issue,
    token_person,
    token_revoke,
    totp_begin,
)
from integritas.orgs.models import Holding, Person, Unit
from integritas.security.throttle import client_address
from integritas.validation import iso_date


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Person | None:
        person = token_person(token)
        if person is not None:
            request.user = person
        return person


bearer = BearerAuth()
router = Router(tags=["staff"], by_alias=True)  # "from", not "from_", in messages and evidence
ERR = s.ErrorOut
CASE_ERRORS = {400: ERR, 401: ERR, 403: ERR, 404: ERR, 409: ERR, 422: ERR}


def me_of(request: HttpRequest) -> Person:
    """The person whose bearer token the request carries (endpoints with ``auth=bearer``)."""
    person = request.auth  # type: ignore[attr-defined]
    assert isinstance(person, Person)
    return person


@router.post(
    "/auth/token", response={200: s.TokenOut, 401: ERR, 422: ERR, 429: ERR}, summary="Sign in: get a token"
)
def auth_token(request: HttpRequest, payload: s.TokenIn):
    token, expires = token_issue(
        username=payload.username, password=payload.password, otp=payload.otp, address=client_address(request)
    )
    return Reply(200, {"token": token, "expires_at": expires.isoformat()})


@router.post("/auth/logout", response={204: None, 401: ERR}, auth=bearer, summary="Revoke the token in use")
def auth_logout(request: HttpRequest):
    token_revoke(request.headers.get("Authorization", "").partition(" ")[2].strip())
    return Reply(204, None)


@router.post(
    "/auth/two-factor/setup",
    response={200: s.TwoFactorSetupOut, 401: ERR, 422: ERR, 429: ERR},
    summary="Start TOTP two-factor: returns a secret for an authenticator app (confirm it next)",
)
def two_factor_setup(request: HttpRequest, payload: s.TwoFactorSetupIn):
    address = client_address(request)
    person = check_password(username=payload.username, password=payload.password, address=address)
    if person.totp_enabled:
        check_second_factor(person, payload.otp, address=address)
    secret = totp_begin(person)
    return Reply(200, {"secret": secret, "uri": totp.provisioning_uri(secret, person.username)})


@router.post(
    "/auth/two-factor/confirm",
    response={204: None, 401: ERR, 422: ERR, 429: ERR},
    summary="Confirm TOTP two-factor with a code from the app; from then on sign-in needs a code",
)
def two_factor_confirm(request: HttpRequest, payload: s.TwoFactorConfirmIn):
    address = client_address(request)
    person = check_password(username=payload.username, password=payload.password, address=address)
    auth.two_factor_confirm(person=person, otp=payload.otp, address=address)
    return Reply(204, None)


@router.get("/me", response={200: s.MeOut, 401: ERR}, auth=bearer, summary="Who I am")
def me(request: HttpRequest):
    person = me_of(request)
    today = timezone.localdate()
    positions = list(
        Holding.objects.active_on(today)
        .filter(person=person)
        .order_by("position__code")
        .values_list("position__code", flat=True)
    )
    teams = list(
        Unit.objects.filter(pk__in=access.team_unit_ids(person))
        .order_by("code")
        .values_list("code", flat=True)
    )
    return Reply(
        200,
        {
            "username": person.username,
            "name": person.display_name,
            "positions": positions,
            "teams": teams,
            "admin": person.is_admin,
        },
    )


class CaseFilters(Schema):
    status: str | None = Field(default=None, description="triage, examination, review, follow_up or closed")
    mine: bool = Field(default=False, description="only cases I handle now")
    unit: str | None = Field(default=None, description="only this unit and the units below it")
    cursor: int | None = Field(default=None, ge=0, description="from the `next` link of the previous page")
    limit: int = Field(default=50, ge=1, le=200)


@router.get(
    "/cases", response={200: s.CaseList, 401: ERR, 422: ERR}, auth=bearer, summary="Cases visible to me"
)
def cases_list(request: HttpRequest, filters: Query[CaseFilters]):
    person = me_of(request)
    qs: QuerySet[Case] = queue.cases_waiting_for(person) if filters.mine else access.cases_visible_to(person)
    if filters.status:
        if filters.status not in Status.values:
            raise Invalid({"status": Problem("choice", choices=Status.values)})
        qs = qs.filter(status=filters.status)
    if filters.unit:
        unit = find(Unit, code=filters.unit)
        if unit is None:
            raise Invalid({"unit": Problem("unknown_code", value=filters.unit)})
        qs = qs.filter(unit__path__startswith=unit.path)
    # (The cursor is applied inside the page's sub-select: no cursor for page() to add.)
    rows, next_url = page(
        request,
        presenters.list_page(qs, before=filters.cursor or None, size=filters.limit + 1),
        cursor=None,
        limit=filters.limit,
        params={"status": filters.status, "mine": "true" if filters.mine else None, "unit": filters.unit},
    )
    now = timezone.now()
    return Reply(200, {"items": [presenters.summary(c, now) for c in rows], "next": next_url})


@router.get(
    "/cases/{reference}", response={200: s.CaseOut, 401: ERR, 404: ERR}, auth=bearer, summary="One case"
)
def case_detail(request: HttpRequest, reference: str):
    """The first read by someone who has not stated having no conflict records the statement (via api)."""
    person, case = _my_case(request, reference)
    return Reply(200, presenters.detail(services.case_open(case=case, actor=person, via=Via.API), person))


def _case_now(request: HttpRequest, reference: str):
    """The case as it is after an action, for the one who took it."""
    return Reply(200, presenters.detail(access.get_case_for(me_of(request), reference), me_of(request)))


def _case_action(path: str, summary: str, answer: Any = s.CaseOut, status: int = 200) -> Any:
    """A POST on a case the signed-in person may see (``path`` below ``/cases/{reference}``)."""
    return router.post(
        "/cases/{reference}" + path, response={status: answer, **CASE_ERRORS}, auth=bearer, summary=summary
    )


def _my_case(request: HttpRequest, reference: str) -> tuple[Person, Case]:
    """The signed-in person and the case they act on (not found unless they may see it)."""
    person = me_of(request)
    return person, access.get_case_for(person, reference)


def _identity_request(item: Any) -> dict[str, Any]:
    return {"id": item.pk, "state": item.state, "reason": item.reason}


@_case_action("/examination", "Conclude the examination (direct superior): founded or unfounded")
def case_examination(request: HttpRequest, reference: str, payload: s.ExaminationIn):
    person, case = _my_case(request, reference)
    services.case_examine(
        case=case, actor=person, conclusion=payload.conclusion, findings=payload.findings, via=Via.API
    )
    return _case_now(request, reference)


@_case_action("/review", "Review the decision (superior of the direct superior)")
def case_review(request: HttpRequest, reference: str, payload: s.ReviewIn):
    person, case = _my_case(request, reference)
    services.case_review(case=case, actor=person, decision=payload.decision, notes=payload.notes, via=Via.API)
    return _case_now(request, reference)


@_case_action("/recuse", "Withdraw from the case (penarikan diri); it moves up the chain")
def case_recuse(request: HttpRequest, reference: str, payload: s.RecuseIn):
    person, case = _my_case(request, reference)
    moved = services.case_recuse(case=case, actor=person, reason=payload.reason)
    # The last view the one who withdrew gets (the case is hidden from them from now on): without
    # the content unless they had stated having no conflict before.
    return Reply(200, presenters.detail(moved, person, with_content=not conflict.pending(person, moved)))


@_case_action("/triage", "Team: name the subject's position of a report in triage; it is routed")
def case_triage(request: HttpRequest, reference: str, payload: s.TriageIn):
    person, case = _my_case(request, reference)
    services.case_triage(case=case, actor=person, position=payload.position, via=Via.API)
    return _case_now(request, reference)


@_case_action(
    "/confirm-no-conflict",
    "Confirm having no conflict with the case (otherwise recorded at the first read or action)",
)
def case_confirm(request: HttpRequest, reference: str):
    person, case = _my_case(request, reference)
    services.case_confirm_no_conflict(case=case, actor=person, via=Via.API)
    return _case_now(request, reference)


@_case_action("/messages", "Write to the reporter (handler or team)", s.IdOut, 201)
def case_message(request: HttpRequest, reference: str, payload: s.TextIn):
    person, case = _my_case(request, reference)
    message = services.case_message(case=case, actor=person, text=payload.text, via=Via.API)
    return Reply(201, {"id": message.pk})


@_case_action("/follow-ups", "Team: add a follow-up action", s.FollowUpOut, 201)
def follow_up_add(request: HttpRequest, reference: str, payload: s.FollowUpIn):
    person, case = _my_case(request, reference)
    item = services.follow_up_add(
        case=case,
        actor=person,
        title=payload.title,
        due_date=iso_date(payload.due_date, "due_date"),
        via=Via.API,
    )
    return Reply(201, presenters.follow_up(item))


@_case_action("/follow-ups/{follow_up_id}/done", "Team: mark a follow-up action done", s.FollowUpOut)
def follow_up_done(request: HttpRequest, reference: str, follow_up_id: str, payload: s.DoneIn | None = None):
    person, case = _my_case(request, reference)
    item = services.follow_up_done(
        case=case,
        actor=person,
        follow_up=services.follow_up_for(case, follow_up_id),
        notes=(payload.notes if payload else None) or "",
        via=Via.API,
    )
    return Reply(200, presenters.follow_up(item))


@_case_action(
    "/follow-ups/{follow_up_id}/cancel", "Team: cancel a follow-up action, with a reason", s.FollowUpOut
)
def follow_up_cancel(request: HttpRequest, reference: str, follow_up_id: str, payload: s.CancelIn):
    person, case = _my_case(request, reference)
    item = services.follow_up_cancel(
        case=case,
        actor=person,
        follow_up=services.follow_up_for(case, follow_up_id),
        reason=payload.reason,
        via=Via.API,
    )
    return Reply(200, presenters.follow_up(item))


@_case_action("/close", "Team: close the case once every follow-up action is settled")
def case_close(request: HttpRequest, reference: str, payload: s.CloseIn):
    person, case = _my_case(request, reference)
    services.case_close(case=case, actor=person, summary=payload.summary, via=Via.API)
    return _case_now(request, reference)


@router.get(
    "/cases/{reference}/evidence/{evidence_id}",
    auth=bearer,
    response={200: None, 401: ERR, 404: ERR},
    summary="Download an evidence file, as uploaded",
    openapi_extra=binary_answer("The file", "application/octet-stream"),
)
def evidence_download(request: HttpRequest, reference: str, evidence_id: str) -> StreamingHttpResponse:
    person, case = _my_case(request, reference)
    return attachment(open_for_download(person=person, case=case, evidence_id=evidence_id, via=Via.API))


@_case_action(
    "/identity-requests",
    "Handler: ask to see the reporter's identity (policy identity_disclosure on_request)",
    s.IdentityRequestOut,
    201,
)
def identity_request_create(request: HttpRequest, reference: str, payload: s.RecuseIn):
    person, case = _my_case(request, reference)
    item = identity.identity_request(case=case, actor=person, reason=payload.reason, via=Via.API)
    return Reply(201, _identity_request(item))


@_case_action(
    "/identity-requests/{request_id}/decision",
    "Team: approve or reject a request to see the reporter's identity",
    s.IdentityRequestOut,
)
def identity_request_decide(
    request: HttpRequest, reference: str, request_id: str, payload: s.IdentityDecisionIn
):
    person, case = _my_case(request, reference)
    item = identity.identity_decide(
        case=case,
        actor=person,
        request=identity.request_for(case, request_id),
        approve=payload.approve,
        note=payload.note or "",
        via=Via.API,
    )
    return Reply(200, _identity_request(item))


class AuditQuery(Schema):
    cursor: int | None = Field(default=None, ge=0, description="from the `next` link of the previous page")
    limit: int = Field(default=100, ge=1, le=500)


def _audit_page(
    request: HttpRequest, qs: QuerySet[AuditEntry], filters: AuditQuery, newest_first: bool
) -> dict[str, Any]:
    rows, next_url = page(
        request, qs, cursor=filters.cursor, limit=filters.limit, key="seq", newest_first=newest_first
    )
    return {"items": [audit_selectors.as_dict(e) for e in rows], "next": next_url}


@router.get(
    "/cases/{reference}/audit",
    response={200: s.AuditList, 401: ERR, 403: ERR, 404: ERR, 422: ERR},
    auth=bearer,
    summary="Team: the audit trail of a case (transitions, identity views, evidence downloads)",
)
def case_audit(request: HttpRequest, reference: str, filters: Query[AuditQuery]):
    person, case = _my_case(request, reference)
    qs = audit_selectors.case_entries(person, case)
    return Reply(200, _audit_page(request, qs, filters, newest_first=False))


@router.get(
    "/admin/audit",
    response={200: s.AuditList, 401: ERR, 403: ERR, 422: ERR},
    auth=bearer,
    summary="Administrators: the audit trail of organisation, policy, key and backup changes",
)
def admin_audit(request: HttpRequest, filters: Query[AuditQuery]):
    qs = audit_selectors.admin_entries(me_of(request))
    return Reply(200, _audit_page(request, qs, filters, newest_first=True))


class StatsQuery(Schema):
    unit: str
    from_: dt.date | None = Field(default=None, alias="from")
    to: dt.date | None = None


@router.get(
    "/stats",
    response={200: dict, 401: ERR, 403: ERR, 404: ERR, 422: ERR},
    auth=bearer,
    summary="Figures for a unit and the units below it (team of that unit or above)",
)
def stats_view(request: HttpRequest, filters: Query[StatsQuery]):
    person = me_of(request)
    unit = find(Unit, code=filters.unit)
    if unit is None:
        raise NotFound(reason="unit")
    if not access.oversees_unit(person, unit):
        raise Forbidden(reason="stats_team_only")
    if filters.from_ and filters.to and filters.to < filters.from_:
        raise Invalid({"to": Problem("date_order")})
    # (Written here rather than by django-ninja: the root's answer has 10,021 units; same bytes.)
    return json_answer(figures.stats(unit, person, date_from=filters.from_, date_to=filters.to))
