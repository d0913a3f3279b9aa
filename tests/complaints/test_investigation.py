"""Investigation: tasks to departments due in business hours, their answers, evidence, and the
responsibility found — frozen at decision time."""

from __future__ import annotations

import io
from datetime import datetime

from PIL import Image

from aftersales.complaints.models import ComplaintEvent, RootCause
from tests import factories
from tests.complaints.conftest import at, file


def _do(client, cid, action, **body):
    return client.post(f"/complaints/{cid}/actions/{action}", body)


def _ask(client, cid, department="quality", **body):
    return client.post(
        f"/complaints/{cid}/tasks", {"department": department, "question": "查一下", **body}
    )


def test_a_task_is_due_in_business_hours_across_a_holiday(db, connector, desk, travel):
    travel(at(2026, 9, 30, 17, 0))  # the eve of 国庆 (1–7 October 2026)
    cid = file(connector).json()["id"]
    task = _ask(desk(), cid, "quality").json()
    # 18 business hours: 17–18 on the 30th, then 8 October 9–18, then 9 October 9–17.
    assert datetime.fromisoformat(task["due_at"]) == at(2026, 10, 9, 17, 0)


def test_a_task_may_be_given_its_own_due_time(db, connector, desk, travel):
    travel(at(2026, 3, 6, 17, 0))  # a Friday
    cid = file(connector).json()["id"]
    task = _ask(desk(), cid, "logistics", due_hours=2).json()
    assert datetime.fromisoformat(task["due_at"]) == at(2026, 3, 9, 10, 0)


def test_opening_a_task_starts_the_investigation(db, connector, desk):
    cid = file(connector).json()["id"]
    assert _ask(desk(), cid).status_code == 201
    assert desk().get(f"/complaints/{cid}").json()["state"] == "investigating"


def test_an_unknown_department_is_refused(db, connector, desk):
    cid = file(connector).json()["id"]
    response = _ask(desk(), cid, "marketing")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "department"


def test_a_task_to_the_merchant_needs_a_complaint_about_an_order(db, connector, desk):
    cid = file(connector).json()["id"]
    assert _ask(desk(), cid, "merchant").status_code == 422


def test_a_task_on_a_closed_complaint_is_out_of_turn(db, connector, desk):
    agent = desk()
    cid = file(connector).json()["id"]
    _do(agent, cid, "close_without_remedy", reason="重复投诉")
    response = _ask(agent, cid)
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert "allowed_actions" in response.json()


def test_the_quality_department_answers_its_task(db, api, connector, desk):
    cid = file(connector).json()["id"]
    task = _ask(desk(), cid, "quality").json()
    quality = api(factories.user_token(factories.user("quality")))
    answered = quality.post(
        f"/complaints/{cid}/tasks/{task['id']}/answer", {"answer": "左耳单元虚焊"}
    ).json()
    assert (answered["state"], answered["answer"]) == ("answered", "左耳单元虚焊")
    event = ComplaintEvent.objects.get(complaint_id=cid, action="task_answered")
    assert event.payload == {"task_id": task["id"], "department": "quality", "late": False}


def test_a_task_is_answered_once(db, connector, desk):
    agent = desk()
    cid = file(connector).json()["id"]
    tid = _ask(agent, cid).json()["id"]
    agent.post(f"/complaints/{cid}/tasks/{tid}/answer", {"answer": "a"})
    again = agent.post(f"/complaints/{cid}/tasks/{tid}/answer", {"answer": "b"})
    assert again.status_code == 409


def test_the_quality_role_does_not_answer_another_departments_task(db, api, connector, desk):
    cid = file(connector).json()["id"]
    tid = _ask(desk(), cid, "logistics").json()["id"]
    quality = api(factories.user_token(factories.user("quality")))
    response = quality.post(f"/complaints/{cid}/tasks/{tid}/answer", {"answer": "x"})
    assert response.status_code == 403


def test_the_merchant_sees_and_answers_only_the_merchants_tasks(
    db, api, connector, desk, shop, order_of
):
    order_of()
    cid = file(connector, order="O-1").json()["id"]
    mine = _ask(desk(), cid, "merchant").json()["id"]
    _ask(desk(), cid, "quality")
    merchant = api(factories.merchant_token(shop))
    assert [t["id"] for t in merchant.get(f"/complaints/{cid}/tasks").json()] == [mine]
    response = merchant.post(f"/complaints/{cid}/tasks/{mine}/answer", {"answer": "已补发"})
    assert response.json()["answered_by"]


def test_the_buyer_does_not_see_the_investigation(db, api, connector, desk):
    buyer = factories.buyer("b-1")
    cid = file(connector).json()["id"]
    _ask(desk(), cid)
    assert api(factories.buyer_token(buyer)).get(f"/complaints/{cid}/tasks").json() == []


def test_an_open_task_past_its_due_time_is_overdue(db, connector, desk, travel):
    travel(at(2026, 3, 9, 10, 0))
    agent = desk()
    cid = file(connector).json()["id"]
    late = _ask(agent, cid, "logistics", due_hours=1).json()
    _ask(agent, cid, "quality")  # due in two working days
    travel(at(2026, 3, 9, 11, 30))
    overdue = agent.get("/investigation-tasks").json()["items"]
    assert [t["id"] for t in overdue] == [late["id"]]
    assert overdue[0]["overdue"] is True


