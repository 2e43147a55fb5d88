"""What the clerk sees: a busy morning drawn in both languages, normal and compact, saved as
screenshots (build/screenshots/counter-*.png); the compact bar's shape and its buttons; the CLI."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from typing import Any

import pytest
from conftest import ROOT, LiveHall
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel
from test_counter_support import issue, open_program, press, press_answered, shoot, sign_in

from hallcall.counter import cli
from hallcall.counter.app import CounterProgram
from hallcall.counter.compact_bar import BAR_HEIGHT

pytestmark = pytest.mark.timeout(60)


def busy_morning(live_hall: LiveHall, qtbot: Any, lang: str) -> CounterProgram:
    """Counter 1 after some work: a priority ticket served, one held, one sent here by counter 3
    and being served, tickets over their target wait, and a kiosk out of paper."""
    issue(live_hall, "social", 4)  # A001-A004
    issue(live_hall, "social", 1, priority="green")  # A005
    issue(live_hall, "tax", 2)  # B001-B002
    issue(live_hall, "consult", 1)  # C001
    program = open_program(live_hall, qtbot, 1, lang=lang)
    sign_in(qtbot, program)
    for name in ("call_next", "start", "finish", "call_next", "finish", "call_next", "hold"):
        press_answered(qtbot, program, name, "button")
    other = live_hall.run(live_hall.hall.counter(3, "dan"))
    live_hall.run(other.request("call_next"))
    live_hall.run(other.request("transfer", to_counter=1, reason="needs a social security check"))
    live_hall.clock.advance(9 * 60)
    press_answered(qtbot, program, "call_next", "button")
    press_answered(qtbot, program, "start", "button")
    live_hall.clock.advance(4 * 60 + 12)
    kiosk = live_hall.run(live_hall.hall.kiosk())
    live_hall.run(kiosk.request("device_status", state="fault", code="printer.out_of_paper", detail="out of paper"))
    program.link.request("snapshot")  # a fresh snapshot also sets the clock to the server's
    over = {"zh": "社保：2 张已超时", "en": "Social security: 2 over the limit"}[lang]  # A003, A004
    qtbot.waitUntil(lambda: over in program.screen.warnings.text(), timeout=5000)
    qtbot.waitUntil(lambda: "kiosk-1" in program.screen.warnings.text(), timeout=5000)
    program._tick()
    return program


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_screens_in_both_languages(desk_live_hall: LiveHall, qtbot: Any, lang: str) -> None:
    live_hall = desk_live_hall  # a hall with a guide desk, for the green-channel ticket
    program = busy_morning(live_hall, qtbot, lang)
    screen = program.screen
    assert screen.number.text() == "C001"
    if lang == "zh":
        assert screen.ticket_state.text() == "办理中"
        assert "已办理 4 分 12 秒" in screen.times.text()
        assert "转入" in screen.marks.text()
        assert "暂挂：A002" in screen.queue.text()
        assert "设备 kiosk-1 故障：打印机缺纸" in screen.warnings.text()
        assert "社保：2 张已超时，最久 13 分钟（时限 10 分钟）" in screen.warnings.text()
        assert screen.buttons["call_next"].text() == "叫号  [N]"
    else:
        assert screen.ticket_state.text() == "Being served"
        assert "Served for 4 min 12 s" in screen.times.text()
        assert "Transferred" in screen.marks.text()
        assert "Held: A002" in screen.queue.text()
        assert "Social security: 2 over the limit, oldest 13 min (limit 10 min)" in screen.warnings.text()
    served = screen.served.lines()
    assert "A001" in served[0] and "A005" in served[1]  # newest first
    shoot(program.window, f"counter-{lang}")

    qtbot.keyClick(program.window, "m")  # compact mode
    qtbot.waitUntil(lambda: program.bar.isVisible() and not program.window.isVisible(), timeout=3000)
    assert program.bar.height() <= BAR_HEIGHT + 4
    assert program.bar.windowFlags() & Qt.WindowType.WindowStaysOnTopHint
    assert program.bar.number.text() == "C001"
    assert set(program.bar.buttons) == {"call_next", "recall", "finish", "no_show"}
    shoot(program.bar, f"counter-compact-{lang}")


def test_sign_in_screens(live_hall: LiveHall, qtbot: Any) -> None:
    for lang in ("zh", "en"):
        program = open_program(live_hall, qtbot, 4, lang=lang, clerk="ann")
        program.sign_in.password.setText("wrong")
        qtbot.keyClick(program.sign_in.password, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda p=program: p.sign_in.message.text() != p.sign_in.button.text(), timeout=8000)
        qtbot.waitUntil(lambda p=program: p.link is not None and p.link.state == "refused", timeout=8000)
        shoot(program.window, f"counter-sign-in-{lang}")


def test_compact_bar_works_the_counter_and_goes_back(live_hall: LiveHall, qtbot: Any) -> None:
    issue(live_hall, "social", 2)
    program = open_program(live_hall, qtbot, 1, compact=True)
    sign_in_from_compact = program.want_compact
    assert sign_in_from_compact and program.window.isVisible()  # sign-in happens in the window
    program.sign_in.name.setText("cat")
    program.sign_in.password.setText("pass1234")
    qtbot.mouseClick(program.sign_in.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: program.compact and program.bar.isVisible() and program.connected(), timeout=8000)
    press_answered(qtbot, program, "call_next", "button")  # the bar's own button
    assert program.bar.number.text() == "A001"
    press_answered(qtbot, program, "no_show", "key")  # a key on the bar
    assert program.bar.number.text() == "—"
    press_answered(qtbot, program, "call_next", "button")  # A002, and then nobody is left
    press_answered(qtbot, program, "finish", "button")
    press_answered(qtbot, program, "call_next", "button")
    assert program.bar.status.text() == "Nobody is waiting."
    assert program.bar.status.property("kind") == "error"
    # The server's count for this counter follows in its coalesced queue update.
    qtbot.waitUntil(lambda: program.bar.waiting.text() == "0 waiting", timeout=3000)
    shoot(program.bar, "counter-compact-refusal-en")
    qtbot.mouseClick(program.bar.expand, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: program.window.isVisible() and not program.bar.isVisible(), timeout=3000)
    assert program.state.no_shows == ["A001"]


def test_cli_arguments_and_their_mistakes() -> None:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    args = parser.parse_args(["--server", "ws://10.0.0.5:8765", "--counter", "3", "--lang", "en", "--compact"])
    assert (args.server, args.counter, args.lang, args.compact, args.clerk) == ("ws://10.0.0.5:8765", 3, "en", True, "")
    assert cli.check(args) == ""
    zero = parser.parse_args(["--server", "ws://h:1", "--counter", "0"])
    assert "--counter must be a counter number" in cli.check(zero)
    assert cli.run(zero) == 2


def test_a_server_address_that_is_not_a_websocket_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    with pytest.raises(SystemExit):
        parser.parse_args(["--server", "10.0.0.5:8765", "--counter", "3"])
    assert "'10.0.0.5:8765' is not a server address like ws://HOST:PORT" in capsys.readouterr().err


def test_the_cli_module_does_not_load_qt() -> None:
    code = "import sys, hallcall.counter.cli; print('PySide6' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_closing_the_window_stops_the_link(live_hall: LiveHall, qtbot: Any) -> None:
    program = open_program(live_hall, qtbot, 1)
    sign_in(qtbot, program)
    link = program.link
    program.window.close()
    assert program.link is None and link.state == "stopped"
    assert link._thread is None  # joined


def test_hallcall_counter_ends_cleanly_on_ctrl_c(live_hall: LiveHall) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    cmd = [
        sys.executable,
        "-m",
        "hallcall.launch.cli",
        "counter",
        "--server",
        live_hall.url,
        "--counter",
        "1",
        "--clerk",
        "cat",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    seen = ""
    while "program open" not in seen:  # Qt is up and Ctrl-C is handled from here on
        line = proc.stdout.readline()
        assert line, f"the program ended early: {seen}"
        seen += line
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=10)
    assert proc.returncode == 0, out
    assert "Traceback" not in out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_busy_day_still_fits_a_1024_by_768_screen(live_hall: LiveHall, qtbot: Any, lang: str) -> None:
    issue(live_hall, "social", 40)
    program = open_program(live_hall, qtbot, 1, lang=lang)
    sign_in(qtbot, program)
    live_hall.clock.advance(11 * 60)  # forty tickets over their target wait: one line says so
    over = {"zh": "社保：40 张已超时，最久 11 分钟（时限 10 分钟）", "en": "Social security: 40 over the limit"}[lang]
    qtbot.waitUntil(lambda: over in program.screen.warnings.text(), timeout=8000)
    assert program.screen.warnings.text().count("⚠") == 1
    program._refresh()
    need = program.window.minimumSizeHint()
    # 1024 x 768 less a title bar and a task bar: the buttons stay on the screen.
    assert need.width() <= 1024 and need.height() <= 700, need
    program.window.resize(1024, 700)
    qtbot.wait(50)
    shoot(program.window, f"counter-1024-{lang}")
    scroll = program.screen.warnings.parentWidget().parentWidget()  # label, viewport, scroll area
    assert scroll.verticalScrollBar().maximum() == 0  # the whole summary is in view
    bottom = program.screen.buttons["sign_out"].mapTo(
        program.window, program.screen.buttons["sign_out"].rect().bottomLeft()
    )
    assert bottom.y() <= 700


def test_a_dialog_opened_from_the_compact_bar_is_readable(live_hall: LiveHall, qtbot: Any) -> None:
    program = open_program(live_hall, qtbot, 1, compact=True)
    sign_in(qtbot, program)
    qtbot.waitUntil(lambda: program.compact and program.bar.isVisible(), timeout=3000)
    press(qtbot, program, "pause", "key")
    qtbot.waitUntil(lambda: program.dialog is not None and program.dialog.isVisible(), timeout=3000)
    dialog = program.dialog
    assert dialog.parentWidget() is program.bar  # it inherits the bar's style sheet
    dialog.reason_buttons[0].setChecked(True)
    qtbot.wait(50)
    background = dialog.grab().toImage().pixelColor(3, 3)
    for label in dialog.findChildren(QLabel):
        if label.objectName() != "error":  # dark text on the light dialog, not the bar's white
            assert label.palette().color(QPalette.ColorRole.WindowText).lightness() < 80, label.text()
    assert background.lightness() > 200
    faces = [b.grab().toImage() for b in dialog.reason_buttons[:2]]
    chosen, other = (img.pixelColor(8, img.height() // 2) for img in faces)
    assert chosen.lightness() < 100 < other.lightness()  # the chosen reason stands out
    shoot(dialog, "counter-pause-dialog-compact-en")
    dialog.reject()
