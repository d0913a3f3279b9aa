"""Any sequence of movements keeps the books exact: no money account below zero, every
account's balance the sum of its entries, every movement's entries summing to zero, every claim
(a pay-first's, a ruling's) recovered at most once to its amount, every movement undone at most
once and every voided ruling paid back to the merchant at most once, whatever is attempted
(refused attempts write nothing)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Count
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from aftersales.core.errors import Conflict, InvalidInput, NotFound
from aftersales.guarantee import services
from aftersales.guarantee.models import (
    NEVER_NEGATIVE,
    AccountKind,
    Claim,
    ClaimState,
    Entry,
    LedgerAccount,
    Movement,
    MovementKind,
    PayFirst,
    Source,
)
from tests import factories
from tests.guarantee import builders as b

pytestmark = pytest.mark.django_db

A = AccountKind
cents = st.integers(min_value=1, max_value=20000).map(lambda n: Decimal(n) / 100)
ids = st.integers(min_value=1, max_value=4)


class Books(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.merchant = factories.merchant()
        self.cases = 0
        self.reversed: set[tuple[str, int]] = set()
        # Rulings and disputes are numbered apart per example: a ruling is claimed once, ever.
        self.base = self.merchant.pk * 10

    def attempt(self, step):
        """One action in its own transaction, as the API runs it: refused → nothing written."""
        before = (Movement.objects.count(), Entry.objects.count())
        try:
            with transaction.atomic():
                return step()
        except (Conflict, InvalidInput, NotFound):
            assert (Movement.objects.count(), Entry.objects.count()) == before
            return None

    @rule(amount=cents)
    def settlement_income(self, amount):
        self.attempt(
            lambda: services.credit_settlement(
                merchant_id=self.merchant.pk, amount=amount, source=Source.ORDER, source_id=1
            )
        )

    @rule(amount=cents)
    def top_up(self, amount):
        self.attempt(
            lambda: services.top_up(
                merchant=self.merchant,
                amount=amount,
                reference=f"t{Movement.objects.count()}",
                actor=b.integration(self.merchant),
            )
        )

    @rule(amount=cents, dispute=ids)
    def hold(self, amount, dispute):
        self.attempt(
            lambda: services.hold_settlement(
                merchant_id=self.merchant.pk,
                amount=amount,
                source=Source.DISPUTE,
                source_id=self.base + dispute,
            )
        )

    @rule(dispute=ids, amount=st.one_of(st.none(), cents))
    def release(self, dispute, amount):
        self.attempt(
            lambda: services.release_settlement(
                merchant_id=self.merchant.pk,
                source=Source.DISPUTE,
                source_id=self.base + dispute,
                amount=amount,
            )
        )

    @rule(amount=cents, ruling=ids, account=st.sampled_from([A.DEPOSIT, A.SETTLEMENT]))
    def deduct(self, amount, ruling, account):
        self.attempt(
            lambda: services.deduct(
                merchant_id=self.merchant.pk,
                amount=amount,
                source=Source.RULING,
                source_id=self.base + ruling,
                actor=b.SPECIALIST,
                account=account,
            )
        )

    @rule(amount=cents, ruling=ids)
    def recover(self, amount, ruling):
        self.attempt(
            lambda: services.recover(
                merchant_id=self.merchant.pk,
                amount=amount,
                source=Source.RULING,
                source_id=self.base + ruling,
                actor=b.SPECIALIST,
            )
        )

    @rule(amount=cents, ruling=ids)
    def restitute(self, amount, ruling):
        """A ruling the merchant carried out itself, voided on appeal, is paid back (DS-20)."""
        self.attempt(
            lambda: services.restitute(
                merchant_id=self.merchant.pk,
                amount=amount,
                source=Source.RULING,
                source_id=self.base + ruling,
                actor=b.SPECIALIST,
                note="voided on appeal",
            )
        )

    @rule(amount=st.integers(min_value=1, max_value=6000).map(lambda n: Decimal(n) / 100))
    def pay_first(self, amount):
        if self.cases >= 3:  # each pay-first opens a case on a fresh order: keep examples quick
            return
        self.cases += 1
        case = b.case_of(self.merchant)
        self.attempt(
            lambda: services.pay_first(
                case_id=case.pk,
                merchant_id=self.merchant.pk,
                amount=amount,
                reason="先行赔付",
                source=Source.CASE,
                source_id=case.pk,
                actor=b.SPECIALIST,
            )
        )

    @rule(which=st.integers(min_value=0, max_value=5), uphold=st.booleans())
    def contest_and_decide(self, which, uphold):
        # Pay-firsts and the platform's executions (recover) alike: one contest flow.
        records = list(PayFirst.objects.filter(merchant=self.merchant).order_by("pk"))
        if not records:
            return
        record = records[which % len(records)]
        self.attempt(
            lambda: services.contest_pay_first(
                record.pk, reason="有异议", actor=b.merchant_admin(self.merchant)
            )
        )
        self.attempt(
            lambda: services.decide_pay_first_contest(
                record.pk, uphold=uphold, note="裁定", actor=b.MANAGER
            )
        )

    @rule(source=st.sampled_from([Source.RULING, Source.DISPUTE]), source_id=ids)
    def reverse(self, source, source_id):
        done = self.attempt(
            lambda: services.reverse(
                source=source, source_id=self.base + source_id, actor=b.MANAGER
            )
        )
        if done is not None:
            self.reversed.add((source, self.base + source_id))

    @rule(source=st.sampled_from([Source.RULING, Source.DISPUTE]), source_id=ids)
    def reverse_again(self, source, source_id):
        """Undoing what was undone is refused and writes nothing."""
        source_id += self.base
        if (source, source_id) not in self.reversed:
            return
        before = Movement.objects.filter(kind=MovementKind.REVERSAL).count()
        untouched = (
            not Movement.objects.filter(
                merchant=self.merchant, source=source, source_id=source_id, reversed_by__isnull=True
            )
            .exclude(kind=MovementKind.REVERSAL)
            .exists()
        )
        if untouched:
            with pytest.raises(Conflict), transaction.atomic():
                services.reverse(source=source, source_id=source_id, actor=b.MANAGER)
            assert Movement.objects.filter(kind=MovementKind.REVERSAL).count() == before

    @invariant()
    def money_accounts_never_negative(self):
        for account in LedgerAccount.objects.filter(merchant=self.merchant):
            if account.kind in NEVER_NEGATIVE:
                assert account.balance >= 0, account

    @invariant()
    def balances_are_the_sums_of_their_entries(self):
        for kind in b.ACCOUNTS:
            assert b.balance(self.merchant, kind) == b.entries_sum(self.merchant, kind), kind

    @invariant()
    def every_movement_balances(self):
        totals: dict[int, Decimal] = {}
        for movement_id, amount in Entry.objects.filter(merchant=self.merchant).values_list(
            "movement_id", "amount"
        ):
            totals[movement_id] = totals.get(movement_id, Decimal(0)) + amount
        assert all(total == 0 for total in totals.values()), totals

    @invariant()
    def every_claim_is_recovered_at_most_once_to_its_amount(self):
        for claim in Claim.objects.filter(merchant=self.merchant):
            collected = -sum(
                Entry.objects.filter(
                    movement__claim=claim,
                    movement__kind=MovementKind.COLLECT,
                    account__kind=A.RECEIVABLE,
                ).values_list("amount", flat=True),
                Decimal(0),
            )
            assert collected == claim.recovered <= claim.amount
            if claim.state == ClaimState.RECOVERED:
                assert claim.recovered == claim.amount
            if claim.state == ClaimState.OPEN:
                assert claim.recovered < claim.amount

    @invariant()
    def a_pay_first_opens_one_claim_paid_to_the_buyer_once(self):
        for record in PayFirst.objects.filter(merchant=self.merchant):
            opened = Movement.objects.filter(pay_first=record, kind=MovementKind.CLAIM)
            assert opened.count() == 1 and opened.get().amount == record.amount

    @invariant()
    def a_platform_execution_pays_nobody_and_is_contested_like_a_pay_first(self):
        """`recover` (DS-19) is a pay-first of kind execution: no refund of its own, one claim;
        once its contest is upheld, nothing of it is left to undo and its claim is written
        off (the merchant made whole once)."""
        for record in PayFirst.objects.filter(merchant=self.merchant):
            if record.kind == "execution":
                assert record.refund_ids == []
            if record.contest_state == "upheld":
                left = Movement.objects.filter(pay_first=record, reversed_by__isnull=True)
                assert not left.exclude(kind=MovementKind.REVERSAL).exists()
                assert record.claim.state == "written_off"

    @invariant()
    def every_movement_is_undone_at_most_once(self):
        twice = (
            Movement.objects.filter(merchant=self.merchant, kind=MovementKind.REVERSAL)
            .values("reverses")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
        )
        assert not twice.exists()

    @invariant()
    def a_ruling_is_paid_back_to_the_merchant_at_most_once(self):
        twice = (
            Movement.objects.filter(merchant=self.merchant, kind=MovementKind.RESTITUTION)
            .values("source", "source_id")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
        )
        assert not twice.exists()

    @invariant()
    def what_the_merchant_holds_less_what_it_owes_is_what_came_in_less_what_went_out(self):
        bal = {kind: b.balance(self.merchant, kind) for kind in b.ACCOUNTS}
        held = bal[A.DEPOSIT] + bal[A.SETTLEMENT] + bal[A.HELD] - bal[A.RECEIVABLE]
        assert held == bal[A.INFLOW] - bal[A.BUYER_PAYOUT] + bal[A.PLATFORM_LOSS]


def test_the_books_stay_exact_under_any_sequence_of_movements():
    run_state_machine_as_test(
        Books,
        settings=settings(
            max_examples=25,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
