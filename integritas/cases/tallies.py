"""The monitoring tallies (``CaseTally``): summary rows per anchor unit, local month and key, kept up to
date in the transaction of each change, so that the figures of a large subtree read a few hundred rows
instead of every case (``monitoring.figures``).

A case counts in its own unit and in every unit above it (the anchors), under the month it was filed
in, in the anchor's time zone. The keys:

- ``s:<status>``, ``o:<outcome>``: the case's state and outcome now;
- ``u:<unit id>``: the case itself, under its own unit (the figures by unit and by child); these
  rows are also kept under the month :data:`EVER` (all months together), so that a period without
  bounds at the root reads one row per unit, not one per unit and month (10,000 instead of 200,000);
- ``c:<code>``: each of its categories;
- ``d:<stage>``, ``t:<stage>``, ``m:<stage>``: its steps that did a stage's work with a deadline
  (done), done by it (on time), and with a start (timed), as ``figures._step_counts`` counts them;
- ``h:<stage>:<bucket>``: the timed ones by elapsed time (``BUCKET_US`` wide), for the medians;
- ``f:total``, ``f:done``, ``f:cancelled``, ``f:open``: its follow-up actions;
- ``r:n``, ``r:cases``: its recusals, and 1 if it has any.

Where they are written (every place, so that nothing else has to know): ``history.record_event``
(state, outcome, the step of an event), ``services.case_submit`` (unit, categories),
``services.follow_up_add``/``_done``/``_cancel`` and ``case_recuse`` (through ``record_event``'s
``tally``), and :func:`rebuild` (the migration, the bench builder, a unit moved or its time zone
changed: ``orgs.tree``). Inside :func:`gathered` (intake, a single deadline) or a batch
(``batching``: the sweep) the deltas are kept and written at the end in one statement, rows in key
order, so two transactions never take the same rows in opposite orders.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth

from integritas import batching
from integritas.cases.models import (
    REVIEWED_KINDS,
    Case,
    CaseCategory,
    CaseTally,
    EventKind,
    FollowUp,
    Recusal,
    Stage,
    StageStep,
    Status,
)
from integritas.orgs.models import DEFAULT_TIMEZONE, Unit

# The month of the rows that count every month together, for the keys in ``EVER_KEYS`` (a case's own
# unit never changes but by a move, which rebuilds): what a period without bounds reads for them.
EVER = dt.date(1, 1, 1)
UNIT_KEY = "u:"  # ``u:<unit id>``: the cases filed in that unit itself
EVER_KEYS = (UNIT_KEY,)
# Every other kind of key, in order: all sort before ``EVER_KEYS`` (a period without bounds reads them
# as one range of keys, and ``EVER`` for the others).
MONTH_KEYS = ("c:", "d:", "f:", "h:", "m:", "o:", "r:", "s:", "t:")
BUCKET_US = 3600 * 1_000_000  # one hour of elapsed time per histogram bucket
SLOTS = 8

# The steps that end a stage's clock by doing the stage's work (a recusal or a missed deadline ends
# the clock too, but nothing was done): ``monitoring.figures.DONE_KINDS``.
DONE_KINDS: dict[str, tuple[str, ...]] = {
    Stage.EXAMINATION: (EventKind.EXAMINED_FOUNDED, EventKind.EXAMINED_UNFOUNDED),
    Stage.REVIEW: (*sorted(REVIEWED_KINDS), EventKind.ESCALATED),
}

# (case's unit id, case's filing time, slot, key) -> n
Deltas = Counter[tuple[int, dt.datetime, int, str]]
_gathering: ContextVar[Deltas | None] = ContextVar("integritas_tallies", default=None)


def bucket(elapsed_us: int) -> int:
    """The histogram bucket of an elapsed time (truncated toward zero, as the databases divide)."""
    return elapsed_us // BUCKET_US if elapsed_us >= 0 else -((-elapsed_us) // BUCKET_US)


def step_keys(stage: str, kind: str, at: dt.datetime, started_at: Any, due_at: Any) -> Counter[str]:
    keys: Counter[str] = Counter()
    if kind not in DONE_KINDS.get(stage, ()):
        return keys
    if due_at is not None:
        keys[f"d:{stage}"] += 1
        if at <= due_at:
            keys[f"t:{stage}"] += 1
    if started_at is not None:
        keys[f"m:{stage}"] += 1
        keys[f"h:{stage}:{bucket(elapsed_of(at, started_at))}"] += 1
    return keys


def elapsed_of(at: dt.datetime, started_at: dt.datetime) -> int:
    delta = at - started_at
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


_STATUSES = frozenset(Status.values)


def status_keys(from_status: str, case: Case) -> Counter[str]:
    """What a history row changes in the state and outcome counts (nothing for a row that moves
    nothing: its ``from_status`` is empty)."""
    keys: Counter[str] = Counter()
    if not from_status or from_status == case.status:
        return keys
    if from_status in _STATUSES:
        keys[f"s:{from_status}"] -= 1
    if case.status in _STATUSES:
        keys[f"s:{case.status}"] += 1
    if case.status == Status.CLOSED and case.outcome:
        keys[f"o:{case.outcome}"] += 1
    return keys


def add(case: Case, keys: Counter[str] | dict[str, int]) -> None:
    """Count ``keys`` for ``case`` (in its unit and every unit above): kept for the batch or the
    gathering transaction, else written now."""
    deltas: Deltas = Counter()
    for key, n in keys.items():
        if n:
            deltas[(case.unit_id, case.created_at, case.pk % SLOTS, key)] += n
    if not deltas:
        return
    if Case.unit.is_cached(case):
        _seen_paths[case.unit_id] = case.unit.path
    pending = batching.current()
    if pending is not None:
        pending.tallies.extend(deltas.items())
        return
    gathering = _gathering.get()
    if gathering is not None:
        gathering.update(deltas)
        return
    write(deltas)


@contextmanager
def gathered() -> Iterator[None]:
    """Keep the tallies of this block and write them in one statement at its end (inside the
    caller's transaction; nothing is written if the block fails)."""
    if _gathering.get() is not None:
        yield
        return
    deltas: Deltas = Counter()
    token = _gathering.set(deltas)
    try:
        yield
    finally:
        _gathering.reset(token)
    write(deltas)


def month_of(value: dt.datetime, tz: ZoneInfo) -> dt.date:
    return value.astimezone(tz).date().replace(day=1)


# The path of each case's unit as last seen in this process: only a guess of which units to read with
# it (``_anchors`` reads the units on the guessed path with the unit itself, and checks the guess
# against the path it read in the transaction).
_seen_paths: dict[int, str] = {}


def _chain(path: str) -> list[int]:
    return [int(p) for p in path.strip("/").split("/") if p]


def _anchors(unit_ids: Iterable[int]) -> dict[int, list[tuple[int, ZoneInfo]]]:
    """{unit id: [(anchor id, anchor's zone)] from the unit up to the root}: one query when the units'
    paths are as last seen, else two."""
    ids = set(unit_ids)
    wanted = ids | {a for pk in ids for a in _chain(_seen_paths.get(pk, ""))}
    fields = ("pk", "path", "resolved_timezone")
    read = {pk: (path, zone) for pk, path, zone in Unit.objects.filter(pk__in=wanted).values_list(*fields)}
    chains = {pk: _chain(read[pk][0]) for pk in ids if pk in read}
    missing = {a for chain in chains.values() for a in chain} - set(read)
    if missing:  # a unit moved since its path was seen, or first seen now
        read.update(
            (pk, (path, zone)) for pk, path, zone in Unit.objects.filter(pk__in=missing).values_list(*fields)
        )
    for pk in chains:
        _seen_paths[pk] = read[pk][0]
    zones = {pk: ZoneInfo(zone or DEFAULT_TIMEZONE) for pk, (_path, zone) in read.items()}
    return {pk: [(a, zones[a]) for a in chain] for pk, chain in chains.items()}


def write(deltas: Deltas) -> None:
    """Add the deltas to the rows of every anchor: one statement (rows sorted by key), chunked only
    for the database's limit on parameters."""
    if not deltas:
        return
    anchors = _anchors(unit_id for unit_id, _at, _slot, _key in deltas)
    rows: Counter[tuple[int, dt.date, str, int]] = Counter()
    for (unit_id, created_at, slot, key), n in deltas.items():
        ever = key.startswith(EVER_KEYS)
        for anchor, tz in anchors.get(unit_id, []):
            rows[(anchor, month_of(created_at, tz), key, slot)] += n
            if ever:
                rows[(anchor, EVER, key, slot)] += n
    _upsert(sorted((k, n) for k, n in rows.items() if n))
    deltas.clear()


def _upsert(rows: list[tuple[tuple[int, dt.date, str, int], int]]) -> None:
    table = CaseTally._meta.db_table
    chunk = 150 if connection.vendor == "sqlite" else 2000
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(part))
            params: list[Any] = []
            for (unit_id, month, key, slot), n in part:
                params += [unit_id, month, key, slot, n]
            cursor.execute(
                f"INSERT INTO {table} (unit_id, month, key, slot, n) VALUES {values} "
                f"ON CONFLICT (unit_id, month, key, slot) DO UPDATE SET n = {table}.n + EXCLUDED.n",
                params,
            )


