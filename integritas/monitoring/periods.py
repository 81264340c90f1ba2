"""A reporting period: a year (``2026``), a semester (``2026-S2``) or a month (``2026-08``), as dates
in a unit's local calendar."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from integritas.errors import Invalid, Problem

_PATTERN = re.compile(r"^(?P<year>[0-9]{4})(?:-(?:S(?P<semester>[12])|(?P<month>0[1-9]|1[0-2])))?$")
MONTHS_ID = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


@dataclass(frozen=True)
class Period:
    code: str
    start: dt.date  # first day
    end: dt.date  # last day (inclusive)

    @property
    def kind(self) -> str:
        if len(self.code) == 4:
            return "year"
        return "semester" if "S" in self.code else "month"

    @property
    def year(self) -> int:
        return self.start.year

    def months(self) -> list[str]:
        """The months of the period as ``YYYY-MM``."""
        return [f"{self.year}-{m:02d}" for m in range(self.start.month, self.end.month + 1)]

    def label_id(self) -> str:
        """The period in Indonesian words (``Agustus 2026``, ``Semester 2 2026``, ``Tahun 2026``)."""
        if self.kind == "month":
            return f"{MONTHS_ID[self.start.month - 1]} {self.year}"
        if self.kind == "semester":
            return f"Semester {1 if self.start.month == 1 else 2} {self.year}"
        return f"Tahun {self.year}"


def parse_period(value: object, *, field: str = "period") -> Period:
    """The period named by ``value``; Invalid naming ``field`` otherwise."""
    found = _PATTERN.match(value) if isinstance(value, str) else None
    if found is None or not 2000 <= int(found["year"]) <= 2999:
        raise Invalid({field: Problem("period_format")})
    year = int(found["year"])
    if found["month"]:
        month = int(found["month"])
        start = dt.date(year, month, 1)
        end = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
    elif found["semester"]:
        first = found["semester"] == "1"
        start = dt.date(year, 1 if first else 7, 1)
        end = dt.date(year, 6, 30) if first else dt.date(year, 12, 31)
    else:
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return Period(code=str(value), start=start, end=end)


def month_label_id(code: str) -> str:
    """``2026-08`` → ``Agu 2026`` (short, for chart axes and table heads)."""
    year, month = code.split("-")
    return f"{MONTHS_ID[int(month) - 1][:3]} {year}"
