"""The organisation over the API: administrators change teams, passwords, positions held and import
the org file; team members approve or refuse the changes that give someone access to cases.

Each handler translates HTTP into one call of ``orgs.services`` (the same services as the pages and
the import). Separation of duties holds here as there: an administrator holds no position and sits on
no team, and a team change or a new password for someone who reads cases waits for a second person
(the answer then says ``"applied": false`` with the waiting change).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, TypeVar

from django.db.models import Model
from django.http import HttpRequest
from ninja import Body, Query, Router, Schema
from ninja import Status as Reply
from pydantic import Field

from integritas.api import schemas as s
from integritas.api.common import find
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
M = TypeVar("M", bound=Model)


def _admin(request: HttpRequest) -> Person:
    person = me_of(request)
    if not person.is_admin:
        raise Forbidden("admin_only")
    return person


def _admin_on(request: HttpRequest, username: str) -> tuple[Person, Person]:
    """The administrator making the request and the person named in the path."""
    return _admin(request), _get(Person, "person_not_found", username=username)


def _get(model: type[M], error: str, **lookup: Any) -> M:
    found = find(model, **lookup)
    if found is None:
        raise NotFound(error)
    return found


def _change_op(method: str, path: str, answer: Any, summary: str, status: int = 200) -> Any:
    """An endpoint that changes the organisation: ``answer`` or the errors of a change."""
    return router.api_operation(
        [method], path, response={status: answer, **ERRORS}, auth=bearer, summary=summary
    )


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


@_change_op(
    "POST",
    "/org/changes/{change_id}/approve",
    ChangeOut,
    "Approve a change (a member of the team concerned or above it; not the one who asked)",
)
def change_approve(request: HttpRequest, change_id: str):
    return Reply(200, _change(services.pending_approve(actor=me_of(request), change_id=change_id, via="api")))


@_change_op(
    "POST",
    "/org/changes/{change_id}/reject",
    ChangeOut,
    "Refuse a change (or withdraw one's own request): nothing changes",
)
def change_reject(request: HttpRequest, change_id: str, payload: ReasonIn):
    change = services.pending_reject(
        actor=me_of(request), change_id=change_id, reason=payload.reason, via="api"
    )
    return Reply(200, _change(change))


# ---------------------------------------------------------------- administrators


def _team_change(request: HttpRequest, unit: str, username: str, *, add: bool):
    """An administrator adds the person to (or removes them from) the unit's team, or asks to."""
    admin = _admin(request)
    team = _get(Unit, "unit_not_found", code=unit)
    person = _get(Person, "person_not_found", username=username)
    joins, leaves = ([person], []) if add else ([], [person])
    outcome = services.team_set(actor=admin, unit=team, add=joins, remove=leaves, via="api")
    return Reply(200, {"applied": not outcome.pending, "changes": [_change(c) for c in outcome.pending]})


@_change_op(
    "POST",
    "/admin/teams/{unit}/members",
    Outcome,
    "Add a member to a unit's team (waits for a team member's approval once the deployment is set up)",
)
def team_add(request: HttpRequest, unit: str, payload: MemberIn):
    return _team_change(request, unit, payload.username, add=True)


@_change_op(
    "DELETE",
    "/admin/teams/{unit}/members/{username}",
    Outcome,
    "Remove a member from a unit's team (waits for approval like an addition)",
)
def team_remove(request: HttpRequest, unit: str, username: str):
    return _team_change(request, unit, username, add=False)


@_change_op(
    "POST",
    "/admin/people/{username}/password",
    Outcome,
    "Set a person's password (waits for approval when the person reads cases); ends their sessions",
)
def person_password(request: HttpRequest, username: str, payload: PasswordIn):
    admin, person = _admin_on(request, username)
    outcome = services.person_set_password(actor=admin, person=person, password=payload.password, via="api")
    changes = [_change(outcome.pending)] if outcome.pending is not None else []
    return Reply(200, {"applied": outcome.applied, "changes": changes})


@_change_op(
    "PATCH",
    "/admin/people/{username}",
    PersonOut,
    "Change a person's details, administration right or active state",
)
def person_update(request: HttpRequest, username: str, payload: PersonIn):
    admin, person = _admin_on(request, username)
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


@_change_op(
    "POST",
    "/admin/people/{username}/holdings",
    HoldingOut,
    "The person holds a position from start to end (never an administrator)",
    201,
)
def person_holding(request: HttpRequest, username: str, payload: HoldingIn):
    admin, person = _admin_on(request, username)
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


@_change_op(
    "POST",
    "/admin/org/import",
    ImportOut,
    "Import the org file (API.md §3) as the JSON body; ?dry_run=true shows the changes only "
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
