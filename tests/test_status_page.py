"""The ticket status page (/t/{day}/{number}) live on a phone: Debian's Chromium via Playwright.

A real hall server on a loopback port (``live_hall``); the kiosk and the counter are real
websocket clients.  The page is rendered by the server (and works without JavaScript); its
script follows the ticket as a ``visitor``, and on the page opened from the ticket's QR link (its
key) offers the five-level evaluation once the ticket is served.
docs/screenshots are drawn by ``hallcall demo --screenshots docs/screenshots``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from browser import browser_fixture  # noqa: F401 (the shared Chromium fixture)
from classes import classes_hall_file, issue_each_class
from conftest import LiveHall
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.timeout(90)
DAY = "2026-11-23"


def phone(browser: Browser, **options: Any) -> tuple[Any, Page]:
    """A phone-sized page (390 × 844) in a context of its own (close it when done)."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, **options)
    page = context.new_page()
    page.set_default_timeout(5000)
    return context, page


@pytest.fixture
def phones(browser: Browser) -> Iterator[list[Page]]:
    contexts: list[Any] = []
    pages: list[Page] = []
    for _ in range(2):
        context, page = phone(browser)
        contexts.append(context)
        pages.append(page)
    yield pages
    for context in contexts:
        context.close()


def run(live: LiveHall, coro: Any) -> Any:
    return live.run(coro)


def issue(live: LiveHall, count: int) -> None:
    assert live.hall is not None
    kiosk = run(live, live.hall.kiosk())
    for _ in range(count):
        run(live, kiosk.request("issue", service="social"))


def live_on(page: Page) -> None:
    """The page's script has said hello and drawn its snapshot."""
    page.wait_for_function("window.hallcallStatus && window.hallcallStatus.view() !== null")


def test_the_page_turns_to_go_to_counter_within_one_second(live_hall: LiveHall, phones: list[Page]) -> None:
    issue(live_hall, 3)
    assert live_hall.hall is not None
    clerk = run(live_hall, live_hall.hall.counter(1, "cat"))
    mine, other = phones
    mine.goto(f"{live_hall.http_url}/t/{DAY}/A002?lang=en")
    other.goto(f"{live_hall.http_url}/t/{DAY}/A001?lang=en")  # first in line, and still first after
    live_on(mine)
    live_on(other)
    expect(mine.locator("#ahead")).to_have_text("1")
    expect(other.locator("#estimate")).to_have_text("about 1 min")  # counter 1 is free: at once
    other_state = other.locator("#state").inner_text()
    run(live_hall, clerk.request("call_number", number="A002"))
    started = time.monotonic()
    expect(mine.locator("#state")).to_have_text("Please go to counter 1", timeout=1000)
    assert time.monotonic() - started < 1.0
    expect(mine.locator("#ahead")).to_be_hidden()
    expect(mine.locator("#notify")).to_be_hidden()
    # A001 keeps its place (nobody ahead) and waits for counter 1's visitor: the social
    # service's default 5 minutes of handling (docs/queue-rules.md, "Estimated wait")
    expect(other.locator("#estimate")).to_have_text("about 5 min", timeout=1000)
    assert other.locator("#state").inner_text() == other_state
    expect(other.locator("#next")).to_be_visible()
    assert other.evaluate("window.hallcallStatus.view().state") == "waiting"


def test_you_are_next_and_the_reminder_falls_back_to_the_page(live_hall: LiveHall, phones: list[Page]) -> None:
    issue(live_hall, 3)
    page = phones[0]
    page.goto(f"{live_hall.http_url}/t/{DAY}/A003")
    live_on(page)
    expect(page.locator("#ahead")).to_have_text("2 人")
    expect(page.locator("#next")).to_be_hidden()
    page.fill("#notify-n", "1")
    page.click("#notify-set")  # headless Chromium refuses notifications: the page says so
    expect(page.locator("#notify-said")).to_contain_text("保持本页打开")
    assert live_hall.hall is not None
    clerk = run(live_hall, live_hall.hall.counter(1, "cat"))
    run(live_hall, clerk.request("call_next"))
    expect(page.locator("#alert")).to_have_text("前面只剩 1 人了，请回到大厅。", timeout=1000)
    run(live_hall, clerk.request("finish"))
    run(live_hall, clerk.request("call_next"))
    expect(page.locator("#next")).to_be_visible(timeout=1000)
    expect(page.locator("#next")).to_have_text("下一位就是您，请到窗口附近等候。")
    expect(page.locator("#alert")).to_have_text("前面只剩 0 人了，请回到大厅。")


