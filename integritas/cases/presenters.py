"""What a case looks like to staff and to the reporter (shared by the API and the web pages)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from integritas.cases import content
from integritas.cases.models import Case, CaseCategory, Event, Evidence, FollowUp, Message, Status
from integritas.orgs.models import Holding, Person


def local(case: Case, value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(case.unit.tz).isoformat()


def handler_title(case: Case) -> str | None:
    if case.status == Status.CLOSED:
        return None
    if case.handler_position is not None:
        return case.handler_position.title
    if case.handler_team is not None:
        return f"Tim Penanganan Benturan Kepentingan {case.handler_team.name}"
    return None


def handler_info(case: Case) -> dict[str, Any] | None:
    if case.handler_position is None and case.handler_team is None:
        return None
    return {
        "position": case.handler_position.code if case.handler_position else None,
        "title": handler_title(case) or (case.handler_position.title if case.handler_position else None),
        "username": case.handler_person.username if case.handler_person else None,
        "team": case.handler_team.code if case.handler_team else None,
    }


def is_overdue(case: Case, now: dt.datetime | None = None) -> bool:
    if case.overdue:
        return True
    now = now or timezone.now()
    return (
        case.due_at is not None
        and case.status in (Status.TRIAGE, Status.EXAMINATION, Status.REVIEW)
        and case.due_at < now
    )


def summary_queryset(qs: QuerySet[Case]) -> QuerySet[Case]:
    return qs.select_related("unit", "handler_position", "handler_person", "handler_team").prefetch_related(
        Prefetch("category_rows", queryset=CaseCategory.objects.order_by("id"))
    )


def summary(case: Case, now: dt.datetime | None = None) -> dict[str, Any]:
    return {
        "reference": case.reference,
        "unit": case.unit.code,
        "status": case.status,
        "level": case.level,
        "due_at": local(case, case.due_at),
        "overdue": is_overdue(case, now),
        "handler": handler_info(case),
        # as the reporter listed them, prefetched or not
        "categories": [row.code for row in sorted(case.category_rows.all(), key=lambda row: row.pk)],
        "decision_kind": case.decision_kind or None,
        "created_at": local(case, case.created_at),
        "conclusion": case.conclusion or None,
        "review_decision": case.review_decision or None,
        "outcome": case.outcome or None,
    }


def _subject(case: Case, sealed: dict[str, Any]) -> dict[str, Any]:
    if case.subject_position is None:
        free = sealed.get("subject") or {}
        return {
            "position": None,
            "title": None,
            "holder": None,
            "name": free.get("name"),
            "description": free.get("description"),
        }
    holding = (
        Holding.objects.active_on(case.created_at.astimezone(case.unit.tz).date())
        .filter(position=case.subject_position)
        .select_related("person")
        .order_by("acting", "-start")
        .first()
    )
    return {
        "position": case.subject_position.code,
        "title": case.subject_position.title,
        "holder": holding.person.display_name if holding else None,
    }


def reporter_for(case: Case, sealed: dict[str, Any], viewer: Person | None) -> dict[str, Any] | None:
    """The identity for those who may see it (each view audited); {"withheld": true} for the others."""
    from integritas.cases import identity

    if case.anonymous:
        return None
    if not identity.may_see_identity(viewer, case):
        return {"withheld": True}
    assert viewer is not None
    identity.identity_viewed(viewer, case)
    reporter = sealed.get("reporter") or {}
    return {k: reporter.get(k) for k in ("name", "email", "phone", "nik", "relation")}


def follow_up(item: FollowUp) -> dict[str, Any]:
    return {
        "id": item.pk,
        "title": item.title,
        "due_date": item.due_date.isoformat(),
        "done": item.done,
        "cancelled": item.cancelled,
        "notes": item.notes or item.cancel_reason or None,
    }


def detail(case: Case, viewer: Person | None = None) -> dict[str, Any]:
    sealed = content.report(case)
    data = summary(case)
    decision = dict(sealed.get("decision") or {})
    for key in ("title", "number", "date", "kind"):
        decision[key] = decision.get(key) or None
    events = Event.objects.filter(case=case).order_by("at", "id")
    messages = Message.objects.filter(case=case).order_by("at", "id")
    data.update(
        {
            "subject": _subject(case, sealed),
            "decision": decision,
            "description": sealed.get("description", ""),
            "reporter": reporter_for(case, sealed, viewer),
            "anonymous": case.anonymous,
            "screening_warning": _screening_warning(case),  # PREVENTION SCREENING (issue 9)
            "follow_ups": [
                follow_up(f) for f in FollowUp.objects.filter(case=case).order_by("due_date", "id")
            ],
            "evidence": [
                {
                    "id": e.pk,
                    "name": content.open_text(case, e.sealed_name, "evidence-name"),
                    "size": e.size,
                    "content_type": e.content_type,
                    "from": e.sender,
                    "at": local(case, e.created_at),
                }
                for e in Evidence.objects.filter(case=case).order_by("created_at", "id")
            ],
            "history": [
                {
                    "at": local(case, ev.at),
                    "event": ev.event,
                    "actor_title": ev.actor_title or None,
                    "note": ev.note or ev.public_note or None,
                }
                for ev in events
            ],
            "messages": [
                {
                    "id": m.pk,
                    "at": local(case, m.at),
                    "from": m.sender,
                    "author_title": m.author_title or None,
                    "text": content.open_text(case, m.sealed, "message"),
                }
                for m in messages
            ],
        }
    )
    return data


def _screening_warning(case: Case) -> bool:  # PREVENTION SCREENING (issue 9)
    from integritas.prevention.screening import warned

    return warned(case)


def for_reporter(case: Case) -> dict[str, Any]:
    """The reporter's view: no staff names, no internal notes."""
    events = Event.objects.filter(case=case, public=True).order_by("at", "id")
    messages = Message.objects.filter(case=case).order_by("at", "id")
    return {
        "reference": case.reference,
        "status": case.status,
        "conclusion": case.conclusion or None,
        "review_decision": case.review_decision or None,
        "outcome": case.outcome or None,
        "due_at": local(case, case.due_at),
        "handler_title": handler_title(case),
        "timeline": [
            {"at": local(case, ev.at), "event": ev.event, "note": ev.public_note or None} for ev in events
        ],
        "messages": [
            {
                "id": m.pk,
                "at": local(case, m.at),
                "from": m.sender,
                "text": content.open_text(case, m.sealed, "message"),
            }
            for m in messages
        ],
        "evidence": [
            {
                "id": e.pk,
                "name": content.open_text(case, e.sealed_name, "evidence-name"),
                "size": e.size,
                "content_type": e.content_type,
                "from": e.sender,
                "at": local(case, e.created_at),
            }
            for e in Evidence.objects.filter(case=case).order_by("created_at", "id")
        ],
    }
