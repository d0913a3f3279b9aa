"""Bad Order JSON: a 4xx problem+json naming the field in the client's own path, and nothing
written."""

from __future__ import annotations

import pytest

from aftersales.accounts.models import Role
from aftersales.core.errors import Conflict
from aftersales.orders.models import Order
from tests import factories
from tests.orders.conftest import assert_problem
from tests.orders.factories import line_json, order_json

pytestmark = pytest.mark.django_db


def test_a_float_amount_is_refused_naming_the_line_field(shop, nothing_written):
    body = order_json(lines=[line_json("1"), line_json("2", unit_price=60.0)])
    body["shipments"] = []
    body["payments"] = []
    body = assert_problem(shop.post("/orders", body), 422, "lines[1].unit_price")
    assert "float" in body["errors"][0]["message"]
    nothing_written()


def test_an_amount_with_three_decimal_places_is_refused(shop, nothing_written):
    assert_problem(shop.post("/orders", order_json(discount="1.005")), 422, "discount")
    nothing_written()


def test_nan_is_refused_as_an_amount(shop, nothing_written):
    assert_problem(shop.post("/orders", order_json(shipping_fee="NaN")), 422, "shipping_fee")
    nothing_written()


def test_a_bare_json_nan_is_refused_as_an_amount(shop, nothing_written):
    raw = '{"external_id": "TB1", "discount": NaN}'
    assert_problem(shop.post("/orders", raw=raw), 422, "discount")
    nothing_written()


def test_infinity_is_refused_as_an_amount(shop, nothing_written):
    body = order_json(payments=[{"method": "card", "amount": "Infinity"}])
    assert_problem(shop.post("/orders", body), 422, "payments[0].amount")
    nothing_written()


def test_a_negative_amount_is_refused(shop, nothing_written):
    body = order_json(lines=[line_json("1", discount="-1.00")])
    assert_problem(shop.post("/orders", body), 422, "lines[0].discount")
    nothing_written()


def test_an_amount_too_large_for_the_ledger_is_refused(shop, nothing_written):
    body = order_json(lines=[line_json("1", unit_price="1000000000000.00")])
    assert_problem(shop.post("/orders", body), 422, "lines[0].unit_price")
    nothing_written()


def test_an_amount_in_exponent_notation_beyond_precision_is_refused(shop, nothing_written):
    assert_problem(shop.post("/orders", order_json(discount="1E+30")), 422, "discount")
    nothing_written()


def test_an_unknown_currency_is_refused(shop, nothing_written):
    assert_problem(shop.post("/orders", order_json(currency="JPY")), 422, "currency")
    nothing_written()


def test_a_naive_datetime_is_refused_naming_the_field(shop, nothing_written):
    body = assert_problem(
        shop.post("/orders", order_json(placed_at="2026-02-27T20:15:00")), 422, "placed_at"
    )
    assert "offset" in body["errors"][0]["message"]
    nothing_written()


def test_a_naive_datetime_in_a_shipment_is_refused_naming_its_path(shop, nothing_written):
    body = order_json()
    body["shipments"][0]["signed_at"] = "2026-03-01 10:00:00"
    assert_problem(shop.post("/orders", body), 422, "shipments[0].signed_at")
    nothing_written()


def test_a_unix_timestamp_is_refused_as_a_datetime(shop, nothing_written):
    assert_problem(shop.post("/orders", order_json(paid_at=1772194560)), 422, "paid_at")
    nothing_written()


def test_a_quantity_of_zero_is_refused(shop, nothing_written):
    body = order_json(lines=[line_json("1", quantity=0)])
    assert_problem(shop.post("/orders", body), 422, "lines[0].quantity")
    nothing_written()


def test_a_quantity_sent_as_a_string_is_refused(shop, nothing_written):
    body = order_json(lines=[line_json("1", quantity="1")])
    assert_problem(shop.post("/orders", body), 422, "lines[0].quantity")
    nothing_written()


def test_a_fractional_quantity_is_refused(shop, nothing_written):
    body = order_json(lines=[line_json("1", quantity=1.5)])
    assert_problem(shop.post("/orders", body), 422, "lines[0].quantity")
    nothing_written()


def test_a_category_outside_the_contract_list_is_refused(shop, nothing_written):
    body = order_json(lines=[line_json("1"), line_json("2", category="weapons")])
    assert_problem(shop.post("/orders", body), 422, "lines[1].category")
    nothing_written()


def test_a_duplicate_line_id_is_refused_on_the_second_line(shop, nothing_written):
    body = order_json(lines=[line_json("1"), line_json("1")], payments=[])
    assert_problem(shop.post("/orders", body), 422, "lines[1].line_id")
    nothing_written()


def test_a_shipment_of_an_unknown_line_is_refused(shop, nothing_written):
    body = order_json()
    body["shipments"][0]["line_ids"] = ["1", "9"]
    assert_problem(shop.post("/orders", body), 422, "shipments[0].line_ids[1]")
    nothing_written()


def test_a_shipment_signed_before_it_was_shipped_is_refused(shop, nothing_written):
    body = order_json()
    body["shipments"][0]["signed_at"] = "2026-02-28T09:00:00+08:00"
    assert_problem(shop.post("/orders", body), 422, "shipments[0].signed_at")
    nothing_written()