def test_without_javascript_the_page_still_shows_the_ticket(live_hall: LiveHall, browser: Browser) -> None:
    issue(live_hall, 2)
    context, page = phone(browser, java_script_enabled=False)
    try:
        page.goto(f"{live_hall.http_url}/t/{DAY}/A002?lang=en")
        expect(page.locator("#state")).to_have_text("Waiting")
        expect(page.locator("#ahead")).to_have_text("1")
        expect(page.locator("#notify")).to_be_hidden()
        assert page.locator('noscript meta[http-equiv="refresh"]').count() == 1
    finally:
        context.close()


# ---------------------------------------------------------------------------- the holder's evaluation
FORGE = """([day, number]) => new Promise((done) => {
  const link = new HallLink({ prefix: "forge" });
  const forged = { type: "evaluate", level: 1, reason: "attitude" };
  link.open({ role: "visitor", day, number }, () => link.send(forged, done));
})"""


def test_the_ticket_holder_evaluates_from_the_qr_link_once(live_hall: LiveHall, phones: list[Page]) -> None:
    """Issue → call → finish: the page opened from the ticket's QR link (its key) offers the five
    levels once the ticket is served, takes one evaluation with a reason and thanks the visitor;
    the same address without the key shows the status only, and the server refuses an evaluation
    forged from it."""
    hall = live_hall.hall
    assert hall is not None
    kiosk = run(live_hall, hall.kiosk())
    key = run(live_hall, kiosk.request("issue", service="social"))["status_key"]
    holder, stranger = phones
    holder.goto(f"{live_hall.http_url}/t/{DAY}/A001?k={key}")
    stranger.goto(f"{live_hall.http_url}/t/{DAY}/A001")
    live_on(holder)
    live_on(stranger)
    expect(holder.locator("#rate")).to_be_hidden()  # waiting: nothing to evaluate yet
    assert "k=" + key in (holder.locator("a.switch").get_attribute("href") or "")  # English keeps the key
    assert stranger.locator("#rate").count() == 0 and "k=" not in (
        stranger.locator("a.switch").get_attribute("href") or ""
    )
    clerk = run(live_hall, hall.counter(1, "cat"))
    for step in ("call_next", "start", "finish"):
        run(live_hall, clerk.request(step))
    expect(holder.locator("#rate")).to_be_visible(timeout=2000)
    expect(holder.locator("#state")).to_have_text("已办结，谢谢")
    levels = holder.locator("#levels .level")
    assert levels.all_inner_texts() == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    expect(stranger.locator("#state")).to_have_text("已办结，谢谢")
    assert stranger.locator("#rate").count() == 0  # the status, and no evaluation without the key
    forged = stranger.evaluate(FORGE, [DAY, "A001"])
    assert forged["type"] == "error" and forged["code"] == "forbidden" and forged["field"] == "key"

    holder.click('#levels .level[data-level="2"]')  # 不满意: a reason, as at the counter
    expect(holder.locator("#reason")).to_be_visible()
    holder.click("#reason-send")
    expect(holder.locator("#rate-said")).to_have_text("请选择一个原因。")
    holder.click('#reason .why[data-reason="slow"]')
    holder.fill("#note", "门口等了二十分钟")
    holder.click("#reason-send")
    expect(holder.locator("#rated")).to_have_text("感谢您的评价！您的意见将帮助我们改进服务。")
    expect(holder.locator("#rate")).to_be_hidden()

    rows = run(live_hall, stored_evaluations(live_hall))
    assert rows == [("A001", "slow", {"level": 2, "channel": "qr", "note": "门口等了二十分钟"})]
    # a second evaluation of the ticket is refused: the holder's phone again, over the websocket
    phone = run(live_hall, hall.client())
    run(live_hall, phone.hello("visitor", day=DAY, number="A001", key=key))
    assert run(live_hall, phone.call("evaluate", level=5))["code"] == "already_evaluated"
    assert len(run(live_hall, stored_evaluations(live_hall))) == 1
    # the QR link opened again, in English: evaluated, nothing more to offer
    holder.goto(f"{live_hall.http_url}/t/{DAY}/A001?k={key}&lang=en")
    live_on(holder)
    expect(holder.locator("#rated")).to_have_text("This ticket has been evaluated. Thank you.")
    expect(holder.locator("#rate")).to_be_hidden()


