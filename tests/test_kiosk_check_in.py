"""Appointment check-in at the kiosk, offscreen: the code typed on the keys or by a scanner,
the phone's last four with several matches to pick from, a refusal said in both languages, and
a visitor too late for the slot taking a normal ticket of the same service from a real server.
Screenshots in both languages go to /tmp/hallcall-check-in-*.png for a person to look at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import LiveHall
from PySide6.QtCore import Qt
from test_kiosk_ui_support import clipped_labels, hall_config, open_kiosk, tap, wait_printed

from hallcall import protocol as p
from hallcall.i18n import error_text
from hallcall.kiosk.check_in_screen import CheckInScreen, request_fields
from hallcall.kiosk.text import T

pytestmark = pytest.mark.timeout(60)

SHOTS = Path("/tmp")


def _screen(qtbot: Any) -> tuple[CheckInScreen, list[dict[str, str]]]:
    screen = CheckInScreen()
    qtbot.addWidget(screen)
    screen.resize(1080, 1400)
    screen.show()
    asked: list[dict[str, str]] = []
    screen.check_in.connect(asked.append)
    return screen, asked


def test_typed_text_becomes_a_code_or_a_phones_last_four() -> None:
    assert request_fields(" k7m2pq9x ") == {"code": "K7M2PQ9X"}
    assert request_fields("5678") == {"phone_last4": "5678"}
    assert request_fields("K7M2PQ9") is None  # seven characters
    assert request_fields("K7M2PQ0X") is None  # 0 is never in a code
    assert request_fields("12345") is None


def test_code_on_the_keys_and_by_a_scanner(qtbot: Any) -> None:
    screen, asked = _screen(qtbot)
    for char in "K7M2PQ9X":
        tap(qtbot, screen.keys[char])
    tap(qtbot, screen.ok_button)
    assert asked == [{"code": "K7M2PQ9X"}]
    assert screen.message.text() == T("checking_in", "zh")
    screen.reset()
    # A USB scanner is a keyboard: the code's characters, then Enter.
    qtbot.keyClicks(screen, "abcd2345")
    qtbot.keyClick(screen, Qt.Key.Key_Return)
    assert asked[-1] == {"code": "ABCD2345"}
    screen.reset()
    qtbot.keyClicks(screen, "12")
    qtbot.keyClick(screen, Qt.Key.Key_Return)
    assert len(asked) == 2
    assert screen.message.text() == T("bad_code", "zh")


def test_phone_last_four_with_two_matches_picks_one(qtbot: Any) -> None:
    screen, asked = _screen(qtbot)
    screen.service_names = {"tax": {"zh": "税务", "en": "Tax"}}
    for digit in "5678":
        tap(qtbot, screen.keys[digit])
    tap(qtbot, screen.ok_button)
    assert asked == [{"phone_last4": "5678"}]
    matches = [
        {"code": "BBBB2222", "service": "tax", "start": "10:00", "end": "10:30", "name_masked": "李*"},
        {"code": "AAAA2222", "service": "tax", "start": "09:30", "end": "10:00", "name_masked": "张*"},
    ]
    screen.show_matches(matches)
    assert [b.text() for b in screen.match_buttons] == ["09:30–10:00  税务  张*", "10:00–10:30  税务  李*"]
    assert screen.message.text() == T("pick_booking", "zh")
    screen.set_lang("en")
    assert screen.match_buttons[0].text() == "09:30–10:00  Tax  张*"
    tap(qtbot, screen.match_buttons[1])
    assert asked[-1] == {"code": "BBBB2222"}
    assert screen.picked_service == "tax"


def test_too_late_takes_a_normal_ticket_of_the_booked_service(request: pytest.FixtureRequest, qtbot: Any) -> None:
    kiosk = open_kiosk(request)
    window = kiosk.window
    service = next(iter(window.start_screen.buttons))
    window.open_check_in()
    assert window.stack.currentWidget() is window.check_in
    screen = window.check_in
    qtbot.keyClicks(screen, "K7M2PQ9X")
    # The server's too_late refusal of that code (the check_in request itself is the server's part).
    screen.refuse("too_late", {"service": service})
    assert screen.offer_button.isVisible()
    name = screen.service_names[service]["zh"]
    assert screen.offer_button.text() == T("too_late_offer", "zh", service=name)
    window.set_lang("en")
    assert screen.offer_button.text() == T("too_late_offer", "en", service=screen.service_names[service]["en"])
    for lang in ("zh", "en"):
        window.set_lang(lang)
        qtbot.wait(50)  # the layout takes the new words in
        assert window.grab().save(str(SHOTS / f"hallcall-check-in-late-{lang}.png"))
    issued: list[Any] = []
    window.issued.connect(issued.append)
    tap(qtbot, screen.offer_button)
    qtbot.waitUntil(lambda: bool(issued), timeout=8000)
    assert issued[0].ticket.service == service
    assert issued[0].ticket.priority == "normal"
    assert window.stack.currentWidget() is window.confirm


# --------------------------------------------------------------------- against a real server
def _appointments(request: pytest.FixtureRequest) -> Any:
    """A kiosk on the test hall taking appointments for social security (30-minute slots, four
    places); the hall's clock stands at Monday 10:00, so a 10:30 slot may check in now."""
    tmp_path: Path = request.getfixturevalue("tmp_path")
    config = hall_config(
        tmp_path,
        replace={'id = "social"\n': 'id = "social"\nappointment_slot_minutes = 30\nappointment_quota = 4\n'},
        append="[appointments]\nenabled = true\nearly_minutes = 30\nlate_minutes = 15\n",
    )
    return open_kiosk(request, config=config)


