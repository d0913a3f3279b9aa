"""The demo shows the ledger's states, made through the real services, once."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from aftersales.refunds.models import Refund

pytestmark = pytest.mark.django_db


def demo() -> None:
    call_command("demo", "--orders", "6", "--buyers", "2")


def demo_refund(order: str) -> Refund:
    return Refund.objects.get(order__external_id=order)


def test_the_demo_card_refund_is_paid_with_its_expected_arrival():
    demo()
    refund = demo_refund("DEMO-RF-CARD")
    assert (refund.method, refund.state) == ("card", "succeeded")
    assert refund.expected_at is not None and refund.expected_at > refund.settled_at


def test_the_demo_refund_above_the_threshold_waits_for_a_second_approver():
    demo()
    refund = demo_refund("DEMO-RF-BIG")
    assert refund.state == "awaiting_approval" and refund.maker_user_id is not None


def test_the_demo_price_protection_refund_is_paid_against_the_recorded_drop():
    demo()
    refund = demo_refund("DEMO-RF-PRICE")
    assert (refund.kind, refund.state, str(refund.amount)) == (
        "price_protection",
        "succeeded",
        "40.00",
    )


def test_running_the_demo_again_adds_no_refunds():
    demo()
    before = list(Refund.objects.order_by("pk").values_list("pk", "state"))
    demo()
    assert list(Refund.objects.order_by("pk").values_list("pk", "state")) == before
