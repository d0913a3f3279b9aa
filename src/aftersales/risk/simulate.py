"""`aftersales risk simulate`: a seeded synthetic population run through the real services —
orders through `orders.services.upsert_order`, requests through `cases.services.open_case` (the
policy decides eligibility), steps through `cases.services.act`, the carrier's scans through the
signed tracking webhook handler (`cases.logistics.receive_carrier_events`), inspections with
serial numbers — so every score is the one the platform would store. Then it reads the stored
assessments and reports catch rate per planted pattern, false positives overall and by segment,
precision at review capacity and the share of honest requests no person had to touch.

How the population is kept honest (docs/risk.md): the planted patterns are the behaviours
RISK-SIGNALS.md names (its Signal column and FP-risk column), written as behaviour — what the
abuser does to orders, parcels and timing — never as signal inputs; the thresholds are the
policy's defaults ([I] rows of RISK-SIGNALS.md), not fitted to this population; the hard
negatives are the FP risks that document lists (heavy honest returners, dormitories and parcel
stations, shared family devices, a real defective batch, carrier scale errors and lag).

Everything runs in one transaction that is rolled back at the end unless `keep` is given."""

from __future__ import annotations

import json
import math
import random
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from aftersales.accounts.actors import SYSTEM_ACTOR, Actor
from aftersales.accounts.models import Buyer, Merchant, Role
from aftersales.cases import logistics
from aftersales.cases import services as cases
from aftersales.cases.models import Case
from aftersales.core import clock
from aftersales.core.errors import DomainError
from aftersales.orders.services import upsert_order
from aftersales.policy.services import set_merchant_override
from aftersales.returns import services as returns
from aftersales.returns.carriers import sign
from aftersales.risk import inputs, linking
from aftersales.risk.models import Assessment

