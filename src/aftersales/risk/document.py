"""The risk policy as data: per-signal thresholds (and points), per-category overrides, the
ladder's cut-offs, category return-rate baselines, the perishable categories (RS-08) and the
fast lane's limits. `validate` refuses anything it does not know — an unknown signal, an
unknown threshold, a value of the wrong kind — naming where and why, before a version is
published."""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from aftersales.core.errors import FieldError, InvalidInput
from aftersales.orders.models import Category
from aftersales.risk.signals import BY_CODE

# Honest return rates per category (share of bought lines returned): the median RS-01 compares
# against. [I] defaults; a shop publishes its own.
BASELINE_RETURN_RATE = {
    "apparel": 0.25, "shoes_bags": 0.2, "electronics": 0.06, "appliances": 0.05,
    "food": 0.03, "fresh": 0.04, "cosmetics": 0.05, "books": 0.03, "digital": 0.02,
    "home": 0.08, "toys": 0.06, "customized": 0.02, "other": 0.08,
}  # fmt: skip

# Categories whose quality claims a shop declares refund-only by nature — the goods unfit to
# send back (spoiled, opened food: POLICY-FACTS PDD-01's exception, NR-03 鲜活易腐, NR-07):
# RS-08 does not count a quality claim on them. None by default: where refund-only is the honest
# norm it is also refund-only abuse's cover, and leaving those claims out lost 6 of the
# simulation's 40 refund-only abusers to spare one honest buyer (docs/risk.md). [I]
PERISHABLE_CATEGORIES: list[str] = []

DEFAULT: dict[str, Any] = {
    "signals": {code: dict(s.defaults) for code, s in BY_CODE.items()},
    "categories": {},  # {"apparel": {"RS-01": {"multiple": 4}}}
    "ladder": {"warn": 20, "friction": 40, "review": 60},
    "baseline_return_rate": BASELINE_RETURN_RATE,
    "perishable_categories": PERISHABLE_CATEGORIES,
    "fast_lane": {
        "enabled": True,
        "max_amount": "500.00",  # per case
        # At or below this the refund comes at approval, not at the parcel's first scan.
        "approval_max_amount": "50.00",
        "max_per_30d": 5,  # fast-lane refunds per buyer
        "min_orders_180d": 3,  # trusted: a history to trust
        "min_account_days": 30,
    },
}
LADDER_KEYS = ("warn", "friction", "review")
FAST_LANE_KEYS = {
    "enabled": bool,
    "max_amount": "money",
    "approval_max_amount": "money",
    "max_per_30d": int,
    "min_orders_180d": int,
    "min_account_days": int,
}
TOP_KEYS = set(DEFAULT)


