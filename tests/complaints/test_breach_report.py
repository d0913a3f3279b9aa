"""The breach report: missed targets per team and agent, complaints and cases alike."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from aftersales.cases import timers as case_timers
from aftersales.complaints import timers
from tests import factories
from tests.cases import builders as b
from tests.cases.builders import assert_problem
from tests.complaints.conftest import at, file


def _report(client, **query):
    response = client.get("/reports/sla/breaches", **query)
    assert response.status_code == 200, response.content
    return response.json()


def _breach_one(connector, api, travel, *, customer="c1", holder=None):
    travel(at(2026, 3, 9, 9, 0))
    cid = file(connector, customer=customer).json()["id"]
    if holder is not None:
        api(factories.user_token(holder)).post(f"/complaints/{cid}/claim", {})
    travel(at(2026, 3, 9, 18, 1))
    timers.fire_due()
    return cid


def test_a_missed_complaint_target_counts_against_whoever_held_it(db, connector, api, travel):
    agent = factories.user("agent")
    _breach_one(connector, api, travel, holder=agent)
    manager = api(factories.user_token(factories.user("manager")))
    rows = _report(manager)["items"]
    assert rows == [
        {
            "team": "platform",
            "agent": agent.username,
            "subject": "complaint",
            "target": "first_response",
            "breaches": 1,
        }
    ]


def test_an_unassigned_complaint_counts_for_the_pool(db, connector, api, travel):
    _breach_one(connector, api, travel)
    manager = api(factories.user_token(factories.user("manager")))
    assert _report(manager)["items"][0]["agent"] == ""


def test_the_report_filters_by_agent(db, connector, api, travel):
    first, second = factories.user("agent"), factories.user("agent")
    _breach_one(connector, api, travel, customer="c1", holder=first)
    _breach_one(connector, api, travel, customer="c2", holder=second)
    manager = api(factories.user_token(factories.user("manager")))
    body = _report(manager, agent=first.username)
    assert body["total"] == 1 and body["items"][0]["agent"] == first.username


def test_the_report_counts_only_the_period_asked(db, connector, api, travel):
    _breach_one(connector, api, travel)
    manager = api(factories.user_token(factories.user("manager")))
    assert _report(manager, **{"from": "2026-03-10T00:00:00+08:00"})["total"] == 0
    assert _report(manager, to="2026-03-10T00:00:00+08:00")["total"] == 1


def test_a_review_the_timeout_decided_counts_against_the_merchant(db, api):
    with time_machine.travel(at(2026, 3, 9, 10, 0), tick=False) as traveller:
        opened = b.open_case(type="reissue")
        traveller.move_to(at(2026, 3, 14, 10, 1))
        case_timers.fire_due()
        manager = api(factories.user_token(factories.user("manager")))
        body = _report(manager, team=opened.shop.code)
    assert body["items"] == [
        {
            "team": opened.shop.code,
            "agent": "",
            "subject": "case",
            "target": "first_response",
            "breaches": 1,
        }
    ]


def test_a_merchant_sees_only_its_own_team(db, api):
    with time_machine.travel(at(2026, 3, 9, 10, 0), tick=False) as traveller:
        mine, theirs = b.open_case(type="reissue"), b.open_case(type="reissue")
        traveller.move_to(at(2026, 3, 9, 10, 0) + timedelta(days=5, minutes=1))
        case_timers.fire_due()
        body = _report(mine.shop.merchant_api)
    assert {r["team"] for r in body["items"]} == {mine.shop.code}
    assert theirs.shop.code != mine.shop.code


def test_a_buyer_may_not_read_the_breach_report(db, api):
    opened = b.open_case(type="reissue")
    assert_problem(opened.buyer_api.get("/reports/sla/breaches"), 403)


def test_the_report_costs_the_same_statements_however_many_breaches(db, connector, api, travel):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    manager = api(factories.user_token(factories.user("manager")))
    _breach_one(connector, api, travel, customer="c1")
    _report(manager)  # the token's last use is written once
    with CaptureQueriesContext(connection) as one:
        _report(manager)
    _breach_one(connector, api, travel, customer="c2", holder=factories.user("agent"))
    _breach_one(connector, api, travel, customer="c3", holder=factories.user("agent"))
    with CaptureQueriesContext(connection) as three:
        assert _report(manager)["total"] == 3
    assert len(one) == len(three)
