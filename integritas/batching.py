"""Rows gathered over a batch of steps and written together (the deadline sweep).

A step taken inside :func:`gathering` keeps its new history rows, handler rows, screenings,
milestones, notices, mails and audit entries here instead of one insert each, and the rows it changed
(``save``) instead of one update each; the batch's owner writes them with :func:`write`, in the
batch's transaction, so they exist iff the batch does. A step that fails is undone to its
:meth:`Pending.mark`. Outside :func:`gathering` nothing changes: every row is written where it is made.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, router
from django.db.models.base import ModelState
from django.db.models.fields.reverse_related import ForeignObjectRel
from django.db.models.signals import post_init, pre_init

log = logging.getLogger(__name__)


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

    @contextmanager
    def step(self, what: str, reference: str, *, undone: Callable[[], None] | None = None) -> Iterator[None]:
        """One case's step of a batch: if it raises, what it gathered is dropped (and ``undone`` is
        called), the failure is logged, and the batch goes on with the next case."""
        mark = self.mark()
        try:
            yield
        except Exception:  # one broken case must not stop the others
            self.undo(mark)
            if undone is not None:
                undone()
            log.exception("%s failed for case %s", what, reference)


class Values:
    """A new row of ``model`` as its field values by attribute name (``person_id``), or a relation by
    its name and object (``event=event``: its id when the row is written, after the object's own
    row), for a table in ``WITHOUT_IDS``: cheaper to make than a model instance; fields left out take
    their defaults."""

    __slots__ = ("model", "values")

    def __init__(self, model: type[models.Model], **values: Any) -> None:
        self.model, self.values = model, values

    def instance(self) -> Any:
        return self.model(**self.values)


M = TypeVar("M", bound=models.Model)


def made(model: type[M], **values: Any) -> M:
    """``model(**values)`` for a new row, without ``Model.__init__``'s generic work (a step makes a few
    of them for every case of a sweep): each field its value, given by attribute name or, for a
    relation, as its object (kept as ``model(**values)`` keeps it), else its default. Anything else
    (a property, a model with init signals) goes through ``model(**values)``."""
    plan = _PLANS.get(model)
    if plan is None:
        plan = _PLANS[model] = _plan(model)
    fields, known = plan
    if (
        not known.issuperset(values)
        or (pre_init.receivers and pre_init.has_listeners(model))
        or (post_init.receivers and post_init.has_listeners(model))
    ):
        return model(**values)
    row = model.__new__(model)
    state = row._state = ModelState()
    attrs = row.__dict__
    for f, name, attname, target in fields:
        if target is not None and name in values:
            related = values[name]
            if related is None:
                attrs[attname] = None
            else:
                if not isinstance(related, f.remote_field.model):
                    return model(**values)  # let the descriptor refuse it
                attrs[attname] = getattr(related, target)
                if state.db is None:
                    state.db = router.db_for_write(model, instance=related)
            state.fields_cache[name] = related
        elif attname in values:
            attrs[attname] = values[attname]
        else:
            attrs[attname] = f.get_default()
    return row


_PLANS: dict[type[models.Model], tuple[list[tuple[Any, str, str, str | None]], frozenset[str]]] = {}


def _plan(model: type[models.Model]) -> tuple[list[tuple[Any, str, str, str | None]], frozenset[str]]:
    fields: list[tuple[Any, str, str, str | None]] = []
    known: set[str] = set()
    for f in model._meta.fields:
        if f.column is None or getattr(f, "generated", False):
            continue
        target = None
        if isinstance(f.remote_field, ForeignObjectRel):
            pairs: Any = getattr(f, "related_fields", ())
            if len(pairs) != 1 or f.remote_field.multiple is False:
                continue  # (a one-to-one or a composite relation: not planned, see below)
            target = pairs[0][1].attname
            known.add(f.name)
        fields.append((f, f.name, f.attname, target))
        known.add(f.attname)
    if len(fields) != len([f for f in model._meta.fields if f.column is not None]):
        known = frozenset()  # type: ignore[assignment]  # every call goes through ``model(**values)``
    return fields, frozenset(known)


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


def add(row: models.Model | Values) -> bool:
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
# ids back, with COPY on PostgreSQL.
WITHOUT_IDS = frozenset(
    {
        "notify.Notice",
        "notify.OutboxMessage",
        "notify.Milestone",
        "cases.CaseHandler",
        "cases.StageStep",
        "prevention.Screening",
    }
)
# Rows later rows refer to (a stage step to its history row): on PostgreSQL their ids are drawn from
# the table's sequence first, in the order the rows were made, and set on them; then one COPY.
# Everything else (and these elsewhere) goes through ``bulk_create``.
WITH_IDS = frozenset({"cases.Event"})


def write(pending: Pending, *, audit_last: bool = False, without_ids: frozenset[str] = frozenset()) -> None:
    """Insert what the batch gathered: one insert per table (the tables others refer to first), then
    the audit entries under one lock of the chain's head. Inside the caller's transaction.
    ``audit_last``: the updates and the tallies before the audit entries, so that the head is locked
    only for the last statements before the caller commits (a report: ``services.case_submit``).
    ``without_ids``: more tables whose new rows the caller will not refer to (a table another
    gathered row refers to still gets its ids back)."""
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
    fast = connection.vendor == "postgresql"
    # Stable: the tables keep the order of their first row, those referred to before the others.
    for model in sorted(by_model, key=lambda m: m._meta.label not in WITH_IDS):
        rows = by_model[model]
        if model._meta.label in plain:
            insert_without_ids(model, rows)
        elif fast and model._meta.label in WITH_IDS and all(type(row) is not Values for row in rows):
            insert_with_ids(model, rows)
        else:
            made = [row.instance() if type(row) is Values else row for row in rows]
            model._default_manager.bulk_create(made, batch_size=1000)
    if not audit_last:
        append_many(pending.audit, copy=True)
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
        append_many(pending.audit, copy=True, savepoint=False)  # the last step: its failure fails the batch
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
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    _copy_in(model, fields, _cells(model, fields, rows))


def insert_with_ids(model: type[models.Model], rows: list[models.Model]) -> None:
    """``bulk_create(rows)`` on PostgreSQL (model instances, made in this order): their ids drawn from
    the table's sequence (increasing, as the insert would give them) and set, then one COPY."""
    if not rows:
        return
    pk = model._meta.pk
    assert pk is not None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, pk.column, len(rows)],
        )
        ids = sorted(row[0] for row in cursor.fetchall())
    for row, new_id in zip(rows, ids, strict=True):
        row.pk = new_id
        row._state.adding, row._state.db = False, connection.alias
    fields = [pk, *(f for f in model._meta.concrete_fields if not f.primary_key)]
    _copy_in(model, fields, _cells(model, fields, rows))


