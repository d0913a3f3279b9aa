"""Demo books for `aftersales demo`, made through the real services: each demo merchant's
deposit and some settlement income, and one pay-first on a rejected case of the electronics
shop (its deposit short of the 10,000.00 its category requires, so a top-up request is open).
Idempotent: a merchant whose books have movements is left as it is."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from aftersales.accounts.actors import Actor
from aftersales.accounts.models import Merchant, User
from aftersales.guarantee import services
from aftersales.guarantee.models import Movement, Source

# merchant code → (deposit paid in, settlement income)
BOOKS = {"m-apparel": ("2000.00", "3000.00"), "m-electronics": ("8000.00", "20.00")}


@transaction.atomic
def seed() -> int:
    """Returns the pay-firsts made (0 or 1)."""
    from aftersales.cases.models import Case

    made = 0
    for code, (deposit, income) in BOOKS.items():
        merchant = Merchant.objects.filter(code=code).first()
        if merchant is None or Movement.objects.filter(merchant=merchant).exists():
            continue
        order = Case.objects.filter(merchant=merchant).values_list("order_id", flat=True).first()
        services.credit_settlement(
            merchant_id=merchant.pk,
            amount=Decimal(income),
            source=Source.ORDER,
            source_id=order or merchant.pk,
        )
        services.top_up(
            merchant=merchant,
            amount=Decimal(deposit),
            reference=f"DEMO-DEPOSIT-{code}",
            actor=Actor(kind="system", role="system", label="demo"),
        )
        case = (
            Case.objects.filter(merchant=merchant, state="rejected", refunds__isnull=True)
            .order_by("pk")
            .first()
        )
        desk = User.objects.filter(username="specialist").first()
        if code == "m-electronics" and case is not None and desk is not None:
            services.pay_first(
                case_id=case.pk,
                merchant_id=merchant.pk,
                amount=Decimal("50.00"),
                reason="商家拒绝后平台判定买家有理，先行赔付",
                source=Source.CASE,
                source_id=case.pk,
                actor=Actor(kind="user", role="specialist", label=desk.username, user_id=desk.pk),
            )
            made += 1
    return made
