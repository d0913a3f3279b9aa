"""极速退款 at approval: a trusted buyer's return whose refund is at or below the policy's small
amount is refunded as it is approved, without waiting for a carrier scan — within the fast
lane's limits, recorded as the system's step with its rule, lost on confirmed abuse."""

from __future__ import annotations

import pytest

from aftersales.accounts.actors import actor_for_user
from aftersales.accounts.models import Role
from aftersales.cases.models import Case, CaseEvent
from aftersales.core.errors import InvalidInput
from aftersales.refunds.models import Refund
from aftersales.risk import document, services
from aftersales.risk.trust import FAST_LANE_APPROVAL_RULE
from tests import factories
from tests.cases import builders as b
from tests.returns import builders as rb
from tests.risk.builders import latest, trusted_buyer

pytestmark = pytest.mark.django_db


def approved_return(s: b.Shop, buyer: str | None = None, **line) -> Case:
    data = b.order(s, buyer=buyer, **line)
    body = b.case_body(data, "return_refund", "no_reason")
    response = s.buyer_api(data["buyer"]["external_id"]).post("/cases", body)
    assert response.status_code == 201, response.content
    c = b.Opened(shop=s, order=data, case=response.json())
    c.act("merchant", "approve")
    return Case.objects.get(pk=c.id)


def test_a_trusted_buyers_small_return_is_refunded_at_approval_by_the_system():
    s = rb.shop_with_address()
    case = approved_return(s, trusted_buyer(s), unit_price="39.00")
    assert case.state == "refunded_awaiting_return"
    refund = CaseEvent.objects.get(case=case, action="refund")
    assert (refund.actor_kind, refund.from_state, refund.rule) == (
        "system",
        "approved",
        FAST_LANE_APPROVAL_RULE,
    )
    assert Refund.objects.filter(case=case).count() == 1  # through the ledger


def test_a_return_above_the_small_amount_waits_for_the_parcel():
    s = rb.shop_with_address()
    case = approved_return(s, trusted_buyer(s), unit_price="60.00")
    assert case.state == "approved"


def test_an_untrusted_buyers_small_return_waits_for_the_parcel():
    s = rb.shop_with_address()
    case = approved_return(s, unit_price="39.00")
    assert case.state == "approved"


def test_confirmed_abuse_loses_the_fast_lane_at_approval_too():
    s = rb.shop_with_address()
    buyer = trusted_buyer(s)
    first = approved_return(s, buyer, unit_price="39.00")
    services.review(
        actor=actor_for_user(factories.user(Role.RISK)),
        assessment_id=latest(first.pk).pk,
        decision="confirm",
        note="同一买家多次空包退货",
    )
    assert approved_return(s, buyer, unit_price="39.00").state == "approved"


def test_the_small_amount_is_policy_data():
    s = rb.shop_with_address()
    risk = actor_for_user(factories.user(Role.RISK))
    services.publish_policy(actor=risk, document_json={"fast_lane": {"approval_max_amount": "80"}})
    services.forget_policies()
    case = approved_return(s, trusted_buyer(s), unit_price="60.00")
    assert case.state == "refunded_awaiting_return"


def test_a_small_amount_above_the_fast_lane_limit_is_refused_at_publish():
    with pytest.raises(InvalidInput) as refused:
        document.validate({"fast_lane": {"max_amount": "100.00", "approval_max_amount": "200"}})
    assert refused.value.errors[0].field == "fast_lane.approval_max_amount"


def test_both_lanes_count_against_the_monthly_limit():
    s = rb.shop_with_address()
    risk = actor_for_user(factories.user(Role.RISK))
    services.publish_policy(actor=risk, document_json={"fast_lane": {"max_per_30d": 1}})
    services.forget_policies()
    buyer = trusted_buyer(s)
    assert approved_return(s, buyer, unit_price="39.00").state == "refunded_awaiting_return"
    assert approved_return(s, buyer, unit_price="39.00").state == "approved"
