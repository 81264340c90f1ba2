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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Cast, TruncMonth
from django.utils import timezone

from integritas.cases import access, tallies
from integritas.cases.models import (
    TIMED_STATUSES,
    Case,
    CaseCategory,
    CaseTally,
    FollowUp,
    Recusal,
    Stage,
    StageStep,
    Status,
)
from integritas.orgs.calendar import UnitCalendar
from integritas.orgs.models import Person, Unit

# The steps that end a stage's clock by doing the stage's work (a recusal or a missed deadline ends
# the clock too, but nothing was done); defined with the tallies that count them.
DONE_KINDS = tallies.DONE_KINDS


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
    _totals: dict[tuple[str, str], int] | None = field(default=None, repr=False)
    _sums: dict[str, dict[str, int]] | None = field(default=None, repr=False)

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
        if self._per_unit is None and tallied(self):
            _read(self)  # (sets ``_per_unit``)
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


# Read the figures of the "oversees the unit / command line" scopes from the tallies (False: count
# every figure from the tables, as the other viewers' are; the tests compare the two).
USE_TALLIES = True


def tallied(s: Scope) -> bool:
    return USE_TALLIES and s.hidden is not None


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def _split(
    date_from: dt.date | None, date_to: dt.date | None
) -> tuple[tuple[dt.date | None, dt.date | None] | None, list[tuple[dt.date, dt.date]]]:
    """The period as whole months (first and last month's first day; None: unbounded; None for no
    whole month) and the partial months at its edges, as (first day, last day)."""
    if date_from and date_to and date_from > date_to:
        return None, []
    edges: list[tuple[dt.date, dt.date]] = []
    first = date_from
    if date_from and date_from.day != 1:
        first = _next_month(date_from)
        edges.append((date_from, min(first - dt.timedelta(days=1), date_to or first)))
    last: dt.date | None = None
    if date_to:
        last = date_to.replace(day=1)
        if _next_month(date_to) - dt.timedelta(days=1) != date_to:  # not the month's last day
            start = max(last, date_from) if date_from else last
            if not edges or edges[0][0] != start:  # (a period inside one month is one edge)
                edges.append((start, date_to))
            last = _previous_month(last)
    if first and last and first > last:
        return None, edges
    return (first, last), edges


def _previous_month(first: dt.date) -> dt.date:
    return (first - dt.timedelta(days=1)).replace(day=1)


# The keys the figures need month by month (the others are summed over the period in the database).
MONTHLY = ("s:", "c:")


def totals(s: Scope) -> dict[tuple[str, str], int]:
    """{(YYYY-MM, tally key): n} of the keys counted month by month (``MONTHLY``) for the scope."""
    _read(s)
    assert s._totals is not None
    return s._totals


def _read(s: Scope) -> None:
    """The scope's tallies: the anchor's rows for the whole months of the period, the partial months
    at its edges counted from the tables, less the viewer's hidden cases (counted from the tables).
    Kept as the monthly keys (``_totals``), the cases of each unit (``_per_unit``, from the keys
    ``u:<unit id>``), and every other key summed over the period, split at its last colon (``_sums``:
    {"h:review:": {"12": n}, "s:": {"closed": n}, …}). Read once per scope."""
    if s._totals is not None:
        return
    tz = s.unit.tz
    monthly: dict[tuple[str, str], int] = {}
    summed: dict[str, int] = {}
    units: dict[int, int] = {}

    def add_sum(key: str, n: int) -> None:
        if key.startswith(UNIT_KEY):  # kept apart, by unit id, as ``Scope.per_unit``
            pk = int(key[UNIT_KEY_LENGTH:])
            units[pk] = units.get(pk, 0) + n
        else:
            summed[key] = summed.get(key, 0) + n

    def add(month: dt.date | None, key: str, n: int) -> None:
        add_sum(key, n)
        if month is not None and key.startswith(MONTHLY):
            cell = (month.strftime("%Y-%m"), key)
            monthly[cell] = monthly.get(cell, 0) + n

    whole, edges = _split(s.date_from, s.date_to)
    if whole is not None:
        rows = CaseTally.objects.filter(unit=s.unit)
        if whole[0]:
            rows = rows.filter(month__gte=whole[0])
        if whole[1]:  # (not the rows of every month together, ``tallies.EVER``)
            rows = rows.filter(month__gt=tallies.EVER, month__lte=whole[1])
        by_month = rows.filter(reduce(or_, (Q(key__startswith=p) for p in MONTHLY)))
        for month, key, n in by_month.values_list("month", "key").annotate(n=Sum("n")).order_by():
            monthly[(month.strftime("%Y-%m"), key)] = n
        if whole == (None, None):
            # Every month: ``u:`` from the rows of every month together (``tallies.EVER``: one per unit
            # and slot), the other keys (they all sort before it) from the partial index
            # ``tally_unit_month_keys``: a few thousand rows at the root, not 220,000.
            _sum_into(CaseTally.objects.filter(unit=s.unit, month=tallies.EVER), add_sum)
            _sum_into(CaseTally.objects.filter(unit=s.unit, key__lt=tallies.EVER_KEYS[0]), add_sum)
        else:
            _sum_into(rows, add_sum)
    unit_ids = Q() if s.unit_ids is None else Q(unit_id__in=s.unit_ids)
    for start, end in edges:
        created = unit_ids & _period(s.unit, start, end, "created_at")
        steps = unit_ids & _period(s.unit, start, end, "case_created_at")
        counted = tallies.counted(tz, created, created, step_rows=steps, follow_up_rows=steps)
        for (month, _unit, key), n in counted.items():
            add(month, key, n)
    if s.hidden:
        for (month, _unit, key), n in tallies.counted(
            tz, Q(pk__in=s.hidden), Q(case_id__in=s.hidden)
        ).items():
            add(month, key, -n)
    s._totals = {k: n for k, n in monthly.items() if n}
    sums: dict[str, dict[str, int]] = {}
    for key, n in summed.items():
        if n:
            head, _colon, rest = key.rpartition(":")
            sums.setdefault(head + ":", {})[rest] = n
    s._sums = sums
    s._per_unit = {pk: n for pk, n in units.items() if n}


