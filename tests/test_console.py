"""The supervisor console (/console) in a real browser: Debian's Chromium driven by Playwright.

The hall server runs in a thread of its own on a loopback port (``live_hall``); counter, kiosk
and display clients are real websocket clients on the server's loop.  Every wait is bounded.
docs/screenshots are drawn by ``hallcall demo --screenshots docs/screenshots``.
"""

from __future__ import annotations

import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from browser import browser_fixture, page_fixture, sign_in, signed_in  # noqa: F401 (the shared fixtures)
from conftest import SUPERVISOR, LiveHall, collect, wait_for
from playwright.sync_api import Page, expect

from hallcall.client import HallClient, RequestFailed

pytestmark = pytest.mark.timeout(90)


def run(live: LiveHall, coro: Any) -> Any:
    return live.run(coro)


def counter(live: LiveHall, number: int, clerk: str) -> HallClient:
    assert live.hall is not None
    return run(live, live.hall.counter(number, clerk))


def test_console_files_are_served_with_their_types(live_hall: LiveHall) -> None:
    for path, kind in [
        ("/console", "text/html"),
        ("/console/console.js", "text/javascript"),
        ("/console/mirror.js", "text/javascript"),
        ("/console/link.js", "text/javascript"),
        ("/console/signin.js", "text/javascript"),
        ("/pad/link.js", "text/javascript"),
        ("/console/console.css", "text/css"),
    ]:
        with urllib.request.urlopen(live_hall.http_url + path, timeout=5) as r:
            assert r.status == 200 and r.headers["Content-Type"].startswith(kind), path
            body = r.read().decode()
            assert "http://" not in body and "https://" not in body, f"{path} names an external address"


def test_supervisor_session_token_resumes_and_is_stored_hashed(live_hall: LiveHall) -> None:
    assert live_hall.hall is not None
    sup = run(live_hall, live_hall.hall.supervisor())
    token = sup.welcome["session_token"]

    async def stored() -> Any:
        return live_hall.storage.conn.execute("SELECT token_hash FROM supervisor_sessions").fetchone()

    (digest,) = run(live_hall, stored())
    assert digest != token
    live_hall.restart()  # a server restart keeps the session

    async def resume(**fields: Any) -> dict[str, Any]:
        c = await live_hall.hall.client()
        try:
            return await c.hello("supervisor", **fields)
        except RequestFailed as exc:
            return exc.answer

    welcome = run(live_hall, resume(clerk=SUPERVISOR, session_token=token))
    assert welcome["type"] == "welcome" and welcome["session_token"] == token
    assert run(live_hall, resume(clerk="ann", session_token=token))["type"] == "error"  # someone else's token
    assert run(live_hall, resume(clerk=SUPERVISOR, session_token="guessed"))["type"] == "error"
    live_hall.clock.advance(12 * 3600 + 1)  # expired after 12 hours
    assert run(live_hall, resume(clerk=SUPERVISOR, session_token=token))["type"] == "error"


def test_a_call_appears_within_one_second(live_hall: LiveHall, page: Page) -> None:
    sign_in(page, live_hall)
    signed_in(page)
    clerk = counter(live_hall, 1, "cat")
    kiosk = run(live_hall, live_hall.hall.kiosk())
    run(live_hall, kiosk.request("issue", service="social"))
    expect(page.locator('tr[data-service="social"] td').nth(1)).to_have_text("1")
    started = time.monotonic()
    run(live_hall, clerk.request("call_next"))
    expect(page.locator('tr[data-counter="1"] .ticket')).to_have_text("A001", timeout=1000)
    assert time.monotonic() - started < 1.0
    expect(page.locator('tr[data-counter="1"] .state')).to_have_text("呼叫中")  # the hall's first language


def test_force_sign_out_ends_the_counters_session(live_hall: LiveHall, page: Page) -> None:
    clerk = counter(live_hall, 2, "dan")
    seen = collect(clerk)
    sign_in(page, live_hall)
    signed_in(page)
    page.on("dialog", lambda d: d.accept())
    page.select_option("#signout-counter", "2")
    page.fill("#signout-reason", "end of shift")
    page.click("#signout-form button[type=submit]")
    run(live_hall, wait_for(lambda: any(m.get("topic") == "session" and m.get("name") == "ended" for m in seen), 5))
    expect(page.locator('tr[data-counter="2"] .state')).to_have_text("未登录")


