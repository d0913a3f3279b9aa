"""The words the portal pages use for the flows' states, actions and deadlines, in the user's
language. Only names for what the flows declare; what may happen stays in cases/flows.py."""

from __future__ import annotations

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from aftersales.cases.models import Deadline
from aftersales.core.clock import localtime
from aftersales.policy.document import LESS

TYPES = {
    "refund_only": gettext_lazy("Refund only"),
    "return_refund": gettext_lazy("Return and refund"),
    "exchange": gettext_lazy("Exchange"),
    "repair": gettext_lazy("Repair"),
    "reissue": gettext_lazy("Reissue"),
    "price_protection": gettext_lazy("Price protection"),
}
REASONS = {
    "no_reason": gettext_lazy("No reason (7-day return)"),
    "quality_issue": gettext_lazy("Quality issue"),
    "not_as_described": gettext_lazy("Not as described"),
    "damaged_in_transit": gettext_lazy("Damaged in transit"),
    "wrong_item": gettext_lazy("Wrong item"),
    "missing_parts": gettext_lazy("Missing parts"),
    "counterfeit": gettext_lazy("Counterfeit"),
    "not_received": gettext_lazy("Not received"),
    "price_drop": gettext_lazy("Price drop"),
}
CONDITIONS = {
    "unopened": gettext_lazy("Unopened"),
    "opened_intact": gettext_lazy("Opened, intact"),
    "seal_broken": gettext_lazy("Seal broken"),
    "tags_removed": gettext_lazy("Tags removed"),
    "used": gettext_lazy("Used"),
    "damaged": gettext_lazy("Damaged"),
}
STATES = {
    "requested": gettext_lazy("Awaiting the merchant"),
    "approved": gettext_lazy("Approved"),
    "return_shipped": gettext_lazy("Return shipped"),
    "return_delivered": gettext_lazy("Return delivered"),
    "return_received": gettext_lazy("Return received"),
    "inspected": gettext_lazy("Inspected"),
    "refunded": gettext_lazy("Refunded"),
    "rejected": gettext_lazy("Rejected"),
    "platform_review": gettext_lazy("Platform review"),
    "rejection_review": gettext_lazy("Rejection being checked by the platform"),
    "withdrawn": gettext_lazy("Withdrawn"),
    "closed": gettext_lazy("Closed"),
    "replacement_shipped": gettext_lazy("Replacement shipped"),
    "completed": gettext_lazy("Completed"),
    "diagnosed": gettext_lazy("Diagnosed"),
    "repaired": gettext_lazy("Repaired"),
    # 极速退款: the money went back first, the return is still on its way (cases/flows.py).
    "refunded_awaiting_return": gettext_lazy("Refunded, return not yet shipped"),
    "refunded_return_shipped": gettext_lazy("Refunded, return shipped"),
    "refunded_return_delivered": gettext_lazy("Refunded, return delivered"),
    "refunded_return_received": gettext_lazy("Refunded, return received"),
    "recovery_review": gettext_lazy("Merchant's claim under platform review"),
}
ACTIONS = {
    "open": gettext_lazy("Opened"),
    "approve": gettext_lazy("Approve"),
    "reject": gettext_lazy("Reject"),
    "withdraw": gettext_lazy("Withdraw"),
    "ship_return": gettext_lazy("Ship the return"),
    "confirm_receipt": gettext_lazy("Confirm receipt"),
    "inspect": gettext_lazy("Inspect"),
    "refund": gettext_lazy("Refund"),
    "ship_replacement": gettext_lazy("Ship the replacement"),
    "confirm_replacement": gettext_lazy("Confirm the replacement"),
    "appeal": gettext_lazy("Appeal"),
    "rule": gettext_lazy("Rule"),
    "confirm_rejection": gettext_lazy("Confirm the rejection"),
    "overturn_rejection": gettext_lazy("Overturn the rejection"),
    "close": gettext_lazy("Close"),
    "diagnose": gettext_lazy("Diagnose"),
    "repair": gettext_lazy("Record the repair"),
    "evidence_added": gettext_lazy("Evidence added"),
    "remind": gettext_lazy("Reminder"),
    "escalate": gettext_lazy("Escalated"),
    "refer": gettext_lazy("Handed to the platform"),
    "recover": gettext_lazy("Return never shipped: to the platform"),
    "complete": gettext_lazy("Completed as passed"),
    "deliver_return": gettext_lazy("Return delivered"),
    "return_in_transit": gettext_lazy("Return on its way"),
    "replacement_delivered": gettext_lazy("Replacement delivered"),
    "interception_requested": gettext_lazy("Interception requested"),
    "interception_succeeded": gettext_lazy("Parcel intercepted"),
    "interception_failed": gettext_lazy("Interception failed"),
}
# The body fields of actions (the flows' `requires` and outcome fields).
FIELDS = {
    "reason": gettext_lazy("Reason"),
    "note": gettext_lazy("Note"),
    "carrier": gettext_lazy("Carrier"),
    "tracking_no": gettext_lazy("Tracking number"),
    "result": gettext_lazy("Result"),
    "ruling": gettext_lazy("Ruling"),
    "amount": gettext_lazy("Amount"),
    "files": gettext_lazy("Photos"),
    "lines": gettext_lazy("Items"),
    "type": gettext_lazy("Type"),
    "description": gettext_lazy("Description"),
}
OUTCOMES = {
    "pass": gettext_lazy("Passed"),
    "partial": gettext_lazy("Partly (refund part)"),
    "fail": gettext_lazy("Failed"),
    "for_buyer": gettext_lazy("For the buyer"),
    "for_merchant": gettext_lazy("For the merchant"),
    "fixed": gettext_lazy("Fixed"),
    "failed": gettext_lazy("Not fixed"),
    "repaired": gettext_lazy("Repaired"),
}
# Return logistics (returns/models.py, returns/carriers.py).
GRADES = {
    "as_new": gettext_lazy("As new"),
    "good": gettext_lazy("Light signs of use"),
    "fair": gettext_lazy("Visible wear"),
    "damaged": gettext_lazy("Damaged"),
}
DISPOSITIONS = {
    "restock": gettext_lazy("Restock"),
    "refurbish": gettext_lazy("Refurbish"),
    "scrap": gettext_lazy("Scrap"),
    "return_to_buyer": gettext_lazy("Return to the buyer"),
}
PARCEL_STATUSES = {
    "booked": gettext_lazy("Pickup booked"),
    "shipped": gettext_lazy("Handed over"),
    "picked_up": gettext_lazy("Picked up"),
    "in_transit": gettext_lazy("In transit"),
    "delivered": gettext_lazy("Delivered"),
    "exception": gettext_lazy("Exception"),
    "returned_to_sender": gettext_lazy("Returned to sender"),
    "cancelled": gettext_lazy("Cancelled"),
    "intercepted": gettext_lazy("Intercepted"),
    "interception_failed": gettext_lazy("Interception failed"),
    "requested": gettext_lazy("Requested"),
    "succeeded": gettext_lazy("Parcel intercepted"),
    "failed": gettext_lazy("Interception failed"),
}
METHODS = {
    "self_ship": gettext_lazy("I ship it myself"),
    "pickup": gettext_lazy("A courier collects it (上门取件)"),
}
EVIDENCE = {
    "photos": gettext_lazy("photos of the item"),
    "package_photos": gettext_lazy("photos of the package"),
    "authenticity_proof": gettext_lazy("proof of authenticity"),
    "price_screenshot": gettext_lazy("a screenshot of the lower price"),
}
# Who pays the return shipping (the policy's return_shipping values).
PAYERS = {"buyer": gettext_lazy("The buyer"), "merchant": gettext_lazy("The merchant")}
# The rules a shop sets on its settings page (policy.services.MERCHANT_RULE_PATHS).
RULES = {
    "rules.no_reason_window.days": gettext_lazy("No-reason return window (days)"),
    "rules.quality_return.days": gettext_lazy("Return for a quality issue within (days)"),
    "rules.quality_exchange.days": gettext_lazy("Exchange for a quality issue within (days)"),
    "rules.return_shipping.no_reason": gettext_lazy("Who pays the shipping of a no-reason return"),
    "durations.merchant_review.amount": gettext_lazy("You review a request within"),
    "durations.merchant_confirm_receipt.amount": gettext_lazy(
        "You confirm a returned parcel within"
    ),
    "rules.no_reason_auto_approval.enabled": gettext_lazy(
        "Approve conforming no-reason returns automatically"
    ),
}
UNITS = {
    "hours": gettext_lazy("hours"),
    "days": gettext_lazy("days"),
    "working_days": gettext_lazy("working days"),
}
CALENDAR_KINDS = {
    "holiday": gettext_lazy("Rest day (holiday)"),
    "adjusted_workday": gettext_lazy("Working day (调休)"),
}
ROLES_OF_ACTORS = {"buyer": gettext_lazy("Buyer"), "system": gettext_lazy("System")}

