import pytest

from aftersales.accounts.actors import SYSTEM_ACTOR, Actor, actor_for_user
from aftersales.accounts.permissions import (
    PERMISSIONS,
    has_permission,
    require,
    require_merchant_access,
)
from aftersales.core.errors import NotFound, PermissionDenied
from tests import factories

pytestmark = pytest.mark.django_db


def test_merchant_staff_cannot_create_merchants():
    staff = actor_for_user(factories.user("merchant_staff"))
    with pytest.raises(PermissionDenied):
        require(staff, "merchants.create")


def test_buyers_may_view_orders_but_not_write_them():
    buyer = Actor(kind="token", role="buyer", label="b", buyer_id=1)
    assert has_permission(buyer, "orders.view")
    assert not has_permission(buyer, "orders.write")


def test_another_merchants_data_is_not_found_rather_than_forbidden():
    mine, theirs = factories.merchant(), factories.merchant()
    staff = actor_for_user(factories.user("merchant_admin", merchant=mine))
    require_merchant_access(staff, mine.pk)
    with pytest.raises(NotFound):
        require_merchant_access(staff, theirs.pk)


def test_platform_staff_reach_every_merchant():
    agent = actor_for_user(factories.user("agent"))
    require_merchant_access(agent, factories.merchant().pk)


def test_the_system_acts_everywhere_it_is_granted():
    assert SYSTEM_ACTOR.is_platform


def test_asking_about_an_unknown_permission_is_a_bug_not_a_no():
    with pytest.raises(ValueError, match="unknown permission"):
        has_permission(SYSTEM_ACTOR, "orders.teleport")


def test_every_permission_names_only_known_roles():
    from aftersales.accounts.actors import MERCHANT_INTEGRATION, PLATFORM_INTEGRATION, SYSTEM
    from aftersales.accounts.models import Role

    known = set(Role.values) | {PLATFORM_INTEGRATION, MERCHANT_INTEGRATION, SYSTEM}
    for permission, roles in PERMISSIONS.items():
        assert set(roles) <= known, permission
