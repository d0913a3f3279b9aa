"""Every money movement back to a buyer: granting refunds (a list of requests in one locking
read), maker/checker approval, and the one function every refund state change goes through
(`_record`). Sending to the provider is in submission.py; price protection in prices.py."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Sum

from aftersales.accounts.actors import SYSTEM_ACTOR, Actor
from aftersales.accounts.models import Role
from aftersales.accounts.permissions import require_merchant_access
from aftersales.core import bulksql, clock
from aftersales.core.calendar import CalendarUnknown, business_calendar
from aftersales.core.errors import Conflict, FieldError, InvalidInput, NotAllowed, PermissionDenied
from aftersales.core.money import allocate
from aftersales.notify.outbox import Message, publish_many
from aftersales.orders.models import Order
from aftersales.refunds import granting
from aftersales.refunds.models import (
    COUNTING,
    FreightInsuranceClaim,
    Refund,
    RefundEvent,
    RefundLine,
    RefundState,
)

ZERO = Decimal("0.00")
# Who may be the second person on a refund above the threshold.
APPROVER_ROLES = frozenset({Role.MERCHANT_ADMIN, Role.MANAGER, Role.ADMIN})
INSTANT_METHODS = frozenset({"balance"})


@dataclass(frozen=True)
class LineRequest:
    """One order line of a refund request: what the case may pay back on it (`limit`, its
    decision's refundable amount) and what is deducted from that (NR-11 gifts kept, goods not
    完好), with the reason."""

    order_line_id: int
    limit: Decimal
    quantity: int = 0
    deducted: Decimal = ZERO
    deduction_reason: str = ""


@dataclass(frozen=True)
class RefundRequest:
    """Money a case grants back. `amount`: the goods total to pay (None: every line's limit
    less its deductions). `shipping_fee`: the order's shipping fee goes back too.
    `return_shipping`: compensation for the buyer's return shipping when the merchant bears it
    (Q-01, TB-05/06). `freight_insurance`: file a 运费险 claim for the return."""

    case_id: int
    merchant_id: int
    order_id: int
    currency: str
    lines: tuple[LineRequest, ...]
    amount: Decimal | None = None
    kind: str = "goods"  # goods, price_protection
    shipping_fee: bool = False
    return_shipping: Decimal = ZERO
    freight_insurance: bool = False
    maker: Actor | None = None
    # Compensation on top of the goods (a dispute's ruling: DS-13, GF-06, DS-18, GF-09), paid
    # to the buyer's balance like return-shipping compensation.
    compensation: Decimal = ZERO


def _limit_error(limit: Decimal, what: str = "what is refundable") -> InvalidInput:
    return InvalidInput.on_field("amount", f"at most {limit:.2f}, {what}", limit=f"{limit:.2f}")


def _threshold() -> Decimal:
    return Decimal(str(settings.AFTERSALES_REFUND_APPROVAL_THRESHOLD))


# --- Granting -----------------------------------------------------------------------------


def grant_refunds(
    requests: list[RefundRequest],
    *,
    at: datetime | None = None,
    held: dict[int, tuple[Any, Decimal]] | None = None,
) -> list[Refund]:
    """Write the refunds these requests grant, in the caller's transaction: one locking read of
    every affected order line and payment, then the invariants checked against the ledger
    (refunded per line ≤ paid, per payment ≤ captured, shipping fee once), then one bulk insert
    of refunds, lines and events. A request above what is left raises InvalidInput naming
    `amount` and the limit, and nothing is written. Submission follows after commit (the
    `refunds.submit` sweep).

    `held`: {order line pk: (line, refunded)} for lines this transaction already holds locked,
    `refunded` being what the ledger counts on the line, read after the lock (`open_case` has
    both): when it covers every line of the requests, the lines are neither locked nor summed
    again."""
    from aftersales.refunds import prices

    if not requests:
        return []
    at = at or clock.now()
    # The caller's transaction (the case step's); no savepoint: an error rolls it all back.
    with transaction.atomic(savepoint=False):
        order_ids = sorted({r.order_id for r in requests})
        line_ids = sorted({ln.order_line_id for r in requests for ln in r.lines})
        # Lock in one order (orders, then lines, then payments, by pk): no deadlock between two
        # batches touching the same orders.
        # The order row guards its shipping fee; price protection reads when it was placed.
        need_orders = any(r.shipping_fee or r.kind == "price_protection" for r in requests)
        orders = (
            {o.pk: o for o in Order.objects.select_for_update().filter(pk__in_ids=order_ids)}
            if need_orders
            else {}
        )
        if held is not None and all(pk in held for pk in line_ids):
            lines = {pk: held[pk][0] for pk in line_ids}
        else:
            held = None
            lines = granting.lock_lines(line_ids)
        payments: dict[int, list] = defaultdict(list)
        for p in granting.lock_payments(order_ids):
            payments[p.order_id].append(p)
        # One read of what the ledger counts, after every lock (the lines held: theirs known).
        by_payment, by_line, shipping_given = granting.counted(
            order_ids,
            line_ids if held is None else [],
            order_ids if any(r.shipping_fee for r in requests) else [],
        )
        left_on_line = {pk: ln.paid_amount for pk, ln in lines.items()}
        for pk in line_ids:
            left_on_line[pk] -= held[pk][1] if held is not None else by_line.get(pk, ZERO)
        left_on_payment = {
            p.pk: p.amount - by_payment.get(p.pk, ZERO) for ps in payments.values() for p in ps
        }
        shipping_left = {
            pk: o.shipping_fee - shipping_given.get(pk, ZERO) for pk, o in orders.items()
        }
        drops = prices.recorded_drops(requests, lines, orders, at=at)

        refunds: list[Refund] = []
        refund_lines: list[list[RefundLine]] = []
        claims: list[tuple[Any, RefundLine]] = []
        claimed: set[tuple[int, int]] = set()
        insurance: list[FreightInsuranceClaim] = []
        for request in requests:
            order_id = request.order_id
            components = _components(request, lines, left_on_line, drops)
            if request.shipping_fee and shipping_left[order_id] > 0:
                components.append(("shipping_fee", None, shipping_left[order_id], ZERO, ""))
                shipping_left[order_id] = ZERO
            total = sum((c[2] for c in components), ZERO)
            order_payments = payments[order_id]
            room = [max(left_on_payment[p.pk], ZERO) for p in order_payments]
            if total > sum(room, ZERO):
                raise _limit_error(sum(room, ZERO), "what is left of the payments")
            made = _split_over_payments(request, order_id, order_payments, room, components, at)
            for p, refund, rlines in made:
                left_on_payment[p.pk] -= refund.amount
                refunds.append(refund)
                refund_lines.append(rlines)
                for rl in rlines:
                    key = (request.case_id, rl.order_line_id)
                    if rl.kind == "price_protection" and key not in claimed:
                        claimed.add(key)
                        claims.append((drops[key], rl))
            if request.return_shipping > 0:
                refund = _new_refund(request, order_id, None, request.return_shipping, at)
                refund.purpose, refund.method = "compensation", "balance"
                refunds.append(refund)
                refund_lines.append(
                    [_line(request, "return_shipping", None, request.return_shipping)]
                )
            if request.compensation > 0:
                refund = _new_refund(request, order_id, None, request.compensation, at)
                refund.purpose, refund.method = "compensation", "balance"
                refunds.append(refund)
                refund_lines.append([_line(request, "compensation", None, request.compensation)])
            if request.freight_insurance:
                insurance.append(
                    FreightInsuranceClaim(
                        merchant_id=request.merchant_id,
                        case_id=request.case_id,
                        order_id=order_id,
                        filed_at=at,
                    )
                )
        # Maker/checker: a case's refunds above the threshold wait for a second person.
        by_case: dict[int, Decimal] = defaultdict(Decimal)
        for refund in refunds:
            by_case[refund.case_id] += refund.amount
        threshold = _threshold()
        for refund in refunds:
            if by_case[refund.case_id] > threshold:
                refund.needs_approval = True
                refund.state = RefundState.AWAITING_APPROVAL
        _record(
            refunds,
            None,
            actor=SYSTEM_ACTOR,
            action="grant",
            at=at,
            new=True,
            lines=(refund_lines, bool(claims)),
        )
        if claims:
            prices.record_claims(claims, at=at)
        if insurance:
            FreightInsuranceClaim.objects.bulk_create(insurance, ignore_conflicts=True)
        for refund, rlines in zip(refunds, refund_lines, strict=True):
            refund.granted_lines = rlines
        return refunds


def _components(request, lines, left_on_line, drops) -> list[tuple]:
    """(kind, order_line_id, net, deducted, reason) for each line of the request, the net split
    pro rata when the request names a smaller amount; checked against what each line has left
    (a price-protection claim is paid up to the recorded drop; goods in full or not at all)."""
    kind = request.kind
    nets = [max(ln.limit - ln.deducted, ZERO) for ln in request.lines]
    caps = []
    for i, ln in enumerate(request.lines):
        cap = max(left_on_line[ln.order_line_id], ZERO)
        if kind == "price_protection":
            cap = min(cap, drops[(request.case_id, ln.order_line_id)].limit)
        caps.append(min(nets[i], cap))
    limit = sum(caps, ZERO)
    if request.amount is not None:
        if request.amount > limit:
            raise _limit_error(limit)
        shares = allocate(request.amount, caps) if limit > 0 else [ZERO] * len(caps)
    elif kind == "goods" and limit < sum(nets, ZERO):
        # The whole of what the case grants, and the lines have less left (another refund paid
        # part of them): refused, never silently less than the case records.
        raise _limit_error(limit)
    else:
        shares = caps
    # A request of compensation alone names no lines (a dispute's ruling, DS-13/GF-06).
    if request.lines and sum(shares, ZERO) <= 0 and not request.shipping_fee:
        raise _limit_error(ZERO, "nothing is left to refund")
    out = []
    for ln, share in zip(request.lines, shares, strict=True):
        left_on_line[ln.order_line_id] -= share
        if share > 0 or ln.deducted > 0:
            out.append((kind, ln.order_line_id, share, ln.deducted, ln.deduction_reason))
    return out


def _split_over_payments(request, order_id, payments, room, components, at):
    """One refund per payment, pro rata to what is left of each (NR-13); each component's
    share per payment so that rows and columns both add up to the fen. Deductions are written
    on the first refund's lines (they are a record of why, not money)."""
    total = sum((c[2] for c in components), ZERO)
    if total <= 0:
        return []
    per_payment = allocate(total, room)
    left = [c[2] for c in components]
    paying = [i for i, share in enumerate(per_payment) if share > 0]
    out = []
    for n, i in enumerate(paying):
        last = n == len(paying) - 1
        cells = left if last else allocate(per_payment[i], left)
        left = [a - b for a, b in zip(left, cells, strict=True)]
        refund = _new_refund(request, order_id, payments[i], per_payment[i], at)
        rlines = [
            _line(request, c[0], c[1], cell, deducted=c[3] if n == 0 else ZERO, reason=c[4])
            for c, cell in zip(components, cells, strict=True)
            if cell > 0 or (n == 0 and c[3] > 0)
        ]
        out.append((payments[i], refund, rlines))
    return out


