"""Every state change of accounts: merchants, staff users, buyers."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from aftersales.accounts.actors import Actor
from aftersales.accounts.models import Merchant
from aftersales.accounts.permissions import require
from aftersales.core.audit import record
from aftersales.core.errors import Conflict


@transaction.atomic
def create_merchant(*, actor: Actor, code: str, name: str) -> Merchant:
    require(actor, "merchants.create")
    try:
        with transaction.atomic():
            merchant = Merchant.objects.create(code=code, name=name)
    except IntegrityError:
        raise Conflict.on_field("code", f"a merchant with code {code!r} already exists") from None
    record(
        actor=actor,
        action="merchant.created",
        subject=merchant,
        merchant_id=merchant.pk,
        payload={"code": code, "name": name},
    )
    return merchant
