"""What each audience reads for each event, in zh-Hans and en: the templates (gettext msgids,
their translations in locale/zh_Hans) and how an event's payload fills them.

Audiences: `buyer` (the case's buyer), `merchant` (the merchant's staff), `merchant_admin`
(its administrators: endpoint owners), `desk` (the platform's agents and specialists),
`managers` (escalations), `platform_admin` (owners of platform-wide endpoints)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as N

from aftersales.core import clock

BUYER, MERCHANT, MERCHANT_ADMIN, DESK, MANAGERS, PLATFORM_ADMIN = (
    "buyer",
    "merchant",
    "merchant_admin",
    "desk",
    "managers",
    "platform_admin",
)
# Who "must act" in a reminder (flows' parties) → the audience told.
PARTY_AUDIENCE = {"buyer": BUYER, "merchant": MERCHANT, "platform": DESK}


@dataclass(frozen=True)
class Template:
    title: str  # msgids with {placeholders}
    body: str
    urgent: bool = False  # sent at once, quiet hours or not
    sms: bool = False  # worth a text message (buyers with a phone)


T = Template

CREATED = {
    BUYER: T(
        N("We have your request #{case_id}"),
        N(
            "Your {type_label} request for order {order} is with the merchant. We will tell you "
            "at every step."
        ),
    ),
    MERCHANT: T(
        N("New after-sales request #{case_id}"),
        N("A {type_label} request on order {order} is waiting for your review."),
    ),
}

# case.state_changed, by the state the case came to.
STATE_CHANGED: dict[str, dict[str, Template]] = {
    "approved": {
        BUYER: T(
            N("Request #{case_id} approved"),
            N(
                "The merchant approved your {type_label} request. We will guide you through the "
                "next step."
            ),
            sms=True,
        ),
    },
    "rejected": {
        BUYER: T(
            N("Request #{case_id} was not approved"),
            N(
                "The merchant gave this reason: {reason}. If you disagree, you can ask the "
                "platform to step in."
            ),
            sms=True,
        ),
    },
    "return_shipped": {
        MERCHANT: T(
            N("Return on its way for #{case_id}"),
            N(
                "The buyer shipped the return ({carrier} {tracking_no}). Please confirm receipt "
                "when it arrives."
            ),
        ),
        BUYER: T(
            N("Return shipped for #{case_id}"),
            N("Thank you. We will tell you when the merchant receives it."),
        ),
    },
    "return_received": {
        BUYER: T(
            N("Return received for #{case_id}"),
            N(
                "The merchant received your return and is inspecting it. We will tell you the "
                "result."
            ),
            sms=True,
        ),
    },
    "refunded": {
        BUYER: T(
            N("Refund granted for #{case_id}"),
            N(
                "A refund of {amount} {currency} has been granted. We will tell you when it is "
                "sent and when to expect it."
            ),
        ),
    },
    "replacement_shipped": {
        BUYER: T(
            N("Your replacement is on its way (#{case_id})"),
            N(
                "The merchant shipped your replacement ({carrier} {tracking_no}). Please confirm "
                "when it arrives."
            ),
            sms=True,
        ),
    },
    "platform_review": {
        BUYER: T(
            N("The platform is reviewing #{case_id}"),
            N(
                "Your appeal reached the service desk. A specialist will look at both sides and "
                "rule."
            ),
        ),
        MERCHANT: T(
            N("The buyer appealed #{case_id}"),
            N("The platform will review the case. Add any evidence you want considered."),
        ),
        DESK: T(
            N("Appeal to rule: #{case_id}"),
            N("A buyer appealed a rejection on order {order}. It is in the review queue."),
        ),
    },
    "rejection_review": {
        BUYER: T(
            N("The platform is checking the merchant's answer on #{case_id}"),
            N(
                "The merchant declined your request. The service desk checks that decision "
                "before it counts; we will tell you the outcome."
            ),
        ),
        DESK: T(
            N("Rejection to check: #{case_id}"),
            N(
                "A merchant whose rejections the platform reviews declined a request on order "
                "{order}. It is in the review queue."
            ),
        ),
    },
    # 极速退款: the money goes back first; the goods still travel to the merchant.
    "refunded_awaiting_return": {
        BUYER: T(
            N("Refund granted early for #{case_id}"),
            N(
                "A refund of {amount} {currency} was granted before your return arrives. Please "
                "still send the goods back: if they never reach the merchant, the platform may "
                "recover the refund."
            ),
            sms=True,
        ),
        MERCHANT: T(
            N("Buyer refunded early on #{case_id}"),
            N(
                "The fast lane refunded the buyer on order {order}. The goods are still to come "
                "back: confirm receipt and inspect them when they arrive."
            ),
        ),
    },
    "refunded_return_shipped": {
        BUYER: T(
            N("Refund granted early for #{case_id}"),
            N(
                "A refund of {amount} {currency} was granted while your return is on its way. "
                "The merchant will still check the goods when they arrive."
            ),
            sms=True,
        ),
        MERCHANT: T(
            N("Buyer refunded early on #{case_id}"),
            N(
                "The fast lane refunded the buyer on order {order} at the carrier's first scan. "
                "Confirm receipt and inspect the goods when they arrive."
            ),
        ),
    },
    "recovery_review": {
        BUYER: T(
            N("The platform is reviewing your return for #{case_id}"),
            N(
                "After your early refund the merchant reported a problem with the return. A "
                "specialist will look at both sides and rule."
            ),
        ),
        DESK: T(
            N("Merchant's claim to rule: #{case_id}"),
            N(
                "After an early refund on order {order} the return came back short or not at "
                "all. It is in the review queue."
            ),
        ),
    },
    "withdrawn": {
        MERCHANT: T(
            N("Request #{case_id} withdrawn"),
            N("The buyer withdrew the request on order {order}. Nothing more to do."),
        ),
    },
}
# Any other step the buyer lives through: told plainly, so every step reaches the inbox.
STEP = T(N("Update on request #{case_id}"), N("Your request is now: {state_label}."))

REMINDER = T(
    N("Please act on #{case_id} by {due}"),
    N("If nobody acts by {due}, the system will {then_label}."),
    urgent=True,
    sms=True,
)
ESCALATED = {
    MANAGERS: T(
        N("Ruling late on #{case_id}"),
        N("The platform's ruling was due at {due}. Please see that it is made."),
        urgent=True,
    )
}
REFUND_SUCCEEDED = {
    BUYER: T(
        N("Refund of {amount} {currency} sent"),
        N(
            "Your refund for request #{case_id} was sent to your {method_label}. It should "
            "arrive by {expected}."
        ),
        sms=True,
    ),
}
REFUND_FAILED = {
    MERCHANT: T(
        N("Refund failed for #{case_id}"),
        N("The payment provider did not complete the refund of {amount} {currency}: {reason}."),
        urgent=True,
    ),
    DESK: T(
        N("Refund failed for #{case_id}"),
        N("The payment provider did not complete the refund of {amount} {currency}: {reason}."),
    ),
    BUYER: T(
        N("Your refund for #{case_id} is delayed"),
        N(
            "The payment provider did not complete it yet. We are on it and will tell you when "
            "it is sent."
        ),
    ),
}
ENDPOINT_DISABLED = T(
    N("Webhook endpoint disabled"),
    N(
        "{url} failed {failures} times in a row since {since} and was disabled. Fix the receiver, "
        "then retry a delivery to turn it back on."
    ),
)

LABELS = {
    # request types
    "refund_only": N("refund only"),
    "return_refund": N("return and refund"),
    "exchange": N("exchange"),
    "repair": N("repair"),
    "reissue": N("reissue"),
    "price_protection": N("price protection"),
    # states
    "requested": N("waiting for the merchant"),
    "approved": N("approved"),
    "rejected": N("not approved"),
    "return_shipped": N("return on its way"),
    "return_delivered": N("return delivered to the merchant"),
    "return_received": N("return received, being inspected"),
    "inspected": N("inspected"),
    "refunded": N("refunded"),
    "closed": N("closed"),
    "withdrawn": N("withdrawn"),
    "platform_review": N("under platform review"),
    "rejection_review": N("declined by the merchant, being checked by the platform"),
    "completed": N("completed"),
    "replacement_shipped": N("replacement on its way"),
    "at_service_point": N("at the service point"),
    "diagnosed": N("diagnosed"),
    "repaired": N("repaired"),
    "refunded_awaiting_return": N("refunded, the return still to be shipped"),
    "refunded_return_shipped": N("refunded, the return on its way"),
    "refunded_return_delivered": N("refunded, the return delivered to the merchant"),
    "refunded_return_received": N("refunded, the return received and being inspected"),
    "recovery_review": N("the merchant's claim under platform review"),
    # what the system does when a deadline passes
    "approve": N("approve the request"),
    "close": N("close the request"),
    "refund": N("refund the buyer"),
    "escalate": N("escalate it to a manager"),
    "confirm_receipt": N("count the return as received"),
    "confirm_replacement": N("count the replacement as received"),
    "refer": N("hand it to the platform"),
    "recover": N("hand the unreturned refund to the platform"),
    "complete": N("count the return as passed and complete the case"),
    # refund methods
    "card": N("card"),
    "alipay": N("Alipay account"),
    "wechat": N("WeChat Pay account"),
    "balance": N("account balance"),
}


COMPLAINT_CRISIS = T(
    N("Crisis complaint #{complaint_id}"),
    N("A complaint was graded crisis ({signals_label}). Take it over now."),
    urgent=True,
)
COMPLAINT_SLA_BREACHED = T(
    N("Complaint #{complaint_id} missed its {target} target"),
    N("It was due at {due} and is now with a {level}."),
)
GUARANTEE_TOP_UP = {
    MERCHANT: T(
        N("Please top up your deposit"),
        N(
            "Your deposit is {balance} {currency}, below the {requirement} {currency} your "
            "categories require. Please pay in {shortfall} {currency}."
        ),
        urgent=True,
    )
}
GUARANTEE_PAY_FIRST = {
    MERCHANT: T(
        N("The platform paid a buyer first on #{case_id}"),
        N(
            "{amount} {currency} was paid to the buyer ({reason}) and is recovered from your "
            "settlement, then your deposit. You may contest it until {contest_due}."
        ),
    )
}

GUARANTEE_EXECUTION = {
    MERCHANT: T(
        N("The platform carried out a ruling for you: {amount} {currency}"),
        N(
            "You did not carry out the ruling in time (DS-19), so the platform paid the buyer. "
            "It is recovered from you: {from_settlement} {currency} from settlement, "
            "{from_deposit} {currency} from your deposit, {outstanding} {currency} still owed. "
            "You may contest it until {contest_due}."
        ),
        urgent=True,
    )
}

# dispute.state_changed: what each side is asked (with its due time) and each outcome.
_DISPUTE_TAKEN_UP = T(
    N("The platform took up dispute #{dispute_id}"),
    N("The merchant is asked to answer by {due}. We will tell you at every step."),
)
_DISPUTE_ANSWER_BY = T(
    N("Answer dispute #{dispute_id} by {due}"),
    N(
        "The platform took up a claim on order {order}. If you do not answer by {due}, the "
        "platform rules on the evidence in (DS-05)."
    ),
    urgent=True,
)
_DISPUTE_NOT_TAKEN_UP = T(
    N("Dispute #{dispute_id} was not taken up"),
    N("The platform's reason: {reason_label} (DS-04)."),
)
_DISPUTE_RULED = T(
    N("Dispute #{dispute_id} ruled: {ruling_label}"),
    N(
        "Amount: {amount} {currency}. The reasoning: {reason}. The merchant carries it out by "
        "{due}, else the platform does (DS-19)."
    ),
    sms=True,
)
_DISPUTE_EXECUTE_BY = T(
    N("Carry out the ruling on dispute #{dispute_id} by {due}"),
    N(
        "Ruled {ruling_label}: {amount} {currency}. The reasoning: {reason}. Past {due} the "
        "platform carries it out and recovers it from your settlement, then your deposit "
        "(DS-19)."
    ),
    urgent=True,
)
_DISPUTE_CLOSED_RULED = T(
    N("Dispute #{dispute_id} ruled: {ruling_label}"),
    N("The reasoning: {reason}. Either side may appeal until {appeal_ends} (DS-20)."),
)
_DISPUTE_EXECUTED = T(
    N("The ruling on dispute #{dispute_id} was carried out"),
    N(
        "Carried out by {executed_by_label}: {amount} {currency}. Either side may appeal until "
        "{appeal_ends} (DS-20)."
    ),
)
_DISPUTE_APPEALED = T(
    N("Dispute #{dispute_id} was appealed"),
    N("The {party_label} appealed the ruling. The platform reviews it once (DS-20)."),
)
_DISPUTE_APPEAL_UPHELD = T(
    N("Appeal on dispute #{dispute_id} upheld"),
    N("The ruling is void and its money reversed; the platform rules again. Why: {reason}."),
)
_DISPUTE_APPEAL_DISMISSED = T(
    N("Appeal on dispute #{dispute_id} dismissed"),
    N("The ruling stands. Why: {reason}."),
)
_DISPUTE_SUSPENDED = T(
    N("Dispute #{dispute_id} suspended"),
    N(
        "Ground: {ground_label} (DS-21). Every clock is frozen and resumes with the time it had "
        "left."
    ),
)
_DISPUTE_RESUMED = T(
    N("Dispute #{dispute_id} resumed"),
    N("The clocks run again with the time they had left (DS-21)."),
)
_DISPUTE_SETTLED = T(
    N("Dispute #{dispute_id} settled by agreement"),
    N("The platform recorded the agreement. Nothing more to do."),
)
_DISPUTE_MERCHANT_SILENT = T(
    N("The merchant did not answer dispute #{dispute_id}"),
    N("The platform rules on the evidence in (DS-05)."),
)
_DISPUTE_EVIDENCE_ASKED = T(
    N("Evidence asked for dispute #{dispute_id} by {due}"),
    N(
        "Please give: {items_label}. Time counts 09:00–18:00 on every day (DS-06); evidence "
        "after {due} is kept but not counted."
    ),
    urgent=True,
    sms=True,
)
DISPUTE_STEPS: dict[str, dict[str, Template]] = {
    "accept": {BUYER: _DISPUTE_TAKEN_UP, MERCHANT: _DISPUTE_ANSWER_BY},
    "not_accept": {BUYER: _DISPUTE_NOT_TAKEN_UP, MERCHANT: _DISPUTE_NOT_TAKEN_UP},
    "merchant_silent": {BUYER: _DISPUTE_MERCHANT_SILENT},
    "appeal": {
        BUYER: _DISPUTE_APPEALED,
        MERCHANT: _DISPUTE_APPEALED,
        DESK: T(
            N("Appeal on dispute #{dispute_id} to decide"),
            N("The {party_label} appealed the ruling: {reason}."),
        ),
    },
    "suspend": {BUYER: _DISPUTE_SUSPENDED, MERCHANT: _DISPUTE_SUSPENDED},
    "resume": {BUYER: _DISPUTE_RESUMED, MERCHANT: _DISPUTE_RESUMED},
    "settle": {BUYER: _DISPUTE_SETTLED, MERCHANT: _DISPUTE_SETTLED},
    "execute": {BUYER: _DISPUTE_EXECUTED, MERCHANT: _DISPUTE_EXECUTED},
    "platform_execute": {BUYER: _DISPUTE_EXECUTED, MERCHANT: _DISPUTE_EXECUTED},
}
# The system stepped in on a merchant's timeout: the dispute is already accepted.
DISPUTE_OPENED_BY_SYSTEM = {
    BUYER: T(
        N("The platform stepped in on order {order}"),
        N(
            "The merchant did not act in time. The platform opened dispute #{dispute_id} and "
            "will tell you at every step."
        ),
    ),
    MERCHANT: _DISPUTE_ANSWER_BY,
}
# A buyer's claim on an order (not received, counterfeit), waiting for the desk.
DISPUTE_CLAIMED = {
    BUYER: T(
        N("We have your dispute #{dispute_id}"),
        N("The platform decides whether to take up your claim on order {order}."),
    ),
    DESK: T(
        N("Dispute #{dispute_id} to take up"),
        N("A claim on order {order} waits to be accepted or not."),
    ),
}
DISPUTE_SECOND_LEVEL = T(
    N("Ruling on dispute #{dispute_id} awaits a second level"),
    N("{ruling_label}, {amount} {currency}: confirm it or send it back."),
)


def _dispute_templates(payload: dict[str, Any]) -> dict[str, Template]:
    action, to_state = payload.get("action", ""), payload.get("to_state", "")
    if action == "open":
        if payload.get("opened_by") == "system":
            return DISPUTE_OPENED_BY_SYSTEM
        # A case's appeal is told by the case's own messages (platform_review).
        return {} if payload.get("case_id") else DISPUTE_CLAIMED
    if payload.get("from_state") == to_state and action != "request_evidence":
        return {}  # one side of a joint request asked; a receipt filed: nothing changed yet
    if action == "request_evidence":
        audience = PARTY_AUDIENCE.get(payload.get("party", ""))
        return {audience: _DISPUTE_EVIDENCE_ASKED} if audience else {}
    if action in {"rule", "confirm_ruling", "record_third_party"}:
        if to_state == "awaiting_execution":
            return {BUYER: _DISPUTE_RULED, MERCHANT: _DISPUTE_EXECUTE_BY}
        if to_state == "ruled":
            return {MANAGERS: DISPUTE_SECOND_LEVEL}
        return {BUYER: _DISPUTE_CLOSED_RULED, MERCHANT: _DISPUTE_CLOSED_RULED}
    if action == "decide_appeal":
        chosen = (
            _DISPUTE_APPEAL_UPHELD
            if payload.get("outcome") == "upheld"
            else (_DISPUTE_APPEAL_DISMISSED)
        )
        return {BUYER: chosen, MERCHANT: chosen}
    return DISPUTE_STEPS.get(action, {})


CREDIT_PENALISED = T(
    N("Your after-sales standing changed: {kind_label}"),
    N(
        "Reason: {reason_code} (score {score}). See why on your credit page; you can appeal "
        "there and a person decides."
    ),
    urgent=True,
)
CREDIT_RESTRICTED = T(
    N("After-sales credit {month}: {kind_label}"),
    N(
        "Your grade this month is {grade} ({reason_code}). See the metrics beside your "
        "category's mean on your credit page; you can appeal there."
    ),
)
CREDIT_APPEAL_FILED = T(
    N("Credit appeal #{appeal_id} to decide"),
    N("A {party} appealed {kind_label}. Decide it by {due}."),
)
CREDIT_APPEAL_DECIDED = T(
    N("Your credit appeal #{appeal_id}: {outcome_label}"),
    N("The reason given: {note}"),
)
CREDIT_APPEAL_OVERDUE = T(
    N("Credit appeal #{appeal_id} is overdue"),
    N("It was due at {due}. The penalty is suspended until someone decides."),
    urgent=True,
)
CREDIT_REVIEW_OPENED = T(
    N("Buyer review #{review_id} opened"),
    N("{shops} shops flagged the same buyer. Review the history and decide."),
)
LABELS.update(
    {
        "no_fast_lane": N("no fast lane"),
        "inspect_first": N("inspection before refund"),
        "larger_deposit": N("larger deposit"),
        "shorter_review": N("shorter review deadlines"),
        "manual_rejection_review": N("rejections reviewed by the platform"),
        "upheld": N("upheld, the penalty is removed"),
        "dismissed": N("dismissed, the penalty stays"),
    }
)
LABELS.update(
    {
        # dispute rulings, executors, sides, DS-04 reasons and DS-21 grounds
        "for_buyer": N("for the buyer"),
        "partial": N("partly for the buyer"),
        "for_merchant": N("for the merchant"),
        "executed_by:merchant": N("the merchant"),
        "executed_by:platform": N("the platform, past the merchant's deadline (DS-19)"),
        "party:buyer": N("buyer"),
        "party:merchant": N("merchant"),
        "not_accepted:outside_window": N("asked after the 15-day window (DS-02) had closed"),
        "not_accepted:not_negotiated": N("the two sides have not negotiated first (DS-01)"),
        "not_accepted:duplicate": N("the same claim is already in another dispute"),
        "not_accepted:settled": N("the two sides already agreed a settlement"),
        "not_accepted:no_order_relation": N("the claim is not about this order"),
        "not_accepted:in_court": N("the matter is before a court or arbitration body"),
        "lawsuit": N("a lawsuit"),
        "police_report": N("a police report"),
        "joint_request": N("both sides asked"),
    }
)


def _credit_templates(topic: str, payload: dict[str, Any]) -> dict[str, Template]:
    party = BUYER if payload.get("party") == "buyer" else MERCHANT
    return {
        "credit.buyer_penalised": {BUYER: CREDIT_PENALISED},
        "credit.merchant_restricted": {MERCHANT: CREDIT_RESTRICTED},
        "credit.appeal_filed": {DESK: CREDIT_APPEAL_FILED},
        "credit.appeal_decided": {party: CREDIT_APPEAL_DECIDED},
        "credit.appeal_overdue": {MANAGERS: CREDIT_APPEAL_OVERDUE},
        "credit.buyer_review_opened": {DESK: CREDIT_REVIEW_OPENED},
    }.get(topic, {})


def templates_for(topic: str, payload: dict[str, Any]) -> dict[str, Template]:
    """Audience → template for one event (empty: nobody is messaged, webhooks only)."""
    if topic == "case.created":
        return CREATED
    if topic == "case.state_changed":
        chosen = dict(STATE_CHANGED.get(payload.get("to_state", ""), {}))
        chosen.setdefault(BUYER, STEP)
        return chosen
    if topic == "case.reminder":
        return {
            PARTY_AUDIENCE[p]: REMINDER for p in payload.get("must_act", []) if p in PARTY_AUDIENCE
        }
    if topic == "case.escalated":
        return ESCALATED
    if topic == "complaint.crisis":
        return {MANAGERS: COMPLAINT_CRISIS}
    if topic == "complaint.sla_breached":
        return {MANAGERS: COMPLAINT_SLA_BREACHED}
    if topic == "refund.succeeded":
        return REFUND_SUCCEEDED
    if topic == "refund.failed":
        return REFUND_FAILED
    if topic.startswith("credit."):
        return _credit_templates(topic, payload)
    if topic == "guarantee.top_up_requested":
        return GUARANTEE_TOP_UP
    if topic == "guarantee.pay_first":
        return GUARANTEE_PAY_FIRST
    if topic == "guarantee.execution":
        return GUARANTEE_EXECUTION
    if topic == "dispute.state_changed":
        return _dispute_templates(payload)
    if topic == "webhook.endpoint_disabled":
        return {PLATFORM_ADMIN if payload.get("platform") else MERCHANT_ADMIN: ENDPOINT_DISABLED}
    return {}


def _when(value: Any, *, date_only: bool = False) -> str:
    if not value:
        return "—"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    local = clock.localtime(moment)
    return f"{local:%Y-%m-%d}" if date_only else f"{local:%Y-%m-%d %H:%M}"


def _label(code: Any) -> str:
    return gettext(LABELS[code]) if code in LABELS else str(code or "")


def _carrier(code: Any) -> str:
    """A carrier as people know it (顺丰速运, not `sf`); an unknown code as it came."""
    from aftersales.returns.carriers import CARRIERS

    known = CARRIERS.get(code) if code else None
    return known.name if known else str(code or "—")


def render(template: Template, payload: dict[str, Any], language: str) -> tuple[str, str]:
    """(title, body) of `template` in `language`, filled from the payload."""
    with translation.override(language):
        params = {
            **{k: v for k, v in payload.items() if isinstance(v, str | int)},
            "type_label": _label(payload.get("type")),
            "state_label": _label(payload.get("state")),
            "then_label": _label(payload.get("then")),
            "method_label": _label(payload.get("method")),
            "due": _when(payload.get("due_at")),
            "expected": _when(payload.get("expected_at"), date_only=True),
            "since": _when(payload.get("failing_since")),
            "contest_due": _when(payload.get("contest_due_at")),
            "reason": payload.get("reason") or "—",
            "carrier": _carrier(payload.get("carrier")),
            "signals_label": ", ".join(payload.get("signals") or []) or "—",
            "kind_label": _label(payload.get("kind")),
            "outcome_label": _label(payload.get("outcome")),
            # Disputes: the ruling, who carried it out, the DS-04 reason, the DS-21 ground.
            "ruling_label": _label(payload.get("ruling")),
            "executed_by_label": _label(f"executed_by:{payload.get('executed_by')}"),
            "reason_label": _label(f"not_accepted:{payload.get('reason_code')}"),
            "ground_label": _label(payload.get("ground")),
            "party_label": _label(f"party:{payload.get('party')}"),
            "items_label": ", ".join(payload.get("items") or []) or "—",
            "appeal_ends": _when(payload.get("appeal_ends_at")),
        }
        if not params.get("amount") and payload.get("refund_amount"):
            params["amount"] = payload["refund_amount"]
        filled = _Blank(params)
        return gettext(template.title).format_map(filled), gettext(template.body).format_map(filled)


class _Blank(dict):
    """A missing field reads as a dash rather than failing the whole fan-out."""

    def __missing__(self, key: str) -> str:
        return "—"
