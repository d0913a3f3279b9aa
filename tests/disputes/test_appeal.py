"""DS-20: one appeal level, either side within 7 days after the dispute closed; outside it the
appeal is refused naming the window's end. A successful appeal voids the ruling: the money it
took from the merchant goes back and the merchant figures stop counting it."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from aftersales.accounts.models import Role
from aftersales.core import clock
from aftersales.core.errors import InvalidInput, NotAllowed
from aftersales.disputes import figures, timers
from aftersales.disputes.models import DisputeMoney
from aftersales.guarantee.models import AccountKind
from tests.disputes.factories import buyer_of, desk, merchant_of, step
from tests.disputes.test_deadlines import ruled_for_buyer
from tests.guarantee.builders import balance

pytestmark = pytest.mark.django_db

MANAGER = desk(Role.MANAGER, "manager-1")


def executed_by_platform():
    dispute = ruled_for_buyer()
    with time_machine.travel(clock.now() + timedelta(hours=49), tick=False):
        timers.fire_due()
    dispute.refresh_from_db()
    assert dispute.state == "closed"
    return dispute


def test_the_appeal_window_is_seven_days_from_closing():
    dispute = executed_by_platform()
    assert dispute.appeal_ends_at == dispute.closed_at + timedelta(days=7)


def test_an_appeal_outside_its_window_is_refused_naming_the_windows_end():
    dispute = executed_by_platform()
    ends = clock.localtime(dispute.appeal_ends_at)
    with (
        time_machine.travel(dispute.appeal_ends_at + timedelta(seconds=1), tick=False),
        pytest.raises(InvalidInput) as caught,
    ):
        step(dispute, "appeal", merchant_of(dispute), reason="买家已使用商品")
    assert caught.value.errors[0].field == "appeal"
    assert f"{ends:%Y-%m-%d %H:%M}" in caught.value.detail
    assert caught.value.extensions["window_ends_at"] == dispute.appeal_ends_at.isoformat()


def test_either_side_may_appeal_inside_the_window():
    dispute = executed_by_platform()
    with time_machine.travel(dispute.closed_at + timedelta(days=6), tick=False):
        dispute = step(dispute, "appeal", merchant_of(dispute), reason="买家已使用商品")
    assert dispute.state == "appeal_review"


def test_there_is_one_appeal_level():
    dispute = executed_by_platform()
    dispute = step(dispute, "appeal", buyer_of(dispute), reason="还应赔偿")
    dispute = step(dispute, "decide_appeal", MANAGER, outcome="dismissed", reason="原裁决无误")
    with pytest.raises(NotAllowed):
        step(dispute, "appeal", merchant_of(dispute), reason="再申诉")


def test_an_upheld_appeal_restores_the_merchants_money_and_figures():
    dispute = executed_by_platform()
    month = clock.localtime(dispute.executed_at).strftime("%Y-%m")
    before = figures.monthly(dispute.merchant_id, month)
    assert before["dispute_refunds"] == 1
    assert balance(dispute.merchant, AccountKind.DEPOSIT) == Decimal("940.00")

    dispute = step(dispute, "appeal", merchant_of(dispute), reason="买家提交的照片不是本商品")
    dispute = step(dispute, "decide_appeal", MANAGER, outcome="upheld", reason="照片造假")

    assert (dispute.state, dispute.ruling, dispute.ruling_void) == ("under_review", "", True)
    assert dispute.facts["voided_rulings"][0]["ruling"] == "for_buyer"
    assert balance(dispute.merchant, AccountKind.DEPOSIT) == Decimal("1000.00")
    net = {
        kind: sum(m.amount for m in DisputeMoney.objects.filter(dispute=dispute, kind=kind))
        for kind in ("refund", "recovery")
    }
    assert net == {"refund": Decimal("0.00"), "recovery": Decimal("0.00")}
    assert figures.monthly(dispute.merchant_id, month)["dispute_refunds"] == 0


def test_a_dismissed_appeal_closes_the_dispute_again_and_keeps_the_ruling():
    dispute = executed_by_platform()
    dispute = step(dispute, "appeal", buyer_of(dispute), reason="还应赔偿")
    dispute = step(dispute, "decide_appeal", MANAGER, outcome="dismissed", reason="原裁决无误")
    assert (dispute.state, dispute.ruling, dispute.ruling_void) == ("closed", "for_buyer", False)


def executed_by_merchant():
    dispute = ruled_for_buyer()
    dispute = step(dispute, "execute", merchant_of(dispute))
    assert (dispute.state, dispute.executed_by) == ("closed", "merchant")
    return dispute


def paid_to_buyer(dispute) -> Decimal:
    return sum(
        (m.amount for m in DisputeMoney.objects.filter(dispute=dispute, kind="refund")),
        Decimal("0.00"),
    )


def test_an_upheld_appeal_pays_back_the_merchant_who_carried_out_the_ruling():
    dispute = executed_by_merchant()
    paid = paid_to_buyer(dispute)
    assert paid > 0
    settlement = balance(dispute.merchant, AccountKind.SETTLEMENT)

    dispute = step(dispute, "appeal", merchant_of(dispute), reason="买家提交的照片不是本商品")
    step(dispute, "decide_appeal", MANAGER, outcome="upheld", reason="照片造假")

    assert balance(dispute.merchant, AccountKind.SETTLEMENT) == settlement + paid
    assert balance(dispute.merchant, AccountKind.PLATFORM_LOSS) == paid
    restitution = DisputeMoney.objects.get(dispute=dispute, kind="restitution")
    assert restitution.amount == paid


def test_a_voided_ruling_the_merchant_carried_out_is_paid_back_once():
    from aftersales.core.errors import Conflict
    from aftersales.guarantee import services as guarantee
    from aftersales.guarantee.models import Movement, MovementKind

    dispute = executed_by_merchant()
    paid = paid_to_buyer(dispute)
    dispute = step(dispute, "appeal", merchant_of(dispute), reason="买家提交的照片不是本商品")
    step(dispute, "decide_appeal", MANAGER, outcome="upheld", reason="照片造假")
    settlement = balance(dispute.merchant, AccountKind.SETTLEMENT)

    with pytest.raises(Conflict):
        guarantee.restitute(
            merchant_id=dispute.merchant_id,
            amount=paid,
            source="ruling",
            source_id=dispute.pk,
            actor=MANAGER,
            note="again",
        )
    assert balance(dispute.merchant, AccountKind.SETTLEMENT) == settlement
    assert Movement.objects.filter(kind=MovementKind.RESTITUTION).count() == 1


def test_a_merchant_paid_back_on_appeal_stops_counting_the_dispute_refund():
    dispute = executed_by_merchant()
    month = clock.localtime(dispute.executed_at).strftime("%Y-%m")
    assert figures.monthly(dispute.merchant_id, month)["dispute_refunds"] == 1
    dispute = step(dispute, "appeal", merchant_of(dispute), reason="买家提交的照片不是本商品")
    step(dispute, "decide_appeal", MANAGER, outcome="upheld", reason="照片造假")
    assert figures.monthly(dispute.merchant_id, month)["dispute_refunds"] == 0
