from __future__ import annotations

from aftersales.complaints import timers
from aftersales.complaints.models import Complaint
from tests import factories
from tests.complaints.conftest import at, file


def _do(client, cid, action, **body):
    return client.post(f"/complaints/{cid}/actions/{action}", body)


def _awaiting_confirmation(connector, agent):
    cid = file(connector, customer="c1").json()["id"]
    for action, body in (
        ("investigate", {}),
        ("propose_solution", {"solution": {"kind": "apology"}, "responsibility": "service"}),
        ("execute", {}),
        ("complete", {}),
    ):
        assert _do(agent, cid, action, **body).status_code == 200
    return cid


def test_the_customer_rates_the_service_after_confirming(db, api, connector, desk):
    customer = api(factories.buyer_token(factories.buyer("c1")))
    cid = _awaiting_confirmation(connector, desk())
    _do(customer, cid, "confirm")
    rated = _do(customer, cid, "rate", rating=5, comment="很满意").json()
    assert (rated["rating"], rated["rating_comment"]) == (5, "很满意")


def test_a_rating_outside_one_to_five_is_refused(db, api, connector, desk):
    customer = api(factories.buyer_token(factories.buyer("c1")))
    cid = _awaiting_confirmation(connector, desk())
    _do(customer, cid, "confirm")
    response = _do(customer, cid, "rate", rating=6)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "rating"


def test_an_unconfirmed_solution_confirms_itself_after_the_period(db, connector, desk, travel):
    travel(at(2026, 3, 9, 10, 0))
    cid = _awaiting_confirmation(connector, desk())
    travel(at(2026, 3, 12, 10, 1))  # three working days later
    timers.fire_due()
    assert Complaint.objects.get(pk=cid).state == "resolved"


def test_the_customer_may_reopen_within_the_period(db, api, connector, desk, travel):
    customer = api(factories.buyer_token(factories.buyer("c1")))
    travel(at(2026, 3, 9, 10, 0))
    cid = _awaiting_confirmation(connector, desk())
    _do(customer, cid, "confirm")
    travel(at(2026, 3, 18, 10, 0))  # the 7th working day after
    assert _do(customer, cid, "reopen").json()["state"] == "investigating"


def test_reopening_after_the_period_is_refused(db, api, connector, desk, travel):
    customer = api(factories.buyer_token(factories.buyer("c1")))
    travel(at(2026, 3, 9, 10, 0))
    cid = _awaiting_confirmation(connector, desk())
    _do(customer, cid, "confirm")
    travel(at(2026, 3, 19, 10, 0))
    response = _do(customer, cid, "reopen")
    assert response.status_code == 409
    assert "reopen" not in response.json()["allowed_actions"]


def test_a_customer_not_satisfied_sends_it_back_to_investigation(db, api, connector, desk):
    customer = api(factories.buyer_token(factories.buyer("c1")))
    cid = _awaiting_confirmation(connector, desk())
    assert _do(customer, cid, "dispute").json()["state"] == "investigating"
