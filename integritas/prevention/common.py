"""Small things every prevention service needs: references, a person's place in the organisation,
local dates, and the audit entry of each change or view of personal content."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F
from django.utils import timezone

from integritas.audit.chain import record
from integritas.orgs.models import Holding, Person, Position, Unit
from integritas.prevention.models import ReferenceCounter


def next_reference(prefix: str, year: int) -> str:
    """GR-2026-000001, KK-2026-000001: the next number of the year, inside the caller's transaction."""
    ReferenceCounter.objects.get_or_create(prefix=prefix, year=year)
    ReferenceCounter.objects.filter(prefix=prefix, year=year).update(last=F("last") + 1)
    number = ReferenceCounter.objects.get(prefix=prefix, year=year).last
    return f"{prefix}-{year:04d}-{number:06d}"


def holdings_today(person: Person, today: dt.date | None = None) -> list[Holding]:
    """The person's positions today: definitive before acting (Plt), the oldest first."""
    today = today or timezone.localdate()
    return list(
        Holding.objects.active_on(today)
        .filter(person=person)
        .select_related("position__unit", "position__reports_to")
        .order_by("acting", "start", "id")
    )


def main_position(person: Person, today: dt.date | None = None) -> Position | None:
    held = holdings_today(person, today)
    return held[0].position if held else None


def home_unit(person: Person, today: dt.date | None = None) -> Unit | None:
    """The unit of the person's main position; for someone holding none, the unit of their team."""
    position = main_position(person, today)
    if position is not None:
        return position.unit
    membership = person.team_memberships.select_related("unit").order_by("id").first()
    return membership.unit if membership is not None else None


def local_today(unit: Unit, now: dt.datetime | None = None) -> dt.date:
    return (now or timezone.now()).astimezone(unit.tz).date()


def local_iso(unit: Unit, when: dt.datetime | None) -> str | None:
    return when.astimezone(unit.tz).isoformat() if when is not None else None


def audit(
    action: str,
    actor: Person | None,
    *,
    unit: Unit | None = None,
    reference: str = "",
    at: dt.datetime | None = None,
    **data: Any,
) -> None:
    """One entry in the audit chain (joins the caller's transaction). Never names, never content."""
    record(
        f"prevention.{action}",
        actor=actor.username if actor is not None else "system",
        case_reference=reference,
        unit_code=unit.code if unit is not None else "",
        data=data,
        at=at,
    )
