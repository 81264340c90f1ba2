"""The organisation over the API: administrators change teams, passwords, positions held and import
the org file; team members approve or refuse the changes that give someone access to cases.

Each handler translates HTTP into one call of ``orgs.services`` (the same services as the pages and
the import). Separation of duties holds here as there: an administrator holds no position and sits on
no team, and a team change or a new password for someone who reads cases waits for a second person
(the answer then says ``"applied": false`` with the waiting change).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Body, Query, Router, Schema
from ninja import Status as Reply
from pydantic import Field

from integritas.api import schemas as s
from integritas.api.staff import bearer, me_of
from integritas.errors import Forbidden, NotFound
from integritas.orgs import services
from integritas.orgs.export import export_data
from integritas.orgs.importer import import_org
from integritas.orgs.models import OrgChange, PendingChange, Person, Position, Unit
from integritas.orgs.presenters import change_text

router = Router(tags=["organisation"])
ERR = s.ErrorOut
ERRORS = {400: ERR, 401: ERR, 403: ERR, 404: ERR, 409: ERR, 422: ERR}


def _admin(request: HttpRequest) -> Person:
    person = me_of(request)
    if not person.is_admin:
        raise Forbidden("admin_only")
    return person


def _get(model: Any, error: str, **lookup: Any) -> Any:
    values = [v for v in lookup.values() if isinstance(v, str)]
    if any("\x00" in v or len(v) > 255 for v in values):
        raise NotFound(error)
    found = model.objects.filter(**lookup).first()
    if found is None:
        raise NotFound(error)
    return found


class ChangeOut(Schema):
    id: int
    kind: Literal["team_add", "team_remove", "password"]
    state: Literal["pending", "approved", "rejected", "withdrawn"]
    unit: str | None = Field(description="the team's unit code (team changes)")
    username: str = Field(description="the person concerned")
    requested_by: str
    requested_at: str
    decided_by: str | None
    decided_at: str | None
    reason: str


def _change(change: PendingChange) -> dict[str, Any]:
    return {
        "id": change.pk,
        "kind": change.kind,
        "state": change.state,
        "unit": change.unit.code if change.unit is not None else None,
        "username": change.person.username,
        "requested_by": change.requested_by_name,
        "requested_at": change.requested_at.isoformat(),
        "decided_by": change.decided_by.username if change.decided_by is not None else None,
        "decided_at": change.decided_at.isoformat() if change.decided_at else None,
        "reason": change.reason,
    }


class ChangeList(Schema):
    items: list[ChangeOut]


class Outcome(Schema):
    applied: bool = Field(description="true: in force now; false: waiting for a second person (see change)")
    changes: list[ChangeOut] = Field(description="the changes that wait for approval")


class ReasonIn(Schema):
    reason: str = Field(default="", max_length=500)


class MemberIn(Schema):
    username: str = Field(max_length=150)


class PasswordIn(Schema):
    password: str = Field(max_length=1024)


class HoldingIn(Schema):
    position: str = Field(max_length=64)
    start: dt.date
    end: dt.date | None = None
    acting: bool = False


class HoldingOut(Schema):
    id: int
    username: str
    position: str
    start: dt.date
    end: dt.date | None
    acting: bool


class PersonIn(Schema):
    name: str | None = Field(default=None, max_length=255)
    email: str | None = Field(default=None, max_length=254)
    language: Literal["id", "en"] | None = None
    admin: bool | None = None
    active: bool | None = None


class PersonOut(Schema):
    username: str
    name: str
    email: str
    language: str
    admin: bool
    active: bool


class ImportQuery(Schema):
    dry_run: bool = Field(default=False, description="check and show the changes, change nothing")


class ChangeRecord(Schema):
    kind: str
    key: str
    unit: str | None
    fields: dict[str, Any]
    text: str = Field(description="the change in words (the request's language)")


class ImportOut(Schema):
    dry_run: bool
    created: dict[str, int]
    updated: dict[str, int]
    changes: list[ChangeRecord]
    waiting: int = Field(description="changes that wait for a team member's approval")
    warnings: list[str]


class RecordList(Schema):
    items: list[ChangeRecord]


# ---------------------------------------------------------------- approvals (any member of staff)


@router.get(
    "/org/changes",
    response={200: ChangeList, 401: ERR},
    auth=bearer,
    summary="Changes waiting for my approval (and, for an administrator, the ones I asked for)",
)
def changes_waiting(request: HttpRequest):
    return Reply(200, {"items": [_change(c) for c in services.pending_for(me_of(request))]})


@router.post(
    "/org/changes/{change_id}/approve",
    response={200: ChangeOut, **ERRORS},
    auth=bearer,
    summary="Approve a change (a member of the team concerned or above it; not the one who asked)",
)
def change_approve(request: HttpRequest, change_id: str):
    return Reply(200, _change(services.pending_approve(actor=me_of(request), change_id=change_id, via="api")))


@router.post(
    "/org/changes/{change_id}/reject",
    response={200: ChangeOut, **ERRORS},
    auth=bearer,
    summary="Refuse a change (or withdraw one's own request): nothing changes",
)
def change_reject(request: HttpRequest, change_id: str, payload: ReasonIn):
    change = services.pending_reject(
        actor=me_of(request), change_id=change_id, reason=payload.reason, via="api"
    )
    return Reply(200, _change(change))


# ---------------------------------------------------------------- administrators


def _outcome(outcome: services.TeamOutcome) -> dict[str, Any]:
    return {"applied": not outcome.pending, "changes": [_change(c) for c in outcome.pending]}


@router.post(
    "/admin/teams/{unit}/members",
    response={200: Outcome, **ERRORS},
    auth=bearer,
    summary="Add a member to a unit's team (waits for a team member's approval once the deployment is set up)",
)
def team_add(request: HttpRequest, unit: str, payload: MemberIn):
    admin = _admin(request)
    team = _get(Unit, "unit_not_found", code=unit)
    person = _get(Person, "person_not_found", username=payload.username)
    return Reply(200, _outcome(services.team_set(actor=admin, unit=team, add=[person], via="api")))


@router.delete(
    "/admin/teams/{unit}/members/{username}",
    response={200: Outcome, **ERRORS},
    auth=bearer,
    summary="Remove a member from a unit's team (waits for approval like an addition)",
)
def team_remove(request: HttpRequest, unit: str, username: str):
    admin = _admin(request)
    team = _get(Unit, "unit_not_found", code=unit)
    person = _get(Person, "person_not_found", username=username)
    return Reply(200, _outcome(services.team_set(actor=admin, unit=team, remove=[person], via="api")))


@router.post(
    "/admin/people/{username}/password",
    response={200: Outcome, **ERRORS},
    auth=bearer,
    summary="Set a person's password (waits for approval when the person reads cases); ends their sessions",
)
def person_password(request: HttpRequest, username: str, payload: PasswordIn):
    admin = _admin(request)
    person = _get(Person, "person_not_found", username=username)
    outcome = services.person_set_password(actor=admin, person=person, password=payload.password, via="api")
    changes = [_change(outcome.pending)] if outcome.pending is not None else []
    return Reply(200, {"applied": outcome.applied, "changes": changes})


@router.patch(
    "/admin/people/{username}",
    response={200: PersonOut, **ERRORS},
    auth=bearer,
    summary="Change a person's details, administration right or active state",
)
def person_update(request: HttpRequest, username: str, payload: PersonIn):
    admin = _admin(request)
    person = _get(Person, "person_not_found", username=username)
    saved, _changed = services.person_save(
        actor=admin,
        person=person,
        name=payload.name if payload.name is not None else person.name,
        email=payload.email if payload.email is not None else person.email,
        language=payload.language or person.language,
        is_admin=payload.admin if payload.admin is not None else person.is_admin,
        is_active=payload.active if payload.active is not None else person.is_active,
        via="api",
    )
    return Reply(
        200,
        {
            "username": saved.username,
            "name": saved.name,
            "email": saved.email,
            "language": saved.language,
            "admin": saved.is_admin,
            "active": saved.is_active,
        },
    )


@router.post(
    "/admin/people/{username}/holdings",
    response={201: HoldingOut, **ERRORS},
    auth=bearer,
    summary="The person holds a position from start to end (never an administrator)",
)
def person_holding(request: HttpRequest, username: str, payload: HoldingIn):
    admin = _admin(request)
    person = _get(Person, "person_not_found", username=username)
    position = _get(Position, "position_not_found", code=payload.position)
    holding = services.holding_add(
        actor=admin,
        person=person,
        position=position,
        start=payload.start,
        end=payload.end,
        acting=payload.acting,
        via="api",
    )
    return Reply(
        201,
        {
            "id": holding.pk,
            "username": person.username,
            "position": position.code,
            "start": holding.start,
            "end": holding.end,
            "acting": holding.acting,
        },
    )


def _record(change: Any) -> dict[str, Any]:
    return {
        "kind": change.kind,
        "key": change.key,
        "unit": (getattr(change, "unit", None) or getattr(change, "unit_code", None)) or None,
        "fields": change.fields or {},
        "text": change_text(change),
    }


@router.post(
    "/admin/org/import",
    response={200: ImportOut, **ERRORS},
    auth=bearer,
    summary="Import the org file (API.md §3) as the JSON body; ?dry_run=true shows the changes only "
    "(422 names every entry that is wrong)",
)
def org_import(request: HttpRequest, query: Query[ImportQuery], data: Body[dict[str, Any]]):
    admin = _admin(request)
    summary = import_org(data, dry_run=query.dry_run, actor=admin, via="api")
    return Reply(
        200,
        {
            "dry_run": summary.dry_run,
            "created": summary.created,
            "updated": summary.updated,
            "changes": [_record(c) for c in summary.changes],
            "waiting": len(summary.requests),
            "warnings": [w.text for w in summary.warnings],
        },
    )


@router.get(
    "/admin/org/export",
    response={200: dict, 401: ERR, 403: ERR},
    auth=bearer,
    summary="The current organisation as an org file (API.md §3), without passwords",
)
def org_export(request: HttpRequest):
    _admin(request)
    return Reply(200, export_data())


class RecordQuery(Schema):
    limit: int = Field(default=100, ge=1, le=1000)


@router.get(
    "/admin/org/changes",
    response={200: RecordList, 401: ERR, 403: ERR, 422: ERR},
    auth=bearer,
    summary="The latest change records of the organisation, newest first",
)
def org_changes(request: HttpRequest, query: Query[RecordQuery]):
    _admin(request)
    rows = OrgChange.objects.order_by("-id")[: query.limit]
    return Reply(200, {"items": [_record(r) for r in rows]})
