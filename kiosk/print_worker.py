"""Printing off the Qt thread: the kiosk hands a job over and hears back by signal.

A print can take seconds (a slow serial line, a printer that stopped reading), and a kiosk
whose screen freezes while it waits looks broken to the next visitor.  One Python thread per
kiosk prints jobs in order; its results cross back to the Qt thread through a queued signal.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal

from hallcall.printer_spec import PrinterSpec

from .printer import PrintResult, TicketPrinter

log = logging.getLogger(__name__)

_STOP = object()
_CHECK = object()


class PrintWorker(QObject):
    """Prints jobs one at a time on its own thread; ``finished`` arrives on the Qt thread."""

    finished = Signal(str, object)  # (ticket number, PrintResult)
    checked = Signal(object)  # PrintResult of a status query asked for with check()
    _done = Signal(str, object)  # emitted on the worker thread, delivered queued
    _checked = Signal(object)  # emitted on the worker thread, delivered queued

    def __init__(
        self, spec: PrinterSpec, *, timeout: float = 3.0, paper_mm: int = 80, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.spec = spec
        self._printer = TicketPrinter(spec, timeout=timeout, paper_mm=paper_mm)
        self._jobs: queue.Queue[object] = queue.Queue()
        self._done.connect(self.finished, Qt.ConnectionType.QueuedConnection)
        self._checked.connect(self.checked, Qt.ConnectionType.QueuedConnection)
        self._stopped = False
        self._busy = False  # a job or check taken off the queue and not yet answered
        self._last_checked = ""  # the state the last status query found
        self._thread = threading.Thread(target=self._run, name=f"print-{spec.kind}", daemon=True)
        self._thread.start()

    def submit(self, number: str, job: bytes | Callable[[], bytes]) -> None:
        """Queue a job — its bytes, or a function that lays the ticket out (an image-mode
        ticket takes tens of milliseconds to draw, which belongs on this thread, not the
        screen's); returns at once.  After stop() the job is answered as not printed — like
        every answer, later from the event loop, never from inside this call."""
        if self._stopped:
            self._done.emit(number, PrintResult(False, "error", "printing has stopped (kiosk shutting down)"))
            return
        self._jobs.put((number, job))

    def check(self) -> None:
        """Queue a status query (no ticket), answered by ``checked``: the kiosk asks at start,
        so a printer that is missing, unreachable or out of paper is named to staff before
        the first visitor finds out."""
        if not self._stopped:
            self._jobs.put(_CHECK)

    @property
    def idle(self) -> bool:
        """Nothing queued and nothing in hand: a status query now would wait for no ticket."""
        return not self._busy and self._jobs.empty()

    def stop(self, wait: float = 1.0) -> None:
        """Stop after the current job; a print stuck on the device is told to give up, and
        this returns within about ``wait`` seconds whatever the device does (the thread is a
        daemon, so it cannot hold the program open).  Safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        self._drop_queued()
        self._jobs.put(_STOP)
        self._printer.abort()
        self._thread.join(wait)
        if self._thread.is_alive():
            log.warning("printer %s still busy at shutdown; leaving its thread behind", self.spec)

    def _drop_queued(self) -> None:
        """Answer jobs that never reached the printer, so the screen can show their numbers."""
        while True:
            try:
                item = self._jobs.get_nowait()
            except queue.Empty:
                return
            if item is _CHECK:
                continue
            number, _job = item  # type: ignore[misc]
            self._done.emit(number, PrintResult(False, "error", "not printed: the kiosk is shutting down"))

    def _run(self) -> None:
        while True:
            item = self._jobs.get()
            if item is _STOP:
                break
            self._busy = True
            try:
                self._handle(item)
            finally:
                self._busy = False
        self._printer.close()

    def _handle(self, item: object) -> None:
        """One queued item: a status query, or a ticket to print."""
        if item is _CHECK:
            self._check()
        else:
            number, job = item  # type: ignore[misc]
            self._print(number, job)

    def _print(self, number: str, job: bytes | Callable[[], bytes]) -> None:
        try:
            data = job() if callable(job) else job
            result = self._printer.print_job(data, name=number)
        except ValueError as exc:  # a layout setting the printer layer does not know
            result = PrintResult(False, "error", f"cannot lay out the ticket: {exc}")
        except Exception as exc:  # a bug must not kill the only printing thread
            log.exception("printing %s failed", number)
            result = PrintResult(False, "error", f"printing failed: {exc}")
        if result.ok:
            log.info("ticket %s: %s", number, result.detail)
        else:
            log.warning("ticket %s not printed: %s (%s)", number, result.detail, result.state)
        self._done.emit(number, result)

    def _check(self) -> None:
        try:
            result = self._printer.status()
        except Exception as exc:  # a bug must not kill the only printing thread
            log.exception("asking the printer for its status failed")
            result = PrintResult(False, "error", f"status query failed: {exc}")
        if result.state != self._last_checked:  # an idle kiosk asks every few seconds: log changes only
            self._last_checked = result.state
            level = logging.INFO if result.ok or result.state == "unknown" else logging.WARNING
            log.log(level, "printer %s: %s (%s)", self.spec, result.detail, result.state)
        self._checked.emit(result)
