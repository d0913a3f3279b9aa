"""Demo credit (`aftersales demo`): the after-sales history merchants are rated on, and their
ratings. Each demo shop's category has two peer shops (`PEERS`, made with their logins by the
demo command), and every shop of those categories gets `HISTORY_MONTHS` complete months of
orders and returns, walked through the real services at the hours they happened, as the shop's
conduct that month says (prompt, steady, lax …): a category mean is a mean of peers, and grades
differ and change. Those months are rated oldest first, then this month to date. Besides, a
penalty on the first demo buyer to see and appeal, and a review opened by two shops' flags on
the second. Idempotent: history orders that exist are left as they are (cases included)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction

from aftersales.accounts.actors import SYSTEM_ACTOR, Actor, actor_for_user
from aftersales.accounts.models import Merchant, Role, User
from aftersales.core import clock
from aftersales.core.errors import Conflict, NotFound
from aftersales.credit import services
from aftersales.credit.metrics import Month
from aftersales.credit.models import BuyerPenalty
from aftersales.credit.rating import compute_month

HISTORY_MONTHS = 3  # complete months before this one
ORDERS_PER_MONTH = 12  # per shop: what its rates are counted against
HISTORY_PREFIX = "DEMO-CR-"
HISTORY_BUYERS = 40


@dataclass(frozen=True)
class Goods:
    sku: str
    title: str
    price: str
    attributes: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Shop:
    """A shop of the credit story: its main category, what it sells there (each history order
    has one line of each), and its conduct in each history month, oldest first (a key of
    `CONDUCT`)."""

    code: str
    name: str
    category: str
    goods: tuple[Goods, ...]
    conduct: tuple[str, ...]


_FRESH = {"fresh_perishable": True}
_MADE = {"customized": True}
_WARRANTY = {"warranty_months": 12}

# The demo command's own shops (their catalogues are its), then two peers in each one's category.
DEMO_SHOPS = (
    Shop(
        "m-apparel",
        "衣品服饰旗舰店",
        "apparel",
        (Goods("JN-BLU-30", "直筒牛仔裤 水洗蓝 30码", "169.00"),),
        ("steady", "exemplary", "steady"),
    ),
    Shop(
        "m-electronics",
        "极客数码专营店",
        "electronics",
        (Goods("EB-PRO", "降噪蓝牙耳机 Pro", "899.00", _WARRANTY),),
        ("exemplary", "steady", "exemplary"),
    ),
    Shop(
        "m-fresh",
        "鲜果时光生鲜店",
        "fresh",
        # Two fresh lines an order: its food lines never outnumber them (its main category).
        (
            Goods("GR-SHINE-2KG", "阳光玫瑰葡萄 2kg 礼盒", "128.00", _FRESH),
            Goods("SA-300G", "冰鲜三文鱼中段 300g", "89.00", _FRESH),
        ),
        ("steady", "steady", "exemplary"),
    ),
    Shop(
        "m-books",
        "书香图书音像专营店",
        "books",
        (Goods("BK-3BODY", "《三体》全集 典藏版", "168.00"),),
        ("exemplary", "exemplary", "steady"),
    ),
    Shop(
        "m-custom",
        "匠心定制工坊",
        "customized",
        (Goods("PEN-ENGRAVE", "定制刻字钢笔", "259.00", _MADE),),
        ("steady", "exemplary", "steady"),
    ),
)
PEERS = (
    Shop(
        "m-apparel-linjian",
        "林间棉麻女装店",
        "apparel",
        (Goods("LJ-DRESS", "棉麻连衣裙 米白 M码", "239.00"),),
        ("careless", "lax", "steady"),
    ),
    Shop(
        "m-apparel-chaopai",
        "潮牌速写男装店",
        "apparel",
        (Goods("CP-HOODIE", "加绒连帽卫衣 黑色 L码", "189.00"),),
        ("exemplary", "steady", "lax"),
    ),
    Shop(
        "m-electronics-xindong",
        "芯动数码旗舰店",
        "electronics",
        (Goods("XD-WATCH", "智能手表 S2 运动版", "1299.00", _WARRANTY),),
        ("steady", "lax", "lax"),
    ),
    Shop(
        "m-electronics-huaqiang",
        "华强优品数码店",
        "electronics",
        (Goods("HQ-PB-20K", "20000mAh 移动电源", "159.00", _WARRANTY),),
        ("lax", "steady", "steady"),
    ),
    Shop(
        "m-fresh-nongjia",
        "农家直采生鲜馆",
        "fresh",
        (Goods("NJ-EGG-30", "散养土鸡蛋 30枚", "69.00", _FRESH),),
        ("exemplary", "exemplary", "steady"),
    ),
    Shop(
        "m-fresh-haixian",
        "海鲜码头生鲜店",
        "fresh",
        (Goods("HX-SHRIMP-1KG", "冷冻大虾 1kg", "158.00", _FRESH),),
        ("lax", "careless", "lax"),
    ),
    Shop(
        "m-books-moxiang",
        "墨香书局",
        "books",
        (Goods("MX-POETRY", "《唐诗三百首》注释本", "58.00"),),
        ("steady", "steady", "exemplary"),
    ),
    Shop(
        "m-books-jiushiguang",
        "旧时光二手书店",
        "books",
        (Goods("JS-NOVEL", "《平凡的世界》二手 九成新", "65.00"),),
        ("lax", "lax", "lax"),
    ),
    Shop(
        "m-custom-yinxiang",
        "印象定制馆",
        "customized",
        (Goods("YX-CANVAS", "照片定制帆布包", "89.00", _MADE),),
        ("exemplary", "steady", "steady"),
    ),
    Shop(
        "m-custom-muzuo",
        "木作刻字工作室",
        "customized",
        (Goods("MZ-BOARD", "定制刻字实木砧板", "129.00", _MADE),),
        ("steady", "careless", "lax"),
    ),
)
SHOPS = DEMO_SHOPS + PEERS

_SHIP = {"carrier": "sf", "tracking_no": "SF7000000001"}


def _returned(approve: float, shipped: float, received: float, refunded: float) -> tuple:
    return (
        (approve, "merchant", "approve", {}),
        (shipped, "buyer", "ship_return", _SHIP),
        (received, "merchant", "confirm_receipt", {}),
        (refunded, "merchant", "refund", {}),
    )


# What happens to one request: whether the buyer says the goods are at fault, and each step as
# (hours after the request, party, action, body). The response rule is 48 h (RS-22).
KINDS: dict[str, tuple[bool, tuple]] = {
    "prompt": (False, _returned(3, 20, 50, 52)),
    "slow": (False, _returned(30, 60, 140, 190)),
    "late": (False, _returned(76, 96, 130, 134)),
    "faulty": (True, _returned(4, 24, 56, 58)),
    "upheld": (
        False,
        (
            (6, "merchant", "reject", {"reason": "商品已使用，影响二次销售"}),
            (40, "buyer", "close", {}),
        ),
    ),
    "appealed": (
        True,
        (
            (6, "merchant", "reject", {"reason": "属于正常使用磨损"}),
            (30, "buyer", "appeal", {"reason": "收到就有问题，有照片"}),
            (80, "platform", "rule", {"ruling": "for_merchant", "reason": "照片显示为使用痕迹"}),
        ),
    ),
    "overruled": (
        True,
        (
            (6, "merchant", "reject", {"reason": "属于正常使用磨损"}),
            (30, "buyer", "appeal", {"reason": "收到第二天就坏了，有照片"}),
            (80, "platform", "rule", {"ruling": "for_buyer", "reason": "照片显示做工缺陷"}),
            *_returned(0, 100, 140, 142)[1:],
        ),
    ),
}
# A shop's month: the requests it had, in the order its orders came.
CONDUCT: dict[str, tuple[str, ...]] = {
    "exemplary": ("prompt", "prompt", "prompt", "prompt", "upheld"),
    "steady": ("prompt", "prompt", "prompt", "faulty", "late", "upheld"),
    "lax": ("prompt", "slow", "slow", "faulty", "faulty", "late", "late", "appealed"),
    "careless": ("slow", "slow", "faulty", "late", "late", "appealed", "overruled", "overruled"),
}
# Goods that may not go back without a reason (fresh, made to order): the everyday request
# there is the wrong item sent, which is not a quality refund.
_FAULTLESS_REASON = {"fresh": "wrong_item", "customized": "wrong_item"}
_DESCRIPTION = {"quality_issue": "收到后发现有质量问题，已拍照", "wrong_item": "发错了款式"}


def history_months(now: datetime | None = None) -> list[Month]:
    """The complete months the demo history covers, oldest first."""
    month, out = Month.of(now or clock.now()), []
    for _ in range(HISTORY_MONTHS):
        month = month.previous()
        out.append(month)
    return out[::-1]


def _at(month: Month, day: float) -> datetime:
    # Local 10:00 on the month's `day` (from the 8th: clear of 国庆's first week).
    start = datetime.combine(month.first, time(10), tzinfo=clock.local_zone())
    return start + timedelta(days=day)


def _order_data(shop: Shop, month: Month, n: int) -> tuple[str, dict, datetime]:
    index = SHOPS.index(shop)
    buyer = (n * 7 + index * 11) % HISTORY_BUYERS + 1  # spread so no buyer returns much
    placed = _at(month, 7 + n * 0.6)
    signed = placed + timedelta(days=2)
    paid = sum(Decimal(g.price) for g in shop.goods)
    iso = lambda t: t.isoformat()  # noqa: E731
    external_id = f"{HISTORY_PREFIX}{month.label}-{shop.code.removeprefix('m-')}-{n:02d}"
    data = {
        "external_id": external_id,
        "merchant": shop.code,
        "buyer": {
            "external_id": f"demo-credit-buyer-{buyer:03d}",
            "name": f"信用演示买家{buyer:02d}",
            "phone": f"1390000{buyer:04d}",
            "address": f"浙江省杭州市西湖区文三路 {buyer} 号",
        },
        "currency": "CNY",
        "placed_at": iso(placed),
        "paid_at": iso(placed + timedelta(minutes=5)),
        "discount": "0.00",
        "shipping_fee": "0.00",
        "free_shipping": True,
        "freight_insurance": False,
        "lines": [
            {
                "line_id": str(i),
                "sku": goods.sku,
                "title": goods.title,
                "category": shop.category,
                "quantity": 1,
                "unit_price": goods.price,
                "discount": "0.00",
                "attributes": goods.attributes,
                "confirmed_exclusions": [],
                "gifts": [],
            }
            for i, goods in enumerate(shop.goods, start=1)
        ],
        "payments": [{"method": "alipay", "amount": f"{paid:.2f}", "paid_at": iso(placed)}],
        "shipments": [
            {
                "carrier": "sf",
                "tracking_no": f"SF71{month.first:%y%m}{index:02d}{n:04d}",
                "line_ids": [str(i) for i in range(1, len(shop.goods) + 1)],
                "shipped_at": iso(placed + timedelta(hours=8)),
                "signed_at": iso(signed),
                "installed_at": None,
            }
        ],
    }
    return external_id, data, signed


def _walk(shop: Shop, merchant: Merchant, order, kind: str, opened: datetime, desk: Actor):
    """One request through the case engine, each step at its hour."""
    from aftersales.cases.services import ActionBody, LineClaim, act, open_case

    at_fault, steps = KINDS[kind]
    reason = "quality_issue" if at_fault else _FAULTLESS_REASON.get(shop.category, "no_reason")
    party = {
        "buyer": Actor(kind="token", role="buyer", label="demo buyer", buyer_id=order.buyer_id),
        "merchant": Actor(
            kind="user",
            role="merchant_admin",
            label=f"{shop.code} admin",
            merchant_id=merchant.pk,
        ),
        "platform": desk,
    }
    with transaction.atomic():
        case = open_case(
            actor=party["buyer"],
            order=order.external_id,
            merchant=shop.code,
            type="return_refund",
            reason=reason,
            lines=[LineClaim("1", 1)],
            description=_DESCRIPTION.get(reason, "不太合适，想退货"),
            at=opened,
        )
        for hours, who, action, body in steps:
            case = act(
                case=case,
                actor=party[who],
                action=action,
                body=ActionBody(**body),
                at=opened + timedelta(hours=hours),
            )
    return case


def build_history(now: datetime | None = None) -> tuple[int, int]:
    """Every shop's history for the history months; returns (orders added, requests added).
    A month's orders that exist already are left as they are."""
    from aftersales.orders.models import Order
    from aftersales.orders.services import upsert_order

    merchants = {m.code: m for m in Merchant.objects.filter(code__in=[s.code for s in SHOPS])}
    months = history_months(now)
    have = set(
        Order.objects.filter(external_id__startswith=HISTORY_PREFIX).values_list(
            "external_id", flat=True
        )
    )
    specialist = User.objects.filter(role=Role.SPECIALIST).order_by("id").first()
    desk = actor_for_user(specialist) if specialist else SYSTEM_ACTOR
    orders = requests = 0
    for shop in SHOPS:
        merchant = merchants.get(shop.code)
        if merchant is None:
            continue
        for month, conduct in zip(months, shop.conduct, strict=True):
            kinds = CONDUCT[conduct]
            for n in range(ORDERS_PER_MONTH):
                external_id, data, signed = _order_data(shop, month, n)
                if external_id in have:
                    continue
                order, _ = upsert_order(actor=SYSTEM_ACTOR, data=data)
                orders += 1
                if n < len(kinds):
                    _walk(shop, merchant, order, kinds[n], signed + timedelta(days=1), desk)
                    requests += 1
    return orders, requests


