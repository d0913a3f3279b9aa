"""The double-entry core of the guarantee fund: lock a merchant's accounts, post a movement
whose entries sum to zero, refuse one that would take a money account below zero (409, nothing
written). Only services.py calls this; nothing else writes the books."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from aftersales.accounts.actors import Actor
from aftersales.core import clock
from aftersales.core.errors import Conflict
from aftersales.guarantee.models import (
    NEVER_NEGATIVE,
    NORMAL_SIGN,
    AccountKind,
    Entry,
    LedgerAccount,
    Movement,
)

ZERO = Decimal("0.00")


class Books:
    """A merchant's accounts, locked (SELECT … FOR UPDATE on PostgreSQL) for one transaction:
    every movement of this merchant waits for the one holding them."""

    def __init__(self, merchant_id: int, accounts: dict[str, LedgerAccount]) -> None:
        self.merchant_id = merchant_id
        self.accounts = accounts

    def balance(self, kind: str) -> Decimal:
        return self.accounts[kind].balance

    def post(
        self,
        kind: str,
        legs: list[tuple[str, Decimal]],
        *,
        source: str,
        source_id: int,
        actor: Actor | None = None,
        note: str = "",
        pay_first_id: int | None = None,
        claim_id: int | None = None,
        reverses: Movement | None = None,
    ) -> Movement:
        """Write one movement: `legs` are (account, signed debit-positive amount), summing to
        zero. A money account that would go below zero raises Conflict and nothing is written
        (the caller's transaction rolls back whatever else it did)."""
        legs = [(account, amount) for account, amount in legs if amount != 0]
        if sum((a for _, a in legs), ZERO) != 0:
            raise ValueError(f"a movement's entries must sum to zero: {legs}")
        after = {k: a.balance for k, a in self.accounts.items()}
        for account, amount in legs:
            after[account] += NORMAL_SIGN[account] * amount
        short = {k: after[k] for k, _ in legs if k in NEVER_NEGATIVE and after[k] < 0}
        if short:
            account = next(iter(short))
            have = self.accounts[account].balance
            raise Conflict(
                f"the {account} account holds {have:.2f}; this {kind} would leave it at "
                f"{short[account]:.2f}. Balances never go below zero.",
                account=account,
                balance=f"{have:.2f}",
                needed=f"{have - short[account]:.2f}",
            )
        amount = sum((a for _, a in legs if a > 0), ZERO)
        movement = Movement(
            merchant_id=self.merchant_id,
            kind=kind,
            amount=amount,
            source=source,
            source_id=source_id,
            pay_first_id=pay_first_id,
            claim_id=claim_id,
            reverses=reverses,
            note=note[:500],
            actor_label=actor.label if actor else "system",
            actor_role=actor.role if actor else "system",
            actor_user_id=actor.user_id if actor else None,
            at=clock.now(),
        )
        movement.save()
        Entry.objects.bulk_create(
            [
                Entry(
                    movement=movement,
                    account=self.accounts[account],
                    merchant_id=self.merchant_id,
                    amount=a,
                )
                for account, a in legs
            ]
        )
        changed = []
        for account, _ in legs:
            row = self.accounts[account]
            if row.balance != after[account]:
                row.balance = after[account]
                changed.append(row)
        LedgerAccount.objects.bulk_update(changed, ["balance"])
        movement.legs = legs
        return movement


def lock_books(merchant_id: int) -> Books:
    """The merchant's accounts, created on first use and locked in one order (by kind)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_books runs inside the action's transaction")
    kinds = [k for k, _ in AccountKind.choices]
    rows = {
        a.kind: a
        for a in LedgerAccount.objects.select_for_update()
        .filter(merchant_id=merchant_id)
        .order_by("kind")
    }
    missing = [k for k in kinds if k not in rows]
    if missing:
        LedgerAccount.objects.bulk_create(
            [LedgerAccount(merchant_id=merchant_id, kind=k) for k in missing],
            ignore_conflicts=True,  # another transaction may be creating them too
        )
        rows = {
            a.kind: a
            for a in LedgerAccount.objects.select_for_update()
            .filter(merchant_id=merchant_id)
            .order_by("kind")
        }
    return Books(merchant_id, rows)


def balances(merchant_id: int) -> dict[str, Decimal]:
    """Every account's balance, without locking (reads)."""
    out = {k: ZERO for k, _ in AccountKind.choices}
    for kind, balance in LedgerAccount.objects.filter(merchant_id=merchant_id).values_list(
        "kind", "balance"
    ):
        out[kind] = balance
    return out
