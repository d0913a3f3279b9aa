"""The Order JSON of the contract, built with sensible defaults; tests say what matters."""

from __future__ import annotations

import copy
import itertools
from typing import Any

_seq = itertools.count(1)


def line_json(line_id: str = "1", **overrides: Any) -> dict[str, Any]:
    line = {
        "line_id": line_id,
        "sku": f"SKU-{line_id}",
        "title": "纯棉T恤 红 M",
        "category": "apparel",
        "quantity": 1,
        "unit_price": "60.00",
        "discount": "0.00",
        "attributes": {
            "customized": False,
            "fresh_perishable": False,
            "digital": False,
            "periodical": False,
            "warranty_months": 0,
        },
        "confirmed_exclusions": [],
        "gifts": [],
    }
    line.update(overrides)
    return line


def order_json(external_id: str | None = None, **overrides: Any) -> dict[str, Any]:
    """One paid, shipped order: one line of 60.00, no discount, paid in full by card."""
    order = {
        "external_id": external_id or f"TB{next(_seq):08d}",
        "buyer": {
            "external_id": "b-1001",
            "name": "张三",
            "phone": "13812345678",
            "address": "浙江省杭州市西湖区文三路 1 号",
        },
        "currency": "CNY",
        "placed_at": "2026-02-27T20:15:00+08:00",
        "paid_at": "2026-02-27T20:16:00+08:00",
        "discount": "0.00",
        "shipping_fee": "0.00",
        "free_shipping": True,
        "freight_insurance": False,
        "lines": [line_json("1")],
        "payments": [{"method": "card", "amount": "60.00", "paid_at": "2026-02-27T20:16:00+08:00"}],
        "shipments": [
            {
                "carrier": "sf",
                "tracking_no": "SF1234567890",
                "line_ids": ["1"],
                "shipped_at": "2026-02-28T10:00:00+08:00",
                "signed_at": "2026-03-01T10:00:00+08:00",
                "installed_at": None,
            }
        ],
    }
    order.update(copy.deepcopy(overrides))
    return order


def contract_example() -> dict[str, Any]:
    """The example of CONTRACT.md, verbatim."""
    return {
        "external_id": "TB20260301001",
        "merchant": "m-apparel",
        "buyer": {
            "external_id": "b-1001",
            "name": "张三",
            "phone": "13812345678",
            "address": "浙江省杭州市西湖区文三路 1 号",
        },
        "currency": "CNY",
        "placed_at": "2026-02-27T20:15:00+08:00",
        "paid_at": "2026-02-27T20:16:00+08:00",
        "discount": "20.00",
        "shipping_fee": "0.00",
        "free_shipping": True,
        "freight_insurance": False,
        "lines": [
            {
                "line_id": "1",
                "sku": "TS-RED-M",
                "title": "纯棉T恤 红 M",
                "category": "apparel",
                "quantity": 1,
                "unit_price": "60.00",
                "discount": "0.00",
                "attributes": {
                    "customized": False,
                    "fresh_perishable": False,
                    "digital": False,
                    "periodical": False,
                    "warranty_months": 0,
                },
                "confirmed_exclusions": [],
                "gifts": [{"title": "袜子", "marked_price": "5.00"}],
            }
        ],
        "payments": [{"method": "card", "amount": "80.00", "paid_at": "2026-02-27T20:16:00+08:00"}],
        "shipments": [
            {
                "carrier": "sf",
                "tracking_no": "SF1234567890",
                "line_ids": ["1"],
                "shipped_at": "2026-02-28T10:00:00+08:00",
                "signed_at": "2026-03-01T10:00:00+08:00",
                "installed_at": None,
            }
        ],
    }
