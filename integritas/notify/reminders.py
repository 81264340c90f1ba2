"""Reminders before and at a deadline, and when a follow-up action falls due.

The handler is reminded at the start of the working day before the due day (the case unit's
calendar: weekends, national holidays, joint leave and added holidays are skipped) and at the start
of the due day. Each reminder is sent once per stage: a :class:`Milestone` keyed by the stage's start
is inserted in the transaction that queues it, so a second worker's insert fails and it sends
nothing; an escalation or a recusal starts a new stage, with reminders of its own.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from integritas import batching
from integritas.cases import routing
from integritas.cases.models import TIMED_STATUSES, Case, CaseQuerySet, FollowUp, Status
from integritas.notify import events
from integritas.notify.models import Milestone, Role
from integritas.orgs.calendar import UnitCalendar, calendars_for, national_days
from integritas.orgs.models import DEFAULT_WORK_WEEK, WORK_WEEKS, Holiday, Unit

log = logging.getLogger(__name__)

DAY_STARTS = dt.time(7, 0)
# Further than the longest run of days off (Lebaran with joint leave) plus a weekend: a deadline
# further away than this has no reminder due yet.
HORIZON = dt.timedelta(days=21)


@dataclass
class ReminderResult:
    before: list[str] = field(default_factory=list)
    at_deadline: list[str] = field(default_factory=list)
    follow_ups: list[str] = field(default_factory=list)


def reminder_times(case: Case, calendar: UnitCalendar) -> tuple[dt.datetime, dt.datetime]:
    """(day before, due day): the start of the working day before the due day, and of the due day."""
    assert case.due_at is not None
    tz = case.unit.tz
    due_day = case.due_at.astimezone(tz).date()
    before = calendar.working_day_before(due_day)
    return (
        dt.datetime.combine(before, DAY_STARTS, tzinfo=tz),
        dt.datetime.combine(due_day, DAY_STARTS, tzinfo=tz),
    )


def due_reminder(case: Case, calendar: UnitCalendar, now: dt.datetime) -> str | None:
    """Which reminder is due now for the current stage, if any."""
    if case.due_at is None or case.stage_started_at is None or now >= case.due_at:
        return None
    before, on_day = reminder_times(case, calendar)
    if now >= on_day:
        # The day-before reminder is only for a stage that already existed then.
        return "deadline_today" if on_day > case.stage_started_at else None
    if now >= before and before > case.stage_started_at:
        return "deadline_soon"
    return None


# Case.reminded: which reminder of the current stage went out (0 none, 1 the day before, 2 the due
# day); the stage's start sets it back to 0 (services._assign). Only an index hint: the milestone
# keyed by the stage's start is what makes a reminder go out once.
REMINDED = {"deadline_soon": 1, "deadline_today": 2}


BATCH = 500


def send_reminders(now: dt.datetime | None = None, *, batch: int = BATCH) -> ReminderResult:
    now = now or timezone.now()
    result = ReminderResult()
    cases = list(_candidates(now))
    years = {now.year - 1, now.year, now.year + 1}
    calendars = calendars_for(list({case.unit_id: case.unit for case in cases}.values()), years)
    due: list[tuple[Case, str]] = []
    for case in cases:
        kind = due_reminder(case, calendars[case.unit_id], now)
        if kind is not None and REMINDED[kind] > case.reminded:
            due.append((case, kind))
    # Many at once (the first tick after a weekend or a long holiday): a batch per transaction, its
    # cases locked together, what routing needs read once and the rows written together, as the
    # sweep does; not one transaction per case.
    _in_batches(due, batch, lambda part: _remind_batch(part, now, result))
    _follow_ups_due(now, result)
    return result


def _in_batches(items: Sequence[Any], size: int, send: Callable[[Sequence[Any]], None]) -> None:
    """``send`` the items a batch at a time; a batch that cannot be written is retried at the next tick."""
    for start in range(0, len(items), size):
        part = items[start : start + size]
        try:
            send(part)
        except Exception:
            log.exception("reminders failed for a batch of %d", len(part))


def _each_locked(
    cases: CaseQuerySet,
    items: Sequence[Any],
    case_id: Callable[[Any], int],
    step: Callable[[Any, Case], bool],
) -> list[Any]:
    """Inside the caller's transaction: lock ``cases`` in id order (those another worker holds are
    skipped: it reminds them), read once what routing and the announced milestones need for them, take
    ``step`` for each item whose case is locked (one that fails is undone and the others go on), write
    the rows the steps made together. The items whose step returned True."""
    done: list[Any] = []
    locked = {case.pk: case for case in _lock(cases).order_by("pk")}
    if not locked:
        return done
    with routing.reading(list(locked.values())), batching.gathering() as pending:
        events.read_milestones(list(locked.values()))
        for item in items:
            case = locked.get(case_id(item))
            if case is None:
                continue
            with pending.step("reminder", case.reference):
                if step(item, case):
                    done.append(item)
        batching.write(pending)
    return done


def _remind_batch(due: Sequence[tuple[Case, str]], now: dt.datetime, result: ReminderResult) -> None:
    started = {case.pk: case.stage_started_at for case, _kind in due}

    def remind(item: tuple[Case, str], case: Case) -> bool:
        kind = item[1]
        # Each case must still be in the stage the reminder is about (else nothing, and no hint).
        if case.stage_started_at != started[case.pk]:
            return False
        if events.first_time(case, _key(kind, case), now):
            excluded = routing.excluded_people(case, events.local_today(case, now))
            staff = events.Recipients()
            staff.add(events.current_handlers(case, excluded), kind, Role.HANDLER)
            staff.send(case, {"reason": kind}, now)
            (result.before if kind == "deadline_soon" else result.at_deadline).append(case.reference)
        return True  # sent now, or before the hint existed

    with transaction.atomic():
        cases = Case.objects.filter(pk__in=started, overdue=False, status__in=TIMED_STATUSES).select_related(
            "unit", "handler_position", "handler_person", "handler_team"
        )
        done = _each_locked(cases, due, lambda item: item[0].pk, remind)
        for kind in REMINDED:
            pks = [case.pk for case, k in done if k == kind]
            if pks:
                Case.objects.filter(pk__in=pks, reminded__lt=REMINDED[kind]).update(reminded=REMINDED[kind])


def _day_after(now: dt.datetime, zones: list[ZoneInfo], days: dict[str, dt.date]) -> dt.datetime:
    """The latest midnight that ends a chosen local day (``days[zone]``) in any of the zones."""
    return max(
        dt.datetime.combine(days[str(zone)] + dt.timedelta(days=1), dt.time(0), tzinfo=zone) for zone in zones
    )


def _candidates(now: dt.datetime) -> CaseQuerySet:
    """The open cases that may have a reminder due now, chosen in SQL by index, so a tick reads
    O(reminders due), not every open case: a deadline that falls today (local) whose due-day reminder
    is not marked sent, or a deadline no later than the next day that is a working day for every unit
    whose day-before reminder is not marked sent either (index ``case_reminder_due``).
    ``due_reminder`` then decides per case with the unit's own calendar."""
    names = set(Unit.objects.order_by().values_list("resolved_timezone", flat=True).distinct())
    zones = [ZoneInfo(Unit(resolved_timezone=name).effective_timezone) for name in sorted(names)]
    zones = zones or [ZoneInfo(Unit().effective_timezone)]
    today = {str(zone): now.astimezone(zone).date() for zone in zones}
    next_working = {name: _next_common_working_day(day) for name, day in today.items()}
    today_ends = _day_after(now, zones, today)
    soon_ends = _day_after(now, zones, next_working)
    return (
        Case.objects.filter(status__in=TIMED_STATUSES, overdue=False, due_at__gt=now)
        .filter(
            Q(due_at__lt=today_ends, reminded__lt=REMINDED["deadline_today"])
            | Q(due_at__lt=soon_ends, reminded=0)
        )
        .exclude(stage_started_at__isnull=True)
        .select_related("unit")
        .order_by("due_at", "pk")
    )


