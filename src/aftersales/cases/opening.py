"""Opening a case (`open_case`, re-exported by services): the API's hottest write, so its reads
and writes are a few hand-written statements rather than the ORM's ten or more.

What it runs, in the caller's transaction: one read of the order with its merchant, buyer,
shipments and lines, the lines locked (`FOR UPDATE OF` the lines on PostgreSQL; SQLite's write
lock is the whole database); one grouped read of what earlier cases hold on those lines, after
the lock, so two cases racing for the same quantity see each other; then the case, its lines,
its events, their outbox messages, the deadlines and the rows the contexts above cases write
with it (`WRITTEN_WITH_CASE`: risk's score) — one statement on PostgreSQL (data-modifying CTEs),
five and one per such kind on SQLite. An automatic approval is planned by the executor before
that write (`plan_action`, which writes nothing), so the case is written once, as its automatic
steps leave it; their effects in other contexts (the refund ledger's grant) follow, through the
executor's `run_after_step`, on the lines the opening holds locked.

The values go in through the backend's own adapters and come back through the model fields'
own converters, so the rows are what the ORM would have written and read."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from types import SimpleNamespace
from typing import Any
from weakref import WeakKeyDictionary

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

from aftersales.accounts.actors import SYSTEM_ACTOR, Actor
from aftersales.accounts.models import Buyer, Merchant
from aftersales.accounts.permissions import require
from aftersales.cases import deadlines
from aftersales.cases.announce import announce_many
from aftersales.cases.events import build_event
from aftersales.cases.flows import flow_for
from aftersales.cases.models import Case, CaseEvent, CaseLine, Deadline
from aftersales.core import clock, prepared
from aftersales.core.errors import Conflict, FieldError, InvalidInput, NotFound, PolicyRefused
from aftersales.orders.models import Order, OrderLine, Shipment
from aftersales.policy import loading
from aftersales.policy.decide import FAULT_REASONS, History
from aftersales.policy.facts import facts_from_stored
from aftersales.policy.services import EligibilityQuestion, judge_line
from aftersales.refunds.models import COUNTING

# Called with (case, order_lines=, shipments=, client=) once the case and its lines are written,
# before an automatic approval, in the opening's transaction; the contexts above cases register
# here from their AppConfig.ready(). Cheap by contract: a hook reads in bulk and writes its own
# rows, a statement or two, never the case's.
OPENED: list[Callable[..., None]] = []


@dataclass(frozen=True)
class WrittenWithCase:
    """Rows of a context above cases written with the opened case, in the opening's own write
    (on PostgreSQL a sub-statement of its one `INSERT … WITH`: no round trip of their own), the
    `case_fields` given the new case's id. `rows(case, order_lines=, shipments=, client=)` is
    called once the case is decided, before it is written (it has no id yet), in the opening's
    transaction, and returns instances of `model` with `fields` set (risk: the case's score)."""

    model: type
    fields: tuple[str, ...]
    case_fields: tuple[str, ...]
    rows: Callable[..., list]


# Registered like OPENED. The statement's text depends on what is registered, not on the rows.
WRITTEN_WITH_CASE: list[WrittenWithCase] = []


@dataclass(frozen=True)
class LineClaim:
    line_id: str
    quantity: int
    condition: str = "unopened"
    new_unit_price: Decimal | None = None  # price protection


@transaction.atomic
def open_case(
    *,
    actor: Actor,
    order: str,
    type: str,
    reason: str,
    lines: list[LineClaim],
    merchant: str | None = None,
    description: str = "",
    at: datetime | None = None,
    client: dict[str, str] | None = None,
) -> Case:
    """Open a case on lines of an order the actor may see. Each line is judged by the current
    policy (stored with its version); an ineligible line refuses the whole case with the
    decision's reasons. Approved at once where policy says so (event by `system`)."""
    require(actor, "cases.open")
    # Two cases racing for the same quantity queue on the lines' lock taken here.
    order_row, order_lines, shipments = _order_locked(actor, order, merchant)
    if not lines:
        raise InvalidInput.on_field("lines", "name at least one line")
    seen = set()
    for i, claim in enumerate(lines):
        if claim.line_id in seen:
            raise InvalidInput.on_field(f"lines[{i}].line_id", "the same line twice")
        seen.add(claim.line_id)
    policy = loading.current(order_row.merchant.settings.get("policy", loading.DEFAULT_POLICY))
    at = at or clock.now()
    histories = _histories([order_lines[c.line_id] for c in lines if c.line_id in order_lines])
    decisions, case_lines = [], []
    for i, claim in enumerate(lines):
        line = order_lines.get(claim.line_id)
        if line is None:
            raise InvalidInput.on_field(
                f"lines[{i}].line_id", f"the order has no line {claim.line_id!r}"
            )
        if claim.quantity > line.quantity:  # bad input, whatever other cases hold
            raise InvalidInput.on_field(
                f"lines[{i}].quantity",
                f"the line has {line.quantity}; {claim.quantity} cannot be claimed",
            )
        history = histories[line.pk]
        if claim.quantity > line.quantity - history.claimed_quantity:
            raise Conflict.on_field(
                f"lines[{i}].quantity",
                f"{history.claimed_quantity} of {line.quantity} already under another case",
            )
        question = EligibilityQuestion(
            order=order,
            line_id=claim.line_id,
            sku=None,
            quantity=claim.quantity,
            type=type,
            reason=reason,
            condition=claim.condition,
            at=at,
            new_unit_price=claim.new_unit_price,
        )
        if type == "price_protection" and claim.new_unit_price is None:
            raise InvalidInput.on_field(
                f"lines[{i}].new_unit_price", "price protection needs the lowered price"
            )
        facts = facts_from_stored(order_row, line, shipments)
        try:
            decision = judge_line(facts, question, policy, history=history)
        except InvalidInput as exc:  # name the line the problem belongs to
            raise InvalidInput(
                exc.detail,
                errors=[FieldError(f"lines[{i}].{e.field}", e.message) for e in exc.errors],
            ) from None
        decisions.append(decision)
        case_lines.append((line, claim, decision, facts))
    refused = [(c.line_id, d) for (_, c, d, _) in case_lines if not d.eligible]
    if refused:
        raise PolicyRefused(
            "Not eligible: "
            + "; ".join(f"line {lid}: {r.message('en')}" for lid, d in refused for r in d.reasons),
            errors=[
                FieldError(f"lines[{i}]", r.message("en"))
                for i, (_, c, d, _) in enumerate(case_lines)
                for r in d.reasons
            ],
            decisions={lid: d.as_json() for lid, d in refused},
        )
    shipped = any(facts.shipped_at for (_, _, _, facts) in case_lines)
    case = Case(
        merchant=order_row.merchant,
        buyer=order_row.buyer,
        order=order_row,
        type=type,
        reason=reason,
        description=description,
        state="requested",
        last_event_seq=1,  # the opening event's
        policy_version=policy.label,
        decision=_combine(decisions),
        currency=order_row.currency,
        facts={"shipped": shipped, "fault": reason in FAULT_REASONS},
        opened_at=at,
        updated_at=at,
    )
    # Read by `refundable` and case_out, not read back (their ids are never needed).
    case.written_lines = [
        CaseLine(
            case=case,
            merchant_id=case.merchant_id,
            order_line=line,
            quantity=claim.quantity,
            condition=claim.condition,
            decision=decision.as_json(),
            refundable_amount=decision.refundable_amount,
        )
        for line, claim, decision, _ in case_lines
    ]
    flow = flow_for(type)
    rule = _automatic_approval(case, decisions)
    opened = build_event(
        case,
        actor,
        "open",
        seq=1,
        from_state="",
        to_state="requested",
        note=description[:500],
        payload={"policy_version": case.policy_version, "lines": [c.line_id for c in lines]},
        at=at,
    )
    plan = None
    if rule:
        from aftersales.cases.services import ActionBody, plan_action

        # The automatic steps are planned on the case before anything is written (the executor
        # decides them as for any case, writing nothing), so the case goes in as they leave it:
        # its state, its events and their outbox messages, the lines' outcome, the deadlines of
        # the state it comes to rest in — one write, not the opening's and then the steps'.
        # (Nobody else sees the case before this transaction commits: no lock to take.)
        plan = plan_action(
            case,
            SYSTEM_ACTOR,
            "approve",
            ActionBody(),
            rule=rule,
            timer=None,
            at=at,
            seq=2,
            has_pending=False,
        )
        planned = plan.schedule
        if plan.lines:
            release, outcome = plan.lines
            for written in case.written_lines:
                written.outcome = outcome
                written.holds_quantity = not release
    else:
        planned = deadlines.build(case, flow, "requested", now=at)
    # Taken after the plan, as OPENED's hooks run: the automatic steps are decided without them
    # (an opening's own approval does not see its score, as before the score moved here).
    held = list(order_lines.values())
    with_case = [
        (kind, kind.rows(case, order_lines=held, shipments=shipments, client=client or {}))
        for kind in WRITTEN_WITH_CASE
    ]
    _insert(case, [opened, *(plan.events if plan else ())], planned, with_case)
    case.scheduled_deadlines = planned
    for hook in OPENED:  # reads what this function holds, writes its own rows
        hook(case, order_lines=list(order_lines.values()), shipments=shipments, client=client or {})
    if plan is not None:
        from aftersales.cases.services import CASE_FIELDS, run_after_step

        # The steps' effects in other contexts (the refund ledger's grant on `refund`), on the
        # case as written; the lines locked above, with what the ledger has refunded on each
        # (read after the lock), are not locked and summed again.
        written = {name: getattr(case, name) for name in CASE_FIELDS}
        written["facts"] = dict(case.facts)  # a hook sets top-level keys, in place or not
        case.held_lines = {
            line.pk: (line, histories[line.pk].refunded_amount)
            for line in order_lines.values()
            if line.pk in histories
        }
        try:
            run_after_step([plan])
        finally:
            del case.held_lines  # true of this transaction only
        if any(getattr(case, name) != value for name, value in written.items()):
            case.save(update_fields=CASE_FIELDS)  # a hook set a fact the case must keep
    return case


def _combine(decisions) -> dict[str, Any]:
    """One decision for the case: the lines' decisions summed where they add up."""
    first = decisions[0].as_json()
    if len(decisions) == 1:
        return first
    ends = [d.window_ends_at for d in decisions if d.window_ends_at]
    return {
        **first,
        "window_ends_at": min(ends).isoformat() if ends else None,
        "refundable_amount": f"{sum(d.refundable_amount for d in decisions):.2f}",
        "allowed_types": [
            t for t in first["allowed_types"] if all(t in d.allowed_types for d in decisions)
        ],
        "required_evidence": sorted({e for d in decisions for e in d.required_evidence}),
        "approval": "automatic"
        if all(d.approval == "automatic" for d in decisions)
        else "merchant",
    }


def _automatic_approval(case: Case, decisions) -> str:
    """The rule that approves this case without the merchant, or '' (the merchant reviews)."""
    if not all(d.approval == "automatic" for d in decisions):
        return ""
    if case.type == "refund_only":
        return "TB-01"
    return "merchant:auto_approve_no_reason"


# --- Reading the order ------------------------------------------------------------------------

# (alias, model, fields) in the order the SELECT lists them.
_ORDER_READ = (
    ("o", Order, ("id", "external_id", "merchant_id", "buyer_id", "currency", "placed_at",
                  "paid_at", "freight_insurance", "shipping_fee")),
    ("m", Merchant, ("code", "settings")),
    ("b", Buyer, ("external_id",)),
    ("l", OrderLine, ("id", "line_id", "sku", "title", "category", "quantity", "unit_price",
                      "paid_amount", "attributes", "confirmed_exclusions", "gifts")),
    ("s", Shipment, ("id", "line_ids", "shipped_at", "signed_at", "installed_at")),
)  # fmt: skip
_ORDER_SQL = """
SELECT {columns}
FROM orders_order o
JOIN accounts_merchant m ON m.id = o.merchant_id
JOIN accounts_buyer b ON b.id = o.buyer_id
JOIN orders_orderline l ON l.order_id = o.id
LEFT JOIN orders_shipment s ON s.order_id = o.id
WHERE o.external_id = %s{scope}
ORDER BY o.id, l.position, l.id, s.seq
{lock}"""
_converters: WeakKeyDictionary = WeakKeyDictionary()  # per connection: the fields' converters


def _row_converters() -> list[tuple[Any, list]]:
    """(column, converters) per selected column: what the ORM applies to the same column."""
    wrapper = connections[DEFAULT_DB_ALIAS]  # this thread's connection, not the proxy
    found = _converters.get(wrapper)
    if found is None:
        found = []
        for alias, model, names in _ORDER_READ:
            for name in names:
                column = model._meta.get_field(name).get_col(alias)
                fns = connection.ops.get_db_converters(column)
                found.append((column, fns + column.field.get_db_converters(connection)))
        _converters[wrapper] = found
    return found


def _scope(actor: Actor) -> tuple[str, list[Any]] | None:
    """orders.selectors.orders_visible_to, as SQL: platform roles see all, merchants their own,
    buyers the orders they placed; None: nothing."""
    require(actor, "orders.view")
    if actor.is_platform:
        return "", []
    if actor.is_merchant_side and actor.merchant_id is not None:
        return " AND o.merchant_id = %s", [actor.merchant_id]
    if actor.is_buyer and actor.buyer_id is not None:
        return " AND o.buyer_id = %s", [actor.buyer_id]
    return None


def _order_locked(
    actor: Actor, external_id: str, merchant_code: str | None
) -> tuple[Order, dict[str, OrderLine], list[Shipment]]:
    """The order (with its merchant and buyer), its lines by line_id, locked, and its shipments.
    Not found, or ambiguous across merchants, as orders.selectors.order_for says."""
    scope = _scope(actor)
    if scope is None:
        raise NotFound(f"No order {external_id!r}.")
    where, params = scope
    if merchant_code is not None:
        where += " AND m.code = %s"
        params = [*params, merchant_code]
    lock = ""
    if connection.features.has_select_for_update_of:
        lock = "FOR UPDATE OF l"  # the lines only: not the order, merchant or buyer rows
    converters = _row_converters()
    columns = ", ".join(f"{c.alias}.{c.target.column}" for c, _ in converters)
    sql = _ORDER_SQL.format(columns=columns, scope=where, lock=lock)
    # Prepared (core/prepared.py): planning this five-table join cost more than running it.
    with prepared.cursor() as cursor:
        cursor.execute(sql, [external_id, *params])
        rows = cursor.fetchall()
    if not rows:
        # Not found (or an order without lines): the ORM's answer, on this rare path only.
        from aftersales.orders.selectors import order_for

        found = order_for(actor, external_id, merchant_code, prefetch=("shipments",))
        return found, {}, list(found.shipments.all())
    if len({row[0] for row in rows}) > 1:
        raise InvalidInput.on_field(
            "merchant",
            f"order {external_id!r} exists for several merchants; pass ?merchant=CODE",
        )
    order_row = None
    lines: dict[str, OrderLine] = {}
    shipments: dict[int, Shipment] = {}
    for raw in rows:
        values = []
        for value, (column, fns) in zip(raw, converters, strict=True):
            for fn in fns:
                value = fn(value, column, connection)
            values.append(value)
        parts = _split(values)
        if order_row is None:
            order_row = _instance(Order, parts["o"])
            order_row.merchant = _instance(Merchant, {"id": order_row.merchant_id, **parts["m"]})
            order_row.buyer = _instance(Buyer, {"id": order_row.buyer_id, **parts["b"]})
        line = parts["l"]
        if line["line_id"] not in lines:
            lines[line["line_id"]] = _instance(
                OrderLine, {**line, "order_id": order_row.pk, "merchant_id": order_row.merchant_id}
            )
        shipment = parts["s"]
        if shipment["id"] is not None and shipment["id"] not in shipments:
            shipments[shipment["id"]] = _instance(Shipment, {**shipment, "order_id": order_row.pk})
    return order_row, lines, list(shipments.values())


def _split(values: list[Any]) -> dict[str, dict[str, Any]]:
    out, it = {}, iter(values)
    for alias, _, names in _ORDER_READ:
        out[alias] = {name: next(it) for name in names}
    return out


def _instance(model, values: dict[str, Any]):
    """A model instance as the ORM builds it from a row: the fields not read are deferred (read
    on first use), not defaults."""
    fields = model._meta.concrete_fields
    names = [f.attname for f in fields if f.attname in values]
    return model.from_db(connection.alias, names, [values[n] for n in names])


def _histories(lines: list[OrderLine]) -> dict[int, History]:
    """What earlier cases hold on each of these order lines (by pk): quantity still claimed,
    amount refunded. One grouped query, run after the lines' lock was taken."""
    found = {}
    if lines:
        marks = ", ".join(["%s"] * len(lines))
        states = ", ".join(["%s"] * len(COUNTING))
        with prepared.cursor() as cursor:  # a text per number of lines claimed
            cursor.execute(
                # Only placeholders are formatted in.
                # Refunded: what the ledger counts on the line (every refund that did not fail),
                # as refunds.services.refunded_on_lines does, not the cases' granted totals.
                "SELECT cl.order_line_id,"  # noqa: S608
                " SUM(CASE WHEN cl.holds_quantity THEN cl.quantity END),"
                " (SELECT SUM(rl.amount) FROM refunds_refundline rl"
                "  JOIN refunds_refund r ON r.id = rl.refund_id"
                f"  WHERE rl.order_line_id = cl.order_line_id AND r.state IN ({states}))"
                " FROM cases_caseline cl"
                f" WHERE cl.order_line_id IN ({marks}) GROUP BY cl.order_line_id",
                [*COUNTING, *(ln.pk for ln in lines)],
            )
            found = {pk: (claimed, refunded) for pk, claimed, refunded in cursor.fetchall()}
    out = {}
    for line in lines:
        claimed, refunded = found.get(line.pk, (None, None))
        out[line.pk] = History(
            claimed_quantity=int(claimed or 0),
            # SQLite sums the stored text as a float: back to cents, as the ORM's converter does.
            refunded_amount=_money(refunded) if refunded is not None else Decimal("0.00"),
        )
    return out


def _money(value: Any) -> Decimal:
    if isinstance(value, float):
        value = Decimal(repr(value))
    return Decimal(value).quantize(Decimal("0.01"))


# --- Writing the case ---------------------------------------------------------------------------

# Field names, in the INSERTs' column order: the values that vary. A child row (line, event,
# deadline, outbox message) starts with the new case's id and merchant.
_CASE_COLUMNS = (
    "merchant", "buyer", "order", "type", "reason", "description", "policy_version", "decision",
    "facts", "currency", "opened_at", "updated_at", "state", "version", "last_event_seq",
    "refund_amount", "closed_at",
)  # fmt: skip
_LINE_COLUMNS = (
    "order_line", "quantity", "condition", "decision", "refundable_amount", "holds_quantity",
    "outcome",
)  # fmt: skip
_EVENT_COLUMNS = (
    "seq", "at", "actor_kind", "actor_role", "actor_label", "actor_user_id", "action",
    "from_state", "to_state", "note", "rule", "payload",
)  # fmt: skip
_DEADLINE_COLUMNS = (
    "kind", "due_at", "action", "guard_state", "rule", "reminder", "created_at",
)  # fmt: skip
_OUTBOX_COLUMNS = ("message_id", "topic", "version", "payload", "buyer_id", "created_at")
# What every opening writes alike, as SQL literals (both databases read NULL).
_DEADLINE_FIXED = {"fired_at": "NULL", "cancelled_at": "NULL", "attempts": "0", "last_error": "''"}

# Fields whose values the backend adapts (JSON wrapped, datetimes made naive UTC on SQLite, …);
# the others (text, integers, booleans, ids) go to the driver as they are.
_ADAPTED = frozenset({"JSONField", "DateTimeField", "DecimalField"})


@cache
def _fields(model, names: tuple[str, ...]) -> tuple[tuple[Any, bool], ...]:
    fields = (model._meta.get_field(name) for name in names)
    return tuple((f, f.get_internal_type() in _ADAPTED) for f in fields)


def _prepared(model, names: tuple[str, ...], instance) -> list[Any]:
    """The values as the ORM would send them: the field's own get_db_prep_save where the
    backend adapts the type."""
    return [
        f.get_db_prep_save(getattr(instance, f.attname), connection)
        if adapted
        else getattr(instance, f.attname)
        for f, adapted in _fields(model, names)
    ]


def _insert_sql(model, names: tuple[str, ...], fixed: dict[str, str], rows: int, lead=()) -> str:
    """INSERT of `rows` rows into `model`'s table: the `lead` columns (case_id, merchant_id)
    given as SQL, then `names` as parameters, then the `fixed` literals."""
    columns = [c for c, _ in lead]
    columns += [f.column for f, _ in _fields(model, names)] + list(fixed)
    row = [sql for _, sql in lead] + ["%s"] * len(names) + list(fixed.values())
    values = ", ".join(["(" + ", ".join(row) + ")"] * rows)
    return f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) VALUES {values}"  # noqa: S608


