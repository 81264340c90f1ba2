"""Positions: per unit with their holders today, and the edit page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from integritas.orgs import services
from integritas.orgs.models import Holding, Position, Unit
from integritas.web import forms_manage as f
from integritas.web.views.common import person_of
from integritas.web.views.manage.common import admin_only, edit_page, page, today


def holders_by_position(positions: list[Position], day: dt.date) -> dict[int, list[Holding]]:
    holders: dict[int, list[Holding]] = {p.pk: [] for p in positions}
    for holding in (
        Holding.objects.active_on(day)
        .filter(position__in=positions)
        .select_related("person")
        .order_by("start")
    ):
        holders[holding.position_id].append(holding)
    return holders


@admin_only
def position_list(request: HttpRequest) -> HttpResponse:
    day = today()
    code = request.GET.get("unit", "").strip()
    if code:
        unit = get_object_or_404(Unit, code=code)
        positions = list(
            Position.objects.filter(unit=unit).select_related("reports_to__unit").order_by("code")
        )
        holders = holders_by_position(positions, day)
        rows = [{"position": p, "holders": holders[p.pk]} for p in positions]
        return page(
            request,
            "position_list.html",
            {"unit": unit, "rows": rows, "vacant": sum(1 for r in rows if not r["holders"])},
            section="positions",
        )
    vacant = dict(
        Position.objects.exclude(pk__in=Holding.objects.active_on(day).values("position_id"))
        .values_list("unit_id")
        .annotate(n=Count("id"))
    )
    units = list(Unit.objects.annotate(n_positions=Count("positions")).order_by("code"))
    rows = [{"unit": u, "depth": d, "vacant": vacant.get(u.pk, 0)} for u, d in f.unit_tree(units)]
    return page(request, "position_units.html", {"rows": rows}, section="positions")


def _position_page(request: HttpRequest, position: Position | None) -> HttpResponse:
    def save(form: Form) -> tuple[Position, bool]:
        fields = {name: form.cleaned_data[name] for name in ("unit", "title", "reports_to")}
        code = form.cleaned_data.get("code", "")
        return services.position_save(actor=person_of(request), position=position, code=code, **fields)

    def context(form: Form) -> dict[str, Any]:
        extra: dict[str, Any] = {"position": position}
        if position is not None:
            day = today()
            holdings = list(position.holdings.select_related("person").order_by("-start"))
            extra.update(
                holdings=holdings,
                current=[h for h in holdings if h.start <= day and (h.end is None or h.end >= day)],
                subordinates=list(
                    position.subordinates.select_related("unit").order_by("unit__code", "code")
                ),
                today=day,
            )
        return extra

    initial = {"unit": request.GET.get("unit", "")}
    return edit_page(
        request, "position", position, f.PositionForm, initial, save, context, _("Position %(code)s saved.")
    )


@admin_only
def position_page(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """A new position (no ``code``), or the one with this code."""
    found = (
        get_object_or_404(Position.objects.select_related("unit", "reports_to"), code=code) if code else None
    )
    return _position_page(request, found)
