"""Prevention pages for decisions: agendas (list, publishing, the agenda with its warnings, the
participant's statements, the minutes as a page and as PDF) and the team's COI risk map (a heat map
drawn on the server as SVG, with the same figures as a table)."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from integritas.cases.models import DecisionKind
from integritas.errors import DomainError, Invalid, NotFound
from integritas.http import file_response
from integritas.orgs.models import Holding, Person, Position, Unit
from integritas.prevention import access, agendas, documents, riskmap, selectors
from integritas.prevention.common import holdings_today
from integritas.web.forms_staff import show_invalid
from integritas.web.views.prevention import (
    me,
    outcome_of,
    staff_only,
    submit,
    summary_errors,
    team_units_tree,
    unit_choices,
    when,
    with_units,
)
from integritas.web.views.prevention_forms import AgendaForm, RiskForm, StatementForm

KIND_LABELS = dict(DecisionKind.choices)

# ---------------------------------------------------------------- agendas


@staff_only
def agenda_list(request: HttpRequest) -> HttpResponse:
    person = me(request)
    now = timezone.now()
    visible = access.agendas_visible_to(person).select_related("unit")
    upcoming = visible.filter(meets_at__gt=now).order_by("meets_at")[:100]
    past = visible.filter(meets_at__lte=now).order_by("-meets_at")[:100]

    def rows(items: Any) -> list[dict[str, Any]]:
        return [
            {"agenda": a, "meets": when(a.meets_at, a.unit), "kind": KIND_LABELS.get(a.kind, a.kind)}
            for a in items
        ]

    context = {
        "upcoming": rows(upcoming),
        "past": rows(past),
        "may_publish": bool(_publish_units(person)),
        "section": "agendas",
    }
    return render(request, "web/prevention/agendas.html", context)


def _publish_units(person: Person) -> list[Unit]:
    """Units where the person holds a position today, and their teams' units and below."""
    held = {h.position.unit for h in holdings_today(person)}
    units = {u.pk: u for u in [*held, *team_units_tree(person)]}
    return sorted(units.values(), key=lambda u: u.path)


def _unit_people(unit: Unit | None) -> list[tuple[str, str]]:
    if unit is None:
        return []
    today = timezone.now().astimezone(unit.tz).date()
    ids = Holding.objects.active_on(today).filter(position__unit=unit).values("person_id")
    people = Person.objects.filter(pk__in=ids, is_active=True).order_by("name", "username")
    return [(p.username, f"{p.display_name} ({p.username})") for p in people]


@with_units(_publish_units)
def agenda_new(request: HttpRequest, person: Person, units: list[Unit]) -> HttpResponse:
    posted = request.method == "POST"
    chosen_code = (request.POST.get("unit") if posted else request.GET.get("unit")) or units[0].code
    unit = next((u for u in units if u.code == chosen_code), units[0])
    more = posted and "more" in request.POST
    switch = posted and "switch" in request.POST
    form = AgendaForm(
        request.POST if posted else None,
        units=unit_choices(units),
        people=_unit_people(unit),
        more=more,
        initial={"unit": unit.code},
    )

    def show(status: int, problem: str) -> HttpResponse:
        context = {
            "form": form,
            "unit": unit,
            "blocks": form.item_blocks(),
            "summary_errors": summary_errors(form),
            "problem": problem,
            "zone": unit.effective_timezone,
            "section": "agendas",
        }
        return render(request, "web/prevention/agenda_form.html", context, status=status)

    def published(agenda: Any) -> tuple[str, HttpResponse]:
        text = _("The agenda is published. The participants were told.")
        return text, redirect("web:prevention_agenda", agenda_id=agenda.pk)

    def publish() -> Any:
        return agendas.agenda_create(actor=person, data=form.to_data(unit.tz))

    return submit(
        request, form, publish, published, show, field_for=AgendaForm.field_for, again=more or switch
    )


