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

Each request's CPU is measured besides its wall time, since the machine is shared: this
process's CPU (the view, the ORM, the template) per request, and the PostgreSQL backend's CPU
(read from /proc for the connection's backend) averaged over the requests. `--sweep` then
fetches every combination of the queue's filters (each state, each type, overdue on and off,
and the search box) `--sweep-requests` times each; `--explain` prints the plan
(EXPLAIN ANALYZE, BUFFERS) of each main page's queue statement.

Run: `.venv/bin/python bench/pages.py`. It makes and drops its own database,
aftersales_bench_pages; `--reuse` keeps it between runs (migrated, seeded once)."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import sys
import tempfile
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


ORDERS_PER_MERCHANT = 50


def _pick(shops: list, k: int) -> tuple:
    """The k-th case's merchant, order, line and type: every merchant gets every type and
    state in the mix (the merchant cycles fastest, then the type, then the order)."""
    merchant, orders = shops[k % len(shops)]
    order, line = orders[(k // len(shops) // len(TYPES)) % len(orders)]
    return merchant, order, line, TYPES[(k // len(shops)) % len(TYPES)]


def seed(n: int, merchants: int) -> None:
    from tests import factories
    from tests.cases.factories import order_for_case

    from aftersales.cases.models import Case, CaseLine, Deadline
    from aftersales.core import clock
    from aftersales.policy import loading

    now = clock.now()
    label = loading.current().label
    shops = []  # per merchant: the merchant and its orders with their line
    for _ in range(merchants):
        merchant = factories.merchant()
        orders = [order_for_case(merchant) for _ in range(ORDERS_PER_MERCHANT)]
        shops.append((merchant, [(o, o.lines.get()) for o in orders]))
    plan = []
    for state, share, kind, action in MIX:
        plan += [(state, kind, action)] * round(n * share)
    plan = plan[:n]
    batch = 5000
    for start in range(0, len(plan), batch):
        chunk = plan[start : start + batch]
        picks = [_pick(shops, start + i) for i in range(len(chunk))]
        cases = Case.objects.bulk_create(
            Case(
                merchant=merchant,
                buyer_id=order.buyer_id,
                order=order,
                type=type_,
                reason="no_reason",
                state=state,
                policy_version=label,
                decision={"approval": "merchant", "eligible": True, "reasons": []},
                facts={"shipped": True, "fault": False},
                currency="CNY",
                opened_at=now - timedelta(days=20, seconds=start + i),
                closed_at=now if state == "closed" else None,
            )
            for i, ((state, _, _), (merchant, order, _line, type_)) in enumerate(
                zip(chunk, picks, strict=True)
            )
        )
        CaseLine.objects.bulk_create(
            CaseLine(
                case=case,
                merchant_id=case.merchant_id,
                order_line=line,
                quantity=1,
                decision={},
                refundable_amount=line.paid_amount,
                holds_quantity=False,
            )
            for case, (_m, _o, line, _t) in zip(cases, picks, strict=True)
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


def _backend_cpu(pid: int) -> float:
    """The PostgreSQL backend's CPU seconds so far (same machine: /proc/<pid>/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _backend_pid() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[max(0, int(len(values) * q) - 1)]


def measure(client, path: str, requests: int, warmups: int = 20) -> dict:
    for _ in range(warmups):
        assert client.get(path).status_code == 200
    pid = _backend_pid()
    walls, cpus = [], []
    backend_before = _backend_cpu(pid)
    for _ in range(requests):
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(path)
        cpus.append((time.process_time() - cpu_started) * 1000)
        walls.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    backend = (_backend_cpu(pid) - backend_before) * 1000 / requests
    return {
        "path": path,
        "p50": statistics.median(walls),
        "p95": _pct(walls, 0.95),
        "max": max(walls),
        "cpu50": statistics.median(cpus),
        "cpu95": _pct(cpus, 0.95),
        "db": backend,
    }


def print_results(results: list[dict]) -> None:
    print(
        f"{'page':<58} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} "
        f"{'cpu p50':>7} {'cpu p95':>7} {'db cpu':>7}"
    )
    for r in results:
        print(
            f"{r['path']:<58} {r['p50']:>7.1f} {r['p95']:>7.1f} {r['max']:>7.1f} "
            f"{r['cpu50']:>7.1f} {r['cpu95']:>7.1f} {r['db']:>7.1f}"
        )


def sweep_paths(search: str) -> list[str]:
    """Every combination of the merchant queue's filters, as its form sends them."""
    from urllib.parse import urlencode

    from aftersales.cases.selectors import MERCHANT_STATES
    from aftersales.policy.vocabulary import REQUEST_TYPES

    paths = []
    for state in ("", *MERCHANT_STATES):
        for type_ in ("", *REQUEST_TYPES):
            for overdue in ("", "1"):
                for q in ("", search):
                    params = {"state": state, "type": type_, "overdue": overdue, "q": q}
                    query = urlencode({k: v for k, v in params.items() if v})
                    paths.append("/merchant/" + (f"?{query}" if query else ""))
    return paths


def explain(actor, **filters) -> str:
    from django.db import connection

    from aftersales.cases import selectors
    from aftersales.web.merchant import QUEUE_COLUMNS

    rows = selectors.merchant_queue(actor, **filters).only(*QUEUE_COLUMNS)[:50]
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(r[0] for r in cursor.fetchall())


def _seeded(name: str) -> int:
    import psycopg

    from bench._harness import PG_ADMIN_URL

    try:
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
        with psycopg.connect(url) as conn:
            return conn.execute("SELECT count(*) FROM cases_case").fetchone()[0]
    except Exception:
        return 0


KEYS = ("SECRET_KEY", "AFTERSALES_PII_KEYS", "AFTERSALES_PII_HASH_KEY")


def _kept_keys(env: dict, *, reuse: bool, fresh: bool) -> dict:
    """With --reuse, the personal-data keys the kept database was seeded with (a new run's
    throwaway keys could not read it): written beside the database's lock file."""
    if not reuse:
        return {}
    path = Path(tempfile.gettempdir()) / f"{DB_NAME}.keys.json"
    if fresh or not path.exists():
        path.write_text(json.dumps({k: env[k] for k in KEYS}))
        path.chmod(0o600)
    return json.loads(path.read_text())


@contextlib.contextmanager
def database(reuse: bool, cases: int):
    """A fresh database, or with --reuse the one kept from an earlier run if it holds the
    cases asked for (yields it and whether it still needs seeding)."""
    from bench._harness import PG_ADMIN_URL, Database

    if reuse and _seeded(DB_NAME) == cases:
        var_dir = Path(tempfile.mkdtemp(prefix="aftersales-bench-pages-"))
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + DB_NAME
        try:
            yield Database(kind="postgres", var_dir=var_dir, url=url, name=DB_NAME), False
        finally:
            shutil.rmtree(var_dir, ignore_errors=True)
        return
    if reuse:
        os.environ["AFTERSALES_BENCH_KEEP_DB"] = "1"
    with fresh_database("postgres", name=DB_NAME) as db:
        yield db, True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--merchants", type=int, default=10)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--reuse", action="store_true", help="keep the seeded database")
    parser.add_argument("--sweep", action="store_true", help="every filter combination too")
    parser.add_argument("--sweep-requests", type=int, default=30)
    parser.add_argument("--explain", action="store_true", help="print the queues' plans")
    args = parser.parse_args()
    m = machine_summary()
    print(
        f"machine: {m['cores']} cores ({m['cpu']}), {m['memory']}; Python {m['python']}, "
        f"Django {m['django']}, PostgreSQL {m['postgresql']} (same machine); "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    with database(args.reuse, args.cases) as (db, needs_seed):
        env = server_env(
            db,
            baseline=False,
            DJANGO_SETTINGS_MODULE="aftersales.config.settings",
            ALLOWED_HOSTS="testserver",  # Django's test client, in this process
            AFTERSALES_ENV="development",  # static files from the apps: no collectstatic
        )
        env.update(_kept_keys(env, reuse=args.reuse, fresh=needs_seed))
        migrate(env)
        os.environ.update({k: v for k, v in env.items() if k != "PYTHONPATH"})
        import django

        django.setup()
        from django.db import connection
        from django.test import Client
        from tests import factories

        from aftersales.accounts.actors import actor_for_user
        from aftersales.accounts.models import Merchant, Role

        if needs_seed:
            started = time.perf_counter()
            seed(args.cases, args.merchants)
            print(f"seeded {args.cases:,} cases in {time.perf_counter() - started:.0f} s")
        else:
            print(f"reused {args.cases:,} seeded cases")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        shop = Merchant.objects.order_by("pk").first()
        run = f"{os.getpid()}-{int(time.time())}"  # a reused database has earlier runs' users
        staff = factories.user(Role.MERCHANT_STAFF, merchant=shop, username=f"bench-staff-{run}")
        merchant = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        merchant.force_login(staff)
        desk = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        desk.force_login(factories.user(Role.SPECIALIST, username=f"bench-desk-{run}"))
        from aftersales.cases.models import Case

        shipped = (
            Case.objects.filter(merchant=shop, state="return_shipped")
            .select_related("order")
            .order_by("-pk")
            .first()
        )
        search, order_no = f"#{shipped.pk}", shipped.order.external_id
        results = [
            measure(merchant, "/merchant/", args.requests),
            measure(merchant, "/merchant/?type=exchange", args.requests),
            measure(merchant, "/merchant/?state=return_shipped&overdue=1", args.requests),
            measure(merchant, "/merchant/?state=requested&type=exchange&overdue=1", args.requests),
            measure(merchant, f"/merchant/?q=%23{shipped.pk}", args.requests),
            measure(merchant, f"/merchant/?q={order_no}", args.requests),
            measure(desk, "/desk/", args.requests),
        ]
        print_results(results)
        if args.explain:
            actor = actor_for_user(staff)
            for filters in (
                {},
                {"type": "exchange"},
                {"state": "return_shipped", "overdue": True},
                {"state": "requested", "type": "exchange", "overdue": True},
                {"search": search},
                {"search": order_no},
            ):
                print(f"\nEXPLAIN merchant_queue({filters})")
                print(explain(actor, **filters))
        if args.sweep:
            swept = [
                measure(merchant, path, args.sweep_requests, warmups=3)
                for path in sweep_paths(search)
            ]
            swept.sort(key=lambda r: r["p95"], reverse=True)
            print(f"\nsweep: {len(swept)} filter combinations, the ten slowest by p95:")
            print_results(swept[:10])
            print(
                f"slowest p95 {swept[0]['p95']:.1f} ms; median of the p95s "
                f"{statistics.median(r['p95'] for r in swept):.1f} ms; highest cpu p95 "
                f"{max(r['cpu95'] for r in swept):.1f} ms; highest db cpu "
                f"{max(r['db'] for r in swept):.1f} ms"
            )
        connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