# Planted abuse (RISK-SIGNALS.md, signal catalogue): what the abuser does.
PATTERNS = {
    "serial_returner": "buys often and returns most of it, high value (RS-01, RS-02)",
    "wardrobing": "wears apparel and returns it at the end of the window (RS-04)",
    "empty_box": "returns a parcel without the goods (RS-06)",
    "swap": "returns another unit than the one shipped (RS-07)",
    "refund_only": "claims refunds without return on delivered goods (RS-08)",
    "inr_despite_pod": "claims not received on parcels signed for (RS-09)",
    "ring": "several new accounts on one device and payment account, returning together "
    "(RS-03, RS-13)",
    "freight_insurance": "returns nearly every insured order for the 运费险 payout (RS-15)",
}
# Honest look-alikes (RISK-SIGNALS.md, FP-risk column and Evaluation).
HARD_NEGATIVES = {
    "heavy_returner": "orders several sizes, returns many of them, early, unworn",
    "dormitory": "students at one dormitory address",
    "parcel_station": "buyers collecting at one parcel station (驿站)",
    "family_device": "a family ordering on one shared device",
    "defective_batch": "bought from a batch that really is defective, and says so",
    "carrier_noise": "the carrier's scale is off, or reports late",
}
CATEGORIES = ("apparel", "electronics", "home", "cosmetics", "food")
PRICES = {
    "apparel": (59, 499),
    "electronics": (199, 2999),
    "home": (39, 599),
    "cosmetics": (49, 399),
    "food": (19, 129),
}
SIZES = ("S", "M", "L", "XL")
WEIGHTS = {"apparel": 400, "electronics": 900, "home": 1500, "cosmetics": 300, "food": 1000}
HONEST_RETURN_RATE = {
    "apparel": 0.2,
    "electronics": 0.05,
    "home": 0.06,
    "cosmetics": 0.04,
    "food": 0.02,
}
DEFECTIVE_SKU = "home-defect"
DAYS = 170  # the simulated half year, ending at END
# The simulated half year ends at a fixed moment, not when the run starts, so that the same seed
# and N give the same report: return windows, deadlines, weekdays, working hours and the business
# calendar's holidays and 调休 days fall on the same days whenever it runs (docs/risk.md,
# session 7). Wednesday 25 November 2026, noon in Shanghai: inside a normal working week (Mon 23
# – Fri 27, no holiday or adjusted working day in the business calendar); the half year begins
# on Monday 8 June and holds 端午, 中秋 and 国庆 as a real one does, and every deadline after it
# still falls in 2026, a year the calendar knows.
END = datetime(2026, 11, 25, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
# Shared addresses on the allowlist: the dormitory's students and the parcel station's buyers
# live there, and so do the behavioural hard negatives that draw them (SHARED_ADDRESSES).
DORMITORY = "浙江大学紫金港校区 蓝田学园 3 幢"
PARCEL_STATION = "上海市浦东新区 张江镇 菜鸟驿站 18 号"
SHARED_ADDRESSES = {"dormitory": DORMITORY, "parcel_station": PARCEL_STATION}
# Where else a behavioural hard negative may live: in a family, on its shared device (session 10).
SITUATIONS = (*SHARED_ADDRESSES, "family_device")
# Where a return waits for the merchant's receipt: on its way, or refunded first by the fast lane
# at the first scan — its goods are received and graded all the same (RS-04 reads the grades).
RETURNING = ("approved", "refunded_awaiting_return")  # the buyer ships the return from these
RECEIVABLE = (
    "return_shipped",
    "return_delivered",
    "refunded_return_shipped",
    "refunded_return_delivered",
)


@dataclass
class Line:
    sku: str
    category: str
    price: Decimal
    weight_g: int
    serial: str = ""
    spu: str = ""  # a size of a product (the line's attributes `spu` and `size`), or none
    size: str = ""


@dataclass
class Request:
    """One after-sales request the simulated buyer makes, and how it goes."""

    type: str
    reason: str
    position: float  # when in the 7-day window
    abusive: bool
    weight_ratio: float | None = 1.1  # carrier weight ÷ catalogue (None: not weighed)
    returned_serial: str | None = None  # None: the shipped one
    grade: str = "as_new"
    claims: tuple[int, ...] = (0,)  # the order's lines it claims, by position
    case_id: int | None = None
    refused: str = ""


@dataclass
class Order:
    day: float
    line: Line
    insured: bool
    request: Request | None = None
    external_id: str = ""
    more: list[Line] = field(default_factory=list)  # the order's other lines (other sizes)

    @property
    def lines(self) -> list[Line]:
        return [self.line, *self.more]

    def claimed(self) -> list[tuple[str, Line]]:
        """(line id, line) of each line the request claims."""
        return [(str(i + 1), self.lines[i]) for i in self.request.claims]


@dataclass
class SimBuyer:
    key: str
    kind: str  # honest, or a pattern / hard negative name
    abuser: bool
    segment: dict[str, str]
    phone: str
    address: str
    device: str
    payment: str
    orders: list[Order] = field(default_factory=list)
    pk: int | None = None
    group: str = ""  # a ring's accounts share one: the ring is one pattern instance


# --- The population ---------------------------------------------------------------------------


class Planner:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)  # noqa: S311 - a seeded simulation, not a secret
        # The behavioural hard negatives' address situation comes from a stream of its own, so
        # that drawing it leaves every other draw of the population as it was.
        self.situations = random.Random(f"shared-address:{seed}")  # noqa: S311
        # So do the heavy returners' brackets (session 8): the rest of the population as it was.
        self.brackets = random.Random(f"brackets:{seed}")  # noqa: S311
        self.n = 0
        self.skus = {c: [f"{c}-{i:02d}" for i in range(30)] for c in CATEGORIES}

    def next_id(self) -> int:
        self.n += 1
        return self.n

    def line(self, category: str, *, sku: str | None = None, price=None) -> Line:
        low, high = PRICES[category]
        # A few popular products carry most orders (a SKU's others' quality share is readable).
        sku = sku or self.skus[category][min(29, int(self.r.paretovariate(1.2)) - 1)]
        value = Decimal(price or self.r.randint(low, high)).quantize(Decimal("0.01"))
        serial = f"SN{self.next_id():08d}" if category == "electronics" else ""
        return Line(sku, category, value, WEIGHTS[category], serial)

    def buyer(
        self,
        kind: str,
        abuser: bool,
        *,
        new: bool | None = None,
        shared: str = "none",
        address: str | None = None,
        device: str | None = None,
        payment: str | None = None,
    ) -> SimBuyer:
        i = self.next_id()
        tier = self.r.choice(("1", "2", "3"))
        new = self.r.random() < 0.2 if new is None else new
        category = self.r.choice(CATEGORIES)
        return SimBuyer(
            key=f"sim-{i:06d}",
            kind=kind,
            abuser=abuser,
            segment={
                "account_age": "new" if new else "old",
                "city_tier": tier,
                "category": category,
                "shared_address": shared,
            },
            phone=f"139{i:08d}",
            address=address or f"{tier}线城市 幸福路 {i} 号",
            device=device or f"dev-{i}",
            payment=payment or f"pay-{i}",
        )

    def start(self, buyer: SimBuyer) -> float:
        return DAYS - 28 if buyer.segment["account_age"] == "new" else 0.0

    def days(self, buyer: SimBuyer, count: int) -> list[float]:
        begin = self.start(buyer)
        return sorted(self.r.uniform(begin, DAYS - 12) for _ in range(count))

    def honest_request(self, line: Line, rate: float) -> Request | None:
        r = self.r
        if r.random() < 0.03:  # a real quality problem, any product
            kind = r.choice(("return_refund", "refund_only"))
            return Request(kind, "quality_issue", r.uniform(0.05, 0.6), False)
        if r.random() < 0.01:  # a misdelivered parcel
            return Request("refund_only", "not_received", r.uniform(0.05, 0.4), False)
        if r.random() < rate:
            late = r.random() < 0.15  # honest late returns
            grade = "good" if r.random() < 0.25 else ("fair" if r.random() < 0.05 else "as_new")
            return Request(
                "return_refund",
                "no_reason",
                r.uniform(0.85, 0.99) if late else r.uniform(0.05, 0.8),
                False,
                weight_ratio=r.uniform(0.85, 1.4),
                grade=grade,
            )
        return None

    def honest(
        self, buyer: SimBuyer, *, orders: tuple[int, int] = (3, 10), rate_factor: float = 1.0
    ) -> SimBuyer:
        main = buyer.segment["category"]
        for day in self.days(buyer, self.r.randint(*orders)):
            category = main if self.r.random() < 0.6 else self.r.choice(CATEGORIES)
            line = self.line(category)
            rate = min(0.9, HONEST_RETURN_RATE[category] * self.r.uniform(0.5, 1.5) * rate_factor)
            order = Order(day, line, insured=self.r.random() < 0.3)
            order.request = self.honest_request(line, rate)
            buyer.orders.append(order)
        return buyer

    def population(self, n: int) -> list[SimBuyer]:
        out: list[SimBuyer] = []
        per_pattern = max(2, round(n * 0.02))
        per_negative = max(2, round(n * 0.03))
        for pattern in PATTERNS:
            if pattern == "ring":
                made = 0
                while made < per_pattern:
                    members = self.ring()
                    out += members
                    made += len(members)
            else:
                for _ in range(per_pattern):
                    out.append(getattr(self, pattern)())
        out += self.hard_negatives(per_negative, share=per_negative / n)
        while len(out) < n:
            out.append(self.honest(self.buyer("honest", False)))
        return out

    # Planted abuse: behaviour, as RISK-SIGNALS.md describes it.

    def serial_returner(self) -> SimBuyer:
        b = self.buyer("serial_returner", True)
        for day in self.days(b, self.r.randint(8, 14)):
            category = self.r.choice(("apparel", "electronics"))
            line = self.line(category, price=self.r.randint(300, 900))
            order = Order(day, line, insured=False)
            if self.r.random() < 0.85:
                order.request = Request(
                    "return_refund",
                    "no_reason",
                    self.r.uniform(0.1, 0.7),
                    True,
                    weight_ratio=self.r.uniform(0.9, 1.3),
                )
            b.orders.append(order)
        return b

    def wardrobing(self) -> SimBuyer:
        b = self.buyer("wardrobing", True)
        b.segment["category"] = "apparel"
        for day in self.days(b, self.r.randint(6, 10)):
            order = Order(day, self.line("apparel", price=self.r.randint(300, 1200)), False)
            if self.r.random() < 0.7:
                order.request = Request(
                    "return_refund", "no_reason", self.r.uniform(0.88, 0.99), True, grade="fair"
                )
            b.orders.append(order)
        return b

    def empty_box(self) -> SimBuyer:
        b = self.honest(self.buyer("empty_box", True), orders=(2, 5))
        for day in self.days(b, self.r.randint(1, 2)):
            order = Order(day, self.line("electronics", price=self.r.randint(800, 3000)), False)
            order.request = Request(
                "return_refund",
                "no_reason",
                self.r.uniform(0.1, 0.6),
                True,
                weight_ratio=self.r.uniform(0.03, 0.3),
            )
            b.orders.append(order)
        return b

    def swap(self) -> SimBuyer:
        b = self.honest(self.buyer("swap", True), orders=(2, 5))
        for day in self.days(b, self.r.randint(1, 2)):
            order = Order(day, self.line("electronics", price=self.r.randint(800, 3000)), False)
            order.request = Request(
                "return_refund",
                "quality_issue",
                self.r.uniform(0.1, 0.6),
                True,
                weight_ratio=self.r.uniform(0.9, 1.2),
                returned_serial=f"XX{self.next_id():08d}",
            )
            b.orders.append(order)
        return b

    def refund_only(self) -> SimBuyer:
        b = self.buyer("refund_only", True)
        for day in self.days(b, self.r.randint(6, 12)):
            order = Order(
                day, self.line(self.r.choice(CATEGORIES), price=self.r.randint(30, 150)), False
            )
            if self.r.random() < 0.6:
                reason = self.r.choice(("not_as_described", "quality_issue"))
                order.request = Request("refund_only", reason, self.r.uniform(0.05, 0.5), True)
            b.orders.append(order)
        return b

    def inr_despite_pod(self) -> SimBuyer:
        b = self.honest(self.buyer("inr_despite_pod", True), orders=(2, 5))
        for day in self.days(b, self.r.randint(3, 5)):
            order = Order(day, self.line(self.r.choice(CATEGORIES)), False)
            order.request = Request("refund_only", "not_received", self.r.uniform(0.02, 0.3), True)
            b.orders.append(order)
        return b

    def ring(self) -> list[SimBuyer]:
        i = self.next_id()
        device, payment = f"ring-dev-{i}", f"ring-pay-{i}"
        members = []
        week = self.r.uniform(DAYS - 26, DAYS - 14)
        for _ in range(self.r.randint(3, 5)):
            b = self.buyer("ring", True, new=True, device=device, payment=payment)
            b.group = device
            for _ in range(self.r.randint(1, 3)):
                line = self.line(
                    self.r.choice(("apparel", "cosmetics")), price=self.r.randint(150, 400)
                )
                order = Order(week + self.r.uniform(0, 3), line, False)
                order.request = Request(
                    "return_refund", "no_reason", self.r.uniform(0.05, 0.3), True
                )
                b.orders.append(order)
            b.orders.sort(key=lambda o: o.day)
            members.append(b)
        return members

    def freight_insurance(self) -> SimBuyer:
        b = self.buyer("freight_insurance", True)
        for day in self.days(b, self.r.randint(8, 12)):
            order = Order(day, self.line(self.r.choice(("apparel", "home"))), insured=True)
            if self.r.random() < 0.9:
                order.request = Request(
                    "return_refund", "no_reason", self.r.uniform(0.1, 0.8), True
                )
            b.orders.append(order)
        return b

    # Hard negatives: honest people who look like the patterns.

    def situation(self, share: float) -> dict[str, str]:
        """Where a behavioural hard negative lives: at the dormitory's or the parcel station's
        address, or in a family on its shared device, with the share each of those kinds holds
        of the population, else at an address of its own — so that a shared-address cell
        compares situations, not kinds of behaviour. A family is joined once the families are
        made (join_families)."""
        draw = self.situations.random()
        for i, shared in enumerate(SITUATIONS):
            if draw < (i + 1) * share:
                return {"shared": shared, "address": SHARED_ADDRESSES.get(shared)}
        return {}

    def join_families(self, buyers: list[SimBuyer], families: list[int]) -> None:
        """Each behavioural hard negative drawn into a family moves in with one of the families:
        its device and its address become theirs."""
        for b in buyers:
            if b.kind != "family_device" and b.segment["shared_address"] == "family_device":
                i = self.situations.choice(families)
                b.device, b.address = f"family-{i}", f"家庭 {i} 号"

    def bracketing(self, buyer: SimBuyer) -> SimBuyer:
        """The heavy returner's way of buying clothes (RISK-SIGNALS.md RS-05, RS-01's "sizing"):
        half their apparel orders are one product in two or three sizes, bought to try on; the
        size that fits is kept, the others go back at once, unworn, in one request — in place of
        whatever that order's request was."""
        r = self.brackets
        for order in buyer.orders:
            if order.line.category != "apparel" or r.random() >= 0.5:
                continue
            count = r.choice((2, 3))
            first = r.randrange(len(SIZES) - count + 1)
            product, line = order.line.sku, order.line
            sizes = [
                Line(
                    f"{product}-{size}",
                    line.category,
                    line.price,
                    line.weight_g,
                    "",
                    spu=product,
                    size=size,
                )
                for size in SIZES[first : first + count]
            ]
            order.line, order.more = sizes[0], sizes[1:]
            kept = r.randrange(count)
            order.request = Request(
                "return_refund",
                "no_reason",
                r.uniform(0.05, 0.4),
                False,
                weight_ratio=r.uniform(0.85, 1.4),
                claims=tuple(i for i in range(count) if i != kept),
            )
        return buyer

    def hard_negatives(self, per: int, *, share: float = 0.03) -> list[SimBuyer]:
        out = []
        for _ in range(per):
            b = self.buyer("heavy_returner", False, **self.situation(share))
            b.segment["category"] = "apparel"
            out.append(self.bracketing(self.honest(b, orders=(8, 14), rate_factor=2.5)))
        for _ in range(per):
            out.append(
                self.honest(
                    self.buyer(
                        "dormitory",
                        False,
                        shared="dormitory",
                        address=DORMITORY,
                        new=self.r.random() < 0.5,
                    )
                )
            )
        for _ in range(per):
            out.append(
                self.honest(
                    self.buyer(
                        "parcel_station", False, shared="parcel_station", address=PARCEL_STATION
                    )
                )
            )
        made, families = 0, []
        while made < per:
            i = self.next_id()
            families.append(i)
            for _ in range(self.r.randint(2, 4)):
                out.append(
                    self.honest(
                        self.buyer(
                            "family_device",
                            False,
                            shared="family_device",
                            device=f"family-{i}",
                            address=f"家庭 {i} 号",
                        )
                    )
                )
                made += 1
        for _ in range(per * 2):
            b = self.buyer("defective_batch", False, **self.situation(share))
            b = self.honest(b, orders=(2, 6))
            order = Order(
                self.r.uniform(DAYS - 60, DAYS - 12),
                self.line("home", sku=DEFECTIVE_SKU, price=199),
                False,
            )
            if self.r.random() < 0.5:  # the batch is bad: half its buyers report it
                order.request = Request(
                    self.r.choice(("return_refund", "refund_only")),
                    "quality_issue",
                    self.r.uniform(0.05, 0.5),
                    False,
                )
            b.orders.append(order)
            b.orders.sort(key=lambda o: o.day)
            out.append(b)
        for _ in range(per):
            b = self.buyer("carrier_noise", False, **self.situation(share))
            b = self.honest(b, rate_factor=2.0)
            for order in b.orders:
                if order.request and order.request.type == "return_refund":
                    order.request.weight_ratio = self.r.choice((None, self.r.uniform(0.45, 0.8)))
            out.append(b)
        self.join_families(out, families)
        return out


