"""Every refund path end to end through the API and the fake provider."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import override_settings

from aftersales.core import clock
from aftersales.refunds import providers, submission
from aftersales.refunds.models import FakeProviderCall, Refund, RefundEvent
from tests.cases import builders as b
from tests.orders.factories import line_json
from tests.refunds.factories import record_drop

pytestmark = pytest.mark.django_db


def refunds_of(opened) -> dict:
    response = opened.shop.merchant_api.get(f"/cases/{opened.id}/refunds")
    assert response.status_code == 200, response.content
    return response.json()


def settle():
    submission.submit_due()


def test_refund_only_before_shipment_is_granted_and_paid_by_the_provider(provider):
    c = b.open_case(type="refund_only", order_options={"shipped": False, "signed": False})
    assert c.case["state"] == "refunded"
    (granted,) = refunds_of(c)["items"]
    assert granted["state"] == "requested" and granted["amount"] == "60.00"
    settle()
    paid = refunds_of(c)
    assert paid["items"][0]["state"] == "succeeded"
    assert paid["items"][0]["provider_ref"].startswith("FAKE-")
    assert paid["total"] == "60.00"


def test_card_refund_is_expected_after_the_configured_working_days(provider):
    c = b.open_case(type="refund_only", order_options={"shipped": False, "signed": False})
    with override_settings(AFTERSALES_CARD_REFUND_WORKING_DAYS=3):
        settle()
    refund = Refund.objects.get(case_id=c.id)
    assert refund.expected_at.date() > clock.localtime(refund.settled_at).date()


def test_partial_refund_pays_the_amount_named(provider):
    c = b.open_case(type="return_refund", order_options={"quantity": 2})
    c.act("merchant", "approve")
    c.act("buyer", "ship_return", **b.SHIPPED)
    c.act("merchant", "confirm_receipt")
    c.act("merchant", "refund", amount="12.34")
    assert refunds_of(c)["total"] == "12.34"


def test_refund_above_what_is_refundable_is_422_naming_the_limit_and_writes_nothing(provider):
    c = b.open_case(type="return_refund")
    c.act("merchant", "approve")
    c.act("buyer", "ship_return", **b.SHIPPED)
    c.act("merchant", "confirm_receipt")
    response = c.try_act("merchant", "refund", amount="60.01")
    body = b.assert_problem(response, 422, "amount")
    assert "60.00" in body["detail"]
    assert not Refund.objects.filter(case_id=c.id).exists()


def test_a_line_refunded_by_another_case_leaves_only_the_rest(provider):
    s = b.shop()
    data = b.order(s, quantity=2)
    buyer = s.buyer_api(data["buyer"]["external_id"])
    first = buyer.post("/cases", b.case_body(data, "return_refund", "no_reason"))
    assert first.status_code == 201, first.content
    # The ledger is the guard: a grant beyond what the line has left is refused.
    from aftersales.refunds.services import LineRequest, RefundRequest, grant_refunds

    case = first.json()
    line_pk = (
        Refund._meta.get_field("order")
        .related_model.objects.get(external_id=data["external_id"])
        .lines.get()
        .pk
    )
    req = RefundRequest(
        case_id=case["id"],
        merchant_id=s.merchant.pk,
        order_id=Refund._meta.get_field("order")
        .related_model.objects.get(external_id=data["external_id"])
        .pk,
        currency="CNY",
        lines=(LineRequest(line_pk, Decimal("120.00")),),
        amount=Decimal("100.00"),
    )
    grant_refunds([req])
    from aftersales.core.errors import InvalidInput

    with pytest.raises(InvalidInput) as exc:
        grant_refunds([req])
    assert exc.value.extensions["limit"] == "20.00"


def test_shipping_fee_goes_back_with_a_whole_order_refunded_before_shipment(provider):
    s = b.shop()
    data = b.order(s, shipped=False, signed=False)
    data = {**data, "shipping_fee": "8.00", "free_shipping": False}
    data["payments"] = [{**data["payments"][0], "amount": "68.00"}]
    assert s.merchant_api.post("/orders", data).status_code == 200
    response = s.buyer_api(data["buyer"]["external_id"]).post(
        "/cases", b.case_body(data, "refund_only", "no_reason")
    )
    assert response.status_code == 201, response.content
    refunds = s.merchant_api.get(f"/cases/{response.json()['id']}/refunds").json()
    kinds = {ln["kind"]: ln["amount"] for ln in refunds["items"][0]["lines"]}
    assert kinds == {"goods": "60.00", "shipping_fee": "8.00"}
    assert refunds["total"] == "68.00"


def test_refund_is_split_over_the_payments_pro_rata(provider):
    s = b.shop()
    data = b.order(s, shipped=False, signed=False)
    paid_at = data["payments"][0]["paid_at"]
    data["payments"] = [
        {"method": "card", "amount": "45.00", "paid_at": paid_at},
        {"method": "balance", "amount": "15.00", "paid_at": paid_at},
    ]
    assert s.merchant_api.post("/orders", data).status_code == 200
    response = s.buyer_api(data["buyer"]["external_id"]).post(
        "/cases", b.case_body(data, "refund_only", "no_reason")
    )
    items = s.merchant_api.get(f"/cases/{response.json()['id']}/refunds").json()["items"]
    assert {(r["method"], r["amount"]) for r in items} == {("card", "45.00"), ("balance", "15.00")}


def test_gift_not_returned_is_deducted_at_its_marked_price(provider):
    from aftersales.cases import services
    from tests.cases.factories import case_in

    case = case_in("return_received", "return_refund")
    line = case.lines.get().order_line
    line.gifts = [{"title": "袜子", "marked_price": "5.00"}]
    line.save()
    case.facts["gifts_not_returned"] = True
    case.save()
    services.act(case=case, actor=_merchant(case), action="refund")
    (rl,) = Refund.objects.get(case=case).lines.all()
    assert (rl.gross, rl.deducted, rl.amount) == (
        Decimal("60.00"),
        Decimal("5.00"),
        Decimal("55.00"),
    )
    assert "NR-11" in rl.deduction_reason


def _merchant(case):
    from tests.cases.factories import merchant_actor

    return merchant_actor(case.merchant)


def test_merchant_borne_return_shipping_is_compensated_to_the_balance(provider):
    from aftersales.cases import services
    from tests.cases.factories import case_in

    case = case_in("return_received", "return_refund", reason="quality_issue")
    case.facts["return_shipping_fee"] = "12.00"
    case.save()
    services.act(case=case, actor=_merchant(case), action="refund")
    comp = Refund.objects.get(case=case, purpose="compensation")
    assert (comp.amount, comp.method, comp.payment_id) == (Decimal("12.00"), "balance", None)


def test_freight_insured_return_files_a_claim(provider):
    from aftersales.cases import services
    from aftersales.refunds.models import FreightInsuranceClaim
    from tests.cases.factories import case_in

    case = case_in("return_received", "return_refund", freight_insurance=True)
    assert case.decision["return_shipping_paid_by"] == "freight_insurance"
    services.act(case=case, actor=_merchant(case), action="refund")
    assert FreightInsuranceClaim.objects.filter(case=case).exists()


def test_transient_failure_is_retried_after_asking_the_provider(provider):
    provider.outcomes[:] = ["transient"]
    c = b.open_case(type="refund_only", order_options={"shipped": False, "signed": False})
    settle()
    refund = Refund.objects.get(case_id=c.id)
    assert refund.state == "submitted" and refund.last_error
    later = clock.now() + timedelta(hours=2)
    submission.resolve_in_flight(now=later)  # not found at the provider: send again
    submission.submit_due(now=later)
    refund.refresh_from_db()
    assert refund.state == "succeeded"
    calls = list(FakeProviderCall.objects.values_list("operation", "outcome"))
    assert calls == [("refund", "transient"), ("query", "not_found"), ("refund", "ok")]


def test_provider_failure_fails_the_refund_and_frees_the_amount(provider):
    provider.outcomes[:] = ["fail"]
    c = b.open_case(type="refund_only", order_options={"shipped": False, "signed": False})
    settle()
    refunds = refunds_of(c)
    assert refunds["items"][0]["state"] == "failed"
    assert refunds["total"] == "0.00"


def _pending(c):
    """A refund sent but not answered (the worker died mid-call)."""
    refund = Refund.objects.get(case_id=c.id)
    submission._claim(clock.now())
    providers.FakeProvider(delay=0, outcomes=["ok"]).refund(
        providers.RefundOrder(refund.idempotency_key, refund.amount, "CNY", refund.method)
    )
    refund.refresh_from_db()
    return refund


def test_signed_webhook_settles_a_sent_refund(provider, api):
    c = b.open_case(type="refund_only", order_options={"shipped": False, "signed": False})
    refund = _pending(c)
    body = provider.notification(refund.idempotency_key, "succeeded", reference="R1")
    sig = providers.sign(providers.webhook_secret("fake"), body)
    response = api().post(
        "/refunds/providers/fake/webhook", raw=body, headers={"X-Provider-Signature": sig}
    )
    assert response.status_code == 200, response.content
    refund.refresh_from_db()
    assert (refund.state, refund.provider_ref) == ("succeeded", "R1")


def test_replayed_webhook_changes_nothing(provider, api):
    c = b.open_case(type="refund_only", order_options={"shipped": False, "signed": False})
    refund = _pending(c)
    body = provider.notification(refund.idempotency_key, "succeeded", reference="R1")
    headers = {"X-Provider-Signature": providers.sign(providers.webhook_secret("fake"), body)}
    api().post("/refunds/providers/fake/webhook", raw=body, headers=headers)
    events = RefundEvent.objects.count()
    again = api().post("/refunds/providers/fake/webhook", raw=body, headers=headers)
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert RefundEvent.objects.count() == events


def test_webhook_with_a_bad_signature_is_401_and_changes_nothing(provider, api):
    c = b.open_case(type="refund_only", order_options={"shipped": False, "signed": False})
    refund = _pending(c)
    body = json.dumps({"id": "x", "idempotency_key": refund.idempotency_key, "status": "failed"})
    response = api().post(
        "/refunds/providers/fake/webhook", raw=body, headers={"X-Provider-Signature": "00"}
    )
    b.assert_problem(response, 401)
    refund.refresh_from_db()
    assert refund.state == "submitted"


def test_reconcile_lists_a_refund_the_provider_settled_and_the_ledger_did_not(provider):
    c = b.open_case(type="refund_only", order_options={"shipped": False, "signed": False})
    refund = _pending(c)
    (mismatch,) = submission.reconcile()
    assert (mismatch.refund_id, mismatch.ledger, mismatch.provider) == (
        refund.pk,
        "submitted",
        "succeeded",
    )


def test_get_refund_by_id(provider):
    c = b.open_case(type="refund_only", order_options={"shipped": False, "signed": False})
    refund = Refund.objects.get(case_id=c.id)
    response = c.shop.merchant_api.get(f"/refunds/{refund.pk}")
    assert response.status_code == 200
    assert response.json()["lines"][0]["line_id"] == "1"


def test_price_protection_claim_refunds_the_recorded_drop(provider):
    c = b.open_case(
        type="price_protection",
        lines=[{"line_id": "1", "quantity": 1, "new_unit_price": "49.00"}],
    )
    c.act("merchant", "approve")
    (refund,) = refunds_of(c)["items"]
    assert (refund["kind"], refund["amount"]) == ("price_protection", "11.00")


def test_price_protection_without_a_recorded_drop_is_refused(provider):
    from aftersales.refunds.models import PriceChange

    s = b.shop()
    data = b.order(s)
    PriceChange.objects.all().delete()
    body = b.case_body(data, "price_protection", "price_drop")
    opened = s.buyer_api(data["buyer"]["external_id"]).post("/cases", body)
    assert opened.status_code == 201, opened.content
    response = s.merchant_api.post(f"/cases/{opened.json()['id']}/actions/approve", {})
    b.assert_problem(response, 422, "lines[0]")
    assert not Refund.objects.exists()


def test_the_same_drop_cannot_be_claimed_twice(provider):
    s = b.shop()
    data = b.order(s, lines=[line_json("1", quantity=2)])
    buyer = s.buyer_api(data["buyer"]["external_id"])
    ids = []
    for _ in range(2):
        r = buyer.post("/cases", b.case_body(data, "price_protection", "price_drop"))
        assert r.status_code == 201, r.content
        ids.append(r.json()["id"])
    assert s.merchant_api.post(f"/cases/{ids[0]}/actions/approve", {}).status_code == 200
    second = s.merchant_api.post(f"/cases/{ids[1]}/actions/approve", {})
    b.assert_problem(second, 409, "lines[0]")


def test_price_changes_are_recorded_through_the_api(provider):
    s = b.shop()
    response = s.merchant_api.post(
        "/price-changes",
        {"sku": "TS-1", "price": "10.00", "effective_at": "2026-03-02T10:00:00+08:00"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["price"] == "10.00"
    record_drop(s.merchant.pk, "TS-2")
