"""`aftersales worker`: the sweep loop, the queue, --once, and a clean stop on signals."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django_tasks import TaskResultStatus, default_task_backend
from django_tasks_db.models import DBTaskResult

from aftersales.accounts.models import Merchant
from aftersales.core import clock, worker
from aftersales.core.models import IdempotencyRecord
from aftersales.core.tasks import prune_idempotency_records_task
from tests.config.processes import aftersales, aftersales_env, python, wait_for_text

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def sweeps(monkeypatch):
    """An empty registry for the test; the real one comes back afterwards."""
    monkeypatch.setattr(worker, "_registry", {})
    return worker


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def old_idempotency_record(key: str) -> IdempotencyRecord:
    return IdempotencyRecord.objects.create(
        caller="token:1",
        key=key,
        request_hash="0" * 64,
        status_code=201,
        created_at=clock.now() - timedelta(days=30),
        completed_at=clock.now() - timedelta(days=30),
    )


# --- the sweep loop ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_failing_sweep_is_logged_and_the_loop_runs_the_others_and_itself_again(sweeps, caplog):
    ran = []

    def broken():
        ran.append("broken")
        raise RuntimeError("boom")

    sweeps.register_sweep("broken", broken, every=10)
    sweeps.register_sweep("fine", lambda: ran.append("fine"), every=10)
    fake = FakeClock()
    loop = sweeps.SweepLoop(monotonic=fake)

    with caplog.at_level(logging.ERROR, logger="aftersales.worker"):
        loop.tick()
    assert ran == ["broken", "fine"]
    assert "sweep broken failed" in caplog.text
    assert "boom" in caplog.text  # the traceback is in the log

    fake.t += 10
    loop.tick()
    assert ran == ["broken", "fine", "broken", "fine"]


@pytest.mark.django_db
def test_a_sweep_runs_again_only_after_its_interval(sweeps):
    runs = []
    sweeps.register_sweep("often", lambda: runs.append("often"), every=5)
    sweeps.register_sweep("rarely", lambda: runs.append("rarely"), every=60)
    fake = FakeClock()
    loop = sweeps.SweepLoop(monotonic=fake)

    assert loop.tick() == 5  # seconds to the next due job
    fake.t += 5
    loop.tick()
    fake.t += 5
    loop.tick()
    assert runs == ["often", "rarely", "often", "often"]


@pytest.mark.django_db
def test_a_failing_sweep_rolls_back_what_it_wrote(sweeps):
    def half_done():
        Merchant.objects.create(code="m-half", name="half")
        raise RuntimeError("failed after writing")

    assert sweeps.run_sweep(sweeps.register_sweep("half", half_done, every=60)) is False
    assert not Merchant.objects.filter(code="m-half").exists()


def test_registering_again_under_the_same_name_replaces_the_job(sweeps):
    sweeps.register_sweep("job", lambda: 1, every=10)
    sweeps.register_sweep("job", lambda: 2, every=20)
    [job] = sweeps.registered_sweeps()
    assert job.every == 20
    with pytest.raises(ValueError, match="positive"):
        sweeps.register_sweep("never", lambda: 0, every=0)


def test_the_loop_stops_when_asked_and_finishes_the_job_in_progress(sweeps):
    started, release, finished = threading.Event(), threading.Event(), threading.Event()

    def slow():
        started.set()
        release.wait(5)
        finished.set()

    sweeps.register_sweep("slow", slow, every=3600, atomic=False)
    loop = sweeps.SweepLoop()
    thread = loop.start_thread()
    assert started.wait(5)
    loop.stop.set()
    release.set()
    thread.join(5)
    assert not thread.is_alive()
    assert finished.is_set()


def test_core_registers_its_retention_sweeps():
    names = {s.name for s in worker.autodiscover_sweeps()}
    assert {"core.prune_idempotency_records", "core.prune_task_results"} <= names


@pytest.mark.django_db
@override_settings(TASKS=DATABASE_TASKS)
def test_finished_task_results_older_than_seven_days_are_pruned():
    old, recent, waiting = (prune_idempotency_records_task.enqueue() for _ in range(3))
    DBTaskResult.objects.filter(id__in=[old.id, recent.id]).update(
        status=TaskResultStatus.SUCCESSFUL, finished_at=clock.now() - timedelta(days=2)
    )
    DBTaskResult.objects.filter(id=old.id).update(finished_at=clock.now() - timedelta(days=8))

    assert worker.prune_task_results() == 1
    kept = {str(pk) for pk in DBTaskResult.objects.values_list("id", flat=True)}
    assert kept == {recent.id, waiting.id}


# --- worker --once -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # the database worker commits as it claims tasks
@override_settings(TASKS=DATABASE_TASKS)
def test_worker_once_runs_the_queued_task_on_the_database_backend():
    result = prune_idempotency_records_task.enqueue()
    assert result.status == TaskResultStatus.READY
    old_idempotency_record("k-1")

    call_command("worker", "--once", verbosity=0)

    result = default_task_backend.get_result(result.id)
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert not IdempotencyRecord.objects.filter(key="k-1").exists()
    assert not DBTaskResult.objects.ready().exists()


@pytest.mark.django_db(transaction=True)
def test_worker_once_runs_every_sweep(sweeps):
    ran = []
    sweeps.register_sweep("a", lambda: ran.append("a"), every=3600)
    sweeps.register_sweep("b", lambda: ran.append("b"), every=3600)
    call_command("worker", "--once", verbosity=0)
    assert ran == ["a", "b"]


@pytest.mark.django_db(transaction=True)
def test_worker_once_prunes_old_idempotency_records():
    old_idempotency_record("k-old")
    call_command("worker", "--once", verbosity=0)
    assert not IdempotencyRecord.objects.filter(key="k-old").exists()


# --- a real process ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("worker-var")
    env = aftersales_env(var_dir)
    done = aftersales("migrate", "--verbosity", "0", env=env)
    assert done.returncode == 0, done.stderr
    return env


def stop_worker_with(sig: int, env: dict[str, str], log) -> str:
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "aftersales", "worker"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_text(log, "worker started", process=process)
        process.send_signal(sig)
        assert process.wait(timeout=20) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
    text = log.read_text()
    assert "worker stopped" in text
    assert "Traceback" not in text, text
    return text


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_the_worker_stops_cleanly_on_a_signal_and_exits_0(migrated, tmp_path, sig):
    stop_worker_with(sig, migrated, tmp_path / "worker.log")


def test_worker_once_in_a_process_runs_a_task_enqueued_by_another(migrated):
    enqueued = python(
        "from aftersales.core.tasks import prune_idempotency_records_task as t\n"
        "print(t.enqueue().id)",
        env=migrated,
    )
    assert enqueued.returncode == 0, enqueued.stderr
    task_id = enqueued.stdout.strip().splitlines()[-1]

    worked = aftersales("worker", "--once", env=migrated)
    assert worked.returncode == 0, worked.stderr

    checked = python(
        "from django_tasks import default_task_backend as b\n"
        f"r = b.get_result({task_id!r}); print(r.status, r.return_value)",
        env=migrated,
    )
    assert checked.stdout.split()[-2:] == ["SUCCESSFUL", "0"], checked.stderr


# --- RQ on Redis -------------------------------------------------------------------------------


def redis_url() -> str | None:
    """A Redis database of its own for this test (db 14), when a Redis answers locally."""
    import redis

    url = "redis://127.0.0.1:6379/14"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.exceptions.RedisError:
        # CI starts (or installs) Redis before the suite: there, a missing Redis is a failure.
        if os.environ.get("CI"):
            pytest.fail("no Redis at 127.0.0.1:6379, and CI must run the RQ tests")
        return None
    return url


def test_with_redis_url_the_worker_runs_tasks_from_rq(tmp_path):
    url = redis_url()
    if url is None:
        pytest.skip("no Redis at 127.0.0.1:6379 (REDIS_URL is optional)")
    env = aftersales_env(tmp_path / "var", REDIS_URL=url)
    assert aftersales("migrate", "--verbosity", "0", env=env).returncode == 0

    enqueued = python(
        "from aftersales.core.tasks import prune_idempotency_records_task as t\n"
        "from django_tasks import task_backends\n"
        "print(type(task_backends['default']).__name__, t.enqueue().id)",
        env=env,
    )
    assert enqueued.returncode == 0, enqueued.stderr
    backend, task_id = enqueued.stdout.split()[-2:]
    assert backend == "RQBackend"

    worked = aftersales("worker", "--once", env=env)
    assert worked.returncode == 0, worked.stderr
    assert "RQ queue on Redis" in worked.stdout

    checked = python(
        "from django_tasks import default_task_backend as b\n"
        f"r = b.get_result({task_id!r}); print(r.status, r.return_value)",
        env=env,
    )
    assert checked.stdout.split()[-2:] == ["SUCCESSFUL", "0"], checked.stderr


def test_with_redis_url_the_worker_stops_cleanly_on_sigterm(tmp_path):
    url = redis_url()
    if url is None:
        pytest.skip("no Redis at 127.0.0.1:6379 (REDIS_URL is optional)")
    env = aftersales_env(tmp_path / "var", REDIS_URL=url)
    assert aftersales("migrate", "--verbosity", "0", env=env).returncode == 0
    text = stop_worker_with(signal.SIGTERM, env, tmp_path / "worker.log")
    assert "RQ queue on Redis" in text
