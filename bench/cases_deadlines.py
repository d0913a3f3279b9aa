"""Deadlines fired per second by the deadline worker on PostgreSQL, with one worker process and
with two, over N due deadlines (default 5,000) each, and the ratio of the two rates.

`--type refund_only` (default) is what the kill test uses: a refund-only case waiting in
`requested` whose review deadline has passed, so firing it plans and writes the full step
(approve, then the refund TB-01 chains on entering `approved`: two transitions, two events, the
pending deadlines cancelled, the lines' outcome). `return_refund`: approve only, and the
`approved` state's deadlines scheduled. `mix`: a third each of the refund-only chain, return
cases in `approved` whose buyer never shipped (close, TB-03) and reminders (an event only).
Seeding is bulk ORM (not timed). The workers are separate processes that set Django up,
connect, wait for "go" on stdin, call `timers.fire_due()` until nothing is due and report; the
rate is N / the wall time from "go" to the last one done. Then one batch is profiled with
cProfile in this process, with its SQL statements counted.

Run: `.venv/bin/python bench/cases_deadlines.py` (`--deadlines 5000 --merchants 8 --batch 500
--type refund_only|return_refund|mix --db-name aftersales_bench_deadlines`). It makes and drops
its own database, `--db-name` (it must contain "deadlines", so two scripts never share one)."""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
import time
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

DB_NAME = "aftersales_bench_deadlines"

WORKER = """
import json, sys, time
import django
django.setup()
from django.db import connection
from aftersales.cases import services, timers  # imported before the clock starts
from aftersales.policy import loading
connection.ensure_connection()
loading.current()
print("ready", flush=True)
sys.stdin.readline()
cpu, started = time.process_time(), time.perf_counter()
result = timers.fire_due(batch={batch})
print(json.dumps({{"fired": result.fired, "skipped": result.skipped, "failed": result.failed,
    "seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu}}), flush=True)
"""


TYPE = "refund_only"


def seed(n: int, merchants: int) -> list[int]:
    from tests.cases.factories import bulk_due_deadlines

    if TYPE != "mix":
        return bulk_due_deadlines(n, type=TYPE, merchants=merchants)
    third = n // 3
    return (
        bulk_due_deadlines(n - 2 * third, type="refund_only", merchants=merchants)
        + bulk_due_deadlines(
            third,
            type="return_refund",
            merchants=merchants,
            state="approved",
            action="close",
            kind="buyer_ship_return",
            rule="TB-03",
        )
        + bulk_due_deadlines(third, type="return_refund", merchants=merchants, reminder=True)
    )


