from datetime import timedelta

import pytest
import time_machine

from aftersales.accounts.models import ApiToken, TokenScope
from aftersales.accounts.tokens import actor_for_token, hash_token, issue_token, revoke_token
from aftersales.core import clock
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_token_is_stored_only_as_its_hash():
    issued = issue_token(scope=TokenScope.PLATFORM)
    stored = ApiToken.objects.get(pk=issued.token.pk)
    assert stored.token_hash == hash_token(issued.raw)
    assert issued.raw not in {stored.token_hash, stored.prefix, stored.name}


def test_a_merchant_token_acts_for_its_merchant_only():
    merchant = factories.merchant()
    actor = actor_for_token(factories.merchant_token(merchant))
    assert actor.merchant_id == merchant.pk
    assert actor.is_merchant_side and not actor.is_platform


def test_a_buyer_token_acts_as_that_buyer():
    buyer = factories.buyer()
    actor = actor_for_token(factories.buyer_token(buyer))
    assert actor.role == "buyer" and actor.buyer_id == buyer.pk


def test_a_user_token_carries_the_users_role_and_merchant():
    staff = factories.user("merchant_staff")
    actor = actor_for_token(factories.user_token(staff))
    assert (actor.role, actor.merchant_id, actor.user_id) == (
        "merchant_staff",
        staff.merchant_id,
        staff.pk,
    )


def test_a_revoked_token_no_longer_authenticates(api):
    issued = issue_token(scope=TokenScope.PLATFORM)
    revoke_token(issued.token)
    assert actor_for_token(issued.raw) is None
    assert api(issued.raw).get("/merchants/anything").status_code == 401


def test_a_deactivated_users_token_no_longer_authenticates():
    agent = factories.user("agent")
    raw = factories.user_token(agent)
    agent.is_active = False
    agent.save()
    assert actor_for_token(raw) is None


def test_an_unknown_token_is_refused(api):
    response = api("as_not-a-real-token").get("/merchants/m-1")
    assert response.status_code == 401


def test_last_used_time_is_recorded_at_most_once_a_minute():
    issued = issue_token(scope=TokenScope.PLATFORM)
    actor_for_token(issued.raw)
    first = ApiToken.objects.get(pk=issued.token.pk).last_used_at
    assert first is not None
    with time_machine.travel(clock.now() + timedelta(seconds=30)):
        actor_for_token(issued.raw)
        assert ApiToken.objects.get(pk=issued.token.pk).last_used_at == first
    with time_machine.travel(clock.now() + timedelta(minutes=2)):
        actor_for_token(issued.raw)
        assert ApiToken.objects.get(pk=issued.token.pk).last_used_at > first


def test_issuing_and_revoking_a_token_are_audited():
    from aftersales.core.models import AuditEvent

    issued = issue_token(scope=TokenScope.PLATFORM, name="erp")
    revoke_token(issued.token)
    actions = list(
        AuditEvent.objects.filter(subject_id=str(issued.token.pk)).values_list("action", flat=True)
    )
    assert sorted(actions) == ["token.issued", "token.revoked"]


def test_revoking_twice_is_harmless_and_audited_once():
    issued = issue_token(scope=TokenScope.PLATFORM)
    assert revoke_token(issued.token) is True
    assert revoke_token(issued.token) is False


def test_createsuperuser_makes_a_platform_administrator():
    from aftersales.accounts.models import User

    admin = User.objects.create_superuser("root", "root@example.com", "pw-long-enough-1")
    assert admin.role == "admin"
