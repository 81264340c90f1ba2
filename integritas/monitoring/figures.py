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
from dataclasses import dataclass, field
from typing import Any

from django.db.models import BooleanField, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from integritas.cases import access
from integritas.cases.models import (
    REVIEWED_KINDS,
    TIMED_STATUSES,
    Case,
    CaseCategory,
    EventKind,
    FollowUp,
    Recusal,
    Stage,
    StageStep,
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


@dataclass
class Scope:
    """The cases of a subtree and a period a viewer may see, as querysets (nothing evaluated).

    For a viewer whose team oversees the unit (and for the command line) the cases are those of the
    subtree's units (``unit_ids``; None: every unit) filed in the period, minus the few ``hidden``
    ones (the viewer's own case as subject, those they withdrew from): the same set as
    ``cases_visible_to`` gives, in a shape the indexes serve, and one that the tables carrying the
    case's unit and filing time (categories, stage steps) can be filtered by without reading the
    cases. Anyone else (``hidden`` None) gets the visible cases of the subtree, by sub-select.
    """

    unit: Unit
    date_from: dt.date | None
    date_to: dt.date | None
    cases: QuerySet[Case]
    unit_ids: list[int] | None = None
    hidden: list[int] | None = None
    _per_unit: dict[int, int] | None = field(default=None, repr=False)

    def related(self, prefix: str = "case") -> Q:
        """Rows of another table that belong to the cases in scope (no condition for every case)."""
        if self.hidden == [] and self.unit_ids is None and not (self.date_from or self.date_to):
            return Q()
        return Q(**{f"{prefix}__in": self.cases.values("pk")})

    def rows(self, qs: QuerySet[Any], created: str = "created_at") -> QuerySet[Any]:
        """Rows of a table that carries the case's unit and filing time (as ``created``) and belong
        to the cases in scope."""
        if self.hidden is None:
            return qs.filter(self.related())
        qs = qs.filter(_where(self, created))
        return qs.exclude(case_id__in=self.hidden) if self.hidden else qs

    def per_unit(self) -> dict[int, int]:
        """{unit id: cases} for the units with cases (one grouped pass, kept for the next figure)."""
        if self._per_unit is None:
            rows = self.cases.values_list("unit_id").annotate(n=Count("*")).order_by()
            self._per_unit = dict(rows)
        return self._per_unit


def local_start(day: dt.date, unit: Unit) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=unit.tz)


def _period(unit: Unit, date_from: dt.date | None, date_to: dt.date | None, created: str) -> Q:
    condition = Q()
    if date_from:
        condition &= Q(**{f"{created}__gte": local_start(date_from, unit)})
    if date_to:
        condition &= Q(**{f"{created}__lt": local_start(date_to + dt.timedelta(days=1), unit)})
    return condition


def _where(s: Scope, created: str = "created_at") -> Q:
    condition = _period(s.unit, s.date_from, s.date_to, created)
    if s.unit_ids is not None:
        condition &= Q(unit_id__in=s.unit_ids)
    return condition


def _subtree_ids(unit: Unit) -> list[int] | None:
    """Ids of the unit and every unit below it; None when that is every unit (the only root)."""
    if unit.parent_id is None and not Unit.objects.filter(parent__isnull=True).exclude(pk=unit.pk).exists():
        return None
    return list(Unit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))


