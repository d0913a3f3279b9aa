"""Exactly once under fire: two worker processes share 10,000 due deadlines on PostgreSQL, one is
killed with SIGKILL mid-run, the other and a restarted one finish — and every deadline fired
once, every case was approved once."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count

from aftersales.cases.models import Case, CaseEvent, Deadline
from tests.cases.factories import bulk_due_deadlines
from tests.config.processes import aftersales, aftersales_env

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

N = 10_000
RUN_TIMEOUT = 600  # seconds; the run takes well under that (see docs/performance.md)


def database_url() -> str:
    """The test database this test writes to, for the worker processes to use too."""
    s = connection.settings_dict
    user = f"{s['USER']}:{s['PASSWORD']}" if s.get("PASSWORD") else s["USER"]
    return f"postgres://{user}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "aftersales", "deadlines", "run"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def seeded(ids: list[int]):
    return Deadline.objects.filter(pk__gte=ids[0], pk__lte=ids[-1])  # bulk ids are contiguous


def fired_so_far(ids: list[int]) -> int:
    return seeded(ids).filter(fired_at__isnull=False).count()


def fired_by(log: Path) -> int:
    """Rows this worker reported firing (its DEBUG log line per row)."""
    return log.read_text(errors="replace").count(" fired deadline ") if log.exists() else 0


def test_two_workers_one_killed_mid_run_fire_every_deadline_exactly_once(tmp_path):
    ids = bulk_due_deadlines(N, merchants=8)
    env = aftersales_env(tmp_path, DATABASE_URL=database_url(), AFTERSALES_LOG_LEVEL="DEBUG")
    victim_log, survivor_log = tmp_path / "victim.log", tmp_path / "survivor.log"
    victim, survivor = start_worker(env, victim_log), start_worker(env, survivor_log)
    try:
        # Kill the victim once both are well into the work and it has fired rows of its own.
        deadline = time.monotonic() + RUN_TIMEOUT
        while fired_so_far(ids) < N // 5 or fired_by(victim_log) < 100:
            assert victim.poll() is None, victim_log.read_text()[-3000:]
            assert survivor.poll() is None, survivor_log.read_text()[-3000:]
            assert time.monotonic() < deadline, "the workers made too little progress"
            time.sleep(0.5)
        victim.kill()  # SIGKILL: no cleanup, a transaction may be open
        victim.wait(timeout=30)
        killed_at = fired_so_far(ids)
        assert killed_at < N, "the victim was killed after all the work was done"

        survivor.wait(timeout=RUN_TIMEOUT)
        assert survivor.returncode == 0, survivor_log.read_text()[-3000:]
        # A restarted worker takes whatever the killed one held when it died.
        restarted = aftersales("deadlines", "run", env=env, timeout=RUN_TIMEOUT)
        assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    finally:
        for proc in (victim, survivor):
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    assert victim.returncode == -9
    assert fired_so_far(ids) == N
    assert seeded(ids).count() == N
    assert not seeded(ids).filter(fired_at__isnull=True).exists()
    assert not seeded(ids).filter(cancelled_at__isnull=False).exists()
    assert not Deadline.objects.filter(fired_at__isnull=True, cancelled_at__isnull=True).exists()
    approvals = CaseEvent.objects.filter(action="approve")
    assert approvals.count() == N
    assert not approvals.values("case").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert (
        approvals.filter(actor_kind="system", payload__timer__kind="merchant_review").count() == N
    )
    assert CaseEvent.objects.filter(action="refund").count() == N
    assert Case.objects.filter(state="refunded").count() == N
    # The work was shared: the survivor fired rows, the victim fired rows before it died.
    assert fired_by(survivor_log) > 0 and fired_by(victim_log) > 0