def _next_common_working_day(day: dt.date) -> dt.date:
    """The first day after ``day`` that no unit has off: no unit's next working day comes later."""
    weeks = {WORK_WEEKS.get(w or DEFAULT_WORK_WEEK, WORK_WEEKS[DEFAULT_WORK_WEEK]) for w in _work_weeks()}
    added = set(
        Holiday.objects.filter(date__gt=day, date__lte=day + HORIZON)
        .order_by()
        .values_list("date", flat=True)
        .distinct()
    )
    current = day
    for _ in range(HORIZON.days):
        current += dt.timedelta(days=1)
        off = (
            current in added
            or current in national_days(current.year)
            or any(current.weekday() not in week for week in weeks)
        )
        if not off:
            return current
    return day + HORIZON


def _work_weeks() -> set[str]:
    return set(Unit.objects.order_by().values_list("resolved_work_week", flat=True).distinct()) or {""}


def _key(kind: str, case: Case) -> str:
    assert case.stage_started_at is not None
    return f"{kind}:{case.stage_started_at.isoformat()}"


def _lock(qs):
    if connection.features.has_select_for_update_skip_locked:
        return qs.select_for_update(skip_locked=True, of=("self",))
    return qs


def _follow_ups_due(now: dt.datetime, result: ReminderResult, batch: int = BATCH) -> None:
    """The overseeing team hears when a follow-up action reaches its due date."""
    latest = (now + dt.timedelta(days=1)).date()  # the furthest-east zone is at most a day ahead
    items = (
        FollowUp.objects.filter(
            done=False, cancelled=False, case__status=Status.FOLLOW_UP, due_date__lte=latest
        )
        .annotate(
            reminded=Exists(
                Milestone.objects.filter(
                    case=OuterRef("case"),
                    key=Concat(Value("follow_up_due:"), Cast(OuterRef("pk"), CharField())),
                )
            )
        )
        .filter(reminded=False)
        .select_related("case__unit")
        .order_by("due_date", "pk")
    )
    due = [
        item
        for item in items
        if now >= dt.datetime.combine(item.due_date, DAY_STARTS, tzinfo=item.case.unit.tz)
    ]
    _in_batches(due, batch, lambda part: _follow_up_batch(part, now, result))


def _follow_up_batch(due: Sequence[FollowUp], now: dt.datetime, result: ReminderResult) -> None:
    def remind(item: FollowUp, case: Case) -> bool:
        if not events.first_time(case, f"follow_up_due:{item.pk}", now):
            return False
        excluded = routing.excluded_people(case, events.local_today(case, now))
        staff = events.Recipients()
        staff.add(
            events.overseeing_team(case, excluded),
            "follow_up_due",
            Role.TEAM,
            follow_up_title=item.title,
            follow_up_due=item.due_date,
        )
        staff.send(case, {"reason": "follow_up_due"}, now)
        result.follow_ups.append(case.reference)
        return True

    # The cases still in follow-up.
    cases = Case.objects.filter(pk__in={item.case_id for item in due}, status=Status.FOLLOW_UP)
    with transaction.atomic():
        _each_locked(cases.select_related("unit"), due, lambda item: item.case_id, remind)
