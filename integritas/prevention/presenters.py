"""The JSON shapes of API.md §2 Prevention (and a few more fields, in the OpenAPI document)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from integritas.orgs.models import Person
from integritas.prevention import conflicts, gratifications
from integritas.prevention.common import local_iso
from integritas.prevention.models import (
    Declaration,
    Gratification,
    GratificationStatus,
    SelfDeclaration,
)
from integritas.prevention.riskmap import level_of
from integritas.prevention.selectors import RiskRow


def declaration(row: Declaration, interests: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": row.pk,
        "kind": row.kind,
        "year": row.year,
        "filed_at": timezone.localtime(row.filed_at).isoformat(),
        "none": row.none,
    }
    if interests is not None:
        data["interests"] = [
            {
                "category": i.get("category"),
                "description": i.get("description") or "",
                "parties": [
                    {"name": p.get("name") or "", "relation": p.get("relation") or ""}
                    for p in i.get("parties") or []
                ],
            }
            for i in interests
        ]
    return data


def gratification(row: Gratification, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    return {
        "reference": row.reference,
        "status": row.status,
        "unit": row.unit.code,
        "received_on": row.received_on.isoformat(),
        "value_idr": int(row.value_idr),
        "occasion": row.occasion,
        "cash": row.cash,
        "rejected": row.rejected,
        "reportable": row.reportable,
        "due_at": local_iso(row.unit, row.due_at),
        "overdue": row.status == GratificationStatus.REPORTED and now > row.due_at,
        "outcome": row.outcome or None,
        "settled_at": local_iso(row.unit, row.settled_at),
        "recipient": {"username": row.recipient.username},
        "threshold": {
            "max_value_idr": int(row.threshold.max_value_idr),
            "valid_from": row.threshold.valid_from.isoformat() if row.threshold.valid_from else None,
            "source": row.threshold.source,
        }
        if row.threshold is not None
        else None,
    }


def gratification_detail(row: Gratification, viewer: Person) -> dict[str, Any]:
    data = gratification(row)
    data.update(gratifications.content(row, viewer))
    return data


def self_declaration(item: SelfDeclaration, viewer: Person | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "reference": item.reference,
        "status": item.status,
        "kind": item.kind,
        "unit": item.unit.code,
        "declarer": {"username": item.declarer.username, "position": item.declarer_position.code},
        "decision": {
            "title": None,
            "kind": item.decision_kind,
            "date": item.decision_date.isoformat() if item.decision_date else None,
        },
        "decision_suspended": item.decision_suspended,
        "handler": {
            "position": item.handler_position.code if item.handler_position else None,
            "title": conflicts.handler_title(item) or None,
            "team": item.handler_team.code if item.handler_team else None,
        }
        if item.decision_suspended
        else None,
        "level": item.level,
        "due_at": local_iso(item.unit, item.due_at),
        "overdue": item.decision_suspended and item.due_at is not None and timezone.now() > item.due_at,
        "screening_warning": item.screening_warning and item.decision_suspended,
        "measure": item.measure or None,
        "decided_at": local_iso(item.unit, item.decided_at),
        "created_at": local_iso(item.unit, item.created_at),
        "history": [
            {
                "at": local_iso(item.unit, ev.at),
                "event": ev.event,
                "actor_title": ev.actor_title or None,
                "note": ev.note or None,
            }
            for ev in item.events.order_by("at", "id")
        ],
    }
    if viewer is not None:
        content = conflicts.content(item, viewer)
        data["decision"]["title"] = content["title"]
        data["description"] = content["description"]
        data["notes"] = content["notes"]
    return data


def risk(row: RiskRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "unit": row.unit_code,
        "position": row.position_code,
        "position_title": row.position_title,
        "decision_kind": row.decision_kind,
        "likelihood": row.likelihood,
        "impact": row.impact,
        "score": row.score,
        "level": level_of(row.score),
        "mitigation": row.mitigation,
        "review_on": row.review_on.isoformat(),
        "review_due": row.review_due,
        "updated_at": timezone.localtime(row.updated_at).isoformat(),
    }
