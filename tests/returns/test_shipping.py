"""Sending the return: the merchant's return address (encrypted, masked to whom does not need
it), self-ship with a tracking number in its carrier's format, or a pickup booked through the
carrier, and the label."""

from __future__ import annotations

import pytest
from django.db import connection

from aftersales.returns import carriers
from aftersales.returns.models import ReturnSettings, Shipment
from tests.cases import builders as b
from tests.returns import builders as rb

pytestmark = pytest.mark.django_db


def approved(s=None):
    c = b.open_case(s or rb.shop_with_address(), "return_refund")
    c.act("merchant", "approve")
    return c


def test_a_tracking_number_in_the_wrong_format_is_refused_naming_tracking_no():
    c = approved()
    response = c.try_act("buyer", "ship_return", carrier="sf", tracking_no="12345")
    b.assert_problem(response, 422, "tracking_no")
    assert not Shipment.objects.filter(case_id=c.id).exists()


def test_an_unknown_carrier_is_refused_naming_carrier():
    c = approved()
    response = c.try_act("buyer", "ship_return", carrier="pigeon", tracking_no="SF0000000001")
    b.assert_problem(response, 422, "carrier")


@pytest.mark.parametrize(
    ("carrier", "number"),
    [
        ("sf", "SF1234567890123"),
        ("zto", "731234567890"),
        ("yto", "YT1234567890123"),
        ("jd", "JDVA12345678901"),
        ("ems", "EA123456785CN"),
        ("ems", "1234567890123"),
    ],
)
def test_each_carriers_own_number_format_is_accepted(carrier, number):
    assert carriers.check_tracking_no(carrier, number) == number


def test_an_ems_s10_number_needs_its_check_digit():
    assert not carriers.CARRIERS["ems"].valid_tracking_no("EA123456784CN")


def test_a_carrier_the_merchant_does_not_take_is_refused_naming_carrier():
    c = approved(rb.shop_with_address(carriers=["sf"]))
    response = c.try_act("buyer", "ship_return", carrier="yto", tracking_no="YT1234567890123")
    b.assert_problem(response, 422, "carrier")


def test_the_tracking_number_is_kept_as_the_carrier_writes_it():
    c = approved()
    c.act("buyer", "ship_return", carrier="sf", tracking_no="sf1234567890123")
    assert Shipment.objects.get(case_id=c.id).tracking_no == "SF1234567890123"


def test_the_return_address_is_encrypted_at_rest():
    s = rb.shop_with_address()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT address FROM returns_returnsettings WHERE merchant_id = %s", [s.merchant.pk]
        )
        (stored,) = cursor.fetchone()
    assert stored.startswith("fernet:")
    assert ReturnSettings.objects.get(merchant=s.merchant).address == rb.ADDRESS["address"]


def test_the_buyer_sees_the_return_address_in_full_once_approved():
    c = approved()
    seen = rb.return_of(c, "buyer")
    assert seen["address"]["address"] == rb.ADDRESS["address"]
    assert seen["address_masked"] is False


def test_the_buyer_sees_the_return_address_masked_before_approval():
    c = b.open_case(rb.shop_with_address(), "return_refund")
    seen = rb.return_of(c, "buyer")
    assert seen["address_masked"] is True
    assert rb.ADDRESS["address"] not in str(seen)
    assert seen["address"]["phone"] == "139****4321"


def test_the_platform_desk_sees_the_return_address_masked():
    c = approved()
    seen = rb.return_of(c, "platform")
    assert seen["address_masked"] is True
    assert rb.ADDRESS["contact_phone"] not in str(seen)


def test_merchant_staff_cannot_change_the_return_address():
    from aftersales.accounts.models import Role
    from tests import factories
    from tests.conftest import ApiClient

    s = rb.shop_with_address()
    staff = ApiClient(
        factories.user_token(factories.user(Role.MERCHANT_STAFF, merchant=s.merchant))
    )
    response = staff.post(f"/merchants/{s.code}/return-settings", {**rb.ADDRESS, "address": "别处"})
    b.assert_problem(response, 403)


