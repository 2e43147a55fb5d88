"""The evaluation pad's page (/pad/<counter>) in a real browser: Debian's Chromium via Playwright.

A real hall server on a loopback port (``live_hall``); the clerk is a real websocket client.
The page keeps no rules: the server decides what may be evaluated, and the page says its
refusals.  docs/screenshots are drawn by ``hallcall demo --screenshots docs/screenshots``.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import browser_fixture  # noqa: F401  (the shared Chromium, tests/browser.py)
from conftest import PAD_1, LiveHall
from playwright.sync_api import Browser, BrowserContext, Page, expect

from hallcall.client import HallClient

pytestmark = pytest.mark.timeout(90)


def open_page(browser: Browser, width: int, height: int) -> tuple[BrowserContext, Page]:
    """A new context (its own localStorage; close it when done) and its page, sized like the tablet."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(5000)
    return context, page


@pytest.fixture
def tablet(browser: Browser) -> Iterator[Page]:
    """A landscape tablet (1280 × 800)."""
    context, page = open_page(browser, 1280, 800)
    yield page
    context.close()


def open_pad(page: Page, live: LiveHall, counter: int = 1, token: str | None = PAD_1["token"]) -> None:
    page.goto(f"{live.http_url}/pad/{counter}" + (f"?token={token}" if token else ""))


def serve_one(live: LiveHall, clerk: HallClient | None = None) -> tuple[HallClient, str]:
    """A social ticket issued, called, served and finished at counter 1 by cat."""
    assert live.hall is not None
    kiosk = live.run(live.hall.kiosk())
    number = live.run(kiosk.request("issue", service="social"))["ticket"]["number"]
    if clerk is None:
        clerk = live.run(live.hall.counter(1, "cat"))
    live.run(clerk.request("call_next"))
    live.run(clerk.request("start"))
    live.clock.advance(60)
    live.run(clerk.request("finish"))
    return clerk, number


def evaluations(live: LiveHall) -> list[tuple[Any, ...]]:
    async def read() -> list[tuple[Any, ...]]:
        assert live.storage is not None
        return live.storage.conn.execute(
            "SELECT number, counter, clerk, reason, detail FROM events WHERE action = 'evaluate' ORDER BY id"
        ).fetchall()

    return live.run(read())


