"""The grant's statements (services.grant_refunds), hand-written: it runs inside the opening of
every case refunded at once (TB-01) and once per deadline batch that refunds, where the ORM's
building of each query and of a model instance per payment was most of its Python.

- The lines and payments locked (`FOR UPDATE`, by pk), each one statement returning plain rows.
- What the ledger already counts against them — per payment, per order line, the orders'
  shipping fees — in ONE statement, run after every lock is taken: under READ COMMITTED a
  statement reads the commits made before it started, so a sum read by the locking statement
  itself would miss a refund granted by the transaction it waited for.
- The refunds, their first events and their lines inserted in ONE statement on PostgreSQL
  (`INSERT … WITH`, the rows as jsonb parameters; the children find their refund's id by its
  idempotency key, which is unique).

On PostgreSQL each is a prepared statement with a generic plan (core/prepared.py): the ids go
as one array parameter, so the text never varies with the batch. SQLite (one worker) gets the
same reads with `IN (…)` lists and the rows inserted as before (bulksql)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection

from aftersales.core import bulksql, prepared
from aftersales.refunds.models import COUNTING, Refund, RefundEvent, RefundLine

CENT = Decimal("0.01")
# The states as plain strings (psycopg would send an enum member by its name).
_COUNTING = [str(state) for state in COUNTING]


class LockedLine(NamedTuple):
    pk: int
    merchant_id: int
    sku: str
    quantity: int
    paid_amount: Decimal


class LockedPayment(NamedTuple):
    pk: int
    order_id: int
    method: str
    amount: Decimal


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _ids(column: str, ids) -> tuple[str, list]:
    """`column` among `ids`: one array parameter on PostgreSQL (one text whatever the count)."""
    if _pg():
        return f"{column} = ANY(%s::bigint[])", ["{" + ",".join(str(int(i)) for i in ids) + "}"]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", [int(i) for i in ids]


def _money(value) -> Decimal:
    # SQLite answers numbers (a sum as a float): back to cents, as the ORM's converter does.
    return value if type(value) is Decimal else Decimal(str(value)).quantize(CENT)


def _lock_suffix() -> str:
    return " FOR UPDATE" if connection.features.has_select_for_update else ""


def lock_lines(line_ids: list[int]) -> dict[int, LockedLine]:
    """The order lines, locked in pk order: what the checks read of them."""
    where, params = _ids("id", line_ids)
    with prepared.cursor() as cursor:
        cursor.execute(
            "SELECT id, merchant_id, sku, quantity, paid_amount FROM orders_orderline"  # noqa: S608
            f" WHERE {where} ORDER BY id{_lock_suffix()}",
            params,
        )
        rows = cursor.fetchall()
    return {pk: LockedLine(pk, m, sku, q, _money(paid)) for pk, m, sku, q, paid in rows}


def lock_payments(order_ids: list[int]) -> list[LockedPayment]:
    """The orders' payments, locked in pk order."""
    where, params = _ids("order_id", order_ids)
    with prepared.cursor() as cursor:
        cursor.execute(
            "SELECT id, order_id, method, amount FROM orders_payment"  # noqa: S608
            f" WHERE {where} ORDER BY id{_lock_suffix()}",
            params,
        )
        rows = cursor.fetchall()
    return [LockedPayment(pk, o, method, _money(amount)) for pk, o, method, amount in rows]


def counted(
    order_ids: list[int], line_ids: list[int], shipping_of: list[int]
) -> tuple[dict[int, Decimal], dict[int, Decimal], dict[int, Decimal]]:
    """What the ledger counts (every refund that did not fail), read after the locks: per
    payment of `order_ids` (refunds, not compensation), per order line of `line_ids`, and the
    shipping fee given back per order of `shipping_of` (an empty list reads nothing)."""
    orders, orders_params = _ids("r.order_id", order_ids)
    lines, lines_params = _ids("rl.order_line_id", line_ids)
    shipping, shipping_params = _ids("r.order_id", shipping_of)
    states = "r.state IN (" + ", ".join(["%s"] * len(_COUNTING)) + ")"
    sql = (
        "SELECT 1, r.payment_id, SUM(r.amount) FROM refunds_refund r"  # noqa: S608
        f" WHERE {orders} AND {states} AND r.purpose = 'refund' GROUP BY r.payment_id"
        " UNION ALL SELECT 2, rl.order_line_id, SUM(rl.amount) FROM refunds_refundline rl"
        " JOIN refunds_refund r ON r.id = rl.refund_id"
        f" WHERE {lines} AND {states} GROUP BY rl.order_line_id"
        " UNION ALL SELECT 3, r.order_id, SUM(rl.amount) FROM refunds_refundline rl"
        " JOIN refunds_refund r ON r.id = rl.refund_id"
        f" WHERE rl.kind = 'shipping_fee' AND {shipping} AND {states} GROUP BY r.order_id"
    )
    params = [
        *orders_params,
        *_COUNTING,
        *lines_params,
        *_COUNTING,
        *shipping_params,
        *_COUNTING,
    ]
    out: tuple[dict, dict, dict] = ({}, {}, {})
    with prepared.cursor() as cursor:
        cursor.execute(sql, params)
        for part, pk, total in cursor.fetchall():
            out[part - 1][pk] = _money(total)
    return out


