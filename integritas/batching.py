"""Rows gathered over a batch of steps and written together (the deadline sweep).

A step taken inside :func:`gathering` keeps its new history rows, handler rows, screenings,
milestones, notices, mails and audit entries here instead of one insert each, and the rows it changed
(``save``) instead of one update each; the batch's owner writes them with :func:`write`, in the
batch's transaction, so they exist iff the batch does. A step that fails is undone to its
:meth:`Pending.mark`. Outside :func:`gathering` nothing changes: every row is written where it is made.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import models


@dataclass
class Pending:
    rows: list[models.Model] = field(default_factory=list)  # plain inserts, in the order made
    audit: list[Any] = field(default_factory=list)  # audit entries, chained in this order when written
    changed: list[models.Model] = field(default_factory=list)  # rows to update (``update_fields``)
    update_fields: tuple[str, ...] = ()
    tallies: list[tuple[Any, int]] = field(
        default_factory=list
    )  # ``cases.tallies`` deltas, summed when written

    def mark(self) -> tuple[int, int, int, int]:
        return len(self.rows), len(self.audit), len(self.changed), len(self.tallies)

    def undo(self, mark: tuple[int, int, int, int]) -> None:
        del self.rows[mark[0] :]
        del self.audit[mark[1] :]
        del self.changed[mark[2] :]
        del self.tallies[mark[3] :]


_PENDING: ContextVar[Pending | None] = ContextVar("integritas_pending_rows", default=None)


def current() -> Pending | None:
    return _PENDING.get()


@contextmanager
def gathering(update_fields: tuple[str, ...] = ()) -> Iterator[Pending]:
    """Keep new rows for one insert per table; and changes of existing rows of the kind ``save`` is
    called for, when they change only ``update_fields``, for one update."""
    pending = Pending(update_fields=update_fields)
    token = _PENDING.set(pending)
    try:
        yield pending
    finally:
        _PENDING.reset(token)


def add(row: models.Model) -> bool:
    """Keep ``row`` for the batch's insert; False (nothing kept) outside a batch."""
    pending = _PENDING.get()
    if pending is None:
        return False
    pending.rows.append(row)
    return True


def add_all(rows: list[Any]) -> bool:
    pending = _PENDING.get()
    if pending is None:
        return False
    pending.rows.extend(rows)
    return True


def save(row: models.Model, fields: tuple[str, ...]) -> None:
    """``row.save(update_fields=fields)``, or kept for the batch's update when the batch updates those
    fields (``fields``, a subset of ``update_fields``)."""
    pending = _PENDING.get()
    if pending is not None and pending.update_fields and set(fields) <= set(pending.update_fields):
        pending.changed.append(row)
        return
    row.save(update_fields=list(fields))


def write(pending: Pending) -> None:
    """Insert what the batch gathered: one insert per table, then the audit entries under one lock of
    the chain's head. Inside the caller's transaction."""
    from integritas.audit.chain import append_many
    from integritas.cases import tallies

    by_model: dict[type[models.Model], list[models.Model]] = {}
    for row in pending.rows:
        by_model.setdefault(type(row), []).append(row)
    for model, rows in by_model.items():
        model._default_manager.bulk_create(rows, batch_size=1000)
    append_many(pending.audit)
    changed: dict[type[models.Model], dict[int, models.Model]] = {}
    for row in pending.changed:
        changed.setdefault(type(row), {})[id(row)] = row
    for model, unique in changed.items():
        rows = list(unique.values())
        model._default_manager.bulk_update(rows, list(pending.update_fields), batch_size=500)
    deltas: Counter[Any] = Counter()
    for key, n in pending.tallies:
        deltas[key] += n
    tallies.write(deltas)  # one statement for the batch, rows in key order
    pending.tallies.clear()
    pending.rows.clear()
    pending.audit.clear()
    pending.changed.clear()
