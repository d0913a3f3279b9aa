"""Demo refunds for `aftersales demo`, made through the real services: a card refund paid by the
(fake) provider with its expected arrival, one above the approval threshold waiting for a second
person, and a price-protection refund against a recorded drop. It lives in `cases` because the
refunds come from case steps (refunds never import cases). Idempotent: each has its own order
(DEMO-RF-*), and an order that has a case already is left as it is."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction

from aftersales.accounts.actors import SYSTEM_ACTOR, Actor, actor_for_user
from aftersales.accounts.models import Buyer, User
from aftersales.cases.models import Case
from aftersales.cases.services import ActionBody, LineClaim, act, open_case
from aftersales.core import clock
from aftersales.orders.services import upsert_order
from aftersales.refunds import prices, submission

_RETURNED = (
    ("merchant", "approve", {}),
    ("buyer", "ship_return", {"carrier": "sf", "tracking_no": "SF9000000002"}),
    ("merchant", "confirm_receipt", {}),
    ("merchant", "refund", {}),
)
# (order, merchant, (sku, title, category, unit price, quantity), payment method, case type,
# reason, steps, the price the SKU dropped to (price protection)).
DEMO_REFUNDS = (
    (
        "DEMO-RF-CARD",
        "m-electronics",
        ("EB-PRO", "降噪蓝牙耳机 Pro", "electronics", "899.00", 1),
        "card",
        "return_refund",
        "no_reason",
        _RETURNED,
        None,
    ),
    (
        "DEMO-RF-BIG",
        "m-electronics",
        ("PH-X1-128", "X1 智能手机 128GB 曜石黑", "electronics", "2999.00", 2),
        "card",
        "return_refund",
        "no_reason",
        _RETURNED,
        None,  # 5,998.00: above the threshold, it waits for a second approver
    ),
    (
        "DEMO-RF-PRICE",
        "m-apparel",
        ("DJ-BLK-L", "轻薄羽绒服 黑色 L码", "apparel", "399.00", 1),
        "wechat",
        "price_protection",
        "price_drop",
        (("merchant", "approve", {}),),
        "359.00",
    ),
)


def seed_refunds() -> int:
    """Make the demo refunds that are not there yet; returns how many cases were made."""
    made = 0
    buyer = Buyer.objects.filter(external_id="demo-buyer-001").first()
    if buyer is None:
        return 0
    for spec in DEMO_REFUNDS:
        made += _one(buyer, *spec)
    if made:
        submission.submit_due()  # the fake provider pays what is due (not the one awaiting)
    return made


@transaction.atomic
def _one(buyer, external_id, code, product, method, type_, reason, steps, dropped) -> bool:
    if Case.objects.filter(order__external_id=external_id, merchant__code=code).exists():
        return False
    now = clock.now()
    placed, signed = now - timedelta(days=5), now - timedelta(days=3)
    sku, title, category, price, quantity = product
    paid = (Decimal(price) * quantity).quantize(Decimal("0.01"))
    order, _ = upsert_order(
        actor=SYSTEM_ACTOR,
        data={
            "external_id": external_id,
            "merchant": code,
            "buyer": {
                "external_id": buyer.external_id,
                "name": buyer.name,
                "phone": buyer.phone,
                "address": buyer.address,
            },
            "currency": "CNY",
            "placed_at": placed.isoformat(),
            "paid_at": placed.isoformat(),
            "discount": "0.00",
            "shipping_fee": "0.00",
            "free_shipping": True,
            "freight_insurance": False,
            "lines": [
                {
                    "line_id": "1",
                    "sku": sku,
                    "title": title,
                    "category": category,
                    "quantity": quantity,
                    "unit_price": price,
                    "discount": "0.00",
                    "attributes": {},
                    "confirmed_exclusions": [],
                    "gifts": [],
                }
            ],
            "payments": [
                {"method": method, "amount": f"{paid:.2f}", "paid_at": placed.isoformat()}
            ],
            "shipments": [
                {
                    "carrier": "sf",
                    "tracking_no": "SF8000000001",
                    "line_ids": ["1"],
                    "shipped_at": (placed + timedelta(hours=6)).isoformat(),
                    "signed_at": signed.isoformat(),
                    "installed_at": None,
                }
            ],
        },
    )
    if dropped:  # the shop recorded the drop the buyer claims (JD-04)
        prices.record_price_changes(
            actor=SYSTEM_ACTOR,
            merchant_id=order.merchant_id,
            changes=[{"sku": sku, "price": dropped, "effective_at": now - timedelta(days=1)}],
            source="demo",
        )
    admin = User.objects.get(username=f"{code.removeprefix('m-')}_admin")
    party = {
        "buyer": Actor(kind="token", role="buyer", label="demo buyer", buyer_id=buyer.pk),
        "merchant": actor_for_user(admin),
    }
    case = open_case(
        actor=party["buyer"],
        order=external_id,
        merchant=code,
        type=type_,
        reason=reason,
        lines=[LineClaim("1", quantity, new_unit_price=Decimal(dropped) if dropped else None)],
        description="演示：退款台账",
    )
    for who, action, body in steps:
        case = act(case=case, actor=party[who], action=action, body=ActionBody(**body))
    return True