# Rows read from a cursor at a time where there are thousands (the root's 10,000 units): fewer than
# the 700 new objects after which Python's collector runs. A list of 10,000 rows kept at once
# outlives the collector's young generations, and every few requests the process then pays a full
# collection of all its objects (~85 ms at the root) for them.
ROWS_AT_ONCE = 500

UNIT_KEY = tallies.UNIT_KEY
UNIT_KEY_LENGTH = len(UNIT_KEY)


def _sum_into(rows: QuerySet[CaseTally], add: Callable[[str, int], None]) -> None:
    """``add`` each key of ``rows`` with its sum (thousands of keys at the root: read from the
    cursor, without the queryset's converters per row; the sums as integers, not PostgreSQL's
    ``numeric``)."""
    summary = rows.values_list("key").annotate(n=Cast(Sum("n"), BigIntegerField())).order_by()
    sql, params = summary.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while found := cursor.fetchmany(ROWS_AT_ONCE):  # (see ``ROWS_AT_ONCE``)
            for key, n in found:
                add(key, n)


def _summed(s: Scope, prefix: str) -> dict[str, int]:
    """{key without ``prefix`` (up to the key's last colon): n} over the period's months."""
    _read(s)
    assert s._sums is not None
    return dict(s._sums.get(prefix, {}))


def _overdue_now(s: Scope, now: dt.datetime) -> int:
    """Cases in scope past their deadline now (time-dependent: never tallied)."""
    # (Two counts, each a range of the index ``case_timed_late``, rather than one with an OR.)
    timed = s.cases.filter(status__in=TIMED_STATUSES).order_by()
    return timed.filter(overdue=True).count() + timed.filter(overdue=False, due_at__lt=now).count()


def _month(value: dt.datetime | dt.date, unit: Unit) -> str:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone(unit.tz)
    return value.strftime("%Y-%m")


def case_counts(s: Scope, now: dt.datetime) -> dict[str, Any]:
    """By state, outcome and local month, and the cases past their deadline now: one grouped pass
    over the cases (on PostgreSQL over the index ``case_unit_created`` alone); or the tallies."""
    if tallied(s):
        months: dict[str, int] = {}
        for (month, key), n in totals(s).items():
            if key.startswith("s:"):
                months[month] = months.get(month, 0) + n
        return {
            "by_status": _summed(s, "s:"),
            "by_outcome": dict(sorted(_summed(s, "o:").items())),
            "by_month": {m: n for m, n in sorted(months.items()) if n},
            "overdue_now": _overdue_now(s, now),
        }
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
    if tallied(s):
        return case_counts(s, timezone.now())["by_month"]
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
    if tallied(s):
        return dict(sorted(_summed(s, "c:").items()))
    rows = s.rows(CaseCategory.objects.all()).values("code").annotate(n=Count("*")).order_by("code")
    return {row["code"]: row["n"] for row in rows}