def scope(
    unit: Unit,
    viewer: Person | None,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> Scope:
    if viewer is not None and not (
        viewer.is_authenticated and viewer.is_active and access.oversees_unit(viewer, unit)
    ):
        condition = Q(unit__path__startswith=unit.path) & _period(unit, date_from, date_to, "created_at")
        return Scope(unit, date_from, date_to, access.cases_visible_to(viewer).filter(condition))
    s = Scope(unit, date_from, date_to, Case.objects.none(), unit_ids=_subtree_ids(unit), hidden=[])
    cases = Case.objects.filter(_where(s))
    s.hidden = [] if viewer is None else access.hidden_case_ids(viewer, cases)
    s.cases = cases.exclude(pk__in=s.hidden) if s.hidden else cases
    return s


def _month(value: dt.datetime | dt.date, unit: Unit) -> str:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone(unit.tz)
    return value.strftime("%Y-%m")


def case_counts(s: Scope, now: dt.datetime) -> dict[str, Any]:
    """By state, outcome and local month, and the cases past their deadline now: one grouped pass
    over the cases (on PostgreSQL over the index ``case_unit_created`` alone)."""
    late = ExpressionWrapper(
        Q(status__in=TIMED_STATUSES) & (Q(overdue=True) | Q(due_at__lt=now)), output_field=BooleanField()
    )
    rows = (
        s.cases.annotate(month=TruncMonth("created_at", tzinfo=s.unit.tz), late=late)
        .values("month", "status", "outcome", "late")
        .annotate(n=Count("*"))
        .order_by()
    )
    by_status: dict[str, int] = {}
    by_outcome: dict[str, int] = {}
    by_month: dict[str, int] = {}
    overdue = 0
    for row in rows:
        n = row["n"]
        by_status[row["status"]] = by_status.get(row["status"], 0) + n
        if row["outcome"]:
            by_outcome[row["outcome"]] = by_outcome.get(row["outcome"], 0) + n
        key = _month(row["month"], s.unit)
        by_month[key] = by_month.get(key, 0) + n
        overdue += n if row["late"] else 0
    return {
        "by_status": by_status,
        "by_outcome": dict(sorted(by_outcome.items())),
        "by_month": dict(sorted(by_month.items())),
        "overdue_now": overdue,
    }


def by_month(s: Scope) -> dict[str, int]:
    rows = (
        s.cases.annotate(month=TruncMonth("created_at", tzinfo=s.unit.tz))
        .values("month")
        .annotate(n=Count("*"))
        .order_by("month")
    )
    found: dict[str, int] = {}
    for row in rows:
        key = _month(row["month"], s.unit)
        found[key] = found.get(key, 0) + row["n"]
    return found


def by_category(s: Scope) -> dict[str, int]:
    rows = s.rows(CaseCategory.objects.all()).values("code").annotate(n=Count("*")).order_by("code")
    return {row["code"]: row["n"] for row in rows}


def by_category_month(s: Scope) -> dict[str, dict[str, int]]:
    """{category: {YYYY-MM: n}}: the recap of reports by type per month (the case's local month)."""
    rows = (
        s.rows(CaseCategory.objects.all())
        .annotate(month=TruncMonth("created_at", tzinfo=s.unit.tz))
        .values("code", "month")
        .annotate(n=Count("*"))
        .order_by("code", "month")
    )
    found: dict[str, dict[str, int]] = {}
    for row in rows:
        cell = found.setdefault(row["code"], {})
        key = _month(row["month"], s.unit)
        cell[key] = cell.get(key, 0) + row["n"]
    return found


def _units_below(s: Scope) -> list[tuple[int, str, str]]:
    """(id, path, code) of the units of the scope's subtree that have cases in scope."""
    counts = s.per_unit()
    if not counts:
        return []
    # A few units by id; many (a district, the root) by the subtree's path, kept if they have cases.
    if len(counts) <= 500:
        units = Unit.objects.filter(pk__in=list(counts))
    else:
        units = Unit.objects.filter(path__startswith=s.unit.path)
    return [row for row in units.values_list("pk", "path", "code").order_by() if row[0] in counts]


def by_unit(s: Scope) -> dict[str, int]:
    counts = s.per_unit()
    return dict(sorted((code, counts[pk]) for pk, _path, code in _units_below(s)))


def by_child(s: Scope) -> list[tuple[Unit, int]]:
    """Each unit directly below the scope's unit with the cases of its own subtree (the unit's own
    cases, if any, under the unit itself first)."""
    counts = s.per_unit()
    children = list(Unit.objects.filter(parent=s.unit).order_by("name", "code"))
    totals = {child.pk: 0 for child in children}
    own = 0
    child_of_id = {str(child.pk): child.pk for child in children}
    depth = len(s.unit.ancestor_ids())
    for unit_id, path, _code in _units_below(s):  # one row per unit with cases, never per case
        n = counts[unit_id]
        parts = path.strip("/").split("/")
        if unit_id == s.unit.pk or len(parts) <= depth:
            own += n
        elif parts[depth] in child_of_id:
            totals[child_of_id[parts[depth]]] += n
    found = [(child, totals[child.pk]) for child in children]
    return [(s.unit, own), *found] if own else found


def _steps(s: Scope, stage: str | None = None) -> QuerySet[StageStep]:
    """The steps in scope that did a stage's work (of one stage, or of every stage: then the kinds of
    all stages, paired with their stage by the caller). Conditions the index serves alone: no OR."""
    stages = [stage] if stage else list(DONE_KINDS)
    kinds = sorted({kind for name in stages for kind in DONE_KINDS[Stage(name)]})
    return s.rows(StageStep.objects.filter(stage__in=stages, kind__in=kinds), created="case_created_at")


def _step_counts(s: Scope) -> dict[str, dict[str, int]]:
    rows = (
        _steps(s)
        .values("stage", "kind")
        .annotate(
            # (A filtered count needs a column: ``at`` is never null and is in the index.)
            done=Count("at", filter=Q(due_at__isnull=False)),
            on_time=Count("at", filter=Q(due_at__isnull=False, at__lte=F("due_at"))),
            timed=Count("at", filter=Q(started_at__isnull=False)),
        )
        .order_by()
    )
    found = {str(stage): {"done": 0, "on_time": 0, "timed": 0} for stage in DONE_KINDS}
    for row in rows:
        if row["kind"] in DONE_KINDS[Stage(row["stage"])]:
            for key in ("done", "on_time", "timed"):
                found[row["stage"]][key] += row[key]
    return found


def within_deadline(s: Scope, counts: dict[str, dict[str, int]] | None = None) -> dict[str, dict[str, int]]:
    """Per stage: steps done, and of them those done by the deadline in force when they were taken."""
    counts = counts if counts is not None else _step_counts(s)
    return {stage: {"done": row["done"], "on_time": row["on_time"]} for stage, row in counts.items()}


def _working_days(calendar: UnitCalendar, start: dt.datetime, end: dt.datetime) -> int:
    """Working days of the unit's calendar after the start day up to the end day (SPEC §5 rule)."""
    unit = calendar.unit
    day, last = start.astimezone(unit.tz).date(), end.astimezone(unit.tz).date()
    count = 0
    while day < last:
        day += dt.timedelta(days=1)
        count += calendar.is_working_day(day)
    return count


def median_days(s: Scope, counts: dict[str, dict[str, int]] | None = None) -> dict[str, float | None]:
    """Per stage, the median step by elapsed time (ordered and picked in the database), expressed in
    the unit's working days; None without a step."""
    counts = counts if counts is not None else _step_counts(s)
    found: dict[str, float | None] = {}
    calendar = UnitCalendar(s.unit)  # loads the added holidays once per year asked for
    elapsed = ExpressionWrapper(F("at") - F("started_at"), output_field=DurationField())
    for stage in DONE_KINDS:
        n = counts[str(stage)]["timed"]
        if not n:
            found[str(stage)] = None
            continue
        steps = _steps(s, stage).filter(started_at__isnull=False).annotate(elapsed=elapsed)
        middle = list(
            steps.order_by("elapsed", "event_id").values_list("started_at", "at")[(n - 1) // 2 : n // 2 + 1]
        )
        days = [_working_days(calendar, start, end) for start, end in middle if start is not None]
        found[str(stage)] = sum(days) / len(days)
    return found


def follow_ups(s: Scope, now: dt.datetime) -> dict[str, int]:
    today = now.astimezone(s.unit.tz).date()
    # (The aggregates' names differ from the columns': Django refuses an alias that shadows a field.)
    row = s.rows(FollowUp.objects.all(), created="case_created_at").aggregate(
        # (``due_date`` is never null and is in the index: the counts read the index alone.)
        n_total=Count("*"),
        n_done=Count("due_date", filter=Q(done=True)),
        n_cancelled=Count("due_date", filter=Q(cancelled=True)),
        n_open=Count("due_date", filter=Q(done=False, cancelled=False)),
        n_overdue=Count("due_date", filter=Q(done=False, cancelled=False, due_date__lt=today)),
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
    within: Scope | None = None,
) -> dict[str, Any]:
    """The figures of ``GET /stats`` (API.md §2 Monitoring), and a few more. ``within``: the scope of
    the same unit, viewer and period when the caller has made it already (its counts are reused)."""
    now = now or timezone.now()
    s = within or scope(unit, viewer, date_from=date_from, date_to=date_to)
    counts = case_counts(s, now)
    steps = _step_counts(s)
    recusals = Recusal.objects.filter(s.related()).aggregate(
        recusals=Count("*"), cases=Count("case_id", distinct=True)
    )
    return {
        "unit": unit.code,
        "from": date_from.isoformat() if date_from else None,
        "to": date_to.isoformat() if date_to else None,
        "total": sum(counts["by_status"].values()),
        "by_status": {status: counts["by_status"].get(status, 0) for status in Status.values},
        "by_category": by_category(s),
        "by_month": counts["by_month"],
        "by_unit": by_unit(s),
        "by_outcome": counts["by_outcome"],
        "overdue_now": counts["overdue_now"],
        "within_deadline": within_deadline(s, steps),
        "median_working_days": median_days(s, steps),
        "follow_ups": follow_ups(s, now),
        "recusals": recusals["recusals"],
        "recused_cases": recusals["cases"],
        **prevention(s, viewer, now),
    }
