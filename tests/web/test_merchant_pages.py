import re
from decimal import Decimal

import pytest

from aftersales.cases.models import Case, Evidence
from aftersales.cases.services import allowed_actions
from aftersales.returns.models import Inspection
from aftersales.web.portal import actor_of
from tests.cases import builders as b
from tests.cases.factories_evidence import image_bytes, upload
from tests.web.pages import desk_client, merchant_client

pytestmark = pytest.mark.django_db


def _buttons(html: str) -> set[str]:
    return set(re.findall(r'id="action-([a-z_]+)"', html))


def test_merchant_case_page_shows_exactly_the_allowed_actions():
    opened = b.open_case()
    client = merchant_client(opened.shop)
    html = client.get(f"/merchant/cases/{opened.id}/").content.decode()
    user = client.session["_auth_user_id"]
    from aftersales.accounts.models import User

    actor = actor_of(type("R", (), {"user": User.objects.get(pk=user)})())
    assert _buttons(html) == set(allowed_actions(Case.objects.get(pk=opened.id), actor))
    assert _buttons(html) == {"approve", "reject"}


def test_queue_lists_the_merchants_cases_soonest_due_first():
    s = b.shop()
    first = b.open_case(s)
    second = b.open_case(s, "exchange")  # quality review: 48 hours, due before the 5 days
    other_shop = b.open_case()
    html = merchant_client(s).get("/merchant/").content.decode()
    ids = [int(i) for i in re.findall(r'href="/merchant/cases/(\d+)/"', html)]
    assert ids == [second.id, first.id]
    assert other_shop.id not in ids


def test_queue_filters_by_type():
    s = b.shop()
    b.open_case(s)
    exchange = b.open_case(s, "exchange")
    html = merchant_client(s).get("/merchant/", {"type": "exchange"}).content.decode()
    assert re.findall(r'href="/merchant/cases/(\d+)/"', html) == [str(exchange.id)]


def _listed(client, **params) -> list[int]:
    html = client.get("/merchant/", params).content.decode()
    return [int(i) for i in re.findall(r'href="/merchant/cases/(\d+)/"', html)]


def test_queue_search_finds_a_case_by_its_number():
    s = b.shop()
    wanted, _other = b.open_case(s), b.open_case(s)
    client = merchant_client(s)
    assert _listed(client, q=f"#{wanted.id}") == [wanted.id]
    assert _listed(client, q=str(wanted.id)) == [wanted.id]


def test_queue_search_finds_the_cases_of_an_order_number():
    s = b.shop()
    wanted, _other = b.open_case(s), b.open_case(s)
    assert _listed(merchant_client(s), q=wanted.order["external_id"]) == [wanted.id]


def test_queue_search_never_finds_another_shops_case():
    s, theirs = b.shop(), b.open_case()
    client = merchant_client(s)
    assert _listed(client, q=f"#{theirs.id}") == []
    assert _listed(client, q=theirs.order["external_id"]) == []


def test_queue_search_and_filters_combine():
    s = b.shop()
    exchange = b.open_case(s, "exchange")
    assert _listed(merchant_client(s), q=f"#{exchange.id}", type="return_refund") == []
    assert _listed(merchant_client(s), q=f"#{exchange.id}", type="exchange") == [exchange.id]


def test_bulk_approve_approves_the_ticked_cases_through_the_service():
    s = b.shop()
    one, two = b.open_case(s), b.open_case(s)
    response = merchant_client(s).post("/merchant/bulk-approve/", {"case": [one.id, two.id]})
    assert response.status_code == 302
    assert set(Case.objects.filter(pk__in=[one.id, two.id]).values_list("state", flat=True)) == {
        "approved"
    }


def test_bulk_approve_reports_a_case_that_can_no_longer_be_approved():
    s = b.shop()
    one, moved = b.open_case(s), b.open_case(s)
    moved.act("merchant", "reject", reason="used")
    client = merchant_client(s)
    response = client.post("/merchant/bulk-approve/", {"case": [one.id, moved.id]}, follow=True)
    assert Case.objects.get(pk=one.id).state == "approved"
    assert f"#{moved.id}" in response.content.decode()


def _photo():
    return upload("scratch.jpg", image_bytes())


def _received(opened: b.Opened) -> None:
    opened.act("merchant", "approve")
    opened.act("buyer", "ship_return", carrier="sf", tracking_no="SF1234567890")
    opened.act("merchant", "confirm_receipt")


