"""The worker's sweep loop: periodic jobs that contexts register, each run in its own guard.

A context registers a job with `register_sweep(name, fn, every=seconds)`, in its
`<context>/sweeps.py` (the worker imports every installed app's `sweeps` module at start) or in
its AppConfig.ready(). The loop runs every job once at start, then again `every` seconds after
each run started.

The contract every job keeps, because many workers may run at once (any number of processes on
any number of machines, all on one PostgreSQL):
- **Idempotent or claiming.** Running the same job twice at the same moment in two processes
  must be harmless: either the job is idempotent (a prune deletes what is old; deleting it twice
  is the same as once), or it claims its rows with `select_for_update(skip_locked=True)` in a
  short transaction and marks them done in that same transaction, so each row is handled once
  and a crash leaves it unclaimed, never half-done.
- **Short.** A job does a bounded batch and returns; the next run picks up the rest.
- **Transactions.** By default the whole job runs in one `transaction.atomic()`: a failure rolls
  it all back. A job that commits in batches itself (or calls services that open a durable
  transaction) registers with `atomic=False`.
- **Failures are logged, never fatal.** An exception is logged with its traceback and the loop
  carries on; the job runs again at its next turn.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connections, transaction
from django.utils.module_loading import autodiscover_modules

from aftersales.core import clock

logger = logging.getLogger("aftersales.worker")

TASK_RESULT_RETENTION = timedelta(days=7)


@dataclass(frozen=True)
class Sweep:
    name: str
    fn: Callable[[], object]
    every: float  # seconds between the starts of two runs in one worker
    atomic: bool = True


_registry: dict[str, Sweep] = {}
_lock = threading.Lock()


def register_sweep(
    name: str, fn: Callable[[], object], *, every: float, atomic: bool = True
) -> Sweep:
    """Register (or replace, by name) a periodic job. See the module docstring's contract."""
    if every <= 0:
        raise ValueError("every must be a positive number of seconds")
    sweep = Sweep(name=name, fn=fn, every=float(every), atomic=atomic)
    with _lock:
        _registry[name] = sweep
    return sweep


def unregister_sweep(name: str) -> None:
    with _lock:
        _registry.pop(name, None)


def registered_sweeps() -> list[Sweep]:
    with _lock:
        return list(_registry.values())


def autodiscover_sweeps() -> list[Sweep]:
    """Import `<app>.sweeps` of every installed app, so their registrations run."""
    autodiscover_modules("sweeps")
    return registered_sweeps()


def refresh_connections() -> None:
    """Drop connections the database closed or that outlived CONN_MAX_AGE, as Django does around
    each request; never one inside a transaction (a test's, or a caller's)."""
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            conn.close_if_unusable_or_obsolete()


def run_sweep(sweep: Sweep) -> bool:
    """Run one job inside its guard. True when it succeeded; a failure is logged, not raised."""
    refresh_connections()  # a connection the database dropped is replaced, not reused
    started = time.monotonic()
    try:
        if sweep.atomic:
            with transaction.atomic():
                result = sweep.fn()
        else:
            result = sweep.fn()
    except Exception:
        # The loop must outlive any one job's bug or outage; the traceback goes to the log.
        logger.exception("sweep %s failed; it runs again in %ss", sweep.name, sweep.every)
        return False
    finally:
        refresh_connections()
    # A job that found nothing to do is routine; only work done is worth a line at INFO.
    logger.log(
        logging.INFO if result else logging.DEBUG,
        "sweep %s done in %.0f ms: %s",
        sweep.name,
        (time.monotonic() - started) * 1000,
        result,
    )
    return True


def run_all_sweeps(sweeps: list[Sweep] | None = None) -> dict[str, bool]:
    """Every job once, in registration order (`worker --once`)."""
    return {s.name: run_sweep(s) for s in (registered_sweeps() if sweeps is None else sweeps)}