def _book(hall: LiveHall, start: str, phone: str, name: str = "张三") -> dict[str, Any]:
    """A booking made by the supervisor on a visitor's behalf (the same request as the page's)."""
    assert hall.hall is not None
    supervisor = hall.run(hall.hall.supervisor())
    day = hall.run(_day(hall))
    return hall.run(supervisor.request("book", service="social", day=day, start=start, name=name, phone=phone))[
        "booking"
    ]


async def _day(hall: LiveHall) -> str:
    assert hall.hall is not None
    return str(hall.hall.hub.state.day)


def test_the_start_screen_offers_check_in_when_the_hall_takes_appointments(
    request: pytest.FixtureRequest, qtbot: Any
) -> None:
    if "appointment_slot_minutes" not in p.ServiceInfo.__struct_fields__:
        pytest.skip("the snapshot's services do not say yet which take appointments (docs/protocol.md 5.6 note)")
    kiosk = _appointments(request)
    button = kiosk.window.start_screen.appointment_button
    qtbot.waitUntil(button.isVisible, timeout=3000)
    assert button.text() == "我有预约"
    kiosk.window.set_lang("en")
    assert button.text() == "I have an appointment"
    tap(qtbot, button)
    assert kiosk.window.stack.currentWidget() is kiosk.window.check_in


def test_a_booking_code_checks_in_and_prints_an_appointment_ticket(request: pytest.FixtureRequest, qtbot: Any) -> None:
    kiosk = _appointments(request)
    window = kiosk.window
    booking = _book(kiosk.hall, "10:30", "13812345678")
    window.open_check_in()
    issued: list[Any] = []
    window.issued.connect(issued.append)
    qtbot.keyClicks(window.check_in, booking["code"].lower())  # a scanner: the code, then Enter
    qtbot.keyClick(window.check_in, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(issued), timeout=8000)
    ticket = issued[0].ticket
    assert ticket.priority == "appointment" and ticket.service == "social"
    assert window.stack.currentWidget() is window.confirm
    assert window.confirm.green.isVisible() and window.confirm.green.text() == "预约"
    assert wait_printed(qtbot, kiosk, ticket.number).state == "ok"
    printed = b"".join(f.read_bytes() for f in sorted(kiosk.printed.iterdir()))
    assert "预约".encode("gb18030") in printed
    for lang in ("zh", "en"):
        window.set_lang(lang)
        qtbot.wait(50)  # the layout takes the new words in
        assert clipped_labels(window.confirm) == []
        assert window.grab().save(str(SHOTS / f"hallcall-check-in-ticket-{lang}.png"))
    # The same code again: already checked in, said in the visitor's language.
    window.confirm.done.emit()
    window.open_check_in()
    qtbot.keyClicks(window.check_in, booking["code"])
    qtbot.keyClick(window.check_in, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.check_in.checking, timeout=5000)
    assert ticket.number in window.check_in.message.text()  # 这个预约已签到，号码 A001。