# --- Running it through the platform ----------------------------------------------------------


@dataclass
class Report:
    buyers: int
    requests: int
    refused_by_policy: Counter
    rows: list[dict[str, Any]]
    seeds: tuple[int, ...] = ()

    def lines(self, capacity: float) -> list[str]:
        return render(self, capacity)

    def save(self, path: str | Path) -> None:
        """The report's rows, for `aftersales risk pool` (one seed's run, as JSON)."""
        data = {
            "seeds": list(self.seeds),
            "buyers": self.buyers,
            "requests": self.requests,
            "refused_by_policy": dict(self.refused_by_policy),
            "rows": self.rows,
        }
        Path(path).write_text(json.dumps(data, ensure_ascii=False, sort_keys=True))

    @classmethod
    def load(cls, path: str | Path) -> Report:
        """A run saved by `save`; ValueError naming the file if it is not one."""
        try:
            data = json.loads(Path(path).read_text())
            return cls(
                data["buyers"],
                data["requests"],
                Counter(data["refused_by_policy"]),
                data["rows"],
                tuple(data["seeds"]),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}: not a run saved by simulate --rows ({exc})") from exc


def pool(reports: list[Report]) -> Report:
    """Several seeds' runs as one population: the cells of every segment add up. Each seed's
    buyer keys (sim-000001 …) are its own, so a buyer and a ring are counted per seed."""
    seeds = [seed for report in reports for seed in report.seeds]
    if len(reports) != len(seeds) or len(set(seeds)) != len(seeds):
        raise ValueError(f"pool one report per seed, each seed once (seeds: {seeds})")
    rows = []
    refused: Counter = Counter()
    for report in reports:
        (seed,) = report.seeds
        refused.update(report.refused_by_policy)
        rows += [
            {**row, "buyer": f"{seed}/{row['buyer']}", "group": f"{seed}/{row['group']}"}
            for row in report.rows
        ]
    return Report(
        sum(r.buyers for r in reports), sum(r.requests for r in reports), refused, rows,
        tuple(seeds),
    )  # fmt: skip


