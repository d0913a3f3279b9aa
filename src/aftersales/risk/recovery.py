"""The fast lane's promise is the platform's: 极速退款 sends the money before the goods are back,
on the platform's trust in the buyer, so when the desk upholds the merchant's claim after such a
refund (`recovery_review` ruled for the merchant, or partly) the platform — not the merchant —
carries what the buyer was refunded beyond what the ruling leaves them. It is paid to the
merchant through the guarantee ledger's restitution (Dr platform_loss, Cr settlement, once per
case: the ledger refuses a second), in the ruling's own transaction, so a ruling never stands
without its money. The buyer keeps the refund already sent; what they were refunded beyond the
ruling is recorded on the case (`facts.recovery`) beside the movement, for the platform to pursue,
and the ruling itself ends their fast lane (trust.CLAIM_UPHELD)."""

from __future__ import annotations

from decimal import Decimal

from aftersales.accounts.actors import PLATFORM_INTEGRATION, Actor
from aftersales.cases.models import Case, CaseEvent
from aftersales.cases.services import ActionBody, after_step
from aftersales.guarantee import services as guarantee
from aftersales.guarantee.models import Source
from aftersales.refunds.selectors import refunded_on_case

CLAIM_STATE = "recovery_review"


def owed_back(refunded: Decimal, body: ActionBody) -> Decimal:
    """What the ruling takes back of a refund already made: all of it for the merchant; above
    the amount the buyer keeps for a partial ruling; nothing for the buyer."""
    if body.ruling == "for_merchant":
        return refunded
    if body.ruling == "partial" and body.amount is not None:
        return max(refunded - body.amount, Decimal("0.00"))
    return Decimal("0.00")


@after_step("rule")
def pay_the_merchant_back(taken: list[tuple[Case, ActionBody, CaseEvent]]) -> None:
    for case, body, event in taken:
        if event.from_state != CLAIM_STATE:
            continue
        refunded = refunded_on_case(case.pk)
        owed = owed_back(refunded, body)
        if owed <= 0:
            continue
        movement = guarantee.restitute(
            merchant_id=case.merchant_id,
            amount=owed,
            source=Source.CASE,
            source_id=case.pk,
            actor=Actor(kind="system", role=PLATFORM_INTEGRATION, label=f"case {case.pk}"),
            note=f"case {case.pk}: fast-lane refund of {refunded:.2f}, ruled {body.ruling} "
            f"({body.reason}); the platform bears {owed:.2f}",
        )
        case.facts["recovery"] = {
            "refunded": f"{refunded:.2f}",
            "owed_by_buyer": f"{owed:.2f}",
            "paid_to_merchant": f"{owed:.2f}",
            "movement_id": movement.pk,
        }


__all__ = ["owed_back", "pay_the_merchant_back"]
