"""Helpers the counter program's tests share: a program against the live hall, signing in,
pressing actions by button or by key, issuing tickets and reading the journal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import DESK_PIN, PASSWORD, LiveHall
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from hallcall.counter.actions import BY_NAME
from hallcall.counter.app import CounterProgram
from hallcall.gui.qtapp import make_app

SCREENSHOTS = Path(__file__).resolve().parent.parent / "build" / "screenshots"
FAST = {"min_backoff": 0.05, "max_backoff": 0.3}


def open_program(live_hall: LiveHall, qtbot: Any, counter: int, **kw: Any) -> CounterProgram:
    """A counter program (shown, offscreen) against the live hall; closed when the test ends."""
    kw.setdefault("lang", "en")
    make_app()  # the program's own font set-up, as `hallcall counter` has it
    program = CounterProgram(live_hall.url, counter, link_options=FAST, **kw)
    qtbot.addWidget(program.window, before_close_func=lambda _: program.close())
    program.show()
    return program


def sign_in(qtbot: Any, program: CounterProgram, clerk: str = "cat", password: str = PASSWORD) -> None:
    page = program.sign_in
    page.name.setText(clerk)
    page.password.setText(password)
    qtbot.mouseClick(page.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: program.window.signed_in_page and program.connected(), timeout=8000)


def press(qtbot: Any, program: CounterProgram, name: str, via: str) -> None:
    """Do an action the way a clerk does: click its button, or press its key on the window."""
    assert program.can(name), f"{name} is not allowed now"
    if via == "button":
        button = program.bar.buttons[name] if program.compact else program.screen.buttons[name]
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    else:
        window = program.bar if program.compact else program.window
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
        qtbot.keyClick(window, BY_NAME[name].key)


def settle(qtbot: Any, program: CounterProgram) -> None:
    """Wait until every request of the program has its answer."""
    qtbot.waitUntil(lambda: not program.pending, timeout=8000)


def press_answered(qtbot: Any, program: CounterProgram, name: str, via: str) -> None:
    """Press an action that needs no dialog, and wait for the server's answer."""
    press(qtbot, program, name, via)
    settle(qtbot, program)


def serving_with_dialog(live_hall: LiveHall, qtbot: Any, action: str) -> tuple[CounterProgram, Any]:
    """Counter 1 signed in with a called ticket, and the dialog of ``action`` open (by its key)."""
    issue(live_hall, "social", 1)
    program = open_program(live_hall, qtbot, 1)
    sign_in(qtbot, program)
    press_answered(qtbot, program, "call_next", "key")
    press(qtbot, program, action, "key")
    qtbot.waitUntil(lambda: program.dialog is not None and program.dialog.isVisible(), timeout=3000)
    return program, program.dialog


def issue(live_hall: LiveHall, service: str = "social", count: int = 1, priority: str = "normal") -> list[str]:
    """Tickets from a kiosk of the hall; their numbers."""

    async def go() -> list[str]:
        kiosk = await live_hall.hall.kiosk()
        # a green-channel ticket comes from the guide desk, which the server opens with its PIN
        desk = {"desk": (await kiosk.request("unlock_desk", pin=DESK_PIN))["desk"]} if priority == "green" else {}
        out = []
        for _ in range(count):
            data = await kiosk.request("issue", service=service, priority=priority, **desk)
            out.append(data["ticket"]["number"])
        await kiosk.close()
        return out

    return live_hall.run(go())


def journey(live_hall: LiveHall, number: str) -> list[dict[str, Any]]:
    """The ticket's journal, as a supervisor reads it."""
    sup = live_hall.run(live_hall.hall.supervisor())
    data = live_hall.run(sup.request("ticket", number=number))
    return data["journey"]


def shoot(widget: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    assert widget.grab().save(str(path)), path
    return path
