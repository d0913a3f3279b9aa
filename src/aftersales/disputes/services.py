"""Every state change of a dispute, the door the rest of the platform uses. One executor
(`act`, steps.py) applies a declared transition with the action's own effect; the effects and
the other doors live with their subject:

- opening.py — opening a dispute (`open_dispute`; a case's appeal and a merchant's timeout
  through hooks.py), accepting it or not (DS-04), the merchant's answer or silence (DS-05);
- evidence.py — evidence rounds on the DS-06 clock (`submit_evidence`, a request's clock
  running out) and the burden-of-proof `assessment`;
- rulings.py — rulings with their checks and second level, crowd review, third parties,
  settlement, execution (DS-19), a desk ruling taken on the case closing the dispute;
- appeals.py — the appeal (DS-20) and suspension (DS-21).

Side effects leave after commit (the outbox row is written in the transaction)."""

from __future__ import annotations

from aftersales.disputes import appeals, evidence, opening, rulings, steps
from aftersales.disputes.evidence import (
    assessment,
    counted_evidence,
    evidence_due,
    submit_evidence,
)
from aftersales.disputes.opening import (
    ORDER_CLAIMS,
    TYPE_OF_REASON,
    build_for_case,
    open_dispute,
    open_on_merchant_timeout,
    opened,
)
from aftersales.disputes.rulings import (
    OTHER_GROUNDS,
    RULERS,
    SECOND_LEVEL,
    close_on_case_ruling,
)
from aftersales.disputes.steps import (
    ACTIONS,
    GUARDS,
    Body,
    act,
    act_locked,
    allowed_actions,
    record_notice,
)

# Which effect each action runs: one table, each module owning its own actions.
for module in (opening, evidence, rulings, appeals):
    overlap = steps.EFFECTS.keys() & module.EFFECTS.keys()
    assert not overlap, f"actions with two effects: {sorted(overlap)}"
    steps.EFFECTS.update(module.EFFECTS)

__all__ = [
    "ACTIONS",
    "GUARDS",
    "ORDER_CLAIMS",
    "OTHER_GROUNDS",
    "RULERS",
    "SECOND_LEVEL",
    "TYPE_OF_REASON",
    "Body",
    "act",
    "act_locked",
    "allowed_actions",
    "assessment",
    "build_for_case",
    "close_on_case_ruling",
    "counted_evidence",
    "evidence_due",
    "open_dispute",
    "open_on_merchant_timeout",
    "opened",
    "record_notice",
    "submit_evidence",
]
