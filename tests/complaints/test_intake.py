from __future__ import annotations

from datetime import datetime

from aftersales.accounts.models import Buyer
from aftersales.complaints.models import Complaint
from tests import factories
from tests.complaints.conftest import at, file


def test_a_new_contact_opens_a_complaint_with_severity_signals_and_sla(db, connector, order_of):
    order_of()
    response = file(connector, order="O-1")
    assert response.status_code == 201
    body = response.json()
    assert body["state"] == "received"
    assert body["severity"] == "general"
    assert body["signals"] == []
    assert body["merchant"] == "shop-c"
    assert set(body["sla"]) >= {"first_response_due_at", "resolution_due_at", "paused"}


def test_a_second_contact_on_the_same_order_joins_the_open_complaint(db, connector, order_of):
    order_of()
    first = file(connector, order="O-1").json()
    again = file(connector, order="O-1", channel="chat", text="还没人理我")
    assert again.status_code == 200
    assert again.json()["id"] == first["id"]
    assert Complaint.objects.count() == 1
    assert Complaint.objects.get().messages.count() == 2


def test_a_complaint_without_an_order_is_platform_level(db, connector):
    factories.buyer("b-1")
    body = file(connector).json()
    assert body["merchant"] is None and body["order"] is None


def test_an_unknown_customer_gets_a_new_timeline(db, connector, desk):
    response = file(connector, customer="stranger-1", email="x@example.com")
    assert response.status_code == 201
    assert Buyer.objects.filter(external_id="stranger-1").exists()
    timeline = desk().get("/customers/stranger-1/timeline").json()
    assert [i["kind"] for i in timeline["items"]] == ["message", "complaint"]


def test_a_contact_is_matched_to_the_customer_by_phone(db, connector):
    known = factories.buyer("b-known", phone="13900002222")
    body = file(connector, customer="hotline-caller-7", phone="13900002222").json()
    assert body["customer"] == known.external_id


def test_a_contact_is_matched_to_the_customer_by_email(db, connector):
    first = file(connector, customer="mail-1", email="Li@Example.com").json()
    second = file(connector, customer="mail-2", email="li@example.com", channel="email").json()
    assert second["customer"] == first["customer"] == "mail-1"


def test_received_at_is_refused_from_anyone_but_a_platform_token(db, desk):
    factories.buyer("b-1")
    response = file(desk(), received_at="2026-03-01T10:00:00+08:00")
    assert response.status_code == 403
    assert response.json()["errors"][0]["field"] == "received_at"


def test_a_connector_may_date_the_contact_when_it_was_received(db, connector):
    factories.buyer("b-1")
    body = file(connector, received_at="2026-03-02T10:00:00+08:00").json()
    assert datetime.fromisoformat(body["received_at"]) == at(2026, 3, 2, 10, 0)


def test_a_merchant_may_not_file_complaints(db, api, shop, order_of):
    order_of()
    response = file(api(factories.merchant_token(shop)), order="O-1")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


def test_another_merchant_does_not_see_the_complaint(db, api, connector, order_of):
    order_of()
    complaint = file(connector, order="O-1").json()
    other = api(factories.merchant_token(factories.merchant("shop-x")))
    assert other.get(f"/complaints/{complaint['id']}").status_code == 404
    assert other.get("/complaints").json()["items"] == []


def test_the_merchant_of_the_order_sees_the_complaint(db, api, shop, connector, order_of):
    order_of()
    complaint = file(connector, order="O-1").json()
    mine = api(factories.merchant_token(shop))
    assert mine.get(f"/complaints/{complaint['id']}").status_code == 200


def test_list_filters_by_severity_and_pages_with_a_cursor(db, connector, desk):
    for i in range(3):
        file(connector, customer=f"c-{i}")
    file(connector, customer="c-9", text="我要打12315投诉你们")
    client = desk()
    major = client.get("/complaints", severity="major").json()["items"]
    assert [c["customer"] for c in major] == ["c-9"]
    page = client.get("/complaints", limit=2).json()
    rest = client.get("/complaints", limit=2, cursor=page["next_cursor"]).json()
    assert len(page["items"]) == 2 and len(rest["items"]) == 2 and rest["next_cursor"] is None


def test_the_timeline_merges_messages_cases_and_complaints_newest_first(
    db, connector, desk, order_of, travel
):
    from aftersales.accounts.actors import SYSTEM_ACTOR
    from aftersales.cases.services import LineClaim, open_case

    order_of()
    travel(at(2026, 3, 9, 10, 0))
    open_case(
        actor=SYSTEM_ACTOR,
        order="O-1",
        type="repair",
        reason="quality_issue",
        lines=[LineClaim("1", 1)],
    )
    travel(at(2026, 3, 9, 11, 0))
    complaint = file(connector, order="O-1").json()
    travel(at(2026, 3, 9, 12, 0))
    connector.post(f"/complaints/{complaint['id']}/messages", {"text": "在吗"})
    client = desk()
    first = client.get("/customers/b-1/timeline", limit=2).json()
    second = client.get("/customers/b-1/timeline", limit=2, cursor=first["next_cursor"]).json()
    kinds = [i["kind"] for i in first["items"] + second["items"]]
    assert kinds == ["message", "message", "complaint", "case"]
    assert second["next_cursor"] is None


def test_a_buyer_reads_only_their_own_timeline(db, api, connector):
    mine = factories.buyer("b-1")
    factories.buyer("b-2")
    client = api(factories.buyer_token(mine))
    assert client.get("/customers/b-1/timeline").status_code == 200
    assert client.get("/customers/b-2/timeline").status_code == 404
