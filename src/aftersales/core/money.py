"""Money: Decimal to two places with a currency, and the one rounding rule (half up)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
_DECIMAL_TEXT = re.compile(r"[+-]?\d+(\.\d+)?", re.ASCII)

# Currencies whose minor unit is two places; the platform settles in these only.
CURRENCIES = frozenset(
    {"CNY", "HKD", "MOP", "TWD", "USD", "EUR", "GBP", "SGD", "AUD", "CAD", "NZD", "CHF"}
)


def round_money(value: Decimal) -> Decimal:
    """The single rounding rule of the platform: half up, to the fen."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def floor_money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_DOWN)


def parse_amount(raw: object) -> Decimal:
    """A decimal string (or int) with at most two places; floats are refused (they are inexact),
    and so are spellings no shop means by an amount ("1e2", "1_000", "NaN", "Infinity")."""
    if isinstance(raw, bool | float):
        raise ValueError('amounts are decimal strings such as "99.90", not floats')
    if isinstance(raw, Decimal):
        value = raw
    else:
        text = str(raw).strip()
        if not _DECIMAL_TEXT.fullmatch(text):
            raise ValueError('not a decimal amount such as "99.90"')
        value = Decimal(text)
    if not value.is_finite():
        raise ValueError("must be a finite amount")
    try:
        in_cents = value.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than the decimal context holds
        raise ValueError("too large an amount") from None
    if value != in_cents:
        raise ValueError("has more than two decimal places")
    if value < 0:
        raise ValueError("must not be negative")
    return abs(in_cents)  # "-0.00" is 0.00


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if self.currency not in CURRENCIES:
            raise ValueError(f"unknown currency {self.currency!r}")
        object.__setattr__(self, "amount", round_money(Decimal(self.amount)))

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        return Money(self.amount * Decimal(factor), self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def as_json(self) -> dict[str, str]:
        return {"amount": f"{self.amount:.2f}", "currency": self.currency}

    def __str__(self) -> str:
        return f"{self.amount:.2f} {self.currency}"


def allocate(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split `total` over `weights` pro rata, to the fen, so the shares sum exactly to `total`.

    Each share is floored first; the fen left over go to the largest weight (the contract's
    rule), spilling to the next largest when a share would exceed its own weight. No share ever
    exceeds its weight as long as `total` does not exceed their sum.
    """
    total = Decimal(total)
    if total < 0:
        raise ValueError("cannot allocate a negative amount")
    if any(w < 0 for w in weights):
        # A negative weight would take a negative share: a line that is paid money back.
        raise ValueError("cannot allocate over negative weights")
    weight_sum = sum(weights, Decimal(0))
    if total == 0 or not weights:
        return [Decimal("0.00")] * len(weights)
    if weight_sum <= 0:
        raise ValueError("cannot allocate over weights that sum to zero")
    if total > weight_sum:
        raise ValueError("cannot allocate more than the weights sum to")
    shares = [floor_money(total * w / weight_sum) for w in weights]
    remainder = int((total - sum(shares, Decimal(0))) / CENT)
    by_size = sorted(range(len(weights)), key=lambda i: (-weights[i], i))
    for i in by_size:
        if remainder == 0:
            break
        headroom = int((weights[i] - shares[i]) / CENT)
        give = min(headroom, remainder)
        shares[i] += CENT * give
        remainder -= give
    assert remainder == 0, "headroom always covers the remainder when total <= sum(weights)"
    return shares
