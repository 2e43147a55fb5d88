"""The kiosk when the printer fails: the number stays valid and on screen with its QR code,
the fault reaches counters through the server, and a good print clears it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import LiveHall
from test_kiosk_ui_support import (
    clipped_labels,
    open_kiosk,
    shoot,
    tap,
    tap_service,
    wait_printed,
)
from test_printing_support import PAPER_LOW, PAPER_OUT, READY, TcpPrinter, free_port

from hallcall.kiosk.virtual_printer import decode

pytestmark = pytest.mark.timeout(60)


def counter_events(hall: LiveHall) -> list[dict[str, Any]]:
    """A clerk signed in at counter 2: every message the server sends it from now on."""
    client = hall.run(hall.hall.counter(2, "cat"))
    seen: list[dict[str, Any]] = []
    client.listeners.append(seen.append)
    return seen


def device_reports(seen: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(m["data"]["state"], m["data"]["detail"]) for m in seen if m.get("topic") == "devices"]


def test_paper_out_shows_the_number_and_reports_the_fault_until_a_good_print(
    request: pytest.FixtureRequest, qtbot: Any, live_hall: LiveHall
) -> None:
    printer = TcpPrinter(PAPER_OUT)
    request.addfinalizer(printer.close)
    seen = counter_events(live_hall)
    kiosk = open_kiosk(request, printer=printer.spec, lang="en")
    window = kiosk.window
    # The kiosk asks the printer at start: staff hear of the paper before a visitor does.
    qtbot.waitUntil(lambda: bool(device_reports(seen)), timeout=5000)
    assert device_reports(seen) == [("fault", "printer out of paper")]
    assert "out of paper" in window.start_screen.staff_line.text()
    tap_service(qtbot, kiosk, "social")
    qtbot.waitUntil(lambda: window.confirm.ticket is not None, timeout=5000)
    result = wait_printed(qtbot, kiosk, "A001")
    assert not result.ok and result.state == "paper_out"
    confirm = window.confirm
    assert confirm.print_state == "fault"
    assert confirm.number.text() == "A001"
    assert confirm.qr.isVisible() and not confirm.qr.pixmap().isNull()
    assert "guide desk" in confirm.print_line.text()
    assert clipped_labels(window) == []
    shoot(window, "kiosk-fallback-en-1920x1080")
    assert printer.job_bytes() == b""  # nothing was sent to a printer without paper
    qtbot.waitUntil(lambda: len(device_reports(seen)) == 2, timeout=5000)
    assert device_reports(seen)[-1] == ("fault", "printer out of paper; ticket not printed")
    assert "out of paper" in window.start_screen.staff_line.text()
    tap(qtbot, confirm)

    printer.answer = None  # switched off and on again: it takes bytes but says nothing
    tap_service(qtbot, kiosk, "social")
    result = wait_printed(qtbot, kiosk, "A002")
    # No answer after the job is no proof it printed: the number and QR code stay on screen.
    assert not result.ok and result.state == "timeout"
    assert window.confirm.print_state == "fault" and window.confirm.qr.isVisible()
    qtbot.waitUntil(lambda: len(device_reports(seen)) == 3, timeout=5000)
    assert device_reports(seen)[-1][0] == "fault" and "did not confirm" in device_reports(seen)[-1][1]
    tap(qtbot, window.confirm)

    printer.answer = READY  # staff put paper in
    tap_service(qtbot, kiosk, "social")
    assert wait_printed(qtbot, kiosk, "A003").ok
    assert window.confirm.print_state == "printed" and not window.confirm.qr.isVisible()
    qtbot.waitUntil(lambda: device_reports(seen)[-1] == ("ok", ""), timeout=5000)
    assert window.start_screen.staff_line.text().startswith("QR links point at this PC (127.0.0.1)")  # no public_url
    assert printer.wait_for(lambda received: received.count(b"A003") >= 1)
    assert [line.text.strip() for line in decode(printer.job_bytes()).lines].count("A003") == 1


def test_paper_running_low_prints_and_tells_staff(
    request: pytest.FixtureRequest, qtbot: Any, live_hall: LiveHall
) -> None:
    printer = TcpPrinter(PAPER_LOW)
    request.addfinalizer(printer.close)
    seen = counter_events(live_hall)
    kiosk = open_kiosk(request, printer=printer.spec, lang="en")
    tap_service(qtbot, kiosk, "social")
    result = wait_printed(qtbot, kiosk, "A001")
    assert result.ok and result.state == "paper_low"
    assert kiosk.window.confirm.print_state == "printed"
    assert kiosk.window.start_screen.staff_line.text() == "Printer: printed; printer paper running low"
    qtbot.waitUntil(lambda: ("ok", "printed; printer paper running low") in device_reports(seen), timeout=5000)
    assert device_reports(seen) == [("ok", "printer paper running low"), ("ok", "printed; printer paper running low")]


def test_an_unreachable_printer_falls_back_to_the_screen(
    request: pytest.FixtureRequest, qtbot: Any, live_hall: LiveHall
) -> None:
    seen = counter_events(live_hall)
    # Nobody listens there: a wrong address in the config.
    kiosk = open_kiosk(request, printer=f"network:127.0.0.1:{free_port()}", lang="zh")
    tap_service(qtbot, kiosk, "tax")
    result = wait_printed(qtbot, kiosk, "B001")
    assert result.state == "unreachable"
    assert kiosk.window.confirm.print_state == "fault"
    assert kiosk.window.confirm.number.text() == "B001"
    qtbot.waitUntil(lambda: bool(device_reports(seen)), timeout=5000)
    assert device_reports(seen)[0][0] == "fault" and "refused the connection" in device_reports(seen)[0][1]
    assert "打印机故障" in kiosk.window.start_screen.staff_line.text()


def test_a_printer_setting_that_cannot_work_is_shown_to_staff(
    request: pytest.FixtureRequest, qtbot: Any, live_hall: LiveHall
) -> None:
    seen = counter_events(live_hall)
    kiosk = open_kiosk(request, printer="serail:/dev/ttyUSB0", lang="en")
    window = kiosk.window
    assert window.start_screen.staff_line.text().startswith("Printer setting is wrong (printer spec 'serail:")
    assert window.worker is None
    qtbot.waitUntil(lambda: bool(device_reports(seen)), timeout=5000)
    assert device_reports(seen)[0][0] == "fault" and "serail" in device_reports(seen)[0][1]
    # The kiosk keeps issuing: the number is on screen, with its QR code.
    tap_service(qtbot, kiosk, "social")
    qtbot.waitUntil(lambda: window.confirm.ticket is not None, timeout=5000)
    assert window.confirm.print_state == "fault"
    assert window.confirm.qr.isVisible()


def test_without_a_printer_the_ticket_is_on_screen_only(
    request: pytest.FixtureRequest, qtbot: Any, live_hall: LiveHall
) -> None:
    seen = counter_events(live_hall)
    kiosk = open_kiosk(request, printer="none", lang="en")
    window = kiosk.window
    tap_service(qtbot, kiosk, "consult")
    qtbot.waitUntil(lambda: window.confirm.ticket is not None, timeout=5000)
    assert window.confirm.print_state == "none"
    assert window.confirm.qr.isVisible()
    assert window.confirm.print_line.text().startswith("This kiosk prints no tickets")
    assert window.start_screen.staff_line.text().startswith("QR links point at this PC (127.0.0.1)")  # no public_url
    assert window.reported is None  # no printer is a setting, not a fault to report
    # The visitor has the number on screen: the kiosk names the ticket to the server, as "ok".
    qtbot.waitUntil(lambda: device_reports(seen) == [("ok", "")], timeout=5000)


def test_a_slow_printer_does_not_hold_the_screen(request: pytest.FixtureRequest, qtbot: Any) -> None:
    # A printer that never answers its status query holds the print worker for the whole
    # print timeout; the confirmation is up before the printer's outcome is known, and then
    # falls back to the screen (nothing proves the ticket came out).
    printer = TcpPrinter(None)
    request.addfinalizer(printer.close)
    kiosk = open_kiosk(request, printer=printer.spec)
    tap_service(qtbot, kiosk, "social")
    qtbot.waitUntil(lambda: kiosk.window.confirm.ticket is not None, timeout=5000)
    assert kiosk.window.confirm.print_state == "printing"
    assert kiosk.results == []
    result = wait_printed(qtbot, kiosk, "A001")
    assert not result.ok and result.state == "timeout"
    assert kiosk.window.confirm.print_state == "fault"
    assert printer.wait_for(lambda received: b"A001" in received, timeout=3)


def test_a_missing_printer_is_named_before_the_first_visitor(
    request: pytest.FixtureRequest, qtbot: Any, live_hall: LiveHall, tmp_path: Path
) -> None:
    seen = counter_events(live_hall)
    kiosk = open_kiosk(request, printer=f"serial:{tmp_path}/ttyUSB9", lang="en")
    # Nobody has tapped yet: the status query at start found no such port.
    qtbot.waitUntil(lambda: bool(device_reports(seen)), timeout=5000)
    assert device_reports(seen) == [("fault", f"serial port {tmp_path}/ttyUSB9 does not exist")]
    assert kiosk.window.start_screen.staff_line.text().endswith("ttyUSB9 does not exist")
    assert kiosk.results == []
    assert kiosk.window.service_button("social").isEnabled()  # issuing goes on, on screen


def test_a_printer_fault_is_told_again_to_a_restarted_server(
    request: pytest.FixtureRequest, qtbot: Any, live_hall: LiveHall
) -> None:
    # The kiosk tells a restarted server its printer's fault again (a server on a fresh
    # database would not know it otherwise), and counters see the kiosk's one fault.
    printer = TcpPrinter(PAPER_OUT)
    request.addfinalizer(printer.close)
    kiosk = open_kiosk(request, printer=printer.spec, lang="en")
    answers: list[dict[str, Any]] = []
    kiosk.link.answered.connect(lambda _rid, answer: answers.append(answer))
    qtbot.waitUntil(lambda: len(answers) == 1, timeout=5000)  # the report of the status query at start
    assert kiosk.window.reported == {"state": "fault", "code": "printer.out_of_paper", "detail": "printer out of paper"}
    live_hall.restart()
    qtbot.waitUntil(lambda: len(answers) == 2, timeout=8000)  # the same report, to the new server
    assert answers[-1]["type"] == "result"
    counter = live_hall.run(live_hall.hall.counter(2, "cat"))
    devices = counter.snapshot["devices"]
    assert [(d["role"], d["state"], d["detail"]) for d in devices] == [("kiosk", "fault", "printer out of paper")]


def test_a_ticket_through_a_printer_that_is_back_ends_a_connection_fault(
    request: pytest.FixtureRequest, qtbot: Any, live_hall: LiveHall
) -> None:
    seen = counter_events(live_hall)
    port = free_port()
    kiosk = open_kiosk(request, printer=f"network:127.0.0.1:{port}", lang="en")
    qtbot.waitUntil(lambda: bool(device_reports(seen)), timeout=5000)
    assert device_reports(seen)[0][0] == "fault" and "refused the connection" in device_reports(seen)[0][1]
    printer = TcpPrinter(READY, port=port)  # switched on again
    request.addfinalizer(printer.close)
    tap_service(qtbot, kiosk, "social")
    result = wait_printed(qtbot, kiosk, "A001")
    assert result.ok and result.state == "ok"
    # The ticket went through the connection that was refused: that fault is over.
    qtbot.waitUntil(lambda: len(device_reports(seen)) == 2, timeout=5000)
    assert device_reports(seen)[-1] == ("ok", "")
    assert kiosk.window.start_screen.staff_line.text().startswith("QR links point at this PC")  # no public_url
