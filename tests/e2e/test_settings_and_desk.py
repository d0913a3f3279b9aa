"""The merchant's settings and metrics and the desk's policy and calendar pages, in Chromium."""

from __future__ import annotations

import pytest

from aftersales.accounts.models import Role
from aftersales.core.models import CalendarDay
from tests import factories
from tests.cases import builders as b
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_merchant_admin_sets_the_return_address_and_sees_a_refusal_below_the_law(open_page):
    s = b.shop()
    admin = open_page(factories.user(Role.MERCHANT_ADMIN, merchant=s.merchant))
    admin.click("nav >> text=店铺设置")
    admin.fill("#ra-name", "李四")
    admin.fill("#ra-phone", "13912345678")
    admin.fill("#ra-address", "浙江省杭州市余杭区仓前街道 8 号")
    admin.click("#return-address button[type=submit]")
    admin.wait_for_selector("text=退货设置已保存")
    assert "139****5678" in admin.inner_text("#return-address-masked")
    # The carriers change alone: the address fields stay blank and the saved one stays.
    admin.check("#ra-carriers input[value=fake]")
    with admin.expect_navigation():
        admin.click("#return-address button[type=submit]")
    admin.wait_for_selector("text=退货设置已保存")
    assert admin.is_checked("#ra-carriers input[value=fake]")
    assert "139****5678" in admin.inner_text("#return-address-masked")
    admin.fill("#rule-rules__no_reason_window__days", "5")
    admin.click("#rules button[type=submit]")
    admin.wait_for_selector("#rules .field-error")
    assert "至少 7" in admin.inner_text("#rules .field-error")
    screenshot(admin, "merchant-settings")


def test_merchant_metrics_draw_the_charts_from_the_pages_data(open_page):
    s = b.shop()
    b.open_case(s)
    b.open_case(s, "exchange").act("merchant", "approve")
    merchant = open_page(factories.user(Role.MERCHANT_STAFF, merchant=s.merchant))
    merchant.click("nav >> text=数据")
    merchant.wait_for_selector("#chart-cases canvas")
    merchant.wait_for_selector("#chart-approvals canvas")
    assert merchant.inner_text("#figure-share").startswith("0%")
    screenshot(merchant, "merchant-metrics")


def test_desk_manager_reads_the_policy_and_the_calendar(open_page):
    manager = open_page(factories.user(Role.MANAGER))
    manager.click("nav >> text=售后规则")
    manager.wait_for_selector("#rules-summary")
    assert manager.locator("#draft-document").count() == 1
    screenshot(manager, "desk-policy")
    year = CalendarDay.objects.order_by("-date").values_list("date", flat=True).first().year
    manager.goto(manager.url.replace("/desk/policy/", f"/desk/calendar/?year={year}"))
    manager.wait_for_selector("#calendar-days .day-holiday")
    screenshot(manager, "desk-calendar")
