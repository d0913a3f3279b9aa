"""先行赔付 (GF-02): the buyer is paid at once through the refund ledger; the merchant's
settlement pays it back first, then its deposit; what they lack is taken from the next income."""

from __future__ import annotations

from decimal import Decimal

import pytest

from aftersales.core.errors import Conflict, InvalidInput, PermissionDenied
from aftersales.guarantee import services
from aftersales.guarantee.models import AccountKind as A
from aftersales.guarantee.models import ClaimState, Source
from aftersales.refunds.models import Refund
from tests.guarantee import builders as b

pytestmark = pytest.mark.django_db
D = Decimal


def pay(merchant, case, amount="50.00", actor=b.SPECIALIST):
    return services.pay_first(
        case_id=case.pk,
        merchant_id=merchant.pk,
        amount=D(amount),
        reason="商家未按裁决执行",
        source=Source.RULING,
        source_id=7,
        actor=actor,
    )


def test_pay_first_pays_the_buyer_through_the_refund_ledger():
    merchant = b.funded(settlement="100.00")
    case = b.case_of(merchant)
    record = pay(merchant, case)
    refunds = Refund.objects.filter(pk__in=record.refund_ids)
    assert sum(r.amount for r in refunds) == D("50.00")
    assert {r.case_id for r in refunds} == {case.pk}


def test_pay_first_recovers_from_settlement_before_deposit():
    merchant = b.funded(settlement="30.00", deposit="1000.00")
    record = pay(merchant, b.case_of(merchant))
    assert (record.recovery.from_settlement, record.recovery.from_deposit) == (
        D("30.00"),
        D("20.00"),
    )
    assert b.balance(merchant, A.SETTLEMENT) == 0
    assert b.balance(merchant, A.DEPOSIT) == D("980.00")
    record.claim.refresh_from_db()
    assert record.claim.state == ClaimState.RECOVERED


def test_what_the_merchant_lacks_stays_owed_and_the_next_income_pays_it():
    merchant = b.funded(settlement="10.00")
    record = pay(merchant, b.case_of(merchant))
    assert record.recovery.outstanding == D("40.00")
    assert b.balance(merchant, A.RECEIVABLE) == D("40.00")
    services.credit_settlement(
        merchant_id=merchant.pk, amount=D("100.00"), source=Source.ORDER, source_id=2
    )
    record.claim.refresh_from_db()
    assert (record.claim.recovered, record.claim.state) == (D("50.00"), ClaimState.RECOVERED)
    assert b.balance(merchant, A.SETTLEMENT) == D("60.00")
    assert b.balance(merchant, A.RECEIVABLE) == 0


def test_pay_first_above_what_is_refundable_is_refused_naming_amount():
    merchant = b.funded(settlement="100.00")
    with pytest.raises(InvalidInput) as exc:
        pay(merchant, b.case_of(merchant), amount="60.01")
    assert [e.field for e in exc.value.errors] == ["amount"]
    assert b.balance(merchant, A.RECEIVABLE) == 0


def test_only_the_platform_pays_first():
    merchant = b.funded(settlement="100.00")
    with pytest.raises(PermissionDenied):
        pay(merchant, b.case_of(merchant), actor=b.merchant_admin(merchant))


def test_pay_first_names_the_window_to_contest_it():
    merchant = b.funded(settlement="100.00")
    record = pay(merchant, b.case_of(merchant))
    assert (record.contest_due_at - record.created_at).days == 7
    assert record.contest_rule == "GF-03"


def test_a_ruling_is_paid_first_once():
    merchant = b.funded(settlement="100.00")
    pay(merchant, b.case_of(merchant))
    refunds = Refund.objects.count()
    with pytest.raises(Conflict) as exc:
        pay(merchant, b.case_of(merchant))
    assert exc.value.extensions["pay_first"] is not None
    assert Refund.objects.count() == refunds
    assert b.balance(merchant, A.SETTLEMENT) == D("50.00")


def test_a_ruling_paid_first_is_not_also_executed():
    merchant = b.funded(settlement="100.00")
    pay(merchant, b.case_of(merchant))
    with pytest.raises(Conflict):
        services.recover(
            merchant_id=merchant.pk,
            amount=D("50.00"),
            source=Source.RULING,
            source_id=7,
            actor=b.SPECIALIST,
        )
