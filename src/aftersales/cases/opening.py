"""Opening a case (`open_case`, re-exported by services): the API's hottest write, so its reads
and writes are a few hand-written statements rather than the ORM's ten or more.

What it runs, in the caller's transaction: one read of the order with its merchant, buyer,
shipments and lines, the lines locked (`FOR UPDATE OF` the lines on PostgreSQL; SQLite's write
lock is the whole database); one grouped read of what earlier cases hold on those lines, after
the lock, so two cases racing for the same quantity see each other; then the case, its lines,
the opening event and the deadlines — one statement on PostgreSQL (data-modifying CTEs), four on
SQLite. An automatic approval then runs through the executor as any other step does.

The values go in through the backend's own adapters and come back through the model fields'
own converters, so the rows are what the ORM would have written and read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
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
from aftersales.core import clock
from aftersales.core.errors import Conflict, FieldError, InvalidInput, NotFound, PolicyRefused
from aftersales.orders.models import Order, OrderLine, Shipment
from aftersales.policy import loading
from aftersales.policy.decide import FAULT_REASONS, History
from aftersales.policy.facts import facts_from_stored
from aftersales.policy.services import EligibilityQuestion, judge_line
from aftersales.refunds.models import COUNTING

# Called with (case, order_lines=, shipments=, client=) once the case and its lines are written,
# before an automatic approval, in the opening's transaction; the contexts above cases register
# here from their AppConfig.ready() (risk scores every case as it opens). Cheap by contract: a
# hook reads in bulk and writes its own rows, a statement or two, never the case's.
OPENED: list[Callable[..., None]] = []


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
    # An automatically approved case has no deadlines yet: only the state it comes to rest in
    # schedules any (the executor's step below).
    planned = [] if rule else deadlines.build(case, flow, "requested", now=at)
    _insert(case, actor, planned, note=description[:500], claimed=[c.line_id for c in lines])
    for hook in OPENED:  # risk scoring: reads what this function holds, writes its own rows
        hook(case, order_lines=list(order_lines.values()), shipments=shipments, client=client or {})
    if rule:
        from aftersales.cases.services import ActionBody, _act_locked

        # The caller gets the case as the automatic steps left it. The case was created in this
        # transaction (nobody else sees it: no lock to take).
        return _act_locked(
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
    case.scheduled_deadlines = planned
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
    with connection.cursor() as cursor:
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
        with connection.cursor() as cursor:
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

# Field names, in the INSERTs' column order: the values that vary, sent as parameters. A child
# row (line, event, deadline) starts with the new case's id and merchant.
_CASE_COLUMNS = (
    "merchant", "buyer", "order", "type", "reason", "description", "policy_version", "decision",
    "facts", "currency", "opened_at", "updated_at",
)  # fmt: skip
_LINE_COLUMNS = ("order_line", "quantity", "condition", "decision", "refundable_amount")
_EVENT_COLUMNS = (
    "at", "actor_kind", "actor_role", "actor_label", "actor_user_id", "note", "payload",
)  # fmt: skip
_DEADLINE_COLUMNS = (
    "kind", "due_at", "action", "guard_state", "rule", "reminder", "created_at",
)  # fmt: skip
# What every opening writes alike, as SQL literals (both databases read TRUE and NULL): fewer
# parameters keep the statement within psycopg's cache of parsed queries (at most 50).
_CASE_FIXED = {
    "state": "'requested'", "version": "1", "last_event_seq": "1",  # the opening event's seq
    "refund_amount": "NULL", "closed_at": "NULL",
}  # fmt: skip
_LINE_FIXED = {"holds_quantity": "TRUE", "outcome": "''"}
_EVENT_FIXED = {
    "seq": "1", "action": "'open'", "from_state": "''", "to_state": "'requested'", "rule": "''",
}  # fmt: skip
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


def _insert(case: Case, actor: Actor, planned: list, *, note: str, claimed: list[str]) -> None:
    """Write the case, its lines, its opening event and its `planned` deadlines; leaves the
    case as saved (its pk set)."""
    event = build_event(
        case,
        actor,
        "open",
        seq=1,
        from_state="",
        to_state="requested",
        note=note,
        payload={"policy_version": case.policy_version, "lines": claimed},
        at=case.opened_at,
    )
    children = [
        (model, names, fixed, [_prepared(model, names, obj) for obj in objs])
        for model, names, fixed, objs in (
            (CaseLine, _LINE_COLUMNS, _LINE_FIXED, case.written_lines),
            (CaseEvent, _EVENT_COLUMNS, _EVENT_FIXED, [event]),
            (Deadline, _DEADLINE_COLUMNS, _DEADLINE_FIXED, planned),
        )
        if objs
    ]
    case_sql = _insert_sql(Case, _CASE_COLUMNS, _CASE_FIXED, 1)
    case_values = _prepared(Case, _CASE_COLUMNS, case)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One round trip: every sub-statement of a WITH runs, the children reading the new
            # case's id and merchant from the first.
            parent = (
                ("case_id", "(SELECT id FROM new_case)"),
                ("merchant_id", "(SELECT merchant_id FROM new_case)"),
            )
            # A deadline carries its case's type (the desk queues filter on it).
            typed = (*parent, ("case_type", "(SELECT type FROM new_case)"))
            parts = [f"new_case AS ({case_sql} RETURNING id, merchant_id, type)"]
            params = list(case_values)
            for n, (model, names, fixed, rows) in enumerate(children):
                lead = typed if model is Deadline else parent
                parts.append(f"w{n} AS ({_insert_sql(model, names, fixed, len(rows), lead)})")
                params += [v for row in rows for v in row]
            sql = "WITH " + ", ".join(parts) + " SELECT id FROM new_case"  # noqa: S608
            cursor.execute(sql, params)
            case.pk = cursor.fetchone()[0]
        else:
            cursor.execute(case_sql + " RETURNING id", case_values)
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
    case._state.adding = False
    case._state.db = connection.alias
    for obj in [*case.written_lines, event, *planned]:
        obj.case_id = case.pk
    # The outbox message of the opening event (case.created), in the same transaction.
    announce_many([(case, event)])
