"""Price protection (价保, JD-04): price changes per SKU as the shop records them, and the claims
made on them — a claim refunds the difference to a recorded drop, once per drop and line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum

from aftersales.accounts.actors import Actor
from aftersales.accounts.permissions import require
from aftersales.core import clock
from aftersales.core.audit import record
from aftersales.core.errors import Conflict, InvalidInput
from aftersales.core.money import round_money
from aftersales.refunds.models import (
    COUNTING,
    EXCLUDED_PRICE_CHANGES,
    PriceChange,
    PriceChangeKind,
    PriceProtectionClaim,
    RefundLine,
)

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Drop:
    price_change: PriceChange
    limit: Decimal  # what the drop pays on this line, less earlier price-protection refunds


def recorded_drops(requests, lines, orders, *, at: datetime) -> dict[tuple[int, int], Drop]:
    """For each price-protection line: the deepest protected drop recorded for its SKU after the
    order was placed. None recorded → refused; the deepest already claimed on the line → 409."""
    wanted = [
        (r, i, ln) for r in requests if r.kind == "price_protection" for i, ln in enumerate(r.lines)
    ]
    if not wanted:
        return {}
    skus = {
        (lines[ln.order_line_id].merchant_id, lines[ln.order_line_id].sku) for _, _, ln in wanted
    }
    changes = list(
        PriceChange.objects.filter(
            merchant_id__in={m for m, _ in skus},
            sku__in={s for _, s in skus},
            effective_at__lte=at,
        ).exclude(kind__in=EXCLUDED_PRICE_CHANGES)
    )
    line_ids = [ln.order_line_id for _, _, ln in wanted]
    claimed = {
        (c.price_change_id, c.order_line_id): c.case_id
        for c in PriceProtectionClaim.objects.filter(order_line_id__in=line_ids)
    }
    protected = {
        row["order_line_id"]: row["total"]
        for row in RefundLine.objects.filter(
            order_line_id__in=line_ids, kind="price_protection", refund__state__in=COUNTING
        )
        .values("order_line_id")
        .annotate(total=Sum("amount"))
    }
    out = {}
    for request, i, ln in wanted:
        line = lines[ln.order_line_id]
        order = orders[request.order_id]
        candidates = [
            c
            for c in changes
            if c.merchant_id == line.merchant_id
            and c.sku == line.sku
            and c.effective_at > order.placed_at
        ]
        paid_unit = line.paid_amount / line.quantity
        deepest = min(candidates, key=lambda c: (c.price, c.effective_at), default=None)
        if deepest is None or deepest.price >= paid_unit:
            raise InvalidInput.on_field(
                f"lines[{i}]",
                f"no recorded price drop for SKU {line.sku!r} since the order was placed",
            )
        if (deepest.pk, line.pk) in claimed:
            raise Conflict.on_field(
                f"lines[{i}]",
                f"the drop to {deepest.price:.2f} was claimed already "
                f"(case {claimed[(deepest.pk, line.pk)]})",
            )
        quantity = ln.quantity or line.quantity
        limit = round_money((paid_unit - deepest.price) * quantity)
        limit -= protected.get(line.pk, ZERO)
        out[(request.case_id, line.pk)] = Drop(deepest, max(limit, ZERO))
    return out


def record_claims(claims: list[tuple[Drop, RefundLine]], *, at: datetime) -> None:
    """One claim row per drop and line; the unique key refuses a second (two cases at once)."""
    try:
        with transaction.atomic():
            PriceProtectionClaim.objects.bulk_create(
                [
                    PriceProtectionClaim(
                        merchant_id=rl.merchant_id,
                        price_change=drop.price_change,
                        order_line_id=rl.order_line_id,
                        case_id=rl.refund.case_id,
                        refund_line=rl,
                        claimed_at=at,
                    )
                    for drop, rl in claims
                ]
            )
    except IntegrityError:
        raise Conflict.on_field("lines", "this price drop was claimed already") from None


@transaction.atomic
def record_price_changes(
    *, actor: Actor, merchant_id: int, changes: list[dict], source: str = "api"
) -> list[PriceChange]:
    """Record new prices per SKU (`sku`, `price`, `effective_at`, `kind`); the same SKU, moment
    and kind again is the same change (updated, not duplicated)."""
    require(actor, "orders.write")
    if not changes:
        raise InvalidInput.on_field("changes", "name at least one price change")
    out = []
    for i, change in enumerate(changes):
        kind = change.get("kind") or PriceChangeKind.REGULAR
        if kind not in PriceChangeKind.values:
            raise InvalidInput.on_field(f"[{i}].kind", f"one of {list(PriceChangeKind.values)}")
        effective_at = clock.require_aware(change["effective_at"], f"[{i}].effective_at")
        row, _ = PriceChange.objects.update_or_create(
            merchant_id=merchant_id,
            sku=change["sku"],
            effective_at=effective_at,
            kind=kind,
            defaults={"price": change["price"], "source": source},
        )
        out.append(row)
    record(
        actor=actor,
        action="price_changes.recorded",
        subject=out[0],
        merchant_id=merchant_id,
        payload={"count": len(out), "source": source},
    )
    return out


def merchant_for_write(actor: Actor, code: str | None):
    """A merchant-side actor writes its own merchant's prices (another code is a merchant that
    does not exist for it); platform callers name the merchant."""
    from aftersales.accounts.models import Merchant
    from aftersales.core.errors import NotFound

    require(actor, "orders.write")
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
