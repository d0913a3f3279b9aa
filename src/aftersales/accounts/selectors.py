"""Reads of accounts, always scoped to the actor."""

from __future__ import annotations

from django.db.models import QuerySet

from aftersales.accounts.actors import Actor
from aftersales.accounts.models import Merchant, User
from aftersales.accounts.permissions import require, require_merchant_access
from aftersales.core.errors import NotFound


def merchants_visible_to(actor: Actor) -> QuerySet[Merchant]:
    require(actor, "merchants.view")
    if actor.is_platform:
        return Merchant.objects.all()
    if actor.is_merchant_side:
        return Merchant.objects.filter(pk=actor.merchant_id)
    return Merchant.objects.none()


def merchant_by_code(actor: Actor, code: str) -> Merchant:
    try:
        return merchants_visible_to(actor).get(code=code)
    except Merchant.DoesNotExist:
        raise NotFound(f"No merchant {code!r}.") from None


def staff_of(actor: Actor, merchant: Merchant) -> QuerySet[User]:
    require(actor, "merchants.view")
    require_merchant_access(actor, merchant.pk)
    return User.objects.filter(merchant=merchant).order_by("-is_active", "username")
