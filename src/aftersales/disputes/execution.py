"""Carrying out a ruling, through the one path money takes: the case engine's `rule` step (and
its `refund` step where the case is left waiting for one), which grants through the refund
ledger; compensation is granted through the same ledger. When the platform executes past
DS-19 it pays first and recovers from the merchant through the guarantee context (GF-02:
settlement first, then deposit); a dispute holds the merchant's settlement while it is open.

The guarantee calls (aftersales.guarantee.services) go through `_guarantee()` only."""

from __future__ import annotations

from decimal import Decimal

from aftersales.accounts.actors import PLATFORM_INTEGRATION, SYSTEM_ACTOR, Actor
from aftersales.cases import services as case_services
from aftersales.cases.models import Case, CaseLine
from aftersales.core.errors import InvalidInput
from aftersales.disputes.models import Dispute, DisputeMoney
from aftersales.refunds.services import LineRequest, RefundRequest, grant_refunds

ZERO = Decimal("0.00")


def _guarantee():
    """The guarantee context's services (aftersales.guarantee.services): the one door."""
    from aftersales.guarantee import services

    return services


def desk_actor(label: str) -> Actor:
    """The platform, acting on the case for the dispute (the case's `rule` is the platform's)."""
    return Actor(kind="system", role=PLATFORM_INTEGRATION, label=label)


def hold_settlement(dispute: Dispute) -> str:
    """While the dispute is open, up to what it claims of the merchant's settlement is held."""
    if dispute.refundable <= 0:
        return ""
    hold = _guarantee().hold_settlement(
        merchant_id=dispute.merchant_id,
        amount=dispute.refundable,
        source="dispute",
        source_id=dispute.pk,
    )
    return f"{hold.held:.2f}"


def release_settlement(dispute: Dispute) -> Decimal:
    return _guarantee().release_settlement(
        merchant_id=dispute.merchant_id, source="dispute", source_id=dispute.pk
    )


def rule_on_case(dispute: Dispute, *, at, note: str = "") -> list:
    """The case takes the platform's ruling (`rule`), and its `refund` when that is the step the
    ruling leaves it waiting for (an inspected or received return): the refund ledger grants
    it. Returns the refunds granted."""
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("merchant")
        .get(pk=dispute.case_id)
    )
    ruling = dispute.ruling
    partial = ruling == "partial"
    body = case_services.ActionBody(
        ruling=ruling,
        reason=f"dispute {dispute.pk}: {dispute.ruling_reason}",
        note=note,
        amount=dispute.ruling_amount if partial else None,
    )
    actor = desk_actor(f"dispute {dispute.pk}")
    granted: list = []
    from aftersales.disputes.hooks import EXECUTING

    token = EXECUTING.set(True)
    try:
        granted = _rule_locked(dispute, case, actor, body, partial, at)
    finally:
        EXECUTING.reset(token)
    return granted


def _rule_locked(dispute, case, actor, body, partial, at) -> list:
    ruling = dispute.ruling
    granted: list = []
    if case.state == "platform_review":
        case = case_services.act(
            case=case, actor=actor, action="rule", body=body, at=at, locked=True
        )
        granted += getattr(case, "granted_refunds", [])
        if ruling != "for_merchant" and case.facts.get("referred_from"):
            # The merchant never shipped what it owed (the case's `refer`): the ruling ends the
            # case and its remedy is money, through the ledger on the case's lines.
            granted += _grant_on_case(case, dispute.ruling_amount, at=at)
        elif ruling != "for_merchant" and "refund" in case_services.allowed_actions(
            case, SYSTEM_ACTOR
        ):
            case = case_services.act(
                case=case,
                actor=SYSTEM_ACTOR,
                action="refund",
                body=case_services.ActionBody(amount=dispute.ruling_amount if partial else None),
                rule="DS-19",
                at=at,
                locked=True,
            )
            granted += getattr(case, "granted_refunds", [])
    elif ruling != "for_merchant":
        # The case was ruled before (a ruling an appeal voided): the new ruling's money goes
        # through the ledger on the case's lines.
        granted += _grant_on_case(case, dispute.ruling_amount, at=at)
    return granted


def _grant_on_case(case: Case, amount: Decimal | None, *, at) -> list:
    lines = list(CaseLine.objects.filter(case=case).order_by("pk"))
    return grant_refunds(
        [
            RefundRequest(
                case_id=case.pk,
                merchant_id=case.merchant_id,
                order_id=case.order_id,
                currency=case.currency,
                lines=tuple(
                    LineRequest(ln.order_line_id, ln.refundable_amount, ln.quantity) for ln in lines
                ),
                amount=amount,
                maker=SYSTEM_ACTOR,
            )
        ],
        at=at,
    )


