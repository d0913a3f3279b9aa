"""Every state change of orders: `upsert_order`, the one way an order, its lines, payments and
shipments are written (API and import alike)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, models, transaction

from aftersales.accounts.actors import Actor
from aftersales.accounts.models import Merchant
from aftersales.accounts.permissions import require
from aftersales.accounts.services import upsert_buyer
from aftersales.core.audit import record
from aftersales.core.errors import InvalidInput, NotFound
from aftersales.core.money import allocate
from aftersales.orders.models import Order, OrderLine, Payment, Shipment
from aftersales.orders.schemas import OrderIn, check_order, parse_order

LINE_FIELDS = [
    "position",
    "sku",
    "title",
    "category",
    "quantity",
    "unit_price",
    "discount",
    "allocated_discount",
    "paid_amount",
    "attributes",
    "confirmed_exclusions",
    "gifts",
]
PAYMENT_FIELDS = ["method", "amount", "paid_at"]
SHIPMENT_FIELDS = ["carrier", "tracking_no", "line_ids", "shipped_at", "signed_at", "installed_at"]


def allocate_order_discount(discount: Decimal, line_nets: list[Decimal]) -> list[Decimal]:
    """The order-level discount split over the lines pro rata to their totals after line
    discounts, to the fen; the fen left over go to the largest line (the contract's rule).
    The one place this is decided: refunds and policy read the stored shares."""
    return allocate(discount, line_nets)


def upsert_order(*, actor: Actor, data: OrderIn | Mapping[str, Any]) -> tuple[Order, bool]:
    """Create or update the order `data.external_id` of the actor's merchant; returns the order
    (lines, payments and shipments loaded) and whether it was created. `data` is a parsed
    OrderIn (the API's) or the Order JSON as decoded (scripts, demo data, other contexts)."""
    require(actor, "orders.write")
    if isinstance(data, OrderIn):
        check_order(data)
    else:
        data = parse_order(dict(data))
    try:
        return _upsert_order(actor=actor, data=data)
    except IntegrityError:
        # Two requests created the same new order (or buyer) at once and this one lost the
        # race on the unique key; its transaction is rolled back whole, and now the row exists,
        # so once more is an update. A second failure is a real error and propagates.
        return _upsert_order(actor=actor, data=data)


@transaction.atomic
def _upsert_order(*, actor: Actor, data: OrderIn) -> tuple[Order, bool]:
    merchant = _merchant_for(actor, data.merchant)
    buyer = upsert_buyer(
        external_id=data.buyer.external_id,
        name=data.buyer.name,
        phone=data.buyer.phone,
        address=data.buyer.address,
    )
    order = (
        Order.objects.select_for_update()
        .filter(merchant=merchant, external_id=data.external_id)
        .first()
    )
    created = order is None
    if order is None:
        order = Order(merchant=merchant, external_id=data.external_id)
    changed = _assign(
        order,
        buyer_id=buyer.pk,
        currency=data.currency,
        placed_at=data.placed_at,
        paid_at=data.paid_at,
        discount=data.discount,
        shipping_fee=data.shipping_fee,
        free_shipping=data.free_shipping,
        freight_insurance=data.freight_insurance,
        ship_to_name=data.buyer.name,
        ship_to_phone=data.buyer.phone,
        ship_to_address=data.buyer.address,
    )
    order.merchant, order.buyer = merchant, buyer
    if created or changed:
        order.save()

    shares = allocate_order_discount(data.discount, [line.net for line in data.lines])
    lines = _sync(
        order,
        OrderLine,
        "lines",
        key="line_id",
        fields=LINE_FIELDS,
        existing=[] if created else list(order.lines.all()),
        rows=[
            {
                "line_id": line.line_id,
                "position": i,
                "sku": line.sku,
                "title": line.title,
                "category": line.category,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "discount": line.discount,
                "allocated_discount": share,
                "paid_amount": line.net - share,
                "attributes": line.attributes.model_dump(mode="json"),
                "confirmed_exclusions": [
                    {"kind": e.kind, "confirmed_at": e.confirmed_at.isoformat()}
                    for e in line.confirmed_exclusions
                ],
                "gifts": [
                    {"title": g.title, "marked_price": f"{g.marked_price:.2f}"} for g in line.gifts
                ],
            }
            for i, (line, share) in enumerate(zip(data.lines, shares, strict=True))
        ],
    )
    # Payments and shipments are replaced as sent; matching by position keeps their row ids
    # (and whatever later points at them) stable across re-sends.
    payments = _sync(
        order,
        Payment,
        "payments",
        key="seq",
        fields=PAYMENT_FIELDS,
        existing=[] if created else list(order.payments.all()),
        rows=[
            {"seq": i + 1, "method": p.method, "amount": p.amount, "paid_at": p.paid_at}
            for i, p in enumerate(data.payments)
        ],
    )
    shipments = _sync(
        order,
        Shipment,
        "shipments",
        key="seq",
        fields=SHIPMENT_FIELDS,
        existing=[] if created else list(order.shipments.all()),
        rows=[
            {
                "seq": i + 1,
                "carrier": s.carrier,
                "tracking_no": s.tracking_no,
                "line_ids": list(s.line_ids),
                "shipped_at": s.shipped_at,
                "signed_at": s.signed_at,
                "installed_at": s.installed_at,
            }
            for i, s in enumerate(data.shipments)
        ],
    )
    record(
        actor=actor,
        action="order.created" if created else "order.updated",
        subject=order,
        merchant_id=merchant.pk,
        payload={
            "external_id": order.external_id,
            "lines": len(lines),
            "changed": [
                name
                for name, did in (
                    ("order", created or changed),
                    ("lines", lines.changed),
                    ("payments", payments.changed),
                    ("shipments", shipments.changed),
                )
                if did
            ],
        },
    )
    return order, created


def _merchant_for(actor: Actor, code: str | None) -> Merchant:
    """A merchant-side actor writes its own merchant's orders (another merchant's code is a
    merchant that does not exist for it); platform callers name the merchant."""
    if actor.is_merchant_side:
        merchant = Merchant.objects.filter(pk=actor.merchant_id).first()
        if merchant is None or (code is not None and code != merchant.code):
            raise NotFound(f"No merchant {code!r}.")
        return merchant
    if code is None:
        raise InvalidInput.on_field("merchant", "required with a platform token: the merchant code")
    merchant = Merchant.objects.filter(code=code).first()
    if merchant is None:
        raise InvalidInput.on_field("merchant", f"no merchant with code {code!r}")
    return merchant


def _assign(obj: models.Model, **values: Any) -> bool:
    """Set attributes; True when any of them changed."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


class _Synced(list):
    changed: bool = False


def _sync(
    order: Order,
    model: type[models.Model],
    related_name: str,
    *,
    key: str,
    fields: list[str],
    existing: list[models.Model],
    rows: list[dict[str, Any]],
) -> _Synced:
    """Make the order's `related_name` rows match `rows` (matched by `key`), in three
    statements at most: one bulk insert, one bulk update, one delete."""
    by_key = {getattr(obj, key): obj for obj in existing}
    to_create, to_update, result = [], [], _Synced()
    for row in rows:
        obj = by_key.pop(row[key], None)
        if obj is None:
            obj = model(order=order, merchant_id=order.merchant_id, **row)
            to_create.append(obj)
        elif _assign(obj, **{f: row[f] for f in fields}):
            to_update.append(obj)
        result.append(obj)
    if by_key:
        model.objects.filter(pk__in=[obj.pk for obj in by_key.values()]).delete()
    if to_update:
        model.objects.bulk_update(to_update, fields)
    if to_create:
        model.objects.bulk_create(to_create)
    result.changed = bool(by_key or to_update or to_create)
    # Hand the rows back as if prefetched, so serializing the order costs no further query.
    queryset = model.objects.filter(order=order)
    queryset._result_cache = list(result)
    queryset._prefetch_done = True
    order._prefetched_objects_cache = getattr(order, "_prefetched_objects_cache", {})
    order._prefetched_objects_cache[related_name] = queryset
    return result
