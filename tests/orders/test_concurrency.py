"""Two shops' retries racing to create the same order: one creates, the other updates."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from aftersales.accounts.actors import SYSTEM_ACTOR
from aftersales.orders.models import Order, OrderLine
from aftersales.orders.schemas import parse_order
from aftersales.orders.services import upsert_order
from tests import factories
from tests.orders.factories import order_json


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_of_one_order_end_as_one_create_and_one_update():
    factories.merchant("m-apparel")
    results: list[bool | Exception] = []
    for attempt in range(5):
        data = parse_order(order_json(f"TB{attempt}", merchant="m-apparel"))
        barrier = threading.Barrier(2)
        outcomes: list[bool | Exception] = []

        def post(data=data, barrier=barrier, outcomes=outcomes):
            try:
                barrier.wait()
                outcomes.append(upsert_order(actor=SYSTEM_ACTOR, data=data)[1])
            except Exception as exc:  # the test reports whatever went wrong
                outcomes.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=post) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(outcomes, key=str) == [False, True], outcomes
        results.extend(outcomes)
    assert Order.objects.count() == 5
    assert OrderLine.objects.count() == 5
