"""Return logistics on the case page: the return address as `return_view` shows it, self-ship
with the merchant's carriers or a pickup, the carriers' scans, interception and the variant."""

import pytest

from aftersales.cases.models import Case
from aftersales.returns import carriers
from aftersales.returns.models import Interception, Shipment
from aftersales.returns.selectors import pickup_slots
from tests.cases import builders as b
from tests.returns import builders as rb
from tests.web.pages import buyer_client, desk_client, merchant_client

pytestmark = pytest.mark.django_db


def _approved(**settings) -> b.Opened:
    c = b.open_case(rb.shop_with_address(**settings), "return_refund")
    c.act("merchant", "approve")
    return c


def _slot_value() -> str:
    start, end = pickup_slots()[0]
    return f"{start.isoformat()}|{end.isoformat()}"


def test_after_approval_the_buyer_sees_the_return_address_in_full():
    c = _approved()
    html = buyer_client(c.buyer).get(f"/buyer/cases/{c.id}/").content.decode()
    assert rb.ADDRESS["address"] in html and rb.ADDRESS["contact_phone"] in html


def test_the_desk_sees_the_return_address_masked():
    c = _approved()
    html = desk_client().get(f"/desk/cases/{c.id}/").content.decode()
    assert "139****4321" in html and rb.ADDRESS["contact_phone"] not in html


def test_the_carrier_select_offers_only_the_carriers_the_merchant_takes():
    c = _approved(carriers=["sf", "jd"])
    html = buyer_client(c.buyer).get(f"/buyer/cases/{c.id}/").content.decode()
    select = html.split('id="ship_return-carrier"')[1].split("</select>")[0]
    assert 'value="sf"' in select and 'value="jd"' in select and 'value="zto"' not in select


def test_a_tracking_number_not_in_the_carriers_format_is_refused_inline():
    c = _approved()
    response = buyer_client(c.buyer).post(
        f"/buyer/cases/{c.id}/actions/ship_return/",
        {"method": "self_ship", "carrier": "sf", "tracking_no": "SF123"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "is not a 顺丰速运 tracking number" in html and 'value="SF123"' in html
    assert Case.objects.get(pk=c.id).state == "approved"


def test_self_shipping_records_the_parcel_with_the_carriers_number():
    c = _approved()
    buyer_client(c.buyer).post(
        f"/buyer/cases/{c.id}/actions/ship_return/",
        {"method": "self_ship", "carrier": "sf", "tracking_no": "sf1234567890"},
    )
    shipment = Shipment.objects.get(case_id=c.id)
    assert (shipment.carrier, shipment.tracking_no, shipment.method) == (
        "sf",
        "SF1234567890",
        "self_ship",
    )


def test_booking_a_pickup_ships_the_return_with_the_carriers_waybill():
    c = _approved()
    response = buyer_client(c.buyer).post(
        f"/buyer/cases/{c.id}/return/pickup/", {"slot": _slot_value(), "address": "上海市某路 1 号"}
    )
    assert response.status_code == 302
    shipment = Shipment.objects.get(case_id=c.id)
    assert shipment.method == "pickup" and shipment.carrier == "fake"
    assert Case.objects.get(pk=c.id).state == "return_shipped"


def test_a_pickup_without_a_slot_is_refused_inline():
    c = _approved()
    response = buyer_client(c.buyer).post(f"/buyer/cases/{c.id}/return/pickup/", {"slot": ""})
    assert response.status_code == 422
    assert "choose a time slot" in response.content.decode()


def test_no_pickup_is_offered_when_the_merchant_names_no_pickup_carrier():
    c = _approved(pickup_carrier="")
    html = buyer_client(c.buyer).get(f"/buyer/cases/{c.id}/").content.decode()
    assert 'id="ship-self"' in html and 'id="ship-pickup"' not in html


def test_everyone_on_the_case_sees_the_carriers_scans():
    c, number = rb.shipped()
    rb.post_scans([rb.scan(number, "in_transit")])
    for client, path in (
        (buyer_client(c.buyer), f"/buyer/cases/{c.id}/"),
        (merchant_client(c.shop), f"/merchant/cases/{c.id}/"),
        (desk_client(), f"/desk/cases/{c.id}/"),
    ):
        html = client.get(path).content.decode()
        assert number in html and "In transit" in html and "深圳南山营业部" in html


def test_the_merchant_requests_an_interception_on_a_refund_only_case_in_transit():
    c = b.open_case(rb.shop_with_address(), "refund_only")  # the order's parcel not signed for
    client = merchant_client(c.shop)
    assert 'id="interception-request"' in client.get(f"/merchant/cases/{c.id}/").content.decode()
    response = client.post(f"/merchant/cases/{c.id}/return/interception/", {"note": "拦截"})
    assert response.status_code == 302
    assert Interception.objects.get(case_id=c.id).tracking_no == "SF1234567890"
    html = client.get(f"/merchant/cases/{c.id}/").content.decode()
    assert "Interception" in html and "Requested" in html


def test_the_interception_button_is_not_offered_on_a_return():
    c = _approved()
    html = merchant_client(c.shop).get(f"/merchant/cases/{c.id}/").content.decode()
    assert 'id="interception-request"' not in html


def test_the_exchange_form_sends_the_variant_and_the_page_shows_it():
    c = b.open_case(rb.shop_with_address(), "exchange")
    c.act("merchant", "approve")
    c.act("buyer", "ship_return", carrier="fake", tracking_no=rb.fake_no())
    c.act("merchant", "confirm_receipt")
    c.act("merchant", "inspect", result="pass")
    client = merchant_client(c.shop)
    response = client.post(
        f"/merchant/cases/{c.id}/actions/ship_replacement/",
        {
            "carrier": "sf",
            "tracking_no": "SF1234567899",
            "variant_sku": "SKU-RED",
            "variant_title": "红色款",
            "variant_unit_price": "60.00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Case.objects.get(pk=c.id).facts["exchange"]["variant"]["sku"] == "SKU-RED"
    assert "红色款" in client.get(f"/merchant/cases/{c.id}/").content.decode()


def test_the_fake_carrier_was_asked_for_the_pickup():
    c = _approved()
    booked = len(carriers.CARRIERS["fake"].booked)
    buyer_client(c.buyer).post(f"/buyer/cases/{c.id}/return/pickup/", {"slot": _slot_value()})
    assert len(carriers.CARRIERS["fake"].booked) == booked + 1
