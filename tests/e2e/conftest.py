"""Browser tests: Playwright (sync API) driving Chromium against Django's live server.

The browser is Debian's `/usr/bin/chromium` unless AFTERSALES_CHROMIUM names another
executable; AFTERSALES_CHROMIUM=playwright uses Playwright's own download instead. A missing
browser fails the tests with a message saying how to install one (never a skip)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
PASSWORD = "correct-horse-battery"


def _executable() -> str | None:
    chosen = os.environ.get("AFTERSALES_CHROMIUM", "/usr/bin/chromium")
    if chosen == "playwright":
        return None
    if not (Path(chosen).exists() or shutil.which(chosen)):
        pytest.fail(
            f"No Chromium at {chosen!r} for the browser tests. Install Debian's with "
            "`apt-get install -y chromium` (CI does: .ci/run), point AFTERSALES_CHROMIUM at a "
            "Chromium or Chrome executable, or run `playwright install chromium` and set "
            "AFTERSALES_CHROMIUM=playwright.",
            pytrace=False,
        )
    return chosen


@pytest.fixture(scope="package")
def browser():
    """One browser for the browser tests, gone when they are: Playwright's sync API runs an
    event loop in this thread, which the tests after them must not find (and the flag that
    lets the ORM run beside it must not leak into them or their subprocesses)."""
    from playwright.sync_api import sync_playwright

    executable = _executable()
    # The ORM calls the tests make to set up data are ordinary synchronous ones all the same.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def open_page(browser, live_server):
    """A fresh browser context per person: `open_page(user, language)` logs in through the login
    form and returns the page."""
    contexts = []

    def open_for(user, *, language: str = "zh-CN", phone: bool = False, login_screenshot=""):
        viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
        context = browser.new_context(locale=language, viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/login/")
        if login_screenshot:
            screenshot(page, login_screenshot)
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_url(lambda url: "/login/" not in url)
        return page

    yield open_for
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