def _copy_in(model: type[models.Model], fields: list[Any], values: list[tuple[Any, ...]]) -> None:
    quote = connection.ops.quote_name
    table, columns = quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
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


def _cells(model: type[models.Model], fields: list[Any], rows: list[Any]) -> list[tuple[Any, ...]]:
    """Each row's prepared values for ``fields``, in order: a model instance's as ``save`` prepares
    them; a ``Values`` row's own (a relation given as an object: its id), the rest the fields'
    defaults (prepared once; a function default, ``new_message_id``, called for each row)."""
    preps = [_prep(f) for f in fields]
    as_is = [_as_is(f) for f in fields]  # the types ``prep`` passes on unchanged (no call for them)
    index: dict[str, int] = {}
    for i, f in enumerate(fields):
        index[f.attname] = i
    related = {f.name: i for i, f in enumerate(fields) if f.is_relation and f.name != f.attname}
    defaults: list[Any] = []
    made_each: list[tuple[int, Any]] = []  # (index, field) of the function defaults
    for i, (f, prep) in enumerate(zip(fields, preps, strict=True)):
        if f.has_default() and callable(f.default):
            defaults.append(None)
            made_each.append((i, f))
        else:
            defaults.append(prep(f.get_default()) if not f.primary_key else None)
    plain_get = [not (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)) for f in fields]
    out: list[tuple[Any, ...]] = []
    for row in rows:
        if type(row) is Values:
            given = row.values
            cells = defaults.copy()
            for i, f in made_each:
                if f.attname not in given and f.name not in given:
                    cells[i] = preps[i](f.get_default())
            for name, value in given.items():
                if name in index:
                    i = index[name]
                else:  # a relation given as its object
                    i = related[name]
                    value = None if value is None else value.pk
                cells[i] = value if type(value) in as_is[i] else preps[i](value)
            out.append(tuple(cells))
        else:
            state = row.__dict__
            out.append(
                tuple(
                    [
                        prep(state[f.attname] if simple else f.pre_save(row, True))
                        for f, prep, simple in zip(fields, preps, plain_get, strict=True)
                    ]
                )
            )
    return out


