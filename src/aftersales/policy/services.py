"""Policy actions: publishing versions and overrides, and judging eligibility (which writes
nothing: it reads the order, the current version and the calendar, and decides)."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from aftersales.accounts.actors import Actor
from aftersales.accounts.models import Merchant
from aftersales.accounts.permissions import require, require_merchant_access
from aftersales.core import clock
from aftersales.core.audit import record
from aftersales.core.calendar import BusinessCalendar, business_calendar
from aftersales.core.errors import Conflict, InvalidInput
from aftersales.policy import loading
from aftersales.policy.decide import Decision, EligibilityRequest, History, decide
from aftersales.policy.document import KNOBS, LESS, check_override, validate_document
from aftersales.policy.facts import facts_from_stored, find_line
from aftersales.policy.models import PolicyDraft, PolicyVersion
from aftersales.policy.vocabulary import CATEGORIES


def publish_policy(*, actor: Actor, document: dict[str, Any], note: str = "") -> PolicyVersion:
    """Validate the whole document and publish it as the next immutable version."""
    require(actor, "policy.publish")
    return _publish(actor, document, note)


@transaction.atomic
def _publish(actor: Actor, document: dict[str, Any], note: str) -> PolicyVersion:
    document = validate_document(document)
    name = document["name"]
    last = PolicyVersion.objects.select_for_update().filter(name=name).order_by("-number").first()
    try:
        with transaction.atomic():
            version = PolicyVersion.objects.create(
                name=name,
                number=(last.number + 1) if last else 1,
                document=document,
                published_by=actor.label,
                note=note,
            )
    except IntegrityError:  # two publishers at once on SQLite, where there is no row to lock
        raise Conflict("Another version was published at the same moment; try again.") from None
    record(
        actor=actor,
        action="policy.published",
        subject=version,
        payload={"version": version.label, "note": note},
    )
    # This process sees the new version at once; others within loading.LATEST_CHECK_SECONDS.
    loading.forget_latest(name)
    transaction.on_commit(lambda: loading.forget_latest(name))
    return version


def _republish_with(actor: Actor, name: str, change, note: str) -> PolicyVersion:
    document = copy.deepcopy(loading.compiled(f"{name}@{loading.latest_number(name)}").document)
    change(document)
    return _publish(actor, document, note)


def set_merchant_override(
    *,
    actor: Actor,
    merchant: Merchant,
    override: dict[str, Any],
    name: str = loading.DEFAULT_POLICY,
) -> PolicyVersion:
    """A merchant's own rules: more generous than the law, never less (refused with the row)."""
    require(actor, "policy.override")
    require_merchant_access(actor, merchant.pk)
    current = loading.current(name).document
    check_override(
        {"rules": current["rules"], "durations": current["durations"]},
        override,
        where=f"merchants.{merchant.code}",
    )

    def change(document: dict[str, Any]) -> None:
        if override:
            document["merchants"][merchant.code] = override
        else:
            document["merchants"].pop(merchant.code, None)

    return _republish_with(actor, name, change, f"merchant override for {merchant.code}")


# The rules a shop sets on its settings page (each a KNOB or a merchant duration), and the
# automatic approval of conforming no-reason returns, which the case engine reads at opening.
MERCHANT_RULE_PATHS = (
    "rules.no_reason_window.days",
    "rules.quality_return.days",
    "rules.quality_exchange.days",
    "rules.return_shipping.no_reason",
    "durations.merchant_review.amount",
    "durations.merchant_confirm_receipt.amount",
)
AUTO_APPROVAL = "rules.no_reason_auto_approval.enabled"


@dataclass(frozen=True)
class MerchantRule:
    """One rule as the shop has it: its value (their own, else the platform's), the
    platform's value it may not fall below, how the two compare and the row behind it."""

    path: str
    value: Any
    platform: Any
    how: str
    row: str
    unit: str = ""

    @property
    def own(self) -> bool:
        return self.value != self.platform


def _get(document: dict[str, Any], path: str) -> Any:
    node: Any = document
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _policy_name(merchant: Merchant) -> str:
    return (merchant.settings or {}).get("policy", loading.DEFAULT_POLICY)


def merchant_rules(merchant: Merchant) -> dict[str, MerchantRule]:
    """The shop's settable rules in the current version of its policy."""
    document = loading.current(_policy_name(merchant)).document
    own = document["merchants"].get(merchant.code, {})
    out = {}
    for path in (*MERCHANT_RULE_PATHS, AUTO_APPROVAL):
        platform = _get(document, path)
        if path.startswith("durations."):
            duration = document["durations"][path.split(".")[1]]
            how, row, unit = LESS, duration["source"], duration["unit"]
        else:
            (how, row), unit = KNOBS[path], ""
        mine = _get(own, path)
        out[path] = MerchantRule(path, platform if mine is None else mine, platform, how, row, unit)
    return out


def set_merchant_rules(
    *, actor: Actor, merchant: Merchant, changes: dict[str, Any]
) -> PolicyVersion:
    """Change some of the shop's rules, keeping the others: a value equal to the platform's
    drops the shop's own; the rest go through `set_merchant_override` (refused below the law)."""
    rules = merchant_rules(merchant)
    unknown = [p for p in changes if p not in rules]
    if unknown:
        raise InvalidInput.on_field(unknown[0], "not a rule the shop sets here")
    document = loading.current(_policy_name(merchant)).document
    override = copy.deepcopy(document["merchants"].get(merchant.code, {}))
    for path, value in changes.items():
        parts = path.split(".")
        node = override
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        if value == rules[path].platform:
            node.pop(parts[-1], None)
        else:
            node[parts[-1]] = value
    return set_merchant_override(
        actor=actor, merchant=merchant, override=_pruned(override), name=_policy_name(merchant)
    )


