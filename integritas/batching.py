"""Rows gathered over a batch of steps and written together (the deadline sweep).

A step taken inside :func:`gathering` keeps its new history rows, handler rows, screenings,
milestones, notices, mails and audit entries here instead of one insert each, and the rows it changed
(``save``) instead of one update each; the batch's owner writes them with :func:`write`, in the
batch's transaction, so they exist iff the batch does. A step that fails is undone to its
:meth:`Pending.mark`. Outside :func:`gathering` nothing changes: every row is written where it is made.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models


@dataclass
class Pending:
    rows: list[Any] = field(default_factory=list)  # plain inserts (models or ``Values``), in order made
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


class Values:
    """A new row of ``model`` as its field values by attribute name (``person_id``), for a table in
    ``WITHOUT_IDS``: cheaper to make than a model instance; fields left out take their defaults."""

    __slots__ = ("model", "values")

    def __init__(self, model: type[models.Model], **values: Any) -> None:
        self.model, self.values = model, values

    def instance(self) -> Any:
        return self.model(**self.values)


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


# Rows nothing refers to once written (no later row needs their ids): inserted without reading their
# ids back, with COPY on PostgreSQL. Everything else goes through ``bulk_create``.
WITHOUT_IDS = frozenset({"notify.Notice", "notify.OutboxMessage", "notify.Milestone"})


def write(pending: Pending, *, audit_last: bool = False, without_ids: frozenset[str] = frozenset()) -> None:
    """Insert what the batch gathered: one insert per table, then the audit entries under one lock of
    the chain's head. Inside the caller's transaction. ``audit_last``: the updates and the tallies
    before the audit entries, so that the head is locked only for the last statements before the
    caller commits (a report: ``services.case_submit``). ``without_ids``: more tables whose new rows
    the caller will not refer to (a table another gathered row refers to still gets its ids back)."""
    from integritas.audit.chain import append_many
    from integritas.cases import tallies

    by_model: dict[type[models.Model], list[Any]] = {}
    for row in pending.rows:
        by_model.setdefault(row.model if type(row) is Values else type(row), []).append(row)
    plain = WITHOUT_IDS
    if without_ids:
        referred = {
            f.related_model._meta.label
            for model in by_model
            for f in model._meta.concrete_fields
            if f.many_to_one and f.related_model is not None and not isinstance(f.related_model, str)
        }
        plain = WITHOUT_IDS | (without_ids - referred)
    for model, rows in by_model.items():
        if model._meta.label in plain:
            insert_without_ids(model, rows)
        else:
            made = [row.instance() if type(row) is Values else row for row in rows]
            model._default_manager.bulk_create(made, batch_size=1000)
    if not audit_last:
        append_many(pending.audit)
    changed: dict[type[models.Model], dict[int, models.Model]] = {}
    for row in pending.changed:
        changed.setdefault(type(row), {})[id(row)] = row
    for model, unique in changed.items():
        update_each(model, list(unique.values()), pending.update_fields)
    deltas: Counter[Any] = Counter()
    for key, n in pending.tallies:
        deltas[key] += n
    tallies.write(deltas)  # one statement for the batch, rows in key order
    if audit_last:
        append_many(pending.audit, savepoint=False)  # the last step: its failure fails the batch
    pending.tallies.clear()
    pending.rows.clear()
    pending.audit.clear()
    pending.changed.clear()


def _logged(sql: str, started: float) -> None:
    """A statement the debug cursor does not see (COPY) is still counted where queries are."""
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})


def insert_without_ids(model: type[models.Model], rows: list[Any]) -> None:
    """``bulk_create(rows)`` (model instances or ``Values``) without setting ids: one COPY on
    PostgreSQL, one ``executemany`` elsewhere; each value prepared as ``save`` prepares it."""
    if not rows:
        return
    fields, table, columns, pairs, cells = _layout(model, connection.vendor)
    values = [
        tuple([cell(row.values) for cell in cells])
        if type(row) is Values
        else tuple(prep(f.pre_save(row, True)) for f, prep in pairs)
        for row in rows
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            started, sql = time.monotonic(), f"COPY {table} ({columns}) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:
                for value in values:
                    copy.write_row(value)
            _logged(f"{sql} -- {len(values)} rows", started)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)


_LAYOUTS: dict[tuple[type[models.Model], str], tuple[Any, ...]] = {}


def _layout(model: type[models.Model], vendor: str) -> tuple[Any, ...]:
    """(fields, table, columns, [(field, prep)], cells) of ``model``'s inserts, made once per process."""
    key = (model, vendor)
    if key not in _LAYOUTS:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        quote = connection.ops.quote_name
        table, columns = quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
        pairs = [(f, _prep(f)) for f in fields]
        cells = [_cell(f, prep) for f, prep in pairs]
        _LAYOUTS[key] = (fields, table, columns, pairs, cells)
    return _LAYOUTS[key]


def _cell(field: Any, prep: Any) -> Any:
    """The prepared value of ``field`` in a ``Values`` row: its own, else the field's default (one
    made per row when the default is a function, ``new_message_id``; else prepared once)."""
    name = field.attname
    if field.has_default() and callable(field.default):
        return lambda values: prep(values[name] if name in values else field.get_default())
    default = prep(field.get_default())
    return lambda values: prep(values[name]) if name in values else default


# Fields whose value ``get_db_prep_save`` passes on unchanged when it already has the field's type.
_AS_IS: dict[type[models.Field], tuple[type, ...]] = {
    models.CharField: (str,),
    models.TextField: (str,),
    models.IntegerField: (int,),
    models.PositiveIntegerField: (int,),
    models.BooleanField: (bool,),
}


def _prep(field: Any) -> Any:
    """``field.get_db_prep_save`` for one value, skipping the work for a value of the plain type of a
    plain field (a str for a CharField, an int key for a ForeignKey to an integer id)."""
    if type(field) in (models.CharField, models.TextField):
        # ``to_python`` keeps any str as it is (a text choice too): nothing else is done to it.
        return lambda value: value if isinstance(value, str) else field.get_db_prep_save(value, connection)
    kinds = _AS_IS.get(type(field))
    if type(field) is models.ForeignKey and type(field.target_field) in (
        models.AutoField,
        models.BigAutoField,
    ):
        kinds = (int,)
    slow = field.get_db_prep_save
    if type(field) is models.DateTimeField and connection.vendor == "postgresql":
        # PostgreSQL takes an aware instant as it is (``adapt_datetimefield_value``); naive ones warn.
        return lambda value: (
            value
            if value is None or (type(value) is dt.datetime and value.tzinfo is not None)
            else slow(value, connection)
        )
    if type(field) in (models.BinaryField, models.JSONField, models.DateTimeField):
        # None is SQL NULL for these (a JSON null is written only from ``Value(None, JSONField())``).
        return lambda value: None if value is None else slow(value, connection)
    if kinds is None:
        return lambda value: slow(value, connection)
    return lambda value: value if value is None or type(value) in kinds else slow(value, connection)


def update_each(model: type[models.Model], rows: list[models.Model], names: tuple[str, ...]) -> None:
    """``bulk_update(rows, names)`` as one prepared UPDATE by primary key run for each row
    (``executemany``: pipelined on PostgreSQL), without building a CASE expression per field."""
    if not rows:
        return
    fields: list[Any] = [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    pk = model._meta.pk
    assert pk is not None
    sql = f"UPDATE {quote(model._meta.db_table)} SET {sets} WHERE {quote(pk.column)} = %s"
    values = [
        (
            *(f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields),
            pk.get_db_prep_save(row.pk, connection),
        )
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)
