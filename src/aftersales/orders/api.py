"""/orders: upsert an order as the shop sees it, and read it back (buyer data masked)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from aftersales.orders import selectors, services
from aftersales.orders.schemas import OrderIn, OrderOut, order_out

router = Router(tags=["orders"])


@router.post("/orders", response={200: OrderOut, 201: OrderOut})
def upsert_order(request: HttpRequest, payload: OrderIn):
    """Create the order (201) or update it (200), keyed by `external_id` within the merchant."""
    order, created = services.upsert_order(actor=request.auth, data=payload)
    return Status(201 if created else 200, order_out(order))


@router.get("/orders/{external_id}", response=OrderOut)
def get_order(request: HttpRequest, external_id: str, merchant: str | None = None):
    """With a platform token, `?merchant=CODE` picks the merchant when several used the id."""
    return order_out(selectors.order_for(request.auth, external_id, merchant))