def insert_granted(
    refunds: list[Refund],
    events: list[dict[str, Any]],
    lines: list[list[RefundLine]],
    *,
    line_ids: bool = False,
) -> None:
    """Insert the refunds (their ids set), their first events (`events[i]` is `refunds[i]`'s,
    without its id) and their lines (`lines[i]` are `refunds[i]`'s). The lines get their ids
    when `line_ids` is asked (a price-protection claim names its line): on PostgreSQL they are
    then a statement of their own."""
    if not _pg():
        bulksql.insert_rows(Refund, refunds)
        for refund, event in zip(refunds, events, strict=True):
            event["refund_id"] = refund.pk
        bulksql.insert_values(RefundEvent, events)
        for refund, rlines in zip(refunds, lines, strict=True):
            for rl in rlines:
                rl.refund = refund
        bulksql.insert_rows(RefundLine, [rl for rlines in lines for rl in rlines])
        return
    sql, refund_fields, event_names, line_names = _insert_sql()
    refund_rows = [{f: getattr(r, f) for f in refund_fields} for r in refunds]
    event_rows = []
    for refund, event in zip(refunds, events, strict=True):
        row = {n: event[n] for n in event_names}
        row["refund_key"] = refund.idempotency_key
        event_rows.append(row)
    line_rows = [
        {"refund_key": refund.idempotency_key, **{n: getattr(rl, n) for n in line_names}}
        for refund, rlines in zip(refunds, lines, strict=True)
        for rl in rlines
        if not line_ids
    ]
    dump = bulksql.JsonValues()
    with prepared.cursor() as cursor:  # one text whatever the rows: prepared once
        cursor.execute(
            sql,
            [
                json.dumps(refund_rows, default=dump),
                json.dumps(event_rows, default=dump),
                json.dumps(line_rows, default=dump),
            ],
        )
        ids = dict(cursor.fetchall())
    for refund, rlines in zip(refunds, lines, strict=True):
        refund.pk = ids[refund.idempotency_key]
        refund._state.adding = False
        refund._state.db = connection.alias
        for rl in rlines:
            rl.refund = refund
    if line_ids:
        bulksql.insert_rows(RefundLine, [rl for rlines in lines for rl in rlines])


_SQL: list = []


def _insert_sql() -> tuple[str, list[str], list[str], list[str]]:
    """The one INSERT of refunds, events and lines (PostgreSQL), built once."""
    if _SQL:
        return _SQL[0]
    quote = connection.ops.quote_name

    def typed(fields) -> str:
        return ", ".join(
            f"{quote(f.column)} "
            f"{f.rel_db_type(connection) if f.is_relation else f.db_type(connection)}"
            for f in fields
        )

    def own(model, parent: str | None = None) -> list:
        return [
            f
            for f in model._meta.concrete_fields
            if not f.primary_key and (parent is None or f.attname != parent)
        ]

    refund_fields = own(Refund)
    event_fields = own(RefundEvent, "refund_id")
    line_fields = own(RefundLine, "refund_id")
    key = f"refund_key {Refund._meta.get_field('idempotency_key').db_type(connection)}"

    def child(model, fields) -> str:
        names = ", ".join(quote(f.column) for f in fields)
        values = ", ".join(f"v.{quote(f.column)}" for f in fields)
        return (
            f"INSERT INTO {quote(model._meta.db_table)} (refund_id, {names})"  # noqa: S608
            f" SELECT r.id, {values} FROM jsonb_to_recordset(%s::jsonb)"
            f" AS v({key}, {typed(fields)}) JOIN r ON r.idempotency_key = v.refund_key"
        )

    names = ", ".join(quote(f.column) for f in refund_fields)
    sql = (
        f"WITH r AS (INSERT INTO {quote(Refund._meta.db_table)} ({names})"  # noqa: S608
        f" SELECT {names} FROM jsonb_to_recordset(%s::jsonb) AS v({typed(refund_fields)})"
        " RETURNING id, idempotency_key),"
        f" e AS ({child(RefundEvent, event_fields)}),"
        f" l AS ({child(RefundLine, line_fields)})"
        " SELECT idempotency_key, id FROM r"
    )
    _SQL.append(
        (
            sql,
            [f.attname for f in refund_fields],
            [f.attname for f in event_fields],
            [f.attname for f in line_fields],
        )
    )
    return _SQL[0]
