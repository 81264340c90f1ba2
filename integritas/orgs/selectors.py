"""Read-only questions about the organisation that several interfaces ask."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from integritas.orgs.models import Holding, Position, Unit


@dataclass(frozen=True)
class PositionWithHolder:
    code: str
    title: str
    holder: str | None  # the current holder's name (the definitive one before an acting one), or None


def positions_with_holders(unit: Unit, day: dt.date) -> list[PositionWithHolder]:
    """The positions of a unit, by title, each with who holds it on ``day`` (two queries in all)."""
    positions = list(Position.objects.filter(unit=unit).order_by("title", "code"))
    holders: dict[int, str] = {}
    for holding in (
        Holding.objects.active_on(day)
        .filter(position__in=positions)
        .select_related("person")
        .order_by("acting", "-start", "id")
    ):
        holders.setdefault(holding.position_id, holding.person.display_name)
    return [PositionWithHolder(p.code, p.title, holders.get(p.pk)) for p in positions]