def pay_referred_ruling(dispute: Dispute, *, amount: Decimal | None, at) -> None:
    """The desk ruled for the buyer on a referred case directly (not through the dispute): the
    case closes on it, so its money is granted here, on the case's lines, and recorded."""
    case = Case.objects.get(pk=dispute.case_id)
    if not case.facts.get("referred_from"):
        return
    refunds = _grant_on_case(case, amount or dispute.refundable, at=at)
    DisputeMoney.objects.create(
        dispute=dispute,
        merchant_id=dispute.merchant_id,
        kind="refund",
        amount=sum((r.amount for r in refunds), ZERO),
        refund_ids=[r.pk for r in refunds],
        at=at,
        note=f"ruling {dispute.ruling} on the referred case",
    )


def _refund_order_claim(dispute: Dispute, *, at) -> list:
    """An order's claim (not received, counterfeit) ruled for the buyer has no case yet: the
    refund is a refund-only case on the order's lines, opened and approved by the system, so
    the money takes the case engine's one path (its `refund` step and the ledger). A partial
    ruling fixes the case's refund amount before the approval, as a partial inspection or
    ruling on a case does, so the `refund` step grants exactly the ruled amount."""
    from aftersales.cases.opening import LineClaim, open_case
    from aftersales.orders.models import Order

    order = Order.objects.select_related("merchant").get(pk=dispute.order_id)
    token = _executing()
    try:
        case = open_case(
            actor=SYSTEM_ACTOR,
            order=order.external_id,
            merchant=order.merchant.code,
            type="refund_only",
            reason=dispute.type,
            lines=[LineClaim(ln.line_id, ln.quantity) for ln in order.lines.all()],
            description=f"dispute {dispute.pk}: {dispute.ruling_reason}"[:500],
            at=at,
        )
        if case.state == "requested":
            if dispute.ruling == "partial":
                case.refund_amount = dispute.ruling_amount
                Case.objects.filter(pk=case.pk).update(refund_amount=dispute.ruling_amount)
            case = case_services.act(
                case=case, actor=SYSTEM_ACTOR, action="approve", rule="DS-19", at=at
            )
    finally:
        _done(token)
    dispute.case = case
    dispute.save(update_fields=["case"])
    from aftersales.refunds.models import Refund

    return list(Refund.objects.filter(case=case))


def _executing():
    from aftersales.disputes.hooks import EXECUTING

    return EXECUTING.set(True)


def _done(token) -> None:
    from aftersales.disputes.hooks import EXECUTING

    EXECUTING.reset(token)


def grant_compensation(dispute: Dispute, amount: Decimal, *, at) -> list:
    if amount <= 0:
        return []
    if dispute.case_id is None:
        raise InvalidInput.on_field(
            "compensation", "compensation is paid on the dispute's case; this dispute has none"
        )
    case = Case.objects.get(pk=dispute.case_id)
    return grant_refunds(
        [
            RefundRequest(
                case_id=case.pk,
                merchant_id=case.merchant_id,
                order_id=case.order_id,
                currency=case.currency,
                lines=(),
                amount=ZERO,
                compensation=amount,
                maker=SYSTEM_ACTOR,
            )
        ],
        at=at,
    )


def carry_out(dispute: Dispute, *, by: str, at) -> None:
    """Execute the ruling: the money to the buyer through the ledger (recorded in
    DisputeMoney); when the platform executes (`by="platform"`, DS-19) it pays first and
    recovers the sum from the merchant (GF-02)."""
    if dispute.case_id is None and dispute.ruling != "for_merchant":
        refunds = _refund_order_claim(dispute, at=at)
    else:
        refunds = rule_on_case(dispute, at=at) if dispute.case_id else []
    money = [
        DisputeMoney(
            dispute=dispute,
            merchant_id=dispute.merchant_id,
            kind="refund",
            amount=sum((r.amount for r in refunds if r.purpose == "refund"), ZERO),
            refund_ids=[r.pk for r in refunds if r.purpose == "refund"],
            at=at,
            note=f"ruling {dispute.ruling} ({dispute.decided_by})",
        )
    ]
    comp = Decimal(dispute.compensation.get("amount", "0.00")) if dispute.compensation else ZERO
    if comp > 0:
        paid = grant_compensation(dispute, comp, at=at)
        money.append(
            DisputeMoney(
                dispute=dispute,
                merchant_id=dispute.merchant_id,
                kind="compensation",
                amount=comp,
                refund_ids=[r.pk for r in paid],
                at=at,
                note=", ".join(p["rule"] for p in dispute.compensation.get("parts", [])),
            )
        )
    total = sum((m.amount for m in money), ZERO)
    if by == "platform" and total > 0:
        money.append(
            DisputeMoney(
                dispute=dispute,
                merchant_id=dispute.merchant_id,
                kind="recovery",
                amount=total,
                reference=_recover(dispute, total),
                at=at,
                note="GF-02: paid first by the platform, recovered from settlement, then deposit",
            )
        )
    DisputeMoney.objects.bulk_create([m for m in money if m.amount or m.kind != "refund"])


