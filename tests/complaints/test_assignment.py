"""Who holds a complaint: a desk member claims one from the pool; only a specialist or a
manager reassigns; each is an event."""

from __future__ import annotations

from aftersales.complaints.models import ComplaintEvent
from tests import factories
from tests.cases.builders import assert_problem
from tests.complaints.conftest import file


def test_an_agent_claims_an_unassigned_complaint(db, connector, api):
    cid = file(connector, customer="c1").json()["id"]
    agent = factories.user("agent")
    body = api(factories.user_token(agent)).post(f"/complaints/{cid}/claim", {}).json()
    assert body["assignee"] == agent.username
    assert ComplaintEvent.objects.filter(complaint_id=cid, action="claim").count() == 1


def test_a_complaint_someone_else_holds_cannot_be_claimed(db, connector, api):
    cid = file(connector, customer="c1").json()["id"]
    api(factories.user_token(factories.user("agent"))).post(f"/complaints/{cid}/claim", {})
    response = api(factories.user_token(factories.user("agent"))).post(
        f"/complaints/{cid}/claim", {}
    )
    assert_problem(response, 409)


def test_a_manager_reassigns_a_complaint(db, connector, api):
    cid = file(connector, customer="c1").json()["id"]
    first, second = factories.user("agent"), factories.user("agent")
    api(factories.user_token(first)).post(f"/complaints/{cid}/claim", {})
    manager = api(factories.user_token(factories.user("manager")))
    body = manager.post(f"/complaints/{cid}/assign", {"assignee": second.pk}).json()
    assert body["assignee"] == second.username


def test_an_agent_may_not_assign(db, connector, api):
    cid = file(connector, customer="c1").json()["id"]
    other = factories.user("agent")
    response = api(factories.user_token(factories.user("agent"))).post(
        f"/complaints/{cid}/assign", {"assignee": other.pk}
    )
    assert_problem(response, 403)


def test_a_merchant_may_not_claim(db, connector, api, shop, order_of):
    order_of("O-9")
    cid = file(connector, customer="b-1", order="O-9").json()["id"]
    response = api(factories.merchant_token(shop)).post(f"/complaints/{cid}/claim", {})
    assert_problem(response, 403)
