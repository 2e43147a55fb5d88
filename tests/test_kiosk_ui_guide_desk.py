"""The guide desk behind the staff PIN, against a real server that alone knows the PIN: refusing
a wrong PIN (and locking the kiosk out after repeated ones), green-channel tickets with the
server's desk token, tickets for a chosen service, reprints by number, the PIN asked again when
the server's desk lapses, and closing itself when staff walk away."""

from __future__ import annotations

from typing import Any

import pytest
from test_kiosk_ui_support import (
    Kiosk,
    clipped_labels,
    hall_config,
    open_kiosk,
    server_ticket,
    shoot,
    tap,
    tap_service,
    wait_printed,
)

from hallcall.kiosk.virtual_printer import decode
from hallcall.server.auth import PIN_TRIES

pytestmark = pytest.mark.timeout(60)

PIN = "2468"


def desk_kiosk(request: pytest.FixtureRequest, **kw: Any) -> Kiosk:
    """A kiosk in a hall whose guide desk is open with PIN."""
    config = hall_config(request.getfixturevalue("tmp_path"), append=f'[kiosk]\nstaff_pin = "{PIN}"\n')
    return open_kiosk(request, config=config, **kw)


def enter_pin(qtbot: Any, kiosk: Kiosk, pin: str) -> None:
    """Type ``pin`` and tap OK; returns once the server has answered it."""
    pad = kiosk.window.pin_pad
    for digit in pin:
        tap(qtbot, pad.digit_keys[digit])
    tap(qtbot, pad.ok_button)
    qtbot.waitUntil(lambda: not pad.checking, timeout=10000)


def open_desk(qtbot: Any, kiosk: Kiosk) -> None:
    tap(qtbot, kiosk.window.start_screen.staff_button)
    enter_pin(qtbot, kiosk, PIN)
    assert kiosk.window.stack.currentWidget() is kiosk.window.desk


def test_a_wrong_pin_is_refused_and_the_right_one_opens_the_desk(request: pytest.FixtureRequest, qtbot: Any) -> None:
    kiosk = desk_kiosk(request, lang="zh")
    window = kiosk.window
    assert window.start_screen.staff_button.isVisible()
    assert window.mirror.device.guide_desk is True  # the server says there is a desk ...
    assert not hasattr(window.mirror.device, "staff_pin")  # ... and never what its PIN is
    assert not hasattr(window.mirror.hall.kiosk, "staff_pin")
    tap(qtbot, window.start_screen.staff_button)
    assert window.stack.currentWidget() is window.pin_pad
    enter_pin(qtbot, kiosk, "1357")
    assert window.stack.currentWidget() is window.pin_pad
    assert window.pin_pad.message.text() == "密码不正确"
    assert window.pin_pad.shown.text() == ""
    enter_pin(qtbot, kiosk, PIN)
    assert window.stack.currentWidget() is window.desk
    tap(qtbot, window.desk.exit_button)
    assert window.stack.currentWidget() is window.start_screen


def test_repeated_wrong_pins_lock_the_pad(request: pytest.FixtureRequest, qtbot: Any) -> None:
    kiosk = desk_kiosk(request, lang="en")
    tap(qtbot, kiosk.window.start_screen.staff_button)
    pad = kiosk.window.pin_pad
    enter_pin(qtbot, kiosk, "0000")
    assert pad.message.text() == "Wrong PIN"
    for digit in "0000":
        tap(qtbot, pad.digit_keys[digit])
    tap(qtbot, pad.ok_button)
    assert pad.message.text() == "Checking the PIN…"  # the server answers a second wrong PIN 0.25 s later
    qtbot.waitUntil(lambda: not pad.checking, timeout=10000)
    for _ in range(PIN_TRIES - 2):
        enter_pin(qtbot, kiosk, "0000")
    assert kiosk.window.pin_pad.message.text() == "Too many wrong tries; try again in 60 s"  # the server's lock
    enter_pin(qtbot, kiosk, PIN)  # even the right PIN waits out the pause
    assert kiosk.window.stack.currentWidget() is kiosk.window.pin_pad
    assert kiosk.window.desk_token is None


