"""The movements of the fund: executing a ruling (DS-19), holding settlement while a dispute is
open, deductions all or nothing (409, nothing written), reversals exactly once, and every
movement pointing to its source."""

from __future__ import annotations

from decimal import Decimal

import pytest

from aftersales.core.errors import Conflict, InvalidInput
from aftersales.guarantee import services
from aftersales.guarantee.models import AccountKind as A
from aftersales.guarantee.models import Entry, Movement, Source
from tests.guarantee import builders as b

pytestmark = pytest.mark.django_db
D = Decimal


def test_recover_takes_settlement_then_deposit():
    merchant = b.funded(settlement="40.00", deposit="1000.00")
    recovery = services.recover(
        merchant_id=merchant.pk,
        amount=D("100.00"),
        source=Source.RULING,
        source_id=9,
        actor=b.SPECIALIST,
    )
    assert (recovery.from_settlement, recovery.from_deposit, recovery.outstanding) == (
        D("40.00"),
        D("60.00"),
        D("0.00"),
    )


def test_recover_beyond_the_merchant_s_money_leaves_the_rest_owed_never_negative():
    merchant = b.funded(settlement="10.00", deposit="20.00")
    recovery = services.recover(
        merchant_id=merchant.pk,
        amount=D("100.00"),
        source=Source.RULING,
        source_id=9,
        actor=b.SPECIALIST,
    )
    assert recovery.outstanding == D("70.00")
    assert (b.balance(merchant, A.SETTLEMENT), b.balance(merchant, A.DEPOSIT)) == (0, 0)
    assert b.balance(merchant, A.RECEIVABLE) == D("70.00")


def test_a_hold_moves_settlement_aside_and_its_release_brings_it_back():
    merchant = b.funded(settlement="100.00")
    hold = services.hold_settlement(
        merchant_id=merchant.pk, amount=D("30.00"), source=Source.DISPUTE, source_id=4
    )
    assert hold.held == D("30.00")
    assert (b.balance(merchant, A.SETTLEMENT), b.balance(merchant, A.HELD)) == (
        D("70.00"),
        D("30.00"),
    )
    released = services.release_settlement(
        merchant_id=merchant.pk, source=Source.DISPUTE, source_id=4
    )
    assert released == D("30.00")
    assert (b.balance(merchant, A.SETTLEMENT), b.balance(merchant, A.HELD)) == (D("100.00"), 0)


def test_a_hold_holds_no_more_than_is_available():
    merchant = b.funded(settlement="25.00")
    hold = services.hold_settlement(
        merchant_id=merchant.pk, amount=D("30.00"), source=Source.DISPUTE, source_id=4
    )
    assert (hold.requested, hold.held) == (D("30.00"), D("25.00"))


def test_held_settlement_is_not_taken_by_a_recovery():
    merchant = b.funded(settlement="30.00")
    services.hold_settlement(
        merchant_id=merchant.pk, amount=D("30.00"), source=Source.DISPUTE, source_id=4
    )
    recovery = services.recover(
        merchant_id=merchant.pk,
        amount=D("10.00"),
        source=Source.RULING,
        source_id=1,
        actor=b.SPECIALIST,
    )
    assert recovery.outstanding == D("10.00")
    assert b.balance(merchant, A.HELD) == D("30.00")


def test_releasing_more_than_is_held_is_409_and_nothing_is_written():
    merchant = b.funded(settlement="100.00")
    services.hold_settlement(
        merchant_id=merchant.pk, amount=D("30.00"), source=Source.DISPUTE, source_id=4
    )
    before = Movement.objects.count()
    with pytest.raises(Conflict):
        services.release_settlement(
            merchant_id=merchant.pk, source=Source.DISPUTE, source_id=4, amount=D("30.01")
        )
    assert Movement.objects.count() == before


def test_a_deduction_beyond_the_deposit_is_409_and_nothing_is_written():
    merchant = b.funded(deposit="100.00")
    before = (Movement.objects.count(), Entry.objects.count())
    with pytest.raises(Conflict) as exc:
        services.deduct(
            merchant_id=merchant.pk,
            amount=D("100.01"),
            source=Source.RULING,
            source_id=2,
            actor=b.SPECIALIST,
        )
    assert exc.value.extensions["account"] == A.DEPOSIT
    assert (Movement.objects.count(), Entry.objects.count()) == before
    assert b.balance(merchant, A.DEPOSIT) == D("100.00")


def test_a_reversal_restores_the_merchant_s_money_once():
    merchant = b.funded(settlement="40.00", deposit="1000.00")
    services.recover(
        merchant_id=merchant.pk,
        amount=D("100.00"),
        source=Source.RULING,
        source_id=9,
        actor=b.SPECIALIST,
    )
    services.reverse(source=Source.RULING, source_id=9, actor=b.MANAGER)
    assert (b.balance(merchant, A.SETTLEMENT), b.balance(merchant, A.DEPOSIT)) == (
        D("40.00"),
        D("1000.00"),
    )
    with pytest.raises(Conflict):
        services.reverse(source=Source.RULING, source_id=9, actor=b.MANAGER)
    assert b.balance(merchant, A.DEPOSIT) == D("1000.00")


def test_a_reversal_that_would_go_negative_is_409_and_nothing_is_written():
    """The hold's money was released and taken since: undoing the release cannot be done."""
    merchant = b.funded(settlement="30.00")
    services.hold_settlement(
        merchant_id=merchant.pk, amount=D("30.00"), source=Source.DISPUTE, source_id=4
    )
    services.release_settlement(merchant_id=merchant.pk, source=Source.DISPUTE, source_id=4)
    services.deduct(
        merchant_id=merchant.pk,
        amount=D("30.00"),
        source=Source.RULING,
        source_id=1,
        actor=b.SPECIALIST,
        account=A.SETTLEMENT,
    )
    before = Movement.objects.count()
    with pytest.raises(Conflict):
        services.reverse(source=Source.DISPUTE, source_id=4, actor=b.MANAGER)
    assert Movement.objects.count() == before


def test_every_movement_names_its_source():
    merchant = b.funded(settlement="40.00", deposit="100.00")
    services.recover(
        merchant_id=merchant.pk,
        amount=D("50.00"),
        source=Source.RULING,
        source_id=9,
        actor=b.SPECIALIST,
    )
    sources = set(Movement.objects.filter(merchant=merchant).values_list("source", "source_id"))
    assert sources == {
        (Source.ORDER, 1),
        (Source.TOP_UP, sources_top_up(merchant)),
        (Source.RULING, 9),
    }


def sources_top_up(merchant):
    from aftersales.guarantee.models import TopUp

    return TopUp.objects.get(merchant=merchant).pk


def test_amounts_finer_than_a_fen_are_refused():
    merchant = b.funded(deposit="100.00")
    with pytest.raises(InvalidInput) as exc:
        services.deduct(
            merchant_id=merchant.pk,
            amount=D("1.005"),
            source=Source.RULING,
            source_id=2,
            actor=b.SPECIALIST,
        )
    assert exc.value.errors[0].field == "amount"


def test_an_unknown_source_is_refused():
    merchant = b.funded(deposit="100.00")
    with pytest.raises(InvalidInput) as exc:
        services.deduct(
            merchant_id=merchant.pk,
            amount=D("1.00"),
            source="whim",
            source_id=2,
            actor=b.SPECIALIST,
        )
    assert exc.value.errors[0].field == "source"
