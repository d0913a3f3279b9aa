"""The credit rules: the buyer score's components and the merchant rating's metrics with their
thresholds and weights, the fast-lane and penalty lines, the grades and the restrictions they
bring, and the appeal SLA. Each value carries its source (a RISK-SIGNALS.md row, or [I] for
our own default). The values are policy data (policydata.py): a published, numbered version
of the document below; `current_rules()` reads the latest, else these defaults."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

SCHEMA_ID = "aftersales-credit/1"


def _s(source: str, **values: Any) -> dict[str, Any]:
    return {**values, "source": source}


# The document a fresh install starts from (and `aftersales credit policy --print` shows).
DEFAULT_DOCUMENT: dict[str, Any] = {
    "schema": SCHEMA_ID,
    "buyer": {
        # returns ÷ orders, 180 d; warn-level weight, from 5 orders (3× a 10 % median).
        "return_rate": _s("RS-01", threshold="0.30", points=15, min_count=5, window_days=180),
        # refunded ¥ ÷ bought ¥, 180 d, ≥0.6 and ≥¥2000 refunded.
        "value_ratio": _s("RS-02", threshold="0.60", points=20, min_count=2000, window_days=180),
        # refund-only requests ÷ orders, 90 d, ≥20 % and ≥3 of them.
        "refund_only_ratio": _s("RS-08", threshold="0.20", points=20, min_count=3, window_days=90),
        # inspections that failed (not what was sent, worn), 180 d, from 2.
        "failed_inspections": _s(
            "RS-04/RS-07 [I]", threshold="2", points=25, min_count=2, window_days=180
        ),
        # appeals the platform ruled for the merchant, 180 d, from 2.
        "rulings_against": _s("[I]", threshold="2", points=10, min_count=2, window_days=180),
        # flags from distinct shops (one shop's flag never counts alone), 180 d.
        "shop_flags": _s(
            "RISK-SIGNALS flags ≥2 shops", threshold="2", points=10, min_count=2, window_days=180
        ),
    },
    "merchant": {
        "dispute_refund_rate": _s(
            "纠纷退款率 [S] ×3; RS-21", points=30, bad_above="0.01", peer_factor="2"
        ),
        "self_finish_rate": _s("退款自主完结率 [S]", points=15, bad_below="0.80", min_count=5),
        "finish_hours": _s("退款完结时长 [S]", points=10, bad_above="72"),
        "quality_refund_rate": _s("品质退款率 [S]", points=15, bad_above="0.05", peer_factor="2"),
        "intervention_rate": _s(
            "平台介入率 (JD) [P]; RS-21", points=15, bad_above="0.02", peer_factor="2"
        ),
        "invalid_rejection_rate": _s("RS-20", points=10, bad_above="0.10", min_count=20),
        "late_response_rate": _s("RS-22", points=5, bad_above="0.10"),
    },
    # Per main category, a metric's values that differ from `merchant` (RISK-SIGNALS.md: the
    # thresholds are defaults per category), each with its source, e.g.
    # {"fresh": {"quality_refund_rate": {"bad_above": "0.08", "source": "[I] spoilage"}}}.
    "categories": {},
    "fast_lane": _s("[I] trusted buyers (issue 11 item 3)", min_score=70, min_orders=3),
    "penalty": _s(
        "[I] action ladder: friction (RISK-SIGNALS.md)",
        below=40,
        kinds=["no_fast_lane", "inspect_first"],
    ),
    "grades": _s("[I]", A=85, B=70, C=50, D=0),
    "restrictions": {
        # The guarantee fund's deposit requirement times `factor` (a top-up request follows).
        "larger_deposit": _s("[I]", at_grade="D", factor="2"),
        # The merchant's review deadlines (the policy durations named) times `factor`.
        "shorter_review": _s(
            "[I]",
            at_grade="C",
            factor="0.5",
            durations=[
                "merchant_review",
                "merchant_review_unshipped",
                "merchant_review_virtual",
                "merchant_quality_review",
            ],
        ),
        # A rejection waits for the platform's look before it takes effect.
        "manual_rejection_review": _s("[I]", at_grade="C"),
    },
    "appeal_decision": _s("[I] a person decides a credit appeal", amount=3, unit="working_days"),
    "flag_review": _s("RISK-SIGNALS.md: act only on flags from ≥2 distinct shops", min_shops=2),
}

BUYER_COMPONENTS = tuple(DEFAULT_DOCUMENT["buyer"])
MERCHANT_METRICS = tuple(DEFAULT_DOCUMENT["merchant"])
RESTRICTIONS = tuple(DEFAULT_DOCUMENT["restrictions"])
PENALTY_KINDS = ("no_fast_lane", "inspect_first")
GRADES = ("A", "B", "C", "D")


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
    """One merchant metric: past `bad_above` (or under `bad_below`, for shares that should be
    high) it costs `points`; with `peer_factor` it must also be that many times the category
    mean (a campaign spike that hits the whole category is not the merchant's)."""

    code: str
    points: int
    bad_above: Decimal | None
    bad_below: Decimal | None
    peer_factor: Decimal | None
    min_count: int
    source: str


@dataclass(frozen=True, slots=True)
class CreditRules:
    version: str
    buyer: tuple[BuyerRule, ...]
    merchant: tuple[MerchantRule, ...]
    # main category → the merchant rules where the document's `categories` change them
    merchant_by_category: dict[str, tuple[MerchantRule, ...]]
    fast_lane_min_score: int
    fast_lane_min_orders: int
    penalty_below: int
    penalty_kinds: tuple[str, ...]
    grades: tuple[tuple[str, int], ...]  # best first: (grade, lowest score)
    restrictions: dict[str, str]  # kind → the grade at or under which it applies
    # kind → what it changes ({"factor": Decimal, "durations": (...)}, "source"): a document
    # published before these terms existed reads the defaults'.
    restriction_terms: dict[str, dict[str, Any]]
    appeal_decision: dict[str, Any]  # a policy duration (cases.deadlines.due_after)
    flag_review_min_shops: int
    document: dict[str, Any]

    def merchant_rules(self, category: str) -> dict[str, MerchantRule]:
        """The rules a merchant of this main category is rated by: every merchant of a
        category by the same, so its category mean compares like with like."""
        return {r.code: r for r in self.merchant_by_category.get(category, self.merchant)}

    def grade_for(self, score: int) -> str:
        for grade, lowest in self.grades:
            if score >= lowest:
                return grade
        return self.grades[-1][0]

    def restrictions_for(self, grade: str) -> list[str]:
        order = [g for g, _ in self.grades]
        return [
            kind for kind, at in self.restrictions.items() if order.index(grade) >= order.index(at)
        ]


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _terms(restrictions: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for kind, default in DEFAULT_DOCUMENT["restrictions"].items():
        given = restrictions.get(kind) or {}
        out[kind] = {
            "factor": _dec(given.get("factor", default.get("factor"))),
            "durations": tuple(given.get("durations", default.get("durations", ()))),
            "source": given.get("source", default["source"]),
        }
    return out


def _merchant_rules(
    metrics: dict[str, Any], overrides: dict[str, Any] | None = None
) -> tuple[MerchantRule, ...]:
    out = []
    for code, base in metrics.items():
        r = {**base, **(overrides or {}).get(code, {})}  # the override's source replaces
        out.append(
            MerchantRule(
                code=code,
                points=int(r["points"]),
                bad_above=_dec(r.get("bad_above")),
                bad_below=_dec(r.get("bad_below")),
                peer_factor=_dec(r.get("peer_factor")),
                min_count=int(r.get("min_count") or 0),
                source=r["source"],
            )
        )
    return tuple(out)


def rules_from(document: dict[str, Any], *, version: str) -> CreditRules:
    """The rules of a validated document."""
    grades = sorted(((g, int(document["grades"][g])) for g in GRADES), key=lambda item: -item[1])
    return CreditRules(
        version=version,
        buyer=tuple(
            BuyerRule(
                code=code,
                threshold=Decimal(str(r["threshold"])),
                points=int(r["points"]),
                min_count=int(r["min_count"]),
                window_days=int(r["window_days"]),
                source=r["source"],
            )
            for code, r in document["buyer"].items()
        ),
        merchant=_merchant_rules(document["merchant"]),
        merchant_by_category={
            category: _merchant_rules(document["merchant"], overrides)
            for category, overrides in document.get("categories", {}).items()
        },
        fast_lane_min_score=int(document["fast_lane"]["min_score"]),
        fast_lane_min_orders=int(document["fast_lane"]["min_orders"]),
        penalty_below=int(document["penalty"]["below"]),
        penalty_kinds=tuple(document["penalty"]["kinds"]),
        grades=tuple(grades),
        restrictions={k: v["at_grade"] for k, v in document["restrictions"].items()},
        restriction_terms=_terms(document["restrictions"]),
        appeal_decision=dict(document["appeal_decision"]),
        flag_review_min_shops=int(document["flag_review"]["min_shops"]),
        document=document,
    )


DEFAULT_VERSION = "credit@default"
DEFAULT_RULES = rules_from(DEFAULT_DOCUMENT, version=DEFAULT_VERSION)


def current_rules() -> CreditRules:
    """The latest published credit rules, else the defaults."""
    from aftersales.credit import policydata

    return policydata.published_rules() or DEFAULT_RULES