@dataclass
class SweepLoop:
    """Runs each registered job every `every` seconds until `stop` is set."""

    stop: threading.Event = field(default_factory=threading.Event)
    monotonic: Callable[[], float] = time.monotonic
    max_wait: float = 5.0  # re-read the registry at least this often
    _next_at: dict[str, float] = field(default_factory=dict)

    def tick(self) -> float:
        """Run the jobs that are due now; return the seconds until the next one is due."""
        for sweep in registered_sweeps():
            if self.stop.is_set():
                break
            due = self._next_at.setdefault(sweep.name, self.monotonic())
            if self.monotonic() >= due:
                self._next_at[sweep.name] = self.monotonic() + sweep.every
                run_sweep(sweep)
        if not self._next_at:
            return self.max_wait
        return max(0.0, min(min(self._next_at.values()) - self.monotonic(), self.max_wait))

    def run(self) -> None:
        logger.info("sweep loop started: %s", ", ".join(s.name for s in registered_sweeps()))
        try:
            while not self.stop.is_set():
                self.stop.wait(self.tick())
        finally:
            connections.close_all()
            logger.info("sweep loop stopped")

    def start_thread(self) -> threading.Thread:
        # A daemon thread: a forced second Ctrl-C must not hang on it. A graceful stop sets
        # `stop` and joins it, so a job in progress finishes first.
        thread = threading.Thread(target=self.run, name="aftersales-sweeps", daemon=True)
        thread.start()
        return thread


# --- the queue: django-tasks' own workers, run in this process -------------------------------


class QueueRunner:
    """Processes the django-tasks queue of one backend until stopped (or, with `once`, until it
    is empty). `stop()` is called from a signal handler: the task in progress finishes first."""

    description = "no queue"

    def run(self, *, once: bool) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError


class NoQueue(QueueRunner):
    """Backends that run tasks on enqueue (immediate, dummy): nothing to process here."""

    def __init__(self) -> None:
        self._stopped = threading.Event()

    def run(self, *, once: bool) -> None:
        while not once and not self._stopped.wait(1.0):
            pass

    def stop(self) -> None:
        self._stopped.set()


class DatabaseQueue(QueueRunner):
    """django-tasks-db: its `db_worker` Worker, in this process; rows claimed with SKIP LOCKED, so
    any number of workers share the table."""

    description = "django-tasks database queue"

    def __init__(self, backend_alias: str, *, interval: float = 1.0) -> None:
        self.backend_alias = backend_alias
        self.interval = interval
        self.worker = None
        self._stop_requested = False

    def run(self, *, once: bool) -> None:
        from django_tasks_db.management.commands.db_worker import Worker

        self.worker = Worker(
            queue_names=["*"],
            excluded_queue_names=[],
            interval=0 if once else self.interval,
            batch=once,
            backend_name=self.backend_alias,
            startup_delay=not once,  # spreads many workers starting together
            max_tasks=None,
            worker_id=_worker_id(),
        )
        self.worker.running = not self._stop_requested
        self.worker.run()

    def stop(self) -> None:
        # The loop checks `running` after each task and after each idle wait (≤ interval).
        self._stop_requested = True
        if self.worker is not None:
            self.worker.running = False


