"""The case engine's `refund` step, granted through the refunds ledger: each case that takes the
step becomes one refund request (its lines' refundable amounts, deductions, the shipping fee,
return-shipping compensation, a 运费险 claim), and the list is granted in one call — in the
transaction of the step, so a refund above what is left fails the action and nothing is
written. The batch deadline path calls `grant_for` once per batch with all its steps."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from aftersales.accounts.actors import Actor
from aftersales.policy.decide import FAULT_REASONS
from aftersales.refunds.services import LineRequest, RefundRequest, grant_refunds

ZERO = Decimal("0.00")


def grant_for(steps: list[tuple[Any, Any, Actor | None]]) -> None:
    """`steps`: (case, action body, actor or None) of every case taking `refund` now; each case
    has `refund_amount` set by the step (what is granted). Leaves `granted_refunds` on each."""
    requests = [_request(case, actor) for case, _body, actor in steps]
    refunds = grant_refunds(requests)
    by_case: dict[int, list] = {}
    for refund in refunds:
        by_case.setdefault(refund.case_id, []).append(refund)
    for case, _body, _actor in steps:
        case.granted_refunds = by_case.get(case.pk, [])


def _lines(case):
    written = getattr(case, "written_lines", None)
    return written if written is not None else list(case.lines.select_related("order_line"))


def _request(case, actor: Actor | None) -> RefundRequest:
    lines = _lines(case)
    gifts_kept = bool(case.facts.get("gifts_not_returned"))
    requests = []
    for ln in lines:
        deducted, why = ZERO, ""
        if gifts_kept and ln.order_line.gifts:  # NR-11: a gift kept is charged at its marked price
            deducted = sum((Decimal(g["marked_price"]) for g in ln.order_line.gifts), ZERO)
            deducted, why = min(deducted, ln.refundable_amount), "NR-11: gift not returned"
        requests.append(
            LineRequest(
                order_line_id=ln.order_line_id,
                limit=ln.refundable_amount,
                quantity=ln.quantity,
                deducted=deducted,
                deduction_reason=why,
            )
        )
    full = sum((ln.refundable_amount for ln in lines), ZERO)
    amount = case.refund_amount if case.refund_amount is not None else full
    paid_by = case.decision.get("return_shipping_paid_by", "none")
    returned = bool(case.facts.get("return_shipment"))
    order = case.order
    whole_order = order.shipping_fee > 0 and _covers_whole_order(case, lines)
    return RefundRequest(
        case_id=case.pk,
        merchant_id=case.merchant_id,
        order_id=case.order_id,
        currency=case.currency,
        lines=tuple(requests),
        amount=None if amount == full else amount,
        kind="price_protection" if case.type == "price_protection" else "goods",
        # The shipping fee goes back with the whole order when the buyer is not at fault for
        # the return, or nothing was delivered (TB-05; refund only).
        shipping_fee=whole_order and (case.type == "refund_only" or case.reason in FAULT_REASONS),
        # The merchant bears the return shipping (Q-01, TB-06): the buyer's cost, as recorded.
        return_shipping=Decimal(str(case.facts.get("return_shipping_fee") or "0.00"))
        if paid_by == "merchant" and returned
        else ZERO,
        freight_insurance=paid_by == "freight_insurance" and returned,
        maker=actor,
    )


def _covers_whole_order(case, lines) -> bool:
    claimed = {ln.order_line_id: ln.quantity for ln in lines}
    return all(claimed.get(ol.pk, 0) >= ol.quantity for ol in case.order.lines.all())
