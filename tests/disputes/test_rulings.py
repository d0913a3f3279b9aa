"""Rulings: a reason and the deciding rule are required, never more than is refundable; above
the second-level amount a manager confirms (another person); the platform's refusal to step in
names its DS-04 reason; compensation is paid through the refund ledger."""

from decimal import Decimal

import pytest

from aftersales.accounts.models import Role
from aftersales.core.errors import InvalidInput, NotAllowed, PermissionDenied
from aftersales.disputes.models import DisputeMoney, ShopTerms
from aftersales.refunds.models import Refund
from tests.disputes.factories import (
    appealed,
    buyer_of,
    desk,
    merchant_of,
    refund_only_dispute,
    rejected_return,
    step,
    under_review,
)

pytestmark = pytest.mark.django_db

RULE = {"decided_by": "visible_defect:not_rebutted"}


def test_a_ruling_without_a_reason_is_refused_naming_reason():
    dispute = under_review(appealed(rejected_return()))
    with pytest.raises(InvalidInput) as caught:
        step(dispute, "rule", ruling="for_buyer", reason="", **RULE)
    assert [e.field for e in caught.value.errors] == ["reason"]
    dispute.refresh_from_db()
    assert dispute.state == "under_review"


def test_a_ruling_over_the_refundable_amount_is_refused_naming_the_limit():
    dispute = under_review(appealed(rejected_return()))
    with pytest.raises(InvalidInput) as caught:
        step(dispute, "rule", ruling="partial", amount=Decimal("60.01"), reason="x", **RULE)
    assert caught.value.errors[0].field == "amount"
    assert "60.00" in caught.value.errors[0].message


def test_a_ruling_names_a_rule_of_its_types_burden_of_proof():
    dispute = under_review(appealed(rejected_return()))
    with pytest.raises(InvalidInput) as caught:
        step(dispute, "rule", ruling="for_buyer", reason="x", decided_by="counterfeit:decisive")
    assert caught.value.errors[0].field == "decided_by"


def test_only_the_platform_rules():
    dispute = under_review(appealed(rejected_return()))
    with pytest.raises(NotAllowed) as caught:
        step(dispute, "rule", buyer_of(dispute), ruling="for_buyer", reason="x", **RULE)
    assert "rule" not in caught.value.extensions["allowed_actions"]


def test_an_agent_may_not_rule():
    dispute = under_review(appealed(rejected_return()))
    with pytest.raises(PermissionDenied):
        step(dispute, "rule", desk(Role.AGENT), ruling="for_buyer", reason="x", **RULE)


def test_a_ruling_above_the_second_level_amount_waits_for_a_manager(settings):
    settings.AFTERSALES_DISPUTE_SECOND_LEVEL_ABOVE = "50.00"
    dispute = under_review(appealed(rejected_return()))
    dispute = step(dispute, "rule", ruling="for_buyer", reason="照片显示质量问题", **RULE)
    assert (dispute.state, dispute.level) == ("ruled", "manager")
    with pytest.raises(PermissionDenied):
        step(dispute, "confirm_ruling", desk(Role.SPECIALIST, "specialist-2"))
    dispute = step(dispute, "confirm_ruling", desk(Role.MANAGER, "manager-1"))
    assert dispute.state == "awaiting_execution"


def test_the_second_level_is_another_person(settings):
    settings.AFTERSALES_DISPUTE_SECOND_LEVEL_ABOVE = "50.00"
    ruler = desk(Role.SPECIALIST, "same-person")
    dispute = step(
        under_review(appealed(rejected_return())),
        "rule",
        ruler,
        ruling="for_buyer",
        reason="x",
        **RULE,
    )
    with pytest.raises(PermissionDenied):
        step(dispute, "confirm_ruling", desk(Role.MANAGER, "same-person"))


def test_a_manager_may_send_a_ruling_back_for_review(settings):
    settings.AFTERSALES_DISPUTE_SECOND_LEVEL_ABOVE = "50.00"
    dispute = step(
        under_review(appealed(rejected_return())), "rule", ruling="for_buyer", reason="x", **RULE
    )
    dispute = step(dispute, "send_back", desk(Role.MANAGER, "m"), reason="再核实照片")
    assert (dispute.state, dispute.ruling) == ("under_review", "")


def test_not_accepting_shows_the_ds_04_reason_and_the_rejection_stands():
    dispute = appealed(rejected_return())
    dispute = step(dispute, "not_accept", reason_code="not_negotiated")
    assert dispute.state == "not_accepted"
    assert "DS-01" in dispute.facts["not_accepted"]["reason"]
    dispute.case.refresh_from_db()
    assert dispute.case.state == "closed"


def test_an_unknown_not_accepted_reason_is_refused():
    dispute = appealed(rejected_return())
    with pytest.raises(InvalidInput) as caught:
        step(dispute, "not_accept", reason_code="too_busy")
    assert caught.value.errors[0].field == "reason_code"


def test_unclear_listing_compensation_is_paid_through_the_refund_ledger():
    dispute = under_review(refund_only_dispute())
    dispute = step(
        dispute,
        "rule",
        ruling="for_buyer",
        reason="商品描述含糊",
        decided_by="DS-13:listing_unclear",
        compensation={"kind": "listing_unclear"},
    )
    assert dispute.compensation["amount"] == "6.00"
    step(dispute, "execute", merchant_of(dispute))
    refunds = Refund.objects.filter(case=dispute.case)
    assert sorted((r.purpose, r.amount) for r in refunds) == [
        ("compensation", Decimal("6.00")),
        ("refund", Decimal("60.00")),
    ]
    assert DisputeMoney.objects.get(dispute=dispute, kind="compensation").amount == Decimal("6.00")


def test_a_shops_own_promise_pays_when_it_is_higher():
    dispute = under_review(refund_only_dispute())
    ShopTerms.objects.create(merchant=dispute.merchant, promises={"visible_defect": "20.00"})
    dispute = step(
        dispute,
        "rule",
        ruling="for_buyer",
        reason="x",
        decided_by="DS-13:listing_unclear",
        compensation={"kind": "listing_unclear"},
    )
    assert dispute.compensation["amount"] == "20.00"
    assert dispute.compensation["parts"][0]["rule"] == "GF-09"


def test_the_ruling_records_who_pays_for_tests():
    dispute = under_review(appealed(rejected_return()))
    dispute = step(
        dispute,
        "rule",
        ruling="for_merchant",
        reason="x",
        decided_by="visible_defect:first_missing",
    )
    assert dispute.test_cost_payer == "buyer"
