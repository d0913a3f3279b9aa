from __future__ import annotations

from aftersales.cases.models import Case
from aftersales.complaints.models import ApprovalRequest, Complaint
from aftersales.core.models import AuditEvent
from tests import factories
from tests.complaints.conftest import at, file


def _do(client, cid, action, **body):
    return client.post(f"/complaints/{cid}/actions/{action}", body)


def _to_proposal(connector, agent, solution, **filed):
    cid = file(connector, **{"customer": "c1", **filed}).json()["id"]
    _do(agent, cid, "investigate")
    response = _do(agent, cid, "propose_solution", solution=solution, responsibility="logistics")
    assert response.status_code == 200, response.json()
    return cid


def test_an_agent_grants_compensation_within_their_authority(db, connector, desk):
    agent = desk("agent")
    cid = _to_proposal(connector, agent, {"kind": "compensation", "amount": "50.00"})
    assert _do(agent, cid, "execute").json()["state"] == "executing"
    granted = AuditEvent.objects.get(action="complaint.compensation_granted")
    assert granted.payload == {"form": "money", "amount": "50.00", "currency": "CNY"}


def test_compensation_above_the_agents_authority_asks_a_specialist(db, connector, desk):
    agent = desk("agent")
    cid = _to_proposal(connector, agent, {"kind": "compensation", "amount": "80.00"})
    assert _do(agent, cid, "execute").json()["state"] == "awaiting_approval"
    approval = ApprovalRequest.objects.get(complaint_id=cid)
    assert (approval.required_role, approval.state) == ("specialist", "pending")
    assert AuditEvent.objects.filter(action="complaint.approval_requested").count() == 1


def test_an_agent_cannot_approve_their_own_request(db, connector, desk):
    agent = desk("agent")
    cid = _to_proposal(connector, agent, {"kind": "compensation", "amount": "80.00"})
    _do(agent, cid, "execute")
    assert _do(agent, cid, "approve").status_code == 409


def test_a_specialist_approves_within_their_authority_and_it_is_audited(db, connector, desk):
    agent = desk("agent")
    cid = _to_proposal(connector, agent, {"kind": "compensation", "amount": "80.00"})
    _do(agent, cid, "execute")
    assert _do(desk("specialist"), cid, "approve").json()["state"] == "executing"
    assert ApprovalRequest.objects.get(complaint_id=cid).state == "granted"
    assert AuditEvent.objects.filter(action="complaint.approval_granted").count() == 1


def test_a_specialist_may_not_grant_above_their_authority(db, connector, desk):
    agent = desk("agent")
    cid = _to_proposal(connector, agent, {"kind": "compensation", "amount": "800.00"})
    _do(agent, cid, "execute")
    assert ApprovalRequest.objects.get(complaint_id=cid).required_role == "manager"
    assert _do(desk("specialist"), cid, "approve").status_code == 409
    assert _do(desk("manager"), cid, "approve").json()["state"] == "executing"


def test_a_refused_approval_goes_back_to_the_proposal(db, connector, desk):
    agent = desk("agent")
    cid = _to_proposal(connector, agent, {"kind": "compensation", "amount": "80.00"})
    _do(agent, cid, "execute")
    refused = _do(desk("specialist"), cid, "refuse", reason="金额过高")
    assert refused.json()["state"] == "solution_proposed"
    assert ApprovalRequest.objects.get(complaint_id=cid).state == "refused"


def test_the_authority_matrix_is_a_setting(db, connector, desk, settings):
    settings.AFTERSALES_COMPENSATION_AUTHORITY = {
        **settings.AFTERSALES_COMPENSATION_AUTHORITY,
        "agent": "100.00",
    }
    agent = desk("agent")
    cid = _to_proposal(connector, agent, {"kind": "compensation", "amount": "80.00"})
    assert _do(agent, cid, "execute").json()["state"] == "executing"


def test_compensation_money_is_a_decimal_with_two_places(db, connector, desk):
    agent = desk("agent")
    cid = file(connector, customer="c1").json()["id"]
    _do(agent, cid, "investigate")
    response = _do(
        agent,
        cid,
        "propose_solution",
        solution={"kind": "compensation", "amount": "1.005"},
        responsibility="service",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "solution.amount"


def test_a_return_solution_opens_a_linked_case_through_the_case_engine(
    db, connector, desk, order_of, travel
):
    travel(at(2026, 3, 5, 10, 0))  # within the return window of the order signed on 3-03
    order_of()
    agent = desk("agent")
    cid = _to_proposal(
        connector,
        agent,
        {"kind": "return_refund", "reason": "quality_issue", "lines": [{"line_id": "1"}]},
        order="O-1",
        customer="b-1",
    )
    body = _do(agent, cid, "execute").json()
    assert "cases" in body, body
    case = Case.objects.get()
    assert body["cases"] == [case.pk]
    assert case.type == "return_refund"


def test_the_responsibility_is_recorded_at_the_proposal(db, connector, desk):
    agent = desk("agent")
    cid = _to_proposal(connector, agent, {"kind": "apology"})
    assert Complaint.objects.get(pk=cid).responsibility == "logistics"


def test_an_unknown_responsibility_is_refused(db, connector, desk):
    agent = desk("agent")
    cid = file(connector, customer="c1").json()["id"]
    _do(agent, cid, "investigate")
    response = _do(agent, cid, "propose_solution", solution={"kind": "apology"}, responsibility="x")
    assert response.json()["errors"][0]["field"] == "responsibility"


def test_a_buyer_may_not_propose_a_solution(db, api, connector, desk):
    buyer = factories.buyer("c1")
    cid = file(connector, customer="c1").json()["id"]
    _do(desk(), cid, "investigate")
    response = _do(
        api(factories.buyer_token(buyer)),
        cid,
        "propose_solution",
        solution={"kind": "apology"},
        responsibility="service",
    )
    assert response.status_code == 409
