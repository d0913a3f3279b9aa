"""Small builders for the guarantee tests: actors, a merchant with money on its books, a case
to pay first on, and readings of the books straight from the entries."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from aftersales.accounts.actors import MERCHANT_INTEGRATION, Actor
from aftersales.accounts.models import Merchant, Role
from aftersales.guarantee import services
from aftersales.guarantee.models import NORMAL_SIGN, AccountKind, Entry, LedgerAccount, Source
from tests import factories
from tests.cases.factories import opened_case

SPECIALIST = Actor(kind="user", role=Role.SPECIALIST, label="specialist")
MANAGER = Actor(kind="user", role=Role.MANAGER, label="manager")


def merchant_admin(merchant: Merchant) -> Actor:
    return Actor(kind="user", role=Role.MERCHANT_ADMIN, label="admin", merchant_id=merchant.pk)


def integration(merchant: Merchant) -> Actor:
    return Actor(kind="token", role=MERCHANT_INTEGRATION, label="m", merchant_id=merchant.pk)


def funded(settlement: str = "0.00", deposit: str = "0.00", **settings) -> Merchant:
    """A merchant (selling `default` categories unless told) with this much on its books."""
    merchant = factories.merchant()
    if settings:
        merchant.settings = settings
        merchant.save(update_fields=["settings"])
    if Decimal(settlement) > 0:
        services.credit_settlement(
            merchant_id=merchant.pk, amount=Decimal(settlement), source=Source.ORDER, source_id=1
        )
    if Decimal(deposit) > 0:
        services.top_up(
            merchant=merchant,
            amount=Decimal(deposit),
            reference=f"seed-{merchant.pk}",
            actor=integration(merchant),
        )
    return merchant


def case_of(merchant: Merchant):
    """A case on a fresh 60.00 order of the merchant."""
    return opened_case("return_refund", merchant=merchant)


def balance(merchant: Merchant, kind: str) -> Decimal:
    row = LedgerAccount.objects.filter(merchant=merchant, kind=kind).first()
    return row.balance if row else Decimal("0.00")


def entries_sum(merchant: Merchant, kind: str) -> Decimal:
    """The account's balance from its entries alone (normal direction)."""
    total = Entry.objects.filter(merchant=merchant, account__kind=kind).aggregate(t=Sum("amount"))
    # SQLite sums decimals as floats: back to the fen.
    return NORMAL_SIGN[kind] * (total["t"] or Decimal("0.00")).quantize(Decimal("0.01"))


ACCOUNTS = [k for k, _ in AccountKind.choices]
