"""POST /api/v1/cases: lines and quantities, the stored decision, automatic approval, refusals,
and bad input that writes nothing."""

from __future__ import annotations

import pytest

from aftersales.accounts.actors import SYSTEM_ACTOR
from aftersales.cases.models import Case, CaseEvent, CaseLine, Deadline
from aftersales.notify.models import OutboxMessage
from aftersales.policy.models import PolicyVersion
from aftersales.policy.services import set_merchant_override
from tests.cases import builders as b
from tests.orders.factories import line_json

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in (Case, CaseLine, CaseEvent, Deadline)}


@pytest.fixture
def shop():
    return b.shop()


def post_case(shop: b.Shop, data: dict, **body):
    """Open as the order's buyer."""
    payload = {"order": data["external_id"], "type": "return_refund", "reason": "no_reason"}
    payload.update(body)
    payload.setdefault("lines", [{"line_id": "1", "quantity": 1}])
    return shop.buyer_api(data["buyer"]["external_id"]).post("/cases", payload)


# --- Lines and quantities --------------------------------------------------------------------


def test_case_claims_several_lines_each_with_its_quantity_and_condition(shop):
    data = b.order(shop, lines=[line_json("1", quantity=2), line_json("2", quantity=3)])
    response = post_case(
        shop,
        data,
        lines=[
            {"line_id": "1", "quantity": 2, "condition": "opened_intact"},
            {"line_id": "2", "quantity": 1},
        ],
    )
    assert response.status_code == 201, response.content
    body = response.json()
    lines = {ln["line_id"]: (ln["quantity"], ln["condition"]) for ln in body["lines"]}
    assert lines == {"1": (2, "opened_intact"), "2": (1, "unopened")}
    assert body["state"] == "requested"
    assert body["decision"]["refundable_amount"] == "180.00"  # 3 × 60.00


def test_quantity_under_an_open_case_cannot_be_claimed_twice(shop):
    data = b.order(shop, quantity=2)
    assert post_case(shop, data, lines=[{"line_id": "1", "quantity": 1}]).status_code == 201
    before = row_counts()
    response = post_case(shop, data, lines=[{"line_id": "1", "quantity": 2}])
    b.assert_problem(response, 409, "lines[0].quantity")
    assert row_counts() == before


def test_the_rest_of_a_partly_claimed_line_can_still_be_claimed(shop):
    data = b.order(shop, quantity=2)
    assert post_case(shop, data, lines=[{"line_id": "1", "quantity": 1}]).status_code == 201
    assert post_case(shop, data, lines=[{"line_id": "1", "quantity": 1}]).status_code == 201
    third = post_case(shop, data, lines=[{"line_id": "1", "quantity": 1}])
    b.assert_problem(third, 409, "lines[0].quantity")


def test_withdrawn_case_frees_its_quantity(shop):
    data = b.order(shop)
    first = post_case(shop, data).json()
    buyer = shop.buyer_api(data["buyer"]["external_id"])
    assert buyer.post(f"/cases/{first['id']}/actions/withdraw", {}).status_code == 200
    assert post_case(shop, data).status_code == 201


def test_rejected_case_holds_its_quantity_until_closed(shop):
    data = b.order(shop)
    first = post_case(shop, data).json()
    reject = shop.merchant_api.post(f"/cases/{first['id']}/actions/reject", {"reason": "已穿着"})
    assert reject.status_code == 200
    b.assert_problem(post_case(shop, data), 409, "lines[0].quantity")  # it may still be appealed
    buyer = shop.buyer_api(data["buyer"]["external_id"])
    assert buyer.post(f"/cases/{first['id']}/actions/close", {}).status_code == 200
    assert post_case(shop, data).status_code == 201


# --- The decision -------------------------------------------------------------------------


def test_decision_and_policy_version_are_stored_and_returned(shop):
    data = b.order(shop)
    body = post_case(shop, data).json()
    case = Case.objects.get(pk=body["id"])
    current = PolicyVersion.objects.filter(name="cn-default").order_by("-number").first()
    assert body["policy_version"] == case.policy_version == current.label
    assert body["decision"] == case.decision
    assert body["decision"]["eligible"] is True
    assert body["decision"]["policy_version"] == current.label
    assert CaseLine.objects.get(case=case).decision["eligible"] is True


