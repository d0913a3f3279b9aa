"""/disputes over HTTP: the buyer appeals a rejected case, the desk asks for evidence, the
buyer gives it, the specialist rules and the merchant carries it out; errors are
problem+json; another tenant's dispute does not exist."""

import pytest

from aftersales.accounts.models import Role
from tests import factories
from tests.disputes.factories import rejected_return

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


@pytest.fixture
def world(api):
    case = rejected_return()
    specialist = factories.user(Role.SPECIALIST)
    return {
        "case": case,
        "buyer": api(factories.buyer_token(case.buyer)),
        "merchant": api(factories.merchant_token(case.merchant)),
        "desk": api(factories.user_token(specialist)),
        "other_merchant": api(factories.merchant_token(factories.merchant())),
    }


def opened(world) -> dict:
    case = world["case"]
    response = world["buyer"].post(
        "/disputes",
        {
            "order": case.order.external_id,
            "type": "visible_defect",
            "claim": "商品有质量问题",
            "case_id": case.pk,
        },
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_the_buyer_opens_a_dispute_on_a_rejected_case(world):
    body = opened(world)
    assert (body["state"], body["case_id"], body["type"]) == (
        "requested",
        world["case"].pk,
        "visible_defect",
    )
    assert body["allowed_actions"] == []  # the buyer waits for the platform
    world["case"].refresh_from_db()
    assert world["case"].state == "platform_review"


def test_the_case_appeal_itself_opens_the_dispute(world):
    case = world["case"]
    response = world["buyer"].post(f"/cases/{case.pk}/actions/appeal", {"reason": "质量问题"})
    assert response.status_code == 200, response.content
    (item,) = world["desk"].get("/disputes").json()["items"]
    assert item["case_id"] == case.pk


def test_an_action_out_of_turn_is_409_naming_the_allowed_actions(world):
    dispute = opened(world)
    response = world["desk"].post(f"/disputes/{dispute['id']}/actions/execute", {})
    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM
    assert set(response.json()["allowed_actions"]) >= {"accept", "not_accept"}


def test_a_ruling_without_a_reason_is_422_problem_json(world):
    dispute = opened(world)
    desk = world["desk"]
    desk.post(f"/disputes/{dispute['id']}/actions/accept", {})
    world["merchant"].post(f"/disputes/{dispute['id']}/actions/answer", {"note": "已使用"})
    response = desk.post(
        f"/disputes/{dispute['id']}/actions/rule",
        {"ruling": "for_buyer", "decided_by": "visible_defect:not_rebutted"},
    )
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert [e["field"] for e in response.json()["errors"]] == ["reason"]


def test_the_journey_from_evidence_to_an_executed_partial_ruling(world):
    dispute = opened(world)
    path = f"/disputes/{dispute['id']}"
    desk, buyer, merchant = world["desk"], world["buyer"], world["merchant"]
    assert desk.post(f"{path}/actions/accept", {}).status_code == 200
    asked = desk.post(f"{path}/evidence-requests", {"party": "buyer", "items": ["photos"]})
    assert asked.status_code == 201, asked.content
    request = asked.json()
    assert request["rule"] == "DS-06"
    assert request["seconds_left"] <= 4 * 3600
    mine = buyer.get(f"{path}/evidence-requests").json()
    assert [r["id"] for r in mine] == [request["id"]]
    given = buyer.post(
        f"{path}/evidence-requests/{request['id']}/evidence",
        {"items": [{"kind": "photos", "note": "开箱即坏"}]},
    )
    assert given.status_code == 201, given.content
    assert given.json()[0]["counted"] is True
    state = desk.get(path).json()
    assert state["state"] == "under_review"
    assert state["burden"]["suggested_rule"] == "visible_defect:not_rebutted"
    ruled = desk.post(
        f"{path}/actions/rule",
        {
            "ruling": "partial",
            "amount": "30.00",
            "reason": "部分使用痕迹",
            "decided_by": "visible_defect:not_rebutted",
        },
    )
    assert ruled.status_code == 200, ruled.content
    assert ruled.json()["state"] == "awaiting_execution"
    seen_by_buyer = buyer.get(path).json()
    assert seen_by_buyer["ruling"]["reason"] == "部分使用痕迹"
    assert "did not rebut" in seen_by_buyer["ruling"]["decided_by_text"]
    done = merchant.post(f"{path}/actions/execute", {})
    assert done.status_code == 200, done.content
    assert done.json()["state"] == "closed"


def test_another_merchants_dispute_is_404(world):
    dispute = opened(world)
    response = world["other_merchant"].get(f"/disputes/{dispute['id']}")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM


def test_an_order_claim_without_a_case_is_for_not_received_or_counterfeit(world):
    case = world["case"]
    response = world["buyer"].post(
        "/disputes", {"order": case.order.external_id, "type": "visible_defect", "claim": "x"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "type"