@dataclass(frozen=True)
class RiskPolicy:
    """A validated document with its label, as scoring reads it."""

    label: str
    document: dict[str, Any]
    # A published version never changes: each signal's thresholds in a category are merged once
    # (a case's score asks for them some twenty times). Read-only to callers.
    _merged: dict[tuple[str, str], dict[str, float]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def thresholds(self, code: str, category: str) -> dict[str, float]:
        found = self._merged.get((code, category))
        if found is None:
            base = self.document["signals"].get(code, BY_CODE[code].defaults)
            over = self.document.get("categories", {}).get(category, {}).get(code, {})
            found = self._merged[(code, category)] = {**BY_CODE[code].defaults, **base, **over}
        return found

    def perishable(self, category: str) -> bool:
        return category in self.document.get("perishable_categories", PERISHABLE_CATEGORIES)

    def cutoffs(self) -> dict[str, int]:
        return self.document["ladder"]

    def baseline(self, category: str) -> float | None:
        return self.document["baseline_return_rate"].get(category)

    @property
    def fast_lane(self) -> dict[str, Any]:
        return {**DEFAULT["fast_lane"], **self.document.get("fast_lane", {})}


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def _signal_errors(where: str, table: Any, *, partial: bool) -> list[FieldError]:
    if not isinstance(table, dict):
        return [FieldError(where, "a table of signal codes")]
    errors = []
    for code, values in table.items():
        signal = BY_CODE.get(code)
        if signal is None:
            errors.append(
                FieldError(f"{where}.{code}", f"unknown signal; one of {sorted(BY_CODE)}")
            )
            continue
        if not isinstance(values, dict):
            errors.append(FieldError(f"{where}.{code}", "a table of thresholds"))
            continue
        for name, value in values.items():
            if name not in signal.defaults:
                errors.append(
                    FieldError(
                        f"{where}.{code}.{name}",
                        f"unknown threshold of {code}; one of {sorted(signal.defaults)}",
                    )
                )
            elif not _number(value):
                errors.append(FieldError(f"{where}.{code}.{name}", "a number, not negative"))
        if not partial:
            errors += [
                FieldError(f"{where}.{code}.{name}", "missing")
                for name in signal.defaults
                if name not in values
            ]
    return errors


def validate(document: Any) -> dict[str, Any]:
    """The document completed with the defaults it leaves out, or InvalidInput naming every
    problem (nothing is published with one)."""
    if not isinstance(document, dict):
        raise InvalidInput.on_field("document", "a JSON object")
    errors: list[FieldError] = []
    for key in document:
        if key not in TOP_KEYS:
            errors.append(FieldError(key, f"unknown key; one of {sorted(TOP_KEYS)}"))
    errors += _signal_errors("signals", document.get("signals", {}), partial=True)
    categories = document.get("categories", {})
    if not isinstance(categories, dict):
        errors.append(FieldError("categories", "a table of categories"))
        categories = {}
    for category, table in categories.items():
        if category not in Category.values:
            errors.append(FieldError(f"categories.{category}", "unknown category"))
            continue
        errors += _signal_errors(f"categories.{category}", table, partial=True)
    ladder = {**DEFAULT["ladder"], **(document.get("ladder") or {})}
    for key in ladder:
        if key not in LADDER_KEYS:
            errors.append(FieldError(f"ladder.{key}", f"unknown step; one of {list(LADDER_KEYS)}"))
        elif not isinstance(ladder[key], int) or ladder[key] <= 0:
            errors.append(FieldError(f"ladder.{key}", "a positive whole number of points"))
    if not errors and not ladder["warn"] < ladder["friction"] < ladder["review"]:
        errors.append(FieldError("ladder", "warn < friction < review"))
    baseline = {**BASELINE_RETURN_RATE, **(document.get("baseline_return_rate") or {})}
    for category, rate in baseline.items():
        if category not in Category.values:
            errors.append(FieldError(f"baseline_return_rate.{category}", "unknown category"))
        elif not _number(rate) or rate > 1:
            errors.append(FieldError(f"baseline_return_rate.{category}", "a share from 0 to 1"))
    perishable = document.get("perishable_categories", PERISHABLE_CATEGORIES)
    if not isinstance(perishable, list):
        errors.append(FieldError("perishable_categories", "a list of categories"))
        perishable = []
    for category in perishable:
        if category not in Category.values:
            errors.append(FieldError("perishable_categories", f"unknown category {category!r}"))
    fast = {**DEFAULT["fast_lane"], **(document.get("fast_lane") or {})}
    for key, value in fast.items():
        kind = FAST_LANE_KEYS.get(key)
        if kind is None:
            errors.append(
                FieldError(f"fast_lane.{key}", f"unknown limit; one of {sorted(FAST_LANE_KEYS)}")
            )
        elif kind == "money":
            try:
                ok = Decimal(str(value)) >= 0
            except InvalidOperation:
                ok = False
            if not ok:
                errors.append(FieldError(f"fast_lane.{key}", "an amount such as 500.00"))
        elif kind is bool and not isinstance(value, bool):
            errors.append(FieldError(f"fast_lane.{key}", "true or false"))
        elif kind is int and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            errors.append(FieldError(f"fast_lane.{key}", "a whole number, not negative"))
    if not errors and Decimal(str(fast["approval_max_amount"])) > Decimal(str(fast["max_amount"])):
        errors.append(FieldError("fast_lane.approval_max_amount", "at most fast_lane.max_amount"))
    if errors:
        raise InvalidInput(
            "Risk policy refused: " + "; ".join(f"{e.field}: {e.message}" for e in errors),
            errors=errors,
        )
    signals = deepcopy(DEFAULT["signals"])
    for code, values in document.get("signals", {}).items():
        signals[code].update(values)
    return {
        "signals": signals,
        "categories": deepcopy(categories),
        "ladder": ladder,
        "baseline_return_rate": baseline,
        "perishable_categories": list(perishable),
        "fast_lane": fast,
    }


BUILTIN = RiskPolicy("risk-builtin@0", validate({}))
