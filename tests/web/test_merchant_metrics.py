"""The merchant's metrics: figures from aggregate statements, charts over a table."""

import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.accounts.models import Role
from aftersales.cases.selectors import merchant_metrics
from aftersales.web.portal import actor_of
from tests import factories
from tests.cases import builders as b
from tests.web.pages import client_for

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
# Session, user, the navigation's unread count; cases per day and type, approvals, first
# merchant action, refunds, overdue.
METRICS_STATEMENTS = 8


def _client(s: b.Shop):
    return client_for(factories.user(Role.MERCHANT_STAFF, merchant=s.merchant))


def _actor(client):
    from aftersales.accounts.models import User

    user = User.objects.get(pk=client.session["_auth_user_id"])
    return actor_of(type("R", (), {"user": user})())


def test_metrics_count_cases_per_local_day_and_type():
    s = b.shop()
    with time_machine.travel(T0, tick=False) as clock:
        b.open_case(s)
        b.open_case(s, "exchange")
        clock.move_to(T0 + timedelta(days=1))
        b.open_case(s)
        b.open_case()  # another shop's
        figures = merchant_metrics(_actor(_client(s)))
    assert figures.days[-1] == (T0 + timedelta(days=1)).date()
    assert figures.opened["return_refund"][-2:] == [1, 1]
    assert figures.opened["exchange"][-2:] == [1, 0]
    assert sum(sum(v) for v in figures.opened.values()) == 3


def test_median_time_to_first_merchant_action_counts_from_opening():
    s = b.shop()
    with time_machine.travel(T0, tick=False) as clock:
        quick, slow, waiting = b.open_case(s), b.open_case(s), b.open_case(s)
        clock.move_to(T0 + timedelta(hours=1))
        quick.act("merchant", "approve")
        clock.move_to(T0 + timedelta(hours=3))
        slow.act("merchant", "reject", reason="used")
        figures = merchant_metrics(_actor(_client(s)))
    assert figures.median_first_action == timedelta(hours=2)
    assert (figures.approvals, figures.automatic_approvals) == (1, 0)
    assert waiting.id


def test_share_approved_automatically_counts_the_systems_approvals():
    s = b.shop()
    client = client_for(factories.user(Role.MERCHANT_ADMIN, merchant=s.merchant))
    client.post("/merchant/settings/approval/", {"rules__no_reason_auto_approval__enabled": "1"})
    b.open_case(s)
    manual = b.open_case(s, "exchange")
    manual.act("merchant", "approve")
    figures = merchant_metrics(_actor(client))
    assert (figures.approvals, figures.automatic_approvals) == (2, 1)
    assert figures.automatic_share == 0.5


def test_metrics_page_embeds_the_chart_data_and_a_table_readable_without_javascript():
    s = b.shop()
    b.open_case(s)
    html = _client(s).get("/merchant/metrics/").content.decode()
    data = json.loads(
        re.search(r'id="metrics-data" type="application/json">(.*?)</script>', html).group(1)
    )
    assert len(data["days"]) == 30
    assert data["series"][0]["name"] == "Return and refund"
    assert data["series"][0]["data"][-1] == 1
    assert '<table class="queue" id="cases-per-day">' in html
    assert 'id="chart-cases"' in html and "hidden" in html


def test_metrics_page_statements_do_not_grow_with_the_cases():
    s = b.shop()
    client = _client(s)
    b.open_case(s)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/merchant/metrics/").status_code == 200
    for _ in range(3):
        b.open_case(s).act("merchant", "approve")
    with CaptureQueriesContext(connection) as more:
        client.get("/merchant/metrics/")
    assert len(one) == len(more) == METRICS_STATEMENTS
