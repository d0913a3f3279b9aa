"""Demo risk for `aftersales demo`: two returns the risk desk flags, each with its reasons, made
through the real services — an empty box (the carrier's scale reads a fraction of the phone's
weight: RS-06) and a swap (the serial number returned is not the one shipped: RS-07). Seeded
and deterministic; idempotent (once its orders have cases it adds nothing). Runs after the
logistics demo, which gives the demo merchants their return addresses."""

from __future__ import annotations

import json
from datetime import timedelta

from django.db import transaction

from aftersales.accounts.actors import SYSTEM_ACTOR, Actor
from aftersales.cases import logistics, services
from aftersales.cases.models import Case
from aftersales.cases.services import ActionBody, LineClaim
from aftersales.core import clock
from aftersales.orders.models import Order
from aftersales.orders.services import upsert_order
from aftersales.returns import carriers

MERCHANT = "m-electronics"
BUYER = {
    "external_id": "demo-risk-buyer",
    "name": "风险演示买家",
    "phone": "13900009999",
    "address": "广东省深圳市南山区科技园演示路 8 号",
}
PHONE_WEIGHT_G = 450
# (order, serial shipped, weight the carrier reads, serial the merchant reads back)
PLANTED = (
    ("DEMO-RISK-EMPTY-BOX", "SN-DEMO-0001", 60, None),
    ("DEMO-RISK-SWAP", "SN-DEMO-0002", 440, "SN-DEMO-9999"),
)
OUTBOUND = {"DEMO-RISK-EMPTY-BOX": "SF202612010001", "DEMO-RISK-SWAP": "SF202612010002"}


def _order(external_id: str, serial: str) -> Order:
    now = clock.now()
    placed, signed = now - timedelta(days=4), now - timedelta(days=2)
    iso = lambda t: t.isoformat()  # noqa: E731
    order, _ = upsert_order(
        actor=SYSTEM_ACTOR,
        data={
            "external_id": external_id,
            "merchant": MERCHANT,
            "buyer": BUYER,
            "currency": "CNY",
            "placed_at": iso(placed),
            "paid_at": iso(placed),
            "discount": "0.00",
            "shipping_fee": "0.00",
            "free_shipping": True,
            "freight_insurance": False,
            "lines": [
                {
                    "line_id": "1",
                    "sku": "PHONE-DEMO",
                    "title": "演示手机 128G",
                    "category": "electronics",
                    "quantity": 1,
                    "unit_price": "1999.00",
                    "discount": "0.00",
                    "attributes": {
                        "customized": False,
                        "fresh_perishable": False,
                        "digital": False,
                        "periodical": False,
                        "warranty_months": 12,
                        "weight_g": PHONE_WEIGHT_G,
                        "serials": [serial],
                    },
                    "confirmed_exclusions": [],
                    "gifts": [],
                }
            ],
            "payments": [{"method": "alipay", "amount": "1999.00", "paid_at": iso(placed)}],
            "shipments": [
                {
                    "carrier": "sf",
                    "tracking_no": OUTBOUND[external_id],
                    "line_ids": ["1"],
                    "shipped_at": iso(placed + timedelta(hours=6)),
                    "signed_at": iso(signed),
                    "installed_at": None,
                }
            ],
        },
    )
    return order


def _scan(number: str, status: str, weight_g: int, seq: int) -> None:
    """The fake carrier's webhook call with the parcel's weight, signed as over HTTP."""
    body = json.dumps(
        {
            "events": [
                {
                    "event_id": f"demo-risk-{number}-{status}-{seq}",
                    "tracking_no": number,
                    "status": status,
                    "at": (clock.now() + timedelta(seconds=seq)).isoformat(),
                    "location": "深圳转运中心",
                    "weight_g": weight_g,
                }
            ]
        }
    ).encode()
    secret = carriers.webhook_secret("fake")
    logistics.receive_carrier_events(
        carrier="fake", body=body, signature=carriers.sign(secret, body)
    )


def _step(case: Case, actor: Actor, action: str, **fields) -> Case:
    return services.act(case=case, actor=actor, action=action, body=ActionBody.of(fields))


@transaction.atomic
def seed() -> str:
    made = 0
    for external_id, serial, weight, read_back in PLANTED:
        if Case.objects.filter(order__external_id=external_id).exists():
            continue
        order = _order(external_id, serial)
        buyer = Actor(kind="token", role="buyer", label="demo buyer", buyer_id=order.buyer_id)
        merchant = Actor(
            kind="user",
            role="merchant_admin",
            label=f"{MERCHANT} admin",
            merchant_id=order.merchant_id,
        )
        case = services.open_case(
            actor=buyer,
            order=external_id,
            type="return_refund",
            reason="no_reason",
            lines=[LineClaim("1", 1)],
            description="七天无理由退货",
        )
        if case.state == "requested":
            case = _step(case, merchant, "approve")
        start = clock.now() + timedelta(days=1)
        case = logistics.book_return_pickup(
            actor=buyer,
            case=case,
            carrier="fake",
            slot_start=start,
            slot_end=start + timedelta(hours=2),
        )
        number = case.facts["return_shipment"]["tracking_no"]
        _scan(number, "picked_up", weight, 1)
        if read_back is not None:
            _scan(number, "delivered", weight, 2)
            case = _step(Case.objects.get(pk=case.pk), merchant, "confirm_receipt")
            _step(
                case,
                merchant,
                "inspect",
                result="pass",
                inspections=[
                    {
                        "line_id": "1",
                        "result": "pass",
                        "grade": "as_new",
                        "disposition": "restock",
                        "serials": [read_back],
                    }
                ],
            )
        made += 1
    return f"risk: {made} flagged demo returns"
