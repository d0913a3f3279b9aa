"""Two grants on the same order line at once, on PostgreSQL: each within what the line has left
alone, together above it. The ledger's locking read serialises them — the second waits for the
first to commit, then sees its refund: one succeeds, the other is refused with the limit, and the
line is never refunded more than was paid."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Sum

from aftersales.core.errors import InvalidInput
from aftersales.refunds.models import COUNTING, RefundLine
from aftersales.refunds.services import LineRequest, RefundRequest, grant_refunds
from tests.cases.factories import opened_case

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WAIT = 60  # seconds: a guard against a hang, not a measure


def backend_waits_on_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # fresh figures inside a transaction
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return bool(row) and row[0] == "Lock"


def test_two_grants_at_once_on_one_line_one_wins_and_the_other_is_refused_with_the_limit():
    case = opened_case("return_refund")
    line = case.lines.get()  # 60.00 paid
    request = RefundRequest(
        case_id=case.pk,
        merchant_id=case.merchant_id,
        order_id=case.order_id,
        currency=case.currency,
        lines=(LineRequest(line.order_line_id, line.refundable_amount),),
        amount=Decimal("40.00"),
    )
    connection.close()
    first_holds_the_line, second_pid, outcomes, errors = threading.Event(), [], {}, []

    def first():
        try:
            with transaction.atomic():
                grant_refunds([request])
                first_holds_the_line.set()
                # Commit only once the second is blocked on the line's lock: they overlap.
                give_up = time.monotonic() + WAIT
                while not (second_pid and backend_waits_on_a_lock(second_pid[0])):
                    assert time.monotonic() < give_up, "the second grant never waited"
                    time.sleep(0.05)
            outcomes["first"] = "granted"
        except BaseException as exc:  # reported to the test's thread
            errors.append(exc)
        finally:
            connection.close()

    def second():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid = cursor.fetchone()[0]
            assert first_holds_the_line.wait(WAIT)
            second_pid.append(pid)
            try:
                with transaction.atomic():
                    grant_refunds([request])
                outcomes["second"] = "granted"
            except InvalidInput as exc:
                outcomes["second"] = f"refused, at most {exc.extensions['limit']}"
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT * 2)

    assert not errors, errors
    assert outcomes == {"first": "granted", "second": "refused, at most 20.00"}
    refunded = RefundLine.objects.filter(
        order_line_id=line.order_line_id, refund__state__in=COUNTING
    ).aggregate(total=Sum("amount"))["total"]
    assert refunded == Decimal("40.00") <= line.order_line.paid_amount
