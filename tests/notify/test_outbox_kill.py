"""At least once under fire: a worker is SIGKILLed while a receiver holds one of its requests;
a restarted worker delivers everything — nothing lost, and the repeated delivery carries the
same webhook-id (and the same body) as the first."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from aftersales.notify.models import OutboxMessage, WebhookDelivery
from aftersales.notify.outbox import Message, publish_many
from tests import factories
from tests.cases.test_deadline_kill import database_url
from tests.config.processes import aftersales_env
from tests.notify.helpers import endpoint

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

N = 300
TIMEOUT = 300  # seconds for the whole run; it takes a fraction of that


def start_worker(env, log):
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "aftersales", "worker"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait_for(condition, what: str, proc) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert proc.poll() is None, f"the worker exited before {what}"
        assert time.monotonic() < deadline, f"no {what} within {TIMEOUT} s"
        time.sleep(0.05)


def test_a_worker_killed_mid_delivery_loses_nothing_and_resends_with_the_same_id(
    tmp_path, receiver
):
    merchant = factories.merchant()
    _, secret = endpoint(merchant, receiver.url("/hold-first"))
    publish_many(
        Message("case.escalated", {"case_id": i, "merchant": merchant.code}, merchant.pk)
        for i in range(N)
    )
    ids = set(OutboxMessage.objects.values_list("message_id", flat=True))
    env = aftersales_env(
        tmp_path,
        DATABASE_URL=database_url(),
        AFTERSALES_WEBHOOK_TIMEOUT_SECONDS="5",
        AFTERSALES_WEBHOOK_LEASE_SECONDS="1",
    )
    victim = start_worker(env, tmp_path / "victim.log")
    survivor = None
    try:
        # The victim's first request is held by the receiver: kill the worker while it waits.
        wait_for(lambda: receiver.received, "first request", victim)
        held = receiver.received[0].webhook_id
        victim.kill()
        victim.wait(timeout=30)
        receiver.release.set()
        survivor = start_worker(env, tmp_path / "survivor.log")
        wait_for(
            lambda: (
                not WebhookDelivery.objects.exclude(state="succeeded").exists()
                and WebhookDelivery.objects.count() == N
            ),
            "delivery of everything",
            survivor,
        )
        survivor.send_signal(signal.SIGTERM)
        survivor.wait(timeout=60)
    finally:
        for proc in (victim, survivor):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()

    assert victim.returncode == -9
    got = receiver.at("/hold-first")
    assert {r.webhook_id for r in got} == ids  # nothing lost
    counts = Counter(r.webhook_id for r in got)
    assert counts[held] >= 2  # the held request was sent again, under its own id
    repeats = [r for r in got if r.webhook_id == held]
    assert len({r.body for r in repeats}) == 1
    assert all(r.verified(secret)["type"] == "case.escalated" for r in got)
