"""Small builders for the refunds tests: recorded price drops, scripted providers."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from aftersales.core import clock
from aftersales.refunds.models import PriceChange


def record_drop(
    merchant_id: int, sku: str, price: str = "49.00", *, at: datetime | None = None, kind="regular"
) -> PriceChange:
    """A price drop of `sku` the shop recorded (two days ago by default: after the test orders
    are placed, before now). Recording the same drop again finds the first (as the shop's
    import would)."""
    change, _ = PriceChange.objects.get_or_create(
        merchant_id=merchant_id,
        sku=sku,
        kind=kind,
        effective_at=at or clock.now() - timedelta(days=2),
        defaults={"price": Decimal(price)},
    )
    return change
