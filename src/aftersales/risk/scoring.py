"""The score: every signal of the trigger run over one inputs snapshot under one policy, the
points of those that fired summed, and the level read off the ladder — bounded by each fired
signal's ceiling (RS-01 warns at most) and raised to its floor (a weight mismatch is held for a
person). Pure: the same snapshot and policy give the same result, so a stored assessment can be
replayed. A signal that cannot be computed does not count against the buyer: the request is
allowed, and marked for review (`needs_review`). Nothing here denies: the ladder ends at review."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from aftersales.risk.document import RiskPolicy
from aftersales.risk.signals import BY_CODE, LEVELS, SIGNALS, Missing


@dataclass(frozen=True)
class Reason:
    code: str
    points: int
    detail: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "points": self.points, "detail": self.detail}


@dataclass(frozen=True)
class Result:
    score: int
    level: str
    needs_review: bool
    reasons: tuple[Reason, ...]
    missing: tuple[str, ...] = ()
    thresholds: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.reasons]

    @property
    def flagged(self) -> bool:
        return self.level == "review" or self.needs_review


def _rank(level: str) -> int:
    return LEVELS.index(level)


def level_for(score: int, cutoffs: Mapping[str, int]) -> str:
    for level in ("review", "friction", "warn"):
        if score >= cutoffs[level]:
            return level
    return "allow"


# Money in a snapshot is a Decimal string ("123.45"); snapshots stored before that hold a float.
# The signals compute ratios in floats, so both read the same number (and score the same).
MONEY_INPUTS = ("claim_amount",)


def _as_numbers(inputs: Mapping[str, Any]) -> Mapping[str, Any]:
    found = [k for k in MONEY_INPUTS if isinstance(inputs.get(k), str)]
    if not found:
        return inputs
    return {**inputs, **{k: float(Decimal(inputs[k])) for k in found}}


def fires(inputs: Mapping[str, Any], policy: RiskPolicy, codes: Iterable[str]) -> bool:
    """Whether any of the signals fires on the inputs under the policy (one that cannot be
    judged does not): for a read that only ever lowers them, so is needed only where one does."""
    inputs = _as_numbers(inputs)
    category = inputs.get("category", "")
    for code in codes:
        try:
            if BY_CODE[code].run(inputs, policy.thresholds(code, category)) is not None:
                return True
        except Missing:
            continue
    return False


def score(
    inputs: Mapping[str, Any],
    policy: RiskPolicy,
    *,
    trigger: str,
    only: frozenset[str] | None = None,
) -> Result:
    """`only`: the signals to run (a replay runs those the stored score ran, not later ones)."""
    inputs = _as_numbers(inputs)
    category = inputs.get("category", "")
    reasons, missing, used = [], [], {}
    ceiling, floor = 0, 0
    for signal in SIGNALS:
        if trigger not in signal.triggers or (only is not None and signal.code not in only):
            continue
        thresholds = policy.thresholds(signal.code, category)
        used[signal.code] = thresholds
        try:
            finding = signal.run(inputs, thresholds)
        except Missing as exc:
            missing.append(f"{signal.code}: {exc}")
            continue
        if finding is None:
            continue
        points = int(thresholds.get("points", 0))
        reasons.append(Reason(signal.code, points, finding.detail))
        ceiling = max(ceiling, _rank(signal.ceiling))
        floor = max(floor, _rank(signal.floor))
    total = sum(r.points for r in reasons)
    by_score = _rank(level_for(total, policy.cutoffs()))
    level = LEVELS[max(floor, min(by_score, ceiling))] if reasons else "allow"
    return Result(
        score=total,
        level=level,
        needs_review=bool(missing),
        reasons=tuple(reasons),
        missing=tuple(missing),
        thresholds=used,
    )
