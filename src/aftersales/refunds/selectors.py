"""Reads of refunds, scoped to the actor: who may see the case may see its refunds."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet, Sum

from aftersales.accounts.actors import Actor
from aftersales.accounts.permissions import require
from aftersales.core.errors import NotFound
from aftersales.refunds.models import COUNTING, Refund


def refunds_visible_to(actor: Actor) -> QuerySet[Refund]:
    require(actor, "cases.view")
    refunds = Refund.objects.select_related("merchant", "payment").prefetch_related(
        "lines__order_line"
    )
    if actor.is_platform:
        return refunds
    if actor.is_merchant_side:
        return refunds.filter(merchant_id=actor.merchant_id)
    if actor.is_buyer and actor.buyer_id:
        return refunds.filter(case__buyer_id=actor.buyer_id)
    return refunds.none()


def refund_for(actor: Actor, refund_id: int) -> Refund:
    try:
        return refunds_visible_to(actor).get(pk=refund_id)
    except (Refund.DoesNotExist, ValueError, TypeError):
        raise NotFound(f"No refund {refund_id}.") from None


def refunds_of_case(actor: Actor, case_id: int) -> QuerySet[Refund]:
    return refunds_visible_to(actor).filter(case_id=case_id)


def refunded_on_case(case_id: int) -> Decimal:
    """What the case has granted the buyer back for its goods (every refund but a failed one,
    compensation apart): the money a later ruling weighs against."""
    total = Refund.objects.filter(case_id=case_id, purpose="refund", state__in=COUNTING).aggregate(
        total=Sum("amount")
    )["total"]
    return total or Decimal("0.00")
