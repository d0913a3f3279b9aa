"""Create-case API under load: POST /api/v1/cases against a bare one-row insert, on PostgreSQL.

A fresh database (aftersales_bench_cases), `migrate`, a merchant and its token, the production
server (gunicorn, gthread). Before the load, distinct orders are loaded through POST /orders
(not timed): each request of the load opens a case on an order of its own, so no request finds
its quantity already claimed. The mix: 50 % no-reason returns (`return_refund` on delivered
orders: judged, stored, the merchant's review deadline scheduled), 25 % `refund_only` in transit
(the merchant reviews) and 25 % `refund_only` before shipment (approved and refunded at once by
TB-01: three events, deadlines scheduled and cancelled). The same bodies, with the same token,
go first to the bare endpoint POST /api/bench/baseline (parse, authenticate, insert one row),
then to POST /api/v1/cases. Prints req/s, p50/p99, errors, the ratio cases ÷ baseline, and a
cProfile of creates in-process (Django's test client, production settings) with their SQL.

    .venv/bin/python bench/cases.py [--seconds 15] [--clients 8] [--orders 4000] [--profile 200]
        [--db-name aftersales_bench_cases] [--no-load] [--code PATH]

`--no-load` skips the HTTP load (the orders are still loaded through the API): only the
in-process figures — CPU per create of this process and of its PostgreSQL backend, statements,
where the SQL time goes. `--code PATH` runs another checkout's `src` in-process (A/B against
main from the same script).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # `bench` from a plain script

from bench._harness import (  # noqa: E402
    PYTHON,
    LoadResult,
    Request,
    Server,
    analyze,
    background_load,
    create_merchant_token,
    fresh_database,
    json_request,
    migrate,
    print_machine,
    print_table,
    run_load,
    server_env,
    wait_for_quiet,
)

CASES_PATH = "/api/v1/cases"
ORDERS_PATH = "/api/v1/orders"
BASELINE_PATH = "/api/bench/baseline"
MERCHANT = "m-bench-cases"
DB_NAME = "aftersales_bench_cases"
PORTS = range(8400, 8500)  # this benchmark's share of the machine's ports
# (type, shipped, signed, reason), by share of the load.
MIX = [
    ("return_refund", True, True, "no_reason"),
    ("return_refund", True, True, "no_reason"),
    ("refund_only", True, False, "no_reason"),
    ("refund_only", False, False, "no_reason"),
]
PRODUCTS = [
    ("TS-RED-M", "纯棉圆领T恤 红色 M码", "apparel", "59.00"),
    ("JN-BLU-30", "直筒牛仔裤 水洗蓝 30码", "apparel", "169.00"),
    ("SN-WHT-42", "缓震跑步鞋 白色 42码", "shoes_bags", "329.00"),
    ("BP-GRY", "通勤双肩包 灰色", "shoes_bags", "199.00"),
    ("EB-PRO", "降噪蓝牙耳机 Pro", "electronics", "899.00"),
    ("HM-TOWEL", "长绒棉毛巾 三条装", "home", "49.90"),
    ("TOY-BLOCK", "益智积木 500粒 城市系列", "toys", "149.00"),
]


def free_port() -> int:
    for port in random.sample(list(PORTS), len(PORTS)):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8400-8499")


def make_order(external_id: str, n: int, rng: random.Random) -> tuple[dict, dict]:
    """An order placed three days ago, and the case body that claims from it."""
    type_, shipped, signed, reason = MIX[n % len(MIX)]
    now = datetime.now(UTC)
    paid = (now - timedelta(days=3)).isoformat()
    lines, total = [], Decimal("0.00")
    for i, (sku, title, category, price) in enumerate(
        rng.sample(PRODUCTS, rng.randint(1, 3)), start=1
    ):
        qty = rng.choice((1, 1, 2))
        total += Decimal(price) * qty
        lines.append(
            {
                "line_id": str(i),
                "sku": sku,
                "title": title,
                "category": category,
                "quantity": qty,
                "unit_price": price,
                "discount": "0.00",
                "attributes": {},
                "confirmed_exclusions": [],
                "gifts": [],
            }
        )
    order = {
        "external_id": external_id,
        "merchant": MERCHANT,
        "buyer": {
            "external_id": f"bc-{n % 500}",
            "name": "王芳",
            "phone": f"139{n % 10**8:08d}",
            "address": "浙江省杭州市西湖区文三路 1 号",
        },
        "currency": "CNY",
        "placed_at": paid,
        "paid_at": paid,
        "discount": "0.00",
        "shipping_fee": "0.00",
        "free_shipping": True,
        "freight_insurance": False,
        "lines": lines,
        "payments": [{"method": "alipay", "amount": f"{total:.2f}", "paid_at": paid}],
        "shipments": [
            {
                "carrier": "sf",
                "tracking_no": f"SF{n:012d}",
                "line_ids": [ln["line_id"] for ln in lines],
                "shipped_at": (now - timedelta(days=2)).isoformat(),
                "signed_at": (now - timedelta(days=1)).isoformat() if signed else None,
                "installed_at": None,
            }
        ]
        if shipped
        else [],
    }
    claimed = lines if rng.random() < 0.3 else lines[:1]  # some cases claim every line
    case = {
        "order": external_id,
        "type": type_,
        "reason": reason,
        "description": "买家申请售后",
        "lines": [{"line_id": ln["line_id"], "quantity": ln["quantity"]} for ln in claimed],
    }
    return order, case


def build(count: int, tag: str, seed: int = 7) -> list[tuple[dict, dict]]:
    rng = random.Random(seed)
    return [make_order(f"BC{tag}-{n:06d}", n, rng) for n in range(count)]


def preload(address, token: str, pairs: list[tuple[dict, dict]], threads: int = 8) -> None:
    """POST every order (not timed); any failure stops the benchmark."""
    failures: list[str] = []

    def worker(chunk: list[tuple[dict, dict]]) -> None:
        conn = http.client.HTTPConnection(*address, timeout=60)
        for order, _ in chunk:
            req = json_request(ORDERS_PATH, order, token=token)
            conn.request(req.method, req.path, body=req.body, headers=req.headers)
            resp = conn.getresponse()
            body = resp.read()
            if resp.status not in (200, 201):
                failures.append(f"{resp.status} {body[:200]!r}")
                return
        conn.close()

    pool = [threading.Thread(target=worker, args=(pairs[i::threads],)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    if failures:
        raise RuntimeError(f"loading orders failed: {failures[0]}")


class CaseStream:
    """Each client takes the next unused order of its own share: no two requests claim the same
    quantity. Runs out (and says so) if the load outlasts the preloaded orders."""

    def __init__(self, path: str, token: str, pairs, clients: int) -> None:
        self.path, self.token = path, token
        self.shares = [iter(pairs[i::clients]) for i in range(clients)]
        self.ran_out = False

    def __call__(self, client: int, seq: int, rng) -> Request:
        pair = next(self.shares[client], None)
        if pair is None:
            self.ran_out = True
            return json_request("/api/v1/cases/0/events", {}, token=self.token, method="GET")
        _, case = pair
        return json_request(self.path, case, token=self.token, kind=case["type"])


PROFILE_SNIPPET = r"""
import cProfile, io, json, os, pstats, sys, time
import django
django.setup()
from django.db import connection
def backend_cpu():
    pid = connection.connection.info.backend_pid
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
from django.test import Client
from django.test.utils import CaptureQueriesContext
pairs = json.load(sys.stdin)
token, n_warm = sys.argv[1], int(sys.argv[2])
client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION="Bearer " + token)
def post(path, body):
    r = client.post(path, json.dumps(body), content_type="application/json")
    assert r.status_code == 201, (r.status_code, r.content[:300])
