"""The case SLA rules of docs/sla.md ("Cases"), one each: the merchant's review is the first
response, the deadline of the merchant's or platform's turn the next, CP-05's 10 working days
the resolution, paused while the case waits on the buyer."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine

from aftersales.cases import timers
from aftersales.cases.models import Case
from tests.cases import builders as b
from tests.complaints.conftest import at

pytestmark = pytest.mark.django_db

MONDAY = at(2026, 3, 9, 10, 0)


def _t(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@pytest.fixture
def monday():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


def _sla(opened: b.Opened) -> dict:
    response = opened.shop.merchant_api.get(f"/cases/{opened.id}")
    assert response.status_code == 200, response.content
    return response.json()["sla"]


def test_the_merchants_review_is_a_cases_first_response_target(monday):
    opened = b.open_case(type="return_refund")
    sla = opened.case["sla"]
    assert _t(sla["first_response_due_at"]) == MONDAY + timedelta(days=5)  # TB-02
    assert sla["status"] == "on_track" and "TB-02" in sla["policy"]


def test_a_quality_case_is_reviewed_within_48_hours(monday):
    opened = b.open_case(type="exchange")  # quality_issue: JD-02
    assert _t(opened.case["sla"]["first_response_due_at"]) == MONDAY + timedelta(hours=48)


def test_every_case_type_shows_its_sla(monday):
    for case_type in ("refund_only", "return_refund", "exchange", "repair", "reissue"):
        sla = b.open_case(type=case_type).case["sla"]
        assert sla["status"] == "on_track", (case_type, sla)
        assert sla["resolution_due_at"] is not None, case_type


def test_a_case_resolves_within_ten_working_days(monday):
    opened = b.open_case(type="return_refund")
    # CP-05: 90 business hours from Monday 10:00 → two weeks on, Monday 10:00.
    assert _t(opened.case["sla"]["resolution_due_at"]) == at(2026, 3, 23, 10, 0)


def test_a_case_past_the_warning_share_of_its_review_shows_a_warning(monday):
    opened = b.open_case(type="return_refund")
    monday.move_to(MONDAY + timedelta(days=4, hours=1))  # 4.04 of 5 days: past 80 %
    assert _sla(opened)["status"] == "warning"


def test_the_merchants_decision_stops_the_first_response_clock(monday):
    opened = b.open_case(type="reissue")
    monday.move_to(MONDAY + timedelta(hours=3))
    sla = opened.act("merchant", "approve")["sla"]
    assert _t(sla["first_responded_at"]) == MONDAY + timedelta(hours=3)
    assert sla["breached"] == []


def test_waiting_for_the_buyer_to_ship_the_return_pauses_the_case(monday):
    opened = b.open_case(type="return_refund")
    opened.act("merchant", "approve")
    monday.move_to(at(2026, 3, 10, 10, 0))  # one working day (9 business hours) later
    sla = _sla(opened)
    assert sla["status"] == "paused" and sla["paused"] is True
    assert sla["resolution_due_at"] is None
    assert sla["paused_business_seconds"] == 9 * 3600


def test_the_buyers_shipment_resumes_the_case_with_the_paused_time_added(monday):
    opened = b.open_case(type="return_refund")
    opened.act("merchant", "approve")
    monday.move_to(at(2026, 3, 10, 10, 0))
    sla = opened.act("buyer", "ship_return", **b.SHIPPED)["sla"]
    assert sla["paused"] is False
    assert _t(sla["resolution_due_at"]) == at(2026, 3, 24, 10, 0)  # a working day later


def test_the_merchants_turn_deadline_is_the_next_response_target(monday):
    opened = b.open_case(type="return_refund")
    opened.act("merchant", "approve")
    case = opened.act("buyer", "ship_return", **b.SHIPPED)
    receipt = next(d for d in case["deadlines"] if d["kind"] == "merchant_confirm_receipt")
    assert case["sla"]["next_response_due_at"] == receipt["due_at"]  # TB-04


def test_a_review_the_timeout_decided_is_a_breached_first_response(monday):
    opened = b.open_case(type="reissue")
    monday.move_to(MONDAY + timedelta(days=5, minutes=1))
    timers.fire_due()
    sla = _sla(opened)
    assert Case.objects.get(pk=opened.id).state == "approved"
    assert sla["breached"] == ["first_response"] and sla["status"] == "breached"


def test_a_breach_stays_recorded_after_the_case_moves_on(monday):
    opened = b.open_case(type="reissue")
    monday.move_to(MONDAY + timedelta(days=5, minutes=1))
    timers.fire_due()
    sla = opened.act("merchant", "ship_replacement", **b.SHIPPED)["sla"]
    assert sla["breached"] == ["first_response"]


def test_a_case_that_overran_its_resolution_target_stays_breached_while_paused(monday):
    opened = b.open_case(type="reissue")
    opened.act("merchant", "approve")
    monday.move_to(at(2026, 3, 24, 10, 0))  # past 10 working days
    sla = opened.act("merchant", "ship_replacement", **b.SHIPPED)["sla"]
    assert sla["status"] == "breached" and "resolution" in sla["breached"]


def test_a_case_resolved_in_time_shows_met(monday):
    opened = b.open_case(type="reissue")
    opened.act("merchant", "approve")
    opened.act("merchant", "ship_replacement", **b.SHIPPED)
    sla = opened.act("buyer", "confirm_replacement")["sla"]
    assert sla["status"] == "met" and sla["breached"] == []


def test_an_overrunning_open_case_is_breached_before_anyone_closes_it(monday):
    opened = b.open_case(type="exchange")
    opened.act("merchant", "approve")
    opened.act("buyer", "ship_return", **b.SHIPPED)
    monday.move_to(at(2026, 3, 24, 10, 0))  # 11 working days on, nobody has acted
    sla = _sla(opened)
    assert sla["status"] == "breached" and sla["breached"] == []  # due passed, not yet recorded


def test_the_time_a_case_stood_paused_extends_the_resolution_target_of_its_later_steps(monday):
    # One case object through three steps, as a deadline batch plans them: the resolution due
    # time the first step counted must not be reused once the pause has moved it.
    from aftersales.cases import sla as case_sla
    from aftersales.cases.flows import AUTO, BUYER, MERCHANT, flow_for

    flow = flow_for("return_refund")
    case = Case(type="return_refund", state="requested", facts={}, opened_at=MONDAY)
    case_sla.record_step(case, flow, "requested", "approved", party=MERCHANT, timer=None, at=MONDAY)
    resumed = at(2026, 3, 30, 10, 0)  # three weeks waiting for the buyer to ship
    case_sla.record_step(
        case, flow, "approved", "return_shipped", party=BUYER, timer=None, at=resumed
    )
    case_sla.record_step(
        case, flow, "return_shipped", "return_received", party=AUTO, timer=None, at=resumed
    )
    assert case.facts["sla"]["breaches"] == []
