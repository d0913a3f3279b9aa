"""Risk scoring inside case creation: what `risk/hooks.score_opened` adds to `open_case`.

A fresh database per backend (a SQLite file; PostgreSQL `aftersales_bench_risk`), `migrate`,
one merchant, buyers with a history (orders over half a year, earlier cases, some linked by a
shared device) so the history read has rows to count. Then, in-process (production settings),
`cases.services.open_case` on fresh orders, alternating with and without the risk hook
registered (interleaved, so a busy machine slows both alike), each in its own transaction.
Prints p50/p90 of the whole opening with and without, their difference (the figure that counts:
where the score's row is written inside the case's own statement, the hook's own time no longer
holds its write), the CPU the score adds per open (this process and its PostgreSQL backend), the
hook's own time measured around it, and the history read's own statement (`risk.inputs.gather`):
its wall time per create, and on PostgreSQL its planning and execution time from `EXPLAIN
(ANALYZE)` over the statements the run sent (a statement the code prepared is explained as it
runs: `EXPLAIN EXECUTE` of its prepared statement); the statements by kind, with and without
(wall ms p50 where they ran), the case's own write among them. "Without" registers nothing in
`cases.opening.OPENED` nor in `WRITTEN_WITH_CASE`: no score taken, no row in the case's write.
On PostgreSQL the tables are `ANALYZE`d after the history is loaded, as autovacuum would have
done on a live database. `--code PATH` runs another checkout's `src` (A/B against main from the
same script: `git worktree add --detach ../main-copy main`). `AFTERSALES_BENCH_PLAN=1` also prints
the plans (`EXPLAIN (ANALYZE, BUFFERS)`) of the last history read and of the case's statement
with and without the score's row; `AFTERSALES_BENCH_PROFILE=1` a cProfile of the hook.

    .venv/bin/python bench/risk.py [--opens 600] [--buyers 200] [--backends sqlite,postgres]
        [--db-name aftersales_bench_risk] [--code PATH]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench._harness import PYTHON, fresh_database, migrate, print_machine, server_env  # noqa: E402


def _backend_cpu() -> float:
    """CPU seconds of this connection's PostgreSQL backend so far (same machine), else 0."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    pid = connection.connection.info.backend_pid
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# The hook's statements, by what they start with or read; first the case's own write (on
# PostgreSQL one `INSERT … WITH`, with the score's row inside it where the code writes it there).
KINDS = (
    ("the case's INSERT … WITH", "new_case AS ("),
    ("history read", "risk_identifier i1"),
    ("RS-01 categories", "GROUP BY ol.category"),
    ("score INSERT", 'INSERT INTO "risk_assessment"'),
    ("identifiers INSERT", 'INSERT INTO "risk_identifier"'),
    ("identifiers INSERT", "INSERT INTO risk_identifier "),  # linking.record's own text
)


