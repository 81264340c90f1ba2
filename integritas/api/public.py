"""Public endpoints: the unit directory, filing a report, and following it with the receipt."""

from __future__ import annotations

from dataclasses import asdict

from django.http import HttpRequest
from django.utils import timezone
from ninja import Header, Query, Router, Schema
from ninja import Status as Reply

from integritas.api import schemas as s
from integritas.api.bodies import json_or_multipart
from integritas.cases import presenters, services, timeline, tracking
from integritas.cases.evidence import check_files
from integritas.cases.intake import validate_report
from integritas.cases.models import Case
from integritas.errors import Invalid, NotFound, Problem
from integritas.orgs import search as unit_search
from integritas.orgs.models import Unit
from integritas.orgs.selectors import positions_with_holders
from integritas.security.throttle import client_address
from integritas.validation import clean_text

MAX_QUERY = 100
router = Router(tags=["public"], by_alias=True)  # "from", not "from_", in messages and evidence
ERRORS = {
    400: s.ErrorOut,
    401: s.ErrorOut,
    404: s.ErrorOut,
    409: s.ErrorOut,
    413: s.ErrorOut,
    415: s.ErrorOut,
    422: s.ErrorOut,
    429: s.ErrorOut,
}


class UnitQuery(Schema):
    q: str | None = None


def _clean_query(value: str | None, field: str) -> str:
    return clean_text(value, field, limit=MAX_QUERY, required=False)


@router.get(
    "/public/units", response={200: list[s.UnitOut], 422: s.ErrorOut}, summary="Search units by name or code"
)
def units(request: HttpRequest, filters: Query[UnitQuery]):
    q = _clean_query(filters.q, "q")
    # The same search as the page: abbreviations, digits, word order; best first (orgs.search).
    found = unit_search.search(q) if q else list(Unit.objects.select_related("parent").order_by("name")[:50])
    return Reply(
        200,
        [{"code": u.code, "name": u.name, "parent": u.parent.code if u.parent else None} for u in found],
    )


@router.get(
    "/public/units/{code}/positions",
    response={200: list[s.PositionOut], 404: s.ErrorOut},
    summary="Positions of a unit, with their current holders",
)
def unit_positions(request: HttpRequest, code: str):
    unit = Unit.objects.filter(code=code).first() if "\x00" not in code and len(code) <= 64 else None
    if unit is None:
        raise NotFound(reason="unit")
    today = timezone.now().astimezone(unit.tz).date()
    return Reply(200, [asdict(p) for p in positions_with_holders(unit, today)])


@router.post(
    "/reports",
    response={201: s.ReportOut, **ERRORS},
    summary="File a report (JSON, or multipart with evidence files)",
    openapi_extra=s.multipart_body(
        s.REPORT_JSON_SCHEMA,
        description="The report as JSON, or multipart: part `data` (the JSON) and `evidence` files",
    ),
)
def report_create(request: HttpRequest):
    data, uploads = json_or_multipart(request)
    report = validate_report(data, evidence_count=len(uploads))
    files = check_files(uploads, max_upload_mb=int(report.policy["max_upload_mb"]))
    submitted = services.case_submit(report=report, files=files)
    case = submitted.case
    return Reply(
        201,
        {
            "reference": case.reference,
            "receipt": submitted.receipt,
            "status": case.status,
            "due_at": presenters.local(case, case.due_at),
            "handler_title": timeline.current_handler(case),
        },
    )


def case_for_receipt(request: HttpRequest, receipt: str | None) -> Case:
    """The case a receipt opens; wrong receipts count against the client's address (429 when guessing)."""
    return tracking.case_for_receipt(receipt, client_address(request))


@router.get(
    "/track",
    response={200: s.TrackOut, 401: s.ErrorOut, 429: s.ErrorOut},
    summary="The reporter follows the report with the receipt",
)
def track(request: HttpRequest, x_receipt: str | None = Header(default=None, alias="X-Receipt")):
    case = case_for_receipt(request, x_receipt)
    return Reply(200, presenters.for_reporter(case))


@router.post(
    "/track/messages",
    response={201: s.IdOut, **ERRORS},
    summary="The reporter answers and may add evidence",
    openapi_extra=s.multipart_body(s.MESSAGE_JSON_SCHEMA, data='JSON {"text": ...}'),
)
def track_message(request: HttpRequest, x_receipt: str | None = Header(default=None, alias="X-Receipt")):
    case = case_for_receipt(request, x_receipt)
    data, uploads = json_or_multipart(request)
    if not isinstance(data, dict):
        raise Invalid({"body": Problem("not_object")})
    text = data.get("text")
    if text is not None and not isinstance(text, str):
        raise Invalid({"text": Problem("not_text")})
    files = check_files(uploads, max_upload_mb=int(case.unit.effective_policy["max_upload_mb"]))
    message = services.reporter_message(case=case, text=text or "", files=files)
    return Reply(201, {"id": message.pk})
