"""The words the desk's complaint pages use for what complaints/flows.py and the SLA declare,
in the user's language."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

STATES = {
    "received": gettext_lazy("Received"),
    "acknowledged": gettext_lazy("Acknowledged"),
    "investigating": gettext_lazy("Investigating"),
    "solution_proposed": gettext_lazy("Solution proposed"),
    "awaiting_approval": gettext_lazy("Awaiting approval"),
    "executing": gettext_lazy("Executing"),
    "awaiting_confirmation": gettext_lazy("Awaiting the customer's confirmation"),
    "resolved": gettext_lazy("Resolved"),
    "closed": gettext_lazy("Closed"),
}
ACTIONS = {
    "acknowledge": gettext_lazy("Acknowledge"),
    "investigate": gettext_lazy("Investigate"),
    "propose_solution": gettext_lazy("Propose a solution"),
    "execute": gettext_lazy("Carry out the solution"),
    "approve": gettext_lazy("Approve"),
    "refuse": gettext_lazy("Refuse"),
    "complete": gettext_lazy("Mark as done, ask the customer"),
    "confirm": gettext_lazy("Confirm for the customer"),
    "dispute": gettext_lazy("The customer disputes it"),
    "reopen": gettext_lazy("Reopen"),
    "rate": gettext_lazy("Rate"),
    "escalate": gettext_lazy("Escalate"),
    "change_severity": gettext_lazy("Change severity"),
    "close_without_remedy": gettext_lazy("Close without remedy"),
    "await_customer": gettext_lazy("Ask the customer (pauses the SLA)"),
}
SEVERITIES = {
    "general": gettext_lazy("General"),
    "important": gettext_lazy("Important"),
    "major": gettext_lazy("Major"),
    "crisis": gettext_lazy("Crisis"),
}
CHANNELS = {
    "chat": gettext_lazy("Chat"),
    "hotline": gettext_lazy("Hotline"),
    "app": gettext_lazy("App / web form"),
    "email": gettext_lazy("Email"),
    "social": gettext_lazy("Social media"),
}
SLA_STATUS = {
    "on_track": gettext_lazy("On track"),
    "warning": gettext_lazy("Warning"),
    "breached": gettext_lazy("Breached"),
    "paused": gettext_lazy("Paused"),
    "met": gettext_lazy("Met"),
}
TARGETS = {
    "first_response": gettext_lazy("First response"),
    "next_response": gettext_lazy("Next response"),
    "resolution": gettext_lazy("Resolution"),
}
RESPONSIBILITIES = {
    "product_quality": gettext_lazy("Product quality"),
    "logistics": gettext_lazy("Logistics"),
    "service": gettext_lazy("Service"),
    "merchant": gettext_lazy("Merchant"),
    "buyer_misunderstanding": gettext_lazy("Buyer misunderstanding"),
    "misuse": gettext_lazy("Misuse"),
}
SOLUTIONS = {
    "compensation": gettext_lazy("Compensation"),
    "apology": gettext_lazy("Apology"),
    "money": gettext_lazy("Money"),
    "coupon": gettext_lazy("Coupon"),
    "refund_only": gettext_lazy("Refund only"),
    "return_refund": gettext_lazy("Return and refund"),
    "exchange": gettext_lazy("Exchange"),
    "repair": gettext_lazy("Repair"),
    "reissue": gettext_lazy("Reissue"),
}
DIRECTIONS = {
    "inbound": gettext_lazy("Customer"),
    "outbound": gettext_lazy("Reply"),
    "note": gettext_lazy("Internal note"),
}
TIMELINE_KINDS = {
    "message": gettext_lazy("Message"),
    "complaint": gettext_lazy("Complaint"),
    "case": gettext_lazy("Case"),
}


def label(table: dict, key: str) -> str:
    return str(table.get(key, key))


# --- The customer's side (web/buyer_complaints.py): plain words, what happens next ------------

CUSTOMER_STATES = {
    "received": gettext_lazy("We have your complaint"),
    "acknowledged": gettext_lazy("We are on it"),
    "investigating": gettext_lazy("We are looking into what happened"),
    "solution_proposed": gettext_lazy("We are preparing a solution"),
    "awaiting_approval": gettext_lazy("We are preparing a solution"),
    "executing": gettext_lazy("We are carrying out the solution"),
    "awaiting_confirmation": gettext_lazy("Did this solve it? Please tell us"),
    "resolved": gettext_lazy("Solved"),
    "closed": gettext_lazy("Closed"),
}
CUSTOMER_ACTIONS = {
    "confirm": gettext_lazy("Yes, this solved it"),
    "dispute": gettext_lazy("No, it is not solved"),
    "reopen": gettext_lazy("Reopen: the problem is back"),
    "rate": gettext_lazy("Send my rating"),
}


def next_step(complaint, *, auto_confirm_days: int, reopen_until=None) -> str:
    """What happens next for the customer, in one sentence of their language."""
    from django.utils.translation import gettext as _

    from aftersales.web import wording

    state = complaint.state
    if complaint.paused_since is not None and complaint.is_open:
        return _("We asked you something: your reply lets us carry on.")
    if state in {"received", "acknowledged"}:
        return _("Our service desk answers you here. You can add details below at any time.")
    if state == "investigating":
        return _("We are checking what happened, then we propose a solution here.")
    if state in {"solution_proposed", "awaiting_approval", "executing"}:
        return _("The solution is being carried out; then we ask you to confirm it.")
    if state == "awaiting_confirmation":
        return _(
            "Tell us whether the solution worked. Without an answer it counts as confirmed "
            "after %(days)d working days."
        ) % {"days": auto_confirm_days}
    if state == "resolved" and reopen_until is not None:
        return _(
            "You can rate how we handled it. If the problem comes back, you can reopen it "
            "until %(day)s."
        ) % {"day": wording.day(reopen_until)}
    return _("This complaint is finished. You can still rate how we handled it.")