# --- Counting from the tables (the rebuild, and the figures' edges and hidden cases) ---------------


def counted(
    tz: ZoneInfo, cases: Q, rows: Q, *, step_rows: Q | None = None, follow_up_rows: Q | None = None
) -> Counter[tuple[dt.date, int, str]]:
    """{(month in ``tz``, case's unit id, key): n} counted from the tables, for the cases ``cases``
    selects (on ``Case``) and the rows of the tables carrying the case's unit and filing time that
    ``rows`` selects (``unit``, ``created_at``, ``case``; ``step_rows``/``follow_up_rows`` for the
    tables whose filing time is ``case_created_at``)."""
    step_rows = rows if step_rows is None else step_rows
    follow_up_rows = rows if follow_up_rows is None else follow_up_rows
    found: Counter[tuple[dt.date, int, str]] = Counter()

    def month(value: Any) -> dt.date:
        if isinstance(value, dt.datetime):
            value = value.astimezone(tz).date() if value.tzinfo else value.date()
        return value.replace(day=1)

    for row in (
        Case.objects.filter(cases)
        .annotate(month=TruncMonth("created_at", tzinfo=tz))
        .values_list("month", "unit_id", "status", "outcome")
        .annotate(n=Count("*"))
        .order_by()
    ):
        m, unit_id, status, outcome, n = row
        found[(month(m), unit_id, f"s:{status}")] += n
        found[(month(m), unit_id, f"{UNIT_KEY}{unit_id}")] += n
        if outcome:
            found[(month(m), unit_id, f"o:{outcome}")] += n
    for m, unit_id, code, n in (
        CaseCategory.objects.filter(rows)
        .annotate(month=TruncMonth("created_at", tzinfo=tz))
        .values_list("month", "unit_id", "code")
        .annotate(n=Count("*"))
        .order_by()
    ):
        found[(month(m), unit_id, f"c:{code}")] += n
    kinds = sorted({k for ks in DONE_KINDS.values() for k in ks})
    steps = StageStep.objects.filter(step_rows, stage__in=list(DONE_KINDS), kind__in=kinds)
    for m, unit_id, stage, kind, done, on_time, timed in (
        steps.annotate(month=TruncMonth("case_created_at", tzinfo=tz))
        .values_list("month", "unit_id", "stage", "kind")
        .annotate(
            done=Count("at", filter=Q(due_at__isnull=False)),
            on_time=Count("at", filter=Q(due_at__isnull=False, at__lte=F("due_at"))),
            timed=Count("at", filter=Q(started_at__isnull=False)),
        )
        .order_by()
    ):
        if kind in DONE_KINDS[stage]:
            found[(month(m), unit_id, f"d:{stage}")] += done
            found[(month(m), unit_id, f"t:{stage}")] += on_time
            found[(month(m), unit_id, f"m:{stage}")] += timed
    for m, unit_id, stage, kind, b, n in (
        steps.filter(started_at__isnull=False)
        .annotate(month=TruncMonth("case_created_at", tzinfo=tz), b=F("elapsed_us") / BUCKET_US)
        .values_list("month", "unit_id", "stage", "kind", "b")
        .annotate(n=Count("*"))
        .order_by()
    ):
        if kind in DONE_KINDS[stage]:
            found[(month(m), unit_id, f"h:{stage}:{b}")] += n
    for m, unit_id, total, done, cancelled, open_ in (
        FollowUp.objects.filter(follow_up_rows)
        .annotate(month=TruncMonth("case_created_at", tzinfo=tz))
        .values_list("month", "unit_id")
        .annotate(  # (names apart from the columns': Django refuses an alias that shadows a field)
            n_total=Count("*"),
            n_done=Count("due_date", filter=Q(done=True)),
            n_cancelled=Count("due_date", filter=Q(cancelled=True)),
            n_open=Count("due_date", filter=Q(done=False, cancelled=False)),
        )
        .order_by()
    ):
        for key, n in (("total", total), ("done", done), ("cancelled", cancelled), ("open", open_)):
            found[(month(m), unit_id, f"f:{key}")] += n
    for m, unit_id, n, cases_n in (
        Recusal.objects.filter(case__in=Case.objects.filter(cases).values("pk"))
        .annotate(month=TruncMonth("case__created_at", tzinfo=tz))
        .values_list("month", "case__unit_id")
        .annotate(n=Count("*"), cases_n=Count("case_id", distinct=True))
        .order_by()
    ):
        found[(month(m), unit_id, "r:n")] += n
        found[(month(m), unit_id, "r:cases")] += cases_n
    return Counter({k: n for k, n in found.items() if n})


