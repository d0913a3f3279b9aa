"""Rating one month of merchants (credit.rating.compute_month) over N cases (default 100,000)
across M merchants (default 50): the seconds it takes and the SQL statements it sends, on
SQLite and PostgreSQL. Every metric is one grouped query for all merchants, so the statements
grow with merchants (their rating rows), not with cases.

Seeding is bulk ORM, not timed: per case an order paid in the month, its line, the case, its
opening, a merchant step within or past 48 h, a refund for half, an appeal and a ruling for a
tenth. Run: `.venv/bin/python bench/credit_month.py [--cases 100000 --merchants 50 --db both]`.
It makes and drops its own database (`--db-name`, default aftersales_bench_credit).

Besides the wall time it prints CPU: this process's and, on PostgreSQL, the backend's serving
it (wall time is disturbed by whatever else the machine runs), for the whole month and for the
RS-22 count alone (the graded `late_response_rate` and the `late_responses` signal)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(1, str(REPO / "src"))

from bench._harness import PYTHON, fresh_database, machine_summary, migrate, server_env  # noqa: E402

CHILD = r"""
import json, sys, time, random
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo
import django
django.setup()
from django.db import connection
from django.test.utils import CaptureQueriesContext
from aftersales.accounts.models import Buyer, Merchant
from aftersales.cases.models import Case, CaseEvent, CaseLine
from aftersales.orders.models import Order, OrderLine
from aftersales.credit import metrics, signals
from aftersales.credit.metrics import Month
from aftersales.credit.rating import compute_month

TICK = __import__("os").sysconf("SC_CLK_TCK")


def backend_cpu():
    # The PostgreSQL backend serving this connection (SQLite runs in this process).
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def measured(fn):
    c0, b0, t0 = time.process_time(), backend_cpu(), time.perf_counter()
    out = fn()
    return out, {"wall_s": round(time.perf_counter() - t0, 3),
                 "process_cpu_s": round(time.process_time() - c0, 3),
                 "backend_cpu_s": round(backend_cpu() - b0, 3)}

cases, merchants = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(7)
tz = ZoneInfo("Asia/Shanghai")
start = datetime(2026, 10, 1, tzinfo=tz)
shops = Merchant.objects.bulk_create(
    [Merchant(code=f"b{i}", name=f"shop {i}") for i in range(merchants)]
)
buyers = Buyer.objects.bulk_create([Buyer(external_id=f"buyer-{i}") for i in range(2000)])
CATS = ["apparel", "electronics", "home", "food"]
B = 5000
for lo in range(0, cases, B):
    n = min(B, cases - lo)
    at = [start + timedelta(minutes=rng.randrange(0, 30 * 24 * 60 - 5000)) for _ in range(n)]
    ms = [shops[rng.randrange(merchants)] for _ in range(n)]
    orders = Order.objects.bulk_create([
        Order(merchant=m, external_id=f"o{lo+i}", buyer=buyers[rng.randrange(2000)], currency="CNY",
              placed_at=at[i], paid_at=at[i]) for i, m in enumerate(ms)])
    lines = OrderLine.objects.bulk_create([
        OrderLine(order=o, merchant=o.merchant, line_id="1", sku="s", title="t",
                  category=CATS[o.merchant.pk % 4], quantity=1, unit_price=Decimal("100"),
                  paid_amount=Decimal("100")) for o in orders])
    cs = Case.objects.bulk_create([
        Case(merchant=o.merchant, buyer_id=o.buyer_id, order=o, type="return_refund",
             reason=rng.choice(["no_reason", "quality_issue"]), state="refunded",
             policy_version="bench", decision={}, currency="CNY", opened_at=o.placed_at)
        for o in orders])
    CaseLine.objects.bulk_create([
        CaseLine(case=c, merchant=c.merchant, order_line=l, quantity=1, decision={},
                 refundable_amount=Decimal("100")) for c, l in zip(cs, lines)])
    ev = []

    def step(c, hours, kind, role, action, to, **extra):
        ev.append(CaseEvent(case=c, merchant=c.merchant, seq=len(ev) + 1,
                            at=c.opened_at + timedelta(hours=hours), actor_kind=kind,
                            actor_role=role, actor_label=role, action=action, to_state=to,
                            **extra))

    for c in cs:
        first = len(ev)
        step(c, 0, "user", "buyer", "open", "requested")
        step(c, rng.choice([2, 30, 60]), "user", "merchant_staff",
             rng.choice(["approve", "reject"]), "approved")
        if rng.random() < 0.1:
            step(c, 70, "user", "buyer", "appeal", "platform_review")
            ruling = rng.choice(["for_buyer", "for_merchant"])
            step(c, 72, "user", "specialist", "rule", "approved", payload={"ruling": ruling})
        if rng.random() < 0.5:
            step(c, 80, "system", "system", "refund", "refunded", from_state="approved")
        for k, e in enumerate(ev[first:], start=1):
            e.seq = k
    CaseEvent.objects.bulk_create(ev, batch_size=2000)
events = CaseEvent.objects.count()
month = Month.parse("2026-10")
backend_cpu()  # open the connection outside the measured windows
with CaptureQueriesContext(connection) as ctx:
    t = time.perf_counter()
    result, whole = measured(lambda: compute_month(month=month))
    took = time.perf_counter() - t
slowest = sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[:3]
graded, graded_cpu = measured(lambda: metrics.late_response_rate(month))
signal, signal_cpu = measured(lambda: signals.late_responses(month))
late = sum(n for n, _ in graded.values())
print(json.dumps({"seconds": round(took, 2), "statements": len(ctx.captured_queries),
                  "events": events, "merchants": result.merchants, "metric_rows": result.metrics,
                  "month_cpu": whole, "late_response_rate_cpu": graded_cpu,
                  "late_responses_signal_cpu": signal_cpu, "late_requests": int(late),
                  "signal_hits": len(signal),
                  "slowest": [[q["time"], q["sql"][:160]] for q in slowest]}, ensure_ascii=False))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--merchants", type=int, default=50)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--db-name", default="aftersales_bench_credit", help="PostgreSQL db")
    args = parser.parse_args()
    print(json.dumps(machine_summary()))
    for kind in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        with fresh_database(kind, args.db_name) as db:
            env = server_env(db, baseline=False, AFTERSALES_ENV="development", DEBUG="true")
            migrate(env)
            out = subprocess.run(
                [PYTHON, "-c", CHILD, str(args.cases), str(args.merchants)],
                env={**env, "DJANGO_SETTINGS_MODULE": "aftersales.config.settings"},
                cwd=REPO,
                capture_output=True,
                text=True,
                check=False,
            )
            if out.returncode:
                sys.exit(out.stderr[-3000:])
            print(f"{db.label}: {args.cases} cases, {out.stdout.strip()}")


if __name__ == "__main__":
    main()
