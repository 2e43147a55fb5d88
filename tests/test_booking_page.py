"""The booking page (/book, 预约) on a phone and the console's appointments panel, in Debian's
Chromium via Playwright against a real hall server on a loopback port.

The hall books ``social`` in 30-minute slots, one place each; tomorrow is a special date open
09:00–10:00 only, so the page offers exactly two slots that day.  A visitor books, sees the
code and its QR code, moves the booking to the other slot (same code), cancels it; a second
phone that still shows a slot as free is refused by the server once the first took its place.
"""

from __future__ import annotations

import datetime as dt
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import browser_fixture, page_fixture, sign_in, signed_in  # noqa: F401 (the shared fixtures)
from conftest import MONDAY_10AM, TEST_HALL, LiveHall
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.timeout(120)

TODAY = dt.datetime.fromtimestamp(MONDAY_10AM, dt.timezone(dt.timedelta(hours=8))).date()
TOMORROW = (TODAY + dt.timedelta(days=1)).isoformat()
SLOTS = ("09:00–09:30", "09:30–10:00")


def booking_hall(tmp_path: Path) -> Path:
    """The test hall taking appointments for social security (one place a slot), closed on Sundays."""
    text = TEST_HALL.read_text(encoding="utf-8")
    every_day = 'open_days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]\n'
    assert text.count(every_day) == 1
    text = text.replace(every_day, every_day.replace(', "sun"', ""))
    old = 'id = "social"\n'
    assert text.count(old) == 1
    text = text.replace(old, old + "appointment_slot_minutes = 30\nappointment_quota = 1\n")
    text += (
        "\n[appointments]\nenabled = true\ndays_ahead = 7\n"
        f'days = [{{ date = "{TOMORROW}", hours = ["09:00-10:00"] }}]\n'
    )
    path = tmp_path / "booking-hall.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveHall]:
    hall = LiveHall(tmp_path / "data", booking_hall(tmp_path))
    yield hall
    hall.close()


def phone(browser: Browser) -> tuple[Any, Page]:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(5000)
    page.on("dialog", lambda dialog: dialog.accept())  # "cancel this booking?"
    return context, page


@pytest.fixture
def phones(browser: Browser) -> Iterator[list[Page]]:
    opened = [phone(browser) for _ in range(2)]
    yield [page for _, page in opened]
    for context, _ in opened:
        context.close()


def slot(page: Page, text: str) -> Any:
    return page.locator("#slots button", has_text=text)


def open_tomorrow(page: Page, live: LiveHall, lang: str = "en") -> None:
    page.goto(f"{live.http_url}/book?lang={lang}")
    expect(page.locator("#services button.on")).to_have_count(1)
    page.locator("#days button").nth(1).click()
    expect(page.locator("#slots button")).to_have_count(2)


def test_the_page_and_its_files_are_served(live: LiveHall) -> None:
    for path, kind in [
        ("/book", "text/html"),
        ("/book/book.js", "text/javascript"),
        ("/book/book.css", "text/css"),
        ("/book/link.js", "text/javascript"),
        ("/book/vendor/qrcode.js", "text/javascript"),
        ("/console/bookings.js", "text/javascript"),
    ]:
        with urllib.request.urlopen(live.http_url + path, timeout=5) as r:
            assert r.status == 200 and r.headers["Content-Type"].startswith(kind), path
            body = r.read().decode()
            if path != "/book/vendor/qrcode.js":  # the vendored library's licence header names its site
                assert "http://" not in body and "https://" not in body, f"{path} names an external address"


def test_a_closed_day_is_listed_closed_and_cannot_be_picked(live: LiveHall, phones: list[Page]) -> None:
    """The week from Monday: Sunday, when the hall is shut, reads Closed / 不开放 and is disabled; the
    other days are offered."""
    page = phones[0]
    for lang, closed, sunday in (("en", "Closed", "Sun"), ("zh", "不开放", "周日")):
        page.goto(f"{live.http_url}/book?lang={lang}")
        days = page.locator("#days button")
        expect(days).to_have_count(7)
        expect(days.nth(6)).to_contain_text(sunday)
        expect(days.nth(6)).to_contain_text(closed)
        expect(days.nth(6)).to_be_disabled()
        for n in range(6):
            expect(days.nth(n)).to_be_enabled()
            expect(days.nth(n)).not_to_contain_text(closed)


