"""Any sequence of grants (partial, whole, too large, several at once), provider outcomes
(success, failure, transient errors) and retries keeps the ledger exact: never more refunded
than paid per line or captured per payment, never sent twice, every sum exact to the fen."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Count, Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from aftersales.core import clock
from aftersales.core.errors import InvalidInput
from aftersales.refunds import providers, submission
from aftersales.refunds.models import COUNTING, FakeProviderCall, Refund, RefundLine
from aftersales.refunds.services import LineRequest, RefundRequest, grant_refunds
from tests.cases.factories import opened_case

pytestmark = pytest.mark.django_db

cents = st.integers(min_value=1, max_value=9000).map(lambda n: Decimal(n) / 100)


class Ledger(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.fake = providers.FakeProvider(delay=0, failure_rate=0, transient_rate=0, outcomes=[])
        providers.use(self.fake)
        self.case = opened_case("return_refund")
        self.order = self.case.order
        self.line = self.case.lines.get().order_line
        self.now = clock.now()

    def request(self, amount):
        return RefundRequest(
            case_id=self.case.pk,
            merchant_id=self.case.merchant_id,
            order_id=self.order.pk,
            currency="CNY",
            lines=(LineRequest(self.line.pk, self.line.paid_amount, quantity=1),),
            amount=amount,
        )

    @rule(amounts=st.lists(st.one_of(st.none(), cents), min_size=1, max_size=3))
    def grant(self, amounts):
        """One call with several requests on the same line: as concurrent grants, one lock."""
        try:
            with transaction.atomic():  # the caller owns the transaction, as a case step does
                grant_refunds([self.request(a) for a in amounts])
        except InvalidInput as exc:
            assert "amount" in [e.field for e in exc.errors]

    @rule(outcomes=st.lists(st.sampled_from(["ok", "fail", "transient"]), max_size=4))
    def provider_answers(self, outcomes):
        self.fake.outcomes[:] = outcomes
        submission.submit_due(now=self.now)

    @rule()
    def time_passes_and_the_resolver_runs(self):
        self.now += timedelta(hours=2)
        submission.resolve_in_flight(now=self.now)

    @invariant()
    def never_more_than_paid_on_the_line(self):
        refunded = RefundLine.objects.filter(
            order_line=self.line, refund__state__in=COUNTING
        ).aggregate(s=Sum("amount"))["s"] or Decimal(0)
        assert refunded <= self.line.paid_amount

    @invariant()
    def never_more_than_captured_on_a_payment(self):
        for p in self.order.payments.all():
            total = Refund.objects.filter(payment=p, state__in=COUNTING).aggregate(s=Sum("amount"))[
                "s"
            ] or Decimal(0)
            assert total <= p.amount

    @invariant()
    def every_refund_is_the_exact_sum_of_its_lines(self):
        for r in Refund.objects.filter(order=self.order).annotate(t=Sum("lines__amount")):
            assert r.t == r.amount

    @invariant()
    def never_sent_twice_once_the_provider_took_it(self):
        keys = Refund.objects.filter(order=self.order).values_list("idempotency_key", flat=True)
        taken = (
            FakeProviderCall.objects.filter(idempotency_key__in=list(keys), operation="refund")
            .exclude(outcome="transient")
            .values("idempotency_key")
            .annotate(n=Count("id"))
        )
        assert all(row["n"] == 1 for row in taken)

    def teardown(self):
        providers.use(None)


def test_ledger_stays_exact_under_any_sequence_of_grants_and_provider_answers():
    run_state_machine_as_test(
        Ledger,
        settings=settings(
            max_examples=25,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
