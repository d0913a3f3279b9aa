"""Render time of the merchant's case queue and the desk's appeal queue over 100,000 cases in
PostgreSQL: p50 / p95 / max of each page, as served by Django in this process (the view, the
queries, the template; no HTTP server or browser in front).

The data (bulk ORM, not timed): `--cases` (default 100,000) cases over `--merchants` (default
10) merchants, in a mix of states — a third waiting for the merchant's review, a sixth shipped
back awaiting receipt, a sixth approved awaiting the buyer, a tenth in platform review, the rest
closed — each with its open deadline due within ±10 days of now, and two cancelled deadline
rows per case from earlier states (the table is as large as a worn database's). Then each page
is fetched `--requests` times (default 200, after 20 warm-ups) by a logged-in merchant staff
user and a desk specialist, with and without the queue's filters.

Run: `.venv/bin/python bench/pages.py`. It makes and drops its own database,
aftersales_bench_pages."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # `bench` and `tests` from a plain script
sys.path.insert(1, str(REPO / "src"))

from bench._harness import fresh_database, machine_summary, migrate, server_env  # noqa: E402

DB_NAME = "aftersales_bench_pages"
# (state, share, deadline kind, deadline action) — kinds as the flows schedule them.
MIX = (
    ("requested", 0.34, "merchant_review", "approve"),
    ("return_shipped", 0.17, "merchant_confirm_receipt", "refund"),
    ("approved", 0.17, "buyer_ship_return", "close"),
    ("platform_review", 0.10, "platform_ruling", "escalate"),
    ("closed", 0.22, None, None),
)
TYPES = ("return_refund", "return_refund", "return_refund", "exchange", "refund_only")


def seed(n: int, merchants: int) -> None:
    from tests import factories
    from tests.cases.factories import order_for_case

    from aftersales.cases.models import Case, CaseLine, Deadline
    from aftersales.core import clock
    from aftersales.policy import loading

    now = clock.now()
    label = loading.current().label
    shops = []
    for _ in range(merchants):
        merchant = factories.merchant()
        order = order_for_case(merchant)
        shops.append((merchant, order, order.lines.get()))
    plan = []
    for state, share, kind, action in MIX:
        plan += [(state, kind, action)] * round(n * share)
    plan = plan[:n]
    batch = 5000
    for start in range(0, len(plan), batch):
        chunk = plan[start : start + batch]
        cases = Case.objects.bulk_create(
            Case(
                merchant=shops[(start + i) % merchants][0],
                buyer_id=shops[(start + i) % merchants][1].buyer_id,
                order=shops[(start + i) % merchants][1],
                type=TYPES[(start + i) % len(TYPES)],
                reason="no_reason",
                state=state,
                policy_version=label,
                decision={"approval": "merchant", "eligible": True, "reasons": []},
                facts={"shipped": True, "fault": False},
                currency="CNY",
                opened_at=now - timedelta(days=20, seconds=start + i),
                closed_at=now if state == "closed" else None,
            )
            for i, (state, _, _) in enumerate(chunk)
        )
        CaseLine.objects.bulk_create(
            CaseLine(
                case=case,
                merchant_id=case.merchant_id,
                order_line=shops[(start + i) % merchants][2],
                quantity=1,
                decision={},
                refundable_amount=shops[(start + i) % merchants][2].paid_amount,
                holds_quantity=False,
            )
            for i, case in enumerate(cases)
        )
        rows = []
        for i, (case, (state, kind, action)) in enumerate(zip(cases, chunk, strict=True)):
            spread = timedelta(minutes=((start + i) * 7919) % (20 * 24 * 60)) - timedelta(days=10)
            for old in range(2):  # earlier states' deadlines, cancelled when the case moved on
                rows.append(
                    Deadline(
                        case=case,
                        merchant_id=case.merchant_id,
                        case_type=case.type,
                        kind="merchant_review",
                        due_at=now - timedelta(days=15 - old),
                        action="approve",
                        guard_state="requested",
                        rule="TB-02",
                        cancelled_at=now - timedelta(days=18),
                    )
                )
            if kind:
                rows.append(
                    Deadline(
                        case=case,
                        merchant_id=case.merchant_id,
                        case_type=case.type,
                        kind=kind,
                        due_at=now + spread,
                        action=action,
                        guard_state=state,
                        rule="bench",
                    )
                )
        Deadline.objects.bulk_create(rows)
    return shops


def measure(client, path: str, requests: int) -> dict:
    for _ in range(20):
        assert client.get(path).status_code == 200
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    times.sort()
    return {
        "path": path,
        "p50": statistics.median(times),
        "p95": times[int(len(times) * 0.95) - 1],
        "max": times[-1],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--merchants", type=int, default=10)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    m = machine_summary()
    print(
        f"machine: {m['cores']} cores ({m['cpu']}), {m['memory']}; Python {m['python']}, "
        f"Django {m['django']}, PostgreSQL {m['postgresql']} (same machine)"
    )
    with fresh_database("postgres", name=DB_NAME) as db:
        env = server_env(
            db,
            baseline=False,
            DJANGO_SETTINGS_MODULE="aftersales.config.settings",
            ALLOWED_HOSTS="testserver",  # Django's test client, in this process
            AFTERSALES_ENV="development",  # static files from the apps: no collectstatic
        )
        migrate(env)
        os.environ.update({k: v for k, v in env.items() if k != "PYTHONPATH"})
        import django

        django.setup()
        from django.db import connection
        from django.test import Client
        from tests import factories

        from aftersales.accounts.models import Role

        started = time.perf_counter()
        shops = seed(args.cases, args.merchants)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"seeded {args.cases:,} cases in {time.perf_counter() - started:.0f} s")
        merchant = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        merchant.force_login(factories.user(Role.MERCHANT_STAFF, merchant=shops[0][0]))
        desk = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        desk.force_login(factories.user(Role.SPECIALIST))
        results = [
            measure(merchant, "/merchant/", args.requests),
            measure(merchant, "/merchant/?type=exchange", args.requests),
            measure(merchant, "/merchant/?state=return_shipped&overdue=1", args.requests),
            measure(desk, "/desk/", args.requests),
        ]
        print(f"{'page':<48} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        for r in results:
            print(f"{r['path']:<48} {r['p50']:>8.1f} {r['p95']:>8.1f} {r['max']:>8.1f}")
        connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