def test_a_patch_of_the_carriers_keeps_the_return_address():
    s = rb.shop_with_address()
    response = s.merchant_api.patch(f"/merchants/{s.code}/return-settings", {"carriers": ["jd"]})
    assert response.status_code == 200, response.content
    assert response.json()["carriers"] == ["jd"]
    assert response.json()["address"] == rb.ADDRESS["address"]


def test_a_patch_validates_only_what_it_sends():
    s = rb.shop_with_address()
    response = s.merchant_api.patch(f"/merchants/{s.code}/return-settings", {"contact_phone": "12"})
    problem = b.assert_problem(response, 422)
    assert [e["field"] for e in problem["errors"]] == ["contact_phone"]


def test_the_first_return_settings_need_the_whole_address():
    s = b.shop()
    response = s.merchant_api.patch(f"/merchants/{s.code}/return-settings", {"carriers": ["jd"]})
    problem = b.assert_problem(response, 422)
    assert {e["field"] for e in problem["errors"]} == {"contact_name", "contact_phone", "address"}


def test_another_merchant_cannot_read_the_return_address():
    s, other = rb.shop_with_address(), b.shop()
    b.assert_problem(other.merchant_api.get(f"/merchants/{s.code}/return-settings"), 404)


def test_a_pickup_is_booked_through_the_carrier_and_ships_the_return():
    c = approved()
    response = c.buyer_api.post(f"/cases/{c.id}/return/pickup", {"carrier": "fake", **rb.slot()})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "return_shipped"
    shipment = Shipment.objects.get(case_id=c.id)
    assert (shipment.method, shipment.status) == ("pickup", "booked")
    assert carriers.CARRIERS["fake"].valid_tracking_no(shipment.tracking_no)
    assert shipment.booking_ref in carriers.CARRIERS["fake"].booked


def test_a_pickup_slot_in_the_past_is_refused_naming_the_slot():
    c = approved()
    response = c.buyer_api.post(
        f"/cases/{c.id}/return/pickup", {"carrier": "fake", **rb.slot(hours_from_now=-5)}
    )
    b.assert_problem(response, 422, "pickup.slot_start")


def test_a_carrier_we_cannot_book_is_refused_for_pickup_naming_carrier():
    c = approved()
    response = c.buyer_api.post(f"/cases/{c.id}/return/pickup", {"carrier": "sf", **rb.slot()})
    b.assert_problem(response, 422, "carrier")


def test_a_pickup_out_of_turn_is_409_and_books_nothing():
    c = b.open_case(rb.shop_with_address(), "return_refund")  # not approved yet
    booked = len(carriers.CARRIERS["fake"].booked)
    response = c.buyer_api.post(f"/cases/{c.id}/return/pickup", {"carrier": "fake", **rb.slot()})
    b.assert_problem(response, 409)
    assert len(carriers.CARRIERS["fake"].booked) == booked


def test_the_fake_carriers_label_is_a_pdf():
    c, number = rb.shipped()
    shipment = Shipment.objects.get(case_id=c.id)
    response = c.buyer_api.client.get(
        f"/api/v1/cases/{c.id}/return/shipments/{shipment.pk}/label.pdf",
        HTTP_AUTHORIZATION=f"Bearer {c.buyer_api.token}",
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-") and number.encode() in response.content


def test_the_return_view_shows_the_tracking_timeline():
    c, number = rb.shipped()
    rb.post_scans([rb.scan(number, "in_transit"), rb.scan(number, "delivered")])
    (shipment,) = rb.return_of(c, "buyer")["shipments"]
    assert [e["status"] for e in shipment["timeline"]] == ["in_transit", "delivered"]
    assert shipment["status"] == "delivered"


def test_the_platform_reads_a_merchants_return_address_masked():
    s = rb.shop_with_address()
    seen = s.platform_api.get(f"/merchants/{s.code}/return-settings").json()
    assert (seen["contact_phone"], seen["address"]) == ("139****4321", "广东省深圳市****")