def by_category_month(s: Scope) -> dict[str, dict[str, int]]:
    """{category: {YYYY-MM: n}}: the recap of reports by type per month (the case's local month)."""
    if tallied(s):
        cells: dict[str, dict[str, int]] = {}
        for (month, key), n in sorted(totals(s).items()):
            if key.startswith("c:"):
                cells.setdefault(key[2:], {})[month] = n
        return dict(sorted(cells.items()))
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


def _units_below(s: Scope, field: str) -> Iterator[tuple[int, Any]]:
    """(id, ``field``) of the units of the scope's subtree that have cases in scope (10,000 rows at
    the root: read from the cursor ``ROWS_AT_ONCE`` at a time)."""
    counts = s.per_unit()
    if not counts:
        return
    # A few units by id; many (a district, the root) by the subtree's path, kept if they have cases.
    if len(counts) <= 500:
        units = Unit.objects.filter(pk__in=list(counts))
    else:
        units = Unit.objects.filter(path__startswith=s.unit.path)
    sql, params = units.values_list("pk", field).order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while found := cursor.fetchmany(ROWS_AT_ONCE):
            for row in found:
                if row[0] in counts:
                    yield row


def by_unit(s: Scope) -> dict[str, int]:
    counts = s.per_unit()
    found = {code: counts[pk] for pk, code in _units_below(s, "code")}
    return {code: found[code] for code in sorted(found)}


def by_child(s: Scope) -> list[tuple[Unit, int]]:
    """Each unit directly below the scope's unit with the cases of its own subtree (the unit's own
    cases, if any, under the unit itself first)."""
    counts = s.per_unit()
    children = list(Unit.objects.filter(parent=s.unit).order_by("name", "code"))
    totals = {child.pk: 0 for child in children}
    own = 0
    child_of_id = {str(child.pk): child.pk for child in children}
    depth = len(s.unit.ancestor_ids())
    for unit_id, path in _units_below(s, "path"):  # one row per unit with cases, never per case
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
    if tallied(s):
        done, on_time, timed = _summed(s, "d:"), _summed(s, "t:"), _summed(s, "m:")
        return {
            str(stage): {
                "done": done.get(stage, 0),
                "on_time": on_time.get(stage, 0),
                "timed": timed.get(stage, 0),
            }
            for stage in DONE_KINDS
        }
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
        if tallied(s):
            middle = [_nth_step(s, str(stage), p) for p in sorted({(n - 1) // 2, n // 2})]
        else:
            steps = _steps(s, stage).filter(started_at__isnull=False).annotate(elapsed=elapsed)
            middle = list(
                steps.order_by("elapsed", "event_id").values_list("started_at", "at")[
                    (n - 1) // 2 : n // 2 + 1
                ]
            )
        days = [_working_days(calendar, start, end) for start, end in middle if start is not None]
        found[str(stage)] = sum(days) / len(days)
    return found


def _nth_step(s: Scope, stage: str, position: int) -> tuple[dt.datetime | None, dt.datetime]:
    """(start, end) of the step at ``position`` (from 0) among the stage's timed steps in scope ordered
    by (elapsed, event): the tallies' histogram finds its bucket, then only that bucket's steps are read."""
    buckets = sorted((int(b), n) for b, n in _summed(s, f"h:{stage}:").items())
    before, b = 0, None
    for bucket, n in buckets:
        if position < before + n:
            b = bucket
            break
        before += n
    if b is None:
        raise LookupError(f"step {position} of {stage} is beyond the histogram")
    width = tallies.BUCKET_US
    if b > 0:
        inside = Q(elapsed_us__gte=b * width, elapsed_us__lt=(b + 1) * width)
    elif b < 0:
        inside = Q(elapsed_us__gt=(b - 1) * width, elapsed_us__lte=b * width)
    else:
        inside = Q(elapsed_us__gt=-width, elapsed_us__lt=width)
    steps = _steps(s, stage).filter(inside, started_at__isnull=False).order_by("elapsed_us", "event_id")
    row = steps.values_list("started_at", "at")[position - before : position - before + 1]
    return list(row)[0]


def follow_ups(s: Scope, now: dt.datetime) -> dict[str, int]:
    today = now.astimezone(s.unit.tz).date()
    if tallied(s):
        found = _summed(s, "f:")
        overdue = s.rows(FollowUp.objects.all(), created="case_created_at").filter(
            done=False, cancelled=False, due_date__lt=today
        )
        return {
            "total": found.get("total", 0),
            "done": found.get("done", 0),
            "cancelled": found.get("cancelled", 0),
            "open": found.get("open", 0),
            "overdue": overdue.order_by().count(),
        }
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
    if tallied(s):
        recusals = {"recusals": _summed(s, "r:").get("n", 0), "cases": _summed(s, "r:").get("cases", 0)}
    else:
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
