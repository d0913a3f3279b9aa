"""The dispute's main path, through the services: appeal → accepted → answered → evidence →
ruled → executed → closed, the money through the case engine and the refund ledger."""

from decimal import Decimal

import pytest

from aftersales.disputes.models import DisputeMoney
from aftersales.refunds.models import Refund
from tests.disputes.factories import (
    appealed,
    merchant_of,
    refund_only_dispute,
    rejected_return,
    step,
    under_review,
)

pytestmark = pytest.mark.django_db


def test_a_case_appeal_opens_a_dispute_linked_to_the_case():
    case = rejected_return()
    dispute = appealed(case)
    assert dispute.state == "requested"
    assert dispute.case_id == case.pk
    assert dispute.refundable == Decimal("60.00")
    assert dispute.events.get().action == "open"


def test_a_partial_ruling_executed_by_the_merchant_refunds_through_the_case():
    dispute = under_review(appealed(rejected_return()))
    dispute = step(
        dispute,
        "rule",
        ruling="partial",
        amount=Decimal("30.00"),
        reason="使用痕迹轻微，部分退款",
        decided_by="visible_defect:decisive",
    )
    assert dispute.state == "awaiting_execution"
    dispute = step(dispute, "execute", merchant_of(dispute))
    assert dispute.state == "closed"
    dispute.case.refresh_from_db()
    assert dispute.case.state == "refunded"
    refunds = Refund.objects.filter(case=dispute.case)
    assert sum(r.amount for r in refunds) == Decimal("30.00")
    money = DisputeMoney.objects.get(dispute=dispute)
    assert (money.kind, money.amount) == ("refund", Decimal("30.00"))
    assert dispute.appeal_ends_at is not None


def test_a_ruling_for_the_merchant_closes_the_case_on_its_rejection():
    dispute = under_review(refund_only_dispute())
    dispute = step(
        dispute,
        "rule",
        ruling="for_merchant",
        reason="买家未提供照片",
        decided_by="visible_defect:first_missing",
    )
    assert dispute.state == "closed"
    dispute.case.refresh_from_db()
    assert dispute.case.state == "closed"
    assert not Refund.objects.filter(case=dispute.case).exists()


def test_each_step_leaves_through_the_outbox():
    from aftersales.notify.models import OutboxMessage

    dispute = step(appealed(rejected_return()), "accept")
    rows = list(OutboxMessage.objects.filter(topic="dispute.state_changed").order_by("id"))
    assert [r.payload["dispute_id"] for r in rows] == [dispute.pk, dispute.pk]
    assert [(r.payload["action"], r.payload["to_state"]) for r in rows] == [
        ("open", "requested"),
        ("accept", "awaiting_merchant"),
    ]


def not_received_claim(answer: str):
    """A buyer's not-received claim on an order six days in transit (no case yet), accepted
    and answered by the merchant."""
    from datetime import timedelta

    from aftersales.accounts.actors import Actor
    from aftersales.core import clock
    from aftersales.disputes import services
    from tests import factories
    from tests.cases.factories import order_for_case

    in_transit = [
        {
            "carrier": "sf",
            "tracking_no": "SF1234567890",
            "line_ids": ["1"],
            "shipped_at": (clock.now() - timedelta(days=6)).isoformat(),
            "signed_at": None,
            "installed_at": None,
        }
    ]
    order = order_for_case(factories.merchant(), shipments=in_transit)
    buyer = Actor(kind="user", role="buyer", label="buyer", buyer_id=order.buyer_id)
    dispute = services.open_dispute(
        actor=buyer, order=order.external_id, type="not_received", claim="六天了还没收到"
    )
    assert (dispute.case_id, dispute.refundable) == (None, Decimal("60.00"))
    dispute = step(dispute, "accept")
    return step(dispute, "answer", merchant_of(dispute), note=answer)


def test_a_not_received_claim_ruled_for_the_buyer_refunds_through_a_case_of_its_own():
    from tests.disputes.factories import buyer_of

    dispute = not_received_claim("物流显示在途")
    dispute = step(
        dispute,
        "rule",
        ruling="for_buyer",
        reason="商家未证明签收",
        decided_by="not_received:first_missing",
    )
    dispute = step(dispute, "execute", merchant_of(dispute))
    assert dispute.case is not None and dispute.case.state == "refunded"
    assert sum(r.amount for r in Refund.objects.filter(case=dispute.case)) == Decimal("60.00")
    assert buyer_of(dispute).buyer_id == dispute.case.buyer_id


def test_an_order_claim_ruled_partly_for_the_buyer_refunds_exactly_the_ruled_amount():
    dispute = not_received_claim("已签收一件")
    dispute = step(
        dispute,
        "rule",
        ruling="partial",
        amount=Decimal("25.50"),
        reason="签收记录只能证明部分送达",
        decided_by="not_received:first_missing",
    )
    dispute = step(dispute, "execute", merchant_of(dispute))
    assert dispute.case.state == "refunded"
    assert sum(r.amount for r in Refund.objects.filter(case=dispute.case)) == Decimal("25.50")