def test_phone_last_four_with_two_matches_then_the_picked_one(request: pytest.FixtureRequest, qtbot: Any) -> None:
    kiosk = _appointments(request)
    window = kiosk.window
    first = _book(kiosk.hall, "10:30", "13800005678", "李四")
    second = _book(kiosk.hall, "10:30", "13900005678", "王五")
    window.open_check_in()
    screen = window.check_in
    for digit in "5678":
        tap(qtbot, screen.keys[digit])
    tap(qtbot, screen.ok_button)
    qtbot.waitUntil(lambda: len(screen.match_buttons) == 2, timeout=5000)
    assert {b.text() for b in screen.match_buttons} == {"10:30–11:00  社保  李*", "10:30–11:00  社保  王*"}
    for lang in ("zh", "en"):
        window.set_lang(lang)
        qtbot.wait(50)  # the layout takes the new words in
        assert clipped_labels(screen) == []
        assert window.grab().save(str(SHOTS / f"hallcall-check-in-matches-{lang}.png"))
    issued: list[Any] = []
    window.issued.connect(issued.append)
    tap(qtbot, next(b for b in screen.match_buttons if "王" in b.text()))
    qtbot.waitUntil(lambda: bool(issued), timeout=8000)
    assert issued[0].ticket.priority == "appointment"
    kiosk_client = kiosk.hall.run(kiosk.hall.hall.kiosk())
    again = kiosk.hall.run(kiosk_client.call("check_in", code=second["code"]))
    assert again.get("code") == "already_checked_in" or again.get("data", {}).get("ticket"), again
    assert first["code"] != second["code"]


def test_too_early_and_too_late_in_both_languages(request: pytest.FixtureRequest, qtbot: Any) -> None:
    kiosk = _appointments(request)
    window = kiosk.window
    early = _book(kiosk.hall, "11:30", "13700001234")
    late = _book(kiosk.hall, "10:30", "13600004321")
    window.open_check_in()
    screen = window.check_in
    qtbot.keyClicks(screen, early["code"])
    qtbot.keyClick(screen, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not screen.checking, timeout=5000)
    assert "11:00" in screen.message.text()  # check-in opens 30 minutes before the slot
    window.set_lang("en")
    assert "11:00" in screen.message.text() and screen.message.text() == error_text(
        "too_early", "en", {"opens_at": "11:00"}
    )
    kiosk.hall.clock.advance(50 * 60)  # 10:50: past 10:30 + 15 minutes
    screen.reset()
    qtbot.keyClicks(screen, late["code"])
    qtbot.keyClick(screen, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not screen.checking, timeout=5000)
    assert screen.message.text() == error_text("too_late", "en")
    assert screen.offer_button.isVisible()
    if not screen.offer_service:  # the refusal did not name the service: the start screen
        tap(qtbot, screen.offer_button)
        assert window.stack.currentWidget() is window.start_screen
        window.open_check_in()
        screen.refuse("too_late", {"booking": late["code"]}, service="social")
    for lang in ("zh", "en"):
        window.set_lang(lang)
        qtbot.wait(50)  # the layout takes the new words in
        assert clipped_labels(screen) == []
        assert window.grab().save(str(SHOTS / f"hallcall-check-in-late-{lang}.png"))
    issued: list[Any] = []
    window.issued.connect(issued.append)
    tap(qtbot, screen.offer_button)
    qtbot.waitUntil(lambda: bool(issued), timeout=8000)
    assert issued[0].ticket.service == "social" and issued[0].ticket.priority == "normal"
