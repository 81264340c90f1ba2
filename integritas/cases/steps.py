"""The stage steps monitoring counts (``StageStep``): one per history row that ends a stage's clock,
written with that row, and written all again from the history by :func:`rebuild` (the same statement
as the migration that made the table; the benchmark's builder, which writes the history by COPY)."""

from __future__ import annotations

from django.db import connection, transaction

from integritas import batching
from integritas.cases import tallies
from integritas.cases.models import Case, Event, StageStep

_COPY = """
INSERT INTO cases_stagestep (event_id, case_id, unit_id, case_created_at, stage, kind, at, started_at, due_at)
SELECT e.id, e.case_id, c.unit_id, c.created_at, e.stage, e.kind, e.at, e.stage_started_at, e.stage_due_at
FROM cases_event e JOIN cases_case c ON c.id = e.case_id
WHERE e.stage <> ''
ORDER BY e.id
"""
# The elapsed time of every step with a start, in microseconds (exact: EXTRACT gives a numeric).
_ELAPSED_PG = """
UPDATE cases_stagestep SET elapsed_us = (EXTRACT(EPOCH FROM (at - started_at)) * 1000000)::bigint
WHERE started_at IS NOT NULL
"""


def record_step(case: Case, event: Event) -> None:
    """The step for ``event`` if it ends a stage's clock (inside the event's transaction)."""
    if event.stage:
        values = {
            "case_id": case.pk,
            "unit_id": case.unit_id,
            "case_created_at": case.created_at,
            "stage": event.stage,
            "kind": event.kind,
            "at": event.at,
            "started_at": event.stage_started_at,
            "due_at": event.stage_due_at,
            "elapsed_us": tallies.elapsed_of(event.at, event.stage_started_at)
            if event.stage_started_at
            else None,
        }
        # A batch (the sweep) inserts it after its history row, which gives it its id.
        if not batching.add(batching.Values(StageStep, event=event, **values)):
            StageStep(event=event, **values).save(force_insert=True)


def rebuild() -> int:
    """Every step again from the history, in one transaction; the number written."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM cases_stagestep")
            cursor.execute(_COPY)
            written = cursor.rowcount
        fill_elapsed()
        return written


def fill_elapsed() -> None:
    """``elapsed_us`` of every step with a start (one statement on PostgreSQL; row by row elsewhere,
    where the data sets are small)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_ELAPSED_PG)
        return
    rows = StageStep.objects.filter(started_at__isnull=False).only("at", "started_at", "elapsed_us")
    changed = []
    for step in rows:
        assert step.started_at is not None
        step.elapsed_us = tallies.elapsed_of(step.at, step.started_at)
        changed.append(step)
    StageStep.objects.bulk_update(changed, ["elapsed_us"], batch_size=500)