def _new_refund(request: RefundRequest, order_id: int, payment, amount: Decimal, at) -> Refund:
    maker = request.maker
    return Refund(
        merchant_id=request.merchant_id,
        case_id=request.case_id,
        order_id=order_id,
        payment_id=payment.pk if payment is not None else None,
        purpose="refund",
        kind=request.kind,
        amount=amount,
        currency=request.currency,
        method=payment.method if payment is not None else "balance",
        state=RefundState.REQUESTED,
        idempotency_key=f"rf_{uuid.uuid4().hex}",
        provider=settings.AFTERSALES_REFUND_PROVIDER,
        maker_label=maker.label if maker else "",
        maker_user_id=maker.user_id if maker else None,
        requested_at=at,
        next_attempt_at=at,
        event_seq=0,
    )


def _line(request, kind, order_line_id, amount, *, deducted=ZERO, reason="") -> RefundLine:
    return RefundLine(
        merchant_id=request.merchant_id,
        order_line_id=order_line_id,
        kind=kind,
        gross=amount + deducted,
        deducted=deducted,
        amount=amount,
        deduction_reason=reason if deducted else "",
    )


# --- Maker/checker --------------------------------------------------------------------------


@transaction.atomic
def approve_refund(*, refund: Refund, actor: Actor, note: str = "") -> Refund:
    """The second person's approval of a refund above the threshold: another user than the one
    who made it, a merchant admin of that merchant or a platform manager/admin."""
    refund = Refund.objects.select_for_update().get(pk=refund.pk)
    require_merchant_access(actor, refund.merchant_id)
    if actor.user_id is None or actor.role not in APPROVER_ROLES:
        raise PermissionDenied("Only a merchant admin, a manager or an administrator approves.")
    if refund.state != RefundState.AWAITING_APPROVAL:
        raise NotAllowed(
            f"refund {refund.pk} is {refund.state}; nothing to approve.", state=refund.state
        )
    if refund.maker_user_id is not None and refund.maker_user_id == actor.user_id:
        raise Conflict.on_field(
            "actor", "four eyes: the person who made the refund cannot approve it"
        )
    refund.approved_by_label, refund.approved_by_user_id = actor.label, actor.user_id
    refund.approved_at = clock.now()
    refund.next_attempt_at = refund.approved_at
    _record(
        [refund],
        RefundState.REQUESTED,
        actor=actor,
        action="approve",
        payload={"note": note} if note else {},
        fields=["approved_by_label", "approved_by_user_id", "approved_at", "next_attempt_at"],
    )
    return refund


