"""What a case looks like to staff (shared by the API and the back-office pages).

``detail`` opens sealed content: call it only after ``services.case_open`` (the no-conflict guard).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from integritas.cases import content, identity, timeline
from integritas.cases.models import (
    TIMED_STATUSES,
    Case,
    CaseCategory,
    Evidence,
    FollowUp,
    Message,
)
from integritas.cases.tracking import reporter_view
from integritas.orgs.models import Holding, Person


def local(case: Case, value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(case.unit.tz).isoformat()


def handler_info(case: Case) -> dict[str, Any] | None:
    if case.handler_position is None and case.handler_team is None:
        return None
    return {
        "position": case.handler_position.code if case.handler_position else None,
        "title": timeline.handler_label(case.handler_position, case.handler_team),
        "username": case.handler_person.username if case.handler_person else None,
        "team": case.handler_team.code if case.handler_team else None,
    }


def is_overdue(case: Case, now: dt.datetime | None = None) -> bool:
    if case.overdue:
        return True
    now = now or timezone.now()
    return case.due_at is not None and case.status in TIMED_STATUSES and case.due_at < now


def summary_queryset(qs: QuerySet[Case]) -> QuerySet[Case]:
    return qs.select_related(
        "unit", "subject_position", "handler_position", "handler_person", "handler_team"
    ).prefetch_related(Prefetch("category_rows", queryset=CaseCategory.objects.order_by("id")))


def list_queryset(qs: QuerySet[Case]) -> QuerySet[Case]:
    """What :func:`summary` reads and nothing more (``GET /cases``): no join to the reported position,
    and not the sealed content or its wrapped key (several kB a row, never shown in a list)."""
    return (
        qs.select_related("unit", "handler_position", "handler_person", "handler_team")
        .defer("sealed", "wrapped_key")
        .prefetch_related(Prefetch("category_rows", queryset=CaseCategory.objects.order_by("id")))
    )


def list_page(qs: QuerySet[Case], *, before: int | None, size: int) -> QuerySet[Case]:
    """Up to ``size`` cases of ``qs`` newest first, below the id ``before`` when given, read as
    :func:`list_queryset` (``GET /cases``). The ids of the page are chosen first, in a sub-select that
    reads only the case's own columns: PostgreSQL then reads them from an index alone (the status
    and id, with the columns of the visibility rule, ``case_status_id_cover``; the open cases of a
    handler, ``case_handler_open``) and stops after the page, and only the page's rows are read
    from the table and joined. The same cases in the same order as ``qs.order_by("-pk")``."""
    if before is not None:
        qs = qs.filter(pk__lt=before)
    ids = qs.order_by("-pk").values("pk")[:size]
    return list_queryset(Case.objects.filter(pk__in=ids).order_by("-pk"))


def categories_of(case: Case) -> list[str]:
    """As the reporter listed them, prefetched or not."""
    return [row.code for row in sorted(case.category_rows.all(), key=lambda row: row.pk)]


def summary(case: Case, now: dt.datetime | None = None) -> dict[str, Any]:
    return {
        "reference": case.reference,
        "unit": case.unit.code,
        "status": case.status,
        "level": case.level,
        "due_at": local(case, case.due_at),
        "overdue": is_overdue(case, now),
        "handler": handler_info(case),
        "categories": categories_of(case),
        "decision_kind": case.decision_kind or None,
        "created_at": local(case, case.created_at),
        "conclusion": case.conclusion or None,
        "review_decision": case.review_decision or None,
        "outcome": case.outcome or None,
    }


def subject_of(case: Case, sealed: dict[str, Any]) -> dict[str, Any]:
    """The reported official: the position and who held it when the report was filed, or what the
    reporter wrote when no position was chosen."""
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


def decision_of(sealed: dict[str, Any]) -> dict[str, Any]:
    decision = dict(sealed.get("decision") or {})
    return {key: decision.get(key) or None for key in ("title", "number", "date", "kind")}


def reporter_for(case: Case, sealed: dict[str, Any], viewer: Person | None) -> dict[str, Any] | None:
    """The identity for those who may see it (each view audited); {"withheld": true} for the others."""
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


def evidence_item(case: Case, item: Evidence) -> dict[str, Any]:
    return {
        "id": item.pk,
        "name": content.evidence_name(item, case),
        "size": item.size,
        "content_type": item.content_type,
        "from": item.sender,
        "at": local(case, item.created_at),
    }


def history_item(case: Case, event: Any) -> dict[str, Any]:
    return {
        "at": local(case, event.at),
        "event": event.kind,
        "actor_title": timeline.actor_label(event) or None,
        "note": timeline.history_note(event),
    }


def detail(case: Case, viewer: Person | None = None, *, with_content: bool = True) -> dict[str, Any]:
    """The whole case for staff. ``with_content`` False leaves out what the reporter wrote, who they
    are, the files and the messages (for one who withdrew without having stated no conflict)."""
    sealed = content.report(case)
    data = summary(case)
    data.update(
        {
            "subject": subject_of(case, sealed),
            "decision": decision_of(sealed),
            "description": sealed.get("description", "") if with_content else "",
            "reporter": reporter_for(case, sealed, viewer)
            if with_content
            else (None if case.anonymous else {"withheld": True}),
            "anonymous": case.anonymous,
            "screening_warning": _screening_warning(case),  # PREVENTION SCREENING (issue 9)
            "follow_ups": [
                follow_up(f) for f in FollowUp.objects.filter(case=case).order_by("due_date", "id")
            ],
            "evidence": [
                evidence_item(case, e)
                for e in Evidence.objects.filter(case=case).order_by("created_at", "id")
            ]
            if with_content
            else [],
            "history": [history_item(case, ev) for ev in timeline.events_for_staff(case)],
            "messages": [
                {
                    "id": m.pk,
                    "at": local(case, m.at),
                    "from": m.sender,
                    "author_title": m.author_title or None,
                    "text": content.message_text(m, case),
                }
                for m in Message.objects.filter(case=case).order_by("at", "id")
            ]
            if with_content
            else [],
        }
    )
    return data


def _screening_warning(case: Case) -> bool:  # PREVENTION SCREENING (issue 9)
    from integritas.prevention.screening import warned

    return warned(case)


def for_reporter(case: Case) -> dict[str, Any]:
    """``GET /track``: the reporter's view (``tracking.reporter_view``) as JSON."""
    view = reporter_view(case)
    return {
        "reference": case.reference,
        "status": case.status,
        "conclusion": case.conclusion or None,
        "review_decision": case.review_decision or None,
        "outcome": case.outcome or None,
        "due_at": local(case, case.due_at),
        "handler_title": view.handler,
        "timeline": [
            {"at": local(case, line.at), "event": line.event, "note": line.note} for line in view.timeline
        ],
        "messages": [
            {"id": m.id, "at": local(case, m.at), "from": m.sender, "text": m.text} for m in view.messages
        ],
        "evidence": [
            {
                "id": f.id,
                "name": f.name,
                "size": f.size,
                "content_type": f.content_type,
                "from": f.sender,
                "at": local(case, f.at),
            }
            for f in view.evidence
        ],
    }
