"""Figures for a unit's subtree and a period, over the cases the viewer may see.

Every figure is one aggregate query over indexed columns (unit path, dates, states, the stage clock
copied onto each history row); nothing loops over cases and nothing is decrypted. Dates are the unit's
local dates: a case filed at 00:30 WIB on 1 August is an August case, although it is 31 July in UTC.

``viewer=None`` means the operator's command line (``integritas report``): every case of the subtree.
Anyone else sees the figures of the cases ``cases.access.cases_visible_to`` gives them, so a team
member who is the subject of a case, or who withdrew from it, finds it counted nowhere.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from integritas.cases import access
from integritas.cases.models import (
    REVIEWED_KINDS,
    TIMED_STATUSES,
    Case,
    CaseCategory,
    Event,
    EventKind,
    FollowUp,
    Recusal,
    Stage,
    Status,
)
from integritas.orgs.calendar import UnitCalendar
from integritas.orgs.models import Person, Unit

# The steps that end a stage's clock by doing the stage's work (a recusal or a missed deadline ends
# the clock too, but nothing was done).
DONE_KINDS = {
    Stage.EXAMINATION: (EventKind.EXAMINED_FOUNDED, EventKind.EXAMINED_UNFOUNDED),
    Stage.REVIEW: (*sorted(REVIEWED_KINDS), EventKind.ESCALATED),
}


@dataclass(frozen=True)
class Scope:
    """The cases of a subtree and a period a viewer may see, as querysets (nothing evaluated)."""

    unit: Unit
    date_from: dt.date | None
    date_to: dt.date | None
    cases: QuerySet[Case]

    def related(self, prefix: str = "case") -> Q:
        """Rows of another table that belong to the cases in scope."""
        return Q(**{f"{prefix}__in": self.cases.values("pk")})


def local_start(day: dt.date, unit: Unit) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=unit.tz)


def scope(
    unit: Unit,
    viewer: Person | None,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> Scope:
    base = Case.objects.all() if viewer is None else access.cases_visible_to(viewer)
    condition = Q(unit__path__startswith=unit.path)
    if date_from:
        condition &= Q(created_at__gte=local_start(date_from, unit))
    if date_to:
        condition &= Q(created_at__lt=local_start(date_to + dt.timedelta(days=1), unit))
    return Scope(unit, date_from, date_to, base.filter(condition))


def _month(value: dt.datetime | dt.date, unit: Unit) -> str:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone(unit.tz)
    return value.strftime("%Y-%m")


def by_month(s: Scope) -> dict[str, int]:
    rows = (
        s.cases.annotate(month=TruncMonth("created_at", tzinfo=s.unit.tz))
        .values("month")
        .annotate(n=Count("id"))
        .order_by("month")
    )
    found: dict[str, int] = {}
    for row in rows:
        key = _month(row["month"], s.unit)
        found[key] = found.get(key, 0) + row["n"]
    return found


def by_category(s: Scope) -> dict[str, int]:
    rows = CaseCategory.objects.filter(s.related()).values("code").annotate(n=Count("id")).order_by("code")
    return {row["code"]: row["n"] for row in rows}


def by_category_month(s: Scope) -> dict[str, dict[str, int]]:
    """{category: {YYYY-MM: n}}: the recap of reports by type per month (the case's local month)."""
    rows = (
        CaseCategory.objects.filter(s.related())
        .annotate(month=TruncMonth("created_at", tzinfo=s.unit.tz))
        .values("code", "month")
        .annotate(n=Count("id"))
        .order_by("code", "month")
    )
    found: dict[str, dict[str, int]] = {}
    for row in rows:
        cell = found.setdefault(row["code"], {})
        key = _month(row["month"], s.unit)
        cell[key] = cell.get(key, 0) + row["n"]
    return found


def by_unit(s: Scope) -> dict[str, int]:
    rows = s.cases.values("unit__code").annotate(n=Count("id")).order_by("unit__code")
    return {row["unit__code"]: row["n"] for row in rows}


def by_child(s: Scope) -> list[tuple[Unit, int]]:
    """Each unit directly below the scope's unit with the cases of its own subtree (the unit's own
    cases, if any, under the unit itself first)."""
    counts = s.cases.values_list("unit_id", "unit__path").annotate(n=Count("id")).order_by()
    children = list(Unit.objects.filter(parent=s.unit).order_by("name", "code"))
    totals = {child.pk: 0 for child in children}
    own = 0
    child_of_id = {str(child.pk): child.pk for child in children}
    depth = len(s.unit.ancestor_ids())
    for unit_id, path, n in counts:  # one row per unit with cases, never per case
        parts = path.strip("/").split("/")
        if unit_id == s.unit.pk or len(parts) <= depth:
            own += n
        elif parts[depth] in child_of_id:
            totals[child_of_id[parts[depth]]] += n
    found = [(child, totals[child.pk]) for child in children]
    return [(s.unit, own), *found] if own else found


def within_deadline(s: Scope) -> dict[str, dict[str, int]]:
    """Per stage: steps done, and of them those done by the deadline in force when they were taken."""
    found: dict[str, dict[str, int]] = {}
    for stage, kinds in DONE_KINDS.items():
        found[str(stage)] = Event.objects.filter(
            s.related(), stage=stage, kind__in=kinds, stage_due_at__isnull=False
        ).aggregate(
            done=Count("id"),
            on_time=Count("id", filter=Q(at__lte=F("stage_due_at"))),
        )
    return found


def _working_days(calendar: UnitCalendar, start: dt.datetime, end: dt.datetime) -> int:
    """Working days of the unit's calendar after the start day up to the end day (SPEC §5 rule)."""
    unit = calendar.unit
    day, last = start.astimezone(unit.tz).date(), end.astimezone(unit.tz).date()
    count = 0
    while day < last:
        day += dt.timedelta(days=1)
        count += calendar.is_working_day(day)
    return count


def median_days(s: Scope) -> dict[str, float | None]:
    """Per stage, the median step by elapsed time (ordered and picked in the database), expressed in
    the unit's working days; None without a step."""
    found: dict[str, float | None] = {}
    calendar = UnitCalendar(s.unit)  # loads the added holidays once per year asked for
    elapsed = ExpressionWrapper(F("at") - F("stage_started_at"), output_field=DurationField())
    for stage, kinds in DONE_KINDS.items():
        steps = Event.objects.filter(
            s.related(), stage=stage, kind__in=kinds, stage_started_at__isnull=False
        ).annotate(elapsed=elapsed)
        n = steps.count()
        if not n:
            found[str(stage)] = None
            continue
        middle = list(
            steps.order_by("elapsed", "pk").values_list("stage_started_at", "at")[(n - 1) // 2 : n // 2 + 1]
        )
        days = [_working_days(calendar, start, end) for start, end in middle if start is not None]
        found[str(stage)] = sum(days) / len(days)
    return found


def follow_ups(s: Scope, now: dt.datetime) -> dict[str, int]:
    today = now.astimezone(s.unit.tz).date()
    # (The aggregates' names differ from the columns': Django refuses an alias that shadows a field.)
    row = FollowUp.objects.filter(s.related()).aggregate(
        n_total=Count("id"),
        n_done=Count("id", filter=Q(done=True)),
        n_cancelled=Count("id", filter=Q(cancelled=True)),
        n_open=Count("id", filter=Q(done=False, cancelled=False)),
        n_overdue=Count("id", filter=Q(done=False, cancelled=False, due_date__lt=today)),
    )
    return {key.removeprefix("n_"): value for key, value in row.items()}


def prevention(s: Scope, viewer: Person | None, now: dt.datetime) -> dict[str, dict[str, int]]:
    """Declarations compliance (for the year of the period's end, or this year), gratification
    reports and self-declarations received in the period, as far as the viewer sees them."""
    from integritas.prevention import access as prevention_access
    from integritas.prevention.declarations import compliance_figures
    from integritas.prevention.models import (
        ConflictStatus,
        Gratification,
        GratificationStatus,
        SelfDeclaration,
    )

    today = now.astimezone(s.unit.tz).date()
    year = s.date_to.year if s.date_to else today.year
    condition = Q(unit__path__startswith=s.unit.path)
    if s.date_from:
        condition &= Q(created_at__gte=local_start(s.date_from, s.unit))
    if s.date_to:
        condition &= Q(created_at__lt=local_start(s.date_to + dt.timedelta(days=1), s.unit))
    gratifications = (
        Gratification.objects.all() if viewer is None else prevention_access.gratifications_visible_to(viewer)
    )
    conflicts = (
        SelfDeclaration.objects.all()
        if viewer is None
        else prevention_access.self_declarations_visible_to(viewer)
    )
    return {
        "declarations": {"year": year, **compliance_figures(s.unit, year, today)},
        "gratifications": gratifications.filter(condition).aggregate(
            total=Count("pk"),
            settled=Count("pk", filter=Q(status=GratificationStatus.SETTLED)),
            overdue=Count("pk", filter=Q(status=GratificationStatus.REPORTED, due_at__lt=now)),
        ),
        "self_declarations": conflicts.filter(condition).aggregate(
            total=Count("pk"), decided=Count("pk", filter=Q(status=ConflictStatus.DECIDED))
        ),
    }


def stats(
    unit: Unit,
    viewer: Person | None,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The figures of ``GET /stats`` (API.md §2 Monitoring), and a few more."""
    now = now or timezone.now()
    s = scope(unit, viewer, date_from=date_from, date_to=date_to)
    by_status = {
        row["status"]: row["n"] for row in s.cases.values("status").annotate(n=Count("id")).order_by()
    }
    by_outcome = {
        row["outcome"]: row["n"]
        for row in s.cases.exclude(outcome="").values("outcome").annotate(n=Count("id")).order_by("outcome")
    }
    overdue_now = s.cases.filter(Q(overdue=True) | Q(due_at__lt=now), status__in=TIMED_STATUSES).count()
    recusals = Recusal.objects.filter(s.related()).aggregate(
        recusals=Count("id"), cases=Count("case_id", distinct=True)
    )
    return {
        "unit": unit.code,
        "from": date_from.isoformat() if date_from else None,
        "to": date_to.isoformat() if date_to else None,
        "total": sum(by_status.values()),
        "by_status": {status: by_status.get(status, 0) for status in Status.values},
        "by_category": by_category(s),
        "by_month": by_month(s),
        "by_unit": by_unit(s),
        "by_outcome": by_outcome,
        "overdue_now": overdue_now,
        "within_deadline": within_deadline(s),
        "median_working_days": median_days(s),
        "follow_ups": follow_ups(s, now),
        "recusals": recusals["recusals"],
        "recused_cases": recusals["cases"],
        **prevention(s, viewer, now),
    }