def test_an_answered_task_is_no_longer_overdue_but_shows_it_was_late(db, connector, desk, travel):
    travel(at(2026, 3, 9, 10, 0))
    agent = desk()
    cid = file(connector).json()["id"]
    tid = _ask(agent, cid, "logistics", due_hours=1).json()["id"]
    travel(at(2026, 3, 9, 12, 0))
    answered = agent.post(f"/complaints/{cid}/tasks/{tid}/answer", {"answer": "已丢件"}).json()
    assert (answered["overdue"], answered["answered_late"]) == (False, True)
    assert agent.get("/investigation-tasks").json()["items"] == []


def test_evidence_is_attached_to_a_task(db, connector, desk):
    agent = desk()
    cid = file(connector).json()["id"]
    tid = _ask(agent, cid).json()["id"]
    buf = io.BytesIO()
    Image.new("RGB", (20, 20)).save(buf, format="PNG")
    buf.name = "lab.png"
    buf.seek(0)
    response = agent.client.post(
        f"/api/v1/complaints/{cid}/evidence",
        {"files": buf, "task": tid, "note": "质检照片"},
        HTTP_AUTHORIZATION=f"Bearer {agent.token}",
    )
    assert response.status_code == 201, response.json()
    assert response.json()[0]["task_id"] == tid
    assert [e["id"] for e in agent.get(f"/complaints/{cid}/evidence").json()] == [
        response.json()[0]["id"]
    ]


def test_evidence_of_the_wrong_type_is_refused_with_the_reason(db, connector, desk):
    agent = desk()
    cid = file(connector).json()["id"]
    buf = io.BytesIO(b"MZ" + b"\x00" * 100)
    buf.name = "photo.jpg"
    response = agent.client.post(
        f"/api/v1/complaints/{cid}/evidence",
        {"files": buf},
        HTTP_AUTHORIZATION=f"Bearer {agent.token}",
    )
    assert response.status_code == 415
    assert response.json()["errors"][0]["field"] == "files[0]"


# --- The responsibility found ---------------------------------------------------------------


def _investigating(connector, desk, order_of=None, **filed):
    agent = desk()
    cid = file(connector, **filed).json()["id"]
    _do(agent, cid, "investigate")
    return agent, cid


def test_the_responsibility_found_is_recorded_with_its_reason_codes(db, connector, desk, order_of):
    order_of()
    agent, cid = _investigating(connector, desk, order="O-1")
    response = _do(
        agent,
        cid,
        "find_responsibility",
        responsibility="product_quality",
        reason_codes=["workmanship"],
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["responsibility"], response.json()["reason_codes"]) == (
        "product_quality",
        ["workmanship"],
    )
    cause = RootCause.objects.get(complaint_id=cid)
    assert (cause.merchant_code, cause.sku, cause.reason_code) == ("shop-c", "SKU-1", "workmanship")


def test_the_responsibility_found_is_frozen(db, connector, desk, order_of):
    order_of()
    agent, cid = _investigating(connector, desk, order="O-1")
    _do(agent, cid, "find_responsibility", responsibility="logistics")
    again = _do(agent, cid, "find_responsibility", responsibility="merchant")
    assert again.status_code == 409
    assert "find_responsibility" not in again.json()["allowed_actions"]
    changed = _do(
        agent, cid, "propose_solution", solution={"kind": "apology"}, responsibility="merchant"
    )
    assert changed.status_code == 422
    assert changed.json()["errors"][0]["field"] == "responsibility"


def test_the_proposal_keeps_the_responsibility_found(db, connector, desk):
    agent, cid = _investigating(connector, desk)
    _do(agent, cid, "find_responsibility", responsibility="service", reason_codes=["attitude"])
    body = _do(agent, cid, "propose_solution", solution={"kind": "apology"}).json()
    assert body["state"] == "solution_proposed"
    assert body["responsibility"] == "service"


def test_the_root_cause_keeps_the_sku_of_decision_time(db, connector, desk, order_of):
    from aftersales.accounts.actors import SYSTEM_ACTOR
    from aftersales.orders.services import upsert_order
    from tests.complaints.conftest import order_json

    order_of()
    agent, cid = _investigating(connector, desk, order="O-1")
    _do(agent, cid, "find_responsibility", responsibility="product_quality")
    data = order_json("shop-c")
    data["lines"][0]["sku"] = "SKU-RENAMED"
    upsert_order(actor=SYSTEM_ACTOR, data=data)
    assert list(RootCause.objects.values_list("sku", flat=True)) == ["SKU-1"]


def test_a_reason_code_must_belong_to_the_responsibility(db, connector, desk):
    agent, cid = _investigating(connector, desk)
    response = _do(
        agent, cid, "find_responsibility", responsibility="logistics", reason_codes=["design"]
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "reason_codes"
    assert RootCause.objects.count() == 0


def test_a_dispute_starts_a_new_finding_which_supersedes_the_old(db, api, connector, desk):
    buyer = factories.buyer("b-1")
    agent, cid = _investigating(connector, desk)
    _do(agent, cid, "find_responsibility", responsibility="buyer_misunderstanding")
    for action, body in (
        ("propose_solution", {"solution": {"kind": "apology"}}),
        ("execute", {}),
        ("complete", {}),
    ):
        assert _do(agent, cid, action, **body).status_code == 200
    assert _do(api(factories.buyer_token(buyer)), cid, "dispute").json()["state"] == (
        "investigating"
    )
    assert _do(agent, cid, "find_responsibility", responsibility="service").status_code == 200
    current = RootCause.objects.filter(complaint_id=cid, current=True)
    assert list(current.values_list("responsibility", flat=True)) == ["service"]
    assert RootCause.objects.filter(complaint_id=cid, current=False).count() == 1
