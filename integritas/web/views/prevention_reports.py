"""Prevention pages for reports: gratification reports (form, list, one report with the team's outcome,
files, the export for the KPK) and self-declared conflicts (form, list, one declaration with the
handler's measure)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from integritas import http
from integritas.cases.evidence import Download, check_files
from integritas.cases.models import DecisionKind
from integritas.http import file_response
from integritas.orgs.models import Person, Unit
from integritas.prevention import access, conflicts, exports, gratifications
from integritas.prevention.common import holdings_today, home_unit
from integritas.prevention.models import (
    ConflictKind,
    ConflictStatus,
    GratificationOutcome,
    GratificationStatus,
    Measure,
    Occasion,
)
from integritas.web.views.prevention import (
    day,
    me,
    rupiah,
    staff_only,
    submit,
    summary_errors,
    team_only,
    team_units_tree,
    unit_choices,
    when,
    with_units,
)
from integritas.web.views.prevention_forms import (
    ConflictForm,
    GratificationFilterForm,
    GratificationForm,
    MeasureForm,
    OutcomeForm,
)

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# ---------------------------------------------------------------- gratification


def _thresholds() -> list[dict[str, Any]]:
    """The limits in force today, for the form's explanation (from the data, never hard-coded)."""
    today = timezone.localdate()
    rows = []
    for occasion in Occasion:
        row = gratifications.threshold_for(occasion.value, today)
        if row is not None:
            rows.append(
                {
                    "occasion": occasion.label,
                    "row": row,
                    "limit": rupiah(row.max_value_idr),
                    "yearly": rupiah(row.yearly_max_idr) if row.yearly_max_idr else "",
                }
            )
    return rows


def _grat_row(row: Any, now: Any) -> dict[str, Any]:
    return {
        "row": row,
        "occasion": Occasion(row.occasion).label,
        "received": day(row.received_on),
        "due": when(row.due_at, row.unit),
        "overdue": gratifications.is_overdue(row, now),
        "outcome": GratificationOutcome(row.outcome).label if row.outcome else "",
        "value": rupiah(row.value_idr),
    }


