"""A dispute opened by the system when a merchant times out on a step only it can take: the
replacement, the reissue or the repaired item never shipped. The case engine hands the case to
the platform (`refer`) and the system opens the dispute, already accepted, waiting for the
merchant's answer (DS-05), its opening event naming the timer and rule behind it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from aftersales.cases import timers as case_timers
from aftersales.core import clock
from aftersales.disputes import timers
from aftersales.disputes.models import Dispute, DisputeDeadline
from aftersales.refunds.models import Refund
from tests.cases.factories import case_in
from tests.disputes.factories import appealed, merchant_of, step, under_review

pytestmark = pytest.mark.django_db


def past_shipping_deadline(case):
    """Eight days on: the merchant's 7 days to ship (merchant_ship_replacement) ran out."""
    with time_machine.travel(clock.now() + timedelta(days=8), tick=False):
        case_timers.fire_due()
    case.refresh_from_db()
    return case


def test_a_merchant_silent_past_its_shipping_deadline_hands_the_case_to_the_platform():
    case = past_shipping_deadline(case_in("approved", "reissue", reason="missing_parts"))
    assert case.state == "platform_review"
    assert case.facts["referred_from"] == "approved"


def test_the_system_opens_the_dispute_already_accepted_on_a_merchant_timeout():
    case = past_shipping_deadline(case_in("approved", "reissue", reason="missing_parts"))
    dispute = Dispute.objects.get(case=case)
    assert (dispute.opened_by, dispute.state) == ("system", "awaiting_merchant")


def test_the_opening_event_names_the_timer_and_rule_that_opened_it():
    case = past_shipping_deadline(case_in("inspected", "exchange"))
    opening = Dispute.objects.get(case=case).events.get(seq=1)
    assert (opening.action, opening.actor_role, opening.rule) == ("open", "system", "platform")
    assert opening.payload["timer"]["kind"] == "merchant_ship_replacement"
    assert opening.payload["referred_from"] == "inspected"


def test_a_dispute_opened_on_a_timeout_gives_the_merchant_ds05s_24_hours_to_answer():
    case = past_shipping_deadline(case_in("approved", "reissue", reason="missing_parts"))
    row = DisputeDeadline.objects.get(dispute__case=case, fired_at__isnull=True)
    assert (row.kind, row.action, row.rule) == (
        "dispute_merchant_answer",
        "merchant_silent",
        "DS-05",
    )


def test_a_merchant_who_ships_in_time_is_not_referred():
    case = case_in("approved", "reissue", reason="missing_parts")
    with time_machine.travel(clock.now() + timedelta(days=6), tick=False):
        case_timers.fire_due()
    case.refresh_from_db()
    assert case.state == "approved"
    assert not Dispute.objects.filter(case=case).exists()


def test_a_ruling_for_the_buyer_on_a_referred_case_refunds_the_buyer_and_ends_the_case():
    case = past_shipping_deadline(case_in("inspected", "exchange"))
    dispute = Dispute.objects.get(case=case)
    with time_machine.travel(clock.now() + timedelta(days=9), tick=False):
        timers.fire_due()  # DS-05: the merchant stays silent
        dispute.refresh_from_db()
        assert dispute.state == "under_review"
        dispute = step(
            dispute,
            "rule",
            ruling="for_buyer",
            reason="商家逾期未发出换货",
            decided_by="DS-05:merchant_silent",
        )
        step(dispute, "execute", merchant_of(dispute))
    case.refresh_from_db()
    assert case.state == "closed"
    refunded = sum((r.amount for r in Refund.objects.filter(case=case)), Decimal("0.00"))
    assert refunded == dispute.refundable


def test_a_case_whose_dispute_is_over_gets_a_dispute_of_its_own_when_referred_again():
    from aftersales.cases import services as case_services
    from aftersales.cases.services import ActionBody
    from tests.cases.builders import photo
    from tests.cases.factories import actor_of

    case = case_in("return_received", "exchange")
    case = case_services.act(
        case=case,
        actor=actor_of(case, "merchant"),
        action="inspect",
        body=ActionBody(
            result="fail", reason="影响二次销售", extra={"evidence_ids": [photo(case.pk)]}
        ),
    )
    dispute = under_review(appealed(case))
    dispute = step(
        dispute, "rule", ruling="for_buyer", reason="商品完好", decided_by="DS-05:merchant_silent"
    )
    step(dispute, "execute", merchant_of(dispute))
    case.refresh_from_db()
    assert case.state == "inspected"

    case = past_shipping_deadline(case)
    assert case.state == "platform_review"
    first, second = Dispute.objects.filter(case=case).order_by("id")
    assert first.state == "closed"
    assert (second.opened_by, second.state) == ("system", "awaiting_merchant")
