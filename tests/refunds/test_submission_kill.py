"""A worker killed with SIGKILL while the provider holds the refund and has not answered: the
restarted worker asks the provider and adopts its answer — the provider is never asked to
refund twice (its calls are counted in its own table, across processes)."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from aftersales.refunds.models import FakeProviderCall, Refund
from tests.cases.factories import opened_case
from tests.cases.test_deadline_kill import database_url
from tests.config.processes import aftersales, aftersales_env

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_killed_mid_call_then_restarted_never_calls_the_provider_twice(tmp_path):
    case = opened_case("refund_only", shipped=False)  # refunded at once (TB-01): granted
    refund = Refund.objects.get(case=case)
    env = aftersales_env(tmp_path, DATABASE_URL=database_url(), AFTERSALES_FAKE_PROVIDER_DELAY="60")
    log = tmp_path / "victim.log"
    with log.open("w") as out:
        victim = subprocess.Popen(
            [sys.executable, "-m", "aftersales", "refunds", "send"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        while not FakeProviderCall.objects.filter(operation="refund").exists():
            assert victim.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "the worker never called the provider"
            time.sleep(0.2)
        victim.kill()  # the provider has the refund; the worker never heard back
        victim.wait(timeout=30)
    finally:
        if victim.poll() is None:
            victim.kill()
            victim.wait()
    refund.refresh_from_db()
    assert refund.state == "submitted" and refund.provider_ref == ""

    restarted = aftersales(
        "refunds",
        "send",
        env={
            **env,
            "AFTERSALES_FAKE_PROVIDER_DELAY": "0",
            "AFTERSALES_REFUND_SUBMIT_TIMEOUT_SECONDS": "0",
        },
    )
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    refund.refresh_from_db()
    assert victim.returncode == -9
    assert refund.state == "succeeded" and refund.provider_ref.startswith("FAKE-")
    calls = FakeProviderCall.objects.filter(idempotency_key=refund.idempotency_key)
    assert calls.filter(operation="refund").count() == 1
    assert calls.filter(operation="query").count() == 1
