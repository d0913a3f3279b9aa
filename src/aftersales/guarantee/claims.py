"""The machinery behind the fund's actions (services.py): what they return, checking amounts
and sources, claims opened and collected (settlement first, then deposit), and the top-up
request when a deposit falls below its requirement. The services call these inside their own
transaction (`atomic_step`), with the merchant's books locked."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from aftersales.accounts.actors import PLATFORM_INTEGRATION, SYSTEM, Actor
from aftersales.accounts.models import Merchant
from aftersales.core import clock
from aftersales.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from aftersales.core.money import CENT
from aftersales.guarantee.flows import PLATFORM_DECIDERS
from aftersales.guarantee.ledger import Books
from aftersales.guarantee.models import (
    AccountKind,
    Claim,
    ClaimState,
    MovementKind,
    PayFirst,
    Source,
    TopUpRequest,
    TopUpRequestState,
)
from aftersales.guarantee.requirements import deposit_requirement
from aftersales.notify.outbox import publish

A = AccountKind
# Who orders a pay-first, executes a ruling or reverses: the platform's people and systems.
PLATFORM_MONEY_ROLES = PLATFORM_DECIDERS | {PLATFORM_INTEGRATION, SYSTEM}
SOURCES = frozenset(Source.values)

# --- What the actions return -----------------------------------------------------------------


@dataclass(frozen=True)
class Recovery:
    """What a claim took from the merchant now, by account, and what is still owed (taken from
    the next settlement income or top-up)."""

    claim_id: int
    amount: Decimal
    from_settlement: Decimal
    from_deposit: Decimal
    outstanding: Decimal
    movement_ids: tuple[int, ...]
    # The pay-first (or the platform's execution, DS-19) the claim belongs to, when known.
    pay_first_id: int | None = None

    @property
    def recovered(self) -> Decimal:
        return self.from_settlement + self.from_deposit


@dataclass(frozen=True)
class Hold:
    """Settlement held for a source: `held` of the `requested` (no more than was available)."""

    requested: Decimal
    held: Decimal
    movement_id: int | None


@dataclass(frozen=True)
class Reversal:
    source: str
    source_id: int
    movement_ids: tuple[int, ...]


# --- Helpers ---------------------------------------------------------------------------------


def atomic_step():
    """Join the caller's transaction (a dispute's step owns it), or open one."""
    return transaction.atomic()


def checked_amount(amount, field: str = "amount") -> Decimal:
    if isinstance(amount, bool | float) or not isinstance(amount, Decimal | int | str):
        raise InvalidInput.on_field(field, "must be a decimal amount such as 99.90")
    try:
        value = Decimal(amount)
    except ArithmeticError:
        raise InvalidInput.on_field(field, "must be a decimal amount such as 99.90") from None
    if not value.is_finite() or value != value.quantize(CENT):
        raise InvalidInput.on_field(field, "must be exact to the fen (two decimal places)")
    if value <= 0:
        raise InvalidInput.on_field(field, "must be more than 0.00")
    return value.quantize(CENT)


def checked_source(source: str, source_id: int) -> None:
    if source not in SOURCES:
        raise InvalidInput.on_field("source", f"must be one of {', '.join(sorted(SOURCES))}")
    if isinstance(source_id, bool) or not isinstance(source_id, int) or source_id <= 0:
        raise InvalidInput.on_field("source_id", "must be a positive whole number")


def require_platform(actor: Actor, what: str) -> None:
    if actor.role not in PLATFORM_MONEY_ROLES:
        raise PermissionDenied(f"Only the platform {what}.")


def merchant_of(merchant_id: int) -> Merchant:
    merchant = Merchant.objects.filter(pk=merchant_id).first()
    if merchant is None:
        raise NotFound(f"No merchant {merchant_id}.")
    return merchant


def fmt(amount: Decimal) -> str:
    return f"{amount:.2f}"


# --- Claims: the platform paid, the merchant owes ---------------------------------------------


def refuse_second_claim(source: str, source_id: int) -> None:
    """One claim per source: the merchant pays for a ruling once (a unique key backs this)."""
    existing = Claim.objects.filter(source=source, source_id=source_id).first()
    if existing is not None:
        pay_first = PayFirst.objects.filter(claim=existing).values_list("pk", flat=True).first()
        raise Conflict(
            f"{source} {source_id} was already paid for (claim {existing.pk}, {existing.state}).",
            claim=existing.pk,
            pay_first=pay_first,
        )


def collect(books: Books, claim: Claim, *, actor: Actor, pay_first_id: int | None) -> Recovery:
    """Take what the claim still lacks from available settlement first, then the deposit; as
    much as they hold, never more (the rest stays owed)."""
    owed = claim.outstanding
    from_settlement = min(owed, books.balance(A.SETTLEMENT))
    from_deposit = min(owed - from_settlement, books.balance(A.DEPOSIT))
    taken = from_settlement + from_deposit
    ids: tuple[int, ...] = ()
    if taken > 0:
        movement = books.post(
            MovementKind.COLLECT,
            [
                (A.SETTLEMENT, from_settlement),
                (A.DEPOSIT, from_deposit),
                (A.RECEIVABLE, -taken),
            ],
            source=claim.source,
            source_id=claim.source_id,
            actor=actor,
            pay_first_id=pay_first_id,
            claim_id=claim.pk,
        )
        ids = (movement.pk,)
        claim.recovered += taken
        if claim.recovered == claim.amount:
            claim.state, claim.closed_at = ClaimState.RECOVERED, clock.now()
        claim.save(update_fields=["recovered", "state", "closed_at"])
    return Recovery(
        claim_id=claim.pk,
        amount=claim.amount,
        from_settlement=from_settlement,
        from_deposit=from_deposit,
        outstanding=claim.outstanding,
        movement_ids=ids,
    )


def collect_outstanding(books: Books, *, actor: Actor) -> list[Recovery]:
    """New money came in (settlement income, a top-up): the oldest open claims take it."""
    out = []
    for claim in (
        Claim.objects.select_for_update()
        .filter(merchant_id=books.merchant_id, state=ClaimState.OPEN)
        .order_by("opened_at", "id")
    ):
        if books.balance(A.SETTLEMENT) <= 0 and books.balance(A.DEPOSIT) <= 0:
            break
        pay_first = PayFirst.objects.filter(claim=claim).values_list("pk", flat=True).first()
        out.append(collect(books, claim, actor=actor, pay_first_id=pay_first))
    return out


# --- The top-up request ------------------------------------------------------------------------


def check_requirement(books: Books, merchant: Merchant) -> TopUpRequest | None:
    """After a movement, or when the requirement itself changed (a raise imposed or ended): a
        deposit below its requirement opens a top-up request (one at a time, the merchant is told
        through the outbox; an open one follows a changed requirement, and is told again when it
    rose);
        a deposit back at it closes the open one."""
    requirement = deposit_requirement(merchant)
    balance = books.balance(A.DEPOSIT)
    open_request = (
        TopUpRequest.objects.select_for_update()
        .filter(merchant_id=merchant.pk, state=TopUpRequestState.OPEN)
        .first()
    )
    if balance >= requirement.amount:
        if open_request is not None:
            open_request.state, open_request.met_at = TopUpRequestState.MET, clock.now()
            open_request.save(update_fields=["state", "met_at"])
        return None
    rule = requirement.rule
    if requirement.raised_rule:
        rule = f"{rule}+{requirement.raised_rule}"[:32]
    if open_request is not None:
        if open_request.requirement != requirement.amount:
            rose = requirement.amount > open_request.requirement
            open_request.requirement, open_request.rule = requirement.amount, rule
            open_request.shortfall = requirement.amount - balance
            open_request.save(update_fields=["requirement", "rule", "shortfall"])
            if rose:
                _tell_top_up(merchant, open_request, requirement, balance)
        return open_request
    request = TopUpRequest.objects.create(
        merchant=merchant,
        requirement=requirement.amount,
        balance_at_request=balance,
        shortfall=requirement.amount - balance,
        rule=rule,
        requested_at=clock.now(),
    )
    _tell_top_up(merchant, request, requirement, balance)
    return request


def _tell_top_up(merchant: Merchant, request: TopUpRequest, requirement, balance) -> None:
    publish(
        "guarantee.top_up_requested",
        {
            "merchant": merchant.code,
            "request_id": request.pk,
            "balance": fmt(balance),
            "requirement": fmt(requirement.amount),
            "shortfall": fmt(request.shortfall),
            "currency": requirement.currency,
            "category": requirement.category,
            "rule": requirement.rule,
            "raised_by": requirement.raised_by,
            "at": clock.now().isoformat(),
        },
        merchant_id=merchant.pk,
        subject=f"merchant:{merchant.code}",
    )