def test_an_unknown_confirmed_exclusion_kind_is_refused(shop, nothing_written):
    exclusion = {"kind": "final_sale", "confirmed_at": "2026-02-27T20:15:00+08:00"}
    body = order_json(lines=[line_json("1", confirmed_exclusions=[exclusion])])
    assert_problem(shop.post("/orders", body), 422, "lines[0].confirmed_exclusions[0].kind")
    nothing_written()


def test_a_known_confirmed_exclusion_is_stored(shop):
    exclusion = {"kind": "hygiene_seal", "confirmed_at": "2026-02-27T20:15:00+08:00"}
    body = order_json(lines=[line_json("1", confirmed_exclusions=[exclusion])])
    response = shop.post("/orders", body)
    assert response.status_code == 201
    assert response.json()["lines"][0]["confirmed_exclusions"] == [exclusion]


def test_paid_at_before_placed_at_is_refused(shop, nothing_written):
    body = order_json(paid_at="2026-02-27T20:14:59+08:00")
    assert_problem(shop.post("/orders", body), 422, "paid_at")
    nothing_written()


def test_paid_at_in_another_offset_is_compared_as_an_instant(shop):
    # 12:16 UTC is 20:16 in Shanghai: one minute after placed_at.
    assert shop.post("/orders", order_json(paid_at="2026-02-27T12:16:00Z")).status_code == 201


def test_a_line_discount_over_the_line_total_is_refused(shop, nothing_written):
    body = order_json(lines=[line_json("1", quantity=2, unit_price="10.00", discount="20.01")])
    body["payments"] = []
    assert_problem(shop.post("/orders", body), 422, "lines[0].discount")
    nothing_written()


def test_an_order_discount_over_the_lines_after_their_discounts_is_refused(shop, nothing_written):
    body = order_json(discount="50.01", lines=[line_json("1", discount="10.00")], payments=[])
    assert_problem(shop.post("/orders", body), 422, "discount")
    nothing_written()


def test_paying_more_than_the_price_is_refused_naming_payments(shop, nothing_written):
    body = order_json(discount="20.00")  # due 40.00, paid 60.00
    body = assert_problem(shop.post("/orders", body), 422, "payments")
    assert "paid more than the price" in body["errors"][0]["message"]
    nothing_written()


def test_the_contract_example_overpays_and_is_refused(shop):
    from tests.orders.factories import contract_example

    # 1 × 60.00 − 20.00 discount = 40.00 due, but the example's payment is 80.00.
    assert_problem(shop.post("/orders", contract_example()), 422, "payments")


def test_an_unknown_field_is_refused_naming_it(shop, nothing_written):
    assert_problem(shop.post("/orders", order_json(shiping_fee="8.00")), 422, "shiping_fee")
    nothing_written()


def test_an_order_without_lines_is_refused(shop, nothing_written):
    assert_problem(shop.post("/orders", order_json(lines=[], shipments=[])), 422, "lines")
    nothing_written()


def test_an_external_id_with_a_slash_is_refused(shop, nothing_written):
    assert_problem(shop.post("/orders", order_json("TB/1")), 422, "external_id")
    nothing_written()


def test_a_platform_token_must_name_the_merchant(platform, nothing_written):
    assert_problem(platform.post("/orders", order_json()), 422, "merchant")
    nothing_written()


def test_a_platform_token_naming_an_unknown_merchant_is_refused(platform, nothing_written):
    assert_problem(platform.post("/orders", order_json(merchant="m-nope")), 422, "merchant")
    nothing_written()


def test_a_buyer_may_not_write_orders(api, nothing_written):
    response = api(factories.buyer_token(factories.buyer())).post("/orders", order_json())
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


def test_merchant_staff_may_not_write_orders(api, shop_merchant):
    staff = factories.user(Role.MERCHANT_STAFF, merchant=shop_merchant)
    response = api(factories.user_token(staff)).post("/orders", order_json())
    assert response.status_code == 403


def test_a_merchant_admin_user_writes_its_own_merchants_orders(api, shop_merchant):
    admin = factories.user(Role.MERCHANT_ADMIN, merchant=shop_merchant)
    response = api(factories.user_token(admin)).post("/orders", order_json("TB1"))
    assert response.status_code == 201
    assert Order.objects.get().merchant == shop_merchant


def test_a_bad_update_leaves_the_stored_order_as_it_was(shop):
    shop.post("/orders", order_json("TB1"))
    before = shop.get("/orders/TB1").json()
    bad = order_json("TB1", discount="10.00", lines=[line_json("1"), line_json("1")])
    assert_problem(shop.post("/orders", bad), 422, "lines[1].line_id")
    assert shop.get("/orders/TB1").json() == before


def test_a_failure_after_the_rows_are_written_leaves_nothing_behind(
    shop, nothing_written, monkeypatch
):
    def fail(**kwargs):
        raise Conflict("audit refused")

    monkeypatch.setattr("aftersales.orders.services.record", fail)
    assert shop.post("/orders", order_json("TB1")).status_code == 409
    nothing_written()
