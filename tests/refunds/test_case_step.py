"""The case engine's `refund` step grants through the ledger as an `after_step("refund")` hook:
once per apply, for every case that took the step, with the maker from the step's event."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from aftersales.accounts.actors import actor_for_user
from aftersales.accounts.models import Role
from aftersales.cases import services, timers
from aftersales.cases.models import Case, CaseEvent, Deadline
from aftersales.core.errors import InvalidInput
from aftersales.refunds.models import Refund
from aftersales.refunds.services import LineRequest, RefundRequest, grant_refunds
from tests import factories
from tests.cases.factories import actor_of, case_in

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
NOW = T0 + timedelta(hours=1)


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def in_transit() -> dict:
    """Refund only on an order shipped, not signed for: approving it refunds at once (TB-01)."""
    shipped = (T0 - timedelta(days=1)).isoformat()
    shipment = {"carrier": "sf", "tracking_no": "SF1234567890", "line_ids": ["1"]}
    return {"shipments": [{**shipment, "shipped_at": shipped, "signed_at": None}]}


def awaiting_review() -> Case:
    """A refund-only case whose merchant-review deadline (approve, then refund) is due at NOW."""
    case = case_in("requested", "refund_only", **in_transit())
    Deadline.objects.filter(case=case, action="approve", reminder=False).update(
        due_at=NOW - timedelta(minutes=1)
    )
    return case


def refunded_elsewhere(case: Case, amount: str) -> None:
    """`amount` of the case's only line already paid back (the ledger counts it)."""
    line = case.lines.get()
    grant_refunds(
        [
            RefundRequest(
                case_id=case.pk,
                merchant_id=case.merchant_id,
                order_id=case.order_id,
                currency=case.currency,
                lines=(LineRequest(line.order_line_id, line.refundable_amount),),
                amount=Decimal(amount),
            )
        ]
    )


def test_a_deadline_batch_grants_each_case_that_took_the_step_its_refund(clock, provider):
    cases = [awaiting_review() for _ in range(3)]
    clock.move_to(NOW)

    result = timers.fire_due(batch=50)

    assert result.fired == 3
    granted = dict(Refund.objects.values_list("case_id", "amount"))
    assert granted == {case.pk: Decimal("60.00") for case in cases}


def test_a_batch_fires_the_others_and_backs_off_the_case_whose_refund_exceeds_what_is_left(
    clock, provider, caplog
):
    healthy = [awaiting_review() for _ in range(2)]
    short = awaiting_review()
    refunded_elsewhere(short, "50.00")
    clock.move_to(NOW)

    with caplog.at_level(logging.WARNING, logger="aftersales.cases.timers"):
        result = timers.fire_due(batch=50)

    assert (result.fired, result.failed) == (2, 1)
    assert [Case.objects.get(pk=c.pk).state for c in healthy] == ["refunded", "refunded"]
    assert Case.objects.get(pk=short.pk).state == "requested"
    assert not CaseEvent.objects.filter(case=short, action__in=["approve", "refund"]).exists()
    assert list(Refund.objects.filter(case_id=short.pk).values_list("amount", flat=True)) == [
        Decimal("50.00")
    ]
    row = Deadline.objects.get(case=short, action="approve", reminder=False)
    assert row.fired_at is None and row.attempts == 1
    assert row.due_at == NOW + timers.BACKOFF_FIRST
    assert "at most 10.00" in row.last_error


def test_a_refund_step_above_what_is_left_fails_the_action_with_the_limit(clock, provider):
    case = case_in("return_received", "return_refund")
    refunded_elsewhere(case, "50.00")

    with pytest.raises(InvalidInput) as exc:
        services.act(case=case, actor=actor_of(case, "merchant"), action="refund")

    assert exc.value.extensions["limit"] == "10.00"


def test_the_maker_of_a_refund_is_the_person_who_took_the_step(provider):
    maker = factories.user(Role.MERCHANT_ADMIN)
    case = case_in("return_received", "return_refund", merchant=maker.merchant)

    services.act(case=case, actor=actor_for_user(maker), action="refund")

    refund = Refund.objects.get(case=case)
    assert (refund.maker_user_id, refund.maker_label) == (maker.pk, actor_for_user(maker).label)


def test_a_refund_step_acted_at_a_past_moment_is_granted_at_that_moment(clock, provider):
    case = case_in("return_received", "return_refund")
    earlier = T0 - timedelta(days=40)

    services.act(case=case, actor=actor_of(case, "merchant"), action="refund", at=earlier)

    assert Refund.objects.get(case=case).requested_at == earlier


def test_a_refund_the_deadline_worker_grants_is_made_by_the_system(clock, provider):
    case = awaiting_review()
    clock.move_to(NOW)

    timers.fire_due(batch=50)

    refund = Refund.objects.get(case=case)
    assert refund.maker_user_id is None and refund.maker_label == "system"
