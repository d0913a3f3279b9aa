"""How much deposit a merchant must keep: the policy's `guarantee_deposit` rule (EC-06), per
category, the highest of the categories the merchant sells in."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from aftersales.accounts.models import Merchant
from aftersales.core.errors import InvalidInput
from aftersales.orders.models import OrderLine
from aftersales.policy import loading
from aftersales.policy.document import DEFAULT_RULES


@dataclass(frozen=True)
class Requirement:
    amount: Decimal
    currency: str
    categories: tuple[str, ...]
    category: str  # the category that sets it ("" when the default does)
    rule: str  # the policy row
    policy: str  # the version it was read from


def categories_of(merchant: Merchant) -> tuple[str, ...]:
    """The categories the merchant declared (`settings.categories`), else those it has sold in."""
    declared = (merchant.settings or {}).get("categories")
    if declared:
        return tuple(sorted(set(declared)))
    return tuple(
        sorted(
            set(
                OrderLine.objects.filter(order__merchant_id=merchant.pk)
                .values_list("category", flat=True)
                .distinct()
            )
        )
    )


def deposit_requirement(merchant: Merchant) -> Requirement:
    try:
        policy = loading.current()
        rule, label = policy.document["rules"].get("guarantee_deposit"), policy.label
    except InvalidInput:  # no policy published yet (a bare database): the default rule
        rule, label = None, "default"
    rule = rule or DEFAULT_RULES["guarantee_deposit"]
    categories = categories_of(merchant)
    amount, category = Decimal(rule["default"]), ""
    for c in categories:
        value = Decimal(rule["by_category"].get(c, rule["default"]))
        if value > amount:
            amount, category = value, c
    return Requirement(amount, rule["currency"], categories, category, rule["source"], label)
