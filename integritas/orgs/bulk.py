"""Writing many rows at once, lighter than ``bulk_create`` / ``bulk_update``.

An org import writes hundreds of thousands of rows (a district's positions, people and holdings, and
a change record for each). Django's bulk methods build one expression per value and spend most of
their time in Python, so the import uses these helpers. A value goes to the database as it is, except
where a column needs converting (JSON; dates and times on SQLite), through the field's own
``get_db_prep_save``. Rows go by ``COPY`` on PostgreSQL and ``executemany`` on SQLite; the new
primary keys, when wanted, are read back by a unique key in one query (``= ANY(array)``). Updates are
one ``UPDATE … FROM (VALUES …)`` per chunk on PostgreSQL. Like the bulk methods: no signals, no
``save()``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections, models, router
from django.db.models import Model

# PostgreSQL takes at most 65,535 parameters in one statement; SQLite 32,766 (since 3.32).
MAX_PARAMS = 30000
# Values of these fields go to the database as they are (on SQLite dates and times need converting).
RAW = (
    models.CharField,
    models.TextField,
    models.BooleanField,
    models.IntegerField,
    models.BigIntegerField,
    models.PositiveIntegerField,
    models.PositiveBigIntegerField,
    models.BinaryField,
    models.ForeignKey,
)
RAW_ON_POSTGRES = (models.DateField, models.DateTimeField)


def _field(model: type[Model], name: str) -> Any:
    """A concrete field of the model (``get_field`` also answers relations, which have no column)."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field


def _preparer(field: Any, connection: Any) -> Callable[[Any], Any] | None:
    """How a value of ``field`` becomes a database value (None: as it is)."""
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        return lambda value: None if value is None else json.dumps(value, cls=encoder)
    if isinstance(field, RAW) and not isinstance(field, models.AutoField):
        return None
    if connection.vendor == "postgresql" and isinstance(field, RAW_ON_POSTGRES):
        return None
    return lambda value: field.get_db_prep_save(value, connection)


def _defaults(model: type[Model]) -> dict[str, Any]:
    """The value of every column of a new object of ``model``, as the model's defaults give it."""
    blank = model()
    return {f.attname: getattr(blank, f.attname) for f in model._meta.concrete_fields if not f.primary_key}


def _db_values(objs: Sequence[Model], columns: list[Any], connection: Any) -> list[list[Any]]:
    """The database values of ``columns`` of each object."""
    preparers = [_preparer(f, connection) for f in columns]
    return [
        [
            getattr(obj, f.attname) if prep is None else prep(getattr(obj, f.attname))
            for f, prep in zip(columns, preparers, strict=True)
        ]
        for obj in objs
    ]


def insert_rows(
    model: type[Model], rows: Sequence[dict[str, Any]], *, key: str | None = None
) -> dict[Any, int]:
    """Insert ``rows`` (dicts by attribute name; columns not given take the model's defaults).

    With ``key`` (a unique column), returns the new primary key of each row by its key value."""
    if not rows:
        return {}
    connection = connections[router.db_for_write(model)]
    columns = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = _defaults(model)
    preparers = [_preparer(f, connection) for f in columns]
    names = [f.attname for f in columns]
    values = []
    for row in rows:
        line = [row[name] if name in row else defaults[name] for name in names]
        values.append([v if prep is None else prep(v) for v, prep in zip(line, preparers, strict=True)])
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    column_list = ", ".join(quote(f.column) for f in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
                for line in values:
                    copy.write_row(line)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({column_list}) VALUES ({placeholders})", values)
        if key is None:
            return {}
        keys = [row[key] for row in rows]
        pk = quote(model._meta.pk.column)
        key_column = quote(_field(model, key).column)
        found: dict[Any, int] = {}
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT {key_column}, {pk} FROM {table} WHERE {key_column} = ANY(%s)", [keys])
            found.update(cursor.fetchall())
        else:
            for start in range(0, len(keys), MAX_PARAMS):
                chunk = keys[start : start + MAX_PARAMS]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    f"SELECT {key_column}, {pk} FROM {table} WHERE {key_column} IN ({marks})", chunk
                )
                found.update(cursor.fetchall())
        return found


def insert_objects(objs: Sequence[Model], *, key: str) -> None:
    """Insert new objects by their attributes and give each its primary key (read back by ``key``)."""
    if not objs:
        return
    model = type(objs[0])
    names = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
    found = insert_rows(model, [{n: getattr(obj, n) for n in names} for obj in objs], key=key)
    alias = router.db_for_write(model)
    for obj in objs:
        obj.pk = found[getattr(obj, key)]
        obj._state.adding = False
        obj._state.db = alias


def insert(objs: Sequence[Model], *, returning: bool = True) -> None:
    """Insert ``objs`` (all of one model, without primary keys; every column is written, as the new
    object holds it); with ``returning`` their ``pk`` is set. For a few rows (a page's form)."""
    if not objs:
        return
    model = type(objs[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    columns = [f for f in model._meta.concrete_fields if not f.primary_key]
    rows = _db_values(objs, columns, connection)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(f.column) for f in columns)
    pk = quote(model._meta.pk.column)
    per_chunk = max(1, MAX_PARAMS // len(columns))
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_chunk):
            chunk = rows[start : start + per_chunk]
            sql = f"INSERT INTO {table} ({names}) VALUES " + ", ".join([one] * len(chunk))
            params = [value for row in chunk for value in row]
            if not returning:
                cursor.execute(sql, params)
                continue
            cursor.execute(f"{sql} RETURNING {pk}", params)
            for obj, (new_pk,) in zip(objs[start : start + per_chunk], cursor.fetchall(), strict=True):
                obj.pk = new_pk
                obj._state.adding = False
                obj._state.db = alias


def update(objs: Sequence[Model], fields: Sequence[str]) -> None:
    """Write ``fields`` of ``objs`` (all of one model, with primary keys) back to their rows."""
    if not objs or not fields:
        return
    model = type(objs[0])
    connection = connections[router.db_for_write(model)]
    columns = [_field(model, name) for name in fields]
    rows = _db_values(objs, columns, connection)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    pk = quote(model._meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            sets = ", ".join(f"{quote(f.column)} = %s" for f in columns)
            cursor.executemany(
                f"UPDATE {table} SET {sets} WHERE {pk} = %s",
                [[*row, obj.pk] for obj, row in zip(objs, rows, strict=True)],
            )
            return
        names = ["id", *(f"c{i}" for i in range(len(columns)))]
        sets = ", ".join(
            f"{quote(f.column)} = v.c{i}::{f.db_type(connection)}" for i, f in enumerate(columns)
        )
        per_chunk = max(1, MAX_PARAMS // (len(columns) + 1))
        one = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
        for start in range(0, len(rows), per_chunk):
            chunk = list(zip(objs[start : start + per_chunk], rows[start : start + per_chunk], strict=True))
            values = ", ".join([one] * len(chunk))
            params = [value for obj, row in chunk for value in (obj.pk, *row)]
            cursor.execute(
                f"UPDATE {table} SET {sets} FROM (VALUES {values}) AS v({', '.join(names)}) "
                f"WHERE {table}.{pk} = v.id::bigint",
                params,
            )
