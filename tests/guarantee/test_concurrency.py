"""Two movements on one merchant at the same moment, each on its own connection: the row lock
on the merchant's accounts (SELECT … FOR UPDATE) runs them one after the other, so two
deductions that together would overdraw the deposit end with one done and one 409."""

from __future__ import annotations

from decimal import Decimal
from functools import partial

import pytest

from aftersales.core.errors import Conflict
from aftersales.guarantee import services
from aftersales.guarantee.models import AccountKind as A
from aftersales.guarantee.models import Movement, MovementKind, Source
from tests.cases.test_conflicts import race
from tests.guarantee import builders as b

ROUNDS = 5
D = Decimal


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_deductions_that_together_overdraw_the_deposit_one_is_409():
    for _ in range(ROUNDS):
        merchant = b.funded(deposit="100.00")
        deduct = partial(
            services.deduct,
            merchant_id=merchant.pk,
            amount=D("60.00"),
            source=Source.RULING,
            source_id=1,
            actor=b.SPECIALIST,
        )
        results = race(deduct, deduct)
        assert sorted(type(r).__name__ for r in results) == ["Conflict", "Movement"], results
        assert isinstance(next(r for r in results if not isinstance(r, Movement)), Conflict)
        assert b.balance(merchant, A.DEPOSIT) == D("40.00")
        assert Movement.objects.filter(merchant=merchant, kind=MovementKind.DEDUCT).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_recoveries_at_once_never_take_more_than_the_merchant_has():
    for round_ in range(ROUNDS):
        merchant = b.funded(settlement="50.00", deposit="30.00")
        recover = partial(
            services.recover,
            merchant_id=merchant.pk,
            amount=D("60.00"),
            source=Source.RULING,
            actor=b.SPECIALIST,
        )
        # Two rulings (one claim per ruling): ids apart in each round.
        first, second = race(
            partial(recover, source_id=10 * round_ + 2), partial(recover, source_id=10 * round_ + 3)
        )
        assert first.recovered + second.recovered == D("80.00")
        assert first.outstanding + second.outstanding == D("40.00")
        assert (b.balance(merchant, A.SETTLEMENT), b.balance(merchant, A.DEPOSIT)) == (0, 0)
        assert b.balance(merchant, A.RECEIVABLE) == D("40.00")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_ruling_executed_twice_at_once_charges_the_merchant_once():
    for round_ in range(ROUNDS):
        merchant = b.funded(settlement="100.00")
        recover = partial(
            services.recover,
            merchant_id=merchant.pk,
            amount=D("60.00"),
            source=Source.RULING,
            source_id=100 + round_,
            actor=b.SPECIALIST,
        )
        results = race(recover, recover)
        assert sorted(type(r).__name__ for r in results) == ["Conflict", "Recovery"], results
        assert b.balance(merchant, A.SETTLEMENT) == D("40.00")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_first_two_movements_of_a_merchant_at_once_both_count():
    """The accounts do not exist yet: both create them (one wins the insert), both post."""
    for _ in range(ROUNDS):
        merchant = b.funded()
        credit = partial(
            services.credit_settlement,
            merchant_id=merchant.pk,
            amount=D("10.00"),
            source=Source.ORDER,
            source_id=3,
        )
        results = race(credit, credit)
        assert all(isinstance(r, Movement) for r in results), results
        assert b.balance(merchant, A.SETTLEMENT) == D("20.00")
        assert b.entries_sum(merchant, A.SETTLEMENT) == D("20.00")