def _agenda_context(request: HttpRequest, agenda: Any) -> dict[str, Any]:
    person = me(request)
    view = agendas.agenda_view(agenda, person)
    names = {p["username"]: p["name"] for p in view["participants"]}
    started = timezone.now() >= agenda.meets_at
    mine = {
        item["id"]: next((s for s in item["statements"] if s["username"] == person.username), None)
        for item in view["items"]
    }
    warnings_by_item: dict[int, list[dict[str, Any]]] = {}
    for w in view["warnings"]:
        warnings_by_item.setdefault(w["item_id"], []).append(
            {**w, "name": names.get(w["username"], w["username"])}
        )
    items = [
        {
            **item,
            "warnings": warnings_by_item.get(item["id"], []),
            "mine": mine[item["id"]],
            "statements": [
                {**s, "name": names.get(s["username"], s["username"])} for s in item["statements"]
            ],
        }
        for item in view["items"]
    ]
    return {
        "agenda": agenda,
        "view": view,
        "items": items,
        "kind": KIND_LABELS.get(agenda.kind, agenda.kind),
        "meets": when(agenda.meets_at, agenda.unit),
        "started": started,
        "participant": access.is_participant(person, agenda),
        "team": agendas.sees_everything(person, agenda),
        "missing": [
            p
            for p in view["participants"]
            if not any(s["username"] == p["username"] for i in view["items"] for s in i["statements"])
        ],
        "section": "agendas",
    }


@staff_only
def agenda_detail(request: HttpRequest, agenda_id: str) -> HttpResponse:
    agenda = access.get_agenda_for(me(request), agenda_id)
    return render(request, "web/prevention/agenda.html", _agenda_context(request, agenda))


def _item_field(item_id: int, name: str) -> str:
    """The form field of an item's statement a service problem belongs to."""
    return f"r{item_id}" if name == "reason" else f"s{item_id}"


@staff_only
def agenda_statements(request: HttpRequest, agenda_id: str) -> HttpResponse:
    """The participant's statements on every item, on one page, sent at once."""
    person = me(request)
    agenda = access.get_agenda_for(person, agenda_id)
    context = _agenda_context(request, agenda)
    items = [(i["id"], i["title"]) for i in context["items"]]
    posted = request.method == "POST"
    initial: dict[str, Any] = {}
    for item in context["items"]:
        if item["mine"] is not None:
            initial[f"s{item['id']}"] = "recuse" if item["mine"]["conflict"] else "none"
            initial[f"r{item['id']}"] = item["mine"]["reason"] or ""
    form = StatementForm(request.POST if posted else None, items=items, initial=initial)
    status, problem = 200, ""
    if not context["participant"]:
        status, problem = 403, _("Only the participants of the meeting make statements on its items.")
    elif context["started"]:
        status, problem = 409, _("The meeting has started: statements can no longer be made or changed.")
    elif posted and form.is_valid():
        status = 400
        chosen = [(item_id, form.cleaned_data.get(f"s{item_id}")) for item_id, _t in items]
        if not any(value for _i, value in chosen):
            form.add_error(None, _("Choose a statement for at least one item."))
        else:
            try:
                with transaction.atomic():
                    for item_id, value in chosen:
                        if not value:
                            continue
                        data = {
                            "conflict": value == "recuse",
                            "reason": form.cleaned_data.get(f"r{item_id}") or "",
                        }
                        try:
                            agendas.agenda_state(agenda=agenda, item_id=item_id, actor=person, data=data)
                        except Invalid as error:
                            show_invalid(form, error, partial(_item_field, item_id))
                    if form.errors:
                        raise Invalid({})
            except Invalid:
                pass
            except DomainError as error:
                status, problem = outcome_of(error)
            else:
                messages.success(request, _("Your statements are recorded."))
                return redirect("web:prevention_agenda", agenda_id=agenda.pk)
    elif posted:
        status = 400
    context.update(
        {
            "form": form,
            "rows": [
                {"item": item, "choice": form[f"s{item['id']}"], "reason": form[f"r{item['id']}"]}
                for item in context["items"]
            ],
            "summary_errors": summary_errors(form),
            "problem": problem,
        }
    )
    return render(request, "web/prevention/agenda_statements.html", context, status=status)


