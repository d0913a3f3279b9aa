"""Accessibility basics and JavaScript off, checked in Chromium on every role's main pages: each
form control has a label, the first Tab reaches the skip link and focus is visible, personal
data is masked, and the pages read (and their forms post) with JavaScript off."""

from __future__ import annotations

import pytest

from aftersales.accounts.models import Role
from aftersales.cases.models import Case
from tests import factories
from tests.cases import builders as b
from tests.e2e.conftest import PASSWORD, screenshot
from tests.returns import builders as rb

pytestmark = pytest.mark.django_db(transaction=True)

# Controls a person operates with no label of their own (a <label for>, a wrapping <label>,
# aria-label or aria-labelledby): none may be found.
UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby'))
  .map(el => el.outerHTML.slice(0, 120))"""
FOCUS_OUTLINE = "() => getComputedStyle(document.activeElement).outlineStyle"


def _pages(s: b.Shop, case_id: int) -> dict[str, tuple]:
    buyer = Case.objects.get(pk=case_id).buyer
    return {
        "buyer": (
            factories.user(Role.BUYER, buyer=buyer),
            ["/buyer/", "/buyer/orders/", f"/buyer/cases/{case_id}/", "/inbox/"],
        ),
        "merchant": (
            factories.user(Role.MERCHANT_ADMIN, merchant=s.merchant),
            [
                "/merchant/",
                f"/merchant/cases/{case_id}/",
                "/merchant/settings/",
                "/merchant/metrics/",
            ],
        ),
        "desk": (factories.user(Role.MANAGER), ["/desk/", "/desk/policy/", "/desk/calendar/"]),
    }


def _opened():
    s = rb.shop_with_address()
    opened = b.open_case(s, "return_refund")
    return s, opened


@pytest.mark.parametrize("language", ["zh-CN", "en-US"])
def test_every_form_control_on_the_main_pages_has_a_label(open_page, live_server, language):
    s, opened = _opened()
    for user, paths in _pages(s, opened.id).values():
        page = open_page(user, language=language)
        for path in paths:
            response = page.goto(live_server.url + path)
            assert response.status == 200, path
            assert page.evaluate(UNLABELLED) == [], path


def test_the_first_tab_reaches_the_skip_link_and_focus_is_visible(open_page, live_server):
    s, opened = _opened()
    user, _paths = _pages(s, opened.id)["merchant"]
    page = open_page(user)
    page.goto(f"{live_server.url}/merchant/")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.classList.contains('skip')")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUS_OUTLINE) == "solid"


def test_the_merchant_sees_the_buyers_phone_and_address_masked(open_page, live_server):
    s, opened = _opened()
    user, _paths = _pages(s, opened.id)["merchant"]
    page = open_page(user)
    page.goto(f"{live_server.url}/merchant/cases/{opened.id}/")
    html = page.content()
    buyer = opened.order["buyer"]
    assert buyer["phone"] not in html and buyer["address"] not in html
    assert buyer["name"] not in html
    assert Case.objects.get(pk=opened.id).buyer.masked_name in page.inner_text("main")


def test_pages_read_and_forms_post_with_javascript_off(browser, live_server):
    s, opened = _opened()
    user = factories.user(Role.MERCHANT_STAFF, merchant=s.merchant)
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_url(lambda url: "/login/" not in url)
        page.goto(f"{live_server.url}/merchant/?type=return_refund")
        assert f"#{opened.id}" in page.inner_text("table.queue")
        page.click(f"a[href='/merchant/cases/{opened.id}/']")
        page.locator("#action-approve button[type=submit]").click()
        page.wait_for_selector("#case-state:text('已同意')")
        screenshot(page, "merchant-case-no-js")
    finally:
        context.close()
