from __future__ import annotations

import pytest

from aftersales.complaints import flows
from aftersales.complaints.models import ComplaintEvent
from aftersales.core.models import AppendOnlyError
from tests import factories
from tests.complaints.conftest import file


def _do(client, complaint_id, action, **body):
    return client.post(f"/complaints/{complaint_id}/actions/{action}", body)


def test_an_action_out_of_turn_is_409_naming_the_allowed_actions(db, connector, desk):
    complaint = file(connector, customer="c1").json()
    response = _do(desk(), complaint["id"], "complete")
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert "acknowledge" in problem["allowed_actions"]
    assert "complete" not in problem["allowed_actions"]


def test_an_unknown_action_is_422_naming_the_field(db, connector, desk):
    complaint = file(connector, customer="c1").json()
    response = _do(desk(), complaint["id"], "teleport")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "action"


def test_the_flow_walks_from_received_to_resolved(db, api, connector, desk):
    buyer = factories.buyer("c1")
    complaint = file(connector, customer="c1").json()
    agent = desk()
    cid = complaint["id"]
    assert _do(agent, cid, "acknowledge").json()["state"] == "acknowledged"
    assert _do(agent, cid, "investigate").json()["state"] == "investigating"
    proposed = _do(
        agent, cid, "propose_solution", solution={"kind": "apology"}, responsibility="service"
    )
    assert proposed.json()["state"] == "solution_proposed"
    assert _do(agent, cid, "execute").json()["state"] == "executing"
    assert _do(agent, cid, "complete").json()["state"] == "awaiting_confirmation"
    customer = api(factories.buyer_token(buyer))
    assert _do(customer, cid, "confirm").json()["state"] == "resolved"
    actions = list(ComplaintEvent.objects.filter(complaint_id=cid).values_list("action", flat=True))
    assert actions[0] == "receive" and actions[-1] == "confirm"


def test_close_without_remedy_needs_a_reason_and_ends_the_complaint(db, connector, desk):
    complaint = file(connector, customer="c1").json()
    agent = desk()
    assert _do(agent, complaint["id"], "close_without_remedy").status_code == 422
    closed = _do(agent, complaint["id"], "close_without_remedy", reason="重复投诉").json()
    assert closed["state"] == "closed"
    assert closed["next_actions"] == []


def test_escalation_moves_the_complaint_up_a_level(db, connector, desk):
    complaint = file(connector, customer="c1").json()
    up = _do(desk(), complaint["id"], "escalate", reason="顾客要求主管").json()
    assert up["level"] == "specialist"
    assert _do(desk("specialist"), complaint["id"], "escalate", reason="升级").json()["level"] == (
        "manager"
    )


def test_the_event_log_is_append_only(db, connector):
    file(connector, customer="c1")
    event = ComplaintEvent.objects.first()
    event.note = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()


def test_every_transition_leads_to_a_declared_state(db):
    for t in flows.TRANSITIONS:
        assert t.source in flows.STATES
        assert t.to == "" or t.to in flows.STATES
        assert t.by, t
