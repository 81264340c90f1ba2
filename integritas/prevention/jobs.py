"""What the scheduler (``integritas serve``, ``integritas worker``, ``integritas sweep``) runs for
prevention, every tick: the self-declaration sweep, the gratification deadline notices, and in January
the yearly declaration reminder. Each is safe under several workers (row claims, unique marks)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from integritas.orgs.calendar import UnitCalendar
from integritas.prevention import conflicts, declarations, notices
from integritas.prevention.gratifications import mail_context, team_for
from integritas.prevention.models import Gratification, GratificationStatus, ReminderMark

log = logging.getLogger(__name__)

DAY_STARTS = dt.time(7, 0)
SOON_WORKING_DAYS = 5  # the team hears this many working days before the legal limit
HORIZON = dt.timedelta(days=30)


@dataclass
class PreventionResult:
    marked: list[str] = field(default_factory=list)
    escalated: list[str] = field(default_factory=list)
    gratifications_soon: list[str] = field(default_factory=list)
    gratifications_overdue: list[str] = field(default_factory=list)
    declaration_reminders: int = 0


def _tell_team(row: Gratification, kind: str, key: str, now: dt.datetime) -> bool:
    with transaction.atomic():
        if not ReminderMark.claim(key, now):
            return False
        notices.tell(
            team_for(row.unit, exclude={row.recipient_id}),
            kind,
            role="team",
            path=f"/gratifikasi/{row.reference}/",
            context=mail_context(row),
            at=now,
        )
        return True


def gratification_notices(now: dt.datetime, result: PreventionResult) -> None:
    """A few working days before the legal limit, and once when it has passed, the team hears about
    each reportable gift that has no outcome yet."""
    calendars: dict[int, UnitCalendar] = {}

    def mark(kind: str):
        return Exists(
            ReminderMark.objects.filter(
                key=Concat(Value(f"gratification:{kind}:"), Cast(OuterRef("pk"), CharField()))
            )
        )

    open_rows = (
        Gratification.objects.filter(
            status=GratificationStatus.REPORTED, reportable=True, due_at__lte=now + HORIZON
        )
        .annotate(told_soon=mark("soon"), told_overdue=mark("overdue"))
        .filter(Q(told_overdue=False))
        .select_related("unit")
    )
    for row in open_rows.order_by("due_at", "pk").iterator(chunk_size=500):
        try:
            if now > row.due_at:
                key = f"gratification:overdue:{row.pk}"
                if _tell_team(row, "gratification_overdue", key, now):
                    result.gratifications_overdue.append(row.reference)
                continue
            calendar = calendars.get(row.unit_id) or calendars.setdefault(row.unit_id, UnitCalendar(row.unit))
            due_day = row.due_at.astimezone(row.unit.tz).date()
            remind_day = calendar.working_day_before(due_day, SOON_WORKING_DAYS)
            remind_at = dt.datetime.combine(remind_day, DAY_STARTS, tzinfo=row.unit.tz)
            key = f"gratification:soon:{row.pk}"
            if now >= remind_at and row.created_at < remind_at and not row.told_soon:
                if _tell_team(row, "gratification_due_soon", key, now):
                    result.gratifications_soon.append(row.reference)
        except Exception:  # one broken row must not stop the others
            log.exception("gratification notice failed for %s", row.reference)


def run_prevention_jobs(now: dt.datetime | None = None) -> PreventionResult:
    now = now or timezone.now()
    result = PreventionResult()
    swept = conflicts.sweep(now)
    result.marked, result.escalated = swept.marked, swept.escalated
    gratification_notices(now, result)
    result.declaration_reminders = declarations.send_yearly_reminders(now)
    if (
        result.marked
        or result.gratifications_soon
        or result.gratifications_overdue
        or result.declaration_reminders
    ):
        log.info(
            "prevention: %d self-declarations overdue (%d escalated), %d gratification notices, "
            "%d declaration reminders",
            len(result.marked),
            len(result.escalated),
            len(result.gratifications_soon) + len(result.gratifications_overdue),
            result.declaration_reminders,
        )
    return result
