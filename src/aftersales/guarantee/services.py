"""Every change to the guarantee fund, one function per action: pay-first (先行赔付, GF-02) and
its contest (GF-03), recovering an unexecuted ruling (DS-19), holding and releasing settlement
while a dispute is open, reversing a source's movements (an appeal won, a contest upheld),
settlement income, deposit top-ups and deductions, and the top-up request when the deposit
falls below its requirement.

Each action locks the merchant's accounts (ledger.lock_books), so two actions on one merchant
run one after the other; a movement that would take a money account below zero raises
Conflict (409) and the whole action writes nothing. Actions run in the caller's transaction
when there is one (a dispute's ruling step) and in their own otherwise.

The signatures of `pay_first`, `recover`, `hold_settlement`, `release_settlement`, `reverse`,
`contest_pay_first` and `decide_pay_first_contest` are what disputes call: keep them stable."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from aftersales.accounts.actors import PLATFORM_INTEGRATION, SYSTEM, SYSTEM_ACTOR, Actor
from aftersales.accounts.models import Merchant, Role
from aftersales.accounts.permissions import require_merchant_access
from aftersales.core import audit, clock
from aftersales.core.errors import Conflict, InvalidInput, NotAllowed, NotFound, PermissionDenied
from aftersales.core.money import CENT
from aftersales.guarantee.claims import (
    Hold,
    Recovery,
    Reversal,
    atomic_step,
    check_requirement,
    checked_amount,
    checked_source,
    collect,
    collect_outstanding,
    fmt,
    merchant_of,
    refuse_second_claim,
    require_platform,
)
from aftersales.guarantee.flows import CONTEST, MERCHANT_CONTESTERS, PLATFORM_DECIDERS
from aftersales.guarantee.ledger import ZERO, lock_books
from aftersales.guarantee.models import (
    AccountKind,
    Claim,
    ClaimState,
    Movement,
    MovementKind,
    PayFirst,
    PayFirstKind,
    Source,
    TopUp,
    TopUpRequest,
    TopUpRequestState,
)
from aftersales.notify.outbox import publish

A = AccountKind


# --- 先行赔付 (GF-02) -------------------------------------------------------------------------


def pay_first(
    *,
    case_id: int | None = None,
    order_id: int | None = None,
    merchant_id: int,
    amount: Decimal,
    reason: str,
    source: str,
    source_id: int,
    actor: Actor,
) -> PayFirst:
    """先行赔付 (GF-02): the platform pays the buyer `amount` at once, through the refund ledger
    (`refunds.services.grant_refunds` on the case's lines, so the money moves through the one
    ledger and its limits: more than is refundable → 422 naming `amount`), and opens a claim on
    the merchant recovered from settlement first, then deposit; what they lack now is taken
    from the next settlement income or top-up. The merchant may contest within GF-03's window
    (`contest_pay_first`). `source`/`source_id`: what ordered it (a ruling, a case), which
    `reverse` undoes. The refund ledger pays against a case: name `case_id` (an `order_id`
    alone finds the order's latest case). Platform roles only."""
    from aftersales.cases.models import Case
    from aftersales.refunds.services import LineRequest, RefundRequest, grant_refunds

    require_platform(actor, "pays first")
    amount = checked_amount(amount)
    checked_source(source, source_id)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput.on_field("reason", "a pay-first says why")
    with atomic_step():
        cases = Case.objects.filter(merchant_id=merchant_id)
        if case_id is not None:
            case = cases.filter(pk=case_id).first()
            if case is None:
                raise NotFound(f"No case {case_id} of merchant {merchant_id}.")
        elif order_id is not None:
            case = cases.filter(order_id=order_id).order_by("-pk").first()
            if case is None:
                raise InvalidInput.on_field(
                    "order_id",
                    "the order has no case: a pay-first pays through the refund ledger, "
                    "which pays a case's lines",
                )
        else:
            raise InvalidInput.on_field("case_id", "name the case (or the order) to pay on")
        if order_id is not None and case.order_id != order_id:
            raise InvalidInput.on_field("order_id", f"case {case.pk} is not on order {order_id}")
        merchant = merchant_of(merchant_id)
        books = lock_books(merchant_id)
        refuse_second_claim(source, source_id)
        lines = tuple(
            LineRequest(cl.order_line_id, cl.order_line.paid_amount, quantity=cl.quantity)
            for cl in case.lines.select_related("order_line").order_by("pk")
        )
        refunds = grant_refunds(
            [
                RefundRequest(
                    case_id=case.pk,
                    merchant_id=merchant_id,
                    order_id=case.order_id,
                    currency="CNY",
                    lines=lines,
                    amount=amount,
                    maker=actor if actor.user_id else None,
                )
            ]
        )
        now = clock.now()
        due = _contest_due(merchant, now)
        claim = Claim.objects.create(
            merchant_id=merchant_id,
            source=source,
            source_id=source_id,
            amount=amount,
            opened_at=now,
        )
        record = PayFirst.objects.create(
            merchant_id=merchant_id,
            case=case,
            order_id=case.order_id,
            amount=amount,
            reason=reason[:500],
            source=source,
            source_id=source_id,
            claim=claim,
            refund_ids=[r.pk for r in refunds],
            created_at=now,
            created_by_label=actor.label,
            created_by_role=actor.role,
            contest_due_at=due,
        )
        books.post(
            MovementKind.CLAIM,
            [(A.RECEIVABLE, amount), (A.BUYER_PAYOUT, -amount)],
            source=source,
            source_id=source_id,
            actor=actor,
            note=reason,
            pay_first_id=record.pk,
            claim_id=claim.pk,
        )
        record.recovery = collect(books, claim, actor=actor, pay_first_id=record.pk)
        check_requirement(books, merchant)
        audit.record(
            actor=actor,
            action="guarantee.pay_first",
            subject=record,
            merchant_id=merchant_id,
            payload={"amount": fmt(amount), "source": source, "source_id": source_id},
        )
        publish(
            "guarantee.pay_first",
            {
                "pay_first_id": record.pk,
                "merchant": merchant.code,
                "case_id": case.pk,
                "amount": fmt(amount),
                "currency": "CNY",
                "reason": record.reason,
                "recovered": fmt(record.recovery.recovered),
                "outstanding": fmt(record.recovery.outstanding),
                "contest_due_at": due.isoformat(),
                "at": now.isoformat(),
            },
            merchant_id=merchant_id,
            subject=f"pay_first:{record.pk}",
        )
        return record


def _contest_due(merchant: Merchant, start: datetime) -> datetime:
    from aftersales.cases.deadlines import due_after
    from aftersales.policy import loading

    try:
        spec = loading.current().duration("merchant_contest_pay_first", merchant.code)
    except InvalidInput:  # no policy published (a bare database): the default row
        from aftersales.policy.document import DEFAULT_DURATIONS

        spec = DEFAULT_DURATIONS["merchant_contest_pay_first"]
    return due_after(start, spec)


# --- Executing a ruling the merchant did not carry out (DS-19) -------------------------------


def recover(
    *,
    merchant_id: int,
    amount: Decimal,
    source: str,
    source_id: int,
    actor: Actor,
    order_id: int | None = None,
    case_id: int | None = None,
    reason: str = "",
) -> Recovery:
    """The platform executes a ruling the merchant did not carry out in time (DS-19): `amount`
    paid for the buyer is recovered from the merchant's available settlement, then its deposit;
    what they lack stays owed (a claim, taken from the next income or top-up). It moves the
    merchant's money only: the caller pays the buyer through the refund ledger. A dispute's
    held settlement is not touched: release it first (`release_settlement`) to use it.

    The execution is recorded as a pay-first of kind `execution` (no refund of its own), so the
    merchant may contest it within GF-03's window exactly as a pay-first (`contest_pay_first`);
    `Recovery.pay_first_id` names it. `order_id`/`case_id`: what the ruling was on."""
    require_platform(actor, "executes a ruling")
    amount = checked_amount(amount)
    checked_source(source, source_id)
    with atomic_step():
        merchant = merchant_of(merchant_id)
        books = lock_books(merchant_id)
        refuse_second_claim(source, source_id)
        now = clock.now()
        claim = Claim.objects.create(
            merchant_id=merchant_id,
            source=source,
            source_id=source_id,
            amount=amount,
            opened_at=now,
        )
        note = "ruling executed by the platform (DS-19)"
        record = PayFirst.objects.create(
            kind=PayFirstKind.EXECUTION,
            merchant_id=merchant_id,
            case_id=case_id,
            order_id=order_id,
            amount=amount,
            reason=(reason or note)[:500],
            source=source,
            source_id=source_id,
            claim=claim,
            created_at=now,
            created_by_label=actor.label,
            created_by_role=actor.role,
            contest_due_at=_contest_due(merchant, now),
        )
        books.post(
            MovementKind.CLAIM,
            [(A.RECEIVABLE, amount), (A.BUYER_PAYOUT, -amount)],
            source=source,
            source_id=source_id,
            actor=actor,
            note=note,
            pay_first_id=record.pk,
            claim_id=claim.pk,
        )
        recovery = collect(books, claim, actor=actor, pay_first_id=record.pk)
        check_requirement(books, merchant)
        audit.record(
            actor=actor,
            action="guarantee.execution",
            subject=record,
            merchant_id=merchant_id,
            payload={"amount": fmt(amount), "source": source, "source_id": source_id},
        )
        publish(
            "guarantee.execution",
            {
                "pay_first_id": record.pk,
                "merchant": merchant.code,
                "source": source,
                "source_id": source_id,
                "case_id": case_id,
                "amount": fmt(amount),
                "currency": "CNY",
                "from_settlement": fmt(recovery.from_settlement),
                "from_deposit": fmt(recovery.from_deposit),
                "outstanding": fmt(recovery.outstanding),
                "contest_due_at": record.contest_due_at.isoformat(),
                "at": now.isoformat(),
            },
            merchant_id=merchant_id,
            subject=f"pay_first:{record.pk}",
        )
        return replace(recovery, pay_first_id=record.pk)


def execution_of(source: str, source_id: int) -> PayFirst | None:
    """The platform's execution (or pay-first) recorded for a source, with its claim: what a
    ruling's page shows of the recovery and its contest."""
    return (
        PayFirst.objects.select_related("claim")
        .filter(source=source, source_id=source_id)
        .order_by("-pk")
        .first()
    )


def reversible(source: str, source_id: int) -> bool:
    """Whether a source has movements not yet undone (a contest upheld undoes them first)."""
    return (
        Movement.objects.filter(source=source, source_id=source_id)
        .exclude(kind=MovementKind.REVERSAL)
        .filter(reversed_by__isnull=True)
        .exists()
    )


# --- Settlement held while a dispute is open ---------------------------------------------------


def hold_settlement(*, merchant_id: int, amount: Decimal, source: str, source_id: int) -> Hold:
    """Hold up to `amount` of the merchant's available settlement for a source (an open
    dispute): no more than is available (never below zero); `Hold.held` says how much."""
    amount = checked_amount(amount)
    checked_source(source, source_id)
    with atomic_step():
        books = lock_books(merchant_of(merchant_id).pk)
        held = min(amount, books.balance(A.SETTLEMENT))
        if held <= 0:
            return Hold(requested=amount, held=ZERO, movement_id=None)
        movement = books.post(
            MovementKind.HOLD,
            [(A.SETTLEMENT, held), (A.HELD, -held)],
            source=source,
            source_id=source_id,
        )
        return Hold(requested=amount, held=held, movement_id=movement.pk)


def held_for(merchant_id: int, source: str, source_id: int) -> Decimal:
    """Settlement still held for a source: its holds less its releases (and their reversals)."""
    from django.db.models import Sum

    total = (
        Movement.objects.filter(merchant_id=merchant_id, source=source, source_id=source_id)
        .filter(entries__account__kind=A.HELD)
        .aggregate(total=Sum("entries__amount"))["total"]
    )
    # SQLite sums decimals as floats: back to the fen.
    return -(total or ZERO).quantize(CENT)


def release_settlement(
    *, merchant_id: int, source: str, source_id: int, amount: Decimal | None = None
) -> Decimal:
    """Release what is held for a source (all of it by default) back to available settlement;
    more than is held → 409, nothing written. Returns the amount released."""
    checked_source(source, source_id)
    with atomic_step():
        books = lock_books(merchant_of(merchant_id).pk)
        held = held_for(merchant_id, source, source_id)
        wanted = held if amount is None else checked_amount(amount)
        if wanted > held:
            raise Conflict(
                f"{fmt(held)} is held for {source} {source_id}; cannot release {fmt(wanted)}.",
                held=fmt(held),
            )
        if wanted <= 0:
            return ZERO
        books.post(
            MovementKind.RELEASE,
            [(A.HELD, wanted), (A.SETTLEMENT, -wanted)],
            source=source,
            source_id=source_id,
        )
        return wanted


# --- Reversal: an appeal won, a contest upheld --------------------------------------------------


def reverse(*, source: str, source_id: int, actor: Actor) -> Reversal:
    """Undo every movement of a source exactly once (a unique key per undone movement), newest
    first: money taken from the merchant goes back, open claims of the source are written off
    (the platform bears what it paid the buyer: that money is not taken back from them).
    `source="pay_first"` names a pay-first by its id. Nothing left to undo → 409; an undo that
    would take an account below zero (the money was spent since) → 409, nothing written."""
    require_platform(actor, "reverses fund movements")
    checked_source(source, source_id)
    with atomic_step():
        if source == Source.PAY_FIRST:
            record = PayFirst.objects.filter(pk=source_id).first()
            if record is None:
                raise NotFound(f"No pay-first {source_id}.")
            merchant_id = record.merchant_id
            books = lock_books(merchant_id)
            movements = Movement.objects.filter(pay_first_id=source_id)
        else:
            first = Movement.objects.filter(source=source, source_id=source_id).first()
            if first is None:
                raise NotFound(f"No fund movements of {source} {source_id}.")
            merchant_id = first.merchant_id
            books = lock_books(merchant_id)
            movements = Movement.objects.filter(
                merchant_id=merchant_id, source=source, source_id=source_id
            )
        todo = list(
            movements.exclude(kind=MovementKind.REVERSAL)
            .filter(reversed_by__isnull=True)
            .prefetch_related("entries__account")
            .order_by("-at", "-id")
        )
        if not todo:
            raise Conflict(
                f"The movements of {source} {source_id} are already reversed.",
                source=source,
                source_id=source_id,
            )
        ids = []
        for movement in todo:
            legs = []
            for entry in movement.entries.all():
                kind = entry.account.kind
                # What a buyer was paid stays paid: the platform bears it instead.
                legs.append((A.PLATFORM_LOSS if kind == A.BUYER_PAYOUT else kind, -entry.amount))
            reversal = books.post(
                MovementKind.REVERSAL,
                legs,
                source=movement.source,
                source_id=movement.source_id,
                actor=actor,
                note=f"reverses movement {movement.pk} ({movement.kind})",
                pay_first_id=movement.pay_first_id,
                claim_id=movement.claim_id,
                reverses=movement,
            )
            ids.append(reversal.pk)
        claim_ids = {m.claim_id for m in todo if m.claim_id}
        Claim.objects.filter(pk__in=claim_ids).update(
            state=ClaimState.WRITTEN_OFF, closed_at=clock.now()
        )
        check_requirement(books, merchant_of(merchant_id))
        return Reversal(source=source, source_id=source_id, movement_ids=tuple(ids))


def restitute(
    *, merchant_id: int, amount: Decimal, source: str, source_id: int, actor: Actor, note: str
) -> Movement:
    """Pay the merchant back what it paid a buyer itself to carry out a ruling later voided on
    appeal (DS-20): the buyer keeps the money, the platform bears it (Dr platform_loss) and the
    merchant's available settlement is credited (Cr settlement). Once per source: a second
    restitution of the same ruling → 409, nothing written (and a unique key behind it)."""
    require_platform(actor, "pays a merchant back")
    amount = checked_amount(amount)
    checked_source(source, source_id)
    with atomic_step():
        merchant = merchant_of(merchant_id)
        books = lock_books(merchant_id)
        done = Movement.objects.filter(
            kind=MovementKind.RESTITUTION, source=source, source_id=source_id
        ).first()
        if done is not None:
            raise Conflict(
                f"{source} {source_id} was paid back to the merchant already (movement {done.pk}).",
                source=source,
                source_id=source_id,
                movement_id=done.pk,
            )
        movement = books.post(
            MovementKind.RESTITUTION,
            [(A.PLATFORM_LOSS, amount), (A.SETTLEMENT, -amount)],
            source=source,
            source_id=source_id,
            actor=actor,
            note=note,
        )
        # Money coming in pays what the merchant still owes first, as any settlement income.
        collect_outstanding(books, actor=actor)
        check_requirement(books, merchant)
        audit.record(
            actor=actor,
            action="guarantee.restitution",
            subject=movement,
            merchant_id=merchant_id,
            payload={"amount": fmt(amount), "source": source, "source_id": source_id},
        )
        return movement


# --- Contesting a pay-first (GF-03) ------------------------------------------------------------


def pay_first_for(actor: Actor, pay_first_id: int, *, lock: bool = False) -> PayFirst:
    rows = PayFirst.objects.select_related("merchant", "claim")
    if lock:
        rows = rows.select_for_update(of=("self",))
    record = rows.filter(pk=pay_first_id).first()
    if record is None:
        raise NotFound(f"No pay-first {pay_first_id}.")
    require_merchant_access(actor, record.merchant_id)
    return record


def contest_actions(record: PayFirst, actor: Actor) -> list[str]:
    """What this actor may do to the pay-first now (the server check and the buttons), from
    the flow; nothing once its claim was written off (its ruling reversed on appeal)."""
    if record.claim.state == ClaimState.WRITTEN_OFF:
        return []
    return CONTEST.actions(record.contest_state, actor.role)


def contest_pay_first(pay_first_id: int, *, reason: str, actor: Actor) -> PayFirst:
    """The merchant contests a pay-first, within GF-03's window from when it was paid (past it:
    422 naming the window's end). A merchant administrator or the merchant's integration."""
    with atomic_step():
        record = pay_first_for(actor, pay_first_id, lock=True)
        if actor.role not in MERCHANT_CONTESTERS:
            raise PermissionDenied("The merchant's administrator contests a pay-first.")
        if "contest" not in contest_actions(record, actor):
            raise NotAllowed(
                f"pay-first {record.pk} is {record.contest_state}; it is contested once.",
                allowed_actions=contest_actions(record, actor),
                state=record.contest_state,
            )
        reason = (reason or "").strip()
        if not reason:
            raise InvalidInput.on_field("reason", "a contest says why")
        now = clock.now()
        if now > record.contest_due_at:
            end = clock.localtime(record.contest_due_at).isoformat()
            raise InvalidInput.on_field(
                "contest",
                f"the contest window ({record.contest_rule}) ended at {end}",
                window_ends_at=end,
                rule=record.contest_rule,
            )
        record.contest_state = CONTEST.step(record.contest_state, "contest").to
        record.contest_reason = reason[:1000]
        record.contested_at, record.contested_by_label = now, actor.label
        record.save(
            update_fields=["contest_state", "contest_reason", "contested_at", "contested_by_label"]
        )
        audit.record(
            actor=actor,
            action="guarantee.contest",
            subject=record,
            merchant_id=record.merchant_id,
            payload={"reason": record.contest_reason},
        )
        return record


def decide_pay_first_contest(
    pay_first_id: int, *, uphold: bool, note: str, actor: Actor
) -> PayFirst:
    """The platform decides a contest: upheld, every movement of the pay-first is reversed (the
    merchant is made whole, the platform bears the payout); rejected, the claim stands. A
    specialist, manager or administrator, with a note saying why."""
    with atomic_step():
        record = pay_first_for(actor, pay_first_id, lock=True)
        if actor.role not in PLATFORM_DECIDERS:
            raise PermissionDenied("A specialist, manager or administrator decides a contest.")
        action = "uphold" if uphold else "reject"
        if action not in contest_actions(record, actor):
            raise NotAllowed(
                f"pay-first {record.pk} is {record.contest_state}; nothing to decide.",
                allowed_actions=contest_actions(record, actor),
                state=record.contest_state,
            )
        note = (note or "").strip()
        if not note:
            raise InvalidInput.on_field("note", "a decision says why")
        if uphold:
            reverse(source=Source.PAY_FIRST, source_id=record.pk, actor=actor)
        record.contest_state = CONTEST.step(record.contest_state, action).to
        record.decided_at, record.decided_by_label = clock.now(), actor.label
        record.decision_note = note[:1000]
        record.save(
            update_fields=["contest_state", "decided_at", "decided_by_label", "decision_note"]
        )
        audit.record(
            actor=actor,
            action=f"guarantee.{action}",
            subject=record,
            merchant_id=record.merchant_id,
            payload={"note": record.decision_note},
        )
        return record


# --- Money coming in: settlement income, deposit top-ups -----------------------------------------


def credit_settlement(
    *,
    merchant_id: int,
    amount: Decimal,
    source: str,
    source_id: int,
    note: str = "",
    actor: Actor | None = None,
) -> Movement:
    """Settlement income for the merchant (an order's payment less its refunds, as the
    platform's settlement feed reports it): open claims take it first. From the API, the
    platform's integration or administrator only (`actor`); inside, the feed's own call."""
    if actor is not None and actor.role not in {PLATFORM_INTEGRATION, SYSTEM, Role.ADMIN}:
        raise PermissionDenied("Only the platform's settlement feed credits settlement.")
    amount = checked_amount(amount)
    checked_source(source, source_id)
    with atomic_step():
        merchant = merchant_of(merchant_id)
        books = lock_books(merchant_id)
        movement = books.post(
            MovementKind.SETTLEMENT_CREDIT,
            [(A.INFLOW, amount), (A.SETTLEMENT, -amount)],
            source=source,
            source_id=source_id,
            actor=actor,
            note=note,
        )
        collect_outstanding(books, actor=actor or SYSTEM_ACTOR)
        check_requirement(books, merchant)
        return movement


def top_up(*, merchant: Merchant, amount: Decimal, reference: str, actor: Actor) -> TopUp:
    """Record money the merchant paid into its deposit (its transfer's reference, once per
    reference: the same reference again → 409). Open claims take it first; a deposit back at
    its requirement closes the open top-up request. The merchant's administrator or
    integration, or the platform."""
    require_merchant_access(actor, merchant.pk)
    if not (actor.is_platform or actor.role in MERCHANT_CONTESTERS):
        raise PermissionDenied("The merchant's administrator or the platform records a top-up.")
    amount = checked_amount(amount)
    reference = (reference or "").strip()
    if not reference or len(reference) > 128:
        raise InvalidInput.on_field("reference", "the transfer's reference, 1 to 128 characters")
    with atomic_step():
        books = lock_books(merchant.pk)
        if TopUp.objects.filter(merchant=merchant, reference=reference).exists():
            raise Conflict.on_field("reference", f"a top-up with reference {reference} exists")
        request = TopUpRequest.objects.filter(
            merchant=merchant, state=TopUpRequestState.OPEN
        ).first()
        record = TopUp.objects.create(
            merchant=merchant,
            amount=amount,
            reference=reference,
            request=request,
            recorded_at=clock.now(),
            recorded_by_label=actor.label,
        )
        books.post(
            MovementKind.TOP_UP,
            [(A.INFLOW, amount), (A.DEPOSIT, -amount)],
            source=Source.TOP_UP,
            source_id=record.pk,
            actor=actor,
            note=reference,
        )
        collect_outstanding(books, actor=actor)
        check_requirement(books, merchant)
        return record


def deduct(
    *,
    merchant_id: int,
    amount: Decimal,
    source: str,
    source_id: int,
    actor: Actor,
    account: str = AccountKind.DEPOSIT,
    note: str = "",
) -> Movement:
    """Take a fixed amount from the merchant's deposit (or available settlement) for a buyer,
    all or nothing: more than the account holds → 409, nothing written."""
    require_platform(actor, "deducts from a merchant")
    if account not in (A.DEPOSIT, A.SETTLEMENT):
        raise InvalidInput.on_field("account", "deposit or settlement")
    amount = checked_amount(amount)
    checked_source(source, source_id)
    with atomic_step():
        merchant = merchant_of(merchant_id)
        books = lock_books(merchant_id)
        movement = books.post(
            MovementKind.DEDUCT,
            [(account, amount), (A.BUYER_PAYOUT, -amount)],
            source=source,
            source_id=source_id,
            actor=actor,
            note=note,
        )
        check_requirement(books, merchant)
        return movement


def review_requirement(*, merchant_id: int) -> TopUpRequest | None:
    """The deposit requirement changed without a movement (a raise imposed or ended): a top-up
    request follows if the deposit now falls short, and an open one closes if it no longer
    does. Called by the context that changed it, in its transaction."""
    with atomic_step():
        merchant = merchant_of(merchant_id)
        return check_requirement(lock_books(merchant_id), merchant)


__all__ = [
    "Hold",
    "Recovery",
    "Reversal",
    "contest_pay_first",
    "credit_settlement",
    "decide_pay_first_contest",
    "deduct",
    "execution_of",
    "hold_settlement",
    "pay_first",
    "recover",
    "release_settlement",
    "reverse",
    "reversible",
    "review_requirement",
    "top_up",
]
