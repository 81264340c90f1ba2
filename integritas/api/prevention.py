"""Prevention endpoints (API.md §2 Prevention): declarations of interests, gratification reports,
self-declared conflicts, decision agendas and the COI risk map.

Handlers only translate HTTP into one call of ``integritas.prevention``; visibility comes from
``prevention.access`` alone. Bodies are read as JSON (gratifications also as multipart with evidence
files) and checked by the services, which name every bad field with a problem code (422).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja import Status as Reply
from pydantic import Field

from integritas.api import schemas as s
from integritas.api.bodies import json_or_multipart
from integritas.api.common import (
    binary_answer,
    find,
    json_body,
    json_object,
    json_request,
    page,
)
from integritas.api.staff import bearer, me_of
from integritas.cases.evidence import Download, check_files
from integritas.errors import Forbidden, Invalid, NotFound, Problem
from integritas.http import attachment, file_response
from integritas.orgs.models import Person, Unit
from integritas.prevention import (
    access,
    agendas,
    conflicts,
    declarations,
    documents,
    exports,
    gratifications,
    presenters,
    riskmap,
    selectors,
)
from integritas.prevention.common import home_unit
from integritas.prevention.models import (
    ConflictStatus,
    GratificationStatus,
)

router = Router(tags=["prevention"])
ERR = s.ErrorOut
READ = {401: ERR, 404: ERR, 422: ERR}
TEAM_READ = {401: ERR, 403: ERR, 404: ERR, 422: ERR}
WRITE = {400: ERR, 401: ERR, 403: ERR, 404: ERR, 409: ERR, 413: ERR, 415: ERR, 422: ERR}
PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _read(path: str, answer: Any, summary: str, errors: dict[int, Any] = READ, **extra: Any) -> Any:
    """A GET for staff answering ``answer`` (None: a file, described in ``extra``)."""
    return router.get(path, response={200: answer, **errors}, auth=bearer, summary=summary, **extra)


def _write(path: str, answer: Any, summary: str, body: dict[str, Any], status: int = 200) -> Any:
    """A POST for staff whose JSON ``body`` the services check, answering ``status`` with ``answer``."""
    return router.post(
        path,
        response={status: answer, **WRITE},
        auth=bearer,
        summary=summary,
        openapi_extra=json_request(body),
    )


def _unit(code: str | None, field: str = "unit") -> Unit:
    if not code:
        raise Invalid({field: Problem("required")})
    unit = find(Unit, code=code)
    if unit is None:
        raise NotFound("unit_not_found")
    return unit


def _owner(me: Person, username: str | None) -> Person:
    """Me, or the person named in the query when my team oversees them (else: no such declaration)."""
    if not username or username == me.username:
        return me
    found = find(Person, username=username)
    if found is None or not access.oversees_person(me, found):
        raise NotFound("declaration_not_found")
    return found


def _page(request: HttpRequest, qs: Any, filters: Any, **params: Any) -> tuple[list[Any], str | None]:
    """The page the ``cursor`` and ``limit`` of ``filters`` ask for, newest first."""
    return page(request, qs.order_by("-pk"), cursor=filters.cursor, limit=filters.limit, params=params)


def _with_status(qs: Any, status: str | None, choices: list[str]) -> Any:
    """Only the rows in ``status``, when one is asked for (one of ``choices``, else 422)."""
    if not status:
        return qs
    if status not in choices:
        raise Invalid({"status": Problem("choice", choices=", ".join(choices))})
    return qs.filter(status=status)


def _flag(value: bool) -> str | None:
    """A true filter as the next link repeats it (a false one is left out)."""
    return "true" if value else None


def _obj(properties: dict[str, Any], required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties, **extra}
    if required:
        schema["required"] = required
    return schema


STR = {"type": "string"}


def _choice_body(field: str, choices: list[str]) -> dict[str, Any]:
    """A body that names one of ``choices`` under ``field``, with notes if the person wants."""
    return _obj({field: {"type": "string", "enum": choices}, "notes": STR}, [field])


CATEGORIES = {
    "type": "string",
    "enum": [
        "affiliation",
        "gratification",
        "side_job",
        "insider_information",
        "procurement",
        "family_community",
        "external_position",
        "previous_position",
        "concurrent_position",
        "other",
    ],
}
DECISION_KINDS = {
    "type": "string",
    "enum": ["admission", "procurement", "staffing", "grading", "school_fund", "other"],
}


# ---------------------------------------------------------------- schemas (answers)


class DeclarationCreated(Schema):
    id: int
    kind: str
    year: int
    filed_at: str


class PartyOut(Schema):
    name: str
    relation: str


class InterestOut(Schema):
    category: str | None
    description: str
    parties: list[PartyOut]


class DeclarationOut(DeclarationCreated):
    none: bool
    interests: list[InterestOut]


class DeclarationList(Schema):
    items: list[DeclarationOut]


class PersonRef(Schema):
    username: str
    name: str


class ComplianceOut(Schema):
    unit: str
    year: int
    people: int
    filed: int
    missing: list[PersonRef]


class RemindedOut(Schema):
    unit: str
    year: int
    reminded: list[str] = Field(description="usernames reminded now (each person at most once a day)")


class Recipient(Schema):
    username: str


class ThresholdOut(Schema):
    max_value_idr: int
    valid_from: str | None
    source: str


class GiverOut(Schema):
    name: str | None = None
    relation: str | None = None


class FileOut(Schema):
    id: int
    name: str
    size: int
    content_type: str


class GratificationOut(Schema):
    reference: str = Field(examples=["GR-2026-000001"])
    status: str = Field(description="reported or settled")
    unit: str
    received_on: str
    value_idr: int
    occasion: str
    cash: bool
    rejected: bool
    reportable: bool
    due_at: str
    overdue: bool
    outcome: str | None
    settled_at: str | None
    recipient: Recipient
    threshold: ThresholdOut | None
    giver: GiverOut | None = None
    description: str | None = None
    notes: str | None = None
    evidence: list[FileOut] | None = None


class GratificationList(Schema):
    items: list[GratificationOut]
    next: str | None


class HandlerRef(Schema):
    position: str | None
    title: str | None
    team: str | None = None


class DecisionRef(Schema):
    title: str | None
    kind: str
    date: str | None


class Declarer(Schema):
    username: str
    position: str


class HistoryRow(Schema):
    at: str
    event: str
    actor_title: str | None
    note: str | None


class SelfDeclarationOut(Schema):
    reference: str = Field(examples=["KK-2026-000001"])
    status: str = Field(description="open or decided")
    kind: str
    unit: str
    declarer: Declarer
    decision: DecisionRef
    decision_suspended: bool
    handler: HandlerRef | None
    level: int
    due_at: str | None
    overdue: bool
    screening_warning: bool
    measure: str | None
    decided_at: str | None
    created_at: str | None
    history: list[HistoryRow]
    description: str | None = None
    notes: str | None = None


class SelfDeclarationList(Schema):
    items: list[SelfDeclarationOut]
    next: str | None


class StatementOut(Schema):
    username: str
    conflict: bool
    reason: str | None
    at: str


class AgendaItemOut(Schema):
    id: int
    title: str
    parties: list[str]
    statements: list[StatementOut]


class WarningOut(Schema):
    username: str
    item_id: int
    party: str
    declared_party: str
    relation: str


class AgendaOut(Schema):
    id: int
    unit: str
    title: str
    kind: str
    meets_at: str
    items: list[AgendaItemOut]
    participants: list[PersonRef]
    warnings: list[WarningOut]


class AgendaSummary(Schema):
    id: int
    unit: str
    title: str
    kind: str
    meets_at: str


class AgendaList(Schema):
    items: list[AgendaSummary]
    next: str | None


class RiskOut(Schema):
    id: int
    unit: str
    position: str
    position_title: str
    decision_kind: str
    likelihood: int
    impact: int
    score: int
    level: str = Field(description="low (1–4), medium (5–9), high (10–14), very_high (15–25)")
    mitigation: str
    review_on: str
    review_due: bool
    updated_at: str


class RiskCell(Schema):
    likelihood: int
    impact: int
    count: int


class RiskMapOut(Schema):
    unit: str
    items: list[RiskOut]
    cells: list[RiskCell]


# ---------------------------------------------------------------- declarations


DECLARATION_BODY = _obj(
    {
        "kind": {"type": "string", "enum": ["annual", "ad_hoc"]},
        "year": {"type": "integer", "description": "default: this year"},
        "none": {"type": "boolean", "description": "true: I have no interests to declare"},
        "interests": {
            "type": "array",
            "items": _obj(
                {
                    "category": CATEGORIES,
                    "description": STR,
                    "parties": {
                        "type": "array",
                        "items": _obj(
                            {"name": STR, "relation": {"type": "string", "description": "e.g. adik ipar"}},
                            ["name"],
                        ),
                    },
                },
                ["category"],
            ),
        },
    },
    ["kind"],
)


@_write(
    "/declarations",
    DeclarationCreated,
    "File a declaration of interests for myself (annual or ad hoc), or declare none",
    DECLARATION_BODY,
    status=201,
)
def declaration_create(request: HttpRequest):
    filed = declarations.declaration_file(person=me_of(request), data=json_body(request))
    row = presenters.declaration(filed.declaration)
    return Reply(201, {k: row[k] for k in ("id", "kind", "year", "filed_at")})


class DeclarationFilters(Schema):
    mine: bool = Field(default=True, description="my own declarations (the default)")
    person: str | None = Field(default=None, description="team: the declarations of this username")
    year: int | None = Field(default=None, ge=1900, le=9999)


@_read("/declarations", DeclarationList, "My declarations (or, for the team, those of a person they oversee)")
def declaration_list(request: HttpRequest, filters: Query[DeclarationFilters]):
    me = me_of(request)
    owner = _owner(me, filters.person)
    rows = access.declarations_visible_to(me).filter(person=owner).select_related("person")
    if filters.year:
        rows = rows.filter(year=filters.year)
    items = [
        presenters.declaration(d, declarations.declaration_content(d, me))
        for d in rows.order_by("-filed_at", "-pk")[:200]
    ]
    return Reply(200, {"items": items})


class ComplianceQuery(Schema):
    unit: str | None = None
    year: int | None = Field(default=None, ge=1900, le=9999)


@_read(
    "/declarations/compliance",
    ComplianceOut,
    "Team: who holds a position in the unit's subtree today and has not filed for the year",
    TEAM_READ,
)
def declaration_compliance(request: HttpRequest, filters: Query[ComplianceQuery]):
    unit = _unit(filters.unit)
    year = filters.year or timezone.now().astimezone(unit.tz).year
    report = declarations.compliance(unit=unit, year=year, viewer=me_of(request))
    return Reply(
        200,
        {
            "unit": unit.code,
            "year": year,
            "people": report.people,
            "filed": report.filed,
            "missing": [{"username": p.username, "name": p.display_name} for p in report.missing],
        },
    )


REMINDER_BODY = _obj(
    {
        "unit": STR,
        "year": {"type": "integer"},
        "usernames": {"type": "array", "items": STR, "description": "default: everyone who has not filed"},
    },
    ["unit"],
)


@_write(
    "/declarations/reminders",
    RemindedOut,
    "Team: remind those who have not filed their annual declaration (by e-mail and notice)",
    REMINDER_BODY,
)
def declaration_reminders(request: HttpRequest):
    data = json_object(request)
    code = data.get("unit")
    unit = _unit(code if isinstance(code, str) else None)
    year = data.get("year") if data.get("year") is not None else timezone.now().astimezone(unit.tz).year
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 9999:
        raise Invalid({"year": Problem("not_integer")})
    usernames = data.get("usernames")
    if usernames is not None and (
        not isinstance(usernames, list)
        or not all(isinstance(u, str) for u in usernames)
        or len(usernames) > 10000
    ):
        raise Invalid({"usernames": Problem("not_list")})
    done = declarations.remind_missing(unit=unit, year=year, actor=me_of(request), usernames=usernames)
    return Reply(200, {"unit": unit.code, "year": year, "reminded": [p.username for p in done]})


class StatementQuery(Schema):
    year: int | None = Field(default=None, ge=1900, le=9999)
    person: str | None = Field(default=None, description="team: the statement of this username")


PDF_ANSWER = binary_answer("PDF", PDF)


@_read(
    "/declarations/statement",
    None,
    "The signed statement (surat pernyataan) of an annual declaration, as PDF",
    openapi_extra=PDF_ANSWER,
)
def declaration_statement(request: HttpRequest, filters: Query[StatementQuery]):
    me = me_of(request)
    owner = _owner(me, filters.person)
    unit = home_unit(owner)
    year = filters.year or timezone.now().astimezone(unit.tz if unit else dt.UTC).year
    row = declarations.annual_for(owner, year)
    if row is None:
        raise NotFound("declaration_statement_missing")
    pdf = documents.statement_pdf(row, me)
    return file_response(pdf, PDF, f"surat-pernyataan-{owner.username}-{year}.pdf")


@_read(
    "/declarations/{declaration_id}",
    DeclarationOut,
    "One declaration (mine, or of a person my team oversees)",
)
def declaration_detail(request: HttpRequest, declaration_id: str):
    me = me_of(request)
    row = access.get_declaration_for(me, declaration_id)
    return Reply(200, presenters.declaration(row, declarations.declaration_content(row, me)))


# ---------------------------------------------------------------- gratification reports


GRATIFICATION_JSON = _obj(
    {
        "received_on": {"type": "string", "format": "date"},
        "giver": _obj({"name": STR, "relation": STR}, ["name"]),
        "occasion": {"type": "string", "enum": ["wedding", "religious", "colleague", "official", "other"]},
        "description": STR,
        "value_idr": {"type": "integer", "minimum": 0},
        "rejected": {"type": "boolean"},
        "cash": {
            "type": "boolean",
            "description": "the gift was money (colleagues' gifts of money are reportable)",
        },
    },
    ["received_on", "giver", "occasion", "description", "value_idr"],
)
GRATIFICATION_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": GRATIFICATION_JSON},
            "multipart/form-data": {
                "schema": _obj(
                    {
                        "data": {"type": "string", "description": "the same JSON, as text"},
                        "evidence": {"type": "array", "items": {"type": "string", "format": "binary"}},
                    },
                    ["data"],
                )
            },
        },
    }
}


@router.post(
    "/gratifications",
    response={201: GratificationOut, **WRITE},
    auth=bearer,
    summary="Report a gratification I received or refused (JSON, or multipart with evidence files)",
    openapi_extra=GRATIFICATION_BODY,
)
def gratification_create(request: HttpRequest):
    me = me_of(request)
    data, uploads = json_or_multipart(request)
    unit = home_unit(me)
    limit = int((unit.effective_policy if unit else {}).get("max_upload_mb", 20))
    files = check_files(uploads, max_upload_mb=limit) if uploads else []
    row = gratifications.gratification_report(recipient=me, data=data, files=files)
    return _gratification(me, row.reference, 201)


class GratificationFilters(Schema):
    status: str | None = Field(default=None, description="reported or settled")
    mine: bool = Field(default=False, description="only the reports I filed")
    unit: str | None = Field(default=None, description="only this unit and the units below it")
    cursor: int | None = Field(default=None, ge=0)
    limit: int = Field(default=50, ge=1, le=200)


def _gratification_rows(me: Person, status: str | None, mine: bool, unit_code: str | None) -> Any:
    qs = access.gratifications_visible_to(me).select_related("unit", "recipient", "threshold")
    qs = _with_status(qs, status, GratificationStatus.values)
    if mine:
        qs = qs.filter(recipient=me)
    if unit_code:
        qs = qs.filter(unit__path__startswith=_unit(unit_code).path)
    return qs


@_read(
    "/gratifications", GratificationList, "Gratification reports I may see: my own; my team's units and below"
)
def gratification_list(request: HttpRequest, filters: Query[GratificationFilters]):
    me = me_of(request)
    qs = _gratification_rows(me, filters.status, filters.mine, filters.unit)
    rows, next_url = _page(
        request, qs, filters, status=filters.status, mine=_flag(filters.mine), unit=filters.unit
    )
    now = timezone.now()
    return Reply(200, {"items": [presenters.gratification(r, now) for r in rows], "next": next_url})


class ExportQuery(Schema):
    unit: str | None = None
    status: str | None = Field(default=None, description="reported or settled")
    from_: dt.date | None = Field(default=None, alias="from", description="received on or after")
    to: dt.date | None = Field(default=None, description="received on or before")


@_read(
    "/gratifications/export",
    None,
    "Team: the reports of a unit and below as XLSX, one row per report, for the KPK (GOL)",
    TEAM_READ,
    openapi_extra=binary_answer("XLSX", XLSX),
)
def gratification_export(request: HttpRequest, filters: Query[ExportQuery]):
    me = me_of(request)
    unit = _unit(filters.unit)
    if not access.oversees_unit(me, unit):
        raise Forbidden("gratification_export_team_only")
    if filters.from_ and filters.to and filters.to < filters.from_:
        raise Invalid({"to": Problem("date_in_past")})
    qs = _gratification_rows(me, filters.status, False, unit.code).select_related("position", "unit__parent")
    if filters.from_:
        qs = qs.filter(received_on__gte=filters.from_)
    if filters.to:
        qs = qs.filter(received_on__lte=filters.to)
    body = exports.gol_workbook(list(qs.order_by("received_on", "pk")), actor=me, unit=unit)
    stamp = timezone.now().astimezone(unit.tz).strftime("%Y%m%d")
    return file_response(body, XLSX, f"gratifikasi-{unit.code}-{stamp}.xlsx")


def _gratification(me: Person, reference: str, status: int = 200) -> Reply:
    """The report as ``me`` sees it now (after a change: read again, as the next reader would)."""
    return Reply(status, presenters.gratification_detail(access.get_gratification_for(me, reference), me))


@_read(
    "/gratifications/{reference}",
    GratificationOut,
    "One gratification report (the recipient; the team of the unit or above)",
)
def gratification_detail(request: HttpRequest, reference: str):
    return _gratification(me_of(request), reference)


OUTCOME_BODY = _choice_body("outcome", ["forwarded_to_kpk", "returned", "state_property", "kept_allowed"])


@_write(
    "/gratifications/{reference}/outcome",
    GratificationOut,
    "Team: record what happened to the gift (the report is then settled)",
    OUTCOME_BODY,
)
def gratification_outcome(request: HttpRequest, reference: str):
    me = me_of(request)
    row = access.get_gratification_for(me, reference)
    data = json_object(request)
    gratifications.gratification_settle(
        item=row, actor=me, outcome=data.get("outcome"), notes=data.get("notes")
    )
    return _gratification(me, reference)


@_read(
    "/gratifications/{reference}/evidence/{evidence_id}",
    None,
    "Download a file of a gratification report, as uploaded",
    {401: ERR, 404: ERR},
    openapi_extra=binary_answer("The file", "application/octet-stream"),
)
def gratification_evidence(request: HttpRequest, reference: str, evidence_id: str):
    me = me_of(request)
    row = access.get_gratification_for(me, reference)
    evidence, name = gratifications.evidence_file(row, evidence_id, me)
    chunks = gratifications.read_evidence(row, evidence)
    return attachment(
        Download(name=name, content_type=evidence.content_type, size=evidence.size, chunks=chunks)
    )


# ---------------------------------------------------------------- self-declared conflicts


CONFLICT_BODY = _obj(
    {
        "kind": {"type": "string", "enum": ["actual", "potential"]},
        "decision": _obj(
            {"title": STR, "kind": DECISION_KINDS, "date": {"type": "string", "format": "date"}},
            ["title", "kind"],
        ),
        "description": STR,
        "position": {"type": "string", "description": "which of my positions (default: my main one)"},
    },
    ["kind", "decision", "description"],
)


def _self_declaration(me: Person, reference: str, status: int = 200) -> Reply:
    """The self-declaration as ``me`` sees it now (after a change: read again)."""
    return Reply(status, presenters.self_declaration(access.get_self_declaration_for(me, reference), me))


@_write(
    "/conflicts",
    SelfDeclarationOut,
    "Declare my own conflict of interest in a decision; it goes to my direct superior",
    CONFLICT_BODY,
    status=201,
)
def conflict_create(request: HttpRequest):
    me = me_of(request)
    item = conflicts.self_declaration_file(declarer=me, data=json_body(request))
    return _self_declaration(me, item.reference, 201)


class ConflictFilters(Schema):
    status: str | None = Field(default=None, description="open or decided")
    mine: bool = Field(default=False, description="only the ones I must decide now")
    cursor: int | None = Field(default=None, ge=0)
    limit: int = Field(default=50, ge=1, le=200)


@_read(
    "/conflicts", SelfDeclarationList, "Self-declarations I may see (mine, handled by me, my team's units)"
)
def conflict_list(request: HttpRequest, filters: Query[ConflictFilters]):
    me = me_of(request)
    qs = access.self_declarations_visible_to(me).select_related(
        "unit", "declarer", "declarer_position", "handler_position", "handler_team"
    )
    qs = _with_status(qs, filters.status, ConflictStatus.values)
    if filters.mine:
        qs = qs.filter(status=ConflictStatus.OPEN)
        qs = qs.filter(handler_person=me) | qs.filter(
            handler_person__isnull=True, handler_team_id__in=access.team_unit_ids(me)
        ).exclude(declarer=me)
    rows, next_url = _page(request, qs, filters, status=filters.status, mine=_flag(filters.mine))
    return Reply(200, {"items": [presenters.self_declaration(r) for r in rows], "next": next_url})


@_read(
    "/conflicts/{reference}",
    SelfDeclarationOut,
    "One self-declaration (the declarer, its handlers, the team of the unit or above)",
)
def conflict_detail(request: HttpRequest, reference: str):
    return _self_declaration(me_of(request), reference)


MEASURE_BODY = _choice_body(
    "measure", ["recusal", "reassignment", "restricted_access", "divestment", "no_conflict"]
)


@_write(
    "/conflicts/{reference}/measure",
    SelfDeclarationOut,
    "Current handler: decide the control measure (the decision is no longer suspended)",
    MEASURE_BODY,
)
def conflict_measure(request: HttpRequest, reference: str):
    me = me_of(request)
    item = access.get_self_declaration_for(me, reference)
    data = json_object(request)
    conflicts.self_declaration_decide(
        item=item, actor=me, measure=data.get("measure"), notes=data.get("notes")
    )
    return _self_declaration(me, reference)


# ---------------------------------------------------------------- decision agendas


AGENDA_BODY = _obj(
    {
        "unit": STR,
        "title": STR,
        "kind": DECISION_KINDS,
        "meets_at": {"type": "string", "format": "date-time"},
        "items": {
            "type": "array",
            "minItems": 1,
            "items": _obj({"title": STR, "parties": {"type": "array", "items": STR}}, ["title"]),
        },
        "participants": {"type": "array", "minItems": 1, "items": STR, "description": "usernames"},
    },
    ["unit", "title", "kind", "meets_at", "items", "participants"],
)


@_write(
    "/agendas",
    AgendaOut,
    "Publish a decision agenda (staff holding a position in the unit, or its team)",
    AGENDA_BODY,
    status=201,
)
def agenda_create(request: HttpRequest):
    me = me_of(request)
    agenda = agendas.agenda_create(actor=me, data=json_body(request))
    agenda = access.get_agenda_for(me, agenda.pk)
    return Reply(201, agendas.agenda_view(agenda, me))


class AgendaFilters(Schema):
    upcoming: bool = Field(default=False, description="only meetings that have not started")
    cursor: int | None = Field(default=None, ge=0)
    limit: int = Field(default=50, ge=1, le=200)


@_read("/agendas", AgendaList, "Agendas I may see (as a participant, as their publisher, as the team)")
def agenda_list(request: HttpRequest, filters: Query[AgendaFilters]):
    me = me_of(request)
    qs = access.agendas_visible_to(me).select_related("unit")
    if filters.upcoming:
        qs = qs.filter(meets_at__gt=timezone.now())
    rows, next_url = _page(request, qs, filters, upcoming=_flag(filters.upcoming))
    return Reply(
        200,
        {
            "items": [
                {
                    "id": a.pk,
                    "unit": a.unit.code,
                    "title": a.title,
                    "kind": a.kind,
                    "meets_at": a.meets_at.astimezone(a.unit.tz).isoformat(),
                }
                for a in rows
            ],
            "next": next_url,
        },
    )


@_read(
    "/agendas/{agenda_id}",
    AgendaOut,
    "One agenda (participants, its publisher, the team of the unit or above)",
)
def agenda_detail(request: HttpRequest, agenda_id: str):
    me = me_of(request)
    agenda = access.get_agenda_for(me, agenda_id)
    return Reply(200, agendas.agenda_view(agenda, me))


STATEMENT_BODY = _obj(
    {"conflict": {"type": "boolean"}, "reason": {"type": "string", "description": "required when conflict"}},
    ["conflict"],
)


@_write(
    "/agendas/{agenda_id}/items/{item_id}/statement",
    AgendaOut,
    "Participant: state no conflict, or recuse with a reason, on an item before the meeting",
    STATEMENT_BODY,
)
def agenda_statement(request: HttpRequest, agenda_id: str, item_id: str):
    me = me_of(request)
    agenda = access.get_agenda_for(me, agenda_id)
    agendas.agenda_state(agenda=agenda, item_id=item_id, actor=me, data=json_body(request))
    return Reply(200, agendas.agenda_view(agenda, me))


@_read(
    "/agendas/{agenda_id}/minutes",
    None,
    "The minutes of recusals (who recused from which item, without reasons), as PDF",
    openapi_extra=PDF_ANSWER,
)
def agenda_minutes(request: HttpRequest, agenda_id: str):
    me = me_of(request)
    agenda = access.get_agenda_for(me, agenda_id)
    return file_response(documents.minutes_pdf(agenda, me), PDF, f"notulen-agenda-{agenda.pk}.pdf")


# ---------------------------------------------------------------- the COI risk map


class RiskQuery(Schema):
    unit: str | None = None


@_read(
    "/risk-map",
    RiskMapOut,
    "Team: the COI risk map of a unit and the units below (ratings and the 5×5 heat map)",
    TEAM_READ,
)
def risk_map(request: HttpRequest, filters: Query[RiskQuery]):
    unit = _unit(filters.unit)
    if not access.may_keep_risk_map(me_of(request), unit):
        raise Forbidden("risk_map_team_only")
    rows = selectors.risk_map(unit)
    counts = selectors.heat_counts(rows)
    return Reply(
        200,
        {
            "unit": unit.code,
            "items": [presenters.risk(r) for r in rows],
            "cells": [
                {"likelihood": li, "impact": im, "count": counts.get((li, im), 0)}
                for li in range(1, 6)
                for im in range(1, 6)
            ],
        },
    )


RISK_BODY = _obj(
    {
        "position": STR,
        "decision_kind": DECISION_KINDS,
        "likelihood": {"type": "integer", "minimum": 1, "maximum": 5},
        "impact": {"type": "integer", "minimum": 1, "maximum": 5},
        "mitigation": STR,
        "review_on": {"type": "string", "format": "date"},
    },
    ["position", "decision_kind", "likelihood", "impact", "review_on"],
)


@_write(
    "/risk-map",
    RiskOut,
    "Team: rate (or rate again) the COI risk of a position for a kind of decision",
    RISK_BODY,
)
def risk_rate(request: HttpRequest):
    me = me_of(request)
    rating = riskmap.risk_rate(actor=me, data=json_body(request))
    row = next(r for r in selectors.risk_map(rating.unit) if r.id == rating.pk)
    return Reply(200, presenters.risk(row))


@router.delete(
    "/risk-map/{rating_id}",
    response={204: None, 401: ERR, 404: ERR},
    auth=bearer,
    summary="Team: remove a rating from the risk map",
)
def risk_delete(request: HttpRequest, rating_id: str):
    me = me_of(request)
    rating = riskmap.get_rating_for(me, rating_id)
    riskmap.risk_remove(rating=rating, actor=me)
    return Reply(204, None)
