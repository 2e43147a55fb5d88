"""No orphan tickets: a ticket a kiosk issued and never showed to anyone is cancelled, counted
and journaled with its reason; a ticket the kiosk showed (printed, or on screen when printing
failed) is named to the server and stays; the rule holds across a server restart.

Real server on 127.0.0.1, real websocket clients, the real kiosk window against it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from browser import browser_fixture, page_fixture, sign_in, signed_in  # noqa: F401  (fixtures by name)
from conftest import Hall, LiveHall
from playwright.sync_api import Page, expect
from test_kiosk_ui_support import open_kiosk, tap_service, wait_printed
from test_printing_support import PAPER_OUT, TcpPrinter

from hallcall.client import RequestFailed
from hallcall.server.unshown import REASON

pytestmark = pytest.mark.timeout(60)
LIMIT_S = 5 * 60  # [kiosk] unshown_cancel_minutes, by default


def steps(hub: Any, number: str) -> list[tuple[str, str]]:
    """(action, reason) of each journal entry of today's ticket ``number``."""
    ticket = hub.state.ticket(number)
    return [(j.action, j.reason) for j in hub.storage.journey(ticket.id)]


def never_shown(hub: Any, service: str) -> float:
    """``hallcall_tickets_never_shown_total{service=…}`` as /metrics renders it."""
    for line in hub.metrics.render().decode().splitlines():
        if line.startswith(f'hallcall_tickets_never_shown_total{{service="{service}"}}'):
            return float(line.split()[-1])
    return 0.0


async def test_a_ticket_no_kiosk_confirmed_is_cancelled_counted_and_journaled(hall: Hall) -> None:
    kiosk = await hall.kiosk()
    unseen = (await kiosk.request("issue", service="social", confirm=True))["ticket"]["number"]
    shown = (await kiosk.request("issue", service="social", confirm=True))["ticket"]["number"]
    plain = (await kiosk.request("issue", service="social"))["ticket"]["number"]  # promised nothing
    assert await kiosk.request("device_status", state="ok", ticket=shown) == {}
    hall.clock.advance(LIMIT_S - 10)
    await hall.hub.check_warnings()
    assert hall.hub.state.ticket(unseen).state == "waiting"  # not yet
    hall.clock.advance(20)
    await hall.hub.check_warnings()
    assert hall.hub.state.ticket(unseen).state == "cancelled"
    assert ("cancel", REASON) in steps(hall.hub, unseen)
    assert never_shown(hall.hub, "social") == 1
    # The shown ticket and the one issued without the promise wait on.
    assert hall.hub.state.ticket(shown).state == "waiting"
    assert hall.hub.state.ticket(plain).state == "waiting"
    assert ("device_ok", "") in steps(hall.hub, shown)


async def test_a_report_naming_a_ticket_that_does_not_exist_is_refused(hall: Hall) -> None:
    kiosk = await hall.kiosk()
    with pytest.raises(RequestFailed) as caught:
        await kiosk.request("device_status", state="ok", ticket="Z999")
    assert caught.value.answer["code"] == "unknown_ticket"


async def test_a_ticket_called_before_the_limit_is_left_alone(hall: Hall) -> None:
    kiosk = await hall.kiosk()
    number = (await kiosk.request("issue", service="social", confirm=True))["ticket"]["number"]
    clerk = await hall.counter(1)
    assert (await clerk.request("call_next"))["ticket"]["number"] == number  # the visitor came anyway
    hall.clock.advance(LIMIT_S + 60)
    await hall.hub.check_warnings()
    assert hall.hub.state.ticket(number).state == "called"
    assert never_shown(hall.hub, "social") == 0