# --- The one place a refund's state changes -------------------------------------------------


def _record(
    refunds: list[Refund],
    new_state: str | None,
    *,
    actor: Actor,
    action: str,
    payload: dict[str, Any] | None = None,
    at: datetime | None = None,
    fields: list[str] | None = None,
    new: bool = False,
    lines: tuple[list[list[RefundLine]], bool] = ([], False),
) -> None:
    """Move each refund to `new_state` (None: the state it is created in, `new=True`, which
    inserts the rows with their `lines` — each refund's, and whether their ids are needed) and
    append one RefundEvent each; saves `fields` with the state. Every
    refund state change goes through here (the place to publish refund.requested / succeeded
    / failed)."""
    if not refunds:
        return
    at = at or clock.now()
    # The events as plain rows (nothing reads them back in this transaction).
    events = []
    for refund in refunds:
        from_state = "" if new else refund.state
        if new_state is not None:
            refund.state = new_state
        refund.event_seq += 1
        events.append(
            {
                "refund_id": refund.pk,
                "merchant_id": refund.merchant_id,
                "seq": refund.event_seq,
                "at": at,
                "actor_label": actor.label,
                "actor_role": str(actor.role),
                "from_state": from_state,
                "to_state": refund.state,
                "payload": {"action": action, **(payload or {})},
            }
        )
    if new:  # granting is inserting: the rows, their first events and lines together
        granting.insert_granted(refunds, events, lines[0], line_ids=lines[1])
    else:
        Refund.objects.bulk_update(refunds, ["state", "event_seq", *(fields or [])])
        bulksql.insert_values(RefundEvent, events)
    if new_state in ANNOUNCED:
        _announce(refunds, ANNOUNCED[new_state], at=at, reason=(payload or {}).get("reason", ""))


