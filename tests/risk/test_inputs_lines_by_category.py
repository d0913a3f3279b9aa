"""RS-01's lines bought per category, counted in the history row (`inputs.gather`) rather than
read in a statement of their own: the same counts as that read (`bought_by_category`), which
still runs where the row cannot tell them — a line of a category `Category` does not list."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.core import clock
from aftersales.orders.models import Order, OrderLine
from aftersales.orders.services import upsert_order
from aftersales.risk.inputs import Subject, bought_by_category, extend, gather
from aftersales.risk.services import policy_for_merchant
from tests import factories
from tests.cases.factories import merchant_actor
from tests.orders.factories import line_json, order_json

pytestmark = pytest.mark.django_db

_seq = itertools.count(1)


def _order(merchant, buyer: str, *, days_ago: float, categories: tuple[str, ...]) -> Order:
    lines = [line_json(str(i), category=c) for i, c in enumerate(categories, 1)]
    total = sum((Decimal(ln["unit_price"]) * int(ln["quantity"]) for ln in lines), Decimal(0))
    at = clock.now().isoformat()
    data = order_json(
        f"LC{next(_seq):08d}",
        merchant=merchant.code,
        buyer={**order_json()["buyer"], "external_id": buyer},
        placed_at=at,
        paid_at=at,
        lines=lines,
        payments=[{"method": "card", "amount": f"{total:.2f}", "paid_at": at}],
        shipments=[],
    )
    row, _ = upsert_order(actor=merchant_actor(merchant), data=data)
    Order.objects.filter(pk=row.pk).update(placed_at=clock.now() - timedelta(days=days_ago))
    return row


def _subject(merchant, row: Order) -> Subject:
    return Subject(case_id=10**9, merchant_id=merchant.pk, buyer_id=row.buyer_id,
                   type="return_refund", reason="no_reason", at=clock.now(),
                   category="apparel", sku="SKU-1", claim_amount=Decimal("60.00"))  # fmt: skip


def _history() -> tuple[Subject, object]:
    merchant, buyer = factories.merchant(), f"b-lc-{next(_seq)}"
    _order(merchant, buyer, days_ago=200, categories=("apparel", "toys"))  # outside 180 days
    _order(merchant, buyer, days_ago=100, categories=("apparel", "electronics", "electronics"))
    row = _order(merchant, buyer, days_ago=3, categories=("apparel",))
    return _subject(merchant, row), policy_for_merchant(merchant.pk)


def test_the_history_row_counts_the_lines_per_category_as_their_own_read_does():
    s, policy = _history()
    counted: dict = {}
    gather([s], lambda _s: policy, counted)
    assert counted[s.case_id] == {"apparel": 2, "electronics": 2}
    assert counted[s.case_id] == bought_by_category([s])[s.case_id]


def test_from_rs01s_minimum_the_lines_per_category_cost_no_statement_of_their_own():
    s, policy = _history()
    counted: dict = {}
    inputs = gather([s], lambda _s: policy, counted)
    inputs[s.case_id]["returns_180d"] = 5  # RS-01's minimum: its lines per category are wanted
    with CaptureQueriesContext(connection) as queries:
        extend(inputs, [s], lambda _s: policy, counted)
    # RS-01 fires here, so the bracket returns that could clear it are read; nothing else is.
    assert [q["sql"] for q in queries if "GROUP BY ol.category" in q["sql"]] == []
    assert len(queries) == 1 and "bracket_returns_180d" in inputs[s.case_id]
    assert inputs[s.case_id]["lines_180d_by_category"] == {"apparel": 2, "electronics": 2}
    assert inputs[s.case_id]["lines_180d"] == 4


def test_a_line_of_a_category_not_listed_leaves_the_lines_per_category_to_their_own_read():
    s, policy = _history()
    OrderLine.objects.filter(order__buyer_id=s.buyer_id, category="electronics").update(
        category="gadgets"
    )
    counted: dict = {}
    inputs = gather([s], lambda _s: policy, counted)
    assert s.case_id not in counted
    inputs[s.case_id]["returns_180d"] = 5
    with CaptureQueriesContext(connection) as queries:
        extend(inputs, [s], lambda _s: policy, counted)
    assert len(queries) == 1
    assert inputs[s.case_id]["lines_180d_by_category"] == {"apparel": 2, "gadgets": 2}
    assert inputs[s.case_id]["expected_returns_180d"] is None  # no baseline for it
