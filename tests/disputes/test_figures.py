"""平台介入率 and 纠纷退款率 per merchant per month (RISK-SIGNALS.md), on small tables."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from aftersales.disputes.figures import month_bounds, monthly
from aftersales.disputes.models import Dispute, DisputeMoney
from aftersales.orders.models import Order, OrderLine
from tests import factories

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
NOV = datetime(2026, 11, 10, 12, tzinfo=SH)


def orders(merchant, n: int, *, lines: int = 1, paid_at=NOV):
    buyer = factories.buyer()
    made = []
    for i in range(n):
        order = Order.objects.create(
            merchant=merchant,
            buyer=buyer,
            external_id=f"O-{merchant.pk}-{i}-{paid_at:%m}",
            currency="CNY",
            placed_at=paid_at,
            paid_at=paid_at,
        )
        for j in range(lines):
            OrderLine.objects.create(
                order=order,
                merchant=merchant,
                line_id=str(j + 1),
                sku="S",
                title="T",
                category="apparel",
                quantity=1,
                unit_price=Decimal("10.00"),
                paid_amount=Decimal("10.00"),
            )
        made.append(order)
    return made


def dispute(order, *, state="closed", ruling="", executed_at=None, refunded="0.00", void=False):
    d = Dispute.objects.create(
        merchant=order.merchant,
        buyer=order.buyer,
        order=order,
        type="not_received",
        state=state,
        opened_by="buyer",
        policy_version="cn-default@1",
        refundable=Decimal("10.00"),
        ruling=ruling,
        executed_at=executed_at,
        ruling_void=void,
        opened_at=NOV,
    )
    if Decimal(refunded):
        DisputeMoney.objects.create(
            dispute=d,
            merchant=order.merchant,
            kind="refund",
            amount=Decimal(refunded),
            at=executed_at or NOV,
        )
    return d


def test_the_month_is_counted_in_local_time():
    start, end = month_bounds("2026-11")
    assert start == datetime(2026, 11, 1, tzinfo=SH)
    assert end == datetime(2026, 12, 1, tzinfo=SH)


def test_intervention_rate_is_disputes_taken_up_over_valid_orders():
    m = factories.merchant()
    paid = orders(m, 4)
    dispute(paid[0])
    dispute(paid[1], state="not_accepted")  # the platform did not step in
    orders(m, 2, paid_at=NOV - timedelta(days=30))  # October's orders do not count
    found = monthly(m.pk, "2026-11")
    assert (found["disputed"], found["valid_orders"]) == (1, 4)
    assert found["intervention_rate"] == Decimal("25.00")


def test_dispute_refund_rate_is_refunds_ruled_for_the_buyer_over_paid_sub_orders():
    m = factories.merchant()
    paid = orders(m, 2, lines=3)  # six sub-orders
    dispute(paid[0], ruling="for_buyer", executed_at=NOV, refunded="10.00")
    dispute(paid[1], ruling="partial", executed_at=NOV, refunded="5.00")
    found = monthly(m.pk, "2026-11")
    assert (found["dispute_refunds"], found["paid_sub_orders"]) == (2, 6)
    assert found["dispute_refund_rate"] == Decimal("33.33")


def test_rulings_for_the_merchant_and_voided_rulings_do_not_count():
    m = factories.merchant()
    paid = orders(m, 3)
    dispute(paid[0], ruling="for_merchant", executed_at=NOV)
    dispute(paid[1], ruling="for_buyer", executed_at=NOV, refunded="10.00", void=True)
    dispute(paid[2], ruling="for_buyer", executed_at=NOV, refunded="10.00")
    assert monthly(m.pk, "2026-11")["dispute_refunds"] == 1


def test_another_merchants_disputes_do_not_count():
    m, other = factories.merchant(), factories.merchant()
    orders(m, 1)
    dispute(orders(other, 1)[0])
    assert monthly(m.pk, "2026-11")["disputed"] == 0


def test_no_orders_means_no_rate_rather_than_zero():
    found = monthly(factories.merchant().pk, "2026-11")
    assert found["intervention_rate"] is None
    assert found["dispute_refund_rate"] is None


def test_merchant_credit_takes_both_figures_from_disputes_where_the_month_had_them():
    from aftersales.credit import metrics

    with_disputes, without = factories.merchant(), factories.merchant()
    paid = orders(with_disputes, 4, lines=2)  # four valid orders, eight sub-orders
    dispute(paid[0], ruling="for_buyer", executed_at=NOV, refunded="10.00")
    dispute(paid[1], ruling="for_buyer", executed_at=NOV, refunded="10.00", void=True)
    orders(without, 2)
    figures = metrics.compute_figures(metrics.Month.parse("2026-11"))
    assert figures["intervention_rate"][with_disputes.pk] == (2, 4)
    assert figures["dispute_refund_rate"][with_disputes.pk] == (1, 8)
    assert figures["intervention_rate"][without.pk] == (0, 2)  # the case engine's: no appeals
