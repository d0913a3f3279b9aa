"""The dispute sweep on PostgreSQL: a dispute someone holds is passed over (SKIP LOCKED), not
waited for, and fired by the next run once it is free — exactly once, however many run."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, transaction

from aftersales.core import clock
from aftersales.core.worker import registered_sweeps
from aftersales.disputes import timers
from aftersales.disputes.models import Dispute, DisputeEvent
from tests.disputes.factories import appealed, rejected_return, step

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_sweep_is_registered_with_the_worker():
    import aftersales.disputes.sweeps  # noqa: F401 - the worker imports every app's sweeps

    assert "disputes.fire_deadlines" in {s.name for s in registered_sweeps()}


def test_a_held_dispute_is_skipped_then_fired_once():
    dispute = step(appealed(rejected_return()), "accept")
    held, release = threading.Event(), threading.Event()

    def hold():
        with transaction.atomic():
            Dispute.objects.select_for_update().get(pk=dispute.pk)
            held.set()
            release.wait(10)
        connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    with time_machine.travel(clock.now() + timedelta(hours=25), tick=False):
        assert timers.fire_due() == 0  # passed over, not waited for
        release.set()
        holder.join()
        results: list[int] = []

        def sweep():
            results.append(timers.fire_due())
            connection.close()

        workers = [threading.Thread(target=sweep) for _ in range(3)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    assert sum(results) == 1
    assert DisputeEvent.objects.filter(dispute=dispute, action="merchant_silent").count() == 1
