"""The screenshots of the hall's web pages: the supervisor console and a ticket's journey, the
report page with its charts, the evaluation pad, the ticket status page and the booking page on a phone.

Drawn by Debian's Chromium (/usr/bin/chromium, which scripts/setup.sh installs) through
Playwright, as the tests drive it (tests/browser.py), against the still demo hall.  Both are
optional here: ``missing()`` says what is not there, and the caller then skips these pages.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any

from . import hall
from .camera import Camera, Shot
from .still_hall import StillHall

CHROMIUM = os.environ.get("HALLCALL_CHROMIUM", "/usr/bin/chromium")
DESKTOP, TABLET, PHONE = (1920, 1080), (1280, 800), (390, 844)
TIMEOUT_MS = 10_000
# Fonts load and charts animate: the pictures wait for the page to be still.
SETTLE_SCRIPT = "document.fonts.ready.then(() => new Promise(r => requestAnimationFrame(() => r(true))))"
NO_MOTION = "*, *::before, *::after { animation: none !important; transition: none !important; }"


def missing() -> str:
    """Why the web pages cannot be drawn here ('' when they can)."""
    if importlib.util.find_spec("playwright") is None:
        return 'Playwright is not installed (pip install "hallcall[demo]")'
    if not os.access(CHROMIUM, os.X_OK):
        return f"Chromium is not at {CHROMIUM} (apt install chromium, or set HALLCALL_CHROMIUM)"
    return ""


def launch(pw: Any) -> Any:
    return pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)


def pages(still: StillHall, camera: Camera, journey_number: str, status_path: str) -> None:
    """Every web page's screenshot; the hall already holds a busy morning (the Qt scenes)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            _console(still, camera, browser, journey_number)
            _report(still, camera, browser)
            _pad(still, camera, browser)
            _status(still, camera, browser, status_path)
            _book(still, camera, browser)
        finally:
            browser.close()


def new_page(browser: Any, size: tuple[int, int]) -> Any:
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return page


def take(camera: Camera, page: Any, name: str, full_page: bool = False) -> Shot:
    """The page as it is now, once its fonts are in and nothing moves; its text kept, and any
    text the page elided with an ellipsis, or a panel whose content is wider than it, named."""
    page.add_style_tag(content=NO_MOTION)
    page.evaluate(SETTLE_SCRIPT)
    path = camera.folder / name
    page.screenshot(path=str(path), full_page=full_page, animations="disabled", caret="hide")
    texts = [line.strip() for line in page.inner_text("body").splitlines() if line.strip()]
    overflowing = page.evaluate(
        """() => [...document.querySelectorAll('body *')].filter(e => {
            const s = getComputedStyle(e);
            return e.offsetParent !== null && s.overflow === 'hidden' && s.textOverflow === 'ellipsis'
                && e.scrollWidth > e.clientWidth;
        }).map(e => e.textContent.trim())"""
    )
    spilling = page.evaluate(
        """() => [...document.querySelectorAll('section')].filter(e => e.offsetParent !== null
            && e.scrollWidth > e.clientWidth + 1)
            .map(e => `${e.id || e.className} (${e.scrollWidth} px in ${e.clientWidth})`)"""
    )
    cut = [f"elided: {t!r}" for t in overflowing] + [f"wider than its panel: {s}" for s in spilling]
    return camera.keep(Shot(name, path, texts, cut))


def sign_in(page: Any, base: str, path: str) -> None:
    """The supervisor signed in on ``path`` (/console or /console/report) of the server at ``base``."""
    page.goto(f"{base}{path}")
    page.fill("#clerk", hall.SUPERVISOR)
    page.fill("#password", hall.PASSWORD)
    page.click("#signin-form button[type=submit]")
    page.wait_for_selector("#who:has-text('supervisor')")


def _console(still: StillHall, camera: Camera, browser: Any, journey_number: str) -> None:
    sup = still.supervisor()
    still.ask(sup, "notice", zh="系统维护：今日 16:30 停止取号", en="Maintenance: no new tickets after 16:30")
    still.run(still.server.hub.check_warnings())  # type: ignore[union-attr]
    page = new_page(browser, DESKTOP)
    try:
        sign_in(page, still.http_url, "/console")
        page.wait_for_selector('tr[data-counter="1"]')
        page.wait_for_selector(".warnings li")
        take(camera, page, "console-zh.png")
        page.click("#lang")
        page.wait_for_function("document.documentElement.lang.startsWith('en')")
        take(camera, page, "console-en.png")
        page.wait_for_selector("#booking-rows tr")  # the kiosk scene's bookings of today
        page.locator("#appointments").scroll_into_view_if_needed()
        take(camera, page, "console-appointments-en.png")
        page.click("#lang")
        page.wait_for_function("document.documentElement.lang.startsWith('zh')")
        page.fill("#journey-number", journey_number)
        page.click("#journey-form button[type=submit]")
        page.wait_for_selector("#journey-rows tr.longest")
        page.locator("#journey").scroll_into_view_if_needed()
        take(camera, page, "console-journey-zh.png", full_page=True)
    finally:
        page.context.close()


def _report(still: StillHall, camera: Camera, browser: Any) -> None:
    page = new_page(browser, DESKTOP)
    try:
        sign_in(page, still.http_url, "/console/report")
        page.wait_for_selector("#groups tbody tr")
        page.wait_for_function("document.getElementById('hours-chart').width > 0")
        take(camera, page, "report-zh.png")
    finally:
        page.context.close()


def _pad(still: StillHall, camera: Camera, browser: Any) -> None:
    """Counter 1's pad after a finish there: the five levels, in Chinese and English."""
    device = next(d for d in still.config.devices.pads if d.counter == 1)
    page = new_page(browser, TABLET)
    try:
        page.goto(f"{still.http_url}/pad/1?token={device.token}")
        page.wait_for_selector("#idle", state="visible")
        clerk = still.counter(1, "zhang.wei")
        still.ask(clerk, "finish")
        page.wait_for_selector("#rate", state="visible")
        take(camera, page, "pad-zh.png")
        page.click("#lang")
        page.wait_for_selector('#rate button[data-level="5"]:has-text("Very satisfied")')
        take(camera, page, "pad-en.png")
    finally:
        page.context.close()


def _status(still: StillHall, camera: Camera, browser: Any, path: str) -> None:
    """A visitor's phone on the link of their ticket's QR code (``path``: /t/DAY/NUMBER?k=KEY)."""
    page = new_page(browser, PHONE)
    try:
        page.goto(f"{still.http_url}{path}")
        page.wait_for_function("window.hallcallStatus && window.hallcallStatus.view() !== null")
        take(camera, page, "status-phone-zh.png")
    finally:
        page.context.close()


def _book(still: StillHall, camera: Camera, browser: Any) -> None:
    """A visitor's phone on the booking page: tomorrow's slots with their free places, one
    picked and the form filled, in Chinese and English (before booking: a booking's code is
    random, and the pictures must come out the same each time)."""
    page = new_page(browser, PHONE)
    try:
        page.goto(f"{still.http_url}/book?lang=zh")
        page.locator("#days button").nth(1).click()
        page.wait_for_selector("#slots button:not([disabled])")
        page.locator("#slots button:not([disabled])").nth(2).click()
        page.fill("#name", "Chen Jing")
        page.fill("#phone", "13800138000")
        take(camera, page, "book-phone-zh.png", full_page=True)
        page.click("#lang")
        page.wait_for_function("document.documentElement.lang === 'en'")
        take(camera, page, "book-phone-en.png", full_page=True)
    finally:
        page.context.close()
