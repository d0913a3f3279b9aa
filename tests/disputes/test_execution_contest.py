"""GF-03 on a platform execution (DS-19): the recovery the platform took from the merchant's
settlement and deposit for a ruling it executed is contestable within the window, through the
same contest flow as a pay-first. Upheld, the merchant is made whole once, the buyer keeps the
refund and the platform bears it; rejected, the recovery stands; late, 422 naming the window's
end. An upheld appeal reverses the recovery (compensation included) once, and the dispute page
shows each side the execution, the recovery and the contest's outcome."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from aftersales.accounts.models import Role
from aftersales.core import clock
from aftersales.core.errors import NotAllowed
from aftersales.core.models import AuditEvent
from aftersales.disputes import selectors, timers
from aftersales.disputes.models import DisputeMoney
from aftersales.guarantee import services as guarantee
from aftersales.guarantee.models import AccountKind, ClaimState, Movement, PayFirst
from aftersales.refunds.models import Refund
from tests import factories
from tests.disputes.factories import desk, merchant_of, refund_only_dispute, step, under_review
from tests.disputes.test_deadlines import ruled_for_buyer
from tests.guarantee.builders import SPECIALIST, balance, integration, merchant_admin
from tests.web.pages import client_for

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def past_ds_19(dispute):
    with time_machine.travel(clock.now() + timedelta(hours=49), tick=False):
        assert timers.fire_due() == 1
    dispute.refresh_from_db()
    assert (dispute.state, dispute.executed_by) == ("closed", "platform")
    return dispute


def execution(dispute) -> PayFirst:
    return PayFirst.objects.get(source="ruling", source_id=dispute.pk)


def contest(dispute, reason="买家照片与本商品不符"):
    return guarantee.contest_pay_first(
        execution(dispute).pk, reason=reason, actor=merchant_admin(dispute.merchant)
    )


def decide(dispute, uphold: bool):
    return guarantee.decide_pay_first_contest(
        execution(dispute).pk, uphold=uphold, note="核实商家证据", actor=SPECIALIST
    )


def test_a_platform_execution_is_recorded_as_a_contestable_recovery_without_paying_twice():
    dispute = past_ds_19(ruled_for_buyer())
    record = execution(dispute)
    assert (record.kind, record.amount, record.refund_ids) == ("execution", Decimal("60.00"), [])
    assert (record.order_id, record.case_id) == (dispute.order_id, dispute.case_id)
    assert record.contest_due_at > record.created_at
    assert sum(r.amount for r in Refund.objects.filter(case=dispute.case)) == Decimal("60.00")
    actions = guarantee.contest_actions(record, merchant_admin(dispute.merchant))
    assert actions == ["contest"]


def test_the_merchant_contests_an_execution_inside_the_window_through_the_api(api):
    dispute = past_ds_19(ruled_for_buyer())
    record = execution(dispute)
    client = api(factories.merchant_token(dispute.merchant))
    listed = client.get(f"/merchants/{dispute.merchant.code}/pay-firsts").json()["items"]
    assert [(i["id"], i["kind"], i["allowed_actions"]) for i in listed] == [
        (record.pk, "execution", ["contest"])
    ]
    with time_machine.travel(record.contest_due_at - timedelta(minutes=1), tick=False):
        response = client.post(f"/pay-firsts/{record.pk}/contest", {"reason": "照片非本商品"})
    assert response.status_code == 200
    assert response.json()["contest_state"] == "contested"
    assert AuditEvent.objects.filter(
        action="guarantee.contest", subject_type="guarantee.payfirst", subject_id=str(record.pk)
    ).exists()


def test_a_contest_of_an_execution_past_the_window_is_422_naming_its_end(api):
    dispute = past_ds_19(ruled_for_buyer())
    record = execution(dispute)
    with time_machine.travel(record.contest_due_at + timedelta(seconds=1), tick=False):
        response = api(factories.merchant_token(dispute.merchant)).post(
            f"/pay-firsts/{record.pk}/contest", {"reason": "照片非本商品"}
        )
    assert (response.status_code, response["Content-Type"]) == (422, PROBLEM)
    end = clock.localtime(record.contest_due_at).isoformat()
    assert response.json()["window_ends_at"] == end
    assert end in response.json()["detail"]
    record.refresh_from_db()
    assert record.contest_state == "none"


def test_an_upheld_contest_makes_the_merchant_whole_once_and_the_platform_bears_it():
    dispute = past_ds_19(ruled_for_buyer())
    assert balance(dispute.merchant, AccountKind.DEPOSIT) == Decimal("940.00")
    contest(dispute)
    decide(dispute, uphold=True)
    record = execution(dispute)
    assert (record.contest_state, record.claim.state) == ("upheld", ClaimState.WRITTEN_OFF)
    assert balance(dispute.merchant, AccountKind.DEPOSIT) == Decimal("1000.00")
    assert balance(dispute.merchant, AccountKind.PLATFORM_LOSS) == Decimal("60.00")
    assert sum(r.amount for r in Refund.objects.filter(case=dispute.case)) == Decimal("60.00")
    with pytest.raises(NotAllowed):
        decide(dispute, uphold=True)
    assert not guarantee.reversible("ruling", dispute.pk)


def test_a_rejected_contest_leaves_the_recovery_standing():
    dispute = past_ds_19(ruled_for_buyer())
    contest(dispute)
    decide(dispute, uphold=False)
    record = execution(dispute)
    assert (record.contest_state, record.claim.state) == ("rejected", ClaimState.RECOVERED)
    assert balance(dispute.merchant, AccountKind.DEPOSIT) == Decimal("940.00")
    assert balance(dispute.merchant, AccountKind.PLATFORM_LOSS) == Decimal("0.00")


def test_an_appeal_upheld_after_an_upheld_contest_gives_the_money_back_only_once():
    dispute = past_ds_19(ruled_for_buyer())
    contest(dispute)
    decide(dispute, uphold=True)
    reversals = Movement.objects.filter(kind="reversal").count()
    dispute = step(dispute, "appeal", merchant_of(dispute), reason="照片造假")
    step(dispute, "decide_appeal", desk(Role.MANAGER, "m"), outcome="upheld", reason="照片造假")
    assert Movement.objects.filter(kind="reversal").count() == reversals
    assert balance(dispute.merchant, AccountKind.DEPOSIT) == Decimal("1000.00")
    row = DisputeMoney.objects.filter(dispute=dispute, kind="recovery", amount__lt=0).get()
    assert "contest was upheld" in row.reference


def test_an_upheld_appeal_reverses_the_compensation_the_platform_recovered_exactly_once():
    dispute = under_review(refund_only_dispute())
    guarantee.top_up(
        merchant=dispute.merchant,
        amount=Decimal("1000.00"),
        reference="seed",
        actor=integration(dispute.merchant),
    )
    dispute = step(
        dispute,
        "rule",
        ruling="for_buyer",
        reason="商品描述含糊",
        decided_by="DS-13:listing_unclear",
        compensation={"kind": "listing_unclear"},
    )
    dispute = past_ds_19(dispute)
    assert balance(dispute.merchant, AccountKind.DEPOSIT) == Decimal("934.00")  # 60 + 6
    dispute = step(dispute, "appeal", merchant_of(dispute), reason="描述清楚")
    step(dispute, "decide_appeal", desk(Role.MANAGER, "m"), outcome="upheld", reason="描述清楚")
    assert balance(dispute.merchant, AccountKind.DEPOSIT) == Decimal("1000.00")
    net = {
        kind: sum(m.amount for m in DisputeMoney.objects.filter(dispute=dispute, kind=kind))
        for kind in ("refund", "compensation", "recovery")
    }
    assert net == dict.fromkeys(("refund", "compensation", "recovery"), Decimal("0.00"))
    assert Movement.objects.filter(kind="reversal", source="ruling").count() == 2
    assert execution(dispute).claim.state == ClaimState.WRITTEN_OFF
    assert guarantee.contest_actions(execution(dispute), merchant_admin(dispute.merchant)) == []


@pytest.mark.parametrize("portal", ["buyer", "merchant", "desk"])
def test_each_side_sees_the_execution_the_recovery_and_the_contests_outcome(portal):
    dispute = past_ds_19(ruled_for_buyer())
    contest(dispute)
    decide(dispute, uphold=True)
    users = {
        "buyer": lambda: factories.user(Role.BUYER, buyer=dispute.buyer),
        "merchant": lambda: factories.user(Role.MERCHANT_STAFF, merchant=dispute.merchant),
        "desk": lambda: factories.user(Role.SPECIALIST),
    }
    html = client_for(users[portal]()).get(f"/{portal}/disputes/{dispute.pk}/").content.decode()
    assert 'id="execution"' in html
    assert 'id="execution-by"' in html and "DS-19" in html
    assert "60.00 / 60.00" in html
    assert 'data-state="upheld"' in html
    assert "买家照片与本商品不符" in html
    assert "核实商家证据" in html


def test_the_view_of_an_execution_waiting_in_its_contest_window():
    dispute = past_ds_19(ruled_for_buyer())
    view = selectors.execution_of(dispute)
    assert view["executed_by"] == "platform"
    assert view["recovery"]["contest_state"] == "none"
    assert view["recovery"]["recovered"] == Decimal("60.00")
