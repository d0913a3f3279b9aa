"""Rating one month of merchants (credit.rating.compute_month) over N cases (default 100,000)
across M merchants (default 50): the seconds it takes and the SQL statements it sends, on
SQLite and PostgreSQL. Every metric is one grouped query for all merchants, so the statements
grow with merchants (their rating rows), not with cases.

Seeding is bulk ORM, not timed: per case an order paid in the month, its line, the case, its
opening, a merchant step within or past 48 h, a refund for half, an appeal and a ruling for a
tenth. Run: `.venv/bin/python bench/credit_month.py [--cases 100000 --merchants 50 --db both]`.
It makes and drops its own database (aftersales_bench_credit)."""

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
from aftersales.credit.metrics import Month
from aftersales.credit.rating import compute_month

cases, merchants = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(7)
tz = ZoneInfo("Asia/Shanghai")
start = datetime(2026, 10, 1, tzinfo=tz)
shops = Merchant.objects.bulk_create([Merchant(code=f"b{i}", name=f"shop {i}") for i in range(merchants)])
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
    for c in cs:
        seq = 1
        ev.append(CaseEvent(case=c, merchant=c.merchant, seq=seq, at=c.opened_at, actor_kind="user",
                            actor_role="buyer", actor_label="b", action="open", to_state="requested"))
        seq += 1
        ev.append(CaseEvent(case=c, merchant=c.merchant, seq=seq,
                            at=c.opened_at + timedelta(hours=rng.choice([2, 30, 60])),
                            actor_kind="user", actor_role="merchant_staff", actor_label="m",
                            action=rng.choice(["approve", "reject"]), to_state="approved"))
        if rng.random() < 0.1:
            seq += 1
            ev.append(CaseEvent(case=c, merchant=c.merchant, seq=seq, at=c.opened_at + timedelta(hours=70),
                                actor_kind="user", actor_role="buyer", actor_label="b", action="appeal",
                                to_state="platform_review"))
            seq += 1
            ev.append(CaseEvent(case=c, merchant=c.merchant, seq=seq, at=c.opened_at + timedelta(hours=72),
                                actor_kind="user", actor_role="specialist", actor_label="s", action="rule",
                                to_state="approved", payload={"ruling": rng.choice(["for_buyer", "for_merchant"])}))
        if rng.random() < 0.5:
            seq += 1
            ev.append(CaseEvent(case=c, merchant=c.merchant, seq=seq, at=c.opened_at + timedelta(hours=80),
                                actor_kind="system", actor_role="system", actor_label="s", action="refund",
                                from_state="approved", to_state="refunded"))
    CaseEvent.objects.bulk_create(ev, batch_size=2000)
events = CaseEvent.objects.count()
with CaptureQueriesContext(connection) as ctx:
    t = time.perf_counter()
    result = compute_month(month=Month.parse("2026-10"))
    took = time.perf_counter() - t
print(json.dumps({"seconds": round(took, 2), "statements": len(ctx.captured_queries),
                  "events": events, "merchants": result.merchants, "metric_rows": result.metrics}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--merchants", type=int, default=50)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    print(json.dumps(machine_summary()))
    for kind in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        with fresh_database(kind, "aftersales_bench_credit") as db:
            env = server_env(db, baseline=False, AFTERSALES_ENV="development", DEBUG="true")
            migrate(env)
            out = subprocess.run(
                [PYTHON, "-c", CHILD, str(args.cases), str(args.merchants)],
                env={**env, "DJANGO_SETTINGS_MODULE": "aftersales.config.settings"},
                cwd=REPO, capture_output=True, text=True, check=False,
            )
            if out.returncode:
                sys.exit(out.stderr[-3000:])
            print(f"{db.label}: {args.cases} cases, {out.stdout.strip()}")


if __name__ == "__main__":
    main()
