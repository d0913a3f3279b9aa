"""For the risk tests: a buyer with a history (orders placed long enough ago to be trusted),
and the latest score of a case."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal
from typing import Any

from aftersales.accounts.actors import Actor
from aftersales.core import clock
from aftersales.risk.models import Assessment
from tests.cases import builders as b
from tests.orders.factories import line_json, order_json

_seq = itertools.count(1)


def past_order(s: b.Shop, buyer: str, *, days_ago: int, **line: Any) -> dict[str, Any]:
    """An order of `buyer` placed `days_ago` days ago, delivered two days later."""
    now = clock.now()
    at = (now - timedelta(days=days_ago)).isoformat()
    signed = (now - timedelta(days=days_ago - 2)).isoformat()
    lines = [line_json("1", **line)]
    total = sum((int(ln["quantity"]) * Decimal(ln["unit_price"]) for ln in lines), Decimal(0))
    data = order_json(
        f"RK{next(_seq):08d}",
        merchant=s.code,
        buyer={**order_json()["buyer"], "external_id": buyer},
        placed_at=at,
        paid_at=at,
        lines=lines,
        payments=[{"method": "card", "amount": f"{total:.2f}", "paid_at": at}],
        shipments=[{"carrier": "sf", "tracking_no": "SF1234567890", "line_ids": ["1"],
                    "shipped_at": at, "signed_at": signed, "installed_at": None}],
    )  # fmt: skip
    response = s.merchant_api.post("/orders", data)
    assert response.status_code in (200, 201), response.content
    return data


def trusted_buyer(s: b.Shop, buyer: str | None = None) -> str:
    """A buyer with four orders over the last five months, none returned."""
    buyer = buyer or f"b-trusted-{next(_seq)}"
    for days in (150, 120, 90, 60):
        past_order(s, buyer, days_ago=days)
    return buyer


def latest(case_id: int) -> Assessment:
    return (
        Assessment.objects.filter(subject_kind="case", subject_id=case_id)
        .order_by("-at", "-id")
        .first()
    )


def buyer_of(order: dict) -> Actor:
    """The buyer of a posted order, as an actor."""
    from aftersales.orders.models import Order

    row = Order.objects.get(external_id=order["external_id"])
    return Actor(kind="user", role="buyer", label="buyer", buyer_id=row.buyer_id)


def earlier_counterfeit_claims(buyer: str, shops: int) -> None:
    """`shops` counterfeit claims of `buyer` at other shops, on two-unit orders, in one template
    (what RS-12 reads of a pro claimant)."""
    from aftersales.disputes.models import Dispute
    from aftersales.orders.models import Order

    for n in range(shops):
        other = b.shop()
        data = b.order(other, buyer=buyer, quantity=2)
        row = Order.objects.get(external_id=data["external_id"])
        Dispute.objects.create(
            merchant_id=row.merchant_id,
            buyer_id=row.buyer_id,
            order=row,
            type="counterfeit",
            opened_by="buyer",
            claim=f"商品为假货，要求假一赔三。订单 {n}",
            policy_version="test",
            refundable=Decimal("120.00"),
        )


def pro_claimant_claim():
    """A counterfeit claim in a pro claimant's template: its third shop in 90 days, on a
    two-unit order (RS-12: shops, multi-unit, likeness)."""
    from aftersales.disputes import services

    order = b.order(b.shop(), quantity=2)
    earlier_counterfeit_claims(order["buyer"]["external_id"], 2)
    return services.open_dispute(
        actor=buyer_of(order),
        order=order["external_id"],
        type="counterfeit",
        claim="商品为假货，要求假一赔三。订单 9",
    )
