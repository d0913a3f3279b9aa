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
from aftersales.risk.models import Assessment
from tests.cases import builders as b
from tests.orders.factories import line_json

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("periodic_checks_held")]

# Token; the order with its shipments and lines (locked), the lines' history; the case, its
# lines, its event, its deadlines and the event's outbox message (one statement on PostgreSQL,
# five on SQLite); BEGIN/COMMIT (savepoints under the test's transaction).
# + risk (risk/hooks.py): the buyer's history in one read, the client's identifiers (its IP at
# least) in one more, the score in one write — on PostgreSQL a sub-statement of the case's
# statement (`opening.WRITTEN_WITH_CASE`), on SQLite its own INSERT after the case's.
RISK_STATEMENTS = 2 if connection.vendor == "postgresql" else 3
# Where RS-01, RS-02 or RS-15 fires, the buyer's bracket returns that could clear it (sizing).
BRACKET_READ = 1
OPEN_STATEMENTS = (6 if connection.vendor == "postgresql" else 10) + RISK_STATEMENTS
# Token, the case (API read), the case locked, its update, the event and its outbox message, the
# deadlines cancelled and scheduled, the lines for the response; BEGIN/COMMIT.
ACT_STATEMENTS = 11
# Per batch of fired deadlines, however many rows (approve, then the refund TB-01 chains): the
# cases locked (one scan, by due time), their merchants (one object each, not one per case),
# their due rows locked, the lines (refundable amount),
# fired_at, the cases, all events (one INSERT), their outbox messages (one INSERT, after one
# read of the merchants' codes and orders' external ids they name), the pending deadlines
# cancelled, the lines' outcome; BEGIN/COMMIT.
FIRE_BATCH_STATEMENTS = 13
# A round that finds nothing due: BEGIN, the scan, COMMIT.
EMPTY_ROUND_STATEMENTS = 3
# The refund step's grant in the ledger (the `after_step("refund")` hook, cases/refunding.py),
# once per apply however many cases: the order lines and payments locked, what the ledger counts
# against them (one read), the refunds, their events and their lines inserted (one statement on
# PostgreSQL, three on SQLite).
REFUND_GRANT_STATEMENTS = 4 if connection.vendor == "postgresql" else 6
# Opening a case already holds its order lines locked and has read what the ledger refunded on
# them: the grant that follows at once (TB-01) does not lock them again (nor sum them: that part
# of its one read is empty).
HELD_LINE_READS = 1
# In a deadline batch the hook also reads, for the whole batch, the orders' lines with their
# shipping fees (whether a case takes back the whole order, and its fee) — one query; the
# cases' lines it takes from the batch's own read of them (the refundable amount), and
# `open_case` holds both.
BATCH_REFUND_READS = 1


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


def test_rs01_across_categories_costs_no_statement_more_from_its_minimum_of_returns():
    # From RS-01's minimum of returns (five) the lines bought per category are an input too:
    # counted in the history row, not read in a statement of their own.
    s = b.shop()
    buyer = b.order(s)["buyer"]["external_id"]  # the token's last_used_at is written once
    for _ in range(5):
        _open(s, b.order(s, buyer=buyer), 1, "return_refund")
    case, n = _open(s, b.order(s, buyer=buyer), 1, "return_refund")
    score = Assessment.objects.get(case_id=case["id"])
    assert score.snapshot["inputs"]["lines_180d_by_category"] == {"apparel": 7}
    assert case["state"] == "requested"
    # Six returns of seven lines: RS-01 fires, so the bracket returns that could clear it are
    # read (risk.inputs.bracket_returns) — that statement, not one for the lines per category.
    assert "bracket_returns_180d" in score.snapshot["inputs"]
    assert n == OPEN_STATEMENTS + BRACKET_READ


def test_an_automatically_approved_case_costs_its_steps_not_a_reread():
    s = b.shop()
    b.order(s)  # warm the token
    _open(s, b.order(s, shipped=False, signed=False), 1)
    case, n = _open(s, b.order(s, shipped=False, signed=False), 1)
    assert case["state"] == "refunded"
    # Approve and refund are planned before the case is written: it goes in refunded, with all
    # three events, their outbox messages and the lines' outcome, in the opening's own write (no
    # deadlines to insert: a statement of their own on SQLite only); then the refund granted in
    # the ledger, on the lines the opening holds.
    no_deadlines = 0 if connection.vendor == "postgresql" else 1
    assert n == OPEN_STATEMENTS - no_deadlines + REFUND_GRANT_STATEMENTS - HELD_LINE_READS


def test_an_action_costs_a_fixed_number_of_statements():
    s = b.shop()
    lines = [line_json(str(i)) for i in range(1, 6)]
    case, _ = _open(s, b.order(s, lines=lines), 5, "return_refund")
    with CaptureQueriesContext(connection) as queries:
        response = s.merchant_api.post(f"/cases/{case['id']}/actions/approve", {})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "approved"
    assert len(queries) == ACT_STATEMENTS


def _due_refund_only_cases(n: int) -> None:
    s = b.shop()
    for _ in range(n):
        _open(s, b.order(s, signed=False), 1)
    due = Deadline.objects.filter(action="approve", fired_at__isnull=True)
    Deadline.objects.exclude(pk__in=due).update(cancelled_at=clock.now())
    due.update(due_at=clock.now() - timedelta(minutes=1))


def _fire(batch: int) -> tuple[timers.FireResult, int]:
    with CaptureQueriesContext(connection) as queries:
        result = timers.fire_due(batch=batch)
    assert set(Case.objects.values_list("state", flat=True)) == {"refunded"}
    return result, len(queries)


@pytest.mark.parametrize("n", [1, 6])
def test_firing_a_batch_of_deadlines_costs_the_same_statements_however_many_rows(n):
    _due_refund_only_cases(n)
    result, statements = _fire(batch=10)
    assert result.fired == n
    # A short batch is the last: no second scan. Its refunds are granted in one go.
    assert statements == FIRE_BATCH_STATEMENTS + REFUND_GRANT_STATEMENTS + BATCH_REFUND_READS


def test_firing_deadlines_costs_statements_per_batch_not_per_row():
    _due_refund_only_cases(6)
    result, statements = _fire(batch=2)
    assert result.fired == 6
    # Three full batches; a full batch may not be the last, so one more round finds nothing.
    per_batch = FIRE_BATCH_STATEMENTS + REFUND_GRANT_STATEMENTS + BATCH_REFUND_READS
    assert statements == 3 * per_batch + EMPTY_ROUND_STATEMENTS
