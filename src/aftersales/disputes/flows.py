"""The dispute (平台介入) lifecycle as data: states, transitions (who may take them, what they
require, where they lead) and deadlines (which policy duration, what happens when nobody acts).

The same `T`, `Deadline` and `Flow` as the case engine (cases/flows.py), and the same parties:
`buyer`, `merchant`, `platform` (the desk), `system` (the deadline worker). Where a target
depends on the body (`rule`'s ruling, `decide_appeal`'s outcome) the transition names the
outcomes; `@previous` continues where a suspension interrupted the dispute. See
docs/disputes.md for the table this module generates."""

from __future__ import annotations

from aftersales.cases.flows import AUTO, BUYER, MERCHANT, PLATFORM, Deadline, Flow, T

_B, _M, _P, _S = (frozenset({p}) for p in (BUYER, MERCHANT, PLATFORM, AUTO))
_PS = frozenset({PLATFORM, AUTO})
_SIDES = frozenset({BUYER, MERCHANT})
_ANYONE = frozenset({BUYER, MERCHANT, PLATFORM})

# The states a dispute can be suspended from (DS-21) and settled from: every open one.
ACTIVE = ("awaiting_merchant", "evidence", "under_review", "ruled", "awaiting_execution")
OPEN = ("requested", *ACTIVE, "suspended", "crowd_review", "appeal_review")

RULINGS = ("for_buyer", "partial", "for_merchant")
# Rulings that move money to the buyer: these count in 纠纷退款率 (figures.py).
FOR_BUYER = frozenset({"for_buyer", "partial"})

# Why the platform does not take a dispute up (DS-04): shown to both sides.
NOT_ACCEPTED_REASONS = {
    "outside_window": "asked after the DS-02 window (15 days after the refusal) had closed",
    "not_negotiated": "the sides have not negotiated first (DS-01: 24 h of talks)",
    "duplicate": "the same claim is already in another dispute",
    "settled": "the sides already agreed a settlement",
    "no_order_relation": "the claim is not about this order or its after-sale",
    "in_court": "the same matter is before a court or arbitration body",
}

SUSPENSION_GROUNDS = ("lawsuit", "police_report", "joint_request")

# A ruling the merchant carries out, else the platform does (DS-19); after a quality ruling
# the merchant has 48 h to approve the return.
QUALITY_TYPES = frozenset({"visible_defect", "hidden_defect", "not_as_described"})


def _ruling(source: str) -> T:
    return T(
        source,
        "rule",
        by=_P,
        requires=("ruling", "reason", "decided_by"),
        outcome_field="ruling",
        outcomes=(
            ("for_buyer", "awaiting_execution"),
            ("partial", "awaiting_execution"),
            ("for_merchant", "closed"),
        ),
    )