def test_a_reloaded_console_never_reuses_a_request_id(live_hall: LiveHall, page: Page) -> None:
    """The server keeps a supervisor's answers by account and request id (protocol.md section 3):
    after a reload the same request must run again, not get the earlier page's stored answer."""
    page.on("dialog", lambda d: d.accept())
    sign_in(page, live_hall)
    signed_in(page)
    for _ in range(2):
        counter(live_hall, 2, "dan")
        expect(page.locator('tr[data-counter="2"] td').nth(1)).to_have_text("dan")
        page.select_option("#signout-counter", "2")
        page.fill("#signout-reason", "end of shift")
        page.click("#signout-form button[type=submit]")
        expect(page.locator('tr[data-counter="2"] .state')).to_have_text("未登录")
        page.reload()
        signed_in(page)


def test_notice_reaches_a_display(live_hall: LiveHall, page: Page) -> None:
    display = run(live_hall, live_hall.hall.display())
    seen = collect(display)
    sign_in(page, live_hall)
    signed_in(page)
    page.fill("#notice-zh", "午休时间 12:00-13:00")
    page.fill("#notice-en", "Lunch break 12:00-13:00")
    page.click("#notice-form button[type=submit]")
    notices = lambda: [m for m in seen if m.get("topic") == "notice"]  # noqa: E731
    run(live_hall, wait_for(notices, 5))
    assert notices()[-1]["data"]["zh"] == "午休时间 12:00-13:00"
    expect(page.locator("#notice")).to_contain_text("午休时间 12:00-13:00")


def test_acknowledging_a_warning_mutes_it_with_the_name(live_hall: LiveHall, page: Page) -> None:
    assert live_hall.hall is not None
    sign_in(page, live_hall)
    signed_in(page)
    kiosk = run(live_hall, live_hall.hall.kiosk())
    run(live_hall, kiosk.request("issue", service="social"))  # target wait 10 minutes
    live_hall.clock.advance(9 * 60)
    run(live_hall, live_hall.hall.hub.check_warnings())
    item = page.locator('#warning-list li[data-key="wait:A001"]')
    expect(item.locator("button.ack")).to_have_text("知悉")
    item.locator("button.ack").click()
    expect(item).to_have_class("level1 acknowledged")
    expect(item.locator(".acked")).to_contain_text(f"{SUPERVISOR} 已知悉")
    expect(item.locator("button.ack")).to_have_count(0)
    assert live_hall.hall.hub.warnings["wait:A001"].acknowledged_by == SUPERVISOR


def test_sign_in_survives_a_reload_and_a_server_restart(live_hall: LiveHall, page: Page) -> None:
    sign_in(page, live_hall)
    signed_in(page)
    page.reload()
    signed_in(page)
    expect(page.locator("#signin")).to_be_hidden()
    live_hall.restart()
    expect(page.locator("#link")).to_have_text("已连接", timeout=10000)
    clerk = counter(live_hall, 3, "bob")  # the console follows the restarted server live
    expect(page.locator('tr[data-counter="3"] td').nth(1)).to_have_text("bob")
    assert clerk.welcome["role"] == "counter"
    page.reload()  # and the token still works after the restart
    signed_in(page)


def test_wrong_password_says_so_in_the_chosen_language(live_hall: LiveHall, page: Page) -> None:
    sign_in(page, live_hall, password="wrong-password")
    expect(page.locator("#signin-error")).to_have_text("用户名或密码不正确。")
    page.click("#lang")
    expect(page.locator("#signin-form button[type=submit]")).to_have_text("Sign in")
    page.fill("#password", "wrong-again")
    page.click("#signin-form button[type=submit]")
    expect(page.locator("#signin-error")).to_have_text("The name or password is not correct.")
    expect(page.locator("#console")).to_be_hidden()


def busy_hall(live: LiveHall) -> None:
    """Counters calling, serving, paused and empty; queues with waiting tickets; a fault; warnings."""
    assert live.hall is not None
    hall = live.hall
    kiosk = run(live, hall.kiosk())
    for service, count in (("social", 9), ("tax", 4), ("consult", 6)):
        for _ in range(count):
            run(live, kiosk.request("issue", service=service))
    live.clock.advance(9 * 60)
    c1 = counter(live, 1, "cat")
    c2 = counter(live, 2, "dan")
    c3 = counter(live, 3, "bob")
    c4 = counter(live, 4, "ann")
    for c in (c1, c2, c3, c4):
        run(live, c.request("call_next"))
    run(live, c1.request("start"))
    run(live, c1.request("finish"))
    run(live, c1.request("call_next"))
    run(live, c1.request("start"))
    run(live, c2.request("start"))
    run(live, c3.request("no_show"))
    run(live, c3.request("pause", reason="午餐"))
    live.clock.advance(3 * 60)
    run(live, kiosk.request("device_status", state="fault", code="printer.out_of_paper", detail="out of paper"))
    display = run(live, hall.display())
    run(live, display.request("device_status", state="ok", detail=""))
    sup = run(live, hall.supervisor())
    run(live, sup.request("notice", zh="系统维护:今日 16:30 停止取号", en="Maintenance: no new tickets after 16:30"))


