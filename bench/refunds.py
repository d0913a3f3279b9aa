"""The refund ledger on PostgreSQL: (a) grants per second through `refunds.services.grant_refunds`
in batches of 1 and of 100 (each batch one transaction, as a case step or a deadline batch
grants), and (b) refunds sent per second through the worker's submit path
(`refunds.submission.submit_due`) against the fake provider answering after a simulated latency
(default 50 ms) — one thread, then more threads and processes, to show the latency hidden by
concurrency — and that every refund reached the provider exactly once.

Seeding is bulk ORM (not timed): refund-only cases, each on its own one-line order (the bulk
factory of the deadline benchmark). Grants run in this process; CPU is this process's and the
PostgreSQL backends'. The senders are separate processes that set Django up, wait for "go" on
stdin, run T threads each calling `submit_due` until nothing is due, and report.

Run: `.venv/bin/python bench/refunds.py` (`--grants 2000 --latency 0.05`). It makes and drops
its own database, aftersales_bench_refunds."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # `bench` and `tests` from a plain script
sys.path.insert(1, str(REPO / "src"))

from bench._harness import (  # noqa: E402
    PYTHON,
    CpuSnapshot,
    CpuUse,
    fresh_database,
    machine_summary,
    migrate,
    server_env,
    wait_for_quiet,
)

DB_NAME = "aftersales_bench_refunds"
YEAR = timedelta(days=365)

SENDER = """
import json, sys, threading, time
import django
django.setup()
from django.db import connection
from aftersales.refunds import submission
connection.ensure_connection()
print("ready", flush=True)
sys.stdin.readline()
sent, done, release = [], threading.Semaphore(0), threading.Event()
def loop():
    n = 0
    while True:
        result = submission.submit_due(limit=10)
        n += result.submitted
        if not result.submitted:
            break
    sent.append(n)
    done.release()
    release.wait()  # the connection (its backend's CPU) stays until the parent has measured
    connection.close()
cpu, started = time.process_time(), time.perf_counter()
threads = [threading.Thread(target=loop) for _ in range({threads})]
for t in threads:
    t.start()
for t in threads:
    done.acquire()
print(json.dumps({{"sent": sum(sent), "seconds": time.perf_counter() - started,
    "cpu": time.process_time() - cpu}}), flush=True)
sys.stdin.readline()
release.set()
for t in threads:
    t.join()
"""

# (processes, threads each, refunds to send)
SEND_RUNS = [(1, 1, 100), (1, 4, 400), (1, 16, 1000), (2, 8, 1000)]


def seed_requests(n: int) -> list:
    """`n` refund requests: a whole refund of each fresh case's one line."""
    from tests.cases.factories import bulk_due_deadlines

    from aftersales.cases.models import CaseLine
    from aftersales.refunds.services import LineRequest, RefundRequest

    ids = bulk_due_deadlines(n, merchants=8)
    lines = CaseLine.objects.filter(case__deadlines__pk__in=ids).select_related("case")
    return [
        RefundRequest(
            case_id=ln.case_id,
            merchant_id=ln.merchant_id,
            order_id=ln.case.order_id,
            currency="CNY",
            lines=(LineRequest(ln.order_line_id, ln.refundable_amount, quantity=ln.quantity),),
        )
        for ln in lines
    ]


def bench_grants(n: int, batch: int) -> None:
    from django.db import connection, transaction

    from aftersales.refunds.services import grant_refunds

    requests = seed_requests(n)
    connection.close()
    wait_for_quiet(threshold=0.3, timeout=20)
    connection.ensure_connection()
    before = CpuSnapshot.take(None, DB_NAME)
    granted = 0
    for i in range(0, len(requests), batch):
        with transaction.atomic(durable=True):
            granted += len(grant_refunds(requests[i : i + batch]))
    after = CpuSnapshot.take(None, DB_NAME)
    cpu = CpuUse.between(before, after, with_database=True)
    wall = after.wall - before.wall
    ms = 1000 * wall / granted
    print(
        f"grants, batches of {batch}: {granted} in {wall:.2f} s = {granted / wall:,.0f} grants/s "
        f"({ms:.2f} ms each); CPU per grant: Python {cpu.client * ms:.2f} ms, PostgreSQL "
        f"{cpu.database * ms:.2f} ms; machine {cpu.machine:.2f} cores busy"
    )


