import pytest

from aftersales.cases.models import Case
from aftersales.orders.models import Order
from tests.cases import builders as b
from tests.web.pages import buyer_client, merchant_client

pytestmark = pytest.mark.django_db


def _order(s, **options):
    data = b.order(s, **options)
    return data, Order.objects.get(external_id=data["external_id"])


def test_buyer_request_opens_a_case_through_the_same_service_and_shows_its_page():
    s = b.shop()
    data, order = _order(s)
    client = buyer_client(data["buyer"]["external_id"])
    response = client.post(
        f"/buyer/orders/{order.pk}/request/",
        {"line": "1", "quantity_1": "1", "type": "return_refund", "reason": "no_reason"},
    )
    case = Case.objects.get(order=order)
    assert response.status_code == 302 and response["Location"] == f"/buyer/cases/{case.pk}/"
    assert case.state == "requested"


def test_case_page_states_the_open_deadline_in_plain_words_in_chinese():
    opened = b.open_case()
    page = buyer_client(opened.buyer, "zh-hans").get(f"/buyer/cases/{opened.id}/")
    text = page.content.decode()
    assert "商家将于" in text and "前处理，逾期系统将自动同意" in text


def test_live_eligibility_panel_gives_the_policy_reasons_and_what_to_ask_instead():
    s = b.shop()
    data, order = _order(s, category="customized", attributes={"customized": True})
    client = buyer_client(data["buyer"]["external_id"])
    panel = client.post(
        f"/buyer/orders/{order.pk}/eligibility/",
        {"line": "1", "quantity_1": "1", "type": "return_refund", "reason": "no_reason"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "Not eligible" in panel
    assert "Customised goods are excluded from no-reason returns" in panel
    assert "You can ask instead for" in panel


def test_a_refused_request_shows_the_decisions_reasons_inline_in_the_users_language():
    s = b.shop()
    data, order = _order(s, category="customized", attributes={"customized": True})
    client = buyer_client(data["buyer"]["external_id"], "zh-hans")
    response = client.post(
        f"/buyer/orders/{order.pk}/request/",
        {"line": "1", "quantity_1": "1", "type": "return_refund", "reason": "no_reason"},
    )
    assert response.status_code == 422
    assert "定制商品不适用七天无理由退货" in response.content.decode()
    assert not Case.objects.filter(order=order).exists()


def test_an_action_missing_a_required_field_is_refused_inline_with_the_api_message():
    opened = b.open_case()
    opened.act("merchant", "approve")
    response = buyer_client(opened.buyer).post(
        f"/buyer/cases/{opened.id}/actions/ship_return/", {"carrier": "sf", "tracking_no": ""}
    )
    assert response.status_code == 422
    assert "required for this action" in response.content.decode()


def test_buyer_ships_the_return_from_the_case_page():
    opened = b.open_case()
    opened.act("merchant", "approve")
    response = buyer_client(opened.buyer).post(
        f"/buyer/cases/{opened.id}/actions/ship_return/",
        {"carrier": "sf", "tracking_no": "SF1234567890"},
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=opened.id).state == "return_shipped"


def test_another_tenants_case_is_the_404_page():
    mine, theirs = b.open_case(), b.open_case()
    response = merchant_client(mine.shop).get(f"/merchant/cases/{theirs.id}/")
    assert response.status_code == 404
    assert "Not found" in response.content.decode()


def test_another_buyers_case_is_the_404_page():
    mine, theirs = b.open_case(), b.open_case()
    assert buyer_client(mine.buyer).get(f"/buyer/cases/{theirs.id}/").status_code == 404


def test_a_merchant_cannot_use_the_buyer_pages():
    opened = b.open_case()
    assert merchant_client(opened.shop).get("/buyer/orders/").status_code == 403