# The refund states others hear about (notify's catalogue, docs/api.md), by the state entered.
ANNOUNCED = {
    RefundState.SUBMITTED: "refund.requested",
    RefundState.SUCCEEDED: "refund.succeeded",
    RefundState.FAILED: "refund.failed",
}


def _announce(refunds: list[Refund], topic: str, *, at: datetime, reason: str = "") -> None:
    """The outbox messages of refunds entering an announced state, in the change's
    transaction: one read of the orders they name, one INSERT."""
    orders = {
        pk: (code, external_id, buyer_id)
        for pk, code, external_id, buyer_id in Order.objects.filter(
            pk__in={r.order_id for r in refunds}
        ).values_list("pk", "merchant__code", "external_id", "buyer_id")
    }
    messages = []
    for refund in refunds:
        code, external_id, buyer_id = orders[refund.order_id]
        payload = {
            "refund_id": refund.pk,
            "case_id": refund.case_id,
            "merchant": code,
            "order": external_id,
            "amount": f"{refund.amount:.2f}",
            "currency": refund.currency,
            "at": at.isoformat(),
        }
        if topic == "refund.failed":
            payload["reason"] = reason or refund.last_error[:200]
        else:
            payload["method"] = refund.method
            payload["expected_at"] = refund.expected_at.isoformat() if refund.expected_at else None
            if topic == "refund.succeeded":
                payload["provider_ref"] = refund.provider_ref
        messages.append(
            Message(
                topic,
                payload,
                refund.merchant_id,
                subject=f"case:{refund.case_id}",
                buyer_id=buyer_id,
                at=at,
            )
        )
    publish_many(messages)


# --- Arrival --------------------------------------------------------------------------------


def expected_arrival(method: str, settled_at: datetime) -> datetime | None:
    """Balance refunds arrive at once; card refunds by the end of the N-th working day after
    (AFTERSALES_CARD_REFUND_WORKING_DAYS), on the business calendar; None if its year is
    unknown (never a guess)."""
    if method in INSTANT_METHODS:
        return settled_at
    local = clock.localtime(settled_at)
    try:
        day = business_calendar().add_working_days(
            local.date(), settings.AFTERSALES_CARD_REFUND_WORKING_DAYS
        )
    except CalendarUnknown:
        return None
    return datetime.combine(day, time(23, 59, 59), tzinfo=clock.local_zone())


def refunded_on_lines(order_line_ids: list[int]) -> dict[int, Decimal]:
    """What the ledger counts as refunded on each order line (every refund that did not fail)."""
    out = dict.fromkeys(order_line_ids, ZERO)
    for row in (
        RefundLine.objects.filter(order_line_id__in=order_line_ids, refund__state__in=COUNTING)
        .values("order_line_id")
        .annotate(total=Sum("amount"))
    ):
        out[row["order_line_id"]] = row["total"]
    return out


__all__ = [
    "FieldError",
    "LineRequest",
    "RefundRequest",
    "approve_refund",
    "expected_arrival",
    "grant_refunds",
    "refunded_on_lines",
]
