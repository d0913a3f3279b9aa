"""Compensation a ruling adds to the refund, exact to the fen, each part with its rule:

- DS-13: an unclear or contradictory listing — 10 % of the amount paid, at most ¥200, and the
  return at the merchant's freight;
- GF-06/07: counterfeit — N × the price (N per shop, never below the statutory 3), at least
  ¥500, plus the appraisal fee; not for a claimant who swapped goods or faked evidence;
- DS-18: gifts missing from the parcel — their marked price (NR-11's measure);
- GF-09: the merchant's own promise, when it pays more than the rule.

The amount is paid through the refund ledger (execution.py) as a `compensation` refund."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from aftersales.core.errors import InvalidInput
from aftersales.core.money import round_money

ZERO = Decimal("0.00")

# The numbers, as data with their source rows.
LISTING_RATE = {"rate": Decimal("0.10"), "cap": Decimal("200.00"), "source": "DS-13"}
COUNTERFEIT = {"multiple": 3, "floor": Decimal("500.00"), "source": "GF-06"}
APPRAISAL_FEE_SOURCE = "GF-07"
MISSING_GIFTS_SOURCE = "DS-18"
PROMISE_SOURCE = "GF-09"

KINDS = ("listing_unclear", "counterfeit", "missing_gifts")


@dataclass(frozen=True)
class Part:
    rule: str
    amount: Decimal
    how: str


@dataclass
class Compensation:
    amount: Decimal = ZERO
    parts: list[Part] = field(default_factory=list)
    return_freight: str = ""  # "merchant" when the rule puts the return at their cost

    def as_dict(self) -> dict:
        return {
            "amount": f"{self.amount:.2f}",
            "return_freight": self.return_freight,
            "parts": [
                {"rule": p.rule, "amount": f"{p.amount:.2f}", "how": p.how} for p in self.parts
            ],
        }


def compute(
    kind: str,
    *,
    paid: Decimal,
    price: Decimal | None = None,
    multiple: int | None = None,
    appraisal_fee: Decimal = ZERO,
    gifts_marked_price: Decimal = ZERO,
    promised: Decimal | None = None,
    claimant_at_fault: bool = False,
) -> Compensation:
    """The compensation of `kind` on an order line that was `paid` (price: the unit price
    times quantity bought, default `paid`). `multiple`: the shop's N for counterfeit (at least
    3). `promised`: what the merchant's own promise pays (GF-09)."""
    price = paid if price is None else price
    out = Compensation()
    if kind == "listing_unclear":
        rate, cap = LISTING_RATE["rate"], LISTING_RATE["cap"]
        amount = min(round_money(paid * rate), cap)
        out.parts.append(Part("DS-13", amount, f"10 % of {paid:.2f} paid, at most {cap:.2f}"))
        out.return_freight = "merchant"
    elif kind == "counterfeit":
        if claimant_at_fault:
            raise InvalidInput.on_field(
                "compensation",
                "no counterfeit damages for a claimant who swapped goods or faked evidence (GF-06)",
            )
        n = max(multiple or COUNTERFEIT["multiple"], COUNTERFEIT["multiple"])
        floor = COUNTERFEIT["floor"]
        amount = max(round_money(price * n), floor)
        out.parts.append(Part("GF-06", amount, f"{n} × {price:.2f}, at least {floor:.2f}"))
        if appraisal_fee > 0:
            out.parts.append(
                Part(APPRAISAL_FEE_SOURCE, round_money(appraisal_fee), "the appraisal fee")
            )
    elif kind == "missing_gifts":
        amount = round_money(gifts_marked_price)
        out.parts.append(Part(MISSING_GIFTS_SOURCE, amount, "the missing gifts' marked price"))
    elif kind:
        raise InvalidInput.on_field("compensation", f"one of {list(KINDS)}")
    out.amount = sum((p.amount for p in out.parts), ZERO)
    if promised is not None and round_money(promised) > out.amount:
        promise = round_money(promised)
        out.parts = [Part(PROMISE_SOURCE, promise, "the merchant's own promise pays more")]
        out.amount = promise
    return out
