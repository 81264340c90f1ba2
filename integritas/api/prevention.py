"""Prevention endpoints (API.md §2 Prevention): declarations of interests, gratification reports,
self-declared conflicts, decision agendas and the COI risk map.

Handlers only translate HTTP into one call of ``integritas.prevention``; visibility comes from
``prevention.access`` alone. Bodies are read as JSON (gratifications also as multipart with evidence
files) and checked by the services, which name every bad field with a problem code (422).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote, urlencode

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja import Status as Reply
from pydantic import Field

from integritas.api import schemas as s
from integritas.api.bodies import json_or_multipart
from integritas.api.staff import bearer, me_of
from integritas.cases.evidence import check_files
from integritas.errors import Forbidden, Invalid, NotFound, Problem
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
WRITE = {400: ERR, 401: ERR, 403: ERR, 404: ERR, 409: ERR, 413: ERR, 415: ERR, 422: ERR}


def _body(request: HttpRequest) -> Any:
    data, _ = json_or_multipart(request)
    return data


def _unit(code: str | None, field: str = "unit") -> Unit:
    if not code:
        raise Invalid({field: Problem("required")})
    unit = Unit.objects.filter(code=code).first() if "\x00" not in code and len(code) <= 64 else None
    if unit is None:
        raise NotFound("unit_not_found")
    return unit


def _page(request: HttpRequest, qs: Any, cursor: int | None, limit: int, params: dict[str, Any]) -> tuple:
    if cursor:
        qs = qs.filter(pk__lt=cursor)
    rows = list(qs.order_by("-pk")[: limit + 1])
    next_url = None
    if len(rows) > limit:
        rows = rows[:limit]
        query = {k: v for k, v in {**params, "limit": limit, "cursor": rows[-1].pk}.items() if v}
        next_url = request.path + "?" + urlencode(query)
    return rows, next_url


def _json(body: dict[str, Any]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": body}}}}


def _obj(properties: dict[str, Any], required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties, **extra}
    if required:
        schema["required"] = required
    return schema


STR = {"type": "string"}
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


@router.post(
    "/declarations",
    response={201: DeclarationCreated, **WRITE},
    auth=bearer,
    summary="File a declaration of interests for myself (annual or ad hoc), or declare none",
    openapi_extra=_json(DECLARATION_BODY),
)
def declaration_create(request: HttpRequest):
    filed = declarations.declaration_file(person=me_of(request), data=_body(request))
    row = presenters.declaration(filed.declaration)
    return Reply(201, {k: row[k] for k in ("id", "kind", "year", "filed_at")})


class DeclarationFilters(Schema):
    mine: bool = Field(default=True, description="my own declarations (the default)")
    person: str | None = Field(default=None, description="team: the declarations of this username")
    year: int | None = Field(default=None, ge=1900, le=9999)


@router.get(
    "/declarations",
    response={200: DeclarationList, **READ},
    auth=bearer,
    summary="My declarations (or, for the team, those of a person they oversee)",
)
def declaration_list(request: HttpRequest, filters: Query[DeclarationFilters]):
    me = me_of(request)
    owner: Person = me
    if filters.person and filters.person != me.username:
        found = (
            Person.objects.filter(username=filters.person).first() if "\x00" not in filters.person else None
        )
        if found is None or not access.oversees_person(me, found):
            raise NotFound("declaration_not_found")
        owner = found
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


@router.get(
    "/declarations/compliance",
    response={200: ComplianceOut, 401: ERR, 403: ERR, 404: ERR, 422: ERR},
    auth=bearer,
    summary="Team: who holds a position in the unit's subtree today and has not filed for the year",
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


@router.post(
    "/declarations/reminders",
    response={200: RemindedOut, **WRITE},
    auth=bearer,
    summary="Team: remind those who have not filed their annual declaration (by e-mail and notice)",
    openapi_extra=_json(REMINDER_BODY),
)
def declaration_reminders(request: HttpRequest):
    data = _body(request)
    if not isinstance(data, dict):
        raise Invalid({"body": Problem("not_object")})
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


PDF_ANSWER = {
    "responses": {
        "200": {
            "description": "PDF",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


def _attachment(body: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"
    response["Cache-Control"] = "no-store"
    return response


@router.get(
    "/declarations/statement",
    response={200: None, **READ},
    auth=bearer,
    summary="The signed statement (surat pernyataan) of an annual declaration, as PDF",
    openapi_extra=PDF_ANSWER,
)
def declaration_statement(request: HttpRequest, filters: Query[StatementQuery]):
    me = me_of(request)
    owner: Person = me
    if filters.person and filters.person != me.username:
        found = (
            Person.objects.filter(username=filters.person).first() if "\x00" not in filters.person else None
        )
        if found is None or not access.oversees_person(me, found):
            raise NotFound("declaration_not_found")
        owner = found
    unit = home_unit(owner)
    year = filters.year or timezone.now().astimezone(unit.tz if unit else dt.UTC).year
    row = declarations.annual_for(owner, year)
    if row is None:
        raise NotFound("declaration_statement_missing")
    pdf = documents.statement_pdf(row, me)
    return _attachment(pdf, "application/pdf", f"surat-pernyataan-{owner.username}-{year}.pdf")


@router.get(
    "/declarations/{declaration_id}",
    response={200: DeclarationOut, **READ},
    auth=bearer,
    summary="One declaration (mine, or of a person my team oversees)",
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
    row = access.get_gratification_for(me, row.reference)
    return Reply(201, presenters.gratification_detail(row, me))


class GratificationFilters(Schema):
    status: str | None = Field(default=None, description="reported or settled")
    mine: bool = Field(default=False, description="only the reports I filed")
    unit: str | None = Field(default=None, description="only this unit and the units below it")
    cursor: int | None = Field(default=None, ge=0)
    limit: int = Field(default=50, ge=1, le=200)


def _gratification_rows(me: Person, status: str | None, mine: bool, unit_code: str | None) -> Any:
    qs = access.gratifications_visible_to(me).select_related("unit", "recipient", "threshold")
    if status:
        if status not in GratificationStatus.values:
            raise Invalid({"status": Problem("choice", choices=", ".join(GratificationStatus.values))})
        qs = qs.filter(status=status)
    if mine:
        qs = qs.filter(recipient=me)
    if unit_code:
        qs = qs.filter(unit__path__startswith=_unit(unit_code).path)
    return qs


@router.get(
    "/gratifications",
    response={200: GratificationList, **READ},
    auth=bearer,
    summary="Gratification reports I may see: my own; my team's units and below",
)
def gratification_list(request: HttpRequest, filters: Query[GratificationFilters]):
    me = me_of(request)
    qs = _gratification_rows(me, filters.status, filters.mine, filters.unit)
    params = {"status": filters.status, "mine": "true" if filters.mine else None, "unit": filters.unit}
    rows, next_url = _page(request, qs, filters.cursor, filters.limit, params)
    now = timezone.now()
    return Reply(200, {"items": [presenters.gratification(r, now) for r in rows], "next": next_url})


class ExportQuery(Schema):
    unit: str | None = None
    status: str | None = Field(default=None, description="reported or settled")
    from_: dt.date | None = Field(default=None, alias="from", description="received on or after")
    to: dt.date | None = Field(default=None, description="received on or before")


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/gratifications/export",
    response={200: None, 401: ERR, 403: ERR, 404: ERR, 422: ERR},
    auth=bearer,
    summary="Team: the reports of a unit and below as XLSX, one row per report, for the KPK (GOL)",
    openapi_extra={
        "responses": {
            "200": {
                "description": "XLSX",
                "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
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
    return _attachment(body, XLSX, f"gratifikasi-{unit.code}-{stamp}.xlsx")


@router.get(
    "/gratifications/{reference}",
    response={200: GratificationOut, **READ},
    auth=bearer,
    summary="One gratification report (the recipient; the team of the unit or above)",
)
def gratification_detail(request: HttpRequest, reference: str):
    me = me_of(request)
    row = access.get_gratification_for(me, reference)
    return Reply(200, presenters.gratification_detail(row, me))


OUTCOME_BODY = _obj(
    {
        "outcome": {
            "type": "string",
            "enum": ["forwarded_to_kpk", "returned", "state_property", "kept_allowed"],
        },
        "notes": STR,
    },
    ["outcome"],
)


@router.post(
    "/gratifications/{reference}/outcome",
    response={200: GratificationOut, **WRITE},
    auth=bearer,
    summary="Team: record what happened to the gift (the report is then settled)",
    openapi_extra=_json(OUTCOME_BODY),
)
def gratification_outcome(request: HttpRequest, reference: str):
    me = me_of(request)
    row = access.get_gratification_for(me, reference)
    data = _body(request)
    if not isinstance(data, dict):
        raise Invalid({"body": Problem("not_object")})
    gratifications.gratification_settle(
        item=row, actor=me, outcome=data.get("outcome"), notes=data.get("notes")
    )
    row = access.get_gratification_for(me, reference)
    return Reply(200, presenters.gratification_detail(row, me))


@router.get(
    "/gratifications/{reference}/evidence/{evidence_id}",
    response={200: None, 401: ERR, 404: ERR},
    auth=bearer,
    summary="Download a file of a gratification report, as uploaded",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file",
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def gratification_evidence(request: HttpRequest, reference: str, evidence_id: str):
    me = me_of(request)
    row = access.get_gratification_for(me, reference)
    evidence, name = gratifications.evidence_file(row, evidence_id, me)
    response = StreamingHttpResponse(
        gratifications.read_evidence(row, evidence), content_type=evidence.content_type
    )
    response["Content-Length"] = str(evidence.size)
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "'")
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    response["Cache-Control"] = "no-store"
    return response


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


@router.post(
    "/conflicts",
    response={201: SelfDeclarationOut, **WRITE},
    auth=bearer,
    summary="Declare my own conflict of interest in a decision; it goes to my direct superior",
    openapi_extra=_json(CONFLICT_BODY),
)
def conflict_create(request: HttpRequest):
    me = me_of(request)
    item = conflicts.self_declaration_file(declarer=me, data=_body(request))
    item = access.get_self_declaration_for(me, item.reference)
    return Reply(201, presenters.self_declaration(item, me))


class ConflictFilters(Schema):
    status: str | None = Field(default=None, description="open or decided")
    mine: bool = Field(default=False, description="only the ones I must decide now")
    cursor: int | None = Field(default=None, ge=0)
    limit: int = Field(default=50, ge=1, le=200)


@router.get(
    "/conflicts",
    response={200: SelfDeclarationList, **READ},
    auth=bearer,
    summary="Self-declarations I may see (mine, handled by me, my team's units)",
)
def conflict_list(request: HttpRequest, filters: Query[ConflictFilters]):
    me = me_of(request)
    qs = access.self_declarations_visible_to(me).select_related(
        "unit", "declarer", "declarer_position", "handler_position", "handler_team"
    )
    if filters.status:
        if filters.status not in ConflictStatus.values:
            raise Invalid({"status": Problem("choice", choices=", ".join(ConflictStatus.values))})
        qs = qs.filter(status=filters.status)
    if filters.mine:
        qs = qs.filter(status=ConflictStatus.OPEN)
        qs = qs.filter(handler_person=me) | qs.filter(
            handler_person__isnull=True, handler_team_id__in=access.team_unit_ids(me)
        ).exclude(declarer=me)
    params = {"status": filters.status, "mine": "true" if filters.mine else None}
    rows, next_url = _page(request, qs, filters.cursor, filters.limit, params)
    return Reply(200, {"items": [presenters.self_declaration(r) for r in rows], "next": next_url})


@router.get(
    "/conflicts/{reference}",
    response={200: SelfDeclarationOut, **READ},
    auth=bearer,
    summary="One self-declaration (the declarer, its handlers, the team of the unit or above)",
)
def conflict_detail(request: HttpRequest, reference: str):
    me = me_of(request)
    item = access.get_self_declaration_for(me, reference)
    return Reply(200, presenters.self_declaration(item, me))


MEASURE_BODY = _obj(
    {
        "measure": {
            "type": "string",
            "enum": ["recusal", "reassignment", "restricted_access", "divestment", "no_conflict"],
        },
        "notes": STR,
    },
    ["measure"],
)


@router.post(
    "/conflicts/{reference}/measure",
    response={200: SelfDeclarationOut, **WRITE},
    auth=bearer,
    summary="Current handler: decide the control measure (the decision is no longer suspended)",
    openapi_extra=_json(MEASURE_BODY),
)
def conflict_measure(request: HttpRequest, reference: str):
    me = me_of(request)
    item = access.get_self_declaration_for(me, reference)
    data = _body(request)
    if not isinstance(data, dict):
        raise Invalid({"body": Problem("not_object")})
    conflicts.self_declaration_decide(
        item=item, actor=me, measure=data.get("measure"), notes=data.get("notes")
    )
    item = access.get_self_declaration_for(me, reference)
    return Reply(200, presenters.self_declaration(item, me))


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


@router.post(
    "/agendas",
    response={201: AgendaOut, **WRITE},
    auth=bearer,
    summary="Publish a decision agenda (staff holding a position in the unit, or its team)",
    openapi_extra=_json(AGENDA_BODY),
)
def agenda_create(request: HttpRequest):
    me = me_of(request)
    agenda = agendas.agenda_create(actor=me, data=_body(request))
    agenda = access.get_agenda_for(me, agenda.pk)
    return Reply(201, agendas.agenda_view(agenda, me))


class AgendaFilters(Schema):
    upcoming: bool = Field(default=False, description="only meetings that have not started")
    cursor: int | None = Field(default=None, ge=0)
    limit: int = Field(default=50, ge=1, le=200)


@router.get(
    "/agendas",
    response={200: AgendaList, **READ},
    auth=bearer,
    summary="Agendas I may see (as a participant, as their publisher, as the team)",
)
def agenda_list(request: HttpRequest, filters: Query[AgendaFilters]):
    me = me_of(request)
    qs = access.agendas_visible_to(me).select_related("unit")
    if filters.upcoming:
        qs = qs.filter(meets_at__gt=timezone.now())
    rows, next_url = _page(
        request, qs, filters.cursor, filters.limit, {"upcoming": "true" if filters.upcoming else None}
    )
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


@router.get(
    "/agendas/{agenda_id}",
    response={200: AgendaOut, **READ},
    auth=bearer,
    summary="One agenda (participants, its publisher, the team of the unit or above)",
)
def agenda_detail(request: HttpRequest, agenda_id: str):
    me = me_of(request)
    agenda = access.get_agenda_for(me, agenda_id)
    return Reply(200, agendas.agenda_view(agenda, me))


STATEMENT_BODY = _obj(
    {"conflict": {"type": "boolean"}, "reason": {"type": "string", "description": "required when conflict"}},
    ["conflict"],
)


@router.post(
    "/agendas/{agenda_id}/items/{item_id}/statement",
    response={200: AgendaOut, **WRITE},
    auth=bearer,
    summary="Participant: state no conflict, or recuse with a reason, on an item before the meeting",
    openapi_extra=_json(STATEMENT_BODY),
)
def agenda_statement(request: HttpRequest, agenda_id: str, item_id: str):
    me = me_of(request)
    agenda = access.get_agenda_for(me, agenda_id)
    agendas.agenda_state(agenda=agenda, item_id=item_id, actor=me, data=_body(request))
    return Reply(200, agendas.agenda_view(agenda, me))


@router.get(
    "/agendas/{agenda_id}/minutes",
    response={200: None, **READ},
    auth=bearer,
    summary="The minutes of recusals (who recused from which item, without reasons), as PDF",
    openapi_extra=PDF_ANSWER,
)
def agenda_minutes(request: HttpRequest, agenda_id: str):
    me = me_of(request)
    agenda = access.get_agenda_for(me, agenda_id)
    return _attachment(
        documents.minutes_pdf(agenda, me), "application/pdf", f"notulen-agenda-{agenda.pk}.pdf"
    )


# ---------------------------------------------------------------- the COI risk map


class RiskQuery(Schema):
    unit: str | None = None


@router.get(
    "/risk-map",
    response={200: RiskMapOut, 401: ERR, 403: ERR, 404: ERR, 422: ERR},
    auth=bearer,
    summary="Team: the COI risk map of a unit and the units below (ratings and the 5×5 heat map)",
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


@router.post(
    "/risk-map",
    response={200: RiskOut, **WRITE},
    auth=bearer,
    summary="Team: rate (or rate again) the COI risk of a position for a kind of decision",
    openapi_extra=_json(RISK_BODY),
)
def risk_rate(request: HttpRequest):
    me = me_of(request)
    rating = riskmap.risk_rate(actor=me, data=_body(request))
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
