"""Cases opened and moved through the real services: `opened_case` opens one on a fresh order;
`case_in(state)` opens one and walks it there, each step taken by the party the flow names."""

from __future__ import annotations

import itertools
from copy import copy
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from aftersales.accounts.actors import MERCHANT_INTEGRATION, SYSTEM_ACTOR, Actor
from aftersales.accounts.models import Merchant, Role
from aftersales.cases import services
from aftersales.cases.models import Case
from aftersales.cases.services import ActionBody, LineClaim
from aftersales.core import clock
from aftersales.orders.services import upsert_order
from tests import factories
from tests.orders.factories import order_json
from tests.refunds.factories import record_drop

_seq = itertools.count(1)

SHIPPED = {"carrier": "sf", "tracking_no": "SF0000000001"}

# The steps from `requested` to each state, by type: (action, party, body fields).
_PATHS: dict[str, dict[str, list[tuple[str, str, dict[str, Any]]]]] = {}
_APPROVE = ("approve", "merchant", {})
_REJECT = ("reject", "merchant", {"reason": "影响二次销售"})
_SHIP_RETURN = ("ship_return", "buyer", SHIPPED)
_RECEIVE = ("confirm_receipt", "merchant", {})
_INSPECT = ("inspect", "merchant", {"result": "pass"})
_SHIP_REPLACEMENT = (
    "ship_replacement",
    "merchant",
    {"carrier": "sf", "tracking_no": "SF0000000002"},
)
for _type in ("refund_only", "return_refund", "exchange", "repair", "reissue", "price_protection"):
    _PATHS[_type] = {
        "requested": [],
        "approved": [_APPROVE],
        "rejected": [_REJECT],
        "platform_review": [_REJECT, ("appeal", "buyer", {"reason": "商品有问题"})],
    }
for _type in ("return_refund", "exchange", "repair"):
    _PATHS[_type] |= {
        "return_shipped": [_APPROVE, _SHIP_RETURN],
        "return_received": [_APPROVE, _SHIP_RETURN, _RECEIVE],
    }
_PATHS["return_refund"]["inspected"] = [_APPROVE, _SHIP_RETURN, _RECEIVE, _INSPECT]
_PATHS["exchange"] |= {
    "inspected": [_APPROVE, _SHIP_RETURN, _RECEIVE, _INSPECT],
    "replacement_shipped": [_APPROVE, _SHIP_RETURN, _RECEIVE, _INSPECT, _SHIP_REPLACEMENT],
}
_PATHS["reissue"]["replacement_shipped"] = [_APPROVE, _SHIP_REPLACEMENT]


def merchant_actor(merchant: Merchant) -> Actor:
    """The merchant's integration, as its API token would act."""
    return Actor(
        kind="token",
        role=MERCHANT_INTEGRATION,
        label=f"{merchant.code} integration",
        merchant_id=merchant.pk,
    )


def buyer_actor(case: Case) -> Actor:
    return Actor(kind="user", role=Role.BUYER, label=case.buyer.external_id, buyer_id=case.buyer_id)


def actor_of(case: Case, party: str) -> Actor:
    return {"merchant": merchant_actor(case.merchant), "buyer": buyer_actor(case)}.get(
        party, SYSTEM_ACTOR
    )


def order_for_case(merchant: Merchant, *, shipped: bool = True, **overrides: Any):
    """A paid order of one 60.00 line, placed three days ago, shipped two days ago and signed
    for yesterday (or not shipped at all), relative to the clock so tests can travel."""
    now = clock.now()
    at = {k: (now - timedelta(days=d)).isoformat() for k, d in (("placed", 3), ("paid", 3))}
    data = order_json(
        merchant=merchant.code,
        buyer={**order_json()["buyer"], "external_id": f"b-case-{next(_seq)}"},
        placed_at=at["placed"],
        paid_at=at["paid"],
        payments=[{"method": "card", "amount": "60.00", "paid_at": at["paid"]}],
        shipments=[
            {
                "carrier": "sf",
                "tracking_no": "SF1234567890",
                "line_ids": ["1"],
                "shipped_at": (now - timedelta(days=2)).isoformat(),
                "signed_at": (now - timedelta(days=1)).isoformat(),
                "installed_at": None,
            }
        ]
        if shipped
        else [],
    )
    data.update(overrides)
    order, _ = upsert_order(actor=SYSTEM_ACTOR, data=data)
    for line in order.lines.all():  # a price-protection claim is paid against a recorded drop
        record_drop(merchant.pk, line.sku)
    return order


def lowered_price(type_: str) -> Decimal | None:
    """A price-protection claim names the lowered price; other types name none."""
    return Decimal("49.00") if type_ == "price_protection" else None