# PostgreSQL: each child table's rows travel as ONE jsonb parameter, read back with
# `jsonb_to_recordset` (as core.bulksql does): the statement's text is the same whatever the
# number of lines, events and deadlines, and it has few parameters, so psycopg converts it once
# and caches it, where a VALUES list per row count re-parsed a long query on every call.
_LEAD = "new_case.id, new_case.merchant_id"


def _recordset(model, names: tuple[str, ...]) -> tuple[str, str]:
    """(the columns' list, `v(column type, …)`) of `names` in `model`'s table."""
    fields = [f for f, _ in _fields(model, names)]
    types = ", ".join(
        f"{f.column} {f.rel_db_type(connection) if f.is_relation else f.db_type(connection)}"
        for f in fields
    )
    return ", ".join(f"v.{f.column}" for f in fields), f"v({types})"


def _with_case_sql(kind: WrittenWithCase, n: int) -> str:
    """The sub-statement writing `kind`'s rows, read from one jsonb parameter; names quoted (a
    column may be a keyword: `trigger`, `at`)."""
    q = connection.ops.quote_name
    fields = [f for f, _ in _fields(kind.model, kind.fields)]
    lead = [q(kind.model._meta.get_field(name).column) for name in kind.case_fields]
    types = ", ".join(
        f"{q(f.column)} {f.rel_db_type(connection) if f.is_relation else f.db_type(connection)}"
        for f in fields
    )
    columns = ", ".join([*lead, *(q(f.column) for f in fields)])
    values = ", ".join(["new_case.id"] * len(lead) + [f"v.{q(f.column)}" for f in fields])
    return (
        f"r{n} AS (INSERT INTO {q(kind.model._meta.db_table)} ({columns})"  # noqa: S608
        f" SELECT {values} FROM new_case, jsonb_to_recordset(%s::jsonb) AS v({types}))"
    )


