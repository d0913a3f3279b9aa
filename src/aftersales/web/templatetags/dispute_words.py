"""Template filters of the dispute pages: states, types, actions, rulings, parties and grounds
in the user's language."""

from django import template
from django.utils.translation import gettext_lazy as _

from aftersales.web import wording

register = template.Library()

TYPES = {
    "visible_defect": _("Visible quality defect"),
    "hidden_defect": _("Hidden defect"),
    "counterfeit": _("Counterfeit"),
    "not_as_described": _("Not as described"),
    "not_received": _("Not received / lost"),
    "return_not_received": _("Return not received"),
    "damaged_on_arrival": _("Damaged, empty box or swapped"),
}
STATES = {
    "requested": _("Asked for"),
    "not_accepted": _("Not accepted"),
    "awaiting_merchant": _("Waiting for the merchant's answer"),
    "evidence": _("Evidence round"),
    "under_review": _("Under review"),
    "crowd_review": _("Crowd review"),
    "ruled": _("Ruled, awaiting second level"),
    "awaiting_execution": _("Awaiting execution"),
    "closed": _("Closed"),
    "appeal_review": _("Appeal under review"),
    "suspended": _("Suspended"),
    "settled": _("Settled by agreement"),
}
ACTIONS = {
    "open": _("Opened"),
    "accept": _("Accepted"),
    "not_accept": _("Not accepted"),
    "answer": _("Merchant answered"),
    "merchant_silent": _("Merchant did not answer in time"),
    "request_evidence": _("Evidence asked for"),
    "submit_evidence": _("Evidence given"),
    "evidence_in": _("All evidence in"),
    "close_evidence": _("Evidence round closed"),
    "evidence_missed": _("Evidence not given in time"),
    "send_to_crowd": _("Sent to crowd review"),
    "crowd_verdict": _("Crowd verdict"),
    "rule": _("Ruled"),
    "confirm_ruling": _("Confirm the ruling"),
    "send_back": _("Send back for review"),
    "execute": _("Carry out the ruling"),
    "platform_execute": _("Platform executes the ruling"),
    "appeal": _("Appeal"),
    "decide_appeal": _("Decide the appeal"),
    "suspend": _("Suspend"),
    "file_receipt": _("Receipt filed"),
    "resume": _("Resume"),
    "record_third_party": _("Third party's outcome recorded"),
    "settle": _("Settled by agreement"),
    "escalate": _("Escalated"),
    "ruled_on_case": _("Ruled on the case"),
}
RULINGS = {
    "for_buyer": _("For the buyer"),
    "partial": _("Partly for the buyer"),
    "for_merchant": _("For the merchant"),
}
PARTIES = {
    "buyer": _("Buyer"),
    "merchant": _("Merchant"),
    "platform": _("Platform"),
    "system": _("System"),
}
STEPS = {
    "first": _("First evidence"),
    "rebuttal": _("Rebuttal"),
    "decisive": _("What decides"),
}
GROUNDS = {
    "lawsuit": _("A lawsuit"),
    "police_report": _("A police report"),
    "joint_request": _("Both sides ask"),
}


@register.filter
def dispute_type_name(value):
    return wording.label(TYPES, value)


@register.filter
def dispute_state_name(value):
    return wording.label(STATES, value)


@register.filter
def dispute_action_name(value):
    return wording.label(ACTIONS, value)


@register.filter
def ruling_name(value):
    return wording.label(RULINGS, value)


@register.filter
def party_name(value):
    return wording.label(PARTIES, value)


@register.filter
def burden_step_name(value):
    return wording.label(STEPS, value)


@register.filter
def ground_name(value):
    return wording.label(GROUNDS, value)


@register.filter
def split_words(value):
    return str(value).split()


MONEY_KINDS = {
    "refund": _("refund to the buyer"),
    "compensation": _("compensation to the buyer"),
    "recovery": _("recovered from the merchant (GF-02)"),
    "restitution": _("paid back to the merchant: the ruling it carried out was voided (DS-20)"),
}
EXECUTORS = {
    "merchant": _("the merchant"),
    "platform": _("the platform, past the merchant's deadline (DS-19)"),
    "case": _("the case"),
}
# The merchant's contest of the platform's execution (GF-03), as either side reads it.
EXECUTION_CONTESTS = {
    "none": _("not contested"),
    "contested": _("contested by the merchant, awaiting the platform's decision"),
    "upheld": _(
        "contest upheld: the merchant was given the money back; the platform bears it and "
        "the buyer keeps the refund"
    ),
    "rejected": _("contest rejected: the recovery stands"),
}


@register.filter
def money_kind_name(value):
    return wording.label(MONEY_KINDS, value)


@register.filter
def executor_name(value):
    return wording.label(EXECUTORS, value)


@register.filter
def execution_contest_name(value):
    return wording.label(EXECUTION_CONTESTS, value)