def opened_case(
    type: str = "return_refund",
    *,
    reason: str = "no_reason",
    merchant: Merchant | None = None,
    shipped: bool = True,
    condition: str = "unopened",
    **order_overrides: Any,
) -> Case:
    """A case just opened by the system on a fresh order of `merchant` (a new one by default)."""
    merchant = merchant or factories.merchant()
    order = order_for_case(merchant, shipped=shipped, **order_overrides)
    return services.open_case(
        actor=SYSTEM_ACTOR,
        order=order.external_id,
        merchant=merchant.code,
        type=type,
        reason=reason,
        lines=[LineClaim("1", 1, condition, new_unit_price=lowered_price(type))],
    )


def case_in(state: str, type: str = "return_refund", **options: Any) -> Case:
    """A case of `type` opened and walked to `state` through the real actions."""
    try:
        steps = _PATHS[type][state]
    except KeyError:
        raise ValueError(f"no path to {state!r} for {type!r} in tests/cases/factories.py") from None
    case = opened_case(type, **options)
    for action, party, fields in steps:
        case = services.act(
            case=case, actor=actor_of(case, party), action=action, body=ActionBody(**fields)
        )
    assert case.state == state, f"walked to {case.state!r}, not {state!r}"
    return case


def bulk_due_deadlines(
    n: int,
    *,
    type: str = "refund_only",
    merchants: int = 1,
    due_before: datetime | None = None,
    state: str = "requested",
    action: str = "approve",
    kind: str = "merchant_review",
    rule: str = "TB-02",
    reminder: bool = False,
) -> list[int]:
    """For load: `n` cases of `type` waiting in `state` (default `requested`) with a deadline
    already past (default their review deadline: approve, TB-02), written straight to the ORM
    in bulk — no services, so thousands take a second. `reminder`: the due rows are the
    reminders of that deadline, which itself is a day away. Spread round-robin over `merchants`
    merchants, one order each. Returns the due rows' ids, in due order (contiguous)."""
    from aftersales.cases.models import CaseLine, Deadline
    from aftersales.policy import loading

    due_before = due_before or clock.now()
    label = loading.current().label
    templates = []
    for _ in range(merchants):
        merchant = factories.merchant()
        templates.append((merchant, order_for_case(merchant)))
    # Each case on its own order (copies of its merchant's): the ledger refunds a line once.
    shops = _copies([templates[i % merchants] for i in range(n)])
    cases = Case.objects.bulk_create(
        Case(
            merchant=merchant,
            buyer_id=order.buyer_id,
            order=order,
            type=type,
            reason="no_reason",
            state=state,
            policy_version=label,
            decision={"approval": "merchant"},
            facts={"shipped": True, "fault": False},
            currency="CNY",
        )
        for merchant, order, _ in shops
    )
    CaseLine.objects.bulk_create(
        CaseLine(
            case=case,
            merchant_id=case.merchant_id,
            order_line=line,
            quantity=1,
            decision={},
            refundable_amount=line.paid_amount,
        )
        for case, (_, _, line) in zip(cases, shops, strict=True)
    )
    deadlines = Deadline.objects.bulk_create(
        Deadline(
            case=case,
            merchant_id=case.merchant_id,
            case_type=case.type,
            kind=kind,
            due_at=due_before - timedelta(seconds=n - i),
            action="remind" if reminder else action,
            guard_state=state,
            rule=rule,
            reminder=reminder,
        )
        for i, case in enumerate(cases)
    )
    if reminder:
        Deadline.objects.bulk_create(
            Deadline(
                case=case,
                merchant_id=case.merchant_id,
                kind=kind,
                due_at=due_before + timedelta(days=1),
                action=action,
                guard_state=state,
                rule=rule,
            )
            for case in cases
        )
    return [d.pk for d in deadlines]


def _copies(templates: list[tuple[Merchant, Any]]) -> list[tuple[Merchant, Any, Any]]:
    """(merchant, order, its line) for each (merchant, template order): a copy of the order, its
    line, payments and shipments, written in bulk."""
    from aftersales.orders.models import Order, OrderLine, Payment, Shipment

    lines = {o.pk: list(o.lines.all()) for _, o in templates}
    payments = {o.pk: list(o.payments.all()) for _, o in templates}
    shipments = {o.pk: list(o.shipments.all()) for _, o in templates}
    orders = []
    for i, (_, template) in enumerate(templates):
        order = copy(template)
        order.pk, order.external_id = None, f"{template.external_id}-{next(_seq)}-{i}"
        orders.append(order)
    Order.objects.bulk_create(orders)
    out, new_lines, rest = [], [], []
    for (merchant, template), order in zip(templates, orders, strict=True):
        for row in lines[template.pk]:
            line = copy(row)
            line.pk, line.order = None, order
            new_lines.append(line)
        out.append((merchant, order, new_lines[-1]))
        for row in (*payments[template.pk], *shipments[template.pk]):
            other = copy(row)
            other.pk, other.order = None, order
            rest.append(other)
    OrderLine.objects.bulk_create(new_lines)
    Payment.objects.bulk_create([r for r in rest if isinstance(r, Payment)])
    Shipment.objects.bulk_create([r for r in rest if isinstance(r, Shipment)])
    return out
