"""Who acts in credit tests."""

from __future__ import annotations

from aftersales.accounts.actors import MERCHANT_INTEGRATION, Actor, actor_for_user
from aftersales.accounts.models import Role
from tests import factories


def buyer_of(b) -> Actor:
    return Actor(kind="user", role=Role.BUYER, label=b.external_id, buyer_id=b.pk)


def shop_of(m) -> Actor:
    return Actor(
        kind="token", role=MERCHANT_INTEGRATION, label=f"{m.code} integration", merchant_id=m.pk
    )


def shop_admin_of(m) -> Actor:
    return actor_for_user(factories.user(Role.MERCHANT_ADMIN, merchant=m))


def desk() -> Actor:
    return actor_for_user(factories.user(Role.SPECIALIST))
