"""The ZI-WBK evidence binder page: the documents the team keeps on file (the decree forming the team,
socialisation records) and the download of the binder of a year."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from integritas.errors import DomainError
from integritas.http import file_response
from integritas.monitoring import binder, services
from integritas.monitoring.models import EvidenceFile, EvidenceKind
from integritas.orgs.models import Unit
from integritas.web.forms_staff import StaffForm, show_invalid
from integritas.web.views.common import person_of, staff_required, summary_errors
from integritas.web.views.monitoring import team_only


class EvidenceForm(StaffForm):
    kind = forms.ChoiceField(
        label=_("Kind of document"), choices=EvidenceKind.choices, widget=forms.RadioSelect
    )
    title = forms.CharField(label=_("Title"), max_length=300)
    number = forms.CharField(
        label=_("Decree number"), max_length=100, required=False, help_text=_("For a decree: its number.")
    )
    date = forms.DateField(label=_("Date"), help_text=_("Year-month-day, e.g. 2026-01-15."))
    attendance = forms.IntegerField(
        label=_("Attendance"),
        required=False,
        min_value=1,
        max_value=100000,
        help_text=_("For a socialisation: how many people attended."),
    )
    file = forms.FileField(label=_("File"), help_text=_("A PDF, an office document or an image."))


def _unit(request: HttpRequest) -> Unit | None:
    try:
        return services.unit_for(person_of(request), request.GET.get("unit"))
    except DomainError:
        return None


def _year(request: HttpRequest, unit: Unit) -> int:
    raw = request.GET.get("year") or ""
    current = timezone.now().astimezone(unit.tz).year
    return int(raw) if raw.isascii() and raw.isdigit() and 2000 <= int(raw) <= current else current


def _of_unit_year(view: Callable[[HttpRequest, Unit, int], HttpResponse]) -> Callable[..., HttpResponseBase]:
    """Staff of the team of the unit asked for (``?unit=``; the page for the team only otherwise),
    with the year asked for (this year when none or a wrong one)."""

    @staff_required
    @wraps(view)
    def wrapper(request: HttpRequest) -> HttpResponse:
        unit = _unit(request)
        if unit is None:
            return team_only(request)
        return view(request, unit, _year(request, unit))

    return wrapper


@_of_unit_year
def binder_page(request: HttpRequest, unit: Unit, year: int) -> HttpResponse:
    form = EvidenceForm(request.POST or None, request.FILES or None)
    here = f"{reverse('web:monitoring_binder')}?{urlencode({'unit': unit.code, 'year': year})}"
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            binder.evidence_add(
                unit=unit,
                actor=person_of(request),
                kind=data["kind"],
                title=data["title"],
                number=data["number"],
                date=data["date"],
                attendance=data["attendance"],
                upload=data["file"],
            )
        except DomainError as error:
            show_invalid(form, error)
            if not error.fields:
                form.add_error(None, error.message)
        else:
            messages.success(request, _("The document is kept on file."))
            return redirect(here)
    context: dict[str, Any] = {
        "unit": unit,
        "year": year,
        "form": form,
        "files": binder.files_of(unit),
        "items": binder.ITEMS,
        "summary_errors": summary_errors(form),
        "download": f"{reverse('web:monitoring_binder_zip')}?{urlencode({'unit': unit.code, 'year': year})}",
        "back": f"{reverse('web:monitoring')}?{urlencode({'unit': unit.code, 'period': year})}",
    }
    return render(request, "web/monitoring/binder.html", context, status=400 if form.errors else 200)


@_of_unit_year
def binder_download(request: HttpRequest, unit: Unit, year: int) -> HttpResponse:
    body = binder.binder_zip(unit, year, person_of(request))
    return file_response(body, "application/zip", f"berkas-zi-wbk-{unit.code}-{year}.zip")


@staff_required
def evidence_download(request: HttpRequest, file_id: int) -> HttpResponse:
    from integritas.cases import access

    row = EvidenceFile.objects.filter(pk=file_id).select_related("unit").first()
    if row is None or not access.oversees_unit(person_of(request), row.unit):
        return render(request, "web/staff/not_found.html", status=404)
    return file_response(binder.content_of(row), row.content_type, row.name)
