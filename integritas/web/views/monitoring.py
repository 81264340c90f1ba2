"""Monitoring pages (SOP part D): the dashboard of a unit's subtree for a period, the team-written
sections of the evaluation report, the report's files, and the public transparency page.

Everything works without JavaScript: filters are GET forms, charts are SVG drawn on the server with a
table of the same numbers beside each, and the page prints as it is.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.translation import gettext_lazy as _

from integritas.cases import access
from integritas.cases.models import Category, Outcome, Status
from integritas.errors import DomainError
from integritas.monitoring import charts, figures, report, services, transparency
from integritas.monitoring.models import NOTE_MAX
from integritas.monitoring.periods import Period, parse_period
from integritas.orgs.models import Person, Unit
from integritas.web.forms_staff import StaffForm
from integritas.web.views.common import person_of, staff_required, summary_errors

STAGE_WORDS = {"examination": _("Examination"), "review": _("Review")}


class DashboardForm(StaffForm):
    unit = forms.ChoiceField(label=_("Unit"), choices=())
    period = forms.CharField(
        label=_("Period"),
        max_length=7,
        help_text=_("A year (2026), a semester (2026-S2) or a month (2026-08)."),
    )

    def __init__(self, *args: Any, units: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["unit"]).choices = units

    def clean_period(self) -> Period:
        try:
            return parse_period(self.cleaned_data["period"])
        except DomainError as error:
            raise forms.ValidationError(str(error.fields["period"])) from error


class NoteForm(StaffForm):
    obstacles = forms.CharField(
        label=_("Obstacles and solutions"), required=False, max_length=NOTE_MAX, widget=forms.Textarea
    )
    evaluation = forms.CharField(
        label=_("Evaluation"), required=False, max_length=NOTE_MAX, widget=forms.Textarea
    )
    plans = forms.CharField(
        label=_("Plans for the next period"), required=False, max_length=NOTE_MAX, widget=forms.Textarea
    )


def unit_choices(person: Person, current: Unit | None) -> list[tuple[str, str]]:
    """The units a team member picks from: their team units, the units right below them, and the
    current unit with the units right below it (deeper units are reached from the table of units)."""
    teams = access.team_unit_ids(person)
    condition = Q(pk__in=teams) | Q(parent_id__in=teams)
    if current is not None:
        condition |= Q(pk=current.pk) | Q(parent=current)
    units = Unit.objects.filter(condition).order_by("path")
    return [(u.code, u.name if not u.parent_id else f"{u.name} ({u.code})") for u in units]


def month_label(code: str) -> str:
    year, month = code.split("-")
    return dateformat.format(dt.date(int(year), int(month), 1), "M Y")


def this_year(unit: Unit | None) -> str:
    return str(timezone.now().astimezone(unit.tz if unit else dt.UTC).year)


def team_only(request: HttpRequest) -> HttpResponse:
    return render(request, "web/monitoring/team_only.html", status=403)


def _cases_link(unit: Unit, **params: str) -> str:
    """The team's case list filtered to the unit's subtree (and a state or overdue cases)."""
    return f"{reverse('web:team_cases')}?{urlencode({'unit': unit.code, **params})}"


def dashboard_context(unit: Unit, period: Period, person: Person) -> dict[str, Any]:
    s = figures.scope(unit, person, date_from=period.start, date_to=period.end)
    got = figures.stats(unit, person, date_from=period.start, date_to=period.end, within=s)
    months = [(month_label(m), got["by_month"].get(m, 0)) for m in period.months()]
    categories = [(str(label), got["by_category"].get(code, 0)) for code, label in Category.choices]
    stages = [
        {
            "label": str(STAGE_WORDS[stage]),
            "done": got["within_deadline"][stage]["done"],
            "on_time": got["within_deadline"][stage]["on_time"],
            "percent": round(
                100 * got["within_deadline"][stage]["on_time"] / got["within_deadline"][stage]["done"]
            )
            if got["within_deadline"][stage]["done"]
            else None,
            "median": got["median_working_days"][stage],
        }
        for stage in STAGE_WORDS
    ]
    children = [
        {
            "unit": child,
            "count": n,
            "dashboard": f"{reverse('web:monitoring')}?{urlencode({'unit': child.code, 'period': period.code})}",
            "cases": _cases_link(child),
        }
        for child, n in figures.by_child(s)
        if child.pk != unit.pk
    ]
    statuses = [
        {"label": label, "count": got["by_status"][code], "link": _cases_link(unit, state=code)}
        for code, label in Status.choices
    ]
    query = urlencode({"unit": unit.code, "period": period.code})
    return {
        "unit": unit,
        "period": period,
        "got": got,
        "months": months,
        "months_chart": charts.bars(months, str(_("Reports received per month"))),
        "categories": categories,
        "categories_chart": charts.horizontal(categories, str(_("Reports by category"))),
        "stages": stages,
        "stages_chart": charts.shares(
            [(row["label"], row["done"], row["on_time"]) for row in stages], str(_("Steps taken on time"))
        ),
        "statuses": statuses,
        "outcomes": [(label, got["by_outcome"].get(code, 0)) for code, label in Outcome.choices],
        "children": children,
        "overdue_link": _cases_link(unit, overdue="on"),
        "query": query,
        "declarations_percent": round(100 * got["declarations"]["filed"] / got["declarations"]["people"])
        if got["declarations"]["people"]
        else None,
    }


@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    person = person_of(request)
    teams = access.team_units(person)
    if not teams:
        return team_only(request)
    wanted = (
        Unit.objects.filter(code=request.GET.get("unit") or "").first() if "unit" in request.GET else None
    )
    current = wanted if wanted is not None and access.oversees_unit(person, wanted) else None
    data = request.GET.copy()
    data.setdefault("unit", teams[0].code)
    data.setdefault("period", this_year(current or teams[0]))
    form = DashboardForm(data, units=unit_choices(person, current or teams[0]))
    context: dict[str, Any] = {"form": form, "summary_errors": summary_errors(form)}
    if not form.is_valid():
        return render(request, "web/monitoring/dashboard.html", context, status=400)
    unit = Unit.objects.get(code=form.cleaned_data["unit"])
    if not access.oversees_unit(person, unit):
        return team_only(request)
    context.update(dashboard_context(unit, form.cleaned_data["period"], person))
    return render(request, "web/monitoring/dashboard.html", context)


def _unit_and_period(request: HttpRequest, person: Person) -> tuple[Unit, Period] | None:
    try:
        period = parse_period(request.GET.get("period"))
        unit = services.unit_for(person, request.GET.get("unit"))
    except DomainError:
        return None
    return unit, period


def _input_error(request: HttpRequest, person: Person) -> HttpResponseBase | None:
    """A period or format that cannot be read is the reader's input, not a lack of rights: the dashboard
    form comes back naming the field (400). None when both can be read."""
    fmt = request.GET.get("format", "pdf")
    try:
        parse_period(request.GET.get("period"))
    except DomainError:
        return dashboard(request)
    if fmt not in report.FORMATS:
        form = DashboardForm(
            {"unit": request.GET.get("unit", ""), "period": request.GET.get("period", "")},
            units=unit_choices(person, access.team_units(person)[0]),
        )
        form.is_valid()
        form.add_error(None, _("Choose the report's format: PDF or XLSX."))
        context = {"form": form, "summary_errors": summary_errors(form)}
        return render(request, "web/monitoring/dashboard.html", context, status=400)
    return None


@staff_required
def report_file(request: HttpRequest) -> HttpResponseBase:
    """The evaluation report of the dashboard's unit and period, as PDF or XLSX (the API's file)."""
    from integritas.http import file_response

    person = person_of(request)
    if not access.team_units(person):
        return team_only(request)
    refused = _input_error(request, person)
    if refused is not None:
        return refused
    found = _unit_and_period(request, person)
    fmt = request.GET.get("format", "pdf")
    if found is None:
        return team_only(request)
    unit, period = found
    built = report.build(unit, period, person)
    return file_response(report.render(built, fmt), report.FORMATS[fmt], report.filename(built, fmt))


@staff_required
def note_edit(request: HttpRequest) -> HttpResponseBase:
    """The sections the team writes for the period's report: obstacles and solutions, evaluation, plans."""
    person = person_of(request)
    if not access.team_units(person):
        return team_only(request)
    if request.method != "POST" and "period" in request.GET:
        try:
            parse_period(request.GET.get("period"))
        except DomainError:
            return dashboard(request)
    found = _unit_and_period(request, person)
    if found is None:
        return team_only(request)
    unit, period = found
    note = services.note_of(unit, period)
    initial = (
        {"obstacles": note.obstacles, "evaluation": note.evaluation, "plans": note.plans} if note else {}
    )
    form = NoteForm(request.POST or None, initial=initial)
    back = f"{reverse('web:monitoring')}?{urlencode({'unit': unit.code, 'period': period.code})}"
    if request.method == "POST" and form.is_valid():
        try:
            services.note_save(unit=unit, period=period, actor=person, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The team's sections of the report are saved."))
            return redirect(back)
    context = {
        "form": form,
        "unit": unit,
        "period": period,
        "note": note,
        "back": back,
        "summary_errors": summary_errors(form),
    }
    return render(request, "web/monitoring/note.html", context, status=400 if form.errors else 200)


def transparency_page(request: HttpRequest) -> HttpResponse:
    """Public figures of the whole deployment for a year; counts under 5 are shown as "< 5"."""
    zone = transparency.deployment_zone()
    current = timezone.now().astimezone(zone).year
    raw = request.GET.get("year") or str(current)
    year = int(raw) if raw.isascii() and raw.isdigit() and 2000 <= int(raw) <= current else current
    got = transparency.year_figures(year)
    shown = transparency.shown
    context = {
        "year": year,
        "years": list(range(current, current - 5, -1)),
        "total": shown(got["total"]),
        "closed": shown(got["closed"]),
        "on_time": shown(got["handled_within_deadline"]),
        "categories": [(label, shown(got["by_category"][code])) for code, label in Category.choices],
        "outcomes": [(label, shown(got["by_outcome"][code])) for code, label in Outcome.choices],
    }
    return render(request, "web/monitoring/transparency.html", context)