# Who must act before each deadline (by the policy duration it counts).
_WHO = {
    "merchant_review": gettext_lazy("The merchant"),
    "merchant_review_unshipped": gettext_lazy("The merchant"),
    "merchant_review_virtual": gettext_lazy("The merchant"),
    "merchant_quality_review": gettext_lazy("The merchant"),
    "merchant_confirm_receipt": gettext_lazy("The merchant"),
    "merchant_refund_after_receipt": gettext_lazy("The merchant"),
    "merchant_ship_replacement": gettext_lazy("The merchant"),
    "buyer_ship_return": gettext_lazy("You"),
    "buyer_confirm_replacement": gettext_lazy("You"),
    "appeal_window": gettext_lazy("You"),
    "platform_ruling": gettext_lazy("The platform"),
}
# What the system does when nobody acts in time (the deadline's `then`).
_THEN = {
    "approve": gettext_lazy("the system will approve the request automatically"),
    "close": gettext_lazy("the case will be closed"),
    "refund": gettext_lazy("the system will refund automatically"),
    "confirm_replacement": gettext_lazy("the replacement counts as received"),
    "confirm_receipt": gettext_lazy("the return counts as received"),
    "escalate": gettext_lazy("the case goes to a manager"),
    "refer": gettext_lazy("the platform steps in"),
    "recover": gettext_lazy("the platform decides whether the refund is recovered"),
    "complete": gettext_lazy("the return counts as passed and the case completes"),
}


