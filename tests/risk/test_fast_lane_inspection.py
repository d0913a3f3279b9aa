"""极速退款 refunds on trust, but the goods still go back: after the fast lane's refund the case
waits for the return, the merchant confirms receipt and inspects it (the inspection recorded on
the lines as for any return), a failed inspection is the merchant's claim for the platform to
rule on, and only the platform's ruling for the merchant — a person's — ends the buyer's fast
lane. The merchant's silence completes the case as passed; a buyer who never ships after an
approval-time refund goes to the platform."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine

from aftersales.accounts.models import Buyer, Role
from aftersales.cases import selectors, timers
from aftersales.cases.models import Case, CaseEvent, Deadline
from aftersales.core import clock
from aftersales.guarantee.ledger import balances
from aftersales.guarantee.models import Movement
from aftersales.refunds.models import Refund
from aftersales.returns.models import Inspection
from aftersales.risk import services
from aftersales.risk.trust import fast_lane_trust
from tests import factories
from tests.cases import builders as b
from tests.returns import builders as rb
from tests.risk.builders import trusted_buyer
from tests.web.pages import desk_client, merchant_client

pytestmark = pytest.mark.django_db

SECOND = timedelta(seconds=1)
WORN = {"line_id": "1", "result": "fail", "grade": "damaged", "disposition": "return_to_buyer",
        "reason": "吊牌已剪，明显穿着痕迹"}  # fmt: skip


def opened_return(s: b.Shop, buyer: str, **line) -> b.Opened:
    data = b.order(s, buyer=buyer, **line)
    body = b.case_body(data, "return_refund", "no_reason")
    response = s.buyer_api(data["buyer"]["external_id"]).post("/cases", body)
    assert response.status_code == 201, response.content
    return b.Opened(shop=s, order=data, case=response.json())


def fast_laned_at_first_scan(s: b.Shop, buyer: str) -> tuple[b.Opened, str]:
    c = opened_return(s, buyer)
    c.act("merchant", "approve")
    number = rb.fake_no()
    c.act("buyer", "ship_return", carrier="fake", tracking_no=number)
    assert rb.post_scans([rb.scan(number, "picked_up")]).status_code == 200
    return c, number


def state(c: b.Opened) -> str:
    return Case.objects.get(pk=c.id).state


def trusted(s: b.Shop, buyer: str) -> bool:
    buyer_id = Buyer.objects.get(external_id=buyer).pk
    limits = services.policy_for_merchant(s.merchant.pk).fast_lane
    return fast_lane_trust([buyer_id], at=clock.now(), limits=limits)[buyer_id].allowed


def fire(case_id: int, action: str) -> None:
    """Past the pending deadline of `action`, the worker takes it."""
    due = Deadline.objects.get(
        case_id=case_id, action=action, reminder=False, fired_at__isnull=True,
        cancelled_at__isnull=True,
    ).due_at  # fmt: skip
    with time_machine.travel(due + SECOND, tick=False):
        timers.fire_due()


def inspected_as_worn(c: b.Opened) -> None:
    c.act("merchant", "confirm_receipt")
    worn = {**WORN, "evidence_ids": [b.photo(c.id)]}
    c.act("merchant", "inspect", result="fail", inspections=[worn])


def test_the_fast_lane_refunds_at_the_first_scan_and_the_case_waits_for_the_goods():
    s = rb.shop_with_address()
    c, _number = fast_laned_at_first_scan(s, trusted_buyer(s))
    assert state(c) == "refunded_return_shipped"
    assert Refund.objects.filter(case_id=c.id).count() == 1
    assert c.shop.merchant_api.get(f"/cases/{c.id}").json()["next_actions"] == ["confirm_receipt"]


def test_the_carriers_delivery_scan_moves_a_fast_laned_return_on():
    s = rb.shop_with_address()
    c, number = fast_laned_at_first_scan(s, trusted_buyer(s))
    assert rb.post_scans([rb.scan(number, "delivered")]).status_code == 200
    assert state(c) == "refunded_return_delivered"


def test_a_passed_inspection_after_the_fast_lane_ends_the_case_refunded_with_no_second_refund():
    s = rb.shop_with_address()
    c, _number = fast_laned_at_first_scan(s, trusted_buyer(s))
    c.act("merchant", "confirm_receipt")
    c.act("merchant", "inspect", result="pass")
    assert c.case["state"] == "refunded"
    assert Refund.objects.filter(case_id=c.id).count() == 1


def test_a_failed_inspection_after_the_fast_lane_is_recorded_on_the_lines_for_rs04():
    s = rb.shop_with_address()
    c, _number = fast_laned_at_first_scan(s, trusted_buyer(s))
    inspected_as_worn(c)
    row = Inspection.objects.get(case_id=c.id)
    assert (row.result, row.grade) == ("fail", "damaged")  # RS-04 counts it as worn
    assert c.case["state"] == "recovery_review"


def test_the_merchants_claim_waits_in_the_desks_review_queue():
    s = rb.shop_with_address()
    c, _number = fast_laned_at_first_scan(s, trusted_buyer(s))
    inspected_as_worn(c)
    from aftersales.accounts.actors import actor_for_user

    desk = actor_for_user(factories.user(Role.SPECIALIST))
    assert c.id in set(selectors.review_queue(desk).values_list("case_id", flat=True))


def test_the_desks_queue_page_says_it_is_the_merchants_claim_after_an_early_refund():
    s = rb.shop_with_address()
    c = opened_return(s, trusted_buyer(s), unit_price="39.00")
    c.act("merchant", "approve")
    fire(c.id, "recover")
    html = desk_client("zh-hans").get("/desk/").content.decode()
    assert f"#{c.id}" in html
    assert "已极速退款，买家未寄回商品" in html


def test_a_failed_inspection_alone_does_not_end_the_buyers_fast_lane():
    s = rb.shop_with_address()
    buyer = trusted_buyer(s)
    c, _number = fast_laned_at_first_scan(s, buyer)
    inspected_as_worn(c)
    assert trusted(s, buyer)


def test_journey_fast_lane_then_a_worn_return_ruled_for_the_merchant_loses_the_fast_lane():
    s = rb.shop_with_address()
    buyer = trusted_buyer(s)
    c, number = fast_laned_at_first_scan(s, buyer)
    assert rb.post_scans([rb.scan(number, "delivered")]).status_code == 200
    inspected_as_worn(c)
    c.act("platform", "rule", ruling="for_merchant", reason="验货照片显示商品已穿着")
    assert c.case["state"] == "closed"
    ruling = CaseEvent.objects.filter(case_id=c.id, action="rule").get()
    assert (ruling.from_state, ruling.to_state) == ("recovery_review", "closed")
    assert ruling.actor_kind != "system"  # a desk specialist's ruling, not a timer's
    assert not trusted(s, buyer)
    again, _ = fast_laned_at_first_scan(s, buyer)
    assert state(again) == "return_shipped"  # waits for the merchant like anyone's


def test_a_ruling_for_the_buyer_keeps_the_refund_and_the_fast_lane():
    s = rb.shop_with_address()
    buyer = trusted_buyer(s)
    c, _number = fast_laned_at_first_scan(s, buyer)
    inspected_as_worn(c)
    c.act("platform", "rule", ruling="for_buyer", reason="照片不足以证明穿着")
    assert c.case["state"] == "refunded"
    assert trusted(s, buyer)


def test_a_partial_inspection_after_the_fast_lane_leaves_the_refund_as_granted():
    s = rb.shop_with_address()
    c, _number = fast_laned_at_first_scan(s, trusted_buyer(s))
    c.act("merchant", "confirm_receipt")
    c.act("merchant", "inspect", result="partial", amount="40.00", note="吊牌已剪")
    case = Case.objects.get(pk=c.id)
    assert (case.state, case.refund_amount) == ("recovery_review", 60)
    assert case.facts["merchant_claim"]["kept"] == "40.00"
    c.act("platform", "rule", ruling="partial", amount="40.00", reason="扣除吊牌损失")
    # The money went back already: the ruling names what the buyer keeps, not a new refund.
    assert (c.case["state"], c.case["refund_amount"]) == ("refunded", "60.00")


def test_the_merchant_silent_after_delivery_completes_the_case_as_passed():
    s = rb.shop_with_address()
    buyer = trusted_buyer(s)
    c, number = fast_laned_at_first_scan(s, buyer)
    assert rb.post_scans([rb.scan(number, "delivered")]).status_code == 200
    fire(c.id, "complete")  # TB-04's days from delivery
    done = CaseEvent.objects.filter(case_id=c.id).order_by("-seq").first()
    assert (state(c), done.action, done.actor_kind) == ("refunded", "complete", "system")
    assert not Inspection.objects.filter(case_id=c.id).exists()  # nobody graded anything
    assert trusted(s, buyer)


def test_the_merchant_silent_after_receipt_completes_the_case_as_passed():
    s = rb.shop_with_address()
    c, _number = fast_laned_at_first_scan(s, trusted_buyer(s))
    c.act("merchant", "confirm_receipt")
    fire(c.id, "complete")  # NR-08's days after receipt
    assert state(c) == "refunded"


def test_a_buyer_who_never_ships_after_the_approval_fast_lane_goes_to_the_platform():
    s = rb.shop_with_address()
    buyer = trusted_buyer(s)
    c = opened_return(s, buyer, unit_price="39.00")
    c.act("merchant", "approve")
    assert state(c) == "refunded_awaiting_return"
    assert c.shop.buyer_api(buyer).get(f"/cases/{c.id}").json()["next_actions"] == ["ship_return"]
    fire(c.id, "recover")  # TB-03's days with no parcel
    assert state(c) == "recovery_review"
    c.act("platform", "rule", ruling="for_merchant", reason="买家收到退款后未寄回商品")
    assert c.case["state"] == "closed"
    assert not trusted(s, buyer)


def test_a_buyer_refunded_at_approval_sees_where_to_send_the_goods():
    s = rb.shop_with_address()
    c = opened_return(s, trusted_buyer(s), unit_price="39.00")
    c.act("merchant", "approve")
    assert rb.return_of(c, "buyer")["address"]["address"] == rb.ADDRESS["address"]


def test_a_buyer_who_ships_after_the_approval_fast_lane_goes_through_inspection():
    s = rb.shop_with_address()
    c = opened_return(s, trusted_buyer(s), unit_price="39.00")
    c.act("merchant", "approve")
    c.act("buyer", "ship_return", carrier="fake", tracking_no=rb.fake_no())
    assert state(c) == "refunded_return_shipped"


def test_the_merchant_case_page_offers_the_inspection_after_a_fast_lane_refund():
    s = rb.shop_with_address()
    c, _number = fast_laned_at_first_scan(s, trusted_buyer(s))
    c.act("merchant", "confirm_receipt")
    html = merchant_client(s).get(f"/merchant/cases/{c.id}/").content.decode()
    assert set(re.findall(r'id="action-([a-z_]+)"', html)) == {"inspect"}
    assert "Refunded, return received" in html


# --- The platform carries the fast lane's trust: the merchant is paid back (risk/recovery.py) --


def paid_back(c: b.Opened) -> list[tuple[str, str]]:
    return [
        (m.kind, f"{m.amount:.2f}")
        for m in Movement.objects.filter(source="case", source_id=c.id).order_by("pk")
    ]


def test_a_claim_upheld_after_the_fast_lane_pays_the_merchant_the_whole_refund():
    s = rb.shop_with_address()
    c, _number = fast_laned_at_first_scan(s, trusted_buyer(s))
    inspected_as_worn(c)
    c.act("platform", "rule", ruling="for_merchant", reason="验货照片显示商品已穿着")
    assert paid_back(c) == [("restitution", "60.00")]
    books = balances(s.merchant.pk)
    assert (books["settlement"], books["platform_loss"]) == (60, 60)


def test_a_partial_ruling_after_the_fast_lane_pays_the_merchant_what_the_buyer_does_not_keep():
    s = rb.shop_with_address()
    c, _number = fast_laned_at_first_scan(s, trusted_buyer(s))
    c.act("merchant", "confirm_receipt")
    c.act("merchant", "inspect", result="partial", amount="40.00", note="吊牌已剪")
    c.act("platform", "rule", ruling="partial", amount="40.00", reason="扣除吊牌损失")
    assert paid_back(c) == [("restitution", "20.00")]
    recovery = Case.objects.get(pk=c.id).facts["recovery"]
    assert (recovery["refunded"], recovery["owed_by_buyer"]) == ("60.00", "20.00")


def test_a_ruling_for_the_buyer_after_the_fast_lane_moves_no_money():
    s = rb.shop_with_address()
    c, _number = fast_laned_at_first_scan(s, trusted_buyer(s))
    inspected_as_worn(c)
    c.act("platform", "rule", ruling="for_buyer", reason="照片不足以证明穿着")
    assert paid_back(c) == []
    assert "recovery" not in Case.objects.get(pk=c.id).facts


def test_a_refund_never_followed_by_the_goods_and_ruled_for_the_merchant_is_paid_back():
    s = rb.shop_with_address()
    c = opened_return(s, trusted_buyer(s), unit_price="39.00")
    c.act("merchant", "approve")
    fire(c.id, "recover")  # TB-03's days with no parcel
    c.act("platform", "rule", ruling="for_merchant", reason="买家收到退款后未寄回商品")
    assert paid_back(c) == [("restitution", "39.00")]


def test_a_ruling_on_an_appeal_with_no_refund_made_pays_the_merchant_nothing():
    s = rb.shop_with_address()
    c = opened_return(s, None)
    c.act("merchant", "reject", reason="商品已使用")
    c.act("buyer", "appeal", reason="商品未使用")
    c.act("platform", "rule", ruling="for_merchant", reason="照片显示已使用")
    assert paid_back(c) == []
