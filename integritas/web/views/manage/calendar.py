"""The working-day calendar of a unit: the year grid (``orgs.calendar.year_grid``) and added days off."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from integritas.errors import Invalid
from integritas.orgs import services
from integritas.orgs.calendar import year_grid
from integritas.orgs.models import Holiday, Unit
from integritas.web import forms_manage as f
from integritas.web.views.common import person_of
from integritas.web.views.manage.common import admin_only, page, today

FIRST_YEAR, LAST_YEAR = 2000, 2100


def weekday_headers() -> list[dict[str, dt.date]]:
    monday = dt.date(2024, 1, 1)  # a Monday
    return [{"day": monday + dt.timedelta(days=i)} for i in range(7)]


@admin_only
def calendar_index(request: HttpRequest) -> HttpResponse:
    if "unit" in request.GET:
        form = f.CalendarPickForm(request.GET)
        if form.is_valid():
            return redirect(
                "web:manage_calendar", code=form.cleaned_data["unit"].code, year=form.cleaned_data["year"]
            )
        return page(request, "calendar_index.html", {"form": form}, section="calendar", status=400)
    form = f.CalendarPickForm(initial={"year": today().year})
    return page(request, "calendar_index.html", {"form": form}, section="calendar")


@admin_only
def calendar_view(request: HttpRequest, code: str, year: int) -> HttpResponse:
    unit = get_object_or_404(Unit, code=code)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    day = today()
    form = f.HolidayForm(initial={"date": dt.date(year, day.month, 1) if year != day.year else day})
    status = 200
    if request.method == "POST":
        if "remove" in request.POST:
            holiday = get_object_or_404(
                Holiday.objects.filter(Q(unit__isnull=True) | Q(unit=unit)), pk=request.POST["remove"]
            )
            services.holiday_remove(actor=person_of(request), holiday=holiday)
            messages.success(request, _("Day off %(name)s removed.") % {"name": holiday.name})
            return redirect("web:manage_calendar", code=unit.code, year=year)
        form = f.HolidayForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                holiday = services.holiday_add(
                    actor=person_of(request),
                    date=data["date"],
                    name=data["name"],
                    unit=unit if data["scope"] == "unit" else None,
                )
            except Invalid as error:
                f.show_invalid(form, error)
            else:
                messages.success(request, _("Day off %(name)s added.") % {"name": holiday.name})
                return redirect("web:manage_calendar", code=unit.code, year=holiday.date.year)
        status = 400
    months, working, added = year_grid(unit, year, "en" if get_language() == "en" else "id")
    return page(
        request,
        "calendar.html",
        {
            "unit": unit,
            "year": year,
            "months": months,
            "working_total": working,
            "weekday_headers": weekday_headers(),
            "added": added,
            "form": form,
            "previous": year - 1 if year > FIRST_YEAR else None,
            "next": year + 1 if year < LAST_YEAR else None,
            "timezone": f.timezone_label(unit.effective_timezone),
            "work_week": f.work_week_label(unit.effective_work_week),
        },
        section="calendar",
        status=status,
    )
