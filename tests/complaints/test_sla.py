"""The SLA rules of docs/sla.md, one each, on the 2026 business calendar (09:00–18:00)."""

from __future__ import annotations

from datetime import datetime

from aftersales.complaints import timers
from aftersales.complaints.models import Complaint, ComplaintEvent
from aftersales.notify.models import OutboxMessage
from tests.complaints.conftest import at, file


def _t(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _sla(client, cid):
    return client.get(f"/complaints/{cid}").json()["sla"]


def test_a_complaint_on_friday_evening_is_due_at_the_end_of_monday(db, connector, travel):
    travel(at(2026, 3, 6, 19, 0))  # Friday, after the window
    sla = file(connector, customer="c1").json()["sla"]
    assert _t(sla["first_response_due_at"]) == at(2026, 3, 9, 18, 0)  # 9 h: all of Monday
    assert _t(sla["resolution_due_at"]) == at(2026, 3, 17, 18, 0)  # 7 working days


def test_national_day_week_does_not_count(db, connector, travel):
    travel(at(2026, 9, 30, 17, 0))  # 1 h left on the eve; 10-01…10-07 are holidays
    sla = file(connector, customer="c1").json()["sla"]
    assert _t(sla["first_response_due_at"]) == at(2026, 10, 8, 17, 0)


def test_a_tiaoxiu_saturday_counts_as_a_working_day(db, connector, travel):
    travel(at(2026, 10, 9, 17, 0))  # Friday; Saturday 10-10 is worked (调休)
    sla = file(connector, customer="c1").json()["sla"]
    assert _t(sla["first_response_due_at"]) == at(2026, 10, 10, 17, 0)


def test_waiting_on_the_customer_pauses_the_resolution_clock(db, connector, desk, travel):
    travel(at(2026, 3, 9, 9, 0))
    cid = file(connector, customer="c1").json()["id"]
    agent = desk()
    agent.post(f"/complaints/{cid}/actions/acknowledge", {})
    travel(at(2026, 3, 10, 9, 0))
    agent.post(f"/complaints/{cid}/actions/await_customer", {"note": "请提供照片"})
    travel(at(2026, 3, 11, 9, 0))
    sla = _sla(agent, cid)
    assert sla["paused"] is True
    assert sla["resolution_due_at"] is None
    assert sla["paused_business_seconds"] == 9 * 3600


def test_the_customers_reply_resumes_the_clock_with_the_paused_time_added(
    db, connector, desk, travel
):
    travel(at(2026, 3, 9, 9, 0))
    cid = file(connector, customer="c1").json()["id"]
    agent = desk()
    assert _t(_sla(agent, cid)["resolution_due_at"]) == at(2026, 3, 17, 18, 0)
    agent.post(f"/complaints/{cid}/actions/acknowledge", {})
    travel(at(2026, 3, 10, 9, 0))
    agent.post(f"/complaints/{cid}/actions/await_customer", {"note": "请提供照片"})
    travel(at(2026, 3, 12, 9, 0))  # two working days later
    connector.post(f"/complaints/{cid}/messages", {"text": "照片在这里"})
    sla = _sla(agent, cid)
    assert sla["paused"] is False
    assert sla["paused_business_seconds"] == 18 * 3600
    assert _t(sla["resolution_due_at"]) == at(2026, 3, 19, 18, 0)


def test_a_customer_message_after_the_first_response_starts_the_next_response_clock(
    db, connector, desk, travel
):
    travel(at(2026, 3, 9, 9, 0))
    cid = file(connector, customer="c1").json()["id"]
    agent = desk()
    agent.post(f"/complaints/{cid}/messages", {"text": "您好，我们在处理"})
    assert _sla(agent, cid)["next_response_due_at"] is None
    travel(at(2026, 3, 9, 14, 0))
    connector.post(f"/complaints/{cid}/messages", {"text": "进展如何"})
    assert _t(_sla(agent, cid)["next_response_due_at"]) == at(2026, 3, 10, 14, 0)
    agent.post(f"/complaints/{cid}/messages", {"text": "明天给您答复"})
    assert _sla(agent, cid)["next_response_due_at"] is None


def test_an_internal_note_is_not_a_response(db, connector, desk, travel):
    travel(at(2026, 3, 9, 9, 0))
    cid = file(connector, customer="c1").json()["id"]
    desk().post(f"/complaints/{cid}/messages", {"text": "内部备注", "internal": True})
    assert Complaint.objects.get(pk=cid).first_responded_at is None


def test_a_warning_fires_at_the_configured_share_of_the_target(db, connector, travel):
    travel(at(2026, 3, 9, 9, 0))
    cid = file(connector, customer="c1").json()["id"]
    travel(at(2026, 3, 9, 16, 13))  # 80 % of 9 h is 16:12
    timers.fire_due()
    warning = ComplaintEvent.objects.get(complaint_id=cid, action="sla_warning")
    assert warning.payload["kind"] == "first_response"
    assert not ComplaintEvent.objects.filter(action="sla_breached").exists()


def test_a_breach_escalates_and_records_an_event(db, connector, travel):
    travel(at(2026, 3, 9, 9, 0))
    cid = file(connector, customer="c1").json()["id"]
    travel(at(2026, 3, 9, 18, 1))
    timers.fire_due()
    complaint = Complaint.objects.get(pk=cid)
    assert complaint.level == "specialist"
    assert ComplaintEvent.objects.get(complaint_id=cid, action="sla_breached").payload["kind"] == (
        "first_response"
    )
    assert OutboxMessage.objects.filter(topic="complaint.sla_breached").count() == 1


def test_a_reply_after_the_breach_is_late_and_the_breach_stays(db, connector, desk, travel):
    travel(at(2026, 3, 9, 9, 0))
    cid = file(connector, customer="c1").json()["id"]
    travel(at(2026, 3, 9, 18, 1))
    timers.fire_due()
    travel(at(2026, 3, 10, 10, 0))
    agent = desk()
    agent.post(f"/complaints/{cid}/messages", {"text": "抱歉久等"})
    sla = _sla(agent, cid)
    assert _t(sla["first_responded_at"]) == at(2026, 3, 10, 10, 0)
    assert sla["breached"] == ["first_response"]
    assert ComplaintEvent.objects.get(complaint_id=cid, action="first_response").payload == {
        "late": True
    }


def test_a_breach_is_recorded_once_however_often_the_worker_runs(db, connector, travel):
    travel(at(2026, 3, 9, 9, 0))
    cid = file(connector, customer="c1").json()["id"]
    travel(at(2026, 3, 9, 18, 1))
    timers.fire_due()
    timers.fire_due()
    assert ComplaintEvent.objects.filter(complaint_id=cid, action="sla_breached").count() == 1


def test_a_crisis_has_a_one_hour_first_response_target(db, connector, travel):
    travel(at(2026, 3, 9, 9, 0))
    sla = file(connector, customer="c1", text="充电起火了").json()["sla"]
    assert _t(sla["first_response_due_at"]) == at(2026, 3, 9, 10, 0)
