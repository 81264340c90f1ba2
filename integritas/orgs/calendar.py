"""The working-day calendar and the deadline counting rule (SPEC §5).

A deadline of N days ends at 23:59:59 unit-local time on the Nth counted day *after* the day the clock
starts; that start day never counts. With kind ``working`` only the unit's working days count: its
working week minus national holidays and joint leave (``holidays``, Indonesia, PUBLIC + GOVERNMENT)
minus days added for the deployment or for the unit or one of its ancestors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import holidays as holidays_lib
from django.db.models import Q

from integritas.orgs.models import Holiday, Unit

END_OF_DAY = dt.time(23, 59, 59)


@lru_cache(maxsize=64)
def national_days(year: int, language: str = "id") -> dict[dt.date, str]:
    """Indonesian national holidays and cuti bersama of a year, named in ``language`` (id or en)."""
    table = holidays_lib.country_holidays(
        "ID", years=year, categories=("public", "government"), language="en_US" if language == "en" else "id"
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
        self.ancestor_ids = unit.ancestor_ids()
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

    def working_day_before(self, day: dt.date, count: int = 1) -> dt.date:
        """The Nth working day before ``day`` (``day`` itself never counts); with none in sight (more
        than a year of days off, a data error), ``count`` calendar days before."""
        current, found = day, 0
        for _ in range(count * 7 + 400):
            current -= dt.timedelta(days=1)
            if self.is_working_day(current):
                found += 1
                if found == count:
                    return current
        return day - dt.timedelta(days=count)

    def year(self, year: int) -> list[DayInfo]:
        first = dt.date(year, 1, 1)
        return [self.day(first + dt.timedelta(days=i)) for i in range((dt.date(year + 1, 1, 1) - first).days)]


def deadline(
    unit: Unit, start: dt.datetime, days: int, kind: str, *, calendar: UnitCalendar | None = None
) -> dt.datetime:
    """Due instant for a clock started at ``start`` in ``unit``'s calendar and time zone (``calendar``:
    the unit's, already read)."""
    tz = unit.tz
    local_start = start.astimezone(tz).date()
    due_day = (calendar or UnitCalendar(unit)).add_days(local_start, days, kind)
    return dt.datetime.combine(due_day, END_OF_DAY, tzinfo=tz)


# --- the year as the administration page draws it -----------------------------------------------------

KIND_ORDER = ("national", "joint", "added", "weekend")


@dataclass(frozen=True)
class NamedDay:
    date: dt.date
    name: str
    kind: str  # national, joint (cuti bersama) or added
    unit: Unit | None = None  # an added day: the unit it was added for (None: the whole deployment)


@dataclass
class Cell:
    date: dt.date
    kind: str  # working, national, joint, added, weekend
    working: bool
    kinds: list[str] = field(default_factory=list)


@dataclass
class Month:
    first: dt.date
    weeks: list[list[Cell | None]]  # Monday first; None pads the first and last week
    named: list[NamedDay]
    working: int


def national_names(year: int, language: str) -> dict[dt.date, list[tuple[str, bool]]]:
    """Each national day off: its names in ``language`` and whether it is joint leave. The Indonesian
    names decide the kind ("Cuti Bersama …"); the others, same days and order, are only shown."""
    indonesian = national_days(year, "id")
    shown = national_days(year, language) if language != "id" else indonesian
    result: dict[dt.date, list[tuple[str, bool]]] = {}
    for day, names in indonesian.items():
        parts = [p.strip() for p in names.split(";")]
        other = [p.strip() for p in shown.get(day, "").split(";")]
        if len(other) != len(parts):
            other = parts
        result[day] = [
            (name, "cuti bersama" in part.lower()) for name, part in zip(other, parts, strict=True)
        ]
    return result


def added_days(unit: Unit, year: int) -> list[Holiday]:
    """Days off added for the whole deployment or for this unit or a unit above it."""
    return list(
        Holiday.objects.filter(Q(unit__isnull=True) | Q(unit_id__in=unit.ancestor_ids()), date__year=year)
        .select_related("unit")
        .order_by("date", "unit__code")
    )


def year_grid(unit: Unit, year: int, language: str = "id") -> tuple[list[Month], int, list[Holiday]]:
    """The unit's working-day calendar of a year: twelve months of weeks, the named days off of each
    month, the working days per month and in all, and the added days off in force."""
    calendar = UnitCalendar(unit)
    days = calendar.year(year)
    national = national_names(year, language)
    added = added_days(unit, year)
    added_on: dict[dt.date, list[Holiday]] = {}
    for holiday in added:
        added_on.setdefault(holiday.date, []).append(holiday)
    months: list[Month] = []
    for month in range(1, 13):
        cells: list[Cell] = []
        named: list[NamedDay] = []
        for info in (d for d in days if d.date.month == month):
            kinds: list[str] = []
            for name, joint in national.get(info.date, []):
                kinds.append("joint" if joint else "national")
                named.append(NamedDay(info.date, name, "joint" if joint else "national"))
            for holiday in added_on.get(info.date, []):
                kinds.append("added")
                named.append(NamedDay(info.date, holiday.name, "added", holiday.unit))
            if info.date.weekday() not in calendar.weekdays:
                kinds.append("weekend")
            kind = "working" if info.working else next((k for k in KIND_ORDER if k in kinds), "off")
            cells.append(Cell(info.date, kind, info.working, kinds))
        padded: list[Cell | None] = [None] * cells[0].date.weekday() + list(cells)
        padded += [None] * (-len(padded) % 7)
        months.append(
            Month(
                first=dt.date(year, month, 1),
                weeks=[padded[i : i + 7] for i in range(0, len(padded), 7)],
                named=named,
                working=sum(1 for c in cells if c.working),
            )
        )
    return months, sum(1 for d in days if d.working), added


def calendars_for(units: Iterable[Unit], years: Iterable[int]) -> dict[int, UnitCalendar]:
    """A calendar for each unit, the added days off of ``years`` read in one query (lists of cases)."""
    unit_list = list(units)
    wanted = sorted(set(years))
    calendars = {unit.pk: UnitCalendar(unit) for unit in unit_list}
    if not unit_list or not wanted:
        return calendars
    ancestors = {a for unit in unit_list for a in unit.ancestor_ids()}
    rows = list(
        Holiday.objects.filter(
            Q(unit__isnull=True) | Q(unit_id__in=ancestors),
            date__gte=dt.date(wanted[0], 1, 1),
            date__lte=dt.date(wanted[-1], 12, 31),
        )
        .order_by("date", "pk")
        .values_list("unit_id", "date", "name")
    )
    for calendar in calendars.values():
        mine = set(calendar.ancestor_ids)
        calendar._loaded.update(range(wanted[0], wanted[-1] + 1))
        for unit_id, day, name in rows:
            if unit_id is None or unit_id in mine:
                calendar._added.setdefault(day, []).append(name)
    return calendars