def test_merchant_reviews_an_ordinary_request_within_a_deadline(shop):
    body = post_case(shop, b.order(shop)).json()
    assert body["state"] == "requested"
    assert [(d["kind"], d["then"]) for d in body["deadlines"]] == [("merchant_review", "approve")]
    assert body["next_actions"] == ["withdraw"]  # the buyer's


def test_refund_only_before_shipment_is_approved_and_refunded_by_the_system(shop):
    data = b.order(shop, shipped=False)
    response = post_case(shop, data, type="refund_only")
    assert response.status_code == 201, response.content
    case = Case.objects.get(pk=response.json()["id"])
    assert (case.state, case.refund_amount) == ("refunded", 60)
    steps = [(e.action, e.actor_kind, e.rule, e.to_state) for e in case.events.order_by("seq")[1:]]
    assert steps == [
        ("approve", "system", "TB-01", "approved"),
        ("refund", "system", "TB-01", "refunded"),
    ]


def test_refund_only_before_shipment_answers_with_the_case_as_it_ends(shop):
    """The 201 shows the case after the automatic steps, not the `requested` it began in."""
    response = post_case(shop, b.order(shop, shipped=False), type="refund_only")
    body = response.json()
    assert (body["state"], body["refund_amount"], body["version"]) == ("refunded", "60.00", 3)


def test_an_automatically_refunded_case_announces_each_of_its_steps_naming_the_case(shop):
    response = post_case(shop, b.order(shop, shipped=False), type="refund_only")
    case_id = response.json()["id"]
    messages = OutboxMessage.objects.filter(subject=f"case:{case_id}").order_by("id")
    assert [(m.topic, m.payload["case_id"], m.payload["state"]) for m in messages] == [
        ("case.created", case_id, "requested"),
        ("case.state_changed", case_id, "approved"),
        ("case.state_changed", case_id, "refunded"),
    ]
    assert messages[2].payload["refund_amount"] == "60.00"


def test_an_automatically_refunded_case_records_its_lines_outcome_and_no_pending_deadline(shop):
    response = post_case(shop, b.order(shop, shipped=False), type="refund_only")
    case = Case.objects.get(pk=response.json()["id"])
    assert list(case.lines.values_list("outcome", flat=True)) == ["refunded"]
    assert not case.deadlines.filter(fired_at__isnull=True, cancelled_at__isnull=True).exists()
    assert [r.amount for r in case.refunds.all()] == [60]


def test_an_automatically_approved_return_waits_on_the_approved_states_deadlines(shop):
    set_merchant_override(
        actor=SYSTEM_ACTOR,
        merchant=shop.merchant,
        override={"rules": {"no_reason_auto_approval": {"enabled": True}}},
    )
    body = post_case(shop, b.order(shop)).json()
    pending = Deadline.objects.filter(case_id=body["id"], cancelled_at__isnull=True)
    assert {d.guard_state for d in pending} == {"approved"}
    assert [d["kind"] for d in body["deadlines"]] == [
        d.kind for d in pending.filter(reminder=False).order_by("due_at")
    ]


def test_no_reason_return_is_approved_by_the_system_when_the_merchant_enabled_it(shop):
    set_merchant_override(
        actor=SYSTEM_ACTOR,
        merchant=shop.merchant,
        override={"rules": {"no_reason_auto_approval": {"enabled": True}}},
    )
    body = post_case(shop, b.order(shop)).json()
    case = Case.objects.get(pk=body["id"])
    assert case.state == "approved"
    event = case.events.get(seq=2)
    assert (event.action, event.actor_kind, event.rule) == (
        "approve",
        "system",
        "merchant:auto_approve_no_reason",
    )


def test_no_reason_return_waits_for_the_merchant_by_default(shop):
    body = post_case(shop, b.order(shop)).json()
    assert body["state"] == "requested"
    assert Case.objects.get(pk=body["id"]).events.count() == 1


