"""Hands between the simulator's thread and the real programs on the Qt thread.

In the headless demo the simulator's visitors tap a real kiosk screen and one of its clerks
works a real counter program, so the screenshots show a hall at work.  Qt widgets may only be
touched from the Qt thread, so each request crosses over as a queued signal, and a counter's
answer comes back to the simulator's asyncio loop as a future.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from hallcall.counter.app import CounterProgram
from hallcall.kiosk.app import KioskWindow
from hallcall.launch.sim.plan import Arrival
from hallcall.mirror import answer as typed_answer

ANSWER_TIMEOUT_SECONDS = 15.0


class ScreenKiosk(QObject):
    """A kiosk on screen that the simulator's visitors tap; it remembers the tickets it gave.
    A booked visitor opens its 我有预约 / I have an appointment screen and types the booking's
    code there, as at the hall's kiosk."""

    _tap = Signal(str)
    _type_code = Signal(str)

    def __init__(self, window: KioskWindow) -> None:
        super().__init__()
        self.window = window
        self.numbers: list[str] = []  # tickets this screen issued, in order
        self.status_paths: dict[str, str] = {}  # each one's status page, as its QR code links it
        self.dropped = 0  # taps the kiosk did not take (it had just lost the server)
        self._issues: set[str] = set()  # request ids of the tickets tapped here, until answered
        self.check_ins: dict[str, str] = {}  # booking code -> the appointment ticket it gave here
        self.check_ins_refused: dict[str, str] = {}  # booking code -> the server's error code
        self._checking: dict[str, str] = {}  # request id -> booking code, until answered
        self._tapping = threading.Event()  # a tap on its way to the Qt thread
        self._tap.connect(self._on_tap, Qt.ConnectionType.QueuedConnection)
        self._type_code.connect(self._on_code, Qt.ConnectionType.QueuedConnection)
        window.link.answered.connect(self._on_answer)

    def offer(self, arrival: Arrival) -> bool:
        """From the simulator's thread: take this visitor unless the kiosk is still busy with
        the last one (a tap on its way, or a ticket the server has not answered yet)."""
        if not self._free():
            return False
        self._tapping.set()
        self._tap.emit(arrival.service)
        return True

    def offer_check_in(self, arrival: Arrival, code: str) -> bool:
        """From the simulator's thread: a booked visitor checks in here with ``code``, unless the
        kiosk is busy (then they use another kiosk, as ``offer``'s visitors do)."""
        if not self._free():
            return False
        self._tapping.set()
        self._type_code.emit(code)
        return True

    def _free(self) -> bool:
        return not self._tapping.is_set() and self.window.issuing is None and self.window.link.connected

    @Slot(str)
    def _on_code(self, code: str) -> None:
        """The visitor's taps: the appointment button, the code key by key, then Check in."""
        self.window.open_check_in()
        for char in code:
            self.window.check_in.type(char)
        self.window.check_in.submit()
        if self.window.issuing is None:  # not sent: the kiosk lost the server meanwhile
            self.dropped += 1
            self.window.check_in.cancelled.emit()
        else:
            self._checking[self.window.issuing] = code
        self._tapping.clear()

    @Slot(str)
    def _on_tap(self, service: str) -> None:
        self.window.issue(service)
        if self.window.issuing is None:  # not taken: the kiosk lost the server meanwhile
            self.dropped += 1
        else:
            self._issues.add(self.window.issuing)
        self._tapping.clear()

    @Slot(str, dict)
    def _on_answer(self, rid: str, answer: dict[str, Any]) -> None:
        code = self._checking.pop(rid, None)
        if code is not None:
            self._checked_in(code, answer)
            return
        if rid not in self._issues:  # the kiosk's own requests (device status, a staff ticket, ...)
            return
        self._issues.discard(rid)
        if answer.get("type") == "result":
            self._remember(typed_answer("issue", answer["data"]))

    def _checked_in(self, code: str, answer: dict[str, Any]) -> None:
        """The kiosk has shown the check-in's answer (it heard it first): its ticket, or the
        refusal, after which the visitor steps back to the start screen."""
        if answer.get("type") == "result":
            checked = typed_answer("check_in", answer["data"])
            self._remember(checked)
            self.check_ins[code] = checked.ticket.number
        else:
            self.check_ins_refused[code] = str(answer.get("code", "?"))
            self.window.check_in.cancelled.emit()

    def _remember(self, issued: Any) -> None:
        """A ticket this screen gave (an ``issue`` or ``check_in`` answer) and its status page."""
        self.numbers.append(issued.ticket.number)
        key = issued.status_key if isinstance(issued.status_key, str) else ""
        self.status_paths[issued.ticket.number] = f"/t/{issued.day}/{issued.ticket.number}?k={key}"


class ScreenDesk(QObject):
    """A counter program that the simulator's clerk works: a ``Desk`` (see launch/sim/clerk.py)."""

    _send = Signal(object, str, dict)

    def __init__(self, program: CounterProgram) -> None:
        super().__init__()
        self.program = program
        self._waiting: dict[str, concurrent.futures.Future[dict[str, Any]]] = {}
        self._link: Any = None  # the program's link whose answers we hear
        self._send.connect(self._on_send, Qt.ConnectionType.QueuedConnection)

    async def act(self, kind: str, **fields: Any) -> dict[str, Any]:
        future: concurrent.futures.Future[dict[str, Any]] = concurrent.futures.Future()
        self._send.emit(future, kind, fields)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), ANSWER_TIMEOUT_SECONDS)
        except TimeoutError:
            return {"type": "error", "code": "no_answer", "message": f"the counter program did not answer {kind}"}

    @Slot(object, str, dict)
    def _on_send(self, future: concurrent.futures.Future[dict[str, Any]], kind: str, fields: dict[str, Any]) -> None:
        if future.cancelled():  # the clerk stopped waiting before Qt got to it
            return
        link = self.program.link
        if link is None:
            future.set_result({"type": "error", "code": "no_answer", "message": "the counter program is closed"})
            return
        if link is not self._link:  # the program opens a new link after a session ends
            link.answered.connect(self._on_answer)
            self._link = link
            self._waiting.clear()
        self._waiting[self.program.send(kind, **fields)] = future

    @Slot(str, dict)
    def _on_answer(self, rid: str, answer: dict[str, Any]) -> None:
        future = self._waiting.pop(rid, None)
        if future is not None and not future.done():
            future.set_result(answer)
