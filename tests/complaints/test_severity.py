from __future__ import annotations

from aftersales.complaints.models import ComplaintEvent
from aftersales.notify.models import OutboxMessage
from tests import factories
from tests.complaints.conftest import file


def _signals(body):
    return {s["signal"]: s for s in body["signals"]}


def test_a_calm_complaint_is_general(db, connector):
    assert (
        file(connector, customer="c1", text="耳机有点杂音，请帮忙看看").json()["severity"]
        == "general"
    )


def test_naming_a_regulator_makes_it_major_with_the_words_shown(db, connector):
    body = file(connector, customer="c1", text="再不处理我就打12315投诉").json()
    assert body["severity"] == "major"
    assert _signals(body)["regulator"]["words"] == ["12315"]


def test_threatening_media_exposure_is_a_crisis(db, connector):
    body = file(connector, customer="c1", text="我要找记者曝光你们").json()
    assert body["severity"] == "crisis"
    assert "media" in _signals(body)


def test_a_lawyer_is_major(db, connector):
    assert file(connector, customer="c1", text="我已经找了律师").json()["severity"] == "major"


def test_a_safety_incident_is_a_crisis(db, connector):
    body = file(connector, customer="c1", text="充电的时候起火了，手也烫伤了").json()
    assert body["severity"] == "crisis"
    assert set(_signals(body)["safety"]["words"]) == {"起火", "烫伤"}


def test_a_crisis_pages_the_managers_at_once(db, connector):
    file(connector, customer="c1", text="手机爆炸了")
    row = OutboxMessage.objects.get(topic="complaint.crisis")
    assert row.payload["signals"] == ["safety"]


def test_repeated_contacts_make_it_important(db, connector, order_of):
    order_of()
    file(connector, order="O-1", text="耳机坏了")
    file(connector, order="O-1", text="怎么还没回复")
    body = file(connector, order="O-1", text="第三次联系了").json()
    assert body["severity"] == "important"
    assert _signals(body)["repeated_contacts"]["contacts"] == 3


def test_a_high_order_amount_makes_it_important(db, connector, order_of):
    order_of(amount="1200.00")
    body = file(connector, order="O-1").json()
    assert body["severity"] == "important"
    assert _signals(body)["amount_high"]["amount"] == "1200.00"


def test_strong_emotion_makes_it_important(db, connector):
    body = file(connector, customer="c1", text="太差了！！气死我了，垃圾服务").json()
    assert body["severity"] == "important"
    assert _signals(body)["emotion_strong"]["score"] >= 3


def test_a_later_message_raises_the_severity_with_an_event(db, connector):
    complaint = file(connector, customer="c1").json()
    connector.post(f"/complaints/{complaint['id']}/messages", {"text": "我会向消协投诉"})
    event = ComplaintEvent.objects.get(action="severity_raised")
    assert event.payload["to"] == "major"


def test_an_agent_changes_the_severity_with_a_reason(db, connector, desk):
    complaint = file(connector, customer="c1", text="我要找记者曝光").json()
    response = desk().post(
        f"/complaints/{complaint['id']}/actions/change_severity",
        {"severity": "important", "reason": "顾客已冷静，记者是玩笑"},
    )
    assert response.json()["severity"] == "important"
    event = ComplaintEvent.objects.get(action="change_severity")
    assert event.payload == {
        "from": "crisis",
        "to": "important",
        "reason": "顾客已冷静，记者是玩笑",
    }


def test_changing_the_severity_needs_a_reason(db, connector, desk):
    complaint = file(connector, customer="c1").json()
    response = desk().post(
        f"/complaints/{complaint['id']}/actions/change_severity", {"severity": "major"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "reason"


def test_a_buyer_may_not_change_the_severity(db, api, connector):
    buyer = factories.buyer("c1")
    complaint = file(connector, customer="c1").json()
    response = api(factories.buyer_token(buyer)).post(
        f"/complaints/{complaint['id']}/actions/change_severity",
        {"severity": "general", "reason": "x"},
    )
    assert response.status_code == 409


def test_the_crisis_reaches_the_managers_inbox_in_chinese(db, connector):
    from aftersales.notify.delivery import drain_outbox
    from aftersales.notify.models import InboxMessage

    manager = factories.user("manager")
    complaint = file(connector, customer="c1", text="手机爆炸了").json()
    drain_outbox()
    message = InboxMessage.objects.get(user=manager)
    assert message.title == f"危机投诉 #{complaint['id']}"
