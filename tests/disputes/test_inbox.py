"""Each dispute step that asks something of a side or tells them an outcome reaches that side's
inbox in their language (zh-Hans by default): what is asked and by when, the ruling and who
carries it out by when, the appeal and its outcome, a suspension and its end; the merchant
hears when the platform carried out its ruling from its settlement and deposit."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from aftersales.core import clock
from aftersales.disputes import timers
from aftersales.notify.catalogue import WEBHOOK_TOPICS
from aftersales.notify.models import InboxMessage, OutboxMessage
from tests import factories
from tests.cases.factories import case_in
from tests.disputes.factories import (
    appealed,
    buyer_of,
    desk,
    merchant_of,
    refund_only_dispute,
    rejected_return,
    step,
    under_review,
)
from tests.disputes.test_deadlines import ruled_for_buyer
from tests.notify.helpers import work

pytestmark = pytest.mark.django_db


def merchant_inbox(dispute) -> list[InboxMessage]:
    return list(InboxMessage.objects.filter(user__merchant_id=dispute.merchant_id).order_by("id"))


def buyer_inbox(dispute) -> list[InboxMessage]:
    return list(
        InboxMessage.objects.filter(buyer_id=dispute.buyer_id, topic="dispute.state_changed")
    )


def staffed(dispute):
    factories.user("merchant_staff", merchant=dispute.merchant)
    return dispute


def local(moment) -> str:
    return f"{clock.localtime(moment):%Y-%m-%d %H:%M}"


def test_the_merchant_is_asked_to_answer_a_taken_up_dispute_by_its_due_time():
    dispute = staffed(appealed(rejected_return()))
    dispute = step(dispute, "accept")
    work()
    due = dispute.deadlines.get(kind="dispute_merchant_answer").due_at
    told = [m for m in merchant_inbox(dispute) if m.topic == "dispute.state_changed"]
    assert [m.title for m in told] == [f"请在 {local(due)} 前答复纠纷 #{dispute.pk}"]
    assert told[0].urgent


def test_the_buyer_hears_their_dispute_was_taken_up():
    dispute = step(appealed(rejected_return()), "accept")
    work()
    assert [m.title for m in buyer_inbox(dispute)] == [f"平台已受理纠纷 #{dispute.pk}"]


def test_a_dispute_not_taken_up_tells_the_buyer_the_ds04_reason():
    dispute = step(appealed(rejected_return()), "not_accept", reason_code="not_negotiated")
    work()
    (told,) = buyer_inbox(dispute)
    assert told.title == f"纠纷 #{dispute.pk} 未被受理"
    assert "双方尚未先行协商（DS-01）" in told.body


def test_only_the_side_asked_for_evidence_hears_what_and_by_when():
    dispute = staffed(under_review(appealed(rejected_return())))
    work()
    before = len(merchant_inbox(dispute))
    dispute = step(dispute, "request_evidence", party="buyer", items=["photos", "video"])
    work()
    due = dispute.requests.get().due_at
    (told,) = [m for m in buyer_inbox(dispute) if "补充证据" in m.title]
    assert told.title == f"请在 {local(due)} 前为纠纷 #{dispute.pk} 补充证据"
    assert "photos, video" in told.body
    assert len(merchant_inbox(dispute)) == before


def test_the_merchant_reads_the_ruling_it_must_carry_out_and_by_when():
    dispute = staffed(ruled_for_buyer())
    work()
    due = dispute.deadlines.get(fired_at__isnull=True, cancelled_at__isnull=True).due_at
    titles = [m.title for m in merchant_inbox(dispute)]
    assert f"请在 {local(due)} 前执行纠纷 #{dispute.pk} 的裁决" in titles


def test_the_buyer_reads_the_ruling_with_its_amount_and_reasoning():
    dispute = ruled_for_buyer()
    work()
    (told,) = [m for m in buyer_inbox(dispute) if "已裁决" in m.title]
    assert told.title == f"纠纷 #{dispute.pk} 已裁决：支持买家"
    assert f"{dispute.ruling_amount:.2f}" in told.body and "照片显示质量问题" in told.body


def test_both_sides_hear_the_ruling_was_carried_out_and_until_when_to_appeal():
    dispute = staffed(ruled_for_buyer())
    dispute = step(dispute, "execute", merchant_of(dispute))
    work()
    title = f"纠纷 #{dispute.pk} 的裁决已执行"
    assert title in [m.title for m in buyer_inbox(dispute)]
    (told,) = [m for m in merchant_inbox(dispute) if m.title == title]
    assert local(dispute.appeal_ends_at) in told.body


def test_an_appeal_goes_to_the_desk_and_its_outcome_to_both_sides():
    dispute = staffed(ruled_for_buyer())
    agent = factories.user("agent")
    dispute = step(dispute, "execute", merchant_of(dispute))
    dispute = step(dispute, "appeal", merchant_of(dispute), reason="照片不是本商品")
    dispute = step(
        dispute, "decide_appeal", desk("manager", "manager-1"), outcome="upheld", reason="照片造假"
    )
    work()
    assert InboxMessage.objects.filter(
        user=agent, title=f"待处理纠纷 #{dispute.pk} 的申诉"
    ).exists()
    upheld = f"纠纷 #{dispute.pk} 的申诉成立"
    assert upheld in [m.title for m in buyer_inbox(dispute)]
    assert upheld in [m.title for m in merchant_inbox(dispute)]


def test_both_sides_hear_a_suspension_and_its_end():
    dispute = staffed(under_review(appealed(rejected_return())))
    dispute = step(dispute, "suspend", buyer_of(dispute), ground="lawsuit", reference="(2026)沪01")
    dispute = step(dispute, "resume")
    work()
    titles = [m.title for m in buyer_inbox(dispute)]
    assert f"纠纷 #{dispute.pk} 已中止" in titles and f"纠纷 #{dispute.pk} 已恢复" in titles
    merchant_titles = [m.title for m in merchant_inbox(dispute)]
    assert f"纠纷 #{dispute.pk} 已中止" in merchant_titles


def test_a_merchant_timeout_dispute_asks_the_merchant_to_answer():
    case = case_in("approved", "reissue", reason="missing_parts")
    factories.user("merchant_staff", merchant=case.merchant)
    with time_machine.travel(clock.now() + timedelta(days=8), tick=False):
        from aftersales.cases import timers as case_timers

        case_timers.fire_due()
        work()
    dispute = case.disputes.get()
    titles = [m.title for m in merchant_inbox(dispute)]
    assert any(t.endswith(f"前答复纠纷 #{dispute.pk}") for t in titles)


def test_the_platforms_execution_is_published_for_webhooks():
    dispute = ruled_for_buyer()
    with time_machine.travel(clock.now() + timedelta(hours=49), tick=False):
        timers.fire_due()
    row = OutboxMessage.objects.get(topic="guarantee.execution")
    assert row.payload["source_id"] == dispute.pk
    assert row.payload["amount"] == f"{dispute.ruling_amount:.2f}"
    assert "guarantee.execution" in WEBHOOK_TOPICS


def test_the_merchant_hears_the_platform_carried_out_its_ruling_from_settlement_and_deposit():
    dispute = staffed(ruled_for_buyer())
    with time_machine.travel(clock.now() + timedelta(hours=49), tick=False):
        timers.fire_due()
        work()
    (told,) = [m for m in merchant_inbox(dispute) if m.topic == "guarantee.execution"]
    assert told.title == f"平台已代您执行裁决：{dispute.ruling_amount:.2f} CNY"
    assert "保证金" in told.body and told.urgent


def test_a_buyer_who_chose_english_reads_the_ruling_in_english():
    dispute = refund_only_dispute()
    from aftersales.notify.services import set_preferences

    set_preferences(actor=buyer_of(dispute), language="en")
    dispute = step(under_review(dispute), "request_evidence", party="buyer", items=["photos"])
    work()
    (told,) = [m for m in buyer_inbox(dispute) if "Evidence" in m.title]
    assert told.title.startswith(f"Evidence asked for dispute #{dispute.pk} by ")