def test_book_see_the_code_rebook_cancel(live: LiveHall, phones: list[Page]) -> None:
    page, other = phones
    open_tomorrow(page, live)
    open_tomorrow(other, live)  # shows 09:00 as free until it asks again
    expect(slot(page, SLOTS[0])).to_contain_text("1 free")
    slot(page, SLOTS[0]).click()
    page.fill("#name", "张三")
    page.fill("#phone", "13812345678")
    page.click("#book")
    expect(page.locator("#booking-title")).to_have_text("Booked")
    code = page.locator("#code").inner_text()
    assert len(code) == 8 and all(c in "ABCDEFGHJKMNPQRSTUVWXYZ23456789" for c in code), code
    expect(page.locator("#qr svg")).to_be_visible()
    expect(page.locator("#b-phone")).to_have_text("138****5678")  # masked as the server masks it
    expect(page.locator("#b-name")).to_have_text("张*")
    expect(page.locator("#b-state")).to_have_text("Booked")
    expect(slot(page, SLOTS[0])).to_be_disabled()
    expect(slot(page, SLOTS[0])).to_contain_text("Full")

    # The other phone still offers 09:00: the server refuses, in the language on show.
    slot(other, SLOTS[0]).click()
    other.fill("#name", "李四")
    other.fill("#phone", "13987654321")
    other.click("#book")
    expect(other.locator("#picker-error")).to_be_visible()
    english = other.locator("#picker-error").inner_text()
    other.click("#lang")
    expect(other.locator("#picker-error")).not_to_have_text(english)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in other.locator("#picker-error").inner_text())

    # Move it to 09:30: the same code, 09:00 free again.
    page.click("#change")
    expect(page.locator("#rebooking")).to_contain_text(code)
    slot(page, SLOTS[1]).click()
    page.click("#rebook")
    expect(page.locator("#b-when")).to_contain_text("09:30–10:00")
    expect(page.locator("#code")).to_have_text(code)
    expect(slot(page, SLOTS[0])).to_contain_text("1 free")

    # My booking by code on the other phone, then cancel it there.
    other.click("#tab-mine")
    other.fill("#lookup-code", code.lower())
    other.click("#lookup-form button[type=submit]")
    expect(other.locator("#b-state")).to_have_text("已预约")
    other.click("#cancel")
    expect(other.locator("#b-state")).to_have_text("已取消")
    expect(other.locator("#cancel")).to_be_hidden()


def test_the_console_panel_follows_bookings_live(live: LiveHall, page: Page, browser: Browser) -> None:
    sign_in(page, live)
    signed_in(page)
    expect(page.locator("#appointments")).to_be_visible()
    expect(page.locator("#booking-none")).to_be_visible()  # no bookings today yet: no empty table
    expect(page.locator("#booking-table")).to_be_hidden()
    context, visitor = phone(browser)
    try:
        open_tomorrow(visitor, live)
        # today's panel: book today on the console's own form and see the row appear
        page.fill("#book-start", "11:00")
        page.fill("#book-name", "王五")
        page.fill("#book-phone", "13700001111")
        page.click("#book-form button[type=submit]")
        expect(page.locator("#book-result")).to_contain_text("137****1111")
        row = page.locator('#booking-rows tr[data-slot="social 11:00"]')
        expect(row.locator("td.booked")).to_have_text("1")
        expect(page.locator("#booking-table")).to_be_visible()
        expect(page.locator("#booking-none")).to_be_hidden()
        # a visitor books today's 11:30 on the page: the panel adds it without a reload
        visitor.locator("#days button").nth(0).click()
        slot(visitor, "11:30–12:00").click()
        visitor.fill("#name", "赵六")
        visitor.fill("#phone", "13600002222")
        visitor.click("#book")
        expect(visitor.locator("#booking-title")).to_be_visible()
        later = page.locator('#booking-rows tr[data-slot="social 11:30"]')
        expect(later.locator("td.booked")).to_have_text("1", timeout=2000)
        visitor.click("#cancel")
        expect(later).to_have_count(0, timeout=2000)
    finally:
        context.close()
