"""Small builders of a buyer's and a merchant's history, written as rows (no flows walked):
credit reads history, so tests state exactly the history a rule is about."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import Decimal

from aftersales.cases.models import Case, CaseEvent, CaseLine
from aftersales.core import clock
from aftersales.orders.models import Order, OrderLine
from aftersales.refunds.models import Refund
from aftersales.returns.models import Inspection

_seq = itertools.count(1)


def days_ago(n: float) -> datetime:
    return clock.now() - timedelta(days=n)


def order(
    merchant,
    buyer,
    *,
    amount: str = "100.00",
    at: datetime | None = None,
    category: str = "apparel",
) -> Order:
    at = at or days_ago(10)
    n = next(_seq)
    o = Order.objects.create(
        merchant=merchant,
        external_id=f"o-{n}",
        buyer=buyer,
        currency="CNY",
        placed_at=at,
        paid_at=at,
    )
    OrderLine.objects.create(
        order=o,
        merchant=merchant,
        line_id="1",
        sku=f"sku-{n}",
        title="商品",
        category=category,
        quantity=1,
        unit_price=Decimal(amount),
        paid_amount=Decimal(amount),
    )
    return o


def case(
    o: Order,
    *,
    type: str = "return_refund",
    reason: str = "no_reason",
    state: str = "requested",
    at: datetime | None = None,
    closed_at: datetime | None = None,
) -> Case:
    at = at or o.placed_at + timedelta(days=1)
    c = Case.objects.create(
        merchant=o.merchant,
        buyer=o.buyer,
        order=o,
        type=type,
        reason=reason,
        state=state,
        policy_version="test",
        decision={},
        currency="CNY",
        opened_at=at,
        updated_at=at,
        closed_at=closed_at,
    )
    CaseLine.objects.create(
        case=c,
        merchant=o.merchant,
        order_line=o.lines.get(),
        quantity=1,
        decision={},
        refundable_amount=o.lines.get().paid_amount,
    )
    return c


def event(
    c: Case,
    action: str,
    *,
    at: datetime | None = None,
    role: str = "merchant_staff",
    payload: dict | None = None,
    to_state: str = "",
) -> CaseEvent:
    c.last_event_seq += 1
    Case.objects.filter(pk=c.pk).update(last_event_seq=c.last_event_seq)
    return CaseEvent.objects.create(
        case=c,
        merchant_id=c.merchant_id,
        seq=c.last_event_seq,
        at=at or c.opened_at,
        actor_kind="user",
        actor_role=role,
        actor_label=role,
        action=action,
        from_state=c.state,
        to_state=to_state or c.state,
        payload=payload or {},
    )


def refund(
    c: Case,
    amount: str,
    *,
    state: str = "succeeded",
    at: datetime | None = None,
    lines: bool = False,
) -> Refund:
    r = _refund(c, amount, state=state, at=at)
    if lines:
        from aftersales.refunds.models import RefundLine

        RefundLine.objects.create(
            refund=r,
            merchant=c.merchant,
            kind="goods",
            order_line=c.lines.get().order_line,
            gross=r.amount,
            amount=r.amount,
        )
    return r


def _refund(c: Case, amount: str, *, state: str, at: datetime | None) -> Refund:
    return Refund.objects.create(
        merchant=c.merchant,
        case=c,
        order=c.order,
        payment=_payment(c.order),
        amount=Decimal(amount),
        currency="CNY",
        method="card",
        state=state,
        idempotency_key=f"k-{next(_seq)}",
        provider="fake",
        requested_at=at or c.opened_at,
    )


def _payment(o: Order):
    from aftersales.orders.models import Payment

    p = o.payments.first()
    if p is None:
        p = Payment.objects.create(
            order=o,
            merchant=o.merchant,
            seq=1,
            method="card",
            amount=o.lines.get().paid_amount,
            paid_at=o.paid_at,
        )
    return p


def inspection(c: Case, result: str = "fail", *, at: datetime | None = None) -> Inspection:
    return Inspection.objects.create(
        case=c,
        case_line=c.lines.get(),
        merchant=c.merchant,
        result=result,
        reason="not the item sent" if result == "fail" else "",
        grade="damaged",
        disposition="return_to_buyer",
        inspected_by="qa",
        inspected_at=at or c.opened_at,
    )