@cache
def _pg_sql(with_case: tuple[WrittenWithCase, ...] = ()) -> str:
    from aftersales.notify.models import OutboxMessage

    case_sql = _insert_sql(Case, _CASE_COLUMNS, {}, 1)
    parts = [f"new_case AS ({case_sql} RETURNING id, merchant_id, type)"]
    children = (
        (CaseLine, _LINE_COLUMNS, "case_id, merchant_id", _LEAD, {}),
        (CaseEvent, _EVENT_COLUMNS, "case_id, merchant_id", _LEAD, {}),
        # A deadline carries its case's type (the desk queues filter on it).
        (
            Deadline,
            _DEADLINE_COLUMNS,
            "case_id, merchant_id, case_type",
            _LEAD + ", new_case.type",
            _DEADLINE_FIXED,
        ),
    )
    for n, (model, names, lead, lead_sql, fixed) in enumerate(children):
        values, recordset = _recordset(model, names)
        columns = ", ".join([lead, *(f.column for f, _ in _fields(model, names)), *fixed])
        parts.append(
            f"w{n} AS (INSERT INTO {model._meta.db_table} ({columns})"  # noqa: S608
            f" SELECT {', '.join([lead_sql, values, *fixed.values()])}"
            f" FROM new_case, jsonb_to_recordset(%s::jsonb) AS {recordset})"
        )
    # The events' outbox messages (announce.py), naming the case by the id it has just got.
    values, recordset = _recordset(OutboxMessage, _OUTBOX_COLUMNS)
    values = values.replace("v.payload", "v.payload || jsonb_build_object('case_id', new_case.id)")
    columns = ", ".join(f.column for f, _ in _fields(OutboxMessage, _OUTBOX_COLUMNS))
    parts.append(
        f"outbox AS (INSERT INTO {OutboxMessage._meta.db_table}"  # noqa: S608
        f" (merchant_id, subject, {columns}, sent_at, attempts, last_error)"
        f" SELECT new_case.merchant_id, 'case:' || new_case.id, {values}, NULL, 0, ''"
        f" FROM new_case, jsonb_to_recordset(%s::jsonb) AS {recordset})"
    )
    parts += [_with_case_sql(kind, n) for n, kind in enumerate(with_case)]
    return "WITH " + ", ".join(parts) + " SELECT id FROM new_case"  # noqa: S608