def test_the_holder_page_offers_the_levels_in_english_and_says_the_servers_refusal(
    live_hall: LiveHall, phones: list[Page]
) -> None:
    hall = live_hall.hall
    assert hall is not None
    kiosk = run(live_hall, hall.kiosk())
    key = run(live_hall, kiosk.request("issue", service="social"))["status_key"]
    clerk = run(live_hall, hall.counter(1, "cat"))
    for step in ("call_next", "start", "finish"):
        run(live_hall, clerk.request(step))
    page, wrong = phones
    page.goto(f"{live_hall.http_url}/t/{DAY}/A001?k={key}&lang=en")
    wrong.goto(f"{live_hall.http_url}/t/{DAY}/A001?k=AAAAAAAAAAAA&lang=en")  # a made-up key: status only
    live_on(page)
    live_on(wrong)
    assert wrong.locator("#rate").count() == 0
    expect(page.locator("#rate")).to_be_visible()
    assert page.locator("#levels .level").all_inner_texts() == [
        "Very satisfied", "Satisfied", "Basically satisfied", "Dissatisfied", "Very dissatisfied",
    ]  # fmt: skip
    pad = run(live_hall, hall.pad())  # the counter's pad takes the evaluation first
    run(live_hall, pad.request("evaluate", level=4))
    expect(page.locator("#rate")).to_be_hidden(timeout=2000)  # the server said: no longer evaluable
    expect(page.locator("#rated")).to_have_text("This ticket has been evaluated. Thank you.")


async def stored_evaluations(live: LiveHall) -> list[tuple[str, str, dict[str, Any]]]:
    return [(number, reason, detail) for _, _, number, _, _, reason, detail in live.storage.evaluations(DAY)]


def test_the_page_names_an_appointment_and_a_green_channel_ticket_apart(tmp_path: Any, browser: Browser) -> None:
    """Each class has its own words and its own colour: an appointment ticket is not a
    green-channel one, and an ordinary ticket has no mark."""
    live = LiveHall(tmp_path, classes_hall_file(tmp_path))
    context, page = phone(browser)
    try:
        numbers = live.run(issue_each_class(live.hall))
        seen, colours = {}, {}
        for lang in ("zh", "en"):
            for kind, number in numbers.items():
                page.goto(f"{live.http_url}/t/{DAY}/{number}?lang={lang}")
                seen[lang, kind] = page.locator(".service").inner_text()
                mark = page.locator(".service .class")
                colours[kind] = mark.evaluate("e => getComputedStyle(e).backgroundColor") if mark.count() else None
        assert (
            seen["zh", "appointment"] == "社保 · 预约" and seen["en", "appointment"] == "Social security · Appointment"
        )
        assert seen["zh", "green"] == "社保 · 绿色通道" and seen["en", "green"] == "Social security · Green channel"
        assert (seen["zh", "normal"], seen["en", "normal"]) == ("社保", "Social security")
        assert colours == {"normal": None, "green": "rgb(10, 107, 47)", "appointment": "rgb(11, 79, 138)"}
    finally:
        context.close()
        live.close()
