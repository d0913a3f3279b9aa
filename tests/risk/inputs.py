"""An honest buyer's inputs snapshot, as inputs.gather builds it: tests change what matters."""

from __future__ import annotations

from typing import Any

_ONE_LINE = {"line_id": "1", "quantity": 1, "unit_price": 60.0, "allocated_discount": 0.0,
             "claimed": 1, "returned_before": 0}  # fmt: skip


def honest(**overrides: Any) -> dict[str, Any]:
    """A buyer with a plain history: twelve apparel lines bought in 180 days, one returned, a
    refund of 60 on 1,200 spent, nothing linked, asking to return one line early in the window."""
    inputs = {
        "category": "apparel",
        "type": "return_refund",
        "reason": "no_reason",
        "claim_amount": 60.0,
        "category_baseline_return_rate": 0.25,
        "returns_180d_category": 1,
        "lines_180d_category": 12,
        "bought_180d": 1200.0,
        "refunded_180d": 60.0,
        "refund_only_90d": 0,
        "orders_90d": 6,
        "merchant_quality_rate": 0.02,
        "inr_despite_pod_90d": 0,
        "claim_is_inr_despite_pod": False,
        "claim_is_quality": False,
        "worn_180d": 0,
        "freight_claims_180d": 0,
        "returns_180d": 1,
        "cluster_accounts": 1,
        "cluster_returns_7d": 1,
        "cluster_others_returning_7d": 0,
        "cluster_new_accounts": 0,
        "sku_quality_claims_others_90d": 0,
        "sku_lines_others_90d": 0,
        "evidence_reused": 0,
        "window_position": 0.3,
        "sizes_of_one_spu": 0,
        "expected_weight_g": 400.0,
        "return_weight_g": None,
        "shipped_serials": [],
        "returned_serials": [],
        "punitive_claims_90d": 0,
        "punitive_shops_90d": 0,
        "punitive_multi_unit_90d": 0,
        "punitive_text_similarity": 0.0,
        "order_discount": 0.0,
        "free_shipping": False,
        "shipping_fee": 0.0,
        "order_lines": [dict(_ONE_LINE)],
    }
    inputs.update(overrides)
    return inputs
