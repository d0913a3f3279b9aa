"""The dispute clocks fire once each, through the worker's sweep: the merchant's silence past
DS-05, evidence missing past DS-06 (ruling on what is in), late evidence kept but not counted,
and a ruling the merchant does not carry out past DS-19, which the platform executes from
settlement, then deposit."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from aftersales.core import clock
from aftersales.disputes import services, timers
from aftersales.disputes.models import DisputeEvidence, DisputeMoney, EvidenceRequest
from aftersales.guarantee import services as guarantee
from aftersales.guarantee.models import AccountKind
from aftersales.refunds.models import Refund
from tests.disputes.factories import (
    appealed,
    buyer_of,
    merchant_of,
    refund_only_dispute,
    rejected_return,
    step,
    under_review,
)
from tests.guarantee.builders import balance, integration

pytestmark = pytest.mark.django_db


def later(hours: float):
    return time_machine.travel(clock.now() + timedelta(hours=hours), tick=False)


def test_merchant_silence_past_ds_05_sends_the_dispute_to_review_on_the_evidence_in():
    dispute = step(appealed(rejected_return()), "accept")
    with later(23.9):
        assert timers.fire_due() == 0
    with later(24.1):
        assert timers.fire_due() == 1
        assert timers.fire_due() == 0  # exactly once
    dispute.refresh_from_db()
    assert dispute.state == "under_review"
    assert dispute.facts["merchant_silent"] is True
    event = dispute.events.get(action="merchant_silent")
    assert (event.actor_role, event.rule) == ("system", "DS-05")
    assert services.assessment(dispute).suggested == "for_buyer"


def test_missing_evidence_past_its_clock_sends_the_dispute_to_review_on_what_is_in():
    dispute = step(
        under_review(appealed(rejected_return())),
        "request_evidence",
        party="buyer",
        items=["photos"],
    )
    request = EvidenceRequest.objects.get(dispute=dispute)
    with time_machine.travel(request.due_at + timedelta(seconds=1), tick=False):
        assert timers.fire_due() == 1
    dispute.refresh_from_db()
    request.refresh_from_db()
    assert (dispute.state, request.state) == ("under_review", "missed")
    assert dispute.events.get(action="close_evidence").rule == "DS-06"


def test_evidence_after_its_deadline_is_kept_marked_late_and_not_counted():
    dispute = step(
        under_review(appealed(rejected_return())),
        "request_evidence",
        party="buyer",
        items=["photos"],
    )
    request = EvidenceRequest.objects.get(dispute=dispute)
    with time_machine.travel(request.due_at + timedelta(minutes=5), tick=False):
        (row,) = services.submit_evidence(
            dispute=dispute,
            request_id=request.pk,
            actor=buyer_of(dispute),
            items=[{"kind": "photos", "note": "迟交的照片"}],
        )
    assert row.late is True
    assert DisputeEvidence.objects.filter(dispute=dispute).count() == 1
    assert services.assessment(dispute).rule == "visible_defect:first_missing"


def test_evidence_on_time_answers_the_request_and_review_goes_on():
    dispute = step(
        under_review(appealed(rejected_return())),
        "request_evidence",
        party="buyer",
        items=["photos"],
    )
    request = EvidenceRequest.objects.get(dispute=dispute)
    services.submit_evidence(
        dispute=dispute, request_id=request.pk, actor=buyer_of(dispute), items=[{"kind": "photos"}]
    )
    dispute.refresh_from_db()
    request.refresh_from_db()
    assert (dispute.state, request.state) == ("under_review", "answered")
    assert services.assessment(dispute).rule == "visible_defect:not_rebutted"


def test_only_the_side_asked_gives_evidence_to_a_request():
    from aftersales.core.errors import PermissionDenied

    dispute = step(
        under_review(appealed(rejected_return())),
        "request_evidence",
        party="buyer",
        items=["photos"],
    )
    request = EvidenceRequest.objects.get(dispute=dispute)
    with pytest.raises(PermissionDenied):
        services.submit_evidence(
            dispute=dispute,
            request_id=request.pk,
            actor=merchant_of(dispute),
            items=[{"kind": "photos"}],
        )


def test_one_request_missed_while_another_is_open_keeps_the_round_going():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    morning = datetime(2026, 3, 10, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(morning, tick=False):
        dispute = step(
            under_review(appealed(rejected_return())),
            "request_evidence",
            party="buyer",
            items=["photos"],
        )
        first = EvidenceRequest.objects.get(dispute=dispute)
    with time_machine.travel(morning + timedelta(hours=1), tick=False):
        dispute = step(dispute, "request_evidence", party="merchant", items=["inspection_report"])
    with time_machine.travel(first.due_at + timedelta(seconds=1), tick=False):
        assert timers.fire_due() == 1
    dispute.refresh_from_db()
    assert dispute.state == "evidence"
    assert dispute.events.filter(action="evidence_missed").count() == 1


def ruled_for_buyer():
    dispute = under_review(refund_only_dispute())
    guarantee.top_up(
        merchant=dispute.merchant,
        amount=Decimal("1000.00"),
        reference="seed",
        actor=integration(dispute.merchant),
    )
    return step(
        dispute,
        "rule",
        ruling="for_buyer",
        reason="照片显示质量问题",
        decided_by="visible_defect:not_rebutted",
    )


def test_a_quality_ruling_gives_the_merchant_48_hours_to_carry_it_out():
    dispute = ruled_for_buyer()
    with later(24.1):
        assert timers.fire_due() == 0
    with later(47.9):
        assert timers.fire_due() == 0
    dispute.refresh_from_db()
    assert dispute.state == "awaiting_execution"


def test_past_ds_19_the_platform_executes_from_settlement_then_deposit():
    dispute = ruled_for_buyer()
    with later(48.1):
        assert timers.fire_due() == 1
    dispute.refresh_from_db()
    assert (dispute.state, dispute.executed_by) == ("closed", "platform")
    assert sum(r.amount for r in Refund.objects.filter(case=dispute.case)) == Decimal("60.00")
    recovery = DisputeMoney.objects.get(dispute=dispute, kind="recovery")
    assert recovery.amount == Decimal("60.00")
    assert balance(dispute.merchant, AccountKind.DEPOSIT) == Decimal("940.00")
    dispute.case.refresh_from_db()
    assert dispute.case.state == "refunded"


def test_a_ruling_the_merchant_carried_out_is_not_executed_again():
    dispute = ruled_for_buyer()
    step(dispute, "execute", merchant_of(dispute))
    with later(49):
        assert timers.fire_due() == 0
    assert not DisputeMoney.objects.filter(dispute=dispute, kind="recovery").exists()
    assert balance(dispute.merchant, AccountKind.DEPOSIT) == Decimal("1000.00")
