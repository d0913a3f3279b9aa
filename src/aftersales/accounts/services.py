"""Every state change of accounts: merchants and their settings, staff users, buyers."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from aftersales.accounts.actors import Actor
from aftersales.accounts.models import MERCHANT_ROLES, Buyer, Merchant, User
from aftersales.accounts.permissions import require, require_merchant_access
from aftersales.core.audit import record
from aftersales.core.errors import Conflict, FieldError, InvalidInput, NotFound


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


@transaction.atomic
def add_staff_user(
    *, actor: Actor, merchant: Merchant, username: str, password: str, role: str
) -> User:
    """A login for the shop's staff, with one of the merchant roles."""
    require(actor, "staff.manage")
    require_merchant_access(actor, merchant.pk)
    username = username.strip()
    errors = []
    if not username:
        errors.append(FieldError("username", "required"))
    if role not in MERCHANT_ROLES:
        errors.append(FieldError("role", "one of the merchant roles"))
    try:
        validate_password(password)
    except ValidationError as exc:
        errors += [FieldError("password", m) for m in exc.messages]
    if errors:
        raise InvalidInput("The staff account cannot be created.", errors=errors)
    if User.objects.filter(username=username).exists():
        raise Conflict.on_field("username", "this username is taken")
    user = User.objects.create_user(
        username=username, password=password, role=role, merchant=merchant
    )
    record(
        actor=actor,
        action="staff.added",
        subject=user,
        merchant_id=merchant.pk,
        payload={"username": username, "role": role},
    )
    return user


@transaction.atomic
def deactivate_staff_user(*, actor: Actor, merchant: Merchant, user_id: int) -> User:
    """The account can no longer log in (its history stays); tokens of a user stop with it."""
    require(actor, "staff.manage")
    require_merchant_access(actor, merchant.pk)
    user = User.objects.select_for_update().filter(pk=user_id, merchant=merchant).first()
    if user is None:
        raise NotFound(f"No staff user {user_id}.")
    if user.pk == actor.user_id:
        raise Conflict("You cannot deactivate your own account.")
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
        record(
            actor=actor,
            action="staff.deactivated",
            subject=user,
            merchant_id=merchant.pk,
            payload={"username": user.username, "role": user.role},
        )
    return user
