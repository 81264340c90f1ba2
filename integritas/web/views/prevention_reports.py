"""Prevention pages for reports: gratification reports (form, list, one report with the team's outcome,
files, the export for the KPK) and self-declared conflicts (form, list, one declaration with the
handler's measure)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from integritas.cases.evidence import check_files
from integritas.cases.models import DecisionKind
from integritas.errors import DomainError, Forbidden, Invalid, NotFound
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
    attachment,
    day,
    me,
    not_found,
    outcome_of,
    put_errors,
    rupiah,
    staff_only,
    summary_errors,
    team_units_tree,
    unit_choices,
    when,
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
    posted = request.method == "POST"
    form = GratificationForm(request.POST if posted else None, request.FILES if posted else None)
    status, problem = 200, ""
    if posted:
        status = 400
        if form.is_valid():
            unit = home_unit(person)
            try:
                uploads = request.FILES.getlist("evidence")
                limit = int((unit.effective_policy if unit else {}).get("max_upload_mb", 20))
                files = check_files(uploads, max_upload_mb=limit) if uploads else []
                row = gratifications.gratification_report(recipient=person, data=form.to_data(), files=files)
            except Invalid as error:
                put_errors(form, error, GratificationForm.field_for)
            except DomainError as error:
                status, problem = outcome_of(error)
                if error.status in (413, 415):
                    form.add_error("evidence", error.message)
            else:
                messages.success(
                    request,
                    _("Your gratification report %(reference)s is filed. The COI handling team was told.")
                    % {"reference": row.reference},
                )
                return redirect("web:prevention_gratification", reference=row.reference)
    context = {
        "form": form,
        "summary_errors": summary_errors(form),
        "problem": problem,
        "thresholds": _thresholds(),
        "no_unit": home_unit(person) is None,
        "section": "gratifications",
    }
    return render(request, "web/prevention/gratification_form.html", context, status=status)


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


@staff_only
def gratification_detail(request: HttpRequest, reference: str) -> HttpResponse:
    try:
        row = access.get_gratification_for(me(request), reference)
    except NotFound:
        return not_found(request)
    return _render_gratification(request, row)


@staff_only
def gratification_outcome(request: HttpRequest, reference: str) -> HttpResponse:
    person = me(request)
    try:
        row = access.get_gratification_for(person, reference)
    except NotFound:
        return not_found(request)
    if request.method != "POST":
        return redirect("web:prevention_gratification", reference=reference)
    form = OutcomeForm(request.POST, prefix="outcome")
    status, problem = 400, ""
    if form.is_valid():
        try:
            gratifications.gratification_settle(
                item=row, actor=person, outcome=form.cleaned_data["outcome"], notes=form.cleaned_data["notes"]
            )
        except Invalid as error:
            put_errors(form, error, lambda name: name)
        except DomainError as error:
            status, problem = outcome_of(error)
        else:
            messages.success(request, _("The outcome is recorded."))
            return redirect("web:prevention_gratification", reference=reference)
    row = access.get_gratification_for(person, reference)
    return _render_gratification(request, row, form=form, status=status, problem=problem)


@staff_only
def gratification_evidence(request: HttpRequest, reference: str, evidence_id: str) -> HttpResponseBase:
    person = me(request)
    try:
        row = access.get_gratification_for(person, reference)
        evidence, name = gratifications.evidence_file(row, evidence_id, person)
    except NotFound:
        return not_found(request)
    response = StreamingHttpResponse(
        gratifications.read_evidence(row, evidence), content_type=evidence.content_type
    )
    response["Content-Length"] = str(evidence.size)
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "'")
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


@staff_only
def gratification_export(request: HttpRequest) -> HttpResponse:
    person = me(request)
    units = {u.code: u for u in team_units_tree(person)}
    unit = units.get(request.GET.get("unit") or "")
    if unit is None:
        return render(request, "web/prevention/team_only.html", status=403)
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
    return attachment(body, XLSX, f"gratifikasi-{unit.code}-{stamp}.xlsx")


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
    status, problem = 200, ""
    if posted:
        status = 400
        if form.is_valid():
            try:
                item = conflicts.self_declaration_file(declarer=person, data=form.to_data())
            except Invalid as error:
                put_errors(form, error, ConflictForm.field_for)
            except DomainError as error:
                status, problem = outcome_of(error)
            else:
                messages.success(
                    request,
                    _(
                        "Your declaration %(reference)s went to %(title)s. Wait for the measure before you take the decision."
                    )
                    % {"reference": item.reference, "title": conflicts.handler_title(item)},
                )
                return redirect("web:prevention_conflict", reference=item.reference)
    context = {
        "form": form,
        "positions": positions,
        "summary_errors": summary_errors(form),
        "problem": problem,
        "section": "conflicts",
    }
    return render(request, "web/prevention/conflict_form.html", context, status=status)


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
    try:
        item = access.get_self_declaration_for(me(request), reference)
    except NotFound:
        return not_found(request)
    return _render_conflict(request, item)


@staff_only
def conflict_measure(request: HttpRequest, reference: str) -> HttpResponse:
    person = me(request)
    try:
        item = access.get_self_declaration_for(person, reference)
    except NotFound:
        return not_found(request)
    if request.method != "POST":
        return redirect("web:prevention_conflict", reference=reference)
    form = MeasureForm(request.POST, prefix="measure")
    status, problem = 400, ""
    if form.is_valid():
        try:
            with transaction.atomic():
                conflicts.self_declaration_decide(
                    item=item,
                    actor=person,
                    measure=form.cleaned_data["measure"],
                    notes=form.cleaned_data["notes"],
                )
        except Invalid as error:
            put_errors(form, error, lambda name: name)
        except (DomainError, Forbidden) as error:
            status, problem = outcome_of(error)
        else:
            messages.success(request, _("The measure is recorded. The official was told."))
            return redirect("web:prevention_conflict", reference=reference)
    item = access.get_self_declaration_for(person, reference)
    return _render_conflict(request, item, form=form, status=status, problem=problem)