def test_busy_hall_screenshots(live_hall: LiveHall, page: Page, tmp_path: Path) -> None:
    busy_hall(live_hall)
    assert live_hall.server is not None
    run(live_hall, live_hall.server.hub.check_warnings())
    sign_in(page, live_hall)
    signed_in(page)
    expect(page.locator('tr[data-counter="3"] .state')).to_contain_text("暂停")
    expect(page.locator(".warnings li.level2").first).to_be_visible()
    out = tmp_path
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out / "console-zh.png"))
    page.click("#lang")
    expect(page.locator('tr[data-counter="3"] .state')).to_contain_text("Paused")
    page.screenshot(path=str(out / "console-en.png"))
    for name in ("console-zh.png", "console-en.png"):
        assert (out / name).stat().st_size > 20_000
    # nothing spills past the screen: the page fits 1920 × 1080 without scrolling
    assert page.evaluate("document.documentElement.scrollHeight") <= 1080
    assert page.evaluate("document.documentElement.scrollWidth") <= 1920


def test_ticket_journey_shows_each_step_and_the_longest_gap(live_hall: LiveHall, page: Page, tmp_path: Path) -> None:
    """Issue 12: a ticket issued, called, transferred and finished by real clients, the hall's
    clock moved between steps; the console lists the steps with the server's after_s and marks
    the longest gap (who delayed it, and at which step)."""
    assert live_hall.hall is not None
    c1 = counter(live_hall, 1, "cat")
    c2 = counter(live_hall, 2, "dan")
    kiosk = run(live_hall, live_hall.hall.kiosk())
    run(live_hall, kiosk.request("issue", service="social"))
    for seconds, client, request, fields in [
        (23 * 60, c1, "call_next", {}),
        (2 * 60, c1, "start", {}),
        (5 * 60, c1, "transfer", {"to_counter": 2, "reason": "需核对税务"}),
        (60, c2, "call_next", {}),
        (30, c2, "start", {}),
        (4 * 60, c2, "finish", {}),
    ]:
        live_hall.clock.advance(seconds)
        run(live_hall, client.request(request, **fields))
    sign_in(page, live_hall)
    signed_in(page)
    page.fill("#journey-number", "a001")
    page.click("#journey-form button[type=submit]")
    rows = page.locator("#journey-rows tr")
    expect(rows).to_have_count(7)
    actions = ["取号", "叫号", "开始办理", "转办", "叫号", "开始办理", "办结"]
    afters = ["—", "23分00秒", "2分00秒", "5分00秒", "1分00秒", "30秒", "4分00秒"]
    for i, (action, after) in enumerate(zip(actions, afters, strict=True)):
        expect(rows.nth(i).locator("td.action")).to_have_text(action)
        expect(rows.nth(i).locator("td.after")).to_have_text(after)
    expect(page.locator("#journey-rows tr.longest")).to_have_count(1)
    expect(rows.nth(1)).to_have_class("longest")
    expect(rows.nth(1).locator("td.who").nth(1)).to_have_text("cat")
    expect(rows.nth(3)).to_contain_text("需核对税务")
    expect(page.locator("#journey-summary")).to_contain_text("最长间隔:1号窗口 (cat) 叫号前等了 23分00秒")
    out = tmp_path
    out.mkdir(parents=True, exist_ok=True)
    page.locator("#journey").scroll_into_view_if_needed()
    page.screenshot(path=str(out / "console-journey-zh.png"), full_page=True)
    page.click("#lang")
    summary = "Longest: 23 min 00 s waiting before the call at Counter 1 (cat)"
    expect(page.locator("#journey-summary")).to_contain_text(summary)
    expect(rows.nth(4).locator("td.action")).to_have_text("call")
    # errors in the chosen language: an unknown number, a bad day
    page.fill("#journey-number", "A999")
    page.click("#journey-form button[type=submit]")
    expect(page.locator("#journey-error")).to_have_text("There is no ticket A999 today.")
    expect(page.locator("#journey-panel")).to_be_hidden()
    page.click("#lang")
    expect(page.locator("#journey-error")).to_contain_text("今天没有A999号")
    page.fill("#journey-number", "A001")
    page.fill("#journey-day", "yesterday")
    page.click("#journey-form button[type=submit]")
    expect(page.locator("#journey-error")).to_have_text("日期格式应为 YYYY-MM-DD。")