class RedisQueue(QueueRunner):
    """django-tasks-rq: an RQ worker on the backend's queues. A SimpleWorker (the job runs in
    this process, no fork): forking beside the sweep thread is unsafe, and django-tasks jobs are
    short service calls."""

    description = "RQ queue on Redis"

    def __init__(self, queue_names: list[str]) -> None:
        self.queue_names = queue_names
        self.worker = None
        self._stop_requested = False
        self._in_work_loop = False

    def run(self, *, once: bool) -> None:
        import django_rq
        from rq.exceptions import StopRequested
        from rq.worker import SimpleWorker

        class DjangoSimpleWorker(SimpleWorker):
            def execute_job(self, job, queue):
                refresh_connections()
                try:
                    return super().execute_job(job, queue)
                finally:
                    refresh_connections()

            def _install_signal_handlers(self):
                pass  # run_worker owns SIGINT/SIGTERM and calls stop()

        self.worker = django_rq.get_worker(
            *self.queue_names,
            job_class="django_tasks_rq.Job",
            worker_class=DjangoSimpleWorker,
        )
        if self._stop_requested:
            return
        self._in_work_loop = True
        try:
            self.worker.work(burst=once, logging_level=None)
        except StopRequested:  # a stop that landed outside RQ's own loop
            pass
        finally:
            self._in_work_loop = False

    def stop(self) -> None:
        # Called from a signal handler; run() already imported these (a module-cache lookup).
        from rq.exceptions import StopRequested
        from rq.worker.base import WorkerStatus

        self._stop_requested = True
        worker = self.worker
        if worker is None:
            return
        worker._stop_requested = True  # checked by RQ's loop before each dequeue
        if self._in_work_loop and worker.get_state() == WorkerStatus.IDLE:
            # Waiting in a blocking dequeue: interrupt it, as RQ's own warm shutdown does.
            raise StopRequested()


def queue_runner(alias: str = "default") -> QueueRunner:
    """The runner for the configured backend: database by default, RQ with REDIS_URL."""
    from django_tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend

    backend = task_backends[alias]
    if isinstance(backend, DatabaseBackend):
        return DatabaseQueue(alias)
    try:
        from django_tasks_rq import RQBackend
    except ImportError:  # django_rq is configured only with REDIS_URL
        RQBackend = None
    if RQBackend is not None and isinstance(backend, RQBackend):
        return RedisQueue(list(backend.queues) or ["default"])
    return NoQueue()


def _worker_id() -> str:
    from django.utils.crypto import get_random_string

    return f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(8)}"


# --- the whole worker --------------------------------------------------------------------------


def run_worker(*, once: bool = False, runner: QueueRunner | None = None) -> None:
    """Both parts of `aftersales worker`: the sweep loop (a thread) and the queue (this thread).

    `once`: every sweep once, then the queue until it is empty, then return (tests, cron).
    Otherwise until SIGTERM or SIGINT: both parts finish what they are doing and it returns; a
    second signal forces the exit (status 1).
    """
    autodiscover_sweeps()
    runner = runner or queue_runner()
    if once:
        run_all_sweeps()
        runner.run(once=True)
        connections.close_all()
        return

    loop = SweepLoop()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def request_stop(signum, frame):
        if loop.stop.is_set():
            logger.warning("second %s: stopping now", signal.strsignal(signum))
            logging.shutdown()
            os._exit(1)  # not SystemExit: that would wait for the job in progress
        logger.info("%s: finishing the current job, then stopping", signal.strsignal(signum))
        loop.stop.set()
        runner.stop()

    for sig in previous:
        signal.signal(sig, request_stop)
    thread = loop.start_thread()
    logger.info("worker started: sweeps + %s", runner.description)
    try:
        runner.run(once=False)
    finally:
        loop.stop.set()
        thread.join()
        connections.close_all()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    logger.info("worker stopped")


# --- core's own jobs ---------------------------------------------------------------------------


def prune_idempotency_records() -> int:
    """Idempotency records past their retention (AFTERSALES_IDEMPOTENCY_RETENTION_HOURS)."""
    from aftersales.core.idempotency import prune_idempotency_records as prune

    return prune()


def prune_task_results(now=None) -> int:
    """Finished django-tasks results (database backend) older than seven days."""
    from django_tasks_db.models import DBTaskResult

    cutoff = (now or clock.now()) - TASK_RESULT_RETENTION
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lte=cutoff).delete()
    return deleted


# It deletes in batches that commit one by one, so no lock is held for the whole prune.
register_sweep(
    "core.prune_idempotency_records", prune_idempotency_records, every=3600, atomic=False
)
register_sweep("core.prune_task_results", prune_task_results, every=3600)
