"""The working-day calendar and the deadline counting rule (SPEC §5).

A deadline of N days ends at 23:59:59 unit-local time on the Nth counted day *after* the day the clock
starts; that start day never counts. With kind ``working`` only the unit's working days count: its
working week minus national holidays and joint leave (``holidays``, Indonesia, PUBLIC + GOVERNMENT)
minus days added for the deployment or for the unit or one of its ancestors.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import holidays as holidays_lib
from django.db.models import Q

from integritas.orgs.models import Holiday, Unit

END_OF_DAY = dt.time(23, 59, 59)


@lru_cache(maxsize=64)
def national_days(year: int) -> dict[dt.date, str]:
    """Indonesian national holidays and cuti bersama of a year, with Indonesian names."""
    table = holidays_lib.country_holidays(
        "ID", years=year, categories=("public", "government"), language="id"
    )
    return dict(table.items())


@dataclass(frozen=True)
class DayInfo:
    date: dt.date
    working: bool
    reasons: tuple[str, ...]  # why the day is off: weekend, national names, added names


class UnitCalendar:
    """Working days as seen by one unit; added holidays are loaded once per range asked for."""

    def __init__(self, unit: Unit):
        self.unit = unit
        self.weekdays = unit.working_weekdays
        self.ancestor_ids = [u.pk for u in unit.ancestors()]
        self._added: dict[dt.date, list[str]] = {}
        self._loaded: set[int] = set()

    def _load_year(self, year: int) -> None:
        if year in self._loaded:
            return
        self._loaded.add(year)
        rows = Holiday.objects.filter(
            Q(unit__isnull=True) | Q(unit_id__in=self.ancestor_ids),
            date__gte=dt.date(year, 1, 1),
            date__lte=dt.date(year, 12, 31),
        ).values_list("date", "name")
        for day, name in rows:
            self._added.setdefault(day, []).append(name)

    def day(self, day: dt.date) -> DayInfo:
        self._load_year(day.year)
        reasons: list[str] = []
        if day.weekday() not in self.weekdays:
            reasons.append("weekend")
        national = national_days(day.year).get(day)
        if national:
            reasons.extend(part.strip() for part in national.split(";"))
        reasons.extend(self._added.get(day, []))
        return DayInfo(date=day, working=not reasons, reasons=tuple(reasons))

    def is_working_day(self, day: dt.date) -> bool:
        return self.day(day).working

    def add_days(self, start: dt.date, days: int, kind: str) -> dt.date:
        """The Nth counted day after ``start`` (``start`` itself never counts)."""
        if days < 1:
            raise ValueError("days must be at least 1")
        if kind == "calendar":
            return start + dt.timedelta(days=days)
        if kind != "working":
            raise ValueError(f"unknown day kind {kind!r}")
        current, counted = start, 0
        # A bound that no real calendar reaches: more than a year of consecutive days off is a data error.
        for _ in range(days * 7 + 400):
            current += dt.timedelta(days=1)
            if self.is_working_day(current):
                counted += 1
                if counted == days:
                    return current
        raise ValueError("no working days found; check the unit's holidays")

    def year(self, year: int) -> list[DayInfo]:
        first = dt.date(year, 1, 1)
        return [self.day(first + dt.timedelta(days=i)) for i in range((dt.date(year + 1, 1, 1) - first).days)]


def deadline(unit: Unit, start: dt.datetime, days: int, kind: str) -> dt.datetime:
    """Due instant for a clock started at ``start`` in ``unit``'s calendar and time zone."""
    tz = unit.tz
    local_start = start.astimezone(tz).date()
    due_day = UnitCalendar(unit).add_days(local_start, days, kind)
    return dt.datetime.combine(due_day, END_OF_DAY, tzinfo=tz)