def _pruned(node: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in node.items():
        if isinstance(value, dict) and key not in {"by_category", "default_months"}:
            value = _pruned(value)
            if not value:
                continue
        out[key] = value
    return out


def set_category_override(
    *, actor: Actor, category: str, override: dict[str, Any], name: str = loading.DEFAULT_POLICY
) -> PolicyVersion:
    require(actor, "policy.publish")
    if category not in CATEGORIES:
        raise InvalidInput.on_field("category", f"unknown category {category!r}")

    def change(document: dict[str, Any]) -> None:
        document["categories"][category] = override

    return _republish_with(actor, name, change, f"category override for {category}")


# --- Eligibility ------------------------------------------------------------------------------


@dataclass(frozen=True)
class EligibilityQuestion:
    order: str
    line_id: str | None
    sku: str | None
    quantity: int
    type: str
    reason: str
    condition: str = "unopened"
    at: datetime | None = None
    merchant: str | None = None
    policy: str | None = None
    new_unit_price: Decimal | None = None
    gifts_kept: bool = False


def judge_eligibility(
    *,
    actor: Actor,
    question: EligibilityQuestion,
    explain: bool = False,
    history: History | None = None,
) -> Decision:
    """The decision for one line of a stored order, seen by `actor` (another tenant's order is
    not found). The same decision `aftersales policy check` makes offline."""
    from aftersales.orders.selectors import order_for

    require(actor, "orders.view")
    order = order_for(actor, question.order, question.merchant)
    line = find_line(list(order.lines.all()), line_id=question.line_id, sku=question.sku)
    policy = (
        loading.compiled(question.policy)
        if question.policy
        else loading.current(order.merchant.settings.get("policy", loading.DEFAULT_POLICY))
    )
    return judge_line(
        facts_from_stored(order, line), question, policy, explain=explain, history=history
    )


def judge_line(
    facts,
    question: EligibilityQuestion,
    policy,
    *,
    explain: bool = False,
    history: History | None = None,
    calendar: BusinessCalendar | None = None,
) -> Decision:
    """Check the question against the line (bad input is an error, not a 'no'), then decide.
    `calendar` defaults to the stored business calendar."""
    at = question.at or clock.now()
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidInput.on_field("at", "must include a UTC offset, e.g. +08:00")
    if at < facts.paid_at:
        raise InvalidInput.on_field("at", "is before the order was paid")
    if question.quantity <= 0:
        raise InvalidInput.on_field("quantity", "must be at least 1")
    if question.quantity > facts.quantity:
        raise InvalidInput.on_field(
            "quantity", f"the line has {facts.quantity}; {question.quantity} cannot be claimed"
        )
    request = EligibilityRequest(
        line=facts,
        type=question.type,
        reason=question.reason,
        quantity=question.quantity,
        at=at,
        condition=question.condition,
        history=history or History(),
        gifts_kept=question.gifts_kept,
        new_unit_price=question.new_unit_price,
    )
    calendar = calendar or business_calendar()
    return decide(request, policy, calendar, clock.local_zone(), explain=explain)


# --- Drafts and the business calendar, from the desk ------------------------------------------


@transaction.atomic
def save_policy_draft(*, actor: Actor, name: str, document: dict[str, Any]) -> PolicyDraft:
    """The editable copy of `name`; nothing decides from it until it is published."""
    require(actor, "policy.publish")
    if document.get("name") != name:
        raise InvalidInput.on_field("name", f"the draft of {name} must keep the name {name}")
    draft, _ = PolicyDraft.objects.update_or_create(name=name, defaults={"document": document})
    record(actor=actor, action="policy.draft_saved", subject=draft, payload={"name": name})
    return draft


def publish_draft(*, actor: Actor, name: str, note: str = "") -> PolicyVersion:
    """Validate the draft and publish it as the next version (refusals name the field)."""
    require(actor, "policy.publish")
    draft = PolicyDraft.objects.filter(name=name).first()
    if draft is None:
        raise InvalidInput.on_field("name", f"there is no draft of {name}")
    return publish_policy(actor=actor, document=draft.document, note=note)


@transaction.atomic
def set_calendar_day(
    *, actor: Actor, day: date, kind: str, name: str = "", in_lieu: bool = False, region: str = "CN"
):
    """Correct one day of the business calendar: saved, audited and every process's cached
    calendar invalidated (core.calendar_data)."""
    from aftersales.core.calendar_data import save_calendar_day
    from aftersales.core.models import CalendarDay, CalendarDayKind

    require(actor, "calendar.edit")
    if kind not in CalendarDayKind.values:
        raise InvalidInput.on_field("kind", "a holiday or an adjusted working day")
    if in_lieu and kind != CalendarDayKind.HOLIDAY:
        raise InvalidInput.on_field("in_lieu", "only a holiday is a rest day in lieu")
    stored = CalendarDay.objects.filter(region=region, date=day).first()
    stored = stored or CalendarDay(region=region, date=day)
    changed = [
        f
        for f, v in (("kind", kind), ("name", name), ("in_lieu", in_lieu))
        if getattr(stored, f) != v
    ]
    stored.kind, stored.name, stored.in_lieu = kind, name.strip(), in_lieu
    stored.source = f"corrected on the desk by {actor.label}"
    return save_calendar_day(stored, actor=actor, changed=changed)


@transaction.atomic
def remove_calendar_day(*, actor: Actor, day: date, region: str = "CN") -> int:
    """The day follows the weekday rule again."""
    from aftersales.core.calendar_data import delete_calendar_days
    from aftersales.core.models import CalendarDay

    require(actor, "calendar.edit")
    return delete_calendar_days(CalendarDay.objects.filter(region=region, date=day), actor=actor)
