"""Devices tell the truth about themselves, driven at the hardware boundary.

* A network printer that accepts the connection and never reads: a ~400 B text ticket fits in
  the socket buffers, yet nothing printed.  The visitor gets the on-screen fallback (number and
  QR code) and the server a fault, for every visitor, not "take your printed ticket".
* A serial printer (a pty) unplugged while the kiosk is idle is reported without a tap.
* A kiosk or display restarted and working clears the fault the server kept from before.
* The speech worker, driven as the display drives it (a pair of utterances at a time, a fresh
  engine each), speaks every utterance at the configured rate: the WAVs are measured.
"""

from __future__ import annotations

import shutil
import statistics
import wave
from pathlib import Path
from typing import Any

import pytest
from conftest import DISPLAY_1F, LiveHall, collect
from test_kiosk_ui_support import hall_config, open_kiosk, tap, tap_service, wait_printed
from test_printing_support import PAPER_OUT, READY, PtyPrinter, TcpPrinter

from hallcall.display.announcer import WORKER_COMMAND, SpeechProcess
from hallcall.display.app import DisplayApp
from hallcall.display.playback import ProcessPlayer

pytestmark = pytest.mark.timeout(90)


def devices_of(hall: LiveHall) -> dict[str, dict[str, Any]]:
    """The server's device list as a freshly signed-in supervisor reads it: name → report."""
    sup = hall.run(hall.hall.supervisor())
    return {d["device"]: d for d in sup.snapshot["devices"]}


def reports(seen: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(m["data"]["state"], m["data"]["code"]) for m in seen if m.get("topic") == "devices"]


# ---------------------------------------------------------------------------- the printer
def test_a_network_printer_that_never_reads_prints_nothing_and_every_visitor_keeps_the_number(
    request: pytest.FixtureRequest, qtbot: Any, tmp_path: Path
) -> None:
    printer = TcpPrinter(None, reads=False)
    request.addfinalizer(printer.close)
    config = hall_config(tmp_path, append="[kiosk]\nprint_timeout_seconds = 1.0\nprinter_check_seconds = 0\n")
    kiosk = open_kiosk(request, printer=printer.spec, lang="en", config=config)
    window, hall = kiosk.window, kiosk.hall
    seen = collect(hall.run(hall.hall.supervisor()))
    for number in ("A001", "A002"):
        tap_service(qtbot, kiosk, "social")
        qtbot.waitUntil(lambda n=number: window.confirm.ticket is not None and window.confirm.ticket.number == n)
        result = wait_printed(qtbot, kiosk, number)
        assert (result.ok, result.state) == (False, "timeout"), result
        # The text ticket went into the socket's buffers, which proves nothing.
        assert window.confirm.print_state == "fault"
        assert window.confirm.qr.isVisible() and not window.confirm.qr.pixmap().isNull()
        assert "could not be printed" in window.confirm.print_line.text()
        tap(qtbot, window.confirm)
    assert printer.connections, "the kiosk did connect: the printer accepted"
    qtbot.waitUntil(lambda: ("fault", "printer.not_responding") in reports(seen), timeout=5000)
    kiosk_report = devices_of(hall)["kiosk-1"]
    assert (kiosk_report["state"], kiosk_report["code"]) == ("fault", "printer.not_responding")
    assert "Printer" in window.start_screen.staff_line.text()


def test_an_unplugged_serial_printer_is_reported_while_the_kiosk_is_idle(
    request: pytest.FixtureRequest, qtbot: Any, tmp_path: Path
) -> None:
    printer = PtyPrinter(READY)
    request.addfinalizer(printer.close)
    config = hall_config(tmp_path, append="[kiosk]\nprinter_check_seconds = 0.5\n")
    kiosk = open_kiosk(request, printer=f"serial:{printer.port}:115200", lang="en", config=config)
    hall = kiosk.hall
    # The kiosk's first report (ok, from its status query at start) has reached the server.
    qtbot.waitUntil(lambda: devices_of(hall).get("kiosk-1", {}).get("state") == "ok", timeout=5000)
    seen = collect(hall.run(hall.hall.supervisor()))
    queries = printer.received.count(b"\x10\x04\x01")
    qtbot.waitUntil(lambda: printer.received.count(b"\x10\x04\x01") >= queries + 2, timeout=5000)  # asked while idle
    assert reports(seen) == []  # a printer that stays well is not re-reported
    printer.unplug()
    # Nobody taps: the idle check finds it within a few seconds.
    qtbot.waitUntil(lambda: bool(reports(seen)), timeout=6000)
    state, code = reports(seen)[0]
    assert state == "fault" and code in ("printer.unreachable", "printer.not_responding", "printer.failed")
    assert kiosk.window.start_screen.staff_line.text().startswith("Printer")
    assert kiosk.results == []