@staff_only
def gratification_list(request: HttpRequest) -> HttpResponse:
    person = me(request)
    form = GratificationFilterForm(request.GET or None)
    qs = access.gratifications_visible_to(person).select_related("unit", "recipient")
    if form.is_bound and form.is_valid() and form.cleaned_data.get("status"):
        qs = qs.filter(status=form.cleaned_data["status"])
    mine = qs.filter(recipient=person).order_by("-created_at", "-pk")
    team = qs.exclude(recipient=person).order_by("status", "due_at", "-pk")
    page = Paginator(team, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    context = {
        "form": form,
        "mine": [_grat_row(r, now) for r in mine[:100]],
        "team_rows": [_grat_row(r, now) for r in page.object_list],
        "page": page,
        "is_team": bool(team_units_tree(person)),
        "export_units": unit_choices(team_units_tree(person)),
        "summary_errors": summary_errors(form),
        "section": "gratifications",
    }
    return render(request, "web/prevention/gratifications.html", context)


@staff_only
def gratification_new(request: HttpRequest) -> HttpResponse:
    person = me(request)
    unit = home_unit(person)
    posted = request.method == "POST"
    form = GratificationForm(request.POST if posted else None, request.FILES if posted else None)

    def report() -> Any:
        uploads = request.FILES.getlist("evidence")
        limit = int((unit.effective_policy if unit else {}).get("max_upload_mb", 20))
        files = check_files(uploads, max_upload_mb=limit) if uploads else []
        return gratifications.gratification_report(recipient=person, data=form.to_data(), files=files)

    def show(status: int, problem: str) -> HttpResponse:
        if status in (413, 415):  # the file was refused: say so next to it
            form.add_error("evidence", problem)
        context = {
            "form": form,
            "summary_errors": summary_errors(form),
            "problem": problem,
            "thresholds": _thresholds(),
            "no_unit": unit is None,
            "section": "gratifications",
        }
        return render(request, "web/prevention/gratification_form.html", context, status=status)

    def filed(row: Any) -> tuple[str, HttpResponse]:
        text = _("Your gratification report %(reference)s is filed. The COI handling team was told.")
        return text % {"reference": row.reference}, redirect(
            "web:prevention_gratification", reference=row.reference
        )

    return submit(request, form, report, filed, show, field_for=GratificationForm.field_for)


def _render_gratification(
    request: HttpRequest, row: Any, *, form: OutcomeForm | None = None, status: int = 200, problem: str = ""
) -> HttpResponse:
    person = me(request)
    content = gratifications.content(row, person)
    may_settle = row.status == GratificationStatus.REPORTED and access.can_settle(person, row)
    threshold = row.threshold
    context = {
        "row": row,
        "content": content,
        "occasion": Occasion(row.occasion).label,
        "received": day(row.received_on),
        "due": when(row.due_at, row.unit),
        "overdue": gratifications.is_overdue(row),
        "created": when(row.created_at, row.unit),
        "settled": when(row.settled_at, row.unit),
        "outcome": GratificationOutcome(row.outcome).label if row.outcome else "",
        "threshold": threshold,
        "threshold_from": day(threshold.valid_from) if threshold and threshold.valid_from else "",
        "own": row.recipient_id == person.pk,
        "outcome_form": (form or OutcomeForm(prefix="outcome")) if may_settle else None,
        "summary_errors": summary_errors(form),
        "problem": problem,
        "value": rupiah(row.value_idr),
        "limit": rupiah(threshold.max_value_idr) if threshold else "",
        "section": "gratifications",
    }
    return render(request, "web/prevention/gratification.html", context, status=status)


@dataclass(frozen=True)
class Kind:
    """A kind of report on these pages: how to fetch one for a person, its page, how to draw that."""

    fetch: Callable[[Person, str], Any]
    page: str
    draw: Callable[..., HttpResponse]


GRATIFICATION = Kind(access.get_gratification_for, "web:prevention_gratification", _render_gratification)


@staff_only
def gratification_detail(request: HttpRequest, reference: str) -> HttpResponse:
    return _render_gratification(request, access.get_gratification_for(me(request), reference))


def _settle(row: Any, actor: Person, data: dict[str, Any]) -> None:
    gratifications.gratification_settle(item=row, actor=actor, outcome=data["outcome"], notes=data["notes"])


@staff_only
def gratification_outcome(request: HttpRequest, reference: str) -> HttpResponse:
    form = OutcomeForm(request.POST, prefix="outcome")
    return _decide(request, reference, GRATIFICATION, form, _settle, _("The outcome is recorded."))


def _decide(
    request: HttpRequest,
    reference: str,
    kind: Kind,
    form: forms.Form,
    run: Callable[[Any, Person, dict[str, Any]], None],
    success: str,
) -> HttpResponse:
    """The team's decision on a report (what happened to a gift, the measure on a conflict): one
    service call, then back to the report's page, or that page again with the problem."""
    person = me(request)
    item = kind.fetch(person, reference)
    back = redirect(kind.page, reference=reference)
    if request.method != "POST":
        return back

    def show(status: int, problem: str) -> HttpResponse:
        return kind.draw(request, kind.fetch(person, reference), form=form, status=status, problem=problem)

    return submit(
        request, form, lambda: run(item, person, form.cleaned_data), lambda _r: (success, back), show
    )


@staff_only
def gratification_evidence(request: HttpRequest, reference: str, evidence_id: str) -> HttpResponseBase:
    person = me(request)
    row = access.get_gratification_for(person, reference)
    evidence, name = gratifications.evidence_file(row, evidence_id, person)
    return http.attachment(
        Download(
            chunks=gratifications.read_evidence(row, evidence),
            content_type=evidence.content_type,
            size=evidence.size,
            name=name,
        )
    )


@with_units(team_units_tree)
def gratification_export(request: HttpRequest, person: Person, units: list[Unit]) -> HttpResponse:
    unit = next((u for u in units if u.code == request.GET.get("unit")), None)
    if unit is None:
        return team_only(request)
    rows = (
        access.gratifications_visible_to(person)
        .filter(unit__path__startswith=unit.path)
        .select_related("unit", "recipient", "position")
        .order_by("received_on", "pk")
    )
    status = request.GET.get("status")
    if status in GratificationStatus.values:
        rows = rows.filter(status=status)
    body = exports.gol_workbook(list(rows), actor=person, unit=unit)
    stamp = timezone.now().astimezone(unit.tz).strftime("%Y%m%d")
    return file_response(body, XLSX, f"gratifikasi-{unit.code}-{stamp}.xlsx")


# ---------------------------------------------------------------- self-declared conflicts


def _conflict_row(item: Any) -> dict[str, Any]:
    return {
        "item": item,
        "kind": ConflictKind(item.kind).label,
        "decision_kind": DecisionKind(item.decision_kind).label,
        "state": ConflictStatus(item.status).label,
        "due": when(item.due_at, item.unit) if item.decision_suspended else "",
        "overdue": item.decision_suspended and item.due_at is not None and timezone.now() > item.due_at,
        "measure": Measure(item.measure).label if item.measure else "",
    }


@staff_only
def conflict_list(request: HttpRequest) -> HttpResponse:
    person = me(request)
    visible = access.self_declarations_visible_to(person).select_related(
        "unit", "declarer", "declarer_position", "handler_position", "handler_person", "handler_team"
    )
    mine = visible.filter(declarer=person).order_by("-created_at")[:100]
    open_rows = visible.filter(status=ConflictStatus.OPEN).exclude(declarer=person).order_by("due_at")[:300]
    to_decide = [i for i in open_rows if access.is_current_handler(person, i)]
    others = (
        visible.exclude(declarer=person).exclude(pk__in=[i.pk for i in to_decide]).order_by("-created_at")
    )
    page = Paginator(others, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "mine": [_conflict_row(i) for i in mine],
        "to_decide": [_conflict_row(i) for i in to_decide],
        "others": [_conflict_row(i) for i in page.object_list],
        "page": page,
        "holds_position": bool(holdings_today(person)),
        "section": "conflicts",
    }
    return render(request, "web/prevention/conflicts.html", context)


def _positions(person: Any) -> list[tuple[str, str]]:
    return [
        (h.position.code, ("Plt. " if h.acting else "") + f"{h.position.title} — {h.position.unit.name}")
        for h in holdings_today(person)
    ]


@staff_only
def conflict_new(request: HttpRequest) -> HttpResponse:
    person = me(request)
    positions = _positions(person)
    posted = request.method == "POST"
    form = ConflictForm(request.POST if posted else None, positions=positions)

    def show(status: int, problem: str) -> HttpResponse:
        context = {
            "form": form,
            "positions": positions,
            "summary_errors": summary_errors(form),
            "problem": problem,
            "section": "conflicts",
        }
        return render(request, "web/prevention/conflict_form.html", context, status=status)

    def filed(item: Any) -> tuple[str, HttpResponse]:
        text = _(
            "Your declaration %(reference)s went to %(title)s. Wait for the measure before you take the decision."
        )
        words = text % {"reference": item.reference, "title": conflicts.handler_title(item)}
        return words, redirect("web:prevention_conflict", reference=item.reference)

    def file() -> Any:
        return conflicts.self_declaration_file(declarer=person, data=form.to_data())

    return submit(request, form, file, filed, show, field_for=ConflictForm.field_for)


def _event_label(code: str) -> str:
    labels = {
        "filed": _("Declared by the official"),
        "routed": _("Sent to the direct superior"),
        "screened": _("A superior whose declarations name the declarer was passed over"),
        "screening_warning": _("The superior's declarations name the declarer (policy: warn)"),
        "overdue": _("Deadline missed"),
        "escalated_overdue": _("Deadline missed: sent to the next level up"),
        "decided": _("Measure decided"),
    }
    return labels.get(code, code)


def _render_conflict(
    request: HttpRequest, item: Any, *, form: MeasureForm | None = None, status: int = 200, problem: str = ""
) -> HttpResponse:
    person = me(request)
    content = conflicts.content(item, person)
    may_decide = item.decision_suspended and access.is_current_handler(person, item)
    context = {
        "item": item,
        "content": content,
        "row": _conflict_row(item),
        "decision_date": day(item.decision_date),
        "created": when(item.created_at, item.unit),
        "decided": when(item.decided_at, item.unit),
        "handler": conflicts.handler_title(item) if item.decision_suspended else "",
        "history": [
            {
                "at": when(ev.at, item.unit),
                "label": _event_label(ev.event),
                "actor": ev.actor_title if ev.actor_title != "Sistem" else _("System"),
                "note": Measure(ev.note).label if ev.event == "decided" and ev.note in Measure.values else "",
            }
            for ev in item.events.order_by("at", "id")
        ],
        "own": item.declarer_id == person.pk,
        "warning": item.screening_warning and item.decision_suspended and may_decide,
        "measure_form": (form or MeasureForm(prefix="measure")) if may_decide else None,
        "summary_errors": summary_errors(form),
        "problem": problem,
        "section": "conflicts",
    }
    return render(request, "web/prevention/conflict.html", context, status=status)


@staff_only
def conflict_detail(request: HttpRequest, reference: str) -> HttpResponse:
    return _render_conflict(request, access.get_self_declaration_for(me(request), reference))


def _measure(item: Any, actor: Person, data: dict[str, Any]) -> None:
    with transaction.atomic():
        conflicts.self_declaration_decide(
            item=item, actor=actor, measure=data["measure"], notes=data["notes"]
        )


CONFLICT = Kind(access.get_self_declaration_for, "web:prevention_conflict", _render_conflict)


@staff_only
def conflict_measure(request: HttpRequest, reference: str) -> HttpResponse:
    form = MeasureForm(request.POST, prefix="measure")
    return _decide(
        request, reference, CONFLICT, form, _measure, _("The measure is recorded. The official was told.")
    )