def test_pad_files_are_served_with_their_types(live_hall: LiveHall) -> None:
    for path, kind in [
        ("/pad/1", "text/html"),
        ("/pad/12", "text/html"),
        ("/pad/pad.js", "text/javascript"),
        ("/pad/pad.css", "text/css"),
        ("/pad/mirror.js", "text/javascript"),
    ]:
        with urllib.request.urlopen(live_hall.http_url + path, timeout=5) as r:
            assert r.status == 200 and r.headers["Content-Type"].startswith(kind), path
            body = r.read().decode()
            assert "http://" not in body and "https://" not in body, f"{path} names an external address"
    for path in ("/pad/", "/pad/x", "/pad/<counter>"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(live_hall.http_url + path.replace("<", "%3C").replace(">", "%3E"), timeout=5)
        refused.value.close()  # an open answer would hold the server's stop
        assert refused.value.code == 404, path


def test_a_tap_stores_one_evaluation_and_a_second_is_refused(live_hall: LiveHall, browser: Browser) -> None:
    first_ctx, first = open_page(browser, 1280, 800)
    try:
        open_pad(first, live_hall)
        expect(first.locator("#counter-name")).to_contain_text("1")
        assert "token" not in first.url  # kept in localStorage, not in the address bar
        second = first_ctx.new_page()  # the same tablet's storage: no token in this address
        second.set_default_timeout(5000)
        open_pad(second, live_hall, token=None)
        clerk = live_hall.run(live_hall.hall.counter(1, "cat")) if live_hall.hall else None
        expect(first.locator("#clerk-name")).to_have_text("cat")
        expect(first.locator("#clerk-id")).to_have_text("cat")
        expect(first.locator("#rate")).to_be_hidden()
        _, number = serve_one(live_hall, clerk)
        for pg in (first, second):
            expect(pg.locator("#rate")).to_be_visible()
            expect(pg.locator("#rate-title")).to_contain_text(number)
        first.click('#rate button[data-level="5"]')
        expect(first.locator("#thanks")).to_be_visible()
        expect(first.locator("#thanks h2")).to_have_text("感谢您的评价!")
        rows = evaluations(live_hall)
        assert len(rows) == 1 and rows[0][:4] == (number, 1, "cat", "")
        assert json.loads(rows[0][4]) == {"level": 5, "channel": "pad", "note": ""}
        second.click('#rate button[data-level="4"]')  # the other screen still showed the buttons
        expect(second.locator("#message")).to_have_text("该号已评价过。")
        expect(second.locator("#rate")).to_be_hidden()
        assert len(evaluations(live_hall)) == 1
        expect(first.locator("#idle")).to_be_visible(timeout=8000)  # the thank-you screen ends
    finally:
        first_ctx.close()


def test_level_one_asks_for_a_reason_in_the_chosen_language(live_hall: LiveHall, tablet: Page) -> None:
    open_pad(tablet, live_hall)
    expect(tablet.locator("#idle")).to_be_visible()
    _, number = serve_one(live_hall)
    tablet.click("#lang")
    expect(tablet.locator('#rate button[data-level="1"]')).to_have_text("Very dissatisfied")
    tablet.click('#rate button[data-level="1"]')
    expect(tablet.locator("#reason")).to_be_visible()
    expect(tablet.locator("#reasons button")).to_have_count(5)
    tablet.click("#reason-send")  # no reason chosen: the server refuses, the page says so
    expect(tablet.locator("#message")).to_have_text("Please choose a reason.")
    assert evaluations(live_hall) == []
    tablet.click('#reasons button[data-reason="slow"]')
    tablet.fill("#note", "waited long")
    tablet.click("#reason-send")
    expect(tablet.locator("#thanks h2")).to_have_text("Thank you for your feedback!")
    rows = evaluations(live_hall)
    assert len(rows) == 1 and rows[0][0] == number and rows[0][3] == "slow"
    assert json.loads(rows[0][4]) == {"level": 1, "channel": "pad", "note": "waited long"}


def test_a_tap_after_the_window_is_refused_by_the_server(live_hall: LiveHall, tablet: Page) -> None:
    open_pad(tablet, live_hall)
    serve_one(live_hall)
    expect(tablet.locator("#rate")).to_be_visible()
    live_hall.clock.advance(121)  # the server's window (120 s) has passed; the page's clock has not
    tablet.click('#rate button[data-level="5"]')
    expect(tablet.locator("#message")).to_have_text("没有可评价的办件。")
    expect(tablet.locator("#idle")).to_be_visible()
    assert evaluations(live_hall) == []


def test_a_token_typed_once_is_kept(live_hall: LiveHall, tablet: Page) -> None:
    open_pad(tablet, live_hall, token=None)
    expect(tablet.locator("#setup")).to_be_visible()
    tablet.fill("#token", "not-the-token")
    tablet.click("#setup-form button[type=submit]")
    expect(tablet.locator("#setup-error")).to_have_text("设备令牌不正确,请重新输入。")
    tablet.fill("#token", PAD_1["token"])
    tablet.click("#setup-form button[type=submit]")
    expect(tablet.locator("#idle")).to_be_visible()
    tablet.reload()
    expect(tablet.locator("#idle")).to_be_visible()
    expect(tablet.locator("#setup")).to_be_hidden()


def test_pad_screenshots(live_hall: LiveHall, browser: Browser, tmp_path: Path) -> None:
    out = tmp_path
    out.mkdir(parents=True, exist_ok=True)
    serve_one(live_hall)
    for width, height, suffix in ((1280, 800, ""), (800, 1280, "-portrait")):
        where = out if not suffix else tmp_path  # the docs show the landscape pad
        context, page = open_page(browser, width, height)
        try:
            open_pad(page, live_hall)
            expect(page.locator("#rate")).to_be_visible()
            page.screenshot(path=str(where / f"pad-zh{suffix}.png"))
            page.click("#lang")
            expect(page.locator('#rate button[data-level="5"]')).to_have_text("Very satisfied")
            page.screenshot(path=str(where / f"pad-en{suffix}.png"))
            # nothing spills past the tablet's screen, and every button is a big touch target
            assert page.evaluate("document.documentElement.scrollHeight") <= height
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            for box in (page.locator(f'#rate button[data-level="{n}"]').bounding_box() for n in range(1, 6)):
                assert box is not None and box["height"] >= 80 and box["width"] >= 80
        finally:
            context.close()
    for name in ("pad-zh.png", "pad-en.png"):
        assert (out / name).stat().st_size > 10_000