def run_workers(env: dict[str, str], count: int, batch: int, dbname: str) -> dict:
    procs = [
        subprocess.Popen(
            [PYTHON, "-c", WORKER.format(batch=batch)],
            env=env,
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    for proc in procs:
        line = proc.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError(f"a worker did not start: {line!r}")
    before = CpuSnapshot.take(None, dbname)
    started = time.perf_counter()
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    reports = [json.loads(proc.stdout.readline()) for proc in procs]
    wall = time.perf_counter() - started
    cpu = CpuUse.between(before, CpuSnapshot.take(None, dbname), with_database=True)
    for proc in procs:
        proc.wait(timeout=30)
    return {"wall": wall, "reports": reports, "cpu": cpu}


def profile_one_batch(batch: int, merchants: int) -> str:
    """One `fire_due(limit=batch)` under cProfile, in this process, with its queries counted."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from aftersales.cases import timers

    seed(batch, merchants)
    timers.fire_due(limit=1)  # warm: policy compiled, first connection made
    profiler = cProfile.Profile()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        profiler.enable()
        result = timers.fire_due(limit=batch - 1)
        profiler.disable()
        wall = time.perf_counter() - started
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats(
        os.environ.get("BENCH_PROFILE_SORT", "cumulative")
    )
    stats.print_stats(28)
    kinds: dict[str, int] = {}
    for q in queries.captured_queries:
        sql = q["sql"].lstrip()
        word = sql.split(" ", 1)[0].upper()
        if word == "SELECT" and "FOR UPDATE" in sql:
            word = "SELECT … FOR UPDATE"
        kinds[word] = kinds.get(word, 0) + 1
    per = max(result.fired, 1)
    head = (
        f"profiled batch: {result}, {wall * 1000 / per:.2f} ms per deadline (under the "
        f"profiler), {len(queries.captured_queries)} SQL statements for the batch: "
        + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
    )
    return head + "\n" + out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deadlines", type=int, default=5000, help="due deadlines per run")
    parser.add_argument(
        "--merchants", type=int, default=8, help="merchants the cases are spread over"
    )
    parser.add_argument("--batch", type=int, default=500, help="fire_due's batch")
    parser.add_argument(
        "--type",
        default="refund_only",
        choices=["refund_only", "return_refund", "mix"],
        help="refund_only: approve + the refund it chains (two transitions); return_refund: "
        "approve; mix: a third each of the refund chain, close (TB-03) and reminders",
    )
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument(
        "--db-name",
        default=DB_NAME,
        help="the PostgreSQL database it makes and drops (aftersales_bench…deadlines…)",
    )
    args = parser.parse_args()
    if "deadlines" not in args.db_name:
        parser.error("--db-name must contain 'deadlines'")
    global TYPE
    TYPE = args.type

    m = machine_summary()
    print(
        f"machine: {m['cores']} cores ({m['cpu']}), {m['memory']}; Python {m['python']}, "
        f"Django {m['django']}, PostgreSQL {m['postgresql']} (same machine)"
    )
    rates = {}
    for workers in (1, 2):
        # Each half on a database of its own, migrated and seeded alike: the second half on the
        # first's database would also pay for its 10,000 fired deadlines (dead rows, grown
        # indexes), 15-25 % more PostgreSQL CPU whichever half goes second.
        with fresh_database("postgres", name=args.db_name) as db:
            env = server_env(
                db, baseline=False, DJANGO_SETTINGS_MODULE="aftersales.config.settings"
            )
            migrate(env)
            os.environ.update({k: v for k, v in env.items() if k != "PYTHONPATH"})
            import django

            django.setup()
            from django.db import connection

            from aftersales.cases.models import Deadline

            ids = seed(args.deadlines, args.merchants)
            connection.close()  # no idle session of ours beside the workers
            wait_for_quiet(threshold=0.3, timeout=20)
            run = run_workers(env, workers, args.batch, args.db_name)
            fired = sum(r["fired"] for r in run["reports"])
            left = Deadline.objects.filter(pk__in=ids, fired_at__isnull=True).count()
            if fired != args.deadlines or left:
                print(f"  ERROR: fired {fired} of {args.deadlines}, {left} left pending")
                return 1
            rates[workers] = fired / run["wall"]
            split = " + ".join(str(r["fired"]) for r in run["reports"])
            handled = sum(r["fired"] + r["skipped"] + r["failed"] for r in run["reports"])
            worker_seconds = sum(r["cpu"] for r in run["reports"])
            worker_cpu = worker_seconds / run["wall"]
            database_seconds = run["cpu"].database * run["wall"]
            print(
                f"{workers} worker{'s' if workers > 1 else ''}: {fired} deadlines ({split}) in "
                f"{run['wall']:.2f} s = {rates[workers]:,.0f} deadlines/s "
                f"({run['wall'] * 1000 / fired * workers:.2f} ms per deadline per worker); "
                f"CPU, cores busy: workers {worker_cpu:.2f}, PostgreSQL backends "
                f"{run['cpu'].database:.2f}, machine {run['cpu'].machine:.2f} "
                f"(others {max(run['cpu'].machine - worker_cpu - run['cpu'].database, 0):.2f})"
            )
            print(
                f"  CPU per deadline: worker {worker_seconds * 1000 / handled:.3f} ms, PostgreSQL "
                f"{database_seconds * 1000 / handled:.3f} ms → at most "
                f"{handled / max(worker_seconds + database_seconds, 1e-9):,.0f} deadlines per "
                "busy core-second"
            )
            if workers == 2 and not args.no_profile:
                print(f"ratio 2 workers / 1 worker: {rates[2] / rates[1]:.2f}x")
                print()
                print(profile_one_batch(args.batch, args.merchants))
            connection.close()
    if args.no_profile:
        print(f"ratio 2 workers / 1 worker: {rates[2] / rates[1]:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