def _iso(at: datetime) -> str:
    return at.isoformat()


def _line_json(line_id: str, line: Line) -> dict[str, Any]:
    attributes: dict[str, Any] = {"weight_g": line.weight_g}
    if line.serial:
        attributes["serials"] = [line.serial]
    if line.spu:
        attributes.update(spu=line.spu, size=line.size)
    return {
        "line_id": line_id,
        "sku": line.sku,
        "title": line.sku,
        "category": line.category,
        "quantity": 1,
        "unit_price": f"{line.price:.2f}",
        "discount": "0.00",
        "attributes": attributes,
        "confirmed_exclusions": [],
        "gifts": [],
    }


class Runner:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.r = random.Random(seed + 1)  # noqa: S311 - a seeded simulation, not a secret
        self.end = END  # a fixed moment, not the run's: the same seed, the same calendar
        self.begin = self.end - timedelta(days=DAYS)
        self.events = 0
        self.tracking = 0
        self.merchant: Merchant | None = None
        self.merchant_actor: Actor | None = None
        self.secret = settings.AFTERSALES_CARRIER_WEBHOOK_SECRETS.get("fake", "")
        self.now = self.begin

    @contextmanager
    def simulated_clock(self):
        """The platform's clock at the simulated moment: a later score (the carrier's scan, the
        inspection) reads the history windows and the buyer's trust as of then, as it would
        live, not as of the day the simulation runs."""
        with mock.patch.object(clock, "now", lambda: self.now):
            yield

    def at(self, day: float) -> datetime:
        return self.begin + timedelta(days=day)

    def setup(self) -> None:
        # The merchant's quality rate is kept per process by (merchant id, day): a run rolled
        # back earlier in this process may have left figures under an id SQLite hands out again.
        inputs.forget_merchant_quality()
        code = f"risk-sim-{self.r.randrange(10**9)}"
        self.merchant = Merchant.objects.create(code=code, name="模拟店铺")
        self.merchant_actor = Actor(
            kind="token",
            role="merchant_integration",
            label=f"{code} integration",
            merchant_id=self.merchant.pk,
        )
        returns.set_return_settings(
            actor=self.merchant_actor,
            merchant_id=self.merchant.pk,
            contact_name="仓管",
            contact_phone="13900000000",
            address="广东省深圳市南山区退货仓 1 号",
            carriers=["fake"],
            pickup_carrier="fake",
        )
        # A shop that grants 仅退款 after delivery (PDD-01 as a merchant's own rule): where
        # refund-only abuse (RS-08) can happen at all.
        set_merchant_override(
            actor=SYSTEM_ACTOR,
            merchant=self.merchant,
            override={"rules": {"refund_without_return": {"enabled": True}}},
        )
        for kind, address in SHARED_ADDRESSES.items():
            linking.allow_shared_address(address, shared_type=kind)

    def place(self, buyer: SimBuyer, order: Order, n: int) -> None:
        placed = self.now = self.at(order.day)
        signed = placed + timedelta(days=2)
        order.external_id = f"{buyer.key}-{n}"
        total = sum(line.price for line in order.lines)
        data = {
            "external_id": order.external_id,
            "merchant": self.merchant.code,
            "buyer": {
                "external_id": buyer.key,
                "name": "模拟买家",
                "phone": buyer.phone,
                "address": buyer.address,
            },
            "currency": "CNY",
            "placed_at": _iso(placed),
            "paid_at": _iso(placed),
            "discount": "0.00",
            "shipping_fee": "0.00",
            "free_shipping": True,
            "freight_insurance": order.insured,
            "lines": [_line_json(str(i + 1), line) for i, line in enumerate(order.lines)],
            "payments": [{"method": "card", "amount": f"{total:.2f}", "paid_at": _iso(placed)}],
            "shipments": [
                {
                    "carrier": "sf",
                    "tracking_no": "SF1234567890",
                    "line_ids": [str(i + 1) for i in range(len(order.lines))],
                    "shipped_at": _iso(placed + timedelta(days=1)),
                    "signed_at": _iso(signed),
                    "installed_at": None,
                }
            ],
        }
        row, _ = upsert_order(actor=SYSTEM_ACTOR, data=data)
        buyer.pk = row.buyer_id

    def open(self, buyer: SimBuyer, order: Order) -> Case | None:
        req = order.request
        signed = self.at(order.day) + timedelta(days=2)
        at = signed + timedelta(days=7 * req.position)
        self.now = at
        actor = Actor(kind="user", role=Role.BUYER, label=buyer.key, buyer_id=buyer.pk)
        client = {
            "device": buyer.device,
            "payment": buyer.payment,
            "address": buyer.address,
            "ip": f"10.{self.r.randrange(256)}.{self.r.randrange(256)}.1",
        }
        try:
            case = cases.open_case(
                actor=actor,
                order=order.external_id,
                merchant=self.merchant.code,
                type=req.type,
                reason=req.reason,
                lines=[cases.LineClaim(line_id, 1) for line_id, _ in order.claimed()],
                at=at,
                client=client,
            )
        except DomainError as exc:
            req.refused = f"{req.type}/{req.reason}: {str(exc)[:80]}"
            return None
        req.case_id = case.pk
        return case

    def scan(self, tracking_no: str, status: str, at: datetime, weight: float | None) -> None:
        self.now = at
        self.events += 1
        event = {
            "event_id": f"sim-{self.events}",
            "tracking_no": tracking_no,
            "status": status,
            "at": _iso(at),
            "location": "模拟网点",
        }
        if weight is not None:
            event["weight_g"] = round(weight)
        body = json.dumps({"events": [event]}).encode()
        logistics.receive_carrier_events(
            carrier="fake", body=body, signature=sign(self.secret, body)
        )

    def walk(self, buyer: SimBuyer, order: Order, case: Case) -> None:
        """The request's life after opening: approval, the parcel back, scans, inspection."""
        req = order.request
        at = case.opened_at

        def step(hours: float) -> datetime:
            self.now = at + timedelta(hours=hours)
            return self.now

        if case.state == "requested":
            case = cases.act(case=case, actor=self.merchant_actor, action="approve", at=step(4))
        if case.type != "return_refund" or case.state not in RETURNING:
            return
        self.tracking += 1
        number = f"FK{7_000_000_000 + self.tracking}"
        buyer_actor = Actor(kind="user", role=Role.BUYER, label=buyer.key, buyer_id=buyer.pk)
        case = cases.act(
            case=case,
            actor=buyer_actor,
            action="ship_return",
            at=step(12),
            body=cases.ActionBody(carrier="fake", tracking_no=number),
        )
        claimed = order.claimed()
        expected = sum(line.weight_g for _, line in claimed)
        weight = None if req.weight_ratio is None else expected * req.weight_ratio
        self.scan(number, "picked_up", step(14), weight)
        self.scan(number, "delivered", step(50), None)
        case = Case.objects.select_related("merchant", "buyer", "order").get(pk=case.pk)
        if case.state not in RECEIVABLE:
            return
        case = cases.act(
            case=case, actor=self.merchant_actor, action="confirm_receipt", at=step(54)
        )
        items = []
        for line_id, line in claimed:
            serial = req.returned_serial or line.serial
            items.append(
                {
                    "line_id": line_id,
                    "result": "pass",
                    "grade": req.grade,
                    "disposition": "restock",
                    "serials": [serial] if serial else [],
                }
            )
        case = cases.act(
            case=case,
            actor=self.merchant_actor,
            action="inspect",
            at=step(56),
            body=cases.ActionBody(result="pass", extra={"inspections": items}),
        )
        if case.state != "refunded":  # refunded already by the fast lane: graded, now done
            cases.act(case=case, actor=self.merchant_actor, action="refund", at=step(57))

    def run(self, population: list[SimBuyer]) -> Report:
        timeline = []
        for buyer in population:
            for n, order in enumerate(buyer.orders):
                timeline.append((order.day, 0, buyer, order, n))
                if order.request:
                    timeline.append(
                        (order.day + 2 + 7 * order.request.position, 1, buyer, order, n)
                    )
        timeline.sort(key=lambda item: (item[0], item[1], item[2].key, item[4]))
        with self.simulated_clock():
            self.setup()  # at the half year's beginning, as everything after it
            for _day, kind, buyer, order, n in timeline:
                if kind == 0:
                    self.place(buyer, order, n)
                    continue
                case = self.open(buyer, order)
                if case is not None:
                    self.walk(buyer, order, case)
        return self.report(population)

    def report(self, population: list[SimBuyer]) -> Report:
        requests = [(b, o.request) for b in population for o in b.orders if o.request]
        ids = [r.case_id for _, r in requests if r.case_id]
        scores: dict[int, list[Assessment]] = defaultdict(list)
        for row in Assessment.objects.filter(subject_kind="case", subject_id__in=ids).order_by(
            "at", "id"
        ):
            scores[row.subject_id].append(row)
        rows = []
        for buyer, req in requests:
            if not req.case_id:
                continue
            mine = scores[req.case_id]
            levels = [a.level for a in mine]
            reviewed = any(a.level == "review" or a.needs_review for a in mine)
            friction = "friction" in levels
            rows.append(
                {
                    "buyer": buyer.key,
                    "group": buyer.group or buyer.key,
                    "kind": buyer.kind,
                    "abuser": buyer.abuser,
                    "abusive": req.abusive,
                    "segment": buyer.segment,
                    "flagged": reviewed or friction,
                    "review": reviewed,
                    "score": max((a.score for a in mine), default=0),
                    "codes": sorted({r["code"] for a in mine for r in a.reasons}),
                }
            )
        refused = Counter(r.refused for _, r in requests if r.refused)
        return Report(len(population), len(requests), refused, rows, (self.seed,))


