"""Orders API under load: POST /api/v1/orders (upsert) against a bare one-row insert.

For each database (SQLite, PostgreSQL or both): a fresh database, `migrate`, a merchant and a
merchant token, then the production server (gunicorn, gthread). Against that one server, the
same closed-loop load — N clients, each request a distinct order (1–4 lines, Chinese titles, an
order-level discount so allocation runs), 80 % new orders and 20 % re-sent earlier ones
(updates) — goes first to the bare endpoint POST /api/bench/baseline (same middleware, same
bearer token, same body; it parses the JSON and inserts one row), then to POST /api/v1/orders.
Prints req/s, p50/p99 and errors for both, and the ratio orders ÷ baseline.

    .venv/bin/python bench/orders_api.py [--seconds 15] [--clients 8] [--db sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `bench` from a plain script

from bench._harness import (
    LoadResult,
    Request,
    Server,
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

ORDERS_PATH = "/api/v1/orders"
BASELINE_PATH = "/api/bench/baseline"
MERCHANT = "m-bench"
UPDATE_SHARE = 0.2
CST = timezone(timedelta(hours=8))
CENT = Decimal("0.01")

# (sku, title, category, unit price, attributes)
PRODUCTS = [
    ("TS-RED-M", "纯棉圆领T恤 红色 M码", "apparel", "59.00", {}),
    ("JN-BLU-30", "直筒牛仔裤 水洗蓝 30码", "apparel", "169.00", {}),
    ("DJ-BLK-L", "轻薄羽绒服 黑色 L码", "apparel", "399.00", {}),
    ("SN-WHT-42", "缓震跑步鞋 白色 42码", "shoes_bags", "329.00", {}),
    ("BP-GRY", "通勤双肩包 灰色", "shoes_bags", "199.00", {}),
    ("PH-X1-128", "X1 智能手机 128GB 曜石黑", "electronics", "2999.00", {"warranty_months": 12}),
    ("EB-PRO", "降噪蓝牙耳机 Pro", "electronics", "899.00", {"warranty_months": 12}),
    ("CH-65W", "65W 氮化镓快充充电器", "electronics", "149.00", {"warranty_months": 12}),
    ("RC-4L", "智能电饭煲 4L", "appliances", "399.00", {"warranty_months": 12}),
    ("NUT-GIFT", "每日坚果礼盒 30袋", "food", "139.00", {}),
    ("TEA-LJ-250", "明前龙井 250g", "food", "268.00", {}),
    ("GR-SHINE-2KG", "阳光玫瑰葡萄 2kg 礼盒", "fresh", "128.00", {"fresh_perishable": True}),
    ("LS-MOIST", "玻尿酸保湿精华 30ml", "cosmetics", "219.00", {}),
    ("BK-3BODY", "《三体》全集 典藏版", "books", "168.00", {}),
    ("TOY-BLOCK", "益智积木 500粒 城市系列", "toys", "149.00", {}),
    ("HM-TOWEL", "长绒棉毛巾 三条装", "home", "49.90", {}),
]
GIFTS = [("棉袜一双", "5.00"), ("手机壳", "29.00"), ("试用装小样", "0.00")]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰"]
PLACES = [
    "浙江省杭州市西湖区文三路",
    "上海市浦东新区张江路",
    "北京市海淀区中关村大街",
    "广东省深圳市南山区科技园路",
    "四川省成都市武侯区天府大道",
    "湖北省武汉市洪山区珞喻路",
]
BUYERS_PER_CLIENT = 200  # repeat buyers: the buyer upsert sees existing rows too
ATTR_KEYS = ("customized", "fresh_perishable", "digital", "periodical")


def money(d: Decimal) -> str:
    return str(d.quantize(CENT, rounding=ROUND_HALF_UP))


def _buyer(client: int, rng) -> dict:
    n = rng.randrange(BUYERS_PER_CLIENT)
    r = random.Random(client * 100_000 + n)  # the same buyer every time
    return {
        "external_id": f"bb-{client}-{n}",
        "name": r.choice(SURNAMES) + r.choice(GIVEN),
        "phone": f"13{r.randrange(10**9):09d}",
        "address": f"{r.choice(PLACES)} {r.randrange(1, 999)} 号",
    }


def make_order(external_id: str, client: int, rng) -> dict:
    """One realistic order: 1–4 lines, an order-level discount, paid, maybe shipped."""
    placed = datetime(2026, 11, 1, 9, 0, tzinfo=CST) + timedelta(minutes=rng.randrange(30_000))
    paid = placed + timedelta(minutes=rng.randrange(1, 30))
    lines, subtotal = [], Decimal(0)
    for i, (sku, title, category, price, attrs) in enumerate(
        rng.sample(PRODUCTS, rng.randint(1, 4)), start=1
    ):
        qty = rng.choice((1, 1, 1, 2, 3))
        line_discount = Decimal("10.00") if rng.random() < 0.1 else Decimal(0)
        subtotal += Decimal(price) * qty - line_discount
        attributes = {k: bool(attrs.get(k, False)) for k in ATTR_KEYS}
        attributes["warranty_months"] = attrs.get("warranty_months", 0)
        line = {
            "line_id": str(i),
            "sku": sku,
            "title": title,
            "category": category,
            "quantity": qty,
            "unit_price": price,
            "discount": money(line_discount),
            "attributes": attributes,
            "confirmed_exclusions": [],
            "gifts": [],
        }
        if rng.random() < 0.15:
            gift_title, marked = rng.choice(GIFTS)
            line["gifts"] = [{"title": gift_title, "marked_price": marked}]
        lines.append(line)
    # An order-level coupon that does not divide evenly, so the remainder rule runs too.
    discount = min(subtotal - CENT, Decimal(rng.choice((5, 10, 20, 30, 50))) + Decimal("0.33"))
    discount = max(discount, Decimal(0))
    shipping = Decimal(0) if subtotal >= 99 else Decimal("8.00")
    order = {
        "external_id": external_id,
        "merchant": MERCHANT,
        "buyer": _buyer(client, rng),
        "currency": "CNY",
        "placed_at": placed.isoformat(),
        "paid_at": paid.isoformat(),
        "discount": money(discount),
        "shipping_fee": money(shipping),
        "free_shipping": shipping == 0,
        "freight_insurance": rng.random() < 0.3,
        "lines": lines,
        "payments": [
            {
                "method": rng.choice(("alipay", "wechat", "card")),
                "amount": money(subtotal - discount + shipping),
                "paid_at": paid.isoformat(),
            }
        ],
        "shipments": [],
    }
    if rng.random() < 0.5:
        _ship(order, rng)
    return order


def _ship(order: dict, rng) -> None:
    """What an update usually is: the order got shipped, or the parcel got signed for."""
    paid = datetime.fromisoformat(order["paid_at"])
    if not order["shipments"]:
        shipped = paid + timedelta(hours=rng.randrange(2, 48))
        order["shipments"] = [
            {
                "carrier": rng.choice(("sf", "yto", "zto", "jd")),
                "tracking_no": f"SF{rng.randrange(10**12):012d}",
                "line_ids": [line["line_id"] for line in order["lines"]],
                "shipped_at": shipped.isoformat(),
                "signed_at": None,
                "installed_at": None,
            }
        ]
    else:
        shipment = order["shipments"][0]
        if shipment["signed_at"] is None:
            shipped = datetime.fromisoformat(shipment["shipped_at"])
            shipment["signed_at"] = (shipped + timedelta(hours=rng.randrange(12, 96))).isoformat()


class OrderStream:
    """Per client: 80 % new orders (a fresh external_id), 20 % re-sent earlier ones of the same
    client, updated (shipped or signed) — so no two clients ever write the same order."""

    def __init__(self, path: str, token: str, run_tag: str, idempotency: bool = False) -> None:
        self.path = path
        self.token = token
        self.run_tag = run_tag
        self.idempotency = idempotency
        self.sent: dict[int, list[dict]] = {}

    def __call__(self, client: int, seq: int, rng) -> Request:
        history = self.sent.setdefault(client, [])
        if history and rng.random() < UPDATE_SHARE:
            order = rng.choice(history)
            _ship(order, rng)
            kind = "update"
        else:
            order = make_order(f"BN{self.run_tag}-{client}-{seq:06d}", client, rng)
            history.append(order)
            if len(history) > 500:
                history.pop(0)
            kind = "create"
        request = json_request(self.path, order, token=self.token, kind=kind)
        if self.idempotency:  # a distinct key per request, as a careful shop would send
            request.headers["Idempotency-Key"] = f"{self.run_tag}-{client}-{seq}"
        return request


def run_database(kind: str, args) -> tuple[LoadResult, LoadResult | None]:
    with fresh_database(kind) as db:
        env = server_env(db)
        migrate(env)
        token, how = create_merchant_token(env, MERCHANT, "压测商家")
        server = Server(env, workers=args.workers, threads=args.threads)
        print(f"\n[{db.label}] fresh database, migrated; merchant + token via {how}")
        with server:
            results = []
            wait_for_quiet(timeout=args.quiet_wait)
            baseline = run_load(
                server.address,
                OrderStream(BASELINE_PATH, token, "b", args.idempotency_key),
                name="baseline POST /api/bench/baseline",
                clients=args.clients,
                seconds=args.seconds,
                warmup=args.warmup,
                server_pgid=server.pgid,
                database=db.name,
            )
            results.append(baseline)
            orders = None
            if orders_api_exists(server.address, token):
                wait_for_quiet(timeout=args.quiet_wait)
                orders = run_load(
                    server.address,
                    OrderStream(ORDERS_PATH, token, "o", args.idempotency_key),
                    name="orders POST /api/v1/orders",
                    clients=args.clients,
                    seconds=args.seconds,
                    warmup=args.warmup,
                    server_pgid=server.pgid,
                    database=db.name,
                )
                results.append(orders)
            else:
                print(f"[{db.label}] POST {ORDERS_PATH} does not exist yet: baseline only")
            print(f"[{db.label}] server: {server.description}, port {server.port}")
        print_table(
            f"{db.label}: {args.clients} clients, {args.seconds:g} s measured "
            f"after {args.warmup:g} s warm-up",
            results,
        )
        if orders is not None and baseline.rps:
            print(f"  ratio orders/baseline = {orders.rps / baseline.rps:.2f}")
        if any(r.errors for r in results):
            print(f"  server log tail:\n{server.log_tail(15)}")
        return baseline, orders


def orders_api_exists(address, token: str) -> bool:
    """Whether the route is there: an empty body gets 422 (validation) if so, 404/405 if not."""
    import http.client

    conn = http.client.HTTPConnection(*address, timeout=10)
    req = json_request(ORDERS_PATH, {}, token=token)
    conn.request(req.method, req.path, body=req.body, headers=req.headers)
    status = conn.getresponse().status
    conn.close()
    return status not in (404, 405)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="measured time per endpoint")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured warm-up first")
    parser.add_argument("--clients", type=int, default=8, help="concurrent closed-loop clients")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument(
        "--workers", type=int, default=None, help="server workers (default: the server's own)"
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="threads per worker (default: the server's own)"
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=60.0,
        help="on a shared machine, wait up to this many seconds for other processes to settle "
        "before each load (0: do not wait)",
    )
    parser.add_argument(
        "--idempotency-key",
        action="store_true",
        help="send a distinct Idempotency-Key with every request (to both endpoints)",
    )
    args = parser.parse_args(argv)

    sys.stdout.reconfigure(line_buffering=True)  # progress shows up when piped, too
    print_machine(args.clients)
    print(f"background: {background_load():.2f} cores busy before the run (other processes)")
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    failed = False
    for kind in kinds:
        baseline, orders = run_database(kind, args)
        failed |= bool(baseline.errors or (orders and orders.errors))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