def seed() -> str:
    orders, requests = build_history()
    this = Month.of(clock.now())
    # Oldest first, so the restrictions in force are those of the last complete month.
    rated = [compute_month(month=m, actor=SYSTEM_ACTOR) for m in (*history_months(), this)]
    buyers = list(User.objects.filter(role=Role.BUYER, buyer__isnull=False).order_by("id")[:2])
    desk = User.objects.filter(role=Role.SPECIALIST).order_by("id").first()
    if buyers and desk and not BuyerPenalty.objects.filter(buyer_id=buyers[0].buyer_id).exists():
        services.impose_penalty(
            actor=actor_for_user(desk),
            buyer_id=buyers[0].buyer_id,
            kind="inspect_first",
            reason_code="failed_inspections",
        )
    if len(buyers) > 1:
        from aftersales.orders.models import Order

        shops = (
            Order.objects.filter(buyer_id=buyers[1].buyer_id)
            .values_list("merchant_id", flat=True)
            .distinct()
        )
        for merchant_id in list(shops)[:2]:
            shop = Actor(
                kind="system",
                role="merchant_integration",
                label="demo shop",
                merchant_id=merchant_id,
            )
            # Flagged already when the demo ran before.
            with contextlib.suppress(Conflict, NotFound):
                services.flag_buyer(
                    actor=shop, buyer_id=buyers[1].buyer_id, reason_code="empty_return", note="demo"
                )
    return (
        f"credit: {orders} history orders and {requests} requests added, "
        f"{sum(r.merchants for r in rated)} merchant-months rated"
    )


__all__ = ["PEERS", "SHOPS", "build_history", "seed"]