warm, measured = pairs[:n_warm], pairs[n_warm:]
for _, case in warm:
    post("/api/v1/cases", case); post("/api/bench/baseline", case)
out = {}
sql_ms = {}
def timed(execute, sql, params, many, context):
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        key = " ".join(sql.split())[:110]
        sql_ms[key] = sql_ms.get(key, 0.0) + (time.perf_counter() - started) * 1000
for name, path in (("baseline", "/api/bench/baseline"), ("cases", "/api/v1/cases")):
    cpu, wall, db_cpu = time.process_time(), time.perf_counter(), backend_cpu()
    sql_ms.clear()
    with CaptureQueriesContext(connection) as q, connection.execute_wrapper(timed):
        for _, case in measured:
            post(path, case)
    out[name + "_sql"] = sorted(
        ((ms / len(measured), key) for key, ms in sql_ms.items()), reverse=True
    )[:12]
    out[name] = {
        "cpu_ms": (time.process_time() - cpu) / len(measured) * 1000,
        "db_cpu_ms": (backend_cpu() - db_cpu) / len(measured) * 1000,
        "wall_ms": (time.perf_counter() - wall) / len(measured) * 1000,
        "queries": len(q.captured_queries) / len(measured),
    }
profiler = cProfile.Profile()
more = json.loads(sys.argv[3])
profiler.enable()
for case in more:
    post("/api/v1/cases", case)
profiler.disable()
with CaptureQueriesContext(connection) as q:
    post("/api/v1/cases", json.loads(sys.argv[4]))