DISPUTE = Flow(
    name="dispute",
    states=(
        "requested",
        "not_accepted",
        "awaiting_merchant",
        "evidence",
        "under_review",
        "crowd_review",
        "ruled",
        "awaiting_execution",
        "closed",
        "appeal_review",
        "suspended",
        "settled",
    ),
    terminal=frozenset({"not_accepted", "settled"}),
    transitions=(
        T("requested", "accept", "awaiting_merchant", by=_P),
        T("requested", "not_accept", "not_accepted", by=_P, requires=("reason_code",)),
        # DS-05: the merchant answers within 24 h; silence → the platform rules on what is in.
        T("awaiting_merchant", "answer", "under_review", by=_M, requires=("note",)),
        T("awaiting_merchant", "merchant_silent", "under_review", by=_S),
        # DS-06: a named side is asked for named evidence, on the 09:00–18:00 clock.
        T("awaiting_merchant", "request_evidence", "evidence", by=_P, requires=("party", "items")),
        T("under_review", "request_evidence", "evidence", by=_P, requires=("party", "items")),
        T("evidence", "request_evidence", "evidence", by=_P, requires=("party", "items")),
        # Every request answered, or the last one's clock ran out: the review goes on with
        # what is in.
        T("evidence", "evidence_in", "under_review", by=_S),
        T("evidence", "close_evidence", "under_review", by=_PS),
        # 大众评审: off unless the platform switches it on (AFTERSALES_DISPUTE_CROWD_REVIEW).
        T("under_review", "send_to_crowd", "crowd_review", by=_P, when="crowd_review_enabled"),
        T("crowd_review", "crowd_verdict", "under_review", by=_P, requires=("verdict",)),
        # A ruling above the second-level amount waits in `ruled` for a manager (services).
        _ruling("under_review"),
        T(
            "ruled",
            "confirm_ruling",
            by=_P,
            outcome_field="ruling",
            outcomes=(
                ("for_buyer", "awaiting_execution"),
                ("partial", "awaiting_execution"),
                ("for_merchant", "closed"),
            ),
        ),
        T("ruled", "send_back", "under_review", by=_P, requires=("reason",)),
        # DS-19: the merchant carries the ruling out, else the platform does.
        T("awaiting_execution", "execute", "closed", by=_M),
        T("awaiting_execution", "platform_execute", "closed", by=_PS),
        # DS-20: one appeal level, either side within 7 days of closing (window: services).
        T("closed", "appeal", "appeal_review", by=_SIDES, requires=("reason",)),
        T(
            "appeal_review",
            "decide_appeal",
            by=_P,
            requires=("outcome", "reason"),
            outcome_field="outcome",
            outcomes=(("upheld", "under_review"), ("dismissed", "closed")),
        ),
        # DS-21: suspended on a lawsuit, a police report or both sides' request; resumed
        # where it stood with the time it had left.
        *(T(s, "suspend", "suspended", by=_ANYONE, requires=("ground",)) for s in ACTIVE),
        T("suspended", "file_receipt", "suspended", by=_ANYONE, requires=("reference",)),
        T("suspended", "resume", "@previous", by=_PS),
        # A third party's outcome (mediation, arbitration) is recorded and carried out.
        *(
            T(
                s,
                "record_third_party",
                by=_P,
                requires=("body", "reference", "ruling", "reason"),
                outcome_field="ruling",
                outcomes=(
                    ("for_buyer", "awaiting_execution"),
                    ("partial", "awaiting_execution"),
                    ("for_merchant", "closed"),
                ),
            )
            for s in ("under_review", "suspended", "appeal_review")
        ),
        # Settled by agreement: the sides agree, the platform records it.
        *(T(s, "settle", "settled", by=_P, requires=("note",)) for s in OPEN),
    ),
    deadlines=(
        Deadline("awaiting_merchant", "dispute_merchant_answer", then="merchant_silent"),
        # Evidence requests each carry their own clock (services.request_evidence); this is
        # the declaration the docs and the worker read.
        Deadline("evidence", "dispute_evidence", then="close_evidence"),
        Deadline("under_review", "dispute_ruling", then="escalate"),
        Deadline("awaiting_execution", "merchant_execute_ruling", then="platform_execute"),
        Deadline("suspended", "dispute_suspension", then="resume"),
    ),
)


def duration_name(name: str, *, dispute_type: str, facts: dict) -> str:
    """Which policy duration a declared one resolves to for this dispute: 48 h to carry out
    a quality ruling (DS-19); suspension's resume rule by its ground and receipt (DS-21)."""
    if name == "merchant_execute_ruling" and dispute_type in QUALITY_TYPES:
        return "merchant_execute_quality_ruling"
    if name == "dispute_suspension":
        suspension = facts.get("suspension") or {}
        if suspension.get("ground") == "joint_request":
            return "dispute_suspension_settlement"
        if suspension.get("receipt"):
            # A court's case is the court's to end: no timer; a police case waits 6 months.
            return "dispute_suspension_police" if suspension["ground"] == "police_report" else ""
        return "dispute_suspension_receipt"
    return name