class KeptRun(Exception):
    """The database holds a kept run's buyers: a new run would read their history."""


def simulate(*, buyers: int, seed: int, keep: bool = False) -> Report:
    # A run kept earlier (`--keep`) left buyers with the same keys: a new run's buyers would
    # carry that history, and its figures would not be the seed's.
    if Buyer.objects.filter(external_id__startswith="sim-").exists():
        raise KeptRun(
            "this database holds a kept simulation's buyers (external_id sim-…): run on an "
            "empty database (DATABASE_URL, AFTERSALES_VAR_DIR) so the figures are the seed's"
        )
    population = Planner(seed).population(buyers)
    with transaction.atomic():
        report = Runner(seed).run(population)
        if not keep:
            transaction.set_rollback(True)
    return report


# --- The figures ----------------------------------------------------------------------------


def _rate(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f} %" if whole else "    –  "


SEGMENTS = ("account_age", "city_tier", "category", "shared_address")
# How segment parity is read (docs/risk.md, "How segment parity is read"): decided before the
# figures it judges. A cell of a few dozen requests at a 1 % rate holds 0–3 false positives,
# and the ratio of two such counts is noise.
PARITY_RATIO = 2.0
PARITY_MIN = 100  # honest requests a cell needs to be judged
PARITY_PRIOR = 100  # requests' worth of the overall rate each cell is smoothed with


