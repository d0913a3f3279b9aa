"""`refunded_on_lines`: what the ledger counts as paid back per order line (for opening cases)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from aftersales.refunds.models import Refund
from aftersales.refunds.services import (
    LineRequest,
    RefundRequest,
    grant_refunds,
    refunded_on_lines,
)
from tests.cases.factories import opened_case

pytestmark = pytest.mark.django_db


def granted(case, amount: str) -> list[Refund]:
    line = case.lines.get()
    return grant_refunds(
        [
            RefundRequest(
                case_id=case.pk,
                merchant_id=case.merchant_id,
                order_id=case.order_id,
                currency=case.currency,
                lines=(LineRequest(line.order_line_id, line.refundable_amount),),
                amount=Decimal(amount),
            )
        ]
    )


def test_refunded_on_lines_sums_every_refund_that_did_not_fail_and_names_every_line_asked():
    case = opened_case("return_refund")
    line_id = case.lines.get().order_line_id
    granted(case, "10.00")
    (failed,) = granted(case, "15.00")
    Refund.objects.filter(pk=failed.pk).update(state="failed")
    granted(case, "5.50")

    assert refunded_on_lines([line_id, line_id + 10_000]) == {
        line_id: Decimal("15.50"),
        line_id + 10_000: Decimal("0.00"),
    }
