"""Units: the tree, and the edit page with the inherited settings and the policy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Count
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from integritas.orgs import services
from integritas.orgs.models import Unit
from integritas.web import forms_manage as f
from integritas.web.views.common import person_of
from integritas.web.views.manage.common import admin_only, edit_page, page, today


def tree_rows(units: Sequence[Unit]) -> list[dict[str, Any]]:
    """Nested-list events for the template: an item (with or without children), or the end of a level."""
    ordered = f.unit_tree(units)
    rows: list[dict[str, Any]] = []
    for i, (unit, depth) in enumerate(ordered):
        next_depth = ordered[i + 1][1] if i + 1 < len(ordered) else 0
        rows.append({"kind": "item", "unit": unit, "depth": depth, "has_children": next_depth > depth})
        rows.extend({"kind": "close"} for _level in range(depth - next_depth))
    return rows


@admin_only
def unit_list(request: HttpRequest) -> HttpResponse:
    units = list(
        Unit.objects.annotate(
            n_positions=Count("positions", distinct=True),
            n_team=Count("team_memberships", distinct=True),
        ).order_by("code")
    )
    return page(request, "unit_list.html", {"rows": tree_rows(units), "year": today().year}, section="units")


def _unit_page(request: HttpRequest, unit: Unit | None) -> HttpResponse:
    def save(form: Form) -> tuple[Unit, bool]:
        fields = {name: form.cleaned_data[name] for name in ("name", "parent", "timezone", "work_week")}
        policy = form.policy()  # type: ignore[attr-defined]
        code = form.cleaned_data.get("code", "")
        return services.unit_save(actor=person_of(request), unit=unit, code=code, policy=policy, **fields)

    def context(form: Form) -> dict[str, Any]:
        extra: dict[str, Any] = {"unit": unit, "year": today().year}
        if unit is not None:
            extra["effective"] = {
                "timezone": f.timezone_label(unit.effective_timezone),
                "work_week": f.work_week_label(unit.effective_work_week),
            }
            extra["children"] = unit.children.order_by("code")
        return extra

    initial = {"parent": request.GET.get("induk", "")}
    return edit_page(request, "unit", unit, f.UnitForm, initial, save, context, _("Unit %(code)s saved."))


@admin_only
def unit_page(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """A new unit (no ``code``), or the one with this code."""
    return _unit_page(
        request, get_object_or_404(Unit.objects.select_related("parent"), code=code) if code else None
    )
