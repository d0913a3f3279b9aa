"""The credit pages: a buyer sees their standing and why and appeals; a merchant sees its
credit beside the category mean and only its own; the desk decides credit appeals."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from aftersales.accounts.models import Role
from aftersales.credit.metrics import Month
from aftersales.credit.models import CreditAppeal
from aftersales.credit.rating import compute_month
from tests import factories
from tests.credit import history
from tests.credit.test_buyer_credit import _penalised

pytestmark = pytest.mark.django_db
AT = datetime(2026, 10, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _client(user, language="en"):
    c = Client(HTTP_ACCEPT_LANGUAGE=language)
    c.force_login(user)
    return c


def test_a_buyer_sees_their_standing_why_and_appeals_a_penalty():
    buyer = factories.buyer()
    penalty = _penalised(buyer)[0]
    c = _client(factories.user(Role.BUYER, buyer=buyer))
    page = c.get("/buyer/credit/").content.decode()
    assert 'id="component-failed_inspections"' in page and "Returns that failed inspection" in page
    r = c.post(f"/buyer/credit/penalties/{penalty.pk}/appeal/", {"reason": "carrier damage"})
    assert r.status_code == 302
    assert CreditAppeal.objects.get().penalty == penalty
    assert "Appealed: a person will decide." in c.get("/buyer/credit/").content.decode()


def test_the_buyer_page_reads_in_chinese():
    buyer = factories.buyer()
    _penalised(buyer)
    c = _client(factories.user(Role.BUYER, buyer=buyer), language="zh-hans")
    c.cookies["django_language"] = "zh-hans"
    page = c.get("/buyer/credit/").content.decode()
    assert "我的信用" in page


def test_the_activity_report_page_lists_the_buyers_cases():
    buyer = factories.buyer()
    _penalised(buyer)
    c = _client(factories.user(Role.BUYER, buyer=buyer))
    page = c.get("/buyer/credit/report/").content.decode()
    assert page.count('class="report-case"') == 8


def test_a_merchant_sees_its_credit_beside_the_category_mean_with_a_chart():
    shop = factories.merchant()
    for o in [history.order(shop, factories.buyer(), at=AT) for _ in range(4)][:1]:
        history.event(history.case(o, at=AT), "appeal", role="buyer", at=AT)
    compute_month(month=Month.parse("2026-10"))
    page = _client(factories.user(Role.MERCHANT_STAFF, merchant=shop)).get("/merchant/credit/")
    text = page.content.decode()
    assert 'id="credit-data"' in text and "Category mean" in text
    assert "25.0%" in text


def test_the_desk_decides_a_credit_appeal_from_its_page():
    buyer = factories.buyer()
    penalty = _penalised(buyer)[0]
    from aftersales.credit import services
    from tests.credit.actors import buyer_of

    appeal = services.file_appeal(actor=buyer_of(buyer), penalty_id=penalty.pk, reason="x")
    c = _client(factories.user(Role.SPECIALIST))
    assert f'id="credit-appeal-{appeal.pk}"' in c.get("/desk/credit/").content.decode()
    c.post(f"/desk/credit/appeals/{appeal.pk}/decision/", {"outcome": "upheld", "note": "ok"})
    appeal.refresh_from_db()
    assert appeal.state == "upheld"


def test_a_buyer_cannot_open_the_desk_credit_page():
    buyer = factories.buyer()
    r = _client(factories.user(Role.BUYER, buyer=buyer)).get("/desk/credit/")
    assert r.status_code == 403


def _rated_october_and_november_to_date():
    """A shop rated for October after it ended, and for November on its 3rd (to date)."""
    import time_machine

    shop = factories.merchant()
    for at in (AT, AT + timedelta(days=31)):
        o = history.order(shop, factories.buyer(), at=at)
        history.event(history.case(o, at=at), "appeal", role="buyer", at=at)
    with time_machine.travel(AT + timedelta(days=24), tick=False):  # 3 November
        compute_month(month=Month.parse("2026-10"))
        compute_month(month=Month.parse("2026-11"))
    return _client(factories.user(Role.MERCHANT_STAFF, merchant=shop))


def test_the_merchant_page_shows_the_last_complete_month_by_default():
    page = _rated_october_and_november_to_date().get("/merchant/credit/").content.decode()
    assert '<span class="muted" id="rating-month">2026-10</span>' in page
    assert 'id="partial-month"' not in page
    assert '<option value="2026-11">2026-11 (to date)</option>' in page


def test_a_month_rated_before_it_ended_is_marked_as_its_figures_to_date():
    c = _rated_october_and_november_to_date()
    page = c.get("/merchant/credit/?month=2026-11").content.decode()
    assert '<span class="muted" id="rating-month">2026-11 (to date)</span>' in page
    assert 'id="partial-month"' in page and "the grade may still change" in page


def test_a_month_the_shop_has_no_rating_for_is_no_page():
    c = _rated_october_and_november_to_date()
    assert c.get("/merchant/credit/?month=2026-05").status_code == 404
    assert c.get("/merchant/credit/?month=last").status_code == 404


@pytest.mark.parametrize(("language", "name"), [("en", "Apparel"), ("zh-hans", "服饰")])
def test_the_category_is_shown_by_its_name(language, name):
    shop = factories.merchant()
    history.event(history.case(history.order(shop, factories.buyer(), at=AT), at=AT), "appeal")
    compute_month(month=Month.parse("2026-10"))
    c = _client(factories.user(Role.MERCHANT_STAFF, merchant=shop), language=language)
    c.cookies["django_language"] = language
    page = c.get("/merchant/credit/").content.decode()
    assert f'<dd id="rating-category">{name}</dd>' in page
    caption = page.split("<caption>")[1].split("</caption>")[0]
    assert name in caption and "apparel" not in caption


def test_the_late_response_metric_says_the_rest_day_rule():
    shop = factories.merchant()
    history.case(history.order(shop, factories.buyer(), at=AT), at=AT)
    compute_month(month=Month.parse("2026-10"))
    c = _client(factories.user(Role.MERCHANT_STAFF, merchant=shop), language="zh-hans")
    c.cookies["django_language"] = "zh-hans"
    assert "遇法定节假日每天顺延一天" in c.get("/merchant/credit/").content.decode()


def test_a_month_older_than_those_listed_is_still_shown_when_asked_for():
    from aftersales.accounts.actors import actor_for_user
    from aftersales.credit import selectors

    _rated_october_and_november_to_date()
    staff = factories.User.objects.filter(role=Role.MERCHANT_STAFF).get()
    actor = actor_for_user(staff)
    credit = selectors.merchant_credit(
        actor, actor.merchant_id, months=1, month=Month.parse("2026-10").first
    )
    assert [r.month for r in credit["ratings"]] == [Month.parse("2026-11").first]
    assert credit["chosen"].month == Month.parse("2026-10").first
    assert {m.month for m in credit["metrics"]} >= {Month.parse("2026-10").first}
