"""DS-21 suspension on a lawsuit, a police report or both sides' request, and its resume rules;
a third party's outcome recorded and carried out; settlement by agreement; the flow's shape."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from aftersales.core import clock
from aftersales.disputes import timers
from aftersales.disputes.flows import DISPUTE
from aftersales.disputes.models import ThirdPartyOutcome
from tests.disputes.factories import (
    appealed,
    buyer_of,
    merchant_of,
    refund_only_dispute,
    rejected_return,
    step,
    under_review,
)

pytestmark = pytest.mark.django_db


def later(days: float):
    return time_machine.travel(clock.now() + timedelta(days=days), tick=False)


def test_every_transition_leads_to_a_declared_state():
    states = set(DISPUTE.states)
    for t in DISPUTE.transitions:
        assert t.source in states
        targets = [to for _, to in t.outcomes] or [t.to]
        assert all(to in states or to == "@previous" for to in targets), t


def test_every_deadline_action_is_a_step_or_a_notice_of_its_state():
    for d in DISPUTE.deadlines:
        actions = {t.action for t in DISPUTE.transitions_from(d.state)}
        assert d.then in actions | {"escalate"}, d


def test_a_joint_request_suspends_only_when_both_sides_asked():
    dispute = under_review(appealed(rejected_return()))
    dispute = step(dispute, "suspend", buyer_of(dispute), ground="joint_request")
    assert dispute.state == "under_review"
    dispute = step(dispute, "suspend", merchant_of(dispute), ground="joint_request")
    assert dispute.state == "suspended"
    assert dispute.facts["suspended_from"] == "under_review"


def test_a_joint_suspension_resumes_after_30_days_without_settlement():
    dispute = under_review(appealed(rejected_return()))
    dispute = step(dispute, "suspend", ground="joint_request")
    with later(29.9):
        assert timers.fire_due() == 0
    with later(30.1):
        assert timers.fire_due() == 1
    dispute.refresh_from_db()
    assert dispute.state == "under_review"
    assert dispute.events.get(action="resume").rule == "DS-21"


def test_a_police_report_without_a_receipt_resumes_after_7_working_days():
    dispute = under_review(appealed(rejected_return()))
    dispute = step(dispute, "suspend", ground="police_report", reference="报警回执待补")
    row = dispute.deadlines.get(guard_state="suspended", cancelled_at__isnull=True)
    assert (row.kind, row.rule, row.spec["unit"]) == (
        "dispute_suspension_receipt",
        "DS-21",
        "working_days",
    )


def test_a_police_receipt_waits_six_months_for_the_conclusion():
    dispute = under_review(appealed(rejected_return()))
    dispute = step(dispute, "suspend", ground="police_report")
    dispute = step(dispute, "file_receipt", reference="沪公(2026)受字第1号")
    row = dispute.deadlines.get(guard_state="suspended", cancelled_at__isnull=True)
    assert row.kind == "dispute_suspension_police"
    local = clock.localtime(row.created_at)
    due = clock.localtime(row.due_at)
    assert (due.month - local.month) % 12 == 6


def test_a_court_case_with_a_receipt_has_no_resume_timer():
    dispute = under_review(appealed(rejected_return()))
    dispute = step(dispute, "suspend", ground="lawsuit")
    dispute = step(dispute, "file_receipt", reference="(2026)沪0105民初1号")
    assert not dispute.deadlines.filter(
        guard_state="suspended", cancelled_at__isnull=True, fired_at__isnull=True
    ).exists()


def test_a_mediation_outcome_is_recorded_and_carried_out_like_a_ruling():
    dispute = under_review(refund_only_dispute())
    dispute = step(dispute, "suspend", ground="joint_request")
    dispute = step(
        dispute,
        "record_third_party",
        kind="mediation",
        body="上海市消费者权益保护委员会",
        reference="沪消调(2026)88号",
        ruling="partial",
        amount=Decimal("40.00"),
        reason="调解协议：退款 40 元",
        documents=["调解书.pdf"],
    )
    assert dispute.state == "awaiting_execution"
    assert dispute.decided_by == "third_party"
    outcome = ThirdPartyOutcome.objects.get(dispute=dispute)
    assert (outcome.body, outcome.reference, outcome.amount) == (
        "上海市消费者权益保护委员会",
        "沪消调(2026)88号",
        Decimal("40.00"),
    )
    dispute = step(dispute, "execute", merchant_of(dispute))
    assert dispute.state == "closed"


def test_settled_by_agreement_ends_the_dispute_and_its_clocks():
    dispute = step(appealed(rejected_return()), "accept")
    dispute = step(dispute, "settle", note="双方协商：换货")
    assert dispute.state == "settled"
    assert not dispute.deadlines.filter(fired_at__isnull=True, cancelled_at__isnull=True).exists()


def test_crowd_review_is_off_by_default():
    dispute = under_review(appealed(rejected_return()))
    from aftersales.disputes.services import allowed_actions
    from tests.disputes.factories import desk

    assert "send_to_crowd" not in allowed_actions(dispute, desk())


def test_crowd_review_when_switched_on(settings):
    settings.AFTERSALES_DISPUTE_CROWD_REVIEW = True
    dispute = step(under_review(appealed(rejected_return())), "send_to_crowd")
    assert dispute.state == "crowd_review"
    dispute = step(dispute, "crowd_verdict", verdict="for_buyer")
    assert dispute.state == "under_review"
    assert dispute.facts["crowd_verdicts"][0]["verdict"] == "for_buyer"
