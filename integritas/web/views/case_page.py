"""The case page of the back office: the statement of no conflict first, then the facts, the report,
the reporter, evidence, the actions this person can take now, follow-up, messages and history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from integritas import timefmt
from integritas.cases import access, conflict, content, presenters, queue, services, timeline
from integritas.cases.access import Action
from integritas.cases.deadlines import deadline_count
from integritas.cases.models import (
    Case,
    Category,
    Conclusion,
    DecisionKind,
    Event,
    EventKind,
    IdentityRequest,
    Outcome,
    ReviewDecision,
    Sender,
    Status,
    Via,
)
from integritas.orgs.models import Position
from integritas.web import forms_staff
from integritas.web.views.common import not_found, person_of, staff_required, summary_errors, visible_case


def positions_for_triage(case: Case) -> list[tuple[str, str]]:
    positions = Position.objects.filter(unit__path__startswith=case.unit.path).select_related("unit")
    return [(p.code, f"{p.title} — {p.unit.name}") for p in positions.order_by("unit__name", "title", "code")]


def _handler_text(case: Case) -> str:
    """Who handles the case now, with the holder's name (staff may know it)."""
    title = timeline.current_handler(case)
    if title and case.handler_position is not None and case.handler_person is not None:
        return f"{title} ({case.handler_person.display_name})"
    return title or ""


def _facts(case: Case, decision: dict[str, Any], categories: list[str]) -> dict[str, Any]:
    """What both the confirmation page and the case page show about the case."""
    zone = case.unit.tz
    kind = decision.get("kind") or ""
    return {
        "case": case,
        "state": Status(case.status).label,
        "due": timefmt.short(case.due_at, zone),
        "overdue": presenters.is_overdue(case),
        "clock": deadline_count(case),
        "decision": decision,
        "decision_kind": DecisionKind(kind).label if kind in DecisionKind.values else kind,
        "decision_date": timefmt.day_short(decision.get("date")),
        "categories": [Category(code).label if code in Category.values else code for code in categories],
    }


def _reporter(data: Any) -> dict[str, Any]:
    if data is None:
        return {"anonymous": True}
    if data.get("withheld"):
        return {"withheld": True}
    return {"shown": True, **data}


def _history(case: Case) -> list[dict[str, Any]]:
    zone = case.unit.tz
    return [
        {
            "at": timefmt.short(ev.at, zone),
            "label": timeline.label(ev),
            "actor": timeline.actor_label(ev),
            "detail": timeline.detail(ev),
            "note": ev.note,
        }
        for ev in timeline.events_for_staff(case)
    ]


def _examination(case: Case) -> dict[str, Any] | None:
    """The result of the examination with the examiner's findings (the reviewer reads them beside it)."""
    event = (
        Event.objects.filter(case=case, kind__in=(EventKind.EXAMINED_FOUNDED, EventKind.EXAMINED_UNFOUNDED))
        .select_related("actor_position", "actor_team")
        .order_by("-at", "-id")
        .first()
    )
    if event is None:
        return None
    return {
        "founded": event.kind == EventKind.EXAMINED_FOUNDED,
        "result": Conclusion(case.conclusion).label if case.conclusion else timeline.label(event),
        "by": timeline.actor_label(event),
        "at": timefmt.short(event.at, case.unit.tz),
        "findings": event.note,
    }


def _confirm_page(
    request: HttpRequest, case: Case, *, status: int, bound: dict[str, forms.Form], problem: str
) -> HttpResponse:
    """Before the content: the person states having no conflict with the case (or, a handler, withdraws)."""
    person = person_of(request)
    sealed = content.report(case)
    can_recuse = Action.RECUSE in access.available_actions(person, case)
    context = {
        **_facts(case, presenters.decision_of(sealed), presenters.categories_of(case)),
        "subject": presenters.subject_of(case, sealed),
        "handles": access.is_current_handler(person, case),
        "recuse_form": (bound.get("recuse") or forms_staff.RecuseForm(prefix="recuse"))
        if can_recuse
        else None,
        "summary_errors": summary_errors(bound.get("recuse")),
        "problem": problem,
    }
    return render(request, "web/staff/case_confirm.html", context, status=status)


