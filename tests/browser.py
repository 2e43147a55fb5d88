"""The browser the console's tests drive: Debian's Chromium through Playwright (never `playwright install`).

Shared by tests/test_console.py and tests/test_report_page.py (and bench/console_latency.py uses
the same executable): a test module imports the fixtures by name, ``from browser import browser_fixture, page_fixture``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import PASSWORD, SUPERVISOR, LiveHall
from playwright.sync_api import Browser, Page, expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"  # Debian's package, installed by scripts/setup.sh


@pytest.fixture(scope="module", name="browser")
def browser_fixture() -> Iterator[Browser]:
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
        yield b
        b.close()


@pytest.fixture(name="page")
def page_fixture(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(5000)
    yield pg
    context.close()


def sign_in(page: Page, live: LiveHall, password: str = PASSWORD, path: str = "/console") -> None:
    page.goto(f"{live.http_url}{path}")
    page.fill("#clerk", SUPERVISOR)
    page.fill("#password", password)
    page.click("#signin-form button[type=submit]")


def signed_in(page: Page) -> None:
    expect(page.locator("#console")).to_be_visible()
    expect(page.locator("#who")).to_have_text(SUPERVISOR)
