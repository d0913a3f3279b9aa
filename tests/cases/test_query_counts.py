"""The case engine's SQL per request stays flat: opening a case, acting on it and firing a
deadline cost a fixed number of statements, however many lines the case has (an N+1 — a query
per line, per deadline, per event — fails here before it reaches a benchmark)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.cases import timers
from aftersales.cases.models import Case, Deadline
from aftersales.core import clock
from tests.cases import builders as b
from tests.orders.factories import line_json

pytestmark = pytest.mark.django_db

# Token; the order with its shipments and lines (locked), the lines' history; the case, its
# lines, its event and its deadlines (one statement on PostgreSQL, four on SQLite); BEGIN/COMMIT
# (savepoints under the test's transaction).
OPEN_STATEMENTS = 6 if connection.vendor == "postgresql" else 9
# Token, the case (API read), the case locked, its update, the event, the deadlines cancelled and
# scheduled, the lines for the response; BEGIN/COMMIT.
ACT_STATEMENTS = 10
# Per deadline fired (approve, then the refund TB-01 chains): the case and the row locked,
# fired_at, the case, two events, the lines read and updated, the pending deadlines cancelled;
# BEGIN/COMMIT.
FIRE_STATEMENTS = 11


def _open(s: b.Shop, data: dict, lines: int, type: str = "refund_only"):
    body = b.case_body(data, type, "no_reason")
    body["lines"] = [{"line_id": str(i), "quantity": 1} for i in range(1, lines + 1)]
    with CaptureQueriesContext(connection) as queries:
        response = s.merchant_api.post("/cases", body)
    assert response.status_code == 201, response.content
    return response.json(), len(queries)


def test_opening_a_case_costs_a_fixed_number_of_statements_whatever_its_lines():
    s = b.shop()
    lines = [line_json(str(i)) for i in range(1, 6)]
    _open(s, b.order(s, signed=False, lines=lines), 1)  # the token's last_used_at is written once
    _, one = _open(s, b.order(s, signed=False, lines=lines), 1)
    case, five = _open(s, b.order(s, signed=False, lines=lines), 5)
    assert len(case["lines"]) == 5 and case["state"] == "requested"
    assert one == five == OPEN_STATEMENTS


def test_an_automatically_approved_case_costs_its_steps_not_a_reread():
    s = b.shop()
    b.order(s)  # warm the token
    _open(s, b.order(s, shipped=False, signed=False), 1)
    case, n = _open(s, b.order(s, shipped=False, signed=False), 1)
    assert case["state"] == "refunded"
    # + approve and refund: one UPDATE of the case, two events, the lines' outcome; no deadlines
    # to insert (a statement of their own on SQLite only).
    assert n == OPEN_STATEMENTS + 4 - (0 if connection.vendor == "postgresql" else 1)


def test_an_action_costs_a_fixed_number_of_statements():
    s = b.shop()
    lines = [line_json(str(i)) for i in range(1, 6)]
    case, _ = _open(s, b.order(s, lines=lines), 5, "return_refund")
    with CaptureQueriesContext(connection) as queries:
        response = s.merchant_api.post(f"/cases/{case['id']}/actions/approve", {})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "approved"
    assert len(queries) == ACT_STATEMENTS


def test_firing_a_deadline_costs_a_fixed_number_of_statements_per_deadline():
    s = b.shop()
    for _ in range(3):
        _open(s, b.order(s, signed=False), 1)
    due = Deadline.objects.filter(action="approve", fired_at__isnull=True)
    Deadline.objects.exclude(pk__in=due).update(cancelled_at=clock.now())
    due.update(due_at=clock.now() - timedelta(minutes=1))
    with CaptureQueriesContext(connection) as queries:
        result = timers.fire_due()
    assert result.fired == 3
    assert set(Case.objects.values_list("state", flat=True)) == {"refunded"}
    assert len(queries) == 1 + 3 * FIRE_STATEMENTS  # the scan, then each row
