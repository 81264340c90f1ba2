"""Monitoring endpoints (API.md §2 Monitoring): the evaluation report as a file, and the public
transparency figures. ``GET /stats`` lives with the staff endpoints."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja import Status as Reply

from integritas.api import schemas as s
from integritas.api.common import binary_answer
from integritas.api.staff import bearer, me_of
from integritas.errors import Invalid, Problem
from integritas.http import file_response
from integritas.monitoring import report, services, transparency
from integritas.monitoring.periods import parse_period

router = Router(tags=["monitoring"])
ERR = s.ErrorOut
FILE_ANSWER = binary_answer("The report as PDF or XLSX", *report.FORMATS.values())


class EvaluationQuery(Schema):
    unit: str
    period: str
    format: str = "pdf"


def report_format(value: object) -> str:
    if value not in report.FORMATS:
        raise Invalid({"format": Problem("report_format")})
    return str(value)


@router.get(
    "/reports/evaluation",
    response={200: None, 401: ERR, 403: ERR, 404: ERR, 422: ERR},
    auth=bearer,
    summary="The periodic evaluation report of a unit and the units below it (team of that unit or above)",
    openapi_extra=FILE_ANSWER,
)
def evaluation_report(request: HttpRequest, filters: Query[EvaluationQuery]):
    me = me_of(request)
    fmt = report_format(filters.format)
    period = parse_period(filters.period)
    unit = services.unit_for(me, filters.unit)
    built = report.build(unit, period, me)
    return file_response(report.render(built, fmt), report.FORMATS[fmt], report.filename(built, fmt))


class TransparencyQuery(Schema):
    year: int | None = None


class TransparencyOut(Schema):
    year: int
    total: int
    by_category: dict[str, int]
    by_outcome: dict[str, int]
    closed: int
    handled_within_deadline: int


@router.get(
    "/public/transparency",
    response={200: TransparencyOut, 422: ERR},
    summary="Figures for the whole deployment and a year: counts only",
)
def public_transparency(request: HttpRequest, filters: Query[TransparencyQuery]):
    year = filters.year or timezone.now().astimezone(transparency.deployment_zone()).year
    if not 2000 <= year <= 2999:
        raise Invalid({"year": Problem("year_format")})
    return Reply(200, transparency.year_figures(year))
