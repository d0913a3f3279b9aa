"""Every complaint shows one SLA status (docs/sla.md, "Status"), and the desk queue is ordered
by the earliest running target."""

from __future__ import annotations

from aftersales.complaints import timers
from aftersales.complaints.models import Complaint
from tests.complaints.conftest import at, file


def _sla(client, cid):
    return client.get(f"/complaints/{cid}").json()["sla"]


def test_a_new_complaint_is_on_track_and_due_at_its_first_response(db, connector, travel):
    travel(at(2026, 3, 9, 9, 0))
    sla = file(connector, customer="c1").json()["sla"]
    assert sla["status"] == "on_track"
    assert sla["due_at"] == sla["first_response_due_at"]
    assert sla["policy"] == "CP-06"


def test_past_the_warning_share_a_complaint_shows_a_warning(db, connector, desk, travel):
    travel(at(2026, 3, 9, 9, 0))
    cid = file(connector, customer="c1").json()["id"]
    travel(at(2026, 3, 9, 16, 13))  # 80 % of the 9 h first response
    assert _sla(desk(), cid)["status"] == "warning"


def test_a_complaint_waiting_on_the_customer_shows_paused(db, connector, desk, travel):
    travel(at(2026, 3, 9, 9, 0))
    cid = file(connector, customer="c1").json()["id"]
    agent = desk()
    agent.post(f"/complaints/{cid}/actions/acknowledge", {})
    agent.post(f"/complaints/{cid}/actions/await_customer", {"note": "请提供照片"})
    assert _sla(agent, cid)["status"] == "paused"


def test_a_missed_target_shows_breached_even_after_a_late_reply(db, connector, desk, travel):
    travel(at(2026, 3, 9, 9, 0))
    cid = file(connector, customer="c1").json()["id"]
    travel(at(2026, 3, 9, 18, 1))
    timers.fire_due()
    agent = desk()
    agent.post(f"/complaints/{cid}/messages", {"text": "抱歉久等"})
    assert _sla(agent, cid)["status"] == "breached"


def test_a_resolved_complaint_within_its_targets_shows_met(db, connector, desk, travel):
    travel(at(2026, 3, 9, 9, 0))
    cid = file(connector, customer="c1").json()["id"]
    desk("manager").post(f"/complaints/{cid}/actions/close_without_remedy", {"reason": "重复"})
    assert _sla(desk(), cid)["status"] == "met"


def test_the_queue_due_time_is_the_earliest_running_target(db, connector, travel):
    travel(at(2026, 3, 9, 9, 0))
    cid = file(connector, customer="c1").json()["id"]
    complaint = Complaint.objects.get(pk=cid)
    assert complaint.sla_due_at == complaint.first_response_due_at


def test_after_the_first_response_the_queue_due_time_is_the_resolution(db, connector, desk, travel):
    travel(at(2026, 3, 9, 9, 0))
    cid = file(connector, customer="c1").json()["id"]
    desk().post(f"/complaints/{cid}/messages", {"text": "您好，我们在处理"})
    complaint = Complaint.objects.get(pk=cid)
    assert complaint.sla_due_at == complaint.resolution_due_at


def test_a_closed_complaint_leaves_the_queue_order(db, connector, desk, travel):
    travel(at(2026, 3, 9, 9, 0))
    cid = file(connector, customer="c1").json()["id"]
    desk("manager").post(f"/complaints/{cid}/actions/close_without_remedy", {"reason": "重复"})
    assert Complaint.objects.get(pk=cid).sla_due_at is None
