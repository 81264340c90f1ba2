"""The working-day calendar in force for a case's unit, read-only, for whoever sees the case: which days
count towards its deadline and which do not (the administrators' year grid, ``orgs.calendar.year_grid``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language, ngettext

from integritas.cases.deadlines import deadline_count
from integritas.orgs.calendar import year_grid
from integritas.web import forms_manage
from integritas.web.views.common import not_found, staff_required, visible_case
from integritas.web.views.manage.calendar import FIRST_YEAR, LAST_YEAR, weekday_headers


@staff_required
def case_calendar(request: HttpRequest, reference: str) -> HttpResponse:
    case = visible_case(request, reference)
    if case is None:
        return not_found(request)
    unit = case.unit
    count = deadline_count(case)
    shown = (case.due_at or case.created_at).astimezone(unit.tz).year
    asked = request.GET.get("tahun", "")
    if asked.isascii() and asked.isdigit() and FIRST_YEAR <= int(asked) <= LAST_YEAR:
        shown = int(asked)
    months, working, added = year_grid(unit, shown, "en" if get_language() == "en" else "id")
    context = {
        "case": case,
        "unit": unit,
        "year": shown,
        "months": months,
        "working_total": working,
        "working_text": ngettext("%(n)s working day in the year", "%(n)s working days in the year", working)
        % {"n": working},
        "weekday_headers": weekday_headers(),
        "added": added,
        "clock": count,
        "due_day": count.due_day if count else None,
        "previous": shown - 1 if shown > FIRST_YEAR else None,
        "next": shown + 1 if shown < LAST_YEAR else None,
        "timezone": forms_manage.timezone_label(unit.effective_timezone),
        "work_week": forms_manage.work_week_label(unit.effective_work_week),
    }
    return render(request, "web/staff/case_calendar.html", context)
