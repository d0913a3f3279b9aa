from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from aftersales.accounts.actors import SYSTEM_ACTOR
from tests import factories

SH = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def order_json(merchant_code: str, external_id: str = "O-1", *, buyer: str = "b-1", amount="99.00"):
    return {
        "external_id": external_id,
        "merchant": merchant_code,
        "buyer": {"external_id": buyer, "name": "张三", "phone": "13812345678", "address": "杭州"},
        "currency": "CNY",
        "placed_at": "2026-03-01T10:00:00+08:00",
        "paid_at": "2026-03-01T10:01:00+08:00",
        "discount": "0.00",
        "shipping_fee": "0.00",
        "free_shipping": True,
        "freight_insurance": False,
        "lines": [
            {
                "line_id": "1",
                "sku": "SKU-1",
                "title": "蓝牙耳机",
                "category": "electronics",
                "quantity": 1,
                "unit_price": amount,
                "discount": "0.00",
                "attributes": {},
                "confirmed_exclusions": [],
                "gifts": [],
            }
        ],
        "payments": [{"method": "card", "amount": amount, "paid_at": "2026-03-01T10:01:00+08:00"}],
        "shipments": [
            {
                "carrier": "sf",
                "tracking_no": "SF1234567890",
                "line_ids": ["1"],
                "shipped_at": "2026-03-02T10:00:00+08:00",
                "signed_at": "2026-03-03T10:00:00+08:00",
            }
        ],
    }


@pytest.fixture
def shop():
    return factories.merchant("shop-c")


@pytest.fixture
def order_of(shop):
    from aftersales.orders.services import upsert_order

    def make(external_id: str = "O-1", **kw):
        order, _ = upsert_order(actor=SYSTEM_ACTOR, data=order_json(shop.code, external_id, **kw))
        return order

    return make


@pytest.fixture
def desk(api):
    """role → an API client of a desk user with that role."""

    def client(role: str = "agent"):
        return api(factories.user_token(factories.user(role)))

    return client


@pytest.fixture
def connector(api):
    return api(factories.platform_token())


@pytest.fixture
def travel():
    """Move the clock: travel(at(2026, 3, 6, 19, 0))."""
    machines = []

    def go(moment: datetime):
        if machines:
            machines.pop().stop()
        machine = time_machine.travel(moment, tick=False)
        machine.start()
        machines.append(machine)

    yield go
    for m in machines:
        m.stop()


def file(client, **body):
    body.setdefault("customer", "b-1")
    body.setdefault("channel", "hotline")
    body.setdefault("text", "耳机坏了")
    return client.post("/complaints", body)