# Fields whose value ``get_db_prep_save`` passes on unchanged when it already has the field's type.
_AS_IS: dict[type[models.Field], tuple[type, ...]] = {
    models.CharField: (str,),
    models.TextField: (str,),
    models.IntegerField: (int,),
    models.PositiveIntegerField: (int,),
    models.PositiveSmallIntegerField: (int,),
    models.SmallIntegerField: (int,),
    models.BigIntegerField: (int,),
    models.AutoField: (int,),
    models.BigAutoField: (int,),
    models.BooleanField: (bool,),
}


def _as_is(field: Any) -> frozenset[type]:
    """Types of value that ``_prep(field)`` returns unchanged, whatever the value."""
    if type(field) in (models.CharField, models.TextField):
        return frozenset({str})
    kinds = _AS_IS.get(type(field))
    if type(field) is models.ForeignKey and type(field.target_field) in (
        models.AutoField,
        models.BigAutoField,
    ):
        kinds = (int,)
    if type(field) in (models.BinaryField, models.JSONField, models.DateTimeField) or kinds is not None:
        return frozenset({type(None), *(kinds or ())})
    return frozenset()


def _prep(field: Any) -> Any:
    """``field.get_db_prep_save`` for one value, skipping the work for a value of the plain type of a
    plain field (a str for a CharField, an int key for a ForeignKey to an integer id)."""
    conn = connections[DEFAULT_DB_ALIAS]  # the connection itself, not the proxy read at each call
    slow = field.get_db_prep_save
    if type(field) in (models.CharField, models.TextField):
        # ``to_python`` keeps any str as it is (a text choice too): nothing else is done to it.
        return lambda value: value if isinstance(value, str) else slow(value, conn)
    kinds = _AS_IS.get(type(field))
    if type(field) is models.ForeignKey and type(field.target_field) in (
        models.AutoField,
        models.BigAutoField,
    ):
        kinds = (int,)
    if type(field) is models.DateTimeField and conn.vendor == "postgresql":
        # PostgreSQL takes an aware instant as it is (``adapt_datetimefield_value``); naive ones warn.
        return lambda value: (
            value
            if value is None or (type(value) is dt.datetime and value.tzinfo is not None)
            else slow(value, conn)
        )
    if type(field) in (models.BinaryField, models.JSONField, models.DateTimeField):
        # None is SQL NULL for these (a JSON null is written only from ``Value(None, JSONField())``).
        return lambda value: None if value is None else slow(value, conn)
    if kinds is None:
        return lambda value: slow(value, conn)
    return lambda value: value if value is None or type(value) in kinds else slow(value, conn)


def update_each(model: type[models.Model], rows: list[models.Model], names: tuple[str, ...]) -> None:
    """``bulk_update(rows, names)`` without building a CASE expression per field: on PostgreSQL one
    ``UPDATE … FROM unnest(…)`` (one array per column: a few parameters, not one per value); elsewhere
    one prepared UPDATE by primary key run for each row (``executemany``). A row given twice takes its
    last values, as one update after the other would."""
    if not rows:
        return
    fields: list[Any] = [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    pk = model._meta.pk
    assert pk is not None
    table = quote(model._meta.db_table)
    columns = [*fields, pk]
    preps = [_prep(f) for f in columns]
    values = [
        tuple([prep(getattr(row, f.attname)) for f, prep in zip(columns, preps, strict=True)]) for row in rows
    ]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
            cursor.executemany(f"UPDATE {table} SET {sets} WHERE {quote(pk.column)} = %s", values)
            return
        last = list({value[-1]: value for value in values}.values())
        names_v = ", ".join(quote(f"v_{f.column}") for f in columns)
        sets = ", ".join(f"{quote(f.column)} = v.{quote(f'v_{f.column}')}" for f in fields)
        arrays = ", ".join(f"%s::{f.cast_db_type(connection)}[]" for f in columns)
        cursor.execute(
            f"UPDATE {table} SET {sets} FROM unnest({arrays}) AS v ({names_v}) "
            f"WHERE {table}.{quote(pk.column)} = v.{quote(f'v_{pk.column}')}",
            [list(column) for column in zip(*last, strict=True)],
        )