def render_case(
    request: HttpRequest,
    case: Case,
    *,
    status: int = 200,
    bound: dict[str, forms.Form] | None = None,
    problem: str = "",
) -> HttpResponse:
    person = person_of(request)
    bound = bound or {}
    if conflict.pending(person, case):
        return _confirm_page(request, case, status=status, bound=bound, problem=problem)
    services.case_open(case=case, actor=person, via=Via.WEB)
    data = presenters.detail(case, person)  # once per page view: it audits each view of the identity
    zone = case.unit.tz
    actions = access.available_actions(person, case)
    can = {action.value: action in actions for action in Action}

    def form(key: str, cls: type[forms.Form], **kwargs: Any) -> forms.Form:
        return bound.get(key) or cls(prefix=key, **kwargs)

    today = timezone.now().astimezone(zone).date()
    follow_ups = []
    for item in data["follow_ups"]:
        settled = item["done"] or item["cancelled"]
        manage = Action.FOLLOW_UP in actions and not settled
        follow_ups.append(
            {
                **item,
                "due": timefmt.day_short(item["due_date"]),
                "late": not settled and dt.date.fromisoformat(item["due_date"]) < today,
                "done_form": form(f"done-{item['id']}", forms_staff.FollowUpDoneForm) if manage else None,
                "cancel_form": form(f"cancel-{item['id']}", forms_staff.FollowUpCancelForm)
                if manage
                else None,
            }
        )
    requests = list(
        IdentityRequest.objects.filter(case=case).select_related("requester").order_by("at", "id")
    )
    to_decide = []
    if Action.DECIDE_IDENTITY in actions:
        to_decide = [
            {
                "request": r,
                "at": timefmt.short(r.at, zone),
                "form": form(f"decide-{r.pk}", forms_staff.IdentityDecisionForm),
            }
            for r in requests
            if r.state == IdentityRequest.State.PENDING and r.requester_id != person.pk
        ]
    context = {
        **_facts(case, data["decision"], data["categories"]),
        "data": data,
        "created": timefmt.short(case.created_at, zone),
        "handler": _handler_text(case),
        "conclusion": Conclusion(case.conclusion).label if case.conclusion else "",
        "review_decision": ReviewDecision(case.review_decision).label if case.review_decision else "",
        "outcome": Outcome(case.outcome).label if case.outcome else "",
        "reporter": _reporter(data["reporter"]),
        "my_requests": [
            {"state": r.state, "at": timefmt.short(r.at, zone), "note": r.decision_note}
            for r in requests
            if r.requester_id == person.pk
        ],
        "to_decide": to_decide,
        "evidence": [
            {**e, "at": timefmt.short(e["at"], zone), "from": Sender(e["from"]).label}
            for e in data["evidence"]
        ],
        "messages_list": [
            {
                "at": timefmt.short(m["at"], zone),
                "reporter": m["from"] == Sender.REPORTER,
                "author": str(Sender.REPORTER.label)
                if m["from"] == Sender.REPORTER
                else (m["author_title"] or _("Officer")),
                "text": m["text"],
            }
            for m in data["messages"]
        ],
        "history": _history(case),
        "examination": _examination(case),
        # Said exactly when the case is in this person's "Kasus saya" (one selection for both).
        "waiting": queue.cases_waiting_for(person).filter(pk=case.pk).exists(),
        "follow_ups": follow_ups,
        "open_follow_ups": any(not (x["done"] or x["cancelled"]) for x in data["follow_ups"]),
        "can": can,
        "examine_form": form("examine", forms_staff.ExaminationForm) if can["examine"] else None,
        "review_form": form("review", forms_staff.ReviewForm) if can["review"] else None,
        "recuse_form": form("recuse", forms_staff.RecuseForm) if can["recuse"] else None,
        "triage_form": form("triage", forms_staff.TriageForm, positions=positions_for_triage(case))
        if can["triage"]
        else None,
        "message_form": form("message", forms_staff.MessageForm) if can["message"] else None,
        "follow_up_form": form("follow_up", forms_staff.FollowUpForm) if can["follow_up"] else None,
        "close_form": form("close", forms_staff.CloseForm) if can["close"] else None,
        "identity_form": form("identity", forms_staff.IdentityRequestForm)
        if can["request_identity"]
        else None,
        "summary_errors": [e for b in bound.values() for e in summary_errors(b)],
        "problem": problem,
    }
    return render(request, "web/staff/case.html", context, status=status)


@staff_required
def case_page(request: HttpRequest, reference: str) -> HttpResponse:
    case = visible_case(request, reference)
    return render_case(request, case) if case is not None else not_found(request)