def _as_json(model, names: tuple[str, ...], objs) -> str:
    fields = [f for f, _ in _fields(model, names)]
    return json.dumps(
        [{f.column: getattr(obj, f.attname) for f in fields} for obj in objs],
        default=_json_value,
    )


def _json_value(value: Any) -> str:
    # Aware datetimes keep their offset (timestamptz reads it); money keeps its two places.
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not a column value")


def _insert(
    case: Case,
    events: list[CaseEvent],
    planned: list[Deadline],
    with_case: list[tuple[WrittenWithCase, list]] = (),
) -> None:
    """Write the case as it stands, its lines, its `events` (the opening's, then any automatic
    steps'), their outbox messages, the `planned` deadlines and the rows `with_case`; leaves the
    case as saved (its pk set) and the rows with its id (not their own: never read back)."""
    from aftersales.cases.announce import message_for
    from aftersales.notify.models import OutboxMessage
    from aftersales.notify.outbox import rows_of

    case_values = _prepared(Case, _CASE_COLUMNS, case)
    if connection.vendor == "postgresql":
        # The messages are built before the case has its id: the statement writes the id into
        # each payload and subject.
        case._announce_refs = (case.merchant.code, case.order.external_id)
        messages = [m for event in events if (m := message_for(case, event)) is not None]
        outbox = [SimpleNamespace(**row) for row in rows_of(messages)]
        with prepared.cursor() as cursor:  # one text whatever the rows: prepared once
            # One round trip: every sub-statement of a WITH runs, the children reading the new
            # case's id and merchant from the first.
            cursor.execute(
                _pg_sql(tuple(kind for kind, _ in with_case)),
                [
                    *case_values,
                    _as_json(CaseLine, _LINE_COLUMNS, case.written_lines),
                    _as_json(CaseEvent, _EVENT_COLUMNS, events),
                    _as_json(Deadline, _DEADLINE_COLUMNS, planned),
                    _as_json(OutboxMessage, _OUTBOX_COLUMNS, outbox),
                    *(_as_json(kind.model, kind.fields, rows) for kind, rows in with_case),
                ],
            )
            case.pk = cursor.fetchone()[0]
        _give_case_id(case, with_case)
    else:
        children = [
            (model, names, fixed, [_prepared(model, names, obj) for obj in objs])
            for model, names, fixed, objs in (
                (CaseLine, _LINE_COLUMNS, {}, case.written_lines),
                (CaseEvent, _EVENT_COLUMNS, {}, events),
                (Deadline, _DEADLINE_COLUMNS, _DEADLINE_FIXED, planned),
            )
            if objs
        ]
        with connection.cursor() as cursor:
            cursor.execute(_insert_sql(Case, _CASE_COLUMNS, {}, 1) + " RETURNING id", case_values)
            case.pk = cursor.fetchone()[0]
            parent = (("case_id", "%s"), ("merchant_id", "%s"))
            typed = (*parent, ("case_type", "%s"))
            for model, names, fixed, rows in children:
                if model is Deadline:
                    sql = _insert_sql(model, names, fixed, len(rows), typed)
                    lead = [case.pk, case.merchant_id, case.type]
                else:
                    sql = _insert_sql(model, names, fixed, len(rows), parent)
                    lead = [case.pk, case.merchant_id]
                cursor.execute(sql, [v for row in rows for v in [*lead, *row]])
            # Their own INSERT each, right after the case's rows, as their hooks' writes were.
            _give_case_id(case, with_case)
            for kind, rows in with_case:
                if rows:
                    names = (*kind.case_fields, *kind.fields)
                    cursor.execute(
                        _plain_insert_sql(kind.model, names, len(rows)),
                        [v for obj in rows for v in _prepared(kind.model, names, obj)],
                    )
    case._state.adding = False
    case._state.db = connection.alias
    for obj in [*case.written_lines, *events, *planned]:
        obj.case_id = case.pk
    if connection.vendor != "postgresql":
        # The outbox messages of the events, in the same transaction.
        announce_many([(case, event) for event in events])


def _give_case_id(case: Case, with_case: list[tuple[WrittenWithCase, list]]) -> None:
    for kind, rows in with_case:
        names = [kind.model._meta.get_field(name).attname for name in kind.case_fields]
        for obj in rows:
            for name in names:
                setattr(obj, name, case.pk)


def _plain_insert_sql(model, names: tuple[str, ...], rows: int) -> str:
    q = connection.ops.quote_name
    columns = ", ".join(q(f.column) for f, _ in _fields(model, names))
    values = ", ".join(["(" + ", ".join(["%s"] * len(names)) + ")"] * rows)
    return f"INSERT INTO {q(model._meta.db_table)} ({columns}) VALUES {values}"  # noqa: S608
