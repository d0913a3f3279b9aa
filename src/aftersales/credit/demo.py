"""Demo credit (`aftersales demo`): this and last month rated, a penalty on the first demo
buyer to see and appeal, and a review opened by two shops' flags on the second. Idempotent."""

from __future__ import annotations

from aftersales.accounts.actors import SYSTEM_ACTOR, Actor, actor_for_user
from aftersales.accounts.models import Role, User
from aftersales.core import clock
from aftersales.core.errors import Conflict, NotFound
from aftersales.credit import services
from aftersales.credit.metrics import Month
from aftersales.credit.models import BuyerPenalty
from aftersales.credit.rating import compute_month


def seed() -> str:
    this = Month.of(clock.now())
    rated = [compute_month(month=m, actor=SYSTEM_ACTOR) for m in (this.previous(), this)]
    buyers = list(User.objects.filter(role=Role.BUYER, buyer__isnull=False).order_by("id")[:2])
    desk = User.objects.filter(role=Role.SPECIALIST).order_by("id").first()
    if buyers and desk and not BuyerPenalty.objects.filter(buyer_id=buyers[0].buyer_id).exists():
        services.impose_penalty(
            actor=actor_for_user(desk),
            buyer_id=buyers[0].buyer_id,
            kind="inspect_first",
            reason_code="failed_inspections",
        )
    if len(buyers) > 1:
        from aftersales.orders.models import Order

        shops = (
            Order.objects.filter(buyer_id=buyers[1].buyer_id)
            .values_list("merchant_id", flat=True)
            .distinct()
        )
        for merchant_id in list(shops)[:2]:
            shop = Actor(
                kind="system",
                role="merchant_integration",
                label="demo shop",
                merchant_id=merchant_id,
            )
            try:
                services.flag_buyer(
                    actor=shop, buyer_id=buyers[1].buyer_id, reason_code="empty_return", note="demo"
                )
            except (Conflict, NotFound):
                pass  # flagged already (the demo ran before)
    return f"credit: {sum(r.merchants for r in rated)} merchant-months rated"