def wilson(part: int, whole: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of part ÷ whole (95 % by default): sound at 0 and at small
    counts, where the normal approximation is not."""
    if not whole:
        return 0.0, 1.0
    p = part / whole
    centre = p + z * z / (2 * whole)
    spread = z * math.sqrt(p * (1 - p) / whole + z * z / (4 * whole * whole))
    scale = 1 + z * z / whole
    return max(0.0, (centre - spread) / scale), min(1.0, (centre + spread) / scale)


def smoothed(part: int, whole: int, overall: float, prior: int = PARITY_PRIOR) -> float:
    """The rate with `prior` requests' worth of the overall rate added (a Beta prior centred on
    it): a cell with 0 of 150 is not "0 %" but a little below the overall rate."""
    return (part + prior * overall) / (whole + prior)


@dataclass(frozen=True)
class Parity:
    judged: dict[str, float]  # cell: smoothed rate, cells with enough requests
    too_few: list[str]
    ratio: float | None  # highest ÷ lowest smoothed rate of the judged cells
    beyond_noise: list[tuple[str, str]]  # (higher, lower): intervals more than the ratio apart

    @property
    def verdict(self) -> str:
        if self.ratio is None:
            return "cannot be judged (fewer than two cells large enough)"
        if self.ratio <= PARITY_RATIO:
            return "met"
        if self.beyond_noise:
            return "NOT met, beyond noise"
        return "not met on the smoothed rates, within noise"


def parity(cells: dict[str, tuple[int, int]], overall: float) -> Parity:
    judged = {k: smoothed(f, n, overall) for k, (f, n) in cells.items() if n >= PARITY_MIN}
    too_few = [k for k, (_, n) in cells.items() if n < PARITY_MIN]
    ratio = None
    if len(judged) >= 2:
        low, high = min(judged.values()), max(judged.values())
        ratio = high / low if low else (1.0 if not high else math.inf)  # none flagged: equal
    bounds = {k: wilson(*cells[k]) for k in judged}
    apart = [(hi, lo) for hi in bounds for lo in bounds
             if hi != lo and bounds[hi][0] > PARITY_RATIO * bounds[lo][1]]  # fmt: skip
    return Parity(judged, too_few, ratio, apart)


def parity_lines(name: str, cells: dict[str, tuple[int, int]], overall: float) -> list[str]:
    def cell(k: str, f: int, n: int) -> str:
        lo, hi = wilson(f, n)
        return (f"{k} {_rate(f, n).strip()} ({f}/{n}) [{100 * lo:.1f}–{100 * hi:.1f}]"
                f" ~{100 * smoothed(f, n, overall):.2f} %")  # fmt: skip

    judged = parity(cells, overall)
    ratio = "–" if judged.ratio is None else f"{judged.ratio:.2f}"
    verdict = f"    parity: highest ÷ lowest smoothed {ratio}: {judged.verdict}"
    if judged.too_few:
        verdict += f"; too few to judge: {', '.join(judged.too_few)}"
    if judged.beyond_noise:
        verdict += "; beyond noise: " + ", ".join(f"{a} > {PARITY_RATIO:g}× {b}"
                                                  for a, b in judged.beyond_noise)  # fmt: skip
    return [f"  by {name:15} " + ", ".join(cell(k, f, n) for k, (f, n) in cells.items()), verdict]


def causes_line(honest: list[dict[str, Any]], segment: str) -> str:
    """What flagged each cell's honest requests: the reasons of each, joined (RS-01+RS-02)."""
    causes: dict[str, Counter] = defaultdict(Counter)
    for r in honest:
        if r["flagged"]:
            causes[r["segment"][segment]]["+".join(r["codes"]) or "(incomplete)"] += 1
    shown = "; ".join(
        f"{cell} " + ", ".join(f"{why} {n}" for why, n in found.most_common())
        for cell, found in sorted(causes.items())
    )
    return f"    flagged for: {shown or 'nothing'}"