def label(table: dict, key: str) -> str:
    return str(table.get(key, key))


def when(value) -> str:
    """A time as people read it: 11月25日 18:00 / Nov. 25, 18:00, in the local zone."""
    return formats.date_format(localtime(value), _("n/j H:i"))


def when_iso(value: str | None) -> str:
    """A stored ISO time (a decision's window end) as people read it; '' when there is none."""
    from django.utils.dateparse import parse_datetime

    parsed = parse_datetime(value) if value else None
    return when(parsed) if parsed else ""


def day(value) -> str:
    """A calendar day, short: 11月25日 / Nov. 25."""
    return formats.date_format(value, _("n/j"))


def percent(share: float) -> str:
    return f"{share * 100:.0f}%"


def duration(value) -> str:
    """How long, as people say it: 3 h 20 min / 3 小时 20 分钟; '—' when there is nothing."""
    if value is None:
        return "—"
    minutes = int(value.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours >= 48:
        return _("%(days)d days %(hours)d h") % {"days": hours // 24, "hours": hours % 24}
    return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}


def rule_value(rule, value) -> str:
    """A rule's value as the settings page shows it: 7 days, The buyer, Yes."""
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, str):
        return label(PAYERS, value)
    return f"{value} {label(UNITS, rule.unit)}".strip() if rule.unit else str(value)


def refusal(rule) -> str:
    """Why the shop's value was refused: the platform's floor and the row that sets it."""
    floor = rule_value(rule, rule.platform)
    if rule.how == LESS:
        return _(
            "At most %(floor)s (%(row)s): your rules may be kinder to the buyer than the law, "
            "never less."
        ) % {"floor": floor, "row": rule.row}
    return _(
        "At least %(floor)s (%(row)s): your rules may be kinder to the buyer than the law, "
        "never less."
    ) % {"floor": floor, "row": rule.row}


def deadline_sentence(deadline: Deadline) -> str:
    """商家将于 11月25日 18:00 前处理，逾期系统将自动同意 — in the user's language."""
    who = str(_WHO.get(deadline.kind, gettext_lazy("Someone")))
    then = str(_THEN.get(deadline.action, deadline.action))
    return _("%(who)s must act by %(when)s; otherwise %(then)s.") % {
        "who": who,
        "when": when(deadline.due_at),
        "then": then,
    }


# The API's problem titles and fixed field messages, so a form shows them in the user's
# language (messages with values in them stay as the service wrote them).
API_MESSAGES = (
    gettext_noop("Invalid input"),
    gettext_noop("Refused by policy"),
    gettext_noop("Action not allowed now"),
    gettext_noop("Conflict"),
    gettext_noop("Not found"),
    gettext_noop("Not permitted"),
    gettext_noop("Unsupported media type"),
    gettext_noop("Request body too large"),
    gettext_noop("required for this action"),
    gettext_noop("name at least one line"),
    gettext_noop("the same line twice"),
    gettext_noop("must be at least 1"),
    gettext_noop("a positive amount with at most two places"),
    gettext_noop("a partial outcome names the amount refunded"),
    gettext_noop("price protection needs the lowered price"),
    gettext_noop("required"),
    gettext_noop("a mobile or landline number"),
    gettext_noop("one of the merchant roles"),
    gettext_noop("this username is taken"),
    gettext_noop("The staff account cannot be created."),
    gettext_noop("You cannot deactivate your own account."),
    gettext_noop("not a rule the shop sets here"),
    gettext_noop("a date as 2026-10-01"),
    gettext_noop("a holiday or an adjusted working day"),
    gettext_noop("only a holiday is a rest day in lieu"),
)