def test_the_desk_issues_a_green_channel_ticket(request: pytest.FixtureRequest, qtbot: Any) -> None:
    kiosk = desk_kiosk(request, lang="zh")
    window = kiosk.window
    open_desk(qtbot, kiosk)
    assert not window.desk.row("consult").green_button.isVisible()  # consult takes no priority
    assert clipped_labels(window) == []
    shoot(window, "kiosk-guide-desk-zh-1920x1080")
    assert window.desk_token  # the server's desk token, which every desk issue carries
    tap(qtbot, window.desk.row("social").green_button)
    qtbot.waitUntil(lambda: window.confirm.ticket is not None, timeout=5000)
    assert window.confirm.green.isVisible() and window.confirm.green.text() == "绿色通道"
    assert server_ticket(kiosk.hall, "A001")["priority"] == "green"
    wait_printed(qtbot, kiosk, "A001")
    assert "绿色通道" in decode((kiosk.printed / "A001.bin").read_bytes()).text
    tap(qtbot, window.confirm)
    assert window.stack.currentWidget() is window.desk  # staff carry on where they were
    assert window.desk.status.text() == "已取号 A001（社保）"


def test_the_desk_issues_for_a_chosen_service(request: pytest.FixtureRequest, qtbot: Any) -> None:
    kiosk = desk_kiosk(request, lang="en")
    open_desk(qtbot, kiosk)
    tap(qtbot, kiosk.window.desk.row("tax").issue_button)
    qtbot.waitUntil(lambda: kiosk.window.confirm.ticket is not None, timeout=5000)
    ticket = server_ticket(kiosk.hall, "B001")
    assert ticket["service"] == "tax" and ticket["priority"] == "normal"


def test_a_ticket_is_reprinted_by_number(request: pytest.FixtureRequest, qtbot: Any) -> None:
    kiosk = desk_kiosk(request, lang="zh")
    window = kiosk.window
    tap_service(qtbot, kiosk, "social")
    wait_printed(qtbot, kiosk, "A001")
    tap(qtbot, window.confirm)

    open_desk(qtbot, kiosk)
    desk = window.desk
    letter = next(desk.letter_keys.itemAt(i).widget() for i in range(desk.letter_keys.count()))
    assert letter.text() == "A"
    tap(qtbot, letter)
    for digit in "001":
        tap(qtbot, next(b for b in desk.findChildren(type(letter)) if b.text() == digit))
    assert desk.number_entry.text() == "A001"
    tap(qtbot, desk.reprint_button)
    assert wait_printed(qtbot, kiosk, "A001", times=2).ok
    assert desk.status.text() == "A001 已补打"
    again = decode((kiosk.printed / "A001-2.bin").read_bytes())
    assert "A001" in [line.text.strip() for line in again.lines]
    first = decode((kiosk.printed / "A001.bin").read_bytes())
    assert again.qr_payloads == first.qr_payloads and "?k=" in again.qr_payloads[0]  # the desk got the key
    assert window.stack.currentWidget() is desk

    desk.number_entry.setText("A009")
    tap(qtbot, desk.reprint_button)
    qtbot.waitUntil(lambda: "A009" in desk.status.text() and "补打" not in desk.status.text(), timeout=5000)
    assert desk.status.text() == "操作失败：今天没有A009号。"


def test_the_pin_is_asked_again_when_the_servers_desk_has_lapsed(request: pytest.FixtureRequest, qtbot: Any) -> None:
    kiosk = desk_kiosk(request, lang="en")
    window = kiosk.window
    open_desk(qtbot, kiosk)
    hub = kiosk.hall.hall.hub
    kiosk.hall.run(_lapse(hub))  # as after a server restart, or five minutes without a desk request
    tap(qtbot, window.desk.row("social").green_button)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.pin_pad, timeout=5000)
    assert window.pin_pad.message.text() == "Green-channel and guide-desk tickets need the guide-desk PIN first."
    enter_pin(qtbot, kiosk, PIN)
    assert window.stack.currentWidget() is window.desk
    tap(qtbot, window.desk.row("social").green_button)
    qtbot.waitUntil(lambda: window.confirm.ticket is not None, timeout=5000)
    assert server_ticket(kiosk.hall, "A001")["priority"] == "green"


async def _lapse(hub: Any) -> None:
    hub.desks.end_device("kiosk-1")


def test_the_desk_closes_itself_when_left_alone(request: pytest.FixtureRequest, qtbot: Any) -> None:
    kiosk = desk_kiosk(request, guide_idle_seconds=0.5)
    open_desk(qtbot, kiosk)
    qtbot.waitUntil(lambda: kiosk.window.stack.currentWidget() is kiosk.window.start_screen, timeout=3000)
    tap(qtbot, kiosk.window.start_screen.staff_button)
    assert kiosk.window.pin_pad.shown.text() == ""  # the PIN is asked again
    assert kiosk.window.stack.currentWidget() is kiosk.window.pin_pad
