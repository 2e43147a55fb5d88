"""The kiosk program against a real server: a tap issues and prints a ticket; buttons follow
the queue; closed and used-up services cannot be pressed; a lost server disables issuing
until it is back."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import LiveHall
from test_kiosk_ui_support import (
    hall_config,
    issue,
    open_kiosk,
    other_kiosk,
    server_ticket,
    tap,
    tap_service,
    wait_printed,
)

from hallcall.client import RequestFailed
from hallcall.gui.link import HallLink
from hallcall.kiosk.app import KioskWindow
from hallcall.kiosk.virtual_printer import decode

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize(
    ("lang", "service_name", "hall_name", "ahead_word"),
    [("zh", "社保", "测试大厅", "您是下一位"), ("en", "Social security", "Test Hall", "You are next")],
)
def test_a_tap_issues_shows_and_prints_the_ticket(
    request: pytest.FixtureRequest,
    qtbot: Any,
    live_hall: LiveHall,
    lang: str,
    service_name: str,
    hall_name: str,
    ahead_word: str,
) -> None:
    kiosk = open_kiosk(request, lang=lang)
    tap_service(qtbot, kiosk, "social")
    window = kiosk.window
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.confirm, timeout=5000)
    assert window.confirm.number.text() == "A001"
    assert window.confirm.service.text() == service_name
    assert window.confirm.materials.text() == ("• 身份证" if lang == "zh" else "• ID card")

    result = wait_printed(qtbot, kiosk, "A001")
    assert result.ok, result.detail
    assert window.confirm.print_state == "printed"
    assert not window.confirm.qr.isVisible()
    ticket = decode((kiosk.printed / "A001.bin").read_bytes())
    lines = [line.text.strip() for line in ticket.lines]
    assert "A001" in lines
    assert service_name in lines
    assert hall_name in lines
    assert ahead_word in lines
    day = server_ticket(live_hall, "A001")
    assert day["service"] == "social" and day["state"] == "waiting"
    # The status page, with the key from the issue answer that makes it this ticket holder's.
    [payload] = ticket.qr_payloads
    assert re.fullmatch(re.escape(f"{live_hall.http_url}/t/2026-11-23/A001") + r"\?k=[\w-]+", payload), payload

    tap(qtbot, window.confirm)
    assert window.stack.currentWidget() is window.start_screen


def test_the_confirmation_goes_back_by_itself(request: pytest.FixtureRequest, qtbot: Any, tmp_path: Path) -> None:
    kiosk = open_kiosk(request, config=hall_config(tmp_path, append="[kiosk]\nconfirm_seconds = 2\n"))
    window = kiosk.window
    tap_service(qtbot, kiosk, "consult")
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.confirm, timeout=5000)
    wait_printed(qtbot, kiosk, "C001")
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.start_screen, timeout=4000)
    assert window.confirm.ticket is None


def test_a_double_tap_issues_one_ticket(request: pytest.FixtureRequest, qtbot: Any, live_hall: LiveHall) -> None:
    kiosk = open_kiosk(request)
    button = kiosk.window.service_button("social")
    tap(qtbot, button)
    tap(qtbot, button)
    kiosk.window.issue("social")  # even a tap that reached the window directly
    qtbot.waitUntil(lambda: kiosk.window.confirm.ticket is not None, timeout=5000)
    wait_printed(qtbot, kiosk, "A001")
    client = other_kiosk(live_hall)
    assert live_hall.run(client.call("ticket", number="A002"))["code"] == "unknown_ticket"
    assert sorted(p.name for p in kiosk.printed.glob("*.bin")) == ["A001.bin"]


def test_waiting_counts_follow_the_queue(request: pytest.FixtureRequest, qtbot: Any, live_hall: LiveHall) -> None:
    kiosk = open_kiosk(request, lang="en")
    info = kiosk.window.service_button("tax").info
    assert info.text().startswith("0 waiting")
    client = other_kiosk(live_hall)
    for _ in range(3):
        issue(live_hall, client, "tax")
    qtbot.waitUntil(lambda: info.text().startswith("3 waiting"), timeout=5000)
    assert "min" in info.text()


def test_closed_and_used_up_services_cannot_be_pressed(
    request: pytest.FixtureRequest, qtbot: Any, tmp_path: Path
) -> None:
    config = hall_config(
        tmp_path, replace={"priority_allowed = false": 'priority_allowed = false\nissuing_hours = ["07:00-08:00"]'}
    )
    kiosk = open_kiosk(request, config=config, lang="zh")
    window, hall = kiosk.window, kiosk.hall
    consult, tax = window.service_button("consult"), window.service_button("tax")
    assert not consult.isEnabled()
    assert consult.info.text() == "今日已停止取号"  # its only hours (07:00-08:00) are over at 10:00
    client = other_kiosk(hall)
    for _ in range(5):  # the test hall's daily cap for tax
        issue(hall, client, "tax")
    qtbot.waitUntil(lambda: not tax.isEnabled(), timeout=5000)
    assert tax.info.text() == "今日号已发完"
    tap(qtbot, tax)
    tap(qtbot, consult)
    assert window.issuing is None and window.stack.currentWidget() is window.start_screen

    # The server is the judge: had the kiosk offered the button, its refusal is shown.
    window.issue("consult")
    qtbot.waitUntil(lambda: window.start_screen.banner.isVisible() and window.issuing is None, timeout=5000)
    assert window.start_screen.banner.text() == "该业务现在不取号。"
    assert window.stack.currentWidget() is window.start_screen
    window.set_lang("en")
    assert window.start_screen.banner.text() == "This service is not issuing tickets now."
    assert tax.info.text() == "No more numbers today"
    assert consult.info.text() == "Closed for today"


def test_issuing_hours_are_the_servers(request: pytest.FixtureRequest, qtbot: Any, tmp_path: Path) -> None:
    """Tax issues in hours of its own, social in the hall's: the kiosk offers each exactly
    when the server issues it, from the hours the server sent (it keeps none of its own).
    A closed button says when it issues again today, or that it is closed for today, and
    never promises a wait (the server still estimates one for the tickets already issued)."""
    config = hall_config(
        tmp_path,
        replace={
            'opening_hours = ["00:00-24:00"]': 'opening_hours = ["08:00-12:00", "13:00-18:00"]',
            "daily_cap = 5": 'daily_cap = 5\nissuing_hours = ["13:00-14:00"]',
        },
    )
    kiosk = open_kiosk(request, config=config, lang="zh")  # Monday 10:00
    window, hall = kiosk.window, kiosk.hall
    mirror = window.mirror
    assert mirror.service_info("tax").issuing_hours == ["13:00-14:00"]  # type: ignore[union-attr]
    assert mirror.service_info("social").issuing_hours == ["08:00-12:00", "13:00-18:00"]  # type: ignore[union-attr]
    social, tax = window.service_button("social"), window.service_button("tax")
    assert social.isEnabled() and not tax.isEnabled() and tax.info.text() == "13:00 起取号"
    client = other_kiosk(hall)
    with pytest.raises(RequestFailed, match="service_closed"):
        issue(hall, client, "tax")  # the server says the same
    for _ in range(3):
        issue(hall, client, "social")
    qtbot.waitUntil(lambda: social.info.text().startswith("等候 3 人"), timeout=5000)
    assert "分钟" in social.info.text()
    steps = (  # minutes on, then what social and tax say (None: open, with the queue and wait)
        (2 * 60 + 30, "13:00 起取号", "13:00 起取号"),  # 12:30, lunch
        (35, None, None),  # 13:05
        (60, None, "今日已停止取号"),  # 14:05
        (4 * 60, "今日已停止取号", "今日已停止取号"),  # 18:05
    )
    for minutes, social_says, tax_says in steps:
        hall.clock.advance(minutes * 60)
        hall.restart()  # a fresh snapshot brings the server's time
        qtbot.waitUntil(lambda: kiosk.link.connected and abs(mirror.now() - hall.clock.t) < 60, timeout=8000)
        for button, says in ((social, social_says), (tax, tax_says)):
            assert button.isEnabled() == (says is None), minutes
            if says is None:
                assert "等候" in button.info.text() and "不取号" not in button.info.text(), minutes
            else:
                assert button.info.text() == says, minutes
        if social_says is not None:
            assert "分钟" not in social.info.text() and "等候" not in social.info.text()
        if minutes == 2 * 60 + 30:
            assert mirror.services["social"].estimated_wait_s > 0  # the server's estimate, not shown
            window.set_lang("en")
            assert (social.info.text(), tax.info.text()) == ("From 13:00", "From 13:00")
            window.set_lang("zh")
    window.set_lang("en")
    assert (social.info.text(), tax.info.text()) == ("Closed for today", "Closed for today")


def test_a_lost_server_disables_issuing_until_it_is_back(
    request: pytest.FixtureRequest, qtbot: Any, live_hall: LiveHall
) -> None:
    kiosk = open_kiosk(request, lang="en")
    window = kiosk.window
    button = window.service_button("social")
    assert button.isEnabled() and not window.start_screen.banner.isVisible()
    live_hall.stop()
    qtbot.waitUntil(lambda: not button.isEnabled(), timeout=5000)
    assert window.start_screen.banner.isVisible()
    assert window.start_screen.banner.text().startswith("Cannot reach the server")
    assert "reconnecting" in window.header.badge.text()
    tap(qtbot, button)
    assert window.issuing is None

    live_hall.start()
    qtbot.waitUntil(lambda: button.isEnabled(), timeout=8000)
    assert not window.start_screen.banner.isVisible()
    tap(qtbot, button)
    qtbot.waitUntil(lambda: window.confirm.ticket is not None, timeout=5000)
    assert window.confirm.number.text() == "A001"


def test_the_language_switch_is_one_tap_away(request: pytest.FixtureRequest, qtbot: Any) -> None:
    kiosk = open_kiosk(request, lang="zh")
    window = kiosk.window
    assert window.start_screen.prompt.text() == "请选择业务取号"
    assert window.header.lang_button.text() == "English"
    tap(qtbot, window.header.lang_button)
    assert window.start_screen.prompt.text() == "Please choose a service"
    assert window.service_button("social").name.text() == "Social security"
    assert window.header.lang_button.text() == "中文"
    assert window.header.hall_name.text() == "Test Hall"
    # The clock reads the server's Monday 10:00 in the hall's time zone, named by our own
    # tables (never by the PC's locale).
    assert window.header.clock.text() == "Mon 23 Nov  10:00"
    window.set_lang("zh")
    assert window.header.clock.text() == "11月23日 星期一  10:00"
    window.set_lang("en")
    # The ticket is issued and printed in the language chosen at the tap.
    tap_service(qtbot, kiosk, "social")
    qtbot.waitUntil(lambda: window.confirm.ticket is not None, timeout=5000)
    assert window.confirm.your_number.text() == "Your number"
    wait_printed(qtbot, kiosk, "A001")
    lines = [line.text.strip() for line in decode((kiosk.printed / "A001.bin").read_bytes()).lines]
    assert "Social security" in lines


def test_the_next_visitor_starts_in_the_halls_language(request: pytest.FixtureRequest, qtbot: Any) -> None:
    kiosk = open_kiosk(request, lang="zh", lang_idle_seconds=0.5)
    window = kiosk.window
    # A visitor switches to English, takes a ticket and goes: the start screen is Chinese again.
    tap(qtbot, window.header.lang_button)
    tap_service(qtbot, kiosk, "social")
    qtbot.waitUntil(lambda: window.confirm.ticket is not None, timeout=5000)
    assert window.confirm.your_number.text() == "Your number"
    tap(qtbot, window.confirm)
    assert window.stack.currentWidget() is window.start_screen
    assert window.start_screen.prompt.text() == "请选择业务取号"
    # One who switches and walks away without a ticket: after a while without a touch.
    tap(qtbot, window.header.lang_button)
    assert window.start_screen.prompt.text() == "Please choose a service"
    qtbot.waitUntil(lambda: window.start_screen.prompt.text() == "请选择业务取号", timeout=3000)
    assert window.header.lang_button.text() == "English"


def test_the_hall_chooses_the_first_language(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    config = hall_config(tmp_path, replace={'languages = ["zh", "en"]': 'languages = ["en", "zh"]'})
    kiosk = open_kiosk(request, lang=None, config=config)
    assert kiosk.window.start_screen.prompt.text() == "Please choose a service"
    assert kiosk.window.header.lang_button.text() == "中文"


def test_no_staff_corner_without_a_staff_pin(request: pytest.FixtureRequest) -> None:
    kiosk = open_kiosk(request)
    assert not kiosk.window.start_screen.staff_button.isVisible()
    kiosk.window.open_pin_pad()
    assert kiosk.window.stack.currentWidget() is kiosk.window.start_screen


def test_the_hall_config_chooses_the_printer_and_the_ticket_layout(
    request: pytest.FixtureRequest, qtbot: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "from-config"
    settings = f'[kiosk]\nprinter = "virtual:{folder}"\npaper_mm = 58\nencoding = "image"\nqr = "none"\n'
    kiosk = open_kiosk(request, printer=None, lang="zh", config=hall_config(tmp_path, append=settings))
    tap_service(qtbot, kiosk, "social")
    assert wait_printed(qtbot, kiosk, "A001").ok
    ticket = decode((folder / "A001.bin").read_bytes())
    assert ticket.qr_payloads == []  # qr = "none"
    assert ticket.images and max(image.image.width for image in ticket.images) <= 384  # 58 mm paper
    assert "A001" in [line.text.strip() for line in ticket.lines]  # ASCII stays text


def test_a_kiosk_the_server_does_not_know_says_so(request: pytest.FixtureRequest, qtbot: Any) -> None:
    live_hall = request.getfixturevalue("live_hall")
    link = HallLink(live_hall.url, {"role": "kiosk", "token": "not-a-kiosk-token"})
    window = KioskWindow(link, printer="none", lang="en")
    qtbot.addWidget(window)
    request.addfinalizer(link.stop)
    request.addfinalizer(window.shutdown)
    link.start()
    qtbot.waitUntil(lambda: link.state == "refused", timeout=8000)
    assert window.start_screen.banner.text() == "This kiosk may not issue tickets; please call staff"
    assert "does not accept this device's token" in window.start_screen.staff_line.text()
    assert window.start_screen.buttons == {}


def test_a_tap_the_server_does_not_answer_in_time_is_dropped_with_a_message(
    request: pytest.FixtureRequest, qtbot: Any, live_hall: LiveHall
) -> None:
    kiosk = open_kiosk(request, lang="en")
    window = kiosk.window
    window.issue_timeout_ms = 300
    # The server's event loop is stuck for a moment: the request is sent but not answered.
    live_hall._loop.call_soon_threadsafe(time.sleep, 1.5)
    tap_service(qtbot, kiosk, "social")
    qtbot.waitUntil(lambda: window.issuing is None, timeout=3000)
    assert window.start_screen.banner.text().startswith("No ticket could be issued")
    assert window.service_button("social").isEnabled()
    # The late answer (the server did issue A001) does not pop up a ticket for nobody.
    qtbot.wait(2000)
    assert window.stack.currentWidget() is window.start_screen
    assert window.confirm.ticket is None
