"""The case engine's `refund` step, granted through the refunds ledger: an `after_step("refund")`
hook that turns every case taking the step in one apply — one action, an automatic chain, or a
whole deadline batch — into a refund request (its lines' refundable amounts, deductions, the
shipping fee, return-shipping compensation, a 运费险 claim) and grants the list in one call, in
the step's transaction: a refund above what is left raises 422 naming the limit and the
transaction writes nothing (the API's rolls back; a deadline batch retries row by row and the
row backs off). The step's event says who made the refund (the person a second approver must
differ from). What the requests read — the case lines, gifts kept, the orders' lines and
shipping fees — is read for the whole batch at once. Registered by `cases.apps` at start-up."""

from __future__ import annotations

from decimal import Decimal

from aftersales.accounts.actors import SYSTEM, Actor
from aftersales.cases import logistics
from aftersales.cases.models import Case, CaseEvent, CaseLine
from aftersales.cases.services import ActionBody, after_step
from aftersales.orders.models import OrderLine
from aftersales.policy.decide import FAULT_REASONS
from aftersales.refunds.services import LineRequest, RefundRequest, grant_refunds

ZERO = Decimal("0.00")


@after_step("refund")
def grant_for(steps: list[tuple[Case, ActionBody, CaseEvent]]) -> None:
    """`steps`: (case, action body, the step's event) of every case taking `refund` in this
    apply; each case has `refund_amount` set by the step (what is granted). Leaves
    `granted_refunds` on each case."""
    cases = [case for case, _body, _event in steps]
    lines = _case_lines(cases)
    gifts = _gifts(cases, lines)
    orders = _order_lines(cases)
    requests = [
        _request(case, lines[case.pk], gifts, orders[case.order_id], maker_of(event))
        for case, _body, event in steps
    ]
    # The order lines `open_case` holds locked, with what the ledger has refunded on them.
    held = {pk: found for case in cases for pk, found in getattr(case, "held_lines", {}).items()}
    # Granted at the step's time (one time per apply; a step acted `at=` a past moment, as the
    # demo's history does, is granted then, so a month's figures count it in its month).
    times = {event.at for _case, _body, event in steps}
    at = times.pop() if len(times) == 1 else None
    refunds = grant_refunds(requests, at=at, held=held or None)
    by_case: dict[int, list] = {}
    for refund in refunds:
        by_case.setdefault(refund.case_id, []).append(refund)
    for case in cases:
        case.granted_refunds = by_case.get(case.pk, [])


def refund_exchange_difference(case: Case, amount: Decimal) -> None:
    """An exchange into a cheaper variant owes the buyer the difference: granted through the
    ledger in the replacement's transaction, spread over the case's lines within what each may
    pay back (a merchant's step, one case at a time)."""
    lines = _case_lines([case])[case.pk]
    case.granted_refunds = grant_refunds(
        [
            RefundRequest(
                case_id=case.pk,
                merchant_id=case.merchant_id,
                order_id=case.order_id,
                currency=case.currency,
                lines=tuple(
                    LineRequest(
                        order_line_id=ln.order_line_id,
                        limit=ln.refundable_amount,
                        quantity=ln.quantity,
                    )
                    for ln in lines
                ),
                amount=amount,
            )
        ]
    )


logistics.PRICE_DIFFERENCE_REFUND_HOOKS.append(refund_exchange_difference)


def maker_of(event: CaseEvent) -> Actor:
    """Who took the step, as its event recorded them: the maker of the refunds it grants. An
    automatic refund that follows a person's approval at once is theirs: the approver may not
    also be the checker."""
    while event.actor_role == SYSTEM and getattr(event, "caused_by", None) is not None:
        event = event.caused_by
    return Actor(
        kind=event.actor_kind,
        role=event.actor_role,
        label=event.actor_label,
        user_id=event.actor_user_id,
        merchant_id=event.merchant_id,
    )


def _case_lines(cases: list[Case]) -> dict[int, list[CaseLine]]:
    """Each case's lines: what `open_case` left on the case, the rows the deadline batch read
    (`services.read_refundable`) or a prefetch, else one query for every case of the batch."""
    out: dict[int, list[CaseLine]] = {}
    missing = []
    for case in cases:
        written = getattr(case, "line_rows", None)
        if written is None:
            written = getattr(case, "written_lines", None)
        if written is not None:
            out[case.pk] = list(written)
        elif "lines" in getattr(case, "_prefetched_objects_cache", {}):
            out[case.pk] = list(case.lines.all())
        else:
            out[case.pk] = []
            missing.append(case.pk)
    if missing:
        for ln in CaseLine.objects.filter(case_id__in_ids=missing).order_by("pk"):
            out[ln.case_id].append(ln)
    return out


def _gifts(cases: list[Case], lines: dict[int, list[CaseLine]]) -> dict[int, list]:
    """The gifts of each order line of the cases whose buyer kept them (NR-11) — one query for
    the batch, none when no case kept any."""
    keeping = [ln for c in cases if c.facts.get("gifts_not_returned") for ln in lines[c.pk]]
    gifts = {
        ln.order_line_id: ln.order_line.gifts
        for ln in keeping
        if isinstance(ln, CaseLine) and CaseLine.order_line.is_cached(ln)
    }
    wanted = {ln.order_line_id for ln in keeping} - set(gifts)
    if wanted:
        gifts.update(OrderLine.objects.filter(pk__in_ids=wanted).values_list("pk", "gifts"))
    return gifts


def _order_lines(cases: list[Case]) -> dict[int, tuple[Decimal, dict[int, int]]]:
    """(shipping fee, {order line: quantity}) of each case's order — one query for the batch;
    an order the step already holds with no shipping fee to give back is not read."""
    known: dict[int, tuple[Decimal, dict[int, int]]] = {}
    wanted = set()
    for case in cases:
        if Case.order.is_cached(case) and case.order.shipping_fee <= 0:
            known[case.order_id] = (case.order.shipping_fee, {})
        else:
            wanted.add(case.order_id)
    if wanted:
        rows = OrderLine.objects.filter(order_id__in_ids=wanted).values_list(
            "order_id", "pk", "quantity", "order__shipping_fee"
        )
        for order_id, pk, quantity, fee in rows:
            known.setdefault(order_id, (fee, {}))[1][pk] = quantity
    return known


def _request(
    case: Case,
    lines: list[CaseLine],
    gifts: dict[int, list],
    order: tuple[Decimal, dict[int, int]],
    maker: Actor,
) -> RefundRequest:
    gifts_kept = bool(case.facts.get("gifts_not_returned"))
    requests = []
    for ln in lines:
        deducted, why = ZERO, ""
        kept = gifts.get(ln.order_line_id) if gifts_kept else None
        if kept:  # NR-11: a gift kept is charged at its marked price
            deducted = sum((Decimal(g["marked_price"]) for g in kept), ZERO)
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
    shipping_fee, order_lines = order
    claimed = {ln.order_line_id: ln.quantity for ln in lines}
    whole_order = shipping_fee > 0 and all(claimed.get(pk, 0) >= q for pk, q in order_lines.items())
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
        maker=maker,
    )