@staff_only
def agenda_minutes(request: HttpRequest, agenda_id: str) -> HttpResponse:
    agenda = access.get_agenda_for(me(request), agenda_id)
    data = agendas.minutes(agenda)
    return render(
        request,
        "web/prevention/agenda_minutes.html",
        {
            **data,
            "meets": when(agenda.meets_at, agenda.unit),
            "kind": KIND_LABELS.get(agenda.kind, agenda.kind),
            "section": "agendas",
        },
    )


@staff_only
def agenda_minutes_pdf(request: HttpRequest, agenda_id: str) -> HttpResponse:
    person = me(request)
    agenda = access.get_agenda_for(person, agenda_id)
    return file_response(
        documents.minutes_pdf(agenda, person), "application/pdf", f"notulen-agenda-{agenda.pk}.pdf"
    )


# ---------------------------------------------------------------- the risk map

LEVEL_LABELS = {
    "low": gettext_lazy("Low"),
    "medium": gettext_lazy("Medium"),
    "high": gettext_lazy("High"),
    "very_high": gettext_lazy("Very high"),
}
# Fill colours of the heat map; the text on each cell is dark or white for contrast (WCAG AA).
LEVEL_COLOURS = {
    "low": ("#cfe8d5", "#10351b"),
    "medium": ("#fbe7a1", "#3d2f00"),
    "high": ("#f5b27a", "#3b1d00"),
    "very_high": ("#a8231c", "#ffffff"),
}


def heat_map(rows: list[selectors.RiskRow]) -> dict[str, Any]:
    """The 5×5 grid the SVG draws: likelihood up the side (5 at the top), impact along the bottom."""
    counts = selectors.heat_counts(rows)
    cells = []
    for likelihood in range(5, 0, -1):
        for impact in range(1, 6):
            level = riskmap.level_of(likelihood * impact)
            fill, ink = LEVEL_COLOURS[level]
            cells.append(
                {
                    "x": 60 + (impact - 1) * 60,
                    "y": 10 + (5 - likelihood) * 50,
                    "likelihood": likelihood,
                    "impact": impact,
                    "count": counts.get((likelihood, impact), 0),
                    "fill": fill,
                    "ink": ink,
                    "level": LEVEL_LABELS[level],
                }
            )
    return {"cells": cells, "ticks": range(1, 6)}


@with_units(team_units_tree)
def risk_map(request: HttpRequest, person: Person, units: list[Unit]) -> HttpResponse:
    code = request.GET.get("unit") or request.POST.get("unit") or units[0].code
    unit = next((u for u in units if u.code == code), units[0])
    positions = [
        (p.code, f"{p.title} — {p.unit.name} ({p.code})")
        for p in Position.objects.filter(unit__path__startswith=unit.path)
        .select_related("unit")
        .order_by("unit__path", "title")
    ]
    posted = request.method == "POST"
    form = RiskForm(request.POST if posted else None, positions=positions, prefix="risk")
    here = f"{reverse('web:prevention_risk_map')}?unit={unit.code}"
    if posted and "remove" in request.POST:
        try:
            rating = riskmap.get_rating_for(person, request.POST.get("remove"))
            riskmap.risk_remove(rating=rating, actor=person)
            messages.success(request, _("The rating is removed."))
        except NotFound:
            messages.error(request, _("This rating was not found."))
        return redirect(here)
    rows = selectors.risk_map(unit)

    def show(status: int, problem: str) -> HttpResponse:
        context = {
            "unit": unit,
            "units": unit_choices(units),
            "rows": [
                {
                    "row": r,
                    "kind": KIND_LABELS.get(r.decision_kind, r.decision_kind),
                    "level": LEVEL_LABELS[r.level],
                    "level_code": r.level,
                }
                for r in rows
            ],
            "heat": heat_map(rows),
            "form": form,
            "summary_errors": summary_errors(form),
            "problem": problem,
            "review_due": sum(1 for r in rows if r.review_due),
            "section": "risk",
        }
        return render(request, "web/prevention/risk_map.html", context, status=status)

    def rate() -> Any:
        return riskmap.risk_rate(actor=person, data=form.to_data())

    return submit(request, form, rate, lambda _rating: (_("The rating is saved."), redirect(here)), show)
