"""Reads of the guarantee fund, scoped to the actor: a merchant sees its own books, the
platform's people and integrations every merchant's."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from aftersales.accounts.actors import Actor
from aftersales.accounts.models import Merchant
from aftersales.accounts.selectors import merchant_by_code
from aftersales.core.pagination import Page, paginate
from aftersales.guarantee.ledger import balances
from aftersales.guarantee.models import (
    ContestState,
    Entry,
    Movement,
    PayFirst,
    TopUpRequest,
    TopUpRequestState,
)
from aftersales.guarantee.requirements import Requirement, deposit_requirement
from aftersales.guarantee.services import contest_actions, pay_first_for


@dataclass(frozen=True)
class Deposit:
    merchant: Merchant
    balances: dict[str, Decimal]
    requirement: Requirement
    top_up_request: TopUpRequest | None

    @property
    def below_requirement(self) -> bool:
        return self.balances["deposit"] < self.requirement.amount

    @property
    def shortfall(self) -> Decimal:
        return max(self.requirement.amount - self.balances["deposit"], Decimal("0.00"))


def deposit_of(actor: Actor, code: str) -> Deposit:
    """The merchant's balances against its requirement (404 for another tenant)."""
    merchant = merchant_by_code(actor, code)
    return Deposit(
        merchant=merchant,
        balances=balances(merchant.pk),
        requirement=deposit_requirement(merchant),
        top_up_request=TopUpRequest.objects.filter(
            merchant=merchant, state=TopUpRequestState.OPEN
        ).first(),
    )


def movements_of(merchant: Merchant) -> QuerySet[Movement]:
    return Movement.objects.filter(merchant=merchant).prefetch_related(
        Prefetch("entries", queryset=Entry.objects.select_related("account").order_by("id"))
    )


def ledger_page(merchant: Merchant, *, limit: int | None, cursor: str | None) -> Page:
    """The merchant's movements, newest first, each with its entries (keyset pages)."""
    return paginate(movements_of(merchant), order_by=("-at", "-id"), limit=limit, cursor=cursor)


def pay_firsts_of(merchant: Merchant) -> QuerySet[PayFirst]:
    return PayFirst.objects.filter(merchant=merchant).select_related("claim", "merchant")


def pay_first_page(merchant: Merchant, *, limit: int | None, cursor: str | None) -> Page:
    return paginate(
        pay_firsts_of(merchant), order_by=("-created_at", "-id"), limit=limit, cursor=cursor
    )


def contests_to_decide(actor: Actor) -> QuerySet[PayFirst]:
    """The desk's queue: contested pay-firsts, oldest contest first (platform only)."""
    if not actor.is_platform:
        return PayFirst.objects.none()
    return (
        PayFirst.objects.filter(contest_state=ContestState.CONTESTED)
        .select_related("merchant", "claim")
        .order_by("contested_at", "id")
    )


__all__ = [
    "Deposit",
    "contest_actions",
    "contests_to_decide",
    "deposit_of",
    "ledger_page",
    "pay_first_for",
    "pay_first_page",
]
