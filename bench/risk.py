"""Risk scoring inside case creation: what `risk/hooks.score_opened` adds to `open_case`.

A fresh database per backend (a SQLite file; PostgreSQL `aftersales_bench_risk`), `migrate`,
one merchant, buyers with a history (orders over half a year, earlier cases, some linked by a
shared device) so the history read has rows to count. Then, in-process (production settings),
`cases.services.open_case` on fresh orders, alternating with and without the risk hook
registered (interleaved, so a busy machine slows both alike), each in its own transaction.
Prints p50/p90 of the whole opening with and without, their difference, the hook's own time
measured around it, and the history read's own statement (`risk.inputs.gather`): its wall time
per create, and on PostgreSQL its planning and execution time from `EXPLAIN (ANALYZE)` over the
statements the run sent. On PostgreSQL the tables are `ANALYZE`d after the history is loaded, as
autovacuum would have done on a live database.

    .venv/bin/python bench/risk.py [--opens 600] [--buyers 200] [--backends sqlite,postgres]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench._harness import PYTHON, fresh_database, migrate, print_machine, server_env  # noqa: E402


def _inner(opens: int, buyers: int) -> None:
    import django

    django.setup()
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
    gather_ms: list[float] = []

    def watch(execute, sql, params, many, context):
        if "risk_identifier i1" not in sql:
            return execute(sql, params, many, context)
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            gather_ms.append((time.perf_counter() - t0) * 1000)
            gathered.append((sql, params))

    hook_times: list[float] = []
    original = hooks.score_opened

    def timed(case, **kwargs):
        t0 = time.perf_counter()
        original(case, **kwargs)
        hook_times.append(time.perf_counter() - t0)

    with_risk, without = [], []
    with connection.execute_wrapper(watch):
        for i, row in enumerate(fresh):
            on = i % 2 == 0
            opening.OPENED[:] = [timed] if on else []
            t0 = time.perf_counter()
            with transaction.atomic():
                open_on(row)
            (with_risk if on else without).append(time.perf_counter() - t0)
    opening.OPENED[:] = [original]

    def ms(values, q):
        return statistics.quantiles(values, n=100)[q - 1] * 1000

    p50_with, p50_without = statistics.median(with_risk) * 1000, statistics.median(without) * 1000
    print(f"  opens: {len(with_risk)} with risk, {len(without)} without (interleaved)")
    print(f"  open_case p50 without risk: {p50_without:7.3f} ms   p90 {ms(without, 90):7.3f} ms")
    print(f"  open_case p50 with risk:    {p50_with:7.3f} ms   p90 {ms(with_risk, 90):7.3f} ms")
    print(f"  added at p50:               {p50_with - p50_without:7.3f} ms")
    print(f"  the hook itself p50:        {statistics.median(hook_times) * 1000:7.3f} ms   "
          f"p90 {ms(hook_times, 90):7.3f} ms")  # fmt: skip
    print(f"  the history read p50:       {statistics.median(gather_ms):7.3f} ms   "
          f"p90 {ms(gather_ms, 90) / 1000:7.3f} ms  ({len(gather_ms)} statements)")  # fmt: skip
    if connection.vendor == "postgresql":
        _explain(gathered)


def _explain(gathered) -> None:
    """Planning and execution time of the history read, as PostgreSQL reports them."""
    import json
    import statistics

    from django.db import connection

    planning, execution = [], []
    with connection.cursor() as cursor:
        for sql, params in gathered:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
            (plan,) = cursor.fetchone()
            plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
            planning.append(plan["Planning Time"])
            execution.append(plan["Execution Time"])
    print(f"  EXPLAIN ANALYZE of the history read over {len(gathered)} statements: planning p50 "
          f"{statistics.median(planning):.3f} ms, execution p50 {statistics.median(execution):.3f}"
          " ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opens", type=int, default=600)
    parser.add_argument("--buyers", type=int, default=200)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        _inner(args.opens, args.buyers)
        return
    print_machine(1)
    for kind in args.backends.split(","):
        with fresh_database(kind, "aftersales_bench_risk") as db:
            env = server_env(db, baseline=False)
            migrate(env)
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