def test_a_restarted_kiosk_whose_printer_works_clears_its_fault(
    request: pytest.FixtureRequest, qtbot: Any, live_hall: LiveHall
) -> None:
    empty = TcpPrinter(PAPER_OUT)
    request.addfinalizer(empty.close)
    first = open_kiosk(request, printer=empty.spec, lang="en")
    qtbot.waitUntil(lambda: devices_of(live_hall).get("kiosk-1", {}).get("state") == "fault", timeout=5000)
    first.window.shutdown()
    first.link.stop()
    loaded = TcpPrinter(READY)  # paper in; the kiosk PC restarted
    request.addfinalizer(loaded.close)
    open_kiosk(request, printer=loaded.spec, lang="en")
    qtbot.waitUntil(lambda: devices_of(live_hall)["kiosk-1"]["state"] == "ok", timeout=5000)
    assert devices_of(live_hall)["kiosk-1"]["code"] == ""


# ---------------------------------------------------------------------------- the display
def test_a_restarted_display_that_works_clears_its_sound_and_speech_faults(qtbot: Any, live_hall: LiveHall) -> None:
    before = live_hall.run(live_hall.hall.display())
    live_hall.run(before.request("device_status", state="fault", code="sound.output_failed", detail="sound: x"))
    assert devices_of(live_hall)["display-1"]["state"] == "fault"
    live_hall.run(before.close())  # the display PC restarts
    app = DisplayApp(live_hall.url, DISPLAY_1F["token"], player=ProcessPlayer(["true"]))  # sound plays, speech works
    app.link.min_backoff, app.link.max_backoff = 0.05, 0.3
    app.start()
    try:
        qtbot.waitUntil(lambda: devices_of(live_hall)["display-1"]["state"] == "ok", timeout=15000)
        assert app.announcer is not None and app.announcer.problems == {}
    finally:
        app.stop()


def test_a_restarted_display_whose_speech_works_but_sound_does_not_keeps_a_sound_fault(
    qtbot: Any, live_hall: LiveHall, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = live_hall.run(live_hall.hall.display())
    live_hall.run(before.request("device_status", state="fault", code="speech.engine_failed", detail="speech: x"))
    live_hall.run(before.close())
    monkeypatch.setattr(shutil, "which", lambda _name: None)  # this PC has no aplay and no sox
    app = DisplayApp(live_hall.url, DISPLAY_1F["token"], player=ProcessPlayer())
    app.link.min_backoff, app.link.max_backoff = 0.05, 0.3
    app.start()
    try:
        # Speech is back, but that does not hide that nothing can be heard.
        qtbot.waitUntil(lambda: devices_of(live_hall)["display-1"]["code"] == "sound.output_failed", timeout=15000)
        report = devices_of(live_hall)["display-1"]
        assert report["state"] == "fault" and "no WAV player" in report["detail"]
        assert "speech" not in report["detail"]
    finally:
        app.stop()


# ---------------------------------------------------------------------------- speech rate
# The same call spoken again and again, as the display asks for it: Chinese and English in a
# pair.  Syllables: 请 A 一 二 三 号 到 三 号 窗 口 办 理 = 13; "Ticket A one two three, please
# go to counter three" = 12.
PHRASES = {"cmn-latn-pinyin": ("请A123号到3号窗口办理", 13), "en": ("Ticket A123, please go to counter 3", 12)}


def _speak(speech: SpeechProcess, tmp_path: Path, rate: int, pairs: int, tag: str) -> dict[str, list[float]]:
    """Seconds per syllable of each utterance, by voice, spoken ``pairs`` times at ``rate``."""
    import time

    out: dict[str, list[float]] = {voice: [] for voice in PHRASES}
    for i in range(pairs):
        pending = []
        for voice, (text, _syllables) in PHRASES.items():
            path = tmp_path / f"{tag}-{i}-{voice}.wav"
            pending.append((voice, path, speech.submit(text, voice, rate, 1.0, path)))
        for voice, path, request_id in pending:
            error, _ = speech.result(request_id, time.monotonic() + 10)
            assert error is None, error
            with wave.open(str(path)) as w:
                out[voice].append(w.getnframes() / w.getframerate() / PHRASES[voice][1])
    return out


def test_every_utterance_is_spoken_at_the_configured_rate(tmp_path: Path) -> None:
    speech = SpeechProcess(WORKER_COMMAND, 10)
    try:
        default = _speak(speech, tmp_path, 200, 3, "default")  # pyttsx3's own default rate
        configured = _speak(speech, tmp_path, 150, 40, "configured")
    finally:
        speech.kill()
    for voice, lengths in configured.items():
        slow, fast = statistics.median(lengths), statistics.median(default[voice])
        assert slow > fast * 1.15, (voice, slow, fast)
        # Each of the 40: at the configured rate, none at the default (a 200-wpm utterance is
        # about a quarter shorter).
        odd = [round(x / slow, 3) for x in lengths if abs(x - slow) > 0.05 * slow]
        assert odd == [], f"{voice}: utterances off the configured rate (ratio to median): {odd}"
