"""The appeal (DS-20: one level, either side within 7 days of closing; upheld, the ruling is
voided and its money reversed) and suspension (DS-21: a lawsuit, a police report or both
sides' request freeze the clocks; a receipt filed changes the resume rule; resumed where it
stood with the time it had left)."""

from __future__ import annotations

from aftersales.cases.flows import BUYER, MERCHANT, PLATFORM, party_of
from aftersales.core import clock
from aftersales.core.errors import InvalidInput, NotAllowed
from aftersales.disputes import execution, steps
from aftersales.disputes.flows import SUSPENSION_GROUNDS
from aftersales.disputes.rulings import SECOND_LEVEL, clear_ruling


def _appeal(dispute, actor, body, at, target):
    if dispute.appealed:
        raise NotAllowed(
            "One appeal level (DS-20): this dispute was appealed already.",
            allowed_actions=[],
            state=dispute.state,
        )
    if dispute.appeal_ends_at is None or at > dispute.appeal_ends_at:
        ends = clock.localtime(dispute.appeal_ends_at) if dispute.appeal_ends_at else None
        when = f"{ends:%Y-%m-%d %H:%M} ({ends.tzinfo})" if ends else "with its closing"
        raise InvalidInput.on_field(
            "appeal",
            f"the appeal window (DS-20: 7 days after the dispute closed) ended {when}",
            window_ends_at=dispute.appeal_ends_at.isoformat() if dispute.appeal_ends_at else None,
        )
    dispute.appealed = True
    dispute.facts["appeal"] = {"by": party_of(actor), "reason": body.reason, "at": at.isoformat()}
    return target, "DS-20", {"by": party_of(actor)}


def _decide_appeal(dispute, actor, body, at, target):
    steps.desk_role(actor, SECOND_LEVEL, "Deciding an appeal")
    if body.outcome == "upheld":
        reversed_total = execution.reverse(dispute, at=at, note=body.reason)
        dispute.facts.setdefault("voided_rulings", []).append(
            {
                "ruling": dispute.ruling,
                "amount": f"{dispute.ruling_amount:.2f}" if dispute.ruling_amount else None,
                "decided_by": dispute.decided_by,
                "reason": dispute.ruling_reason,
                "voided_at": at.isoformat(),
            }
        )
        dispute.ruling_void = True
        clear_ruling(dispute)
        dispute.executed_by, dispute.executed_at, dispute.closed_at = "", None, None
        dispute.appeal_ends_at = None
        return target, "DS-20", {"outcome": "upheld", "reversed": f"{-reversed_total:.2f}"}
    return target, "DS-20", {"outcome": "dismissed"}


def _suspend(dispute, actor, body, at, target):
    if body.ground not in SUSPENSION_GROUNDS:
        raise InvalidInput.on_field("ground", f"one of {list(SUSPENSION_GROUNDS)}")
    party = party_of(actor)
    if body.ground == "joint_request" and party != PLATFORM:
        asks = set(dispute.facts.get("suspension_asks", [])) | {party}
        dispute.facts["suspension_asks"] = sorted(asks)
        if asks < {BUYER, MERCHANT}:
            # One side asked: the dispute goes on until the other side asks too.
            return (
                dispute.state,
                "DS-21",
                {"asked_by": party, "waiting_for": sorted({BUYER, MERCHANT} - asks)},
            )
    dispute.facts["suspended_from"] = dispute.state
    dispute.facts["suspension"] = {
        "ground": body.ground,
        "reference": body.reference,
        "receipt": False,
        "at": at.isoformat(),
    }
    dispute.facts.pop("suspension_asks", None)
    return target, "DS-21", {"ground": body.ground}


def _file_receipt(dispute, actor, body, at, target):
    suspension = dict(dispute.facts.get("suspension") or {})
    suspension["receipt"] = body.reference
    dispute.facts["suspension"] = suspension
    return target, "DS-21", {"receipt": body.reference}


def _resume(dispute, actor, body, at, target):
    dispute.facts.pop("suspension", None)
    dispute.facts.pop("suspended_from", None)
    return target, "DS-21", {}


EFFECTS = {
    "appeal": _appeal,
    "decide_appeal": _decide_appeal,
    "suspend": _suspend,
    "file_receipt": _file_receipt,
    "resume": _resume,
}