def test_the_rule_holds_across_a_server_restart(tmp_path: Path) -> None:
    live = LiveHall(tmp_path / "data")
    try:
        kiosk = live.run(live.hall.kiosk())
        unseen = live.run(kiosk.request("issue", service="social", confirm=True))["ticket"]["number"]
        shown = live.run(kiosk.request("issue", service="social", confirm=True))["ticket"]["number"]
        live.run(kiosk.request("device_status", state="fault", code="printer.out_of_paper", ticket=shown))
        live.clock.advance(60)
        live.restart()  # the server restarts in between: what it knows is rebuilt from the journal
        live.clock.advance(LIMIT_S)
        live.run(live.hall.hub.check_warnings())
        hub = live.hall.hub
        assert live.run(_state(hub, unseen)) == "cancelled"
        assert ("cancel", REASON) in live.run(_steps(hub, unseen))
        assert live.run(_state(hub, shown)) == "waiting"  # on the kiosk's screen: the visitor has it
        assert ("device_fault", "printer.out_of_paper") in live.run(_steps(hub, shown))
        assert never_shown(hub, "social") == 1
    finally:
        live.close()


# ---------------------------------------------------------------------------- the real kiosk
def test_the_kiosk_names_each_ticket_it_shows_and_one_it_gave_up_on_is_cancelled(
    request: pytest.FixtureRequest, qtbot: Any, live_hall: LiveHall
) -> None:
    printer = TcpPrinter(PAPER_OUT)  # nothing prints: the number is shown on screen
    request.addfinalizer(printer.close)
    kiosk = open_kiosk(request, printer=printer.spec, lang="en")
    window = kiosk.window
    tap_service(qtbot, kiosk, "social")
    result = wait_printed(qtbot, kiosk, "A001")
    assert not result.ok and window.confirm.print_state == "fault" and window.confirm.qr.isVisible()
    hub = live_hall.hall.hub
    qtbot.waitUntil(lambda: ("device_fault", "printer.out_of_paper") in live_hall.run(_steps(hub, "A001")))

    # The kiosk gives up on the next request before the answer comes (as when the server is slow
    # or the connection drops): the ticket was issued, and nobody ever sees its number.  The
    # server's loop is held up for a moment, longer than the kiosk waits.
    window.issue_timeout_ms = 300
    live_hall._loop.call_soon_threadsafe(time.sleep, 1.5)
    tap_service(qtbot, kiosk, "social")
    qtbot.waitUntil(lambda: window.issuing is None)
    qtbot.waitUntil(lambda: live_hall.run(_exists(hub, "A002")))
    qtbot.wait(300)
    assert kiosk.results == [("A001", result)]  # nothing printed or shown for A002
    live_hall.clock.advance(LIMIT_S + 1)
    live_hall.run(hub.check_warnings())
    assert live_hall.run(_state(hub, "A002")) == "cancelled"
    assert live_hall.run(_state(hub, "A001")) == "waiting"


async def _steps(hub: Any, number: str) -> list[tuple[str, str]]:
    return steps(hub, number)


async def _exists(hub: Any, number: str) -> bool:
    return number.upper() in hub.state.by_number


async def _state(hub: Any, number: str) -> str:
    return str(hub.state.ticket(number).state)


# The browser last: Playwright's sync API holds an event loop the async tests above cannot share.
def test_the_console_journey_shows_a_ticket_handed_out_and_one_seen_by_nobody(live_hall: LiveHall, page: Page) -> None:
    hub = live_hall.hall.hub
    kiosk = live_hall.run(live_hall.hall.kiosk())
    shown = live_hall.run(kiosk.request("issue", service="social", confirm=True))["ticket"]["number"]
    unseen = live_hall.run(kiosk.request("issue", service="social", confirm=True))["ticket"]["number"]
    live_hall.run(kiosk.request("device_status", state="ok", ticket=shown))
    live_hall.clock.advance(LIMIT_S + 1)
    live_hall.run(hub.check_warnings())
    sign_in(page, live_hall)
    signed_in(page)
    rows = page.locator("#journey-rows tr")
    for number, actions, last_reason in (
        (shown, ["取号", "已出票"], "kiosk-1"),
        (unseen, ["取号", "取消"], "无人看到此号(取号机未出示),已自动取消"),
    ):
        page.fill("#journey-number", number)
        page.click("#journey-form button[type=submit]")
        expect(page.locator("#journey-summary")).to_contain_text(number)
        expect(rows).to_have_count(len(actions))
        for i, action in enumerate(actions):
            expect(rows.nth(i).locator("td.action")).to_have_text(action)
        expect(rows.nth(len(actions) - 1).locator("td").nth(4)).to_have_text(last_reason)
