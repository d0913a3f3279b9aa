"""Reads of orders, always scoped to the actor: platform roles see all, merchants their own,
buyers the orders they placed."""

from __future__ import annotations

from django.db.models import QuerySet

from aftersales.accounts.actors import Actor
from aftersales.accounts.permissions import require
from aftersales.core.errors import InvalidInput, NotFound
from aftersales.orders.models import Order


def orders_visible_to(actor: Actor) -> QuerySet[Order]:
    require(actor, "orders.view")
    if actor.is_platform:
        return Order.objects.all()
    if actor.is_merchant_side and actor.merchant_id is not None:
        return Order.objects.filter(merchant_id=actor.merchant_id)
    if actor.is_buyer and actor.buyer_id is not None:
        return Order.objects.filter(buyer_id=actor.buyer_id)
    return Order.objects.none()


def order_for(
    actor: Actor,
    external_id: str,
    merchant_code: str | None = None,
    *,
    prefetch: tuple[str, ...] = ("lines", "payments", "shipments"),
) -> Order:
    """One order with its lines, payments and shipments (`prefetch`: those of them the caller
    reads). Someone else's order does not exist for the actor (404). An external_id that
    several merchants used needs `merchant_code`."""
    orders = orders_visible_to(actor).filter(external_id=external_id)
    if merchant_code is not None:
        orders = orders.filter(merchant__code=merchant_code)
    found = list(
        orders.select_related("merchant", "buyer").prefetch_related(*prefetch).order_by("pk")[:2]
    )
    if not found:
        raise NotFound(f"No order {external_id!r}.")
    if len(found) > 1:
        raise InvalidInput.on_field(
            "merchant",
            f"order {external_id!r} exists for several merchants; pass ?merchant=CODE",
        )
    return found[0]
