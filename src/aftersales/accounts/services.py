"""Every state change of accounts: merchants, staff users, buyers."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from aftersales.accounts.actors import Actor
from aftersales.accounts.models import Buyer, Merchant
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


def upsert_buyer(*, external_id: str, name: str = "", phone: str = "", address: str = "") -> Buyer:
    """The buyer is one identity across shops, known by the external_id shops send with their
    orders. A field left out does not erase what an earlier order said. Runs inside the
    caller's transaction (orders intake)."""
    buyer = Buyer.objects.filter(external_id=external_id).first()
    if buyer is None:
        buyer = Buyer(external_id=external_id, name=name, address=address)
        buyer.set_phone(phone)
        buyer.save(force_insert=True)
        return buyer
    changed: list[str] = []
    if name and name != buyer.name:
        buyer.name = name
        changed.append("name")
    if address and address != buyer.address:
        buyer.address = address
        changed.append("address")
    if phone and phone != buyer.phone:
        buyer.set_phone(phone)
        changed += ["phone", "phone_hash"]
    if changed:
        buyer.save(update_fields=[*changed, "updated_at"])
    return buyer
