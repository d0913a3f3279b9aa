"""Opening a case reads the order in hand-written SQL (cases/opening.py): it sees the orders the
ORM's selectors let the actor see, and judges a line on the same facts the policy service reads
through the ORM."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from aftersales.accounts.tokens import actor_for_token
from aftersales.cases.models import Case, CaseLine
from aftersales.cases.opening import _histories
from aftersales.core import clock
from aftersales.orders.models import OrderLine
from aftersales.policy.services import EligibilityQuestion, judge_eligibility
from tests import factories
from tests.cases import builders as b
from tests.orders.factories import line_json

pytestmark = pytest.mark.django_db


def test_another_merchants_order_does_not_exist_for_the_merchant():
    mine, theirs = b.shop(), b.shop()
    data = b.order(theirs)
    response = mine.merchant_api.post("/cases", b.case_body(data, "return_refund", "no_reason"))
    b.assert_problem(response, 404)


def test_an_order_number_two_merchants_used_needs_the_merchant_from_the_platform():
    first, second = b.shop(), b.shop()
    data = b.order(first)
    second.merchant_api.post("/orders", {**data, "merchant": second.code})
    body = b.case_body(data, "return_refund", "no_reason")

    b.assert_problem(first.platform_api.post("/cases", body), 422, "merchant")
    response = first.platform_api.post("/cases", {**body, "merchant": second.code})

    assert response.status_code == 201, response.content
    assert response.json()["merchant"] == second.code


def test_each_line_is_judged_on_the_facts_the_policy_service_reads():
    s = b.shop()
    now = clock.now()
    ago = {d: (now - timedelta(days=d)).isoformat() for d in (1, 2, 3)}
    lines = [line_json("1", quantity=2), line_json("2", unit_price="120.00"), line_json("3")]
    data = b.order(s, lines=lines)
    # Line 2 went in two parcels, the second still on its way; line 3 was never sent.
    data["shipments"] = [
        {**data["shipments"][0], "line_ids": ["1", "2"]},
        {
            "carrier": "sf",
            "tracking_no": "SF0000000002",
            "line_ids": ["2"],
            "shipped_at": ago[2],
            "signed_at": None,
            "installed_at": None,
        },
    ]
    assert s.merchant_api.post("/orders", data).status_code in (200, 201)
    actor = actor_for_token(factories.merchant_token(s.merchant))
    # Delivered: a return; in transit or never sent: a refund only.
    for type_, line_ids in (("return_refund", ["1"]), ("refund_only", ["2", "3"])):
        body = b.case_body(data, type_, "no_reason")
        body["lines"] = [{"line_id": i, "quantity": 1} for i in line_ids]

        response = s.merchant_api.post("/cases", body)

        assert response.status_code == 201, response.content
        case = Case.objects.get(pk=response.json()["id"])
        for line in CaseLine.objects.filter(case=case).select_related("order_line"):
            question = EligibilityQuestion(
                order=data["external_id"],
                line_id=line.order_line.line_id,
                sku=None,
                quantity=1,
                type=type_,
                reason="no_reason",
                at=case.opened_at,
            )
            assert line.decision == judge_eligibility(actor=actor, question=question).as_json()


def test_a_refunded_case_counts_what_it_holds_and_what_it_refunded():
    s = b.shop()
    data = b.order(s, shipped=False, signed=False, quantity=2)
    body = b.case_body(data, "refund_only", "no_reason")
    opened = s.merchant_api.post("/cases", body).json()
    assert opened["state"] == "refunded"  # TB-01: approved and refunded at once
    line = OrderLine.objects.get(order__external_id=data["external_id"], line_id="1")

    history = _histories([line])[line.pk]

    assert history.claimed_quantity == 1
    assert history.refunded_amount == Decimal(opened["refund_amount"]) == Decimal("60.00")


def test_what_a_line_has_refunded_is_the_ledgers_figure_for_that_line_not_its_cases_total():
    s = b.shop()
    lines = [line_json("1", quantity=2), line_json("2", quantity=2, unit_price="40.00")]
    data = b.order(s, shipped=False, signed=False, lines=lines)
    body = b.case_body(data, "refund_only", "no_reason")
    body["lines"] = [{"line_id": "1", "quantity": 1}, {"line_id": "2", "quantity": 1}]
    opened = s.merchant_api.post("/cases", body).json()
    assert opened["state"] == "refunded" and opened["refund_amount"] == "100.00"
    first, second = OrderLine.objects.filter(order__external_id=data["external_id"]).order_by(
        "line_id"
    )

    histories = _histories([first, second])

    assert histories[first.pk].refunded_amount == Decimal("60.00")
    assert histories[second.pk].refunded_amount == Decimal("40.00")