LINE = {"grade__1": "as_new", "disposition__1": "restock"}


def test_the_inspection_form_has_each_lines_result_grade_disposition_and_photos():
    opened = b.open_case()
    _received(opened)
    html = merchant_client(opened.shop).get(f"/merchant/cases/{opened.id}/").content.decode()
    for name in ("result__1", "grade__1", "disposition__1", "deduction__1", "files__1"):
        assert f'name="{name}"' in html


def test_inspection_form_records_each_line_through_the_service():
    opened = b.open_case()
    _received(opened)
    response = merchant_client(opened.shop).post(
        f"/merchant/cases/{opened.id}/return/inspection/", {"result__1": "pass", **LINE}
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=opened.id).state == "inspected"
    (row,) = Inspection.objects.filter(case_id=opened.id)
    assert (row.result, row.grade, row.disposition) == ("pass", "as_new", "restock")


def test_a_partial_line_refunds_what_is_refundable_less_its_deduction():
    opened = b.open_case()
    _received(opened)
    merchant_client(opened.shop).post(
        f"/merchant/cases/{opened.id}/return/inspection/",
        {"result__1": "partial", "deduction__1": "10.00", "reason__1": "scuffed", **LINE},
    )
    case = Case.objects.get(pk=opened.id)
    refundable = case.lines.get().refundable_amount
    assert case.state == "inspected" and case.refund_amount == refundable - Decimal("10.00")


def test_a_partial_line_without_a_deduction_says_so_inline():
    opened = b.open_case()
    _received(opened)
    response = merchant_client(opened.shop).post(
        f"/merchant/cases/{opened.id}/return/inspection/",
        {"result__1": "partial", "reason__1": "scuffed", **LINE},
    )
    assert response.status_code == 422
    assert "a partial result names a positive deduction" in response.content.decode()
    assert Case.objects.get(pk=opened.id).state == "return_received"


def test_a_failed_line_without_photos_is_refused_inline():
    opened = b.open_case()
    _received(opened)
    response = merchant_client(opened.shop).post(
        f"/merchant/cases/{opened.id}/return/inspection/",
        {"result__1": "fail", "reason__1": "not ours", **LINE},
    )
    assert response.status_code == 422
    assert "a failed inspection needs photos as evidence" in response.content.decode()


def test_photos_given_for_a_failed_line_become_its_evidence():
    opened = b.open_case()
    _received(opened)
    merchant_client(opened.shop).post(
        f"/merchant/cases/{opened.id}/return/inspection/",
        {"result__1": "fail", "reason__1": "not ours", **LINE, "files__1": [_photo()]},
    )
    (row,) = Inspection.objects.filter(case_id=opened.id)
    assert row.evidence_ids == list(
        Evidence.objects.filter(case_id=opened.id).values_list("pk", flat=True)
    )
    assert Case.objects.get(pk=opened.id).state == "rejected"


def test_desk_queue_lists_appeals_and_the_ruling_page_rules():
    opened = b.open_case()
    opened.act("merchant", "reject", reason="used")
    opened.act("buyer", "appeal", reason="it was new")
    client = desk_client()
    assert f'href="/desk/cases/{opened.id}/"' in client.get("/desk/").content.decode()
    html = client.get(f"/desk/cases/{opened.id}/").content.decode()
    assert _buttons(html) == {"rule"}
    client.post(
        f"/desk/cases/{opened.id}/actions/rule/", {"ruling": "for_buyer", "reason": "photos"}
    )
    assert Case.objects.get(pk=opened.id).state == "approved"


def test_policy_decision_shows_the_window_end_in_local_words_and_the_payer_translated():
    opened = b.open_case()
    html = merchant_client(opened.shop, "zh-hans").get(f"/merchant/cases/{opened.id}/").content
    html = html.decode()
    block = re.search(r'<span id="window-ends">(.*?)</span>', html).group(1)
    assert re.search(r"\d+月\d+日 \d\d:\d\d", block)
    assert "T" not in block.split()[-1]
    payer = re.search(r'<span id="shipping-payer">(.*?)</span>', html).group(1)
    assert payer.endswith("买家")


def test_every_deadline_carries_its_cases_type_for_the_queue_filter():
    from aftersales.cases.models import Deadline

    opened = b.open_case(b.shop(), "exchange")
    opened.act("merchant", "approve")
    rows = Deadline.objects.filter(case_id=opened.id)
    assert rows.count() >= 2
    assert set(rows.values_list("case_type", flat=True)) == {"exchange"}
