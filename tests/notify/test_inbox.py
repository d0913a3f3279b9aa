"""Messages to buyers, merchant staff and the desk: every step in the buyer's inbox in their
language, quiet hours, SMS without personal data, preferences, mark-read."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from aftersales.cases import services
from aftersales.notify import delivery
from aftersales.notify.channels import FakeSms
from aftersales.notify.models import InboxMessage
from tests import factories
from tests.cases import builders as b
from tests.cases import factories as case_factories
from tests.notify.helpers import work

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_buyer_reads_every_step_of_a_return_in_their_inbox(api):
    opened = b.open_case(type="return_refund")
    opened.act("merchant", "approve")
    opened.act("buyer", "ship_return", carrier="sf", tracking_no="SF0000000001")
    opened.act("merchant", "confirm_receipt")
    work()
    titles = [m["title"] for m in opened.buyer_api.get("/inbox").json()["items"]]
    assert titles == [
        f"售后单 #{opened.id} 已收到退货",
        f"售后单 #{opened.id} 退货已寄出",
        f"售后单 #{opened.id} 已同意",
        f"我们已收到您的售后申请 #{opened.id}",
    ]


def test_a_buyer_who_chose_english_reads_english():
    opened = b.open_case(type="return_refund")
    response = opened.buyer_api.post("/inbox/preferences", {"language": "en"})
    assert response.status_code == 200, response.content
    opened.act("merchant", "approve")
    work()
    latest = opened.buyer_api.get("/inbox").json()["items"][0]
    assert latest["title"] == f"Request #{opened.id} approved"
    assert latest["language"] == "en"


def test_merchant_staff_hear_of_a_new_request_in_their_inbox(api):
    s = b.shop()
    staff = factories.user("merchant_staff", merchant=s.merchant)
    opened = b.open_case(s, type="return_refund")
    work()
    items = api(factories.user_token(staff)).get("/inbox").json()["items"]
    assert [i["title"] for i in items] == [f"新售后申请 #{opened.id}"]
    assert items[0]["merchant"] == s.code


def test_the_desk_hears_of_an_appeal(api):
    s = b.shop()
    agent = factories.user("agent")
    opened = b.open_case(s, type="return_refund")
    opened.act("merchant", "reject", reason="已超过期限")
    opened.act("buyer", "appeal", reason="没有超过")
    work()
    titles = [i["title"] for i in api(factories.user_token(agent)).get("/inbox").json()["items"]]
    assert titles == [f"待裁决申诉：售后单 #{opened.id}"]


def test_a_reminder_goes_to_whoever_must_act_and_is_urgent():
    merchant = factories.merchant()
    staff = factories.user("merchant_staff", merchant=merchant)
    case = case_factories.opened_case(merchant=merchant)
    from aftersales.accounts.actors import SYSTEM_ACTOR
    from aftersales.cases.events import record_event
    from aftersales.cases.models import Case

    locked = Case.objects.select_related("merchant", "order").get(pk=case.pk)
    record_event(
        locked,
        SYSTEM_ACTOR,
        "remind",
        payload={
            "kind": "merchant_review",
            "due_at": "2026-03-05T10:00:00+08:00",
            "action": "approve",
        },
    )
    delivery.drain_outbox()
    reminder = InboxMessage.objects.get(topic="case.reminder")
    assert reminder.user == staff and reminder.urgent
    assert "2026-03-05 10:00" in reminder.title
    assert "同意申请" in reminder.body


def test_non_urgent_email_waits_for_the_end_of_quiet_hours():
    merchant = factories.merchant()
    staff = factories.user("merchant_staff", merchant=merchant)
    staff.email = "staff@shop.example"
    staff.save()
    with time_machine.travel(datetime(2026, 3, 3, 23, 30, tzinfo=SHANGHAI), tick=False) as t:
        case_factories.opened_case(merchant=merchant)
        work()
        assert mail.outbox == []
        row = InboxMessage.objects.get(user=staff)
        assert row.send_after == datetime(2026, 3, 4, 8, 0, tzinfo=SHANGHAI)
        t.move_to(datetime(2026, 3, 4, 8, 0, tzinfo=SHANGHAI))
        work()
    assert [m.to for m in mail.outbox] == [["staff@shop.example"]]
    assert mail.outbox[0].subject == row.title


def test_email_goes_out_at_once_outside_quiet_hours():
    merchant = factories.merchant()
    staff = factories.user("merchant_staff", merchant=merchant)
    staff.email = "staff@shop.example"
    staff.save()
    with time_machine.travel(datetime(2026, 3, 3, 10, 0, tzinfo=SHANGHAI), tick=False):
        case_factories.opened_case(merchant=merchant)
        work()
    assert len(mail.outbox) == 1


def test_a_text_message_is_short_and_carries_no_personal_data():
    case = case_factories.opened_case()
    services.act(case=case, actor=case_factories.actor_of(case, "merchant"), action="approve")
    with time_machine.travel(datetime(2026, 3, 3, 10, 0, tzinfo=SHANGHAI), tick=False):
        work()
    [sms] = FakeSms.sent
    assert sms.phone == "13812345678"
    assert len(sms.text) <= 70
    assert "张三" not in sms.text and "13812345678" not in sms.text
    assert str(case.pk) in sms.text


def test_a_buyer_who_turned_texts_off_gets_none():
    case = case_factories.opened_case()
    from aftersales.notify.services import set_preferences

    set_preferences(actor=case_factories.buyer_actor(case), sms=False)
    services.act(case=case, actor=case_factories.actor_of(case, "merchant"), action="approve")
    work()
    assert FakeSms.sent == []


def test_marking_a_message_read_takes_it_off_the_unread_list():
    opened = b.open_case(type="return_refund")
    work()
    [item] = opened.buyer_api.get("/inbox", unread="true").json()["items"]
    response = opened.buyer_api.post(f"/inbox/{item['id']}/read")
    assert response.status_code == 200 and response.json()["read_at"]
    assert opened.buyer_api.get("/inbox", unread="true").json()["items"] == []


def test_another_buyers_message_cannot_be_marked_read(api):
    opened = b.open_case(type="return_refund")
    work()
    [item] = opened.buyer_api.get("/inbox").json()["items"]
    stranger = api(factories.buyer_token(factories.buyer()))
    b.assert_problem(stranger.post(f"/inbox/{item['id']}/read"), 404)


def test_an_unknown_language_preference_is_422_naming_the_field():
    opened = b.open_case(type="return_refund")
    b.assert_problem(
        opened.buyer_api.post("/inbox/preferences", {"language": "fr"}), 422, "language"
    )


def test_fanning_out_twice_writes_each_message_once():
    case_factories.opened_case()
    from aftersales.notify.models import OutboxMessage

    delivery.drain_outbox()
    OutboxMessage.objects.update(sent_at=None)  # as if the worker died before its commit
    delivery.drain_outbox()
    assert InboxMessage.objects.count() == 1


def test_every_message_text_has_its_chinese_translation():
    import ast
    from pathlib import Path

    from django.utils import translation
    from django.utils.translation import gettext

    import aftersales.notify.messages as messages

    tree = ast.parse(Path(messages.__file__).read_text())
    msgids = {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "N"
    }
    with translation.override("zh-hans"):
        untranslated = sorted(m for m in msgids if gettext(m) == m and m != "Webhook")
    assert untranslated == []
