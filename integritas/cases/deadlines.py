"""A case's deadline as people read it: the rule in force for its stage ("3 hari kerja", "2 hari") and
the count from today (days left, the last day, overdue by N days), in the calendar of the case's unit
(SPEC §5: the case's unit sets the policy and the calendar of all its deadlines, whoever handles it).

Days left count like the rule: the days of the rule's kind after today up to the deadline's day (a
working-day deadline counts working days only). Overdue counts calendar days after the deadline's day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from integritas.cases.models import TIMED_STATUSES, Case
from integritas.orgs.calendar import UnitCalendar, calendars_for

WORKING = "working"


@dataclass(frozen=True)
class DeadlineCount:
    days: int  # the rule: N days of ``kind`` after the day the stage started
    kind: str  # working or calendar
    due_day: dt.date  # in the unit's time zone
    left: int | None  # days of ``kind`` after today up to the deadline's day; 0 on the last day
    late: int | None  # calendar days past the deadline's day, when overdue

    @property
    def working(self) -> bool:
        return self.kind == WORKING

    @property
    def rule(self) -> str:
        if self.working:
            return ngettext("%(n)d working day", "%(n)d working days", self.days) % {"n": self.days}
        return ngettext("%(n)d day", "%(n)d days", self.days) % {"n": self.days}

    @property
    def count(self) -> str:
        if self.late is not None:
            return ngettext("overdue by %(n)d day", "overdue by %(n)d days", self.late) % {"n": self.late}
        if not self.left:
            return _("last day today")
        if self.working:
            return ngettext("%(n)d working day left", "%(n)d working days left", self.left) % {"n": self.left}
        return ngettext("%(n)d day left", "%(n)d days left", self.left) % {"n": self.left}


def deadline_count(
    case: Case, now: dt.datetime | None = None, calendar: UnitCalendar | None = None
) -> DeadlineCount | None:
    """The rule and the count of an open case's deadline; None for a stage without a clock."""
    if case.status not in TIMED_STATUSES or case.due_at is None:
        return None
    now = now or timezone.now()
    unit = case.unit
    policy = unit.effective_policy
    days, kind = int(policy[f"{case.status}_days"]), str(policy[f"{case.status}_day_kind"])
    zone = unit.tz
    today, due_day = now.astimezone(zone).date(), case.due_at.astimezone(zone).date()
    if now > case.due_at or case.overdue:
        return DeadlineCount(days, kind, due_day, left=None, late=max((today - due_day).days, 1))
    if kind != WORKING:
        return DeadlineCount(days, kind, due_day, left=(due_day - today).days, late=None)
    calendar = calendar or UnitCalendar(unit)
    left = sum(
        1
        for n in range(1, (due_day - today).days + 1)
        if calendar.is_working_day(today + dt.timedelta(days=n))
    )
    return DeadlineCount(days, kind, due_day, left=left, late=None)


def deadline_counts(cases: Iterable[Case], now: dt.datetime | None = None) -> dict[int, DeadlineCount]:
    """The counts of a list of cases (their units' added days off read once)."""
    now = now or timezone.now()
    timed = [c for c in cases if c.status in TIMED_STATUSES and c.due_at is not None]
    units = {c.unit_id: c.unit for c in timed}
    years: set[int] = set()
    for case in timed:
        assert case.due_at is not None
        years |= {now.astimezone(case.unit.tz).year, case.due_at.astimezone(case.unit.tz).year}
    calendars = calendars_for(units.values(), years)
    found = {}
    for case in timed:
        count = deadline_count(case, now, calendars[case.unit_id])
        if count is not None:
            found[case.pk] = count
    return found
