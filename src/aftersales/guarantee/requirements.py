"""How much deposit a merchant must keep: the policy's `guarantee_deposit` rule (EC-06), per
category, the highest of the categories the merchant sells in — raised where a context above
registers a reason to (`RAISES`: credit's larger deposit for a restricted merchant)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
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
    base_amount: Decimal | None = None  # before a raise; None when nothing raised it
    raised_by: str = ""  # why it was raised, in full ("credit:larger_deposit ×2 (credit@3)")
    raised_rule: str = ""  # the raise's short code, beside `rule` on a top-up request

    @property
    def raised(self) -> bool:
        return self.base_amount is not None


# Called with (merchant, the policy's requirement); each returns the requirement to keep (the
# same, or a larger one: `raise_to`). Registered from AppConfig.ready() of a context above
# guarantee (credit's larger-deposit restriction); the fund never reads those contexts itself.
RAISES: list[Callable[[Merchant, Requirement], Requirement]] = []


def raise_to(requirement: Requirement, amount: Decimal, *, rule: str, why: str) -> Requirement:
    """The requirement raised to `amount` (never lowered), naming why; the base amount kept."""
    if amount <= requirement.amount:
        return requirement
    return replace(
        requirement,
        amount=amount.quantize(Decimal("0.01")),
        base_amount=requirement.base_amount if requirement.raised else requirement.amount,
        raised_by=f"{requirement.raised_by}; {why}" if requirement.raised_by else why,
        raised_rule=rule,
    )


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
    found = Requirement(amount, rule["currency"], categories, category, rule["source"], label)
    for raise_ in RAISES:
        found = raise_(merchant, found)
    return found
