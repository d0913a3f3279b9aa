"""A merchant restriction changes what it names, where it belongs, and only while it is in
force: shorter review deadlines (cases' deadlines), a rejection checked by the platform before
it takes effect (the flows' rejection_review), a larger deposit (the guarantee fund's
requirement, with a top-up request when the deposit falls short)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from aftersales.cases.models import Case, Deadline
from aftersales.credit import policydata, services
from aftersales.credit.rules import DEFAULT_DOCUMENT
from aftersales.guarantee.models import TopUpRequest, TopUpRequestState
from aftersales.guarantee.requirements import deposit_requirement
from aftersales.notify.models import OutboxMessage
from tests.cases import builders as b
from tests.credit.actors import desk, shop_admin_of
from tests.credit.restrict import lift, restrict
from tests.guarantee import builders as g

pytestmark = pytest.mark.django_db
D = Decimal
REJECTION = {"reason": "商品已使用，影响二次销售"}


@pytest.fixture(autouse=True)
def _fresh_rules():
    policydata.forget()
    yield
    policydata.forget()


def admin():
    from aftersales.accounts.actors import actor_for_user
    from aftersales.accounts.models import Role
    from tests import factories

    return actor_for_user(factories.user(Role.ADMIN))


def review_deadline(case_id: int) -> Deadline:
    return Deadline.objects.get(case_id=case_id, action="approve", reminder=False)


def hours(deadline: Deadline) -> float:
    case = Case.objects.get(pk=deadline.case_id)
    return (deadline.due_at - case.opened_at) / timedelta(hours=1)


# --- shorter_review ---------------------------------------------------------------------------


def test_a_merchant_under_shorter_review_gets_half_the_review_deadline_with_its_source():
    s = b.shop()
    restrict(s.merchant, "shorter_review")
    deadline = review_deadline(b.open_case(s, "return_refund").id)
    assert hours(deadline) == 60  # TB-02's 5 days × 0.5
    assert deadline.rule == "TB-02 ×0.5 credit:shorter_review"


def test_a_merchant_without_the_restriction_keeps_the_policy_review_deadline():
    s = b.shop()
    restrict(b.shop().merchant, "shorter_review")  # another merchant's restriction
    deadline = review_deadline(b.open_case(s, "return_refund").id)
    assert (hours(deadline), deadline.rule) == (120, "TB-02")


def test_the_shortened_deadline_is_what_the_system_approves_at_with_its_rule():
    s = b.shop()
    restrict(s.merchant, "shorter_review")
    c = b.open_case(s, "return_refund")
    deadline = review_deadline(c.id)
    from aftersales.cases import timers

    timers.fire_due(now=deadline.due_at + timedelta(seconds=1))
    approve = [e for e in c.events() if e["action"] == "approve"][-1]
    assert approve["rule"] == "TB-02 ×0.5 credit:shorter_review"


def test_shorter_review_leaves_deadlines_it_does_not_name_alone():
    s = b.shop()
    restrict(s.merchant, "shorter_review")
    c = b.open_case(s, "return_refund")
    c.act("merchant", "approve")
    ship = Deadline.objects.get(case_id=c.id, action="close", reminder=False)
    assert ship.rule == "TB-03"


def test_the_review_factor_is_policy_data():
    document = {**DEFAULT_DOCUMENT, "restrictions": {**DEFAULT_DOCUMENT["restrictions"]}}
    document["restrictions"]["shorter_review"] = {
        **document["restrictions"]["shorter_review"],
        "factor": "0.25",
    }
    policydata.publish_rules(actor=admin(), document=document)
    s = b.shop()
    restrict(s.merchant, "shorter_review")
    assert hours(review_deadline(b.open_case(s, "return_refund").id)) == 30


def test_a_review_factor_above_one_is_refused_at_publish():
    from aftersales.core.errors import PolicyRefused

    document = {**DEFAULT_DOCUMENT, "restrictions": {**DEFAULT_DOCUMENT["restrictions"]}}
    document["restrictions"]["shorter_review"] = {
        **document["restrictions"]["shorter_review"],
        "factor": "2",
    }
    with pytest.raises(PolicyRefused) as refused:
        policydata.publish_rules(actor=admin(), document=document)
    assert refused.value.errors[0].field == "restrictions.shorter_review.factor"


def test_the_restriction_lifted_the_next_case_counts_the_full_review_deadline():
    s = b.shop()
    row = restrict(s.merchant, "shorter_review")
    before = review_deadline(b.open_case(s, "return_refund").id)
    lift(row)
    after = review_deadline(b.open_case(s, "return_refund").id)
    assert (hours(before), hours(after)) == (60, 120)


def test_an_upheld_appeal_ends_the_shorter_review():
    s = b.shop()
    row = restrict(s.merchant, "shorter_review")
    appeal = services.file_appeal(
        actor=shop_admin_of(s.merchant), restriction_id=row.pk, reason="campaign"
    )
    services.decide_appeal(actor=desk(), appeal_id=appeal.pk, outcome="upheld", note="agreed")
    assert hours(review_deadline(b.open_case(s, "return_refund").id)) == 120


# --- manual_rejection_review -------------------------------------------------------------------


def test_a_restricted_merchants_rejection_waits_for_the_platform():
    s = b.shop()
    restrict(s.merchant, "manual_rejection_review")
    c = b.open_case(s, "return_refund")
    c.act("merchant", "reject", **REJECTION)
    assert c.case["state"] == "rejection_review"
    reject = c.events()[-1]
    assert (reject["action"], reject["rule"]) == ("reject", "credit:manual_rejection_review")
    assert c.try_act("buyer", "appeal", reason="x").status_code == 409  # not rejected yet


def test_the_rejection_under_review_is_in_the_desks_queue():
    from aftersales.cases.selectors import review_queue
    from tests.credit.actors import desk as desk_actor

    s = b.shop()
    restrict(s.merchant, "manual_rejection_review")
    c = b.open_case(s, "return_refund")
    c.act("merchant", "reject", **REJECTION)
    assert [d.case_id for d in review_queue(desk_actor())] == [c.id]


def test_the_platform_confirming_the_rejection_makes_it_take_effect():
    s = b.shop()
    restrict(s.merchant, "manual_rejection_review")
    c = b.open_case(s, "return_refund")
    c.act("merchant", "reject", **REJECTION)
    c.act("platform", "confirm_rejection", reason="照片显示已使用")
    assert c.case["state"] == "rejected"
    c.act("buyer", "appeal", reason="未使用")  # the buyer's appeal is still theirs
    assert c.case["state"] == "platform_review"


def test_the_platform_overturning_the_rejection_approves_the_request():
    s = b.shop()
    restrict(s.merchant, "manual_rejection_review")
    c = b.open_case(s, "return_refund")
    c.act("merchant", "reject", **REJECTION)
    c.act("platform", "overturn_rejection", reason="无理由退货期内")
    assert c.case["state"] == "approved"


def test_the_merchant_cannot_decide_its_own_rejection_review():
    s = b.shop()
    restrict(s.merchant, "manual_rejection_review")
    c = b.open_case(s, "return_refund")
    c.act("merchant", "reject", **REJECTION)
    assert c.try_act("merchant", "confirm_rejection", reason="x").status_code == 409


def test_a_restricted_merchants_failed_inspection_waits_for_the_platform_too():
    s = b.shop()
    restrict(s.merchant, "manual_rejection_review")
    c = b.open_case(s, "return_refund")
    c.act("merchant", "approve")
    c.act("buyer", "ship_return", **b.SHIPPED)
    c.act("merchant", "confirm_receipt")
    c.act("merchant", "inspect", result="fail", note="有明显使用痕迹", evidence_ids=[b.photo(c.id)])
    assert c.case["state"] == "rejection_review"
    c.act("platform", "overturn_rejection", reason="序列号一致")
    assert c.case["state"] == "inspected"


def test_the_restriction_lifted_a_rejection_takes_effect_at_once():
    s = b.shop()
    row = restrict(s.merchant, "manual_rejection_review")
    lift(row)
    c = b.open_case(s, "return_refund")
    c.act("merchant", "reject", **REJECTION)
    assert c.case["state"] == "rejected"


# --- larger_deposit ----------------------------------------------------------------------------


def test_a_larger_deposit_raises_the_requirement_by_the_policy_factor_naming_why():
    merchant = g.funded(deposit="2000.00", categories=["toys"])
    restrict(merchant, "larger_deposit")
    requirement = deposit_requirement(merchant)
    assert (requirement.amount, requirement.base_amount) == (D("2000.00"), D("1000.00"))
    assert requirement.raised_by.startswith("credit:larger_deposit ×2")


def test_a_larger_deposit_the_balance_falls_short_of_asks_for_a_top_up():
    merchant = g.funded(deposit="1500.00", categories=["toys"])
    restrict(merchant, "larger_deposit")
    request = TopUpRequest.objects.get(merchant=merchant, state=TopUpRequestState.OPEN)
    assert (request.requirement, request.shortfall) == (D("2000.00"), D("500.00"))
    assert request.rule == "EC-06+credit:larger_deposit"
    told = OutboxMessage.objects.get(topic="guarantee.top_up_requested", merchant_id=merchant.pk)
    assert told.payload["raised_by"].startswith("credit:larger_deposit")


def test_a_deposit_that_already_covers_the_larger_requirement_asks_for_nothing():
    merchant = g.funded(deposit="2000.00", categories=["toys"])
    restrict(merchant, "larger_deposit")
    assert not TopUpRequest.objects.filter(merchant=merchant).exists()


def test_the_larger_deposit_lifted_the_requirement_falls_back_and_the_request_is_met():
    merchant = g.funded(deposit="1500.00", categories=["toys"])
    row = restrict(merchant, "larger_deposit")
    lift(row)
    assert deposit_requirement(merchant).amount == D("1000.00")
    request = TopUpRequest.objects.get(merchant=merchant)
    assert request.state == TopUpRequestState.MET


def test_a_late_appeal_suspends_the_larger_deposit():
    from aftersales.credit import timers

    merchant = g.funded(deposit="1500.00", categories=["toys"])
    row = restrict(merchant, "larger_deposit")
    appeal = services.file_appeal(
        actor=shop_admin_of(merchant), restriction_id=row.pk, reason="one bad week"
    )
    timers.fire_due(now=appeal.due_at + timedelta(minutes=1))
    assert deposit_requirement(merchant).amount == D("1000.00")
    assert TopUpRequest.objects.get(merchant=merchant).state == TopUpRequestState.MET
