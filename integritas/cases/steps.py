"""The stage steps monitoring counts (``StageStep``): one per history row that ends a stage's clock,
written with that row, and written all again from the history by :func:`rebuild` (the same statement
as the migration that made the table; the benchmark's builder, which writes the history by COPY)."""

from __future__ import annotations

from django.db import connection, transaction

from integritas import batching
from integritas.cases.models import Case, Event, StageStep

_COPY = """
INSERT INTO cases_stagestep (event_id, case_id, unit_id, case_created_at, stage, kind, at, started_at, due_at)
SELECT e.id, e.case_id, c.unit_id, c.created_at, e.stage, e.kind, e.at, e.stage_started_at, e.stage_due_at
FROM cases_event e JOIN cases_case c ON c.id = e.case_id
WHERE e.stage <> ''
ORDER BY e.id
"""


def record_step(case: Case, event: Event) -> None:
    """The step for ``event`` if it ends a stage's clock (inside the event's transaction)."""
    if event.stage:
        step = StageStep(
            event=event,
            case=case,
            unit_id=case.unit_id,
            case_created_at=case.created_at,
            stage=event.stage,
            kind=event.kind,
            at=event.at,
            started_at=event.stage_started_at,
            due_at=event.stage_due_at,
        )
        if not batching.add(step):  # a batch (the sweep) inserts it after its history row
            step.save(force_insert=True)


def rebuild() -> int:
    """Every step again from the history, in one transaction; the number written."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_stagestep")
        cursor.execute(_COPY)
        return cursor.rowcount
