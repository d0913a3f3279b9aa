"""Two hand-written statements for a batch: many rows updated, many inserted, one statement
each. The deadline worker's batches write through them — the case engine's cases, events and
deadlines, the refund ledger's refunds, lines and events, the outbox's messages; one action's
single rows use the ORM.

On PostgreSQL the rows travel as ONE jsonb parameter read back with `jsonb_to_recordset`: the
ORM's `bulk_update` builds a CASE WHEN per row and field (~4 ms a case at 500 cases) and even
`bulk_create` or a VALUES list pay Python per parameter (~0.1 ms a row at 7–14 columns), where
one `json.dumps` of the batch costs microseconds a row. SQLite (one worker, no batch target)
gets a plain `UPDATE … FROM (VALUES …)` and the ORM's `bulk_create`. Only quoted names from
the model and placeholders go into the SQL text; every value is a parameter."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection, models

# Rows per statement where every value is its own parameter (SQLite allows 32,766).
ROWS_PER_STATEMENT = 1000


def update_rows(model: type[models.Model], objs: list[models.Model], names: tuple[str, ...]):
    """`UPDATE table SET name = … WHERE id = …` for every object, with its own values."""
    if not objs:
        return
    fields = [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sets = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in fields)
            sql = (
                f"UPDATE {table} SET {sets} FROM jsonb_to_recordset(%s::jsonb) AS "  # noqa: S608
                f"v({_columns([model._meta.pk, *fields])}) WHERE {table}.id = v.id"
            )
            cursor.execute(sql, [_as_json([model._meta.pk, *fields], objs)])
            return
        for start in range(0, len(objs), ROWS_PER_STATEMENT):
            chunk = objs[start : start + ROWS_PER_STATEMENT]
            # SQLite names the VALUES columns column1, column2, …: the id first.
            sets = ", ".join(f"{quote(f.column)} = v.column{i}" for i, f in enumerate(fields, 2))
            row = "(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"
            sql = (
                f"UPDATE {table} SET {sets} FROM (VALUES {', '.join([row] * len(chunk))}) "  # noqa: S608
                f"AS v WHERE {table}.id = v.column1"
            )
            params: list[Any] = []
            for obj in chunk:
                params.append(obj.pk)
                params.extend(
                    f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields
                )
            cursor.execute(sql, params)


def insert_rows(model: type[models.Model], objs: list[models.Model]) -> list[models.Model]:
    """Insert the objects (all columns but the id) and give them their ids, as `bulk_create`."""
    if not objs or connection.vendor != "postgresql":
        return model.objects.bulk_create(objs)
    sql, fields = _insert_sql(model, returning=True)
    with connection.cursor() as cursor:
        cursor.execute(sql, [_as_json(fields, objs)])
        # The rows come back in the order they went in (as `bulk_create` relies on too).
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = connection.alias
    return objs


def insert_values(model: type[models.Model], rows: list[dict[str, Any]]) -> int:
    """Insert rows given as plain {attname: value} dicts, all with the same keys (a column left
    out gets its field's default), building no model instance and reading no id back: for rows
    nothing in the transaction reads again (outbox messages, refund events). Returns how many."""
    if not rows:
        return 0
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    missing = [f for f in fields if f.attname not in rows[0]]
    if missing:
        rows = [{**{f.attname: f.get_default() for f in missing}, **row} for row in rows]
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows])
        return len(rows)
    sql, fields = _insert_sql(model, returning=False)
    with connection.cursor() as cursor:
        cursor.execute(sql, [json.dumps(rows, default=JsonValues())])
    return len(rows)


_INSERTS: dict[tuple[type[models.Model], bool], tuple[str, list]] = {}


def _insert_sql(model: type[models.Model], *, returning: bool) -> tuple[str, list]:
    """The INSERT of `model`'s rows from one jsonb parameter, built once per model (PostgreSQL
    only, the one vendor that takes this path)."""
    found = _INSERTS.get((model, returning))
    if found is None:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        quote = connection.ops.quote_name
        names = ", ".join(quote(f.column) for f in fields)
        sql = (
            f"INSERT INTO {quote(model._meta.db_table)} ({names}) SELECT {names} "  # noqa: S608
            f"FROM jsonb_to_recordset(%s::jsonb) AS v({_columns(fields)})"
        )
        if returning:
            sql += " RETURNING id"
        found = _INSERTS[(model, returning)] = (sql, fields)
    return found


def _columns(fields) -> str:
    quote = connection.ops.quote_name
    return ", ".join(
        f"{quote(f.column)} {f.rel_db_type(connection) if f.is_relation else f.db_type(connection)}"
        for f in fields
    )


def _as_json(fields, objs) -> str:
    attnames = [f.attname for f in fields]
    rows = [{a: getattr(obj, a) for a in attnames} for obj in objs]
    return json.dumps(rows, default=JsonValues())


class JsonValues:
    """`json.dumps`'s `default` for one batch: aware datetimes keep their offset (timestamptz
    reads it), money keeps its two places. A batch repeats the same objects — its one `at` in
    every row's timestamps, the same amounts —, so each object is converted once: keyed by
    identity (equal datetimes in other offsets print differently), which holds because the
    rows keep every object alive until the dump is done."""

    def __init__(self) -> None:
        self.done: dict[int, str] = {}

    def __call__(self, value: Any) -> str:
        text = self.done.get(id(value))
        if text is None:
            if isinstance(value, datetime):
                text = value.isoformat()
            elif isinstance(value, Decimal):
                text = str(value)
            else:
                raise TypeError(f"{type(value).__name__} is not a column value")
            self.done[id(value)] = text
        return text