def render(report: Report, capacity: float) -> list[str]:
    rows = report.rows
    seeds = ", ".join(str(seed) for seed in report.seeds)
    out = [
        *([f"seed {seeds}" + (" (pooled)" if len(report.seeds) > 1 else "")] if seeds else []),
        f"buyers {report.buyers}, requests {report.requests} "
        f"({sum(report.refused_by_policy.values())} refused by the eligibility policy, not scored)",
        *(f"  refused {n}: {why}" for why, n in report.refused_by_policy.most_common(5)),
        "",
        "Catch rate per planted pattern (flagged: friction or human review). Per request; per",
        "abuser (flagged at least once); per instance (a ring's accounts are one instance: the",
        "desk sees the linked accounts of the one flagged)",
        f"  {'pattern':20} {'requests':>8} {'caught':>8} {'abusers':>8} {'caught':>8} "
        f"{'instances':>9} {'caught':>8}",
    ]
    caught_all = total_all = 0
    buyers_all: dict[str, bool] = {}
    groups_all: dict[str, bool] = {}
    for pattern in PATTERNS:
        mine = [r for r in rows if r["kind"] == pattern and r["abusive"]]
        caught = sum(r["flagged"] for r in mine)
        by_buyer: dict[str, bool] = {}
        by_group: dict[str, bool] = {}
        for r in mine:
            by_buyer[r["buyer"]] = by_buyer.get(r["buyer"], False) or r["flagged"]
            by_group[r["group"]] = by_group.get(r["group"], False) or r["flagged"]
        caught_all += caught
        total_all += len(mine)
        buyers_all.update(by_buyer)
        groups_all.update(by_group)
        out.append(
            f"  {pattern:20} {len(mine):8} {_rate(caught, len(mine)):>8} {len(by_buyer):8} "
            f"{_rate(sum(by_buyer.values()), len(by_buyer)):>8} {len(by_group):9} "
            f"{_rate(sum(by_group.values()), len(by_group)):>8}"
        )
    out.append(
        f"  {'all planted':20} {total_all:8} {_rate(caught_all, total_all):>8} "
        f"{len(buyers_all):8} {_rate(sum(buyers_all.values()), len(buyers_all)):>8} "
        f"{len(groups_all):9} {_rate(sum(groups_all.values()), len(groups_all)):>8}"
    )
    honest = [r for r in rows if not r["abuser"]]
    fp = sum(r["flagged"] for r in honest)
    out += [
        "",
        f"False positives (honest requests flagged): {fp} of {len(honest)} = "
        f"{_rate(fp, len(honest)).strip()}",
    ]
    groups: dict[str, list] = defaultdict(list)
    for r in honest:
        groups[r["kind"]].append(r)
    kinds = {k: (sum(x["flagged"] for x in v), len(v)) for k, v in sorted(groups.items())}
    shown = ", ".join(f"{k} {_rate(f, n).strip()} ({f}/{n})" for k, (f, n) in kinds.items())
    out.append(f"  by kind: {shown}")
    out += [
        "False positives by segment: rate (flagged/honest requests) [Wilson 95 % interval]",
        f"~ smoothed toward the overall rate by a prior worth {PARITY_PRIOR} requests. Parity (no",
        f"cell above {PARITY_RATIO:g}× another) is judged on the smoothed rates of the cells with",
        f"at least {PARITY_MIN} honest requests; a gap is beyond noise when a cell's interval lies",
        f"wholly above {PARITY_RATIO:g}× another's.",
    ]
    overall = fp / len(honest) if honest else 0.0
    for name in SEGMENTS:
        cells: dict[str, tuple[int, int]] = {}
        for r in honest:
            f, n = cells.get(r["segment"][name], (0, 0))
            cells[r["segment"][name]] = (f + r["flagged"], n + 1)
        out += parity_lines(name, dict(sorted(cells.items())), overall)
        out.append(causes_line(honest, name))
    queue = sorted((r for r in rows if r["review"]), key=lambda r: -r["score"])
    k = max(1, round(capacity * len(rows)))
    top = queue[:k]
    out += [
        "",
        f"Review queue: {len(queue)} requests; capacity {k} ({capacity:.0%} of requests): "
        f"precision {_rate(sum(r['abuser'] for r in top), len(top)).strip()}",
    ]
    untouched = sum(not r["flagged"] for r in honest)
    out.append(
        f"Honest requests resolved with no human touch (allow or warn): "
        f"{_rate(untouched, len(honest)).strip()}"
    )
    codes = Counter(c for r in rows for c in r["codes"])
    out.append("Reasons seen: " + ", ".join(f"{c} {n}" for c, n in sorted(codes.items())))
    wrong = Counter(c for r in honest if r["flagged"] for c in r["codes"] or ["(incomplete)"])
    out.append(
        "Reasons on honest requests flagged: "
        + (", ".join(f"{c} {n}" for c, n in sorted(wrong.items())) or "none")
    )
    missed = Counter(
        r["kind"] + ":" + ("+".join(r["codes"]) or "-")
        for r in rows
        if r["abusive"] and not r["flagged"]
    )
    out.append(
        "Planted requests missed (pattern:reasons seen): "
        + ", ".join(f"{k} {n}" for k, n in missed.most_common(12))
    )
    return out