def _recover(dispute: Dispute, amount: Decimal) -> str:
    """DS-19/GF-02: what the platform paid for the merchant is recovered from its settlement
    (the dispute's hold released first), then its deposit; what they lack stays owed."""
    release_settlement(dispute)
    recovery = _guarantee().recover(
        merchant_id=dispute.merchant_id,
        amount=amount,
        source="ruling",
        source_id=dispute.pk,
        actor=desk_actor(f"dispute {dispute.pk}"),
        order_id=dispute.order_id,
        case_id=dispute.case_id,
        reason=f"dispute {dispute.pk}: ruling {dispute.ruling} executed by the platform (DS-19)",
    )
    return f"claim {recovery.claim_id}, execution {recovery.pay_first_id}"


def recovery_of(dispute: Dispute):
    """The platform's execution of this dispute's ruling as the guarantee fund recorded it (its
    recovery and any contest, GF-03), or None."""
    return _guarantee().execution_of("ruling", dispute.pk)


def reverse(dispute: Dispute, *, at, note: str) -> Decimal:
    """An appeal voided the ruling: every sum it moved is reversed in DisputeMoney (the figures
    stop counting it) and what was recovered from the merchant is given back through the
    guarantee ledger. Returns the total reversed."""
    moved = list(DisputeMoney.objects.filter(dispute=dispute))
    net: dict[str, Decimal] = {}
    for m in moved:
        net[m.kind] = net.get(m.kind, ZERO) + m.amount
    rows = [
        DisputeMoney(
            dispute=dispute,
            merchant_id=dispute.merchant_id,
            kind=kind,
            amount=-amount,
            at=at,
            note=f"reversed: {note}"[:200],
        )
        for kind, amount in net.items()
        if amount
    ]
    recovered = net.get("recovery", ZERO)
    if recovered > 0:
        # The recovery covers the refund and the compensation the platform paid; reversed once:
        # a contest the platform upheld (GF-03) already gave it back to the merchant.
        if _guarantee().reversible("ruling", dispute.pk):
            reversal = _guarantee().reverse(
                source="ruling", source_id=dispute.pk, actor=desk_actor(f"dispute {dispute.pk}")
            )
            reference = f"movements {list(reversal.movement_ids)}"
        else:
            reference = "already reversed: the merchant's contest was upheld (GF-03)"
        for row in rows:
            if row.kind == "recovery":
                row.reference = reference[:100]
    elif dispute.executed_by == "merchant":
        rows += _restitution(dispute, net, at=at, note=note)
    DisputeMoney.objects.bulk_create(rows)
    return sum((r.amount for r in rows if r.kind not in {"recovery", "restitution"}), ZERO)


def _restitution(dispute: Dispute, net: dict[str, Decimal], *, at, note: str) -> list:
    """The merchant carried the voided ruling out itself (DS-19 `execute`): what it paid the
    buyer — the refund and any compensation — is paid back to it through the guarantee ledger
    (its settlement is credited, the platform bears it; the buyer keeps the money), the way a
    platform execution's recovery is given back. Once: the ledger refuses a second."""
    paid = net.get("refund", ZERO) + net.get("compensation", ZERO)
    if paid <= 0:
        return []
    movement = _guarantee().restitute(
        merchant_id=dispute.merchant_id,
        amount=paid,
        source="ruling",
        source_id=dispute.pk,
        actor=desk_actor(f"dispute {dispute.pk}"),
        note=f"dispute {dispute.pk}: the ruling the merchant carried out was voided on appeal "
        f"(DS-20): {note}",
    )
    return [
        DisputeMoney(
            dispute=dispute,
            merchant_id=dispute.merchant_id,
            kind="restitution",
            amount=paid,
            reference=f"movement {movement.pk}",
            at=at,
            note="DS-20: paid back to the merchant, borne by the platform",
        )
    ]
