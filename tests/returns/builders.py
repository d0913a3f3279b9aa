"""For the returns tests: a shop with a return address, the fake carrier's scans posted to the
webhook as the carrier would sign them, and cases walked to the point a test starts from."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.test import Client

from aftersales.core import clock
from aftersales.returns.carriers import SIGNATURE_HEADER, sign
from tests.cases import builders as b

_events = itertools.count(1)
_numbers = itertools.count(1)

ADDRESS = {
    "contact_name": "王仓管",
    "contact_phone": "13987654321",
    "address": "广东省深圳市南山区科技园退货仓 3 号门",
    "carriers": [],
    "pickup_carrier": "fake",
}


def shop_with_address(**overrides: Any) -> b.Shop:
    s = b.shop()
    response = s.merchant_api.post(f"/merchants/{s.code}/return-settings", {**ADDRESS, **overrides})
    assert response.status_code == 200, response.content
    return s


def fake_no() -> str:
    """A tracking number in the fake carrier's format, new each time."""
    return f"FK{9_000_000_000 + next(_numbers)}"


def scan(tracking_no: str, status: str, *, event_id: str | None = None, **extra: Any) -> dict:
    return {
        "event_id": event_id or f"ev-{next(_events)}",
        "tracking_no": tracking_no,
        "status": status,
        "at": clock.now().isoformat(),
        "location": "深圳南山营业部",
        **extra,
    }


def post_scans(events: list[dict], *, carrier: str = "fake", secret: str | None = None, raw=None):
    """The carrier's webhook call: the body signed with the carrier's secret."""
    body = raw if raw is not None else json.dumps({"events": events}).encode()
    secret = settings.AFTERSALES_CARRIER_WEBHOOK_SECRETS["fake"] if secret is None else secret
    header = "HTTP_" + SIGNATURE_HEADER.upper().replace("-", "_")
    return Client().post(
        f"/api/v1/carriers/{carrier}/events",
        body,
        content_type="application/json",
        **({header: sign(secret, body)} if secret else {}),
    )


def shipped(type_: str = "return_refund", *, s: b.Shop | None = None) -> tuple[b.Opened, str]:
    """A case approved and shipped back by the buyer with the fake carrier."""
    c = b.open_case(s or shop_with_address(), type_)
    c.act("merchant", "approve")
    number = fake_no()
    c.act("buyer", "ship_return", carrier="fake", tracking_no=number)
    return c, number


def received(type_: str = "return_refund") -> b.Opened:
    c, number = shipped(type_)
    assert post_scans([scan(number, "delivered")]).status_code == 200
    c.act("merchant", "confirm_receipt")
    return c


def slot(hours_from_now: int = 20) -> dict[str, str]:
    start = clock.now() + timedelta(hours=hours_from_now)
    return {
        "slot_start": start.isoformat(),
        "slot_end": (start + timedelta(hours=2)).isoformat(),
    }


def return_of(c: b.Opened, party: str = "merchant") -> dict:
    response = c.shop.api_of(party, c.buyer).get(f"/cases/{c.id}/return")
    assert response.status_code == 200, response.content
    return response.json()
