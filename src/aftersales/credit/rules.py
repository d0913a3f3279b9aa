"""The credit rules as data: the buyer score's components and the merchant rating's metrics,
with their default thresholds and weights and the RISK-SIGNALS.md row each comes from. The
published values live in the policy document (`credit` block) and are read through
`current_rules()`; these defaults are what a fresh install starts from."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

SOURCE = "RISK-SIGNALS.md"


@dataclass(frozen=True, slots=True)
class BuyerRule:
    """One component of the buyer score: it costs `points` when `value ≥ threshold` and the
    buyer has at least `min_count` of the counted thing (few orders prove nothing)."""

    code: str
    threshold: Decimal
    points: int
    min_count: int
    window_days: int
    source: str


@dataclass(frozen=True, slots=True)
class MerchantRule:
    """One merchant metric: `bad_above` (or `bad_below` for shares that should be high) sets
    the line past which it costs `points`; `peer_factor` marks it against the category mean."""

    code: str
    points: int
    bad_above: Decimal | None = None
    bad_below: Decimal | None = None
    peer_factor: Decimal | None = None
    min_count: int = 0
    source: str = SOURCE


@dataclass(frozen=True, slots=True)
class CreditRules:
    version: str
    buyer: tuple[BuyerRule, ...]
    merchant: tuple[MerchantRule, ...]
    # Below this score a buyer is not trusted with the fast lane; below `inspect_first_below`
    # a penalty (inspection first, no fast lane) is proposed with notice.
    fast_lane_min_score: int = 70
    # A buyer with fewer orders than this has not shown enough to be trusted with it yet.
    fast_lane_min_orders: int = 3
    penalty_below: int = 40
    # Merchant grades by score, and the grade at or under which each restriction applies.
    grades: tuple[tuple[str, int], ...] = (("A", 85), ("B", 70), ("C", 50), ("D", 0))
    restrictions: dict[str, str] = field(default_factory=dict)
    appeal_sla_hours: int = 72
    flag_review_min_shops: int = 2
    sources: dict[str, str] = field(default_factory=dict)

    def buyer_rule(self, code: str) -> BuyerRule:
        return next(r for r in self.buyer if r.code == code)


D = Decimal

DEFAULT_RULES = CreditRules(
    version="credit-default-1",
    buyer=(
        # RS-01: returns ÷ delivered orders, 180 d; warn only at ≥3× median (our 0.30 stands in
        # for the median × 3 of a general shop), from 5 orders.
        BuyerRule("return_rate", D("0.30"), 15, 5, 180, "RS-01"),
        # RS-02: refunded ¥ ÷ bought ¥, 180 d, ≥0.6 and ≥¥2000 refunded.
        BuyerRule("value_ratio", D("0.60"), 20, 2000, 180, "RS-02"),
        # RS-08: refund-only requests ÷ orders, 90 d, ≥20 % and ≥3 of them.
        BuyerRule("refund_only_ratio", D("0.20"), 20, 3, 90, "RS-08"),
        # Inspections that failed (goods not as sent back), 180 d, from 2.
        BuyerRule("failed_inspections", D("2"), 25, 2, 180, "RS-04/RS-07"),
        # Appeals the platform ruled for the merchant, 180 d, from 2.
        BuyerRule("rulings_against", D("2"), 10, 2, 180, "RS-20"),
        # Flags from distinct shops (never from one shop alone), 180 d.
        BuyerRule("shop_flags", D("2"), 10, 2, 180, "RISK-SIGNALS flags ≥2 shops"),
    ),
    merchant=(
        MerchantRule("dispute_refund_rate", 30, bad_above=D("0.01"), peer_factor=D("2")),
        MerchantRule("self_finish_rate", 15, bad_below=D("0.80"), min_count=5),
        MerchantRule("finish_hours", 10, bad_above=D("72")),
        MerchantRule("quality_refund_rate", 15, bad_above=D("0.05"), peer_factor=D("2")),
        MerchantRule("intervention_rate", 15, bad_above=D("0.02"), peer_factor=D("2")),
        MerchantRule("invalid_rejection_rate", 10, bad_above=D("0.10"), min_count=20),
        MerchantRule("late_response_rate", 5, bad_above=D("0.10")),
    ),
    restrictions={
        "larger_deposit": "D",
        "shorter_review": "C",
        "manual_rejection_review": "C",
    },
    sources={
        "appeal_sla_hours": "[I] our default: a person decides a credit appeal within 72 h",
        "fast_lane_min_score": "[I] our default",
        "fast_lane_min_orders": "[I] our default",
        "penalty_below": "[I] our default; action ladder friction step (RISK-SIGNALS.md)",
        "flag_review_min_shops": "RISK-SIGNALS.md: act only on flags from ≥2 distinct shops",
    },
)

BUYER_COMPONENTS = frozenset(r.code for r in DEFAULT_RULES.buyer)
MERCHANT_METRICS = frozenset(r.code for r in DEFAULT_RULES.merchant)
RESTRICTIONS = frozenset(DEFAULT_RULES.restrictions)


def current_rules() -> CreditRules:
    """The published credit rules (the policy document's `credit` block), else the defaults."""
    from aftersales.credit import policydata

    return policydata.published_rules() or DEFAULT_RULES


def as_dict(rules: CreditRules) -> dict[str, Any]:
    return {
        "version": rules.version,
        "fast_lane_min_score": rules.fast_lane_min_score,
        "fast_lane_min_orders": rules.fast_lane_min_orders,
        "penalty_below": rules.penalty_below,
        "appeal_sla_hours": rules.appeal_sla_hours,
        "flag_review_min_shops": rules.flag_review_min_shops,
    }
