"""The deposit a merchant keeps is per category (policy `guarantee_deposit`, EC-06); falling
below it opens one top-up request and tells the merchant; a top-up back to it closes it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from aftersales.guarantee import services
from aftersales.guarantee.models import Source, TopUpRequest, TopUpRequestState
from aftersales.guarantee.requirements import deposit_requirement
from aftersales.notify.models import OutboxMessage
from tests.guarantee import builders as b

pytestmark = pytest.mark.django_db
D = Decimal


def deduct(merchant, amount):
    services.deduct(
        merchant_id=merchant.pk,
        amount=D(amount),
        source=Source.RULING,
        source_id=1,
        actor=b.SPECIALIST,
    )


def test_the_requirement_is_the_highest_of_the_merchant_s_categories():
    merchant = b.funded(categories=["apparel", "electronics"])
    requirement = deposit_requirement(merchant)
    assert (requirement.amount, requirement.category, requirement.rule) == (
        D("10000.00"),
        "electronics",
        "EC-06",
    )


def test_a_merchant_in_no_listed_category_keeps_the_default():
    merchant = b.funded(categories=["toys"])
    assert deposit_requirement(merchant).amount == D("1000.00")


def test_falling_below_the_requirement_asks_for_a_top_up():
    merchant = b.funded(deposit="1000.00", categories=["toys"])
    deduct(merchant, "0.01")
    request = TopUpRequest.objects.get(merchant=merchant, state=TopUpRequestState.OPEN)
    assert (request.shortfall, request.requirement) == (D("0.01"), D("1000.00"))
    told = OutboxMessage.objects.get(topic="guarantee.top_up_requested", merchant_id=merchant.pk)
    assert told.payload["shortfall"] == "0.01"


def test_a_merchant_is_asked_once_while_the_request_is_open():
    merchant = b.funded(deposit="1000.00", categories=["toys"])
    deduct(merchant, "10.00")
    deduct(merchant, "10.00")
    assert TopUpRequest.objects.filter(merchant=merchant).count() == 1
    assert OutboxMessage.objects.filter(topic="guarantee.top_up_requested").count() == 1


def test_a_top_up_back_to_the_requirement_meets_the_request():
    merchant = b.funded(deposit="1000.00", categories=["toys"])
    deduct(merchant, "300.00")
    services.top_up(
        merchant=merchant, amount=D("300.00"), reference="BANK-1", actor=b.integration(merchant)
    )
    request = TopUpRequest.objects.get(merchant=merchant)
    assert request.state == TopUpRequestState.MET
    assert request.top_ups.get().reference == "BANK-1"


def test_the_request_is_told_with_the_movement_or_not_at_all():
    """The notice is an outbox row in the movement's transaction: a rollback takes it away."""
    merchant = b.funded(deposit="1000.00", categories=["toys"])
    with pytest.raises(RuntimeError), transaction.atomic():
        deduct(merchant, "10.00")
        raise RuntimeError("the caller's step failed")
    assert not OutboxMessage.objects.filter(topic="guarantee.top_up_requested").exists()
    assert not TopUpRequest.objects.filter(merchant=merchant).exists()


def test_the_same_transfer_reference_is_recorded_once():
    from aftersales.core.errors import Conflict

    merchant = b.funded(deposit="100.00")
    with pytest.raises(Conflict):
        services.top_up(
            merchant=merchant,
            amount=D("100.00"),
            reference=f"seed-{merchant.pk}",
            actor=b.integration(merchant),
        )