def test_quality_return_waits_for_the_merchant_even_with_auto_approval_enabled(shop):
    set_merchant_override(
        actor=SYSTEM_ACTOR,
        merchant=shop.merchant,
        override={"rules": {"no_reason_auto_approval": {"enabled": True}}},
    )
    body = post_case(shop, b.order(shop), reason="quality_issue").json()
    assert body["state"] == "requested"


def test_non_conforming_no_reason_return_is_not_approved_automatically(shop):
    """Auto-approval covers conforming returns only: a used item is refused outright."""
    set_merchant_override(
        actor=SYSTEM_ACTOR,
        merchant=shop.merchant,
        override={"rules": {"no_reason_auto_approval": {"enabled": True}}},
    )
    data = b.order(shop)
    before = row_counts()
    response = post_case(shop, data, lines=[{"line_id": "1", "quantity": 1, "condition": "used"}])
    b.assert_problem(response, 422, "lines[0]")
    assert row_counts() == before


def test_ineligible_line_refuses_the_case_naming_the_line_and_the_reasons(shop):
    customized = {**line_json("2")["attributes"], "customized": True}
    data = b.order(shop, lines=[line_json("1"), line_json("2", attributes=customized)])
    before = row_counts()
    response = post_case(
        shop,
        data,
        lines=[{"line_id": "1", "quantity": 1}, {"line_id": "2", "quantity": 1}],
    )
    body = b.assert_problem(response, 422, "lines[1]")
    assert body["type"].endswith("policy-refused")
    assert [e["field"] for e in body["errors"]] == ["lines[1]"]
    assert "customized" in [r["code"] for r in body["decisions"]["2"]["reasons"]]
    assert row_counts() == before


# --- Bad input: named, and nothing written ---------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"type": "teleport"}, "type"),
        ({"reason": "bored"}, "reason"),
        (
            {"lines": [{"line_id": "1", "quantity": 1, "condition": "like_new"}]},
            "lines[0].condition",
        ),
        ({"lines": [{"line_id": "1", "quantity": 0}]}, "lines[0].quantity"),
        ({"lines": [{"line_id": "9", "quantity": 1}]}, "lines[0].line_id"),
        (
            {"lines": [{"line_id": "1", "quantity": 1}, {"line_id": "1", "quantity": 1}]},
            "lines[1].line_id",
        ),
        ({"lines": []}, "lines"),
        ({"colour": "red"}, "colour"),
    ],
    ids=[
        "unknown-type",
        "unknown-reason",
        "unknown-condition",
        "quantity-0",
        "line-of-another-order",
        "duplicate-line",
        "no-lines",
        "unknown-field",
    ],
)
def test_bad_input_is_422_naming_the_field_and_writes_nothing(shop, change, field):
    data = b.order(shop)
    before = row_counts()
    b.assert_problem(post_case(shop, data, **change), 422, field)
    assert row_counts() == before


def test_quantity_above_the_line_is_invalid_input_not_a_conflict(shop):
    data = b.order(shop, quantity=2)
    before = row_counts()
    response = post_case(shop, data, lines=[{"line_id": "1", "quantity": 3}])
    b.assert_problem(response, 422, "lines[0].quantity")
    assert row_counts() == before


def test_unknown_order_is_404_and_writes_nothing(shop):
    data = b.order(shop)
    before = row_counts()
    response = post_case(shop, {**data, "external_id": "NO-SUCH-ORDER"})
    b.assert_problem(response, 404)
    assert row_counts() == before


def test_another_buyers_order_does_not_exist_for_the_buyer(shop):
    mine, theirs = b.order(shop), b.order(shop)
    response = post_case(shop, mine, order=theirs["external_id"])
    b.assert_problem(response, 404)


def test_merchant_opens_a_case_on_its_own_order(shop):
    data = b.order(shop)
    response = shop.merchant_api.post("/cases", b.case_body(data, "return_refund", "no_reason"))
    assert response.status_code == 201, response.content
    assert response.json()["buyer"] == data["buyer"]["external_id"]