out["sql_of_one_create"] = [x["sql"][:160] for x in q.captured_queries]
text = io.StringIO()
pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(45)
out["profile"] = text.getvalue()
print(json.dumps(out))
"""


def profile_in_process(env, token: str, pairs, args) -> None:
    """Creates one at a time in-process (no HTTP server): CPU and SQL per request, and where a
    create spends its time."""
    n = args.profile
    warm, measured, profiled, last = pairs[:50], pairs[50 : 50 + n], pairs[50 + n : -1], pairs[-1]
    env = {**env, "DJANGO_SETTINGS_MODULE": "aftersales.config.settings"}
    if args.code:
        code = Path(args.code).resolve() / "src"
        env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(code)])
    proc = subprocess.run(
        [
            PYTHON,
            "-c",
            PROFILE_SNIPPET,
            token,
            str(len(warm)),
            json.dumps([c for _, c in profiled]),
            json.dumps(last[1]),
        ],
        input=json.dumps(warm + measured),
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        print(f"profile failed:\n{proc.stderr[-3000:]}")
        return
    out = json.loads(proc.stdout)
    print(f"\n== In-process, one request at a time ({n} each after {len(warm)} warm-up)")
    for name in ("baseline", "cases"):
        r = out[name]
        print(
            f"  {name:8}  CPU {r['cpu_ms']:.2f} ms  "
            f"PostgreSQL backend CPU {r['db_cpu_ms']:.2f} ms  "
            f"wall {r['wall_ms']:.1f} ms  "
            f"SQL {r['queries']:.1f} statements / request"
        )
    print("\n== Where a create's SQL time goes (wall ms per create, statement's start)")
    for ms, sql in out["cases_sql"]:
        print(f"  {ms:6.2f}  {sql}")
    print(f"\n== SQL of one create ({len(out['sql_of_one_create'])} statements)")
    for sql in out["sql_of_one_create"]:
        print("  " + sql)
    print(f"\n== cProfile of {len(profiled)} creates (cumulative)")
    print(out["profile"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="measured time per endpoint")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured warm-up first")
    parser.add_argument("--clients", type=int, default=8, help="concurrent closed-loop clients")
    parser.add_argument("--orders", type=int, default=4000, help="orders preloaded for the load")
    parser.add_argument("--profile", type=int, default=200, help="creates timed in-process")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--quiet-wait", type=float, default=60.0)
    parser.add_argument("--db-name", default=DB_NAME, help="aftersales_bench*, made afresh")
    parser.add_argument("--no-load", action="store_true", help="in-process figures only")
    parser.add_argument("--code", default=None, help="another checkout's src/ in-process (A/B)")
    args = parser.parse_args(argv)

    sys.stdout.reconfigure(line_buffering=True)
    print_machine(args.clients)
    print(f"background: {background_load():.2f} cores busy before the run (other processes)")
    load_pairs = build(args.orders, "L")
    profile_pairs = build(50 + 2 * args.profile + 1, "P", seed=11)
    with fresh_database("postgres", args.db_name) as db:
        env = server_env(db)
        migrate(env)
        token, how = create_merchant_token(env, MERCHANT, "压测商家")
        server = Server(env, workers=args.workers, threads=args.threads, port=free_port())
        print(f"\n[{db.label}] fresh database, migrated; merchant + token via {how}")
        with server:
            preload(server.address, token, load_pairs + profile_pairs)
            analyze(db)
            print(
                f"[{db.label}] {len(load_pairs) + len(profile_pairs)} orders loaded, ANALYZE "
                "(not timed)"
            )
            results: list[LoadResult] = []
            streams = {}
            for name, path in (
                () if args.no_load else (("baseline", BASELINE_PATH), ("cases", CASES_PATH))
            ):
                wait_for_quiet(timeout=args.quiet_wait)
                streams[name] = CaseStream(path, token, load_pairs, args.clients)
                results.append(
                    run_load(
                        server.address,
                        streams[name],
                        name=f"{name} POST {path}",
                        clients=args.clients,
                        seconds=args.seconds,
                        warmup=args.warmup,
                        server_pgid=server.pgid,
                        database=db.name,
                    )
                )
            print(f"[{db.label}] server: {server.description}, port {server.port}")
        if results:
            print_table(
                f"{db.label}: {args.clients} clients, {args.seconds:g} s measured "
                f"after {args.warmup:g} s warm-up",
                results,
            )
            baseline, cases = results
            if baseline.rps:
                print(f"  ratio cases/baseline = {cases.rps / baseline.rps:.2f}")
        if any(s.ran_out for s in streams.values()):
            print("  WARNING: the preloaded orders ran out; raise --orders")
        if args.profile:
            profile_in_process(env, token, profile_pairs, args)
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
