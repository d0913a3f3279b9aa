"""From an order (stored, or parsed from the Order JSON) to the facts a decision reads."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from aftersales.core.errors import InvalidInput
from aftersales.policy.decide import LineFacts


def _delivery(shipments: list[Any], line_id: str) -> tuple[Any, Any, Any]:
    """A line sent in several parcels is shipped with the first and delivered with the last."""
    mine = [s for s in shipments if line_id in s.line_ids]
    if not mine:
        return None, None, None
    shipped = min((s.shipped_at for s in mine if s.shipped_at), default=None)
    signed_all = all(s.signed_at for s in mine)
    signed = max(s.signed_at for s in mine) if signed_all else None
    installed = max((s.installed_at for s in mine if s.installed_at), default=None)
    return shipped, signed, installed


def _facts(
    merchant: str, line: Any, *, paid_amount: Decimal, order: Any, shipments: list[Any]
) -> LineFacts:
    attrs = line.attributes if isinstance(line.attributes, dict) else line.attributes.model_dump()
    shipped, signed, installed = _delivery(shipments, line.line_id)
    exclusions = []
    for e in line.confirmed_exclusions:
        kind = e["kind"] if isinstance(e, dict) else e.kind
        at = e["confirmed_at"] if isinstance(e, dict) else e.confirmed_at
        exclusions.append((kind, datetime.fromisoformat(at) if isinstance(at, str) else at))
    gifts = sum(
        (
            Decimal(str(g["marked_price"] if isinstance(g, dict) else g.marked_price))
            for g in line.gifts
        ),
        Decimal("0.00"),
    )
    return LineFacts(
        merchant=merchant,
        line_id=line.line_id,
        sku=line.sku,
        category=line.category,
        quantity=line.quantity,
        unit_price=Decimal(line.unit_price),
        paid_amount=paid_amount,
        currency=order.currency,
        placed_at=order.placed_at,
        paid_at=order.paid_at or order.placed_at,
        customized=bool(attrs.get("customized")),
        fresh_perishable=bool(attrs.get("fresh_perishable")),
        digital=bool(attrs.get("digital")),
        periodical=bool(attrs.get("periodical")),
        warranty_months=int(attrs.get("warranty_months") or 0),
        confirmed_exclusions=tuple(exclusions),
        gifts_marked_price=gifts,
        freight_insurance=order.freight_insurance,
        shipped_at=shipped,
        signed_at=signed,
        installed_at=installed,
    )


def find_line(lines: list[Any], *, line_id: str | None, sku: str | None) -> Any:
    if line_id is not None:
        for line in lines:
            if line.line_id == line_id:
                return line
        raise InvalidInput.on_field("line_id", f"the order has no line {line_id!r}")
    matches = [line for line in lines if line.sku == sku]
    if not matches:
        raise InvalidInput.on_field("sku", f"the order has no line with SKU {sku!r}")
    if len(matches) > 1:
        raise InvalidInput.on_field("sku", f"SKU {sku!r} is on several lines: name the line")
    return matches[0]


def facts_from_stored(order: Any, line: Any, shipments: list[Any] | None = None) -> LineFacts:
    """From orders.models (the paid share was allocated when the order was written).
    `shipments`: the order's, when the caller has read them already."""
    return _facts(
        order.merchant.code,
        line,
        paid_amount=line.paid_amount,
        order=order,
        shipments=list(order.shipments.all()) if shipments is None else shipments,
    )


def facts_from_parsed(order: Any, line: Any, merchant: str) -> LineFacts:
    """From a parsed OrderIn (`policy check --order FILE`): allocate the discount the same way
    the orders service does, so offline and online decisions agree to the fen."""
    from aftersales.orders.services import allocate_order_discount

    shares = allocate_order_discount(order.discount, [ln.net for ln in order.lines])
    index = next(i for i, ln in enumerate(order.lines) if ln.line_id == line.line_id)
    paid = order.lines[index].net - shares[index]
    return _facts(merchant, line, paid_amount=paid, order=order, shipments=list(order.shipments))