def _inner(opens: int, buyers: int) -> None:
    import django

    django.setup()
    import aftersales

    print(f"  code: {Path(aftersales.__file__).parent}")
    from datetime import timedelta

    from django.db import connection, transaction

    from aftersales.accounts.actors import SYSTEM_ACTOR, Actor
    from aftersales.accounts.models import Merchant, Role
    from aftersales.cases import opening
    from aftersales.cases import services as cases
    from aftersales.core import clock
    from aftersales.orders.services import upsert_order
    from aftersales.risk import hooks

    merchant = Merchant.objects.create(code="m-bench-risk", name="bench")
    now = clock.now()

    def order(ext: str, buyer: int, days_ago: float) -> str:
        at = (now - timedelta(days=days_ago)).isoformat()
        signed = (now - timedelta(days=max(0.5, days_ago - 2))).isoformat()
        data = {
            "external_id": ext, "merchant": merchant.code,
            "buyer": {"external_id": f"bb-{buyer}", "name": "买家", "phone": f"137{buyer:08d}",
                      "address": f"幸福路 {buyer} 号"},
            "currency": "CNY", "placed_at": at, "paid_at": at, "discount": "0.00",
            "shipping_fee": "0.00", "free_shipping": True, "freight_insurance": False,
            "lines": [{"line_id": "1", "sku": f"SKU-{buyer % 40}", "title": "T恤",
                       "category": "apparel", "quantity": 1, "unit_price": "99.00",
                       "discount": "0.00", "attributes": {"weight_g": 300},
                       "confirmed_exclusions": [], "gifts": []}],
            "payments": [{"method": "card", "amount": "99.00", "paid_at": at}],
            "shipments": [{"carrier": "sf", "tracking_no": "SF1234567890", "line_ids": ["1"],
                           "shipped_at": at, "signed_at": signed, "installed_at": None}],
        }  # fmt: skip
        row, _ = upsert_order(actor=SYSTEM_ACTOR, data=data)
        return row

    def open_on(row, at=None):
        actor = Actor(kind="user", role=Role.BUYER, label="b", buyer_id=row.buyer_id)
        client = {"device": f"dev-{row.buyer_id % 50}", "ip": "203.0.113.9"}
        return cases.open_case(actor=actor, order=row.external_id, merchant=merchant.code,
                               type="return_refund", reason="no_reason", at=at,
                               lines=[cases.LineClaim("1", 1)], client=client)  # fmt: skip

    # History: six orders per buyer over half a year, the older ones partly returned.
    for b in range(buyers):
        for k in range(6):
            row = order(f"h-{b}-{k}", b, 170 - 25 * k)
            if k % 3 == 0:
                open_on(row, at=row.placed_at + timedelta(days=3))
    fresh = [order(f"f-{i}", i % buyers, 2) for i in range(opens)]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    # The history read is the statement that reads risk_identifier (gather's linked accounts).
    gathered: list[tuple[str, Any]] = []
    # {with risk?: {kind: wall ms}}
    by_kind: dict[bool, dict[str, list[float]]] = {
        on: {name: [] for name, _ in KINDS} for on in (True, False)
    }
    risk_on = [False]

    # AFTERSALES_BENCH_PLAN: the case's statement's plan, with risk and without, each the last
    # of its kind (EXPLAIN ANALYZE runs it: inside a savepoint rolled back, before the real one).
    case_plans: dict[bool, list[str]] = {}
    plan_wanted = connection.vendor == "postgresql" and "AFTERSALES_BENCH_PLAN" in os.environ

    def explained(sql, params) -> list[str]:
        sid = transaction.savepoint()
        try:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                return [line for (line,) in cursor.fetchall()]
        finally:
            transaction.savepoint_rollback(sid)

    def watch(execute, sql, params, many, context):
        kind = next((name for name, mark in KINDS if mark in sql), None)
        if kind is None or sql.startswith("EXPLAIN"):
            return execute(sql, params, many, context)
        if plan_wanted and kind == KINDS[0][0]:
            case_plans[risk_on[0]] = explained(sql, params)
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            by_kind[risk_on[0]][kind].append((time.perf_counter() - t0) * 1000)
            if kind == "history read":
                gathered.append((sql, params))

    hook_times: list[float] = []
    rs01_inputs = [0]
    original = hooks.score_opened

    profiler = None
    if os.environ.get("AFTERSALES_BENCH_PROFILE"):
        import cProfile

        profiler = cProfile.Profile(time.process_time)

    def timed(case, **kwargs):
        t0 = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        rows = original(case, **kwargs)
        if profiler is not None:
            profiler.disable()
        hook_times.append(time.perf_counter() - t0)
        # RS-01 across categories can fire (from its minimum of returns): its lines per
        # category are an input (a statement of their own on main before session 8).
        rs01_inputs[0] += any("lines_180d_by_category" in r.snapshot["inputs"] for r in rows)
        return rows

    # Where the code registers the score: in the opening's write (`WRITTEN_WITH_CASE`, the score
    # taken before the case is written) or after it (`OPENED`, main before session 7). "Without"
    # empties both lists: no score taken, no row in the case's statement.
    written_with = getattr(opening, "WRITTEN_WITH_CASE", None)
    kept = (list(opening.OPENED), list(written_with or []))
    score_in_write = bool(written_with) and any(k.rows is original for k in written_with)
    if score_in_write:
        import dataclasses

        with_hooks = ([], [dataclasses.replace(k, rows=timed) for k in written_with])
    else:
        with_hooks = ([timed], [])
    print(f"  the score is written {'in the case’s statement' if score_in_write else 'after it'}")

    with_risk, without = [], []
    cpu = {True: [0.0, 0.0], False: [0.0, 0.0]}  # (process, backend) seconds, with / without
    with connection.execute_wrapper(watch):
        for i, row in enumerate(fresh):
            on = risk_on[0] = i % 2 == 0
            opening.OPENED[:] = with_hooks[0] if on else []
            if written_with is not None:
                written_with[:] = with_hooks[1] if on else []
            c0, b0, t0 = time.process_time(), _backend_cpu(), time.perf_counter()
            with transaction.atomic():
                open_on(row)
            (with_risk if on else without).append(time.perf_counter() - t0)
            cpu[on][0] += time.process_time() - c0
            cpu[on][1] += _backend_cpu() - b0
    opening.OPENED[:] = kept[0]
    if written_with is not None:
        written_with[:] = kept[1]

    def ms(values, q):
        return statistics.quantiles(values, n=100)[q - 1] * 1000

    p50_with, p50_without = statistics.median(with_risk) * 1000, statistics.median(without) * 1000
    print(f"  opens: {len(with_risk)} with risk, {len(without)} without (interleaved)")
    print(f"  open_case p50 without risk: {p50_without:7.3f} ms   p90 {ms(without, 90):7.3f} ms")
    print(f"  open_case p50 with risk:    {p50_with:7.3f} ms   p90 {ms(with_risk, 90):7.3f} ms")
    print(f"  ADDED AT P50 (with − without, the whole opening): {p50_with - p50_without:7.3f} ms")
    print(f"  the hook's own time p50:    {statistics.median(hook_times) * 1000:7.3f} ms   "
          f"p90 {ms(hook_times, 90):7.3f} ms"
          + ("   (its reads and Python only: the score's write is in the case's statement)"
             if score_in_write else "   (its reads, Python and the score's INSERT)"))  # fmt: skip
    print(f"  opens with RS-01's lines per category among their inputs: {rs01_inputs[0]} of "
          f"{len(hook_times)}")  # fmt: skip
    for on, label in ((True, "with risk"), (False, "without")):
        for name, values in by_kind[on].items():
            if values:
                print(f"  {label:9} {name + ' p50:':31} {statistics.median(values):7.3f} ms   "
                      f"({len(values)} statements)")  # fmt: skip
    per = {}
    for on, label in ((False, "without risk"), (True, "with risk")):
        n = len(with_risk if on else without)
        per[on] = (cpu[on][0] / n * 1000, cpu[on][1] / n * 1000)
        print(f"  CPU per open {label + ':':14} process {per[on][0]:6.3f} ms, "
              f"PostgreSQL backend {per[on][1]:6.3f} ms")  # fmt: skip
    print(f"  CPU ADDED PER OPEN: process {per[True][0] - per[False][0]:6.3f} ms, "
          f"PostgreSQL backend {per[True][1] - per[False][1]:6.3f} ms, together "
          f"{sum(per[True]) - sum(per[False]):6.3f} ms")  # fmt: skip
    print("  load average at the end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    if profiler is not None:
        import pstats

        print("  the hook's CPU by function (cProfile, process CPU clock):")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    for on in sorted(case_plans, reverse=True):
        print(f"  the case's statement {'with' if on else 'without'} risk, the last one's plan:")
        print("\n".join("    " + line for line in case_plans[on]))
    if connection.vendor == "postgresql":
        _explain(gathered)


def _numbered(sql: str) -> str:
    """The text psycopg sends for `sql` bound server-side: `%s` marks as `$1`, `$2`, …"""
    marks = iter(range(1, 10_000))
    return re.sub(r"%s", lambda _: f"${next(marks)}", sql)


def _explain(gathered) -> None:
    """Planning and execution time of the history read, as PostgreSQL reports them."""
    import json
    import statistics

    from django.db import connection

    planning, execution = [], []
    prepared_as = 0
    with connection.cursor() as cursor:
        for sql, params in gathered:
            # Prepared by the code? Then explain its prepared statement, as it runs.
            cursor.execute(
                "SELECT name FROM pg_prepared_statements WHERE statement = %s", [_numbered(sql)]
            )
            found = cursor.fetchone()
            if found:
                prepared_as += 1
                marks = ", ".join(["%s"] * len(params))
                cursor.execute(
                    f"EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE {found[0]}({marks})", params
                )
            else:
                cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
            (plan,) = cursor.fetchone()
            plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
            planning.append(plan["Planning Time"])
            execution.append(plan["Execution Time"])
        if "AFTERSALES_BENCH_PLAN" in os.environ and gathered:
            # The last read's plan as text, node by node: where its execution time goes.
            sql, params = gathered[-1]
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, SETTINGS) " + sql, params)
            print("  the last history read's plan:")
            print("\n".join("    " + line for (line,) in cursor.fetchall()))
    print(f"  EXPLAIN ANALYZE of the history read over {len(gathered)} statements"
          f" ({prepared_as} as prepared statements): planning p50 "
          f"{statistics.median(planning):.3f} ms, execution p50 {statistics.median(execution):.3f}"
          " ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opens", type=int, default=600)
    parser.add_argument("--buyers", type=int, default=200)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument(
        "--db-name",
        default="aftersales_bench_risk",
        help="PostgreSQL database (aftersales_bench*), dropped and made again",
    )
    parser.add_argument(
        "--code", default=None, help="another checkout whose src/ runs instead of this one's (A/B)"
    )
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        _inner(args.opens, args.buyers)
        return
    print_machine(1)
    print("load average at the start: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    for kind in args.backends.split(","):
        with fresh_database(kind, args.db_name) as db:
            env = server_env(db, baseline=False)
            migrate(env)
            if args.code:
                code = Path(args.code).resolve() / "src"
                env["PYTHONPATH"] = os.pathsep.join([os.fspath(REPO), os.fspath(code)])
            print(f"\n{kind}:", flush=True)
            subprocess.run(
                [PYTHON, __file__, "--inner", "--opens", str(args.opens), "--buyers",
                 str(args.buyers)],
                env={**env, "DJANGO_SETTINGS_MODULE": "aftersales.config.settings"},
                check=True,
                cwd=os.fspath(REPO),
            )  # fmt: skip


if __name__ == "__main__":
    main()
