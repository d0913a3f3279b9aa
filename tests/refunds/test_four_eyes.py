"""Maker/checker: a refund above the threshold waits for a second person of the right role."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings

from aftersales.accounts.actors import actor_for_user
from aftersales.accounts.models import Role
from aftersales.cases import services
from aftersales.core import clock
from aftersales.refunds.models import Refund
from tests import factories
from tests.cases.factories import case_in
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db


def refund_made_by(maker):
    case = case_in("return_received", "return_refund", merchant=maker.merchant)
    with override_settings(AFTERSALES_REFUND_APPROVAL_THRESHOLD="50.00"):
        services.act(case=case, actor=actor_for_user(maker), action="refund")
    return Refund.objects.get(case=case)


def test_refund_above_the_threshold_waits_for_approval(provider):
    maker = factories.user(Role.MERCHANT_ADMIN)
    refund = refund_made_by(maker)
    assert refund.state == "awaiting_approval" and refund.maker_user_id == maker.pk


def test_the_maker_cannot_approve_their_own_refund(provider):
    maker = factories.user(Role.MERCHANT_ADMIN)
    refund = refund_made_by(maker)
    response = ApiClient(factories.user_token(maker)).post(f"/refunds/{refund.pk}/approve", {})
    assert response.status_code == 409, response.content
    refund.refresh_from_db()
    assert refund.state == "awaiting_approval"


def test_staff_without_the_approver_role_cannot_approve(provider):
    maker = factories.user(Role.MERCHANT_ADMIN)
    refund = refund_made_by(maker)
    staff = factories.user(Role.MERCHANT_STAFF, merchant=maker.merchant)
    response = ApiClient(factories.user_token(staff)).post(f"/refunds/{refund.pk}/approve", {})
    assert response.status_code == 403


def test_a_second_admin_approves_and_the_refund_is_sent(provider):
    from aftersales.refunds import submission

    maker = factories.user(Role.MERCHANT_ADMIN)
    refund = refund_made_by(maker)
    checker = factories.user(Role.MERCHANT_ADMIN, merchant=maker.merchant)
    response = ApiClient(factories.user_token(checker)).post(f"/refunds/{refund.pk}/approve", {})
    assert response.status_code == 200, response.content
    assert response.json()["approved_by"].startswith(checker.username)
    submission.submit_due()
    refund.refresh_from_db()
    assert refund.state == "succeeded"


def test_a_refund_waiting_for_approval_is_not_sent(provider):
    from aftersales.refunds import submission

    refund = refund_made_by(factories.user(Role.MERCHANT_ADMIN))
    submission.submit_due()
    refund.refresh_from_db()
    assert refund.state == "awaiting_approval" and refund.attempts == 0


def test_whoever_approved_a_refund_only_case_made_its_automatic_refund_and_cannot_check_it(
    provider,
):
    maker = factories.user(Role.MERCHANT_ADMIN)
    in_transit = {  # shipped, not signed for: the merchant reviews, and approving refunds at once
        "shipments": [
            {
                "carrier": "sf",
                "tracking_no": "SF1234567890",
                "line_ids": ["1"],
                "shipped_at": (clock.now() - timedelta(days=1)).isoformat(),
                "signed_at": None,
                "installed_at": None,
            }
        ]
    }
    case = case_in("requested", "refund_only", merchant=maker.merchant, **in_transit)
    with override_settings(AFTERSALES_REFUND_APPROVAL_THRESHOLD="50.00"):
        services.act(case=case, actor=actor_for_user(maker), action="approve")
    refund = Refund.objects.get(case=case)
    assert refund.state == "awaiting_approval" and refund.maker_user_id == maker.pk
    response = ApiClient(factories.user_token(maker)).post(f"/refunds/{refund.pk}/approve", {})
    assert response.status_code == 409, response.content
