"""`aftersales demo`, the logistics part: every demo merchant gets a return address, and each
flow that moves goods runs end to end through the fake carrier — a pickup or a self-shipped
return, the carrier's scans posted to the webhook handler signed as the carrier signs them,
receipt, a per-line inspection, the refund or the replacement and its confirmation.
Idempotent: once the demo's fake-carrier parcels exist, it adds nothing."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta

from django.db import transaction

from aftersales.accounts.actors import SYSTEM_ACTOR, Actor
from aftersales.accounts.models import Merchant
from aftersales.cases import logistics, services
from aftersales.cases.models import Case
from aftersales.cases.services import ActionBody, LineClaim
from aftersales.core import clock
from aftersales.core.errors import DomainError
from aftersales.orders.models import Order
from aftersales.returns import carriers
from aftersales.returns import services as returns_services
from aftersales.returns.models import Shipment

ADDRESSES = {
    "m-apparel": ("退货组 刘洋", "13600001001", "浙江省杭州市余杭区仓前街道退货仓 1 号"),
    "m-electronics": ("售后维修中心", "13600001002", "广东省深圳市龙华区民治街道维修中心 8 楼"),
    "m-fresh": ("客服 陈静", "13600001003", "上海市青浦区华新镇冷链仓 2 号库"),
    "m-books": ("仓库 赵亮", "13600001004", "北京市通州区马驹桥物流园 5 号"),
    "m-custom": ("工坊 孙倩", "13600001005", "江苏省苏州市吴中区木渎镇工坊路 9 号"),
}
_events = itertools.count(1)


def _scan(number: str, *statuses: str) -> None:
    """The fake carrier's webhook call, signed as it is over HTTP."""
    now = clock.now()
    body = json.dumps(
        {
            "events": [
                {
                    "event_id": f"demo-{number}-{status}-{next(_events)}",
                    "tracking_no": number,
                    "status": status,
                    "at": (now + timedelta(seconds=i)).isoformat(),
                    "location": "杭州转运中心",
                }
                for i, status in enumerate(statuses)
            ]
        }
    ).encode()
    secret = carriers.webhook_secret("fake")
    logistics.receive_carrier_events(
        carrier="fake", body=body, signature=carriers.sign(secret, body)
    )


def run() -> int:
    """Return addresses for the demo merchants, then one case per goods-moving flow walked
    through the fake carrier. Returns how many cases it added."""
    for merchant in Merchant.objects.filter(code__in=ADDRESSES):
        name, phone, address = ADDRESSES[merchant.code]
        returns_services.set_return_settings(
            actor=SYSTEM_ACTOR,
            merchant_id=merchant.pk,
            contact_name=name,
            contact_phone=phone,
            address=address,
            pickup_carrier="fake",
        )
    if Shipment.objects.filter(
        carrier="fake", case__order__external_id__startswith="DEMO-"
    ).exists():
        return 0
    made = 0
    for type_, reason, walk in (
        ("return_refund", "quality_issue", _return_refund),
        ("exchange", "quality_issue", _exchange),
        ("repair", "quality_issue", _repair),
        ("reissue", "missing_parts", _reissue),
    ):
        for order in _orders():
            try:
                with transaction.atomic():
                    case = _open(order, type_, reason)
                    walk(case, _parties(order))
            except DomainError:
                continue  # not eligible on this order: try the next
            made += 1
            break
    return made


def _orders():
    return (
        Order.objects.filter(external_id__startswith="DEMO-", cases__isnull=True)
        .exclude(shipments__signed_at__isnull=True)
        .select_related("merchant")
        .order_by("-placed_at")
        .distinct()[:200]
    )


def _parties(order: Order) -> dict[str, Actor]:
    return {
        "buyer": Actor(kind="token", role="buyer", label="demo buyer", buyer_id=order.buyer_id),
        "merchant": Actor(
            kind="user",
            role="merchant_admin",
            label=f"{order.merchant.code} admin",
            merchant_id=order.merchant_id,
        ),
    }


def _open(order: Order, type_: str, reason: str) -> Case:
    line = order.lines.all()[0]
    return services.open_case(
        actor=_parties(order)["buyer"],
        order=order.external_id,
        type=type_,
        reason=reason,
        lines=[LineClaim(line.line_id, 1)],
        description="物流演示：假快递全程",
    )


def _step(case: Case, actor: Actor, action: str, **fields) -> Case:
    return services.act(case=case, actor=actor, action=action, body=ActionBody.of(fields))


def _approved(case: Case, p: dict[str, Actor]) -> Case:
    # A conforming no-reason return may have been approved the moment it was opened.
    return _step(case, p["merchant"], "approve") if case.state == "requested" else case


def _ship_back(case: Case, p: dict[str, Actor]) -> Case:
    case = _approved(case, p)
    if case.state != "approved":
        raise DomainError("not a return this demo can walk")
    start = clock.now() + timedelta(days=1)
    case = logistics.book_return_pickup(
        actor=p["buyer"],
        case=case,
        carrier="fake",
        slot_start=start,
        slot_end=start + timedelta(hours=2),
    )
    number = case.facts["return_shipment"]["tracking_no"]
    _scan(number, "picked_up", "in_transit", "delivered")
    case = Case.objects.get(pk=case.pk)
    return _step(case, p["merchant"], "confirm_receipt")


def _inspected(case: Case, p: dict[str, Actor]) -> Case:
    line = case.lines.select_related("order_line").first().order_line.line_id
    return _step(
        case,
        p["merchant"],
        "inspect",
        result="pass",
        inspections=[
            {"line_id": line, "result": "pass", "grade": "as_new", "disposition": "restock"}
        ],
    )


def _replace(case: Case, p: dict[str, Actor], **fields) -> Case:
    number = f"FK{8_000_000_000 + case.pk}"
    case = _step(
        case, p["merchant"], "ship_replacement", carrier="fake", tracking_no=number, **fields
    )
    _scan(number, "in_transit", "delivered")
    return _step(Case.objects.get(pk=case.pk), p["buyer"], "confirm_replacement")


def _return_refund(case: Case, p: dict[str, Actor]) -> None:
    case = _inspected(_ship_back(case, p), p)
    _step(case, p["merchant"], "refund")


def _exchange(case: Case, p: dict[str, Actor]) -> None:
    case = _inspected(_ship_back(case, p), p)
    line = case.lines.select_related("order_line").first().order_line
    _replace(
        case, p, variant={"sku": line.sku, "title": line.title, "unit_price": str(line.unit_price)}
    )


def _repair(case: Case, p: dict[str, Actor]) -> None:
    case = _ship_back(case, p)
    case = _step(case, p["merchant"], "diagnose", note="主板供电故障")
    case = _step(case, p["merchant"], "repair", result="repaired")
    _replace(case, p)


def _reissue(case: Case, p: dict[str, Actor]) -> None:
    case = _approved(case, p)
    _replace(case, p)
