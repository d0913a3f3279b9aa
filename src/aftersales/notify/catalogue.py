"""The event catalogue: every topic the outbox carries, its payload version and fields. The
webhook API accepts only these names; docs/api.md lists them (a test keeps the two in step)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    name: str
    version: int
    summary: str
    fields: dict[str, str]  # payload field → its type and meaning
    webhook: bool = True  # offered to webhook endpoints (internal notices are not)


_CASE = {
    "case_id": "integer: the case",
    "merchant": "string: the merchant's code",
    "order": "string: the order's external_id",
    "type": "string: the request type (refund_only, return_refund, …)",
    "state": "string: the case's state after the event",
    "at": "string: ISO 8601 time of the step",
}

TOPICS: dict[str, Topic] = {
    t.name: t
    for t in (
        Topic(
            "case.created",
            1,
            "A buyer (or the desk, or an integration) opened a case.",
            {
                **_CASE,
                "reason": "string: the buyer's reason",
                "policy_version": "string: the policy the case was judged under",
            },
        ),
        Topic(
            "case.state_changed",
            1,
            "A case moved from one state to another: a person's action or the system's.",
            {
                **_CASE,
                "action": "string: the action taken (approve, reject, confirm_receipt, …)",
                "from_state": "string",
                "to_state": "string (the same as state)",
                "actor": "string: buyer, merchant, platform or system",
                "rule": "string: the policy row or timer behind an automatic step, or empty",
                "seq": "integer: the event's place in the case's log",
                "refund_amount": "decimal string or null: the amount granted, when known",
                "currency": "string",
            },
        ),
        Topic(
            "case.reminder",
            1,
            "A deadline is approaching: whoever must act hears it before the system acts.",
            {
                **_CASE,
                "deadline": "string: the policy duration that runs out (merchant_review, …)",
                "due_at": "string: ISO 8601",
                "then": "string: the action the system takes at due_at",
                "must_act": "list of strings: the parties who can act now",
            },
        ),
        Topic(
            "case.escalated",
            1,
            "A deadline that ends in a notice passed (a late ruling goes to a manager).",
            {
                **_CASE,
                "deadline": "string",
                "due_at": "string: ISO 8601",
            },
        ),
        Topic(
            "case.evidence_added",
            1,
            "Evidence every side may see was added to a case (one-sided evidence is not told).",
            {**_CASE, "kinds": "list of strings: image, video or pdf", "count": "integer"},
        ),
        Topic(
            "refund.requested",
            1,
            "A refund was sent to the payment provider.",
            {
                "refund_id": "integer",
                "case_id": "integer",
                "merchant": "string",
                "order": "string",
                "amount": "decimal string, two places",
                "currency": "string",
                "method": "string: how the money goes back (card, alipay, wechat, …)",
                "expected_at": "string: ISO 8601, when the money is expected to arrive",
                "at": "string: ISO 8601",
            },
        ),
        Topic(
            "refund.succeeded",
            1,
            "The provider confirmed the refund: the money is on its way back to the buyer.",
            {
                "refund_id": "integer",
                "case_id": "integer",
                "merchant": "string",
                "order": "string",
                "amount": "decimal string, two places",
                "currency": "string",
                "method": "string",
                "provider_ref": "string: the provider's reference",
                "expected_at": "string: ISO 8601, when the money is expected to arrive",
                "at": "string: ISO 8601",
            },
        ),
        Topic(
            "refund.failed",
            1,
            "The provider refused or failed the refund; it will be retried or handled by staff.",
            {
                "refund_id": "integer",
                "case_id": "integer",
                "merchant": "string",
                "order": "string",
                "amount": "decimal string, two places",
                "currency": "string",
                "reason": "string: the provider's reason",
                "at": "string: ISO 8601",
            },
        ),
        Topic(
            "webhook.endpoint_disabled",
            1,
            "An endpoint kept failing and was disabled; its owner is told (inbox and email).",
            {
                "endpoint_id": "integer",
                "url": "string",
                "failures": "integer: consecutive failed attempts",
                "failing_since": "string: ISO 8601",
                "platform": "boolean: a platform-wide endpoint (its owner is the platform)",
            },
            webhook=False,
        ),
        Topic(
            "complaint.crisis",
            1,
            "A complaint was graded 危机 (crisis): the managers on duty are paged at once.",
            {
                "complaint_id": "integer",
                "severity": "string: crisis",
                "signals": "list of strings: the signals behind the grade",
                "channel": "string",
                "at": "string: ISO 8601",
            },
            webhook=False,
        ),
        Topic(
            "complaint.sla_breached",
            1,
            "A complaint missed an SLA target; it was escalated.",
            {
                "complaint_id": "integer",
                "target": "string: first_response, next_response or resolution",
                "due_at": "string: ISO 8601",
                "level": "string: who holds it now (specialist, manager)",
                "severity": "string",
                "at": "string: ISO 8601",
            },
            webhook=False,
        ),
        # Credit (credit/): notices to the buyer or merchant a penalty touches, and the desk's
        # and managers' queue of appeals. Inbox and email only.
        Topic(
            "credit.buyer_penalised",
            1,
            "A penalty (no fast lane, inspection first) was placed on a buyer, with its reason.",
            {
                "penalty_id": "integer",
                "kind": "string: no_fast_lane or inspect_first",
                "reason_code": "string: why (score.below_penalty_line, review.shop_flags, …)",
                "score": "integer: the buyer's score when it was decided",
                "at": "string: ISO 8601",
            },
            webhook=False,
        ),
        Topic(
            "credit.merchant_restricted",
            1,
            "A monthly rating brought a restriction on a merchant, with its reason.",
            {
                "restriction_id": "integer",
                "kind": "string: larger_deposit, shorter_review or manual_rejection_review",
                "reason_code": "string: the grade and metrics behind it",
                "grade": "string: A–D",
                "month": "string: YYYY-MM",
                "at": "string: ISO 8601",
            },
            webhook=False,
        ),
        Topic(
            "credit.appeal_filed",
            1,
            "A buyer or merchant appealed a credit penalty; a person must decide it.",
            {
                "appeal_id": "integer",
                "party": "string: buyer or merchant",
                "kind": "string: the penalty or restriction appealed",
                "due_at": "string: ISO 8601, the decision SLA",
                "at": "string: ISO 8601",
            },
            webhook=False,
        ),
        Topic(
            "credit.appeal_decided",
            1,
            "A person decided a credit appeal: upheld (the penalty is removed) or dismissed.",
            {
                "appeal_id": "integer",
                "party": "string: buyer or merchant",
                "kind": "string",
                "outcome": "string: upheld or dismissed",
                "note": "string: the decider's reason",
                "at": "string: ISO 8601",
            },
            webhook=False,
        ),
        Topic(
            "credit.appeal_overdue",
            1,
            "A credit appeal passed its SLA undecided: the penalty is suspended, managers told.",
            {
                "appeal_id": "integer",
                "party": "string: buyer or merchant",
                "due_at": "string: ISO 8601",
                "at": "string: ISO 8601",
            },
            webhook=False,
        ),
        Topic(
            "credit.buyer_review_opened",
            1,
            "Flags from two or more distinct shops opened a review of a buyer.",
            {
                "review_id": "integer",
                "shops": "integer: distinct shops flagging",
                "at": "string: ISO 8601",
            },
            webhook=False,
        ),
        Topic(
            "guarantee.top_up_requested",
            1,
            "The merchant's deposit fell below its requirement: the platform asks for a top-up.",
            {
                "merchant": "string: the merchant's code",
                "request_id": "integer: the top-up request",
                "balance": "decimal string: the deposit now",
                "requirement": "decimal string: what the merchant must keep (EC-06)",
                "shortfall": "decimal string: requirement less balance",
                "currency": "string",
                "category": "string: the category that sets the requirement, or empty",
                "rule": "string: the policy row",
                "raised_by": "string: why the requirement was raised above the policy's "
                "(credit's larger deposit), or empty",
                "at": "string: ISO 8601",
            },
        ),
        Topic(
            "guarantee.pay_first",
            1,
            "The platform paid a buyer first (先行赔付) and recovers it from the merchant.",
            {
                "pay_first_id": "integer",
                "merchant": "string: the merchant's code",
                "case_id": "integer: the case the buyer was paid on",
                "amount": "decimal string, two places",
                "currency": "string",
                "reason": "string",
                "recovered": "decimal string: taken from settlement and deposit so far",
                "outstanding": "decimal string: still owed",
                "contest_due_at": "string: ISO 8601, the end of the contest window (GF-03)",
                "at": "string: ISO 8601",
            },
        ),
        Topic(
            "dispute.state_changed",
            1,
            "A platform dispute took a step: accepted, evidence asked, ruled, executed, appealed.",
            {
                "dispute_id": "integer: the dispute",
                "case_id": "integer or null: the case it came from",
                "merchant": "string: the merchant's code",
                "order": "string: the order's external_id",
                "type": "string: the burden of proof it falls under (docs/disputes.md)",
                "action": "string: the action taken",
                "from_state": "string",
                "to_state": "string",
                "actor": "string: buyer, merchant, platform or system",
                "rule": "string: the policy row behind the step, or empty",
                "seq": "integer: the event's place in the dispute's log",
                "at": "string: ISO 8601 time of the step",
                "opened_by": "string: buyer, platform or system (a merchant's timeout)",
                "reason": "string: why — the ruling's reasoning, the DS-04 reason, the appeal's",
                "reason_code": "string: the DS-04 reason a dispute was not taken up, or empty",
                "party": "string: the side asked for evidence, or the side that appealed",
                "items": "list of strings: the evidence asked for (request_evidence)",
                "due_at": "string or null: ISO 8601, when what the step asks is due",
                "ruling": "string: for_buyer, partial, for_merchant, or empty",
                "amount": "decimal string or null: the ruling's refund",
                "currency": "string",
                "executed_by": "string: merchant, platform or case, once carried out",
                "appeal_ends_at": "string or null: ISO 8601, the end of the DS-20 window",
                "outcome": "string: an appeal's outcome (upheld, dismissed), or empty",
                "ground": "string: the DS-21 ground of a suspension, or empty",
            },
        ),
        Topic(
            "guarantee.execution",
            1,
            "The platform carried out a ruling the merchant did not (DS-19) and recovers it.",
            {
                "pay_first_id": "integer: the execution's record (contested as a pay-first)",
                "merchant": "string: the merchant's code",
                "source": "string: what was executed (ruling)",
                "source_id": "integer: its id (the dispute, for a ruling)",
                "case_id": "integer or null: the case the ruling was on",
                "amount": "decimal string, two places: paid to the buyer for the merchant",
                "currency": "string",
                "from_settlement": "decimal string: recovered from settlement now",
                "from_deposit": "decimal string: recovered from the deposit now",
                "outstanding": "decimal string: still owed",
                "contest_due_at": "string: ISO 8601, the end of the contest window (GF-03)",
                "at": "string: ISO 8601",
            },
        ),
    )
}

WEBHOOK_TOPICS = frozenset(name for name, t in TOPICS.items() if t.webhook)


def topic(name: str) -> Topic:
    try:
        return TOPICS[name]
    except KeyError:
        raise ValueError(f"unknown topic {name!r}; add it to notify/catalogue.py") from None