# ---------------------------------------------------------------------------- devices connected or not
def presence_of(messages: list[dict[str, Any]]) -> list[tuple[str, bool, float | None]]:
    return [
        (m["data"]["device"], m["data"]["connected"], m["data"]["since"])
        for m in messages
        if m.get("type") == "event" and m.get("topic") == "presence"
    ]


def test_presence_is_pushed_when_a_device_connects_and_goes_away(live_hall: LiveHall) -> None:
    """The hub knows its clients: a kiosk's, display's or pad's first connection and its last
    one closing are told to the supervisors at once, with the hall clock's time."""
    hall = live_hall.hall
    assert hall is not None
    sup = run(live_hall, hall.supervisor())
    start = live_hall.clock.now()
    snap = {d["device"]: d for d in sup.snapshot["presence"]}
    assert set(snap) == {"kiosk-1", "display-1", "display-2", "pad-1"}  # every configured device
    assert all(not d["connected"] and d["since"] is None for d in snap.values())  # not seen since the start
    assert snap["pad-1"]["role"] == "pad" and snap["display-2"]["role"] == "display"
    heard = collect(sup)
    kiosk = run(live_hall, hall.kiosk())
    run(live_hall, wait_for(lambda: presence_of(heard) == [("kiosk-1", True, start)]))
    second = run(live_hall, hall.kiosk())  # the same kiosk reconnecting before the old link closed
    live_hall.clock.advance(90)
    run(live_hall, kiosk.close())
    run(live_hall, hall.pad())
    run(live_hall, wait_for(lambda: len(presence_of(heard)) == 2))
    assert presence_of(heard)[1] == ("pad-1", True, start + 90)  # the kiosk is still connected
    live_hall.clock.advance(60)
    run(live_hall, second.close())
    run(live_hall, wait_for(lambda: presence_of(heard)[-1] == ("kiosk-1", False, start + 150)))
    counter_heard = collect(counter(live_hall, 1, "cat"))
    display = run(live_hall, hall.display())
    run(live_hall, wait_for(lambda: presence_of(heard)[-1][:2] == ("display-1", True)))
    assert presence_of(counter_heard) == []  # only supervisors hear it
    fresh = run(live_hall, hall.supervisor()).snapshot["presence"]
    assert {d["device"]: d["connected"] for d in fresh} == {
        "kiosk-1": False, "display-1": True, "display-2": False, "pad-1": True,
    }  # fmt: skip
    run(live_hall, display.close())


def test_the_console_shows_each_device_connected_now_or_since_when(live_hall: LiveHall, page: Page) -> None:
    hall = live_hall.hall
    assert hall is not None
    sign_in(page, live_hall)
    signed_in(page)
    kiosk_row = page.locator('#device-list li[data-device="kiosk-1"]')
    expect(kiosk_row.locator(".presence")).to_have_text("未连接")  # not seen since the server started
    kiosk = run(live_hall, hall.kiosk())
    expect(kiosk_row.locator(".presence")).to_have_text("已连接")
    expect(kiosk_row).to_have_attribute("data-connected", "yes")
    run(live_hall, kiosk.request("device_status", state="fault", code="printer.out_of_paper", detail="paper out"))
    expect(kiosk_row).to_have_class("fault")  # the last status and the connection side by side
    expect(kiosk_row.locator(".presence")).to_have_text("已连接")
    live_hall.clock.advance(25 * 60)  # 10:25 in the hall's time zone
    run(live_hall, kiosk.close())
    expect(kiosk_row.locator(".presence")).to_have_text("10:25 起断开")
    expect(kiosk_row).to_have_attribute("data-connected", "no")
    expect(kiosk_row).to_contain_text("kiosk-1")
    page.click("#lang")
    expect(kiosk_row.locator(".presence")).to_have_text("disconnected since 10:25")
    expect(page.locator('#device-list li[data-device="pad-1"] .presence')).to_have_text("not connected")