def bench_sends(env: dict[str, str], processes: int, threads: int, n: int, latency: float) -> bool:
    from django.db import connection, transaction
    from django.db.models import Count, F

    from aftersales.refunds.models import FakeProviderCall, Refund
    from aftersales.refunds.services import grant_refunds

    bench_env = {**env, "AFTERSALES_FAKE_PROVIDER_DELAY": str(latency)}
    # Only this run's refunds are due (the grants benchmark's wait, set aside).
    Refund.objects.filter(state="requested").update(next_attempt_at=F("requested_at") + YEAR)
    seed = seed_requests(n)
    with transaction.atomic(durable=True):
        keys = [r.idempotency_key for r in grant_refunds(seed)]
    connection.close()
    wait_for_quiet(threshold=0.3, timeout=20)
    procs = [
        subprocess.Popen(
            [PYTHON, "-c", SENDER.format(threads=threads)],
            env=bench_env,
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    for proc in procs:
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError("a sender did not start")
    before = CpuSnapshot.take(None, DB_NAME)
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    reports = [json.loads(proc.stdout.readline()) for proc in procs]
    after = CpuSnapshot.take(None, DB_NAME)
    for proc in procs:
        proc.stdin.write("stop\n")
        proc.stdin.flush()
        proc.wait(timeout=30)
    wall = after.wall - before.wall
    cpu = CpuUse.between(before, after, with_database=True)
    sent = sum(r["sent"] for r in reports)
    sender_cpu = sum(r["cpu"] for r in reports)
    calls = FakeProviderCall.objects.filter(operation="refund", idempotency_key__in=keys)
    twice = calls.values("idempotency_key").annotate(n=Count("id")).filter(n__gt=1).count()
    succeeded = Refund.objects.filter(idempotency_key__in=keys, state="succeeded").count()
    once = calls.count() == n and twice == 0 and succeeded == n
    connection.close()
    ms = 1000 * wall / max(sent, 1)
    print(
        f"sends, {processes} process{'es' if processes > 1 else ''} × {threads} thread"
        f"{'s' if threads > 1 else ''}: {sent} in {wall:.2f} s = {sent / wall:,.1f} refunds/s "
        f"(ideal at {latency * 1000:.0f} ms latency: {processes * threads / latency:,.0f}/s); "
        f"CPU per refund: senders {1000 * sender_cpu / max(sent, 1):.2f} ms, PostgreSQL "
        f"{cpu.database * ms:.2f} ms; machine {cpu.machine:.2f} cores busy; provider calls "
        f"{calls.count()} for {n} refunds, sent twice: {twice}, succeeded {succeeded}"
        + ("" if once else "  ERROR: not exactly once")
    )
    return once


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--grants", type=int, default=2000, help="grants per batch size")
    parser.add_argument("--latency", type=float, default=0.05, help="the provider's, seconds")
    args = parser.parse_args()

    m = machine_summary()
    print(
        f"machine: {m['cores']} cores ({m['cpu']}), {m['memory']}; Python {m['python']}, "
        f"Django {m['django']}, PostgreSQL {m['postgresql']} (same machine); load average "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    with fresh_database("postgres", name=DB_NAME) as db:
        env = server_env(db, baseline=False, DJANGO_SETTINGS_MODULE="aftersales.config.settings")
        migrate(env)
        os.environ.update({k: v for k, v in env.items() if k != "PYTHONPATH"})
        import django

        django.setup()
        from django.db import connection

        for batch in (1, 100):
            bench_grants(args.grants, batch)
        ok = all([bench_sends(env, p, t, n, args.latency) for p, t, n in SEND_RUNS])
        print("load average after: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
        connection.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
