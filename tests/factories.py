"""Small factories: each builds one thing with sensible defaults; tests say what matters."""

from __future__ import annotations

import itertools

from aftersales.accounts.models import Buyer, Merchant, Role, TokenScope, User
from aftersales.accounts.tokens import issue_token

_seq = itertools.count(1)


def merchant(code: str | None = None, name: str = "测试商家") -> Merchant:
    return Merchant.objects.create(code=code or f"m-{next(_seq)}", name=name)


def buyer(
    external_id: str | None = None,
    *,
    name: str = "张三",
    phone: str = "13812345678",
    address: str = "浙江省杭州市西湖区文三路 1 号",
) -> Buyer:
    b = Buyer(external_id=external_id or f"b-{next(_seq)}", name=name, address=address)
    b.set_phone(phone)
    b.save()
    return b


def user(
    role: str = Role.AGENT,
    *,
    merchant: Merchant | None = None,
    buyer: Buyer | None = None,
    username: str | None = None,
    password: str = "correct-horse-battery",
) -> User:
    if role in {Role.MERCHANT_STAFF, Role.MERCHANT_ADMIN} and merchant is None:
        merchant = globals()["merchant"]()
    return User.objects.create_user(
        username=username or f"u{next(_seq)}",
        password=password,
        role=role,
        merchant=merchant,
        buyer=buyer,
    )


def merchant_token(m: Merchant) -> str:
    return issue_token(scope=TokenScope.MERCHANT, merchant=m).raw


def platform_token() -> str:
    return issue_token(scope=TokenScope.PLATFORM).raw


def buyer_token(b: Buyer) -> str:
    return issue_token(scope=TokenScope.BUYER, buyer=b).raw


def user_token(u: User) -> str:
    return issue_token(scope=TokenScope.USER, user=u).raw
