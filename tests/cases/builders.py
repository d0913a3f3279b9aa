"""Builders for the case-engine tests that go through HTTP: a shop (merchant, its token, a
platform desk user's token), orders posted through `POST /orders` relative to the clock, each
with its own buyer and buyer token, and small helpers to open a case and act on it."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from aftersales.accounts.models import Buyer, Merchant, Role
from aftersales.core import clock
from tests import factories
from tests.conftest import ApiClient
from tests.orders.factories import line_json, order_json
from tests.refunds.factories import record_drop

_seq = itertools.count(1)

SHIPPED = {"carrier": "sf", "tracking_no": "SF0000000001"}


@dataclass
class Shop:
    """A merchant and everyone who acts on its cases, each speaking HTTP with their own token."""

    merchant: Merchant
    merchant_api: ApiClient
    desk_api: ApiClient  # a platform agent: rules on appeals
    platform_api: ApiClient  # the platform integration (sees every merchant)
    buyers: dict[str, ApiClient] = field(default_factory=dict)  # by buyer external_id

    @property
    def code(self) -> str:
        return self.merchant.code

    def buyer_api(self, external_id: str) -> ApiClient:
        if external_id not in self.buyers:
            b = Buyer.objects.get(external_id=external_id)
            self.buyers[external_id] = ApiClient(factories.buyer_token(b))
        return self.buyers[external_id]

    def api_of(self, party: str, buyer: str) -> ApiClient:
        if party == "buyer":
            return self.buyer_api(buyer)
        if party == "merchant":
            return self.merchant_api
        if party == "platform":
            return self.desk_api
        raise ValueError(f"no HTTP client for party {party!r}")


def shop(code: str | None = None) -> Shop:
    m = factories.merchant(code)
    desk = factories.user(Role.AGENT)
    return Shop(
        merchant=m,
        merchant_api=ApiClient(factories.merchant_token(m)),
        desk_api=ApiClient(factories.user_token(desk)),
        platform_api=ApiClient(factories.platform_token()),
    )


def order(
    s: Shop,
    *,
    shipped: bool = True,
    signed: bool = True,
    quantity: int = 1,
    lines: list[dict[str, Any]] | None = None,
    buyer: str | None = None,
    **line_overrides: Any,
) -> dict[str, Any]:
    """Post an order of the shop through the API and return its JSON. Placed and paid three days
    ago, shipped two days ago, signed for yesterday (relative to the clock). One line of
    `quantity` × 60.00 unless `lines` says otherwise; the buyer is new unless named."""
    now = clock.now()
    ago = {d: (now - timedelta(days=d)).isoformat() for d in (1, 2, 3)}
    lines = lines or [line_json("1", quantity=quantity, **line_overrides)]
    total = sum((int(ln["quantity"]) * Decimal(ln["unit_price"]) for ln in lines), Decimal(0))
    buyer_id = buyer or f"b-ct-{next(_seq)}"
    data = order_json(
        f"CT{next(_seq):08d}",
        merchant=s.code,
        buyer={**order_json()["buyer"], "external_id": buyer_id},
        placed_at=ago[3],
        paid_at=ago[3],
        lines=lines,
        payments=[{"method": "card", "amount": f"{total:.2f}", "paid_at": ago[3]}],
        shipments=[
            {
                "carrier": "sf",
                "tracking_no": "SF1234567890",
                "line_ids": [ln["line_id"] for ln in lines],
                "shipped_at": ago[2],
                "signed_at": ago[1] if signed else None,
                "installed_at": None,
            }
        ]
        if shipped
        else [],
    )
    response = s.merchant_api.post("/orders", data)
    assert response.status_code in (200, 201), response.content
    for ln in lines:  # a price-protection claim is paid against a recorded drop (JD-04)
        record_drop(s.merchant.pk, ln["sku"])
    return data


def electronics(**overrides: Any) -> dict[str, Any]:
    """A line under a 12-month warranty (repairs need one)."""
    attributes = {
        "customized": False,
        "fresh_perishable": False,
        "digital": False,
        "periodical": False,
        "warranty_months": 12,
    }
    return {
        "category": "electronics",
        "title": "降噪蓝牙耳机",
        "attributes": attributes,
        **overrides,
    }


# Which order each type is opened on, and with which reason, so that the merchant reviews it.
OPENINGS: dict[str, tuple[dict[str, Any], str]] = {
    "refund_only": ({"signed": False}, "no_reason"),  # in transit: the merchant decides (TB-02)
    "return_refund": ({}, "no_reason"),
    "exchange": ({}, "quality_issue"),
    "repair": (electronics(), "quality_issue"),
    "reissue": ({}, "missing_parts"),
    "price_protection": ({}, "price_drop"),
}


def case_body(data: dict[str, Any], type: str, reason: str, **extra: Any) -> dict[str, Any]:
    body = {
        "order": data["external_id"],
        "type": type,
        "reason": reason,
        "lines": [{"line_id": data["lines"][0]["line_id"], "quantity": 1}],
    }
    if type == "price_protection":  # a claim names the lowered price
        body["lines"][0]["new_unit_price"] = "49.00"
    body.update(extra)
    return body


@dataclass
class Opened:
    shop: Shop
    order: dict[str, Any]
    case: dict[str, Any]

    @property
    def id(self) -> int:
        return self.case["id"]

    @property
    def buyer(self) -> str:
        return self.order["buyer"]["external_id"]

    @property
    def buyer_api(self) -> ApiClient:
        return self.shop.buyer_api(self.buyer)

    def act(self, party: str, action: str, **body: Any) -> dict[str, Any]:
        """Take `action` as `party` through the API; it must succeed."""
        response = self.shop.api_of(party, self.buyer).post(
            f"/cases/{self.id}/actions/{action}", body
        )
        assert response.status_code == 200, (party, action, response.content)
        self.case = response.json()
        return self.case

    def try_act(self, party: str, action: str, **body: Any):
        return self.shop.api_of(party, self.buyer).post(f"/cases/{self.id}/actions/{action}", body)

    def events(self) -> list[dict[str, Any]]:
        response = self.shop.merchant_api.get(f"/cases/{self.id}/events", limit=200)
        assert response.status_code == 200, response.content
        return response.json()["items"]


def open_case(
    s: Shop | None = None,
    type: str = "return_refund",
    *,
    reason: str | None = None,
    order_options: dict[str, Any] | None = None,
    by: str = "buyer",
    **extra: Any,
) -> Opened:
    """Post an order and open a case of `type` on its first line through the API (as the buyer
    by default); it must be created."""
    s = s or shop()
    options, default_reason = OPENINGS[type]
    data = order(s, **{**options, **(order_options or {})})
    body = case_body(data, type, reason or default_reason, **extra)
    client = s.buyer_api(data["buyer"]["external_id"]) if by == "buyer" else s.merchant_api
    response = client.post("/cases", body)
    assert response.status_code == 201, response.content
    return Opened(shop=s, order=data, case=response.json())


def assert_problem(response, status: int, field: str | None = None) -> dict[str, Any]:
    """A problem+json answer with `status`, naming `field` among its errors when given."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    if field is not None:
        fields = [e["field"] for e in body.get("errors", [])]
        assert field in fields, body
    return body


def photo(case_id: int) -> int:
    """A photo on the case, written straight to the table (a failed inspection needs one; the
    upload itself is tests/cases/test_evidence.py's business). Returns its evidence id."""
    from aftersales.cases.models import Case, Evidence

    case = Case.objects.get(pk=case_id)
    return Evidence.objects.create(
        case=case,
        merchant_id=case.merchant_id,
        uploaded_by_role="merchant_integration",
        uploaded_by_label="merchant",
        kind="image",
        content_type="image/jpeg",
        storage_key=f"evidence/{case_id}/inspection.jpg",
        size=1,
        sha256="0" * 64,
    ).pk