def rebuild(units: list[int] | None = None) -> int:
    """Every tally row again from the tables (of the anchors ``units``; None: all), in the caller's
    transaction (or one of its own); the number of rows written. One grouped pass per table and time
    zone (not a query per case); every count goes to slot 0 (the figures add the slots up)."""
    with transaction.atomic():
        anchors = Unit.objects.all() if units is None else Unit.objects.filter(pk__in=units)
        zones = {
            pk: ZoneInfo(zone or DEFAULT_TIMEZONE)
            for pk, zone in anchors.values_list("pk", "resolved_timezone")
        }
        gone = CaseTally.objects.all() if units is None else CaseTally.objects.filter(unit_id__in=units)
        gone.delete()
        chains = {
            pk: [int(p) for p in path.strip("/").split("/") if p]
            for pk, path in Unit.objects.values_list("pk", "path")
        }
        rows: Counter[tuple[int, dt.date, str, int]] = Counter()
        for tz in sorted(set(zones.values()), key=str):
            mine = {pk for pk, z in zones.items() if z == tz}
            scope = (
                Q()
                if units is None
                else Q(unit_id__in=sorted({u for u, c in chains.items() if mine & set(c)}))
            )
            for (month, unit_id, key), n in counted(tz, scope, scope).items():
                ever = key.startswith(EVER_KEYS)
                for anchor in chains.get(unit_id, []):
                    if anchor in mine:
                        rows[(anchor, month, key, 0)] += n
                        if ever:
                            rows[(anchor, EVER, key, 0)] += n
        written = sorted((k, n) for k, n in rows.items() if n)
        _upsert(written)
        return len(written)
