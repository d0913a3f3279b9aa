"""验货: per-line results with grade, disposition, deductions and photos; a failed
inspection needs evidence and opens the buyer's appeal."""

from __future__ import annotations

import pytest

from aftersales.returns.models import Inspection, Shipment
from tests.cases import builders as b
from tests.returns import builders as rb

pytestmark = pytest.mark.django_db


def line(result: str = "pass", **extra) -> dict:
    return {"line_id": "1", "result": result, "grade": "as_new", "disposition": "restock", **extra}


def test_a_failed_inspection_without_evidence_is_refused_naming_evidence_ids():
    c = rb.received()
    response = c.try_act("merchant", "inspect", result="fail", note="有使用痕迹")
    b.assert_problem(response, 422, "evidence_ids")
    assert rb.return_of(c)["state"] == "return_received"


def test_a_failed_line_without_photos_is_refused_naming_the_line():
    c = rb.received()
    response = c.try_act(
        "merchant",
        "inspect",
        result="fail",
        inspections=[line("fail", grade="damaged", disposition="return_to_buyer", reason="进水")],
    )
    b.assert_problem(response, 422, "inspections[0].evidence_ids")
    assert not Inspection.objects.exists()


def test_evidence_of_another_case_does_not_count():
    c, other = rb.received(), rb.received()
    response = c.try_act("merchant", "inspect", result="fail", evidence_ids=[b.photo(other.id)])
    b.assert_problem(response, 422, "evidence_ids")


def test_a_failed_inspection_with_photos_rejects_and_the_buyer_may_appeal():
    c = rb.received()
    photo = b.photo(c.id)
    c.act(
        "merchant",
        "inspect",
        result="fail",
        inspections=[
            line(
                "fail",
                grade="damaged",
                disposition="return_to_buyer",
                reason="进水",
                evidence_ids=[photo],
            )
        ],
    )
    assert c.case["state"] == "rejected"
    assert c.buyer_api.get(f"/cases/{c.id}").json()["next_actions"] == ["appeal", "close"]
    (seen,) = rb.return_of(c, "buyer")["inspections"]
    assert (seen["result"], seen["evidence_ids"], seen["disposition"]) == (
        "fail",
        [photo],
        "return_to_buyer",
    )


def test_each_line_is_recorded_with_its_grade_and_disposition():
    c = rb.received()
    c.act("merchant", "inspect", result="pass", inspections=[line(grade="good")])
    row = Inspection.objects.get(case_id=c.id)
    assert (row.result, row.grade, row.disposition, row.deduction) == (
        "pass",
        "good",
        "restock",
        None,
    )


def test_a_partial_line_names_its_deduction_and_reason():
    c = rb.received()
    response = c.try_act(
        "merchant", "inspect", result="partial", amount="40.00", inspections=[line("partial")]
    )
    body = b.assert_problem(response, 422)
    assert {e["field"] for e in body["errors"]} >= {
        "inspections[0].deduction",
        "inspections[0].reason",
    }


def test_a_partial_amount_must_be_what_is_refundable_less_the_deductions():
    c = rb.received()
    response = c.try_act(
        "merchant",
        "inspect",
        result="partial",
        amount="50.00",
        inspections=[line("partial", deduction="20.00", reason="吊牌已剪", grade="fair")],
    )
    b.assert_problem(response, 422, "amount")


def test_a_partial_inspection_fixes_the_refund_at_what_is_left_after_deductions():
    c = rb.received()
    c.act(
        "merchant",
        "inspect",
        result="partial",
        amount="40.00",
        inspections=[
            line(
                "partial",
                deduction="20.00",
                reason="吊牌已剪",
                grade="fair",
                disposition="refurbish",
            )
        ],
    )
    c.act("merchant", "refund")
    assert (c.case["state"], c.case["refund_amount"]) == ("refunded", "40.00")


def test_the_lines_must_agree_with_the_result():
    c = rb.received()
    response = c.try_act(
        "merchant",
        "inspect",
        result="pass",
        inspections=[line("partial", deduction="5.00", reason="轻微污渍")],
    )
    b.assert_problem(response, 422, "result")


def test_a_line_not_of_the_case_is_refused_naming_it():
    c = rb.received()
    response = c.try_act("merchant", "inspect", result="pass", inspections=[line(line_id="9")])
    b.assert_problem(response, 422, "inspections[0].line_id")


def test_confirming_receipt_marks_an_unscanned_return_delivered():
    c, _number = rb.shipped()
    c.act("merchant", "confirm_receipt")
    shipment = Shipment.objects.get(case_id=c.id)
    assert shipment.status == "delivered" and shipment.delivered_at is not None
