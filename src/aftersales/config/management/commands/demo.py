"""`aftersales demo`: idempotent demo data — merchants across categories, buyers, staff for
every role (logins printed), and a few hundred orders signed for over the last 60 days.

Deterministic: the same seed gives the same people, products and orders, and every record has
a natural key (merchant code, username, buyer and order external ids), so running it again
updates what is there instead of duplicating it."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from faker import Faker

from aftersales.accounts.actors import SYSTEM_ACTOR
from aftersales.accounts.models import Buyer, Merchant, Role, User
from aftersales.cases import demo_logistics, refunds_demo
from aftersales.complaints import demo as complaints_demo
from aftersales.core import clock
from aftersales.core.money import CENT
from aftersales.disputes import demo as disputes_demo
from aftersales.guarantee import demo as guarantee_demo
from aftersales.notify import demo as notify_demo

DEMO_PASSWORD = "aftersales-demo"  # noqa: S105 - printed for everyone to use; demo data only
SEED = 20260301


@dataclass(frozen=True)
class Product:
    sku: str
    title: str
    category: str
    price: str
    attributes: dict = field(default_factory=dict)
    gift: tuple[str, str] | None = None  # (title, marked price)
    installed: bool = False


@dataclass(frozen=True)
class DemoMerchant:
    code: str
    name: str
    products: tuple[Product, ...]


MERCHANTS = (
    DemoMerchant(
        "m-apparel",
        "衣品服饰旗舰店",
        (
            Product(
                "TS-RED-M", "纯棉圆领T恤 红色 M码", "apparel", "59.00", gift=("棉袜一双", "5.00")
            ),
            Product("JN-BLU-30", "直筒牛仔裤 水洗蓝 30码", "apparel", "169.00"),
            Product("DJ-BLK-L", "轻薄羽绒服 黑色 L码", "apparel", "399.00"),
            Product("SN-WHT-42", "缓震跑步鞋 白色 42码", "shoes_bags", "329.00"),
            Product("BP-GRY", "通勤双肩包 灰色", "shoes_bags", "199.00"),
        ),
    ),
    DemoMerchant(
        "m-electronics",
        "极客数码专营店",
        (
            Product(
                "PH-X1-128",
                "X1 智能手机 128GB 曜石黑",
                "electronics",
                "2999.00",
                {"warranty_months": 12, "serial_tracked": True},
                gift=("手机壳", "29.00"),
            ),
            Product("EB-PRO", "降噪蓝牙耳机 Pro", "electronics", "899.00", {"warranty_months": 12}),
            Product(
                "CH-65W", "65W 氮化镓快充充电器", "electronics", "149.00", {"warranty_months": 12}
            ),
            Product(
                "AC-1P5",
                "变频空调 1.5匹 挂机",
                "appliances",
                "2599.00",
                {"warranty_months": 72},
                installed=True,
            ),
            Product("RC-4L", "智能电饭煲 4L", "appliances", "399.00", {"warranty_months": 12}),
        ),
    ),
    DemoMerchant(
        "m-fresh",
        "鲜果时光生鲜店",
        (
            Product(
                "GR-SHINE-2KG",
                "阳光玫瑰葡萄 2kg 礼盒",
                "fresh",
                "128.00",
                {"fresh_perishable": True},
            ),
            Product("SA-300G", "冰鲜三文鱼中段 300g", "fresh", "89.00", {"fresh_perishable": True}),
            Product("NUT-GIFT", "每日坚果礼盒 30袋", "food", "139.00"),
            Product("TEA-LJ-250", "明前龙井 250g", "food", "268.00"),
        ),
    ),
    DemoMerchant(
        "m-books",
        "书香图书音像专营店",
        (
            Product("BK-3BODY", "《三体》全集 典藏版", "books", "168.00"),
            Product("BK-HIST", "《中国通史》精装", "books", "98.00"),
            Product(
                "MG-READER-2611", "《读者》2026年第11期", "books", "8.00", {"periodical": True}
            ),
            Product("EB-CODE", "电子书年卡 兑换码", "digital", "188.00", {"digital": True}),
            Product("CD-CLASSIC", "古典音乐精选 CD 套装", "digital", "129.00", {"digital": True}),
        ),
    ),
    DemoMerchant(
        "m-custom",
        "匠心定制工坊",
        (
            Product("PEN-ENGRAVE", "定制刻字钢笔", "customized", "259.00", {"customized": True}),
            Product("TS-PRINT", "定制印花T恤", "customized", "99.00", {"customized": True}),
            Product("MUG-PHOTO", "照片定制马克杯", "customized", "69.00", {"customized": True}),
        ),
    ),
)

PLATFORM_STAFF = (
    ("agent", Role.AGENT, "客服 小李"),
    ("specialist", Role.SPECIALIST, "维权专员 王芳"),
    ("quality", Role.QUALITY, "质量 陈工"),
    ("manager", Role.MANAGER, "客服经理 赵敏"),
    ("risk", Role.RISK, "风控 孙磊"),
    ("admin", Role.ADMIN, "平台管理员"),
)
CARRIERS = ("sf", "jd", "zto", "yto", "sto", "yunda", "ems")

_SHIP = {"carrier": "sf", "tracking_no": "SF9000000001"}
_RETURNED = [
    ("merchant", "approve", {}),
    ("buyer", "ship_return", _SHIP),
    ("merchant", "confirm_receipt", {}),
]
# (type, reason, steps as (party, action, body)): together they leave a case in every state.
DEMO_CASES = [
    ("return_refund", "no_reason", []),
    ("return_refund", "no_reason", [("merchant", "approve", {})]),
    (
        "return_refund",
        "quality_issue",
        [("merchant", "approve", {}), ("buyer", "ship_return", _SHIP)],
    ),
    ("return_refund", "no_reason", _RETURNED),
    ("return_refund", "no_reason", [*_RETURNED, ("merchant", "inspect", {"result": "pass"})]),
    (
        "return_refund",
        "no_reason",
        [*_RETURNED, ("merchant", "inspect", {"result": "pass"}), ("merchant", "refund", {})],
    ),
    ("return_refund", "no_reason", [("merchant", "reject", {"reason": "吊牌已剪，影响二次销售"})]),
    (
        "return_refund",
        "quality_issue",
        [
            ("merchant", "reject", {"reason": "属于正常使用磨损"}),
            ("buyer", "appeal", {"reason": "收到第二天就开线了，有照片"}),
        ],
    ),
    (
        "return_refund",
        "quality_issue",
        [
            ("merchant", "reject", {"reason": "属于正常使用磨损"}),
            ("buyer", "appeal", {"reason": "收到第二天就开线了"}),
            ("platform", "rule", {"ruling": "for_buyer", "reason": "照片显示做工缺陷"}),
        ],
    ),
    ("return_refund", "no_reason", [("buyer", "withdraw", {})]),
    (
        "exchange",
        "quality_issue",
        [
            *_RETURNED,
            ("merchant", "inspect", {"result": "pass"}),
            ("merchant", "ship_replacement", _SHIP),
        ],
    ),
    (
        "exchange",
        "quality_issue",
        [
            *_RETURNED,
            ("merchant", "inspect", {"result": "pass"}),
            ("merchant", "ship_replacement", _SHIP),
            ("buyer", "confirm_replacement", {}),
        ],
    ),
    ("refund_only", "no_reason", []),  # unshipped orders: refunded at once (TB-01)
    ("refund_only", "not_received", []),
    ("repair", "quality_issue", [*_RETURNED, ("merchant", "diagnose", {"note": "主板供电故障"})]),
    ("reissue", "missing_parts", [("merchant", "approve", {})]),
    ("price_protection", "price_drop", []),
]
DEMO_DESCRIPTIONS = {
    "no_reason": "不太合适，想退货",
    "quality_issue": "收到后发现有质量问题，已拍照",
    "missing_parts": "包裹里少了配件",
    "not_received": "物流显示已签收，但我没有收到",
    "price_drop": "购买后降价了，申请价保",
}
PAYMENT_METHODS = ("alipay", "wechat", "card", "balance")


class Command(BaseCommand):
    help = "Load idempotent demo data and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=300, help="orders to create (300)")
        parser.add_argument("--buyers", type=int, default=40, help="buyers to create (40)")

    def handle(self, *args, orders: int, buyers: int, **options):
        if settings.PRODUCTION:
            raise CommandError("demo data is refused in production (AFTERSALES_ENV=production)")
        fake = Faker("zh_CN")
        fake.seed_instance(SEED)
        rng = random.Random(SEED)
        merchants = {m.code: self._merchant(m) for m in MERCHANTS}
        logins = self._staff(merchants)
        logins += self._peer_admins()  # the credit story's peers: a category mean of several
        people = [self._buyer(i, fake) for i in range(1, buyers + 1)]
        logins += self._buyer_logins(people[:2])
        created = updated = 0
        now = clock.now()
        for n in range(1, orders + 1):
            was_created = self._order(n, rng, people, now)
            created += was_created
            updated += not was_created
        cases = self._cases() + refunds_demo.seed_refunds()
        cases += demo_logistics.run()  # each goods-moving flow through the fake carrier
        cases += disputes_demo.run()  # a rejected return appealed, evidence, a partial ruling
        guarantee_demo.seed()  # deposits, settlement and a pay-first to contest
        disputes_demo.execute_and_contest()  # DS-19 platform execution, contested (GF-03)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(merchants)} merchants, {len(people)} buyers, "
                f"{orders} orders ({created} new, {updated} refreshed), "
                f"{cases} new after-sales cases across the flows' states."
            )
        )
        from aftersales.credit import demo as credit_demo
        from aftersales.risk import demo as risk_demo

        self.stdout.write(risk_demo.seed())  # the risk desk's flagged returns
        self.stdout.write(credit_demo.seed())
        self._print_logins(logins)
        self.stdout.write(complaints_demo.seed_journey())
        self.stdout.write(notify_demo.register_endpoint())

    @transaction.atomic
    def _merchant(self, demo) -> Merchant:
        """`demo`: a DemoMerchant, or a peer shop of the credit story (code and name)."""
        merchant, _ = Merchant.objects.update_or_create(
            code=demo.code, defaults={"name": demo.name}
        )
        return merchant

    def _staff(self, merchants: dict[str, Merchant]) -> list[tuple[str, str, str]]:
        logins = []
        for code, merchant in merchants.items():
            short = code.removeprefix("m-")
            for suffix, role in (("admin", Role.MERCHANT_ADMIN), ("staff", Role.MERCHANT_STAFF)):
                username = f"{short}_{suffix}"
                self._user(username, role, merchant=merchant, display=merchant.name)
                logins.append((username, role.label, merchant.name))
        for username, role, display in PLATFORM_STAFF:
            self._user(username, role, display=display)
            logins.append((username, role.label, display))
        return logins

    def _peer_admins(self) -> list[tuple[str, str, str]]:
        from aftersales.credit import demo as credit_demo

        logins = []
        for peer in credit_demo.PEERS:
            merchant = self._merchant(peer)
            username = peer.code.removeprefix("m-").replace("-", "_") + "_admin"
            self._user(username, Role.MERCHANT_ADMIN, merchant=merchant, display=merchant.name)
            logins.append((username, Role.MERCHANT_ADMIN.label, merchant.name))
        return logins

    def _user(
        self,
        username: str,
        role: Role,
        *,
        merchant: Merchant | None = None,
        buyer: Buyer | None = None,
        display: str = "",
    ) -> User:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "role": role,
                "merchant": merchant,
                "buyer": buyer,
                "first_name": display[:150],
                "is_staff": role == Role.ADMIN,
                "is_superuser": role == Role.ADMIN,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user

    def _buyer(self, n: int, fake: Faker) -> Buyer:
        name, phone, address = fake.name(), fake.phone_number(), fake.address()
        buyer = Buyer.objects.filter(external_id=f"demo-buyer-{n:03d}").first() or Buyer(
            external_id=f"demo-buyer-{n:03d}"
        )
        buyer.name, buyer.address = name, address
        buyer.set_phone(phone)
        buyer.save()
        return buyer

    def _buyer_logins(self, buyers: list[Buyer]) -> list[tuple[str, str, str]]:
        logins = []
        for i, buyer in enumerate(buyers, start=1):
            username = f"buyer{i}"
            self._user(username, Role.BUYER, buyer=buyer, display=buyer.name)
            logins.append((username, Role.BUYER.label, buyer.masked_name))
        return logins

    def _order(self, n: int, rng: random.Random, people: list[Buyer], now) -> bool:
        from aftersales.orders.services import upsert_order

        demo = MERCHANTS[n % len(MERCHANTS)]
        buyer = people[rng.randrange(len(people))]
        signed_days_ago = rng.uniform(0, 60)
        placed = now - timedelta(days=signed_days_ago + rng.uniform(1.5, 4))
        paid = placed + timedelta(minutes=rng.randint(1, 30))
        shipped = paid + timedelta(hours=rng.randint(4, 36))
        # About one order in twelve is still on its way, one in twenty-five not yet shipped.
        state = rng.random()
        signed = None if state < 0.12 else shipped + timedelta(days=rng.uniform(1, 3))
        if signed and signed > now:
            signed = None
        products = rng.sample(demo.products, k=min(len(demo.products), rng.choice((1, 1, 1, 2, 3))))
        lines = []
        for i, product in enumerate(products, start=1):
            lines.append(
                {
                    "line_id": str(i),
                    "sku": product.sku,
                    "title": product.title,
                    "category": product.category,
                    "quantity": rng.choice((1, 1, 1, 2)),
                    "unit_price": product.price,
                    "discount": "0.00",
                    "attributes": {
                        "customized": False,
                        "fresh_perishable": False,
                        "digital": False,
                        "periodical": False,
                        "warranty_months": 0,
                        **product.attributes,
                    },
                    "confirmed_exclusions": [],
                    "gifts": [{"title": product.gift[0], "marked_price": product.gift[1]}]
                    if product.gift
                    else [],
                }
            )
        goods = sum(Decimal(line["unit_price"]) * line["quantity"] for line in lines)
        # 满减: ¥20 off every ¥200, as shops run it.
        discount = (goods // 200) * 20 if rng.random() < 0.4 else Decimal(0)
        free_shipping = goods >= 99
        shipping_fee = Decimal("0.00") if free_shipping else Decimal("10.00")
        due = (goods - discount + shipping_fee).quantize(CENT)
        iso = lambda t: t.isoformat() if t else None  # noqa: E731
        shipments = []
        if state >= 0.04:
            shipments.append(
                {
                    "carrier": (carrier := rng.choice(CARRIERS)),
                    "tracking_no": f"{carrier.upper()}{rng.randrange(10**11, 10**12)}",
                    "line_ids": [line["line_id"] for line in lines],
                    "shipped_at": iso(shipped),
                    "signed_at": iso(signed),
                    "installed_at": iso(signed + timedelta(days=2))
                    if signed and any(p.installed for p in products)
                    else None,
                }
            )
        data = {
            "external_id": f"DEMO-{n:05d}",
            "merchant": demo.code,
            "buyer": {
                "external_id": buyer.external_id,
                "name": buyer.name,
                "phone": buyer.phone,
                "address": buyer.address,
            },
            "currency": "CNY",
            "placed_at": iso(placed),
            "paid_at": iso(paid),
            "discount": f"{discount:.2f}",
            "shipping_fee": f"{shipping_fee:.2f}",
            "free_shipping": free_shipping,
            "freight_insurance": rng.random() < 0.3,
            "lines": lines,
            "payments": [
                {
                    "method": rng.choice(PAYMENT_METHODS),
                    "amount": f"{due:.2f}",
                    "paid_at": iso(paid),
                }
            ],
            "shipments": shipments,
        }
        _, created = upsert_order(actor=SYSTEM_ACTOR, data=data)
        return created

    def _cases(self) -> int:
        """Cases in every state of every flow, each opened and walked through the real services
        (so each has its decision, events and live deadlines). One case per demo order at most:
        an order that has a case already is skipped, which makes this idempotent."""
        from aftersales.accounts.actors import Actor
        from aftersales.cases.models import Case
        from aftersales.cases.services import ActionBody, LineClaim, act, open_case
        from aftersales.core.errors import DomainError
        from aftersales.orders.models import Order

        if Case.objects.filter(order__external_id__startswith="DEMO-").exists():
            return 0  # the demo's cases are there already: running again adds none
        desk = User.objects.get(username="specialist")
        orders = list(
            Order.objects.filter(external_id__startswith="DEMO-", cases__isnull=True)
            .select_related("merchant")
            .prefetch_related("lines", "shipments")
            .order_by("-placed_at")
        )
        made = 0
        for type_, reason, steps in DEMO_CASES:
            # Refund only before shipment shows the automatic refund (TB-01): unshipped first.
            candidates = (
                sorted(orders, key=lambda o: bool(o.shipments.all()))
                if (type_ == "refund_only" and reason == "no_reason")
                else orders
            )
            for order in candidates:
                line = order.lines.all()[0]
                buyer = Actor(
                    kind="token", role="buyer", label="demo buyer", buyer_id=order.buyer_id
                )
                merchant = Actor(
                    kind="user",
                    role="merchant_admin",
                    label=f"{order.merchant.code} admin",
                    merchant_id=order.merchant_id,
                )
                platform = Actor(
                    kind="user", role="specialist", label=desk.username, user_id=desk.pk
                )
                party = {"buyer": buyer, "merchant": merchant, "platform": platform}
                try:
                    with transaction.atomic():
                        case = open_case(
                            actor=buyer,
                            order=order.external_id,
                            type=type_,
                            reason=reason,
                            lines=[
                                LineClaim(
                                    line.line_id,
                                    1,
                                    new_unit_price=(
                                        (line.unit_price * Decimal("0.9")).quantize(CENT)
                                        if type_ == "price_protection"
                                        else None
                                    ),
                                )
                            ],
                            description=DEMO_DESCRIPTIONS.get(reason, ""),
                        )
                        for who, action, body in steps:
                            case = act(
                                case=case, actor=party[who], action=action, body=ActionBody(**body)
                            )
                except DomainError:
                    continue  # not eligible on this order, or not this flow: try the next
                orders.remove(order)
                made += 1
                break
        return made

    def _print_logins(self, logins: list[tuple[str, str, str]]) -> None:
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        width = max(len(u) for u, _, _ in logins) + 2
        for username, role, whom in logins:
            self.stdout.write(f"  {username:<{width}} {role!s:<24} {whom}")
        self.stdout.write("")
