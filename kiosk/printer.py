"""The kiosk's ticket printer: the device a spec names, and one print with bounded waits.

The spec's syntax is the shared ``hallcall.printer_spec`` (the config loader checks it too); here
it is opened.  :class:`TicketPrinter` asks the printer for its status before each ticket, sends
the job, and reports what happened as a :class:`PrintResult` — it never raises for device
trouble, because the kiosk must go on issuing numbers (shown on screen) whatever the printer does.

``PrintResult.ok`` means "the whole job left for the printer and no fault is known";
``state`` says how sure we are.  A printer that does not answer the status query gets its
ticket anyway, with state ``"unknown"`` and ``ok=True``: most cheap printers never answer, and
they print fine.  ``state == "ok"`` only when the printer itself said it was ready.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from hallcall.printer_spec import PrinterSpec

from .escpos_codes import STATUS_ANSWER_BYTES, STATUS_QUERY, PrinterStatus, parse_status
from .printer_transports import (
    FileTransport,
    NetworkTransport,
    PrinterFault,
    SerialTransport,
    Transport,
    UsbTransport,
    remaining,
)

STATES = ("ok", "paper_out", "paper_low", "offline", "timeout", "unreachable", "unknown", "error", "none")
# How long a printer gets to answer DLE EOT.  Real printers answer within a few milliseconds;
# one that says nothing in this time is taken as one that never answers.
STATUS_WAIT = 0.5


@dataclass(frozen=True)
class PrintResult:
    """What happened to one ticket (or one status query)."""

    ok: bool
    state: str  # one of STATES
    detail: str  # plain English for the log and the device_status report

    def __post_init__(self) -> None:
        if self.state not in STATES:
            raise ValueError(f"print state {self.state!r} is not one of {', '.join(STATES)}")


class TicketPrinter:
    """One printer.  Use from one thread at a time (PrintWorker's); ``abort`` from any thread.

    Every call finishes within ``timeout`` seconds, plus, on a serial line, the time the job
    takes to travel at the port's baud rate (a 10 KB image ticket is 10 s at 9600 baud: that is
    not a stuck printer)."""

    def __init__(self, spec: PrinterSpec, *, timeout: float = 3.0, paper_mm: int = 80) -> None:
        self.spec = spec
        self.timeout = timeout
        self.paper_mm = paper_mm
        self._transport = _transport_for(spec)
        self._virtual_seq = 0

    def print_job(self, job: bytes, *, name: str | None = None) -> PrintResult:
        """Send one complete job; blocking, bounded, never raises for device trouble.

        ``name`` (the ticket number) names the files a virtual printer writes."""
        if self.spec.kind == "none":
            return PrintResult(False, "none", "no printer configured; ticket shown on screen only")
        if self.spec.kind == "virtual":
            return self._print_virtual(job, name)
        transport = self._transport
        assert transport is not None
        deadline = time.monotonic() + self.timeout + self._travel_time(len(job))
        try:
            transport.open(deadline)
            status = self._ask_status(transport, deadline)
            if status is not None and status.state in ("paper_out", "offline"):
                return PrintResult(False, status.state, status.detail + "; ticket not printed")
            transport.write(job, deadline)
            transport.finish(deadline)
        except PrinterFault as fault:
            transport.close()
            return PrintResult(False, fault.state, fault.detail)
        finally:
            if self.spec.kind != "serial":
                transport.close()
        if status is not None:
            return PrintResult(True, status.state, "printed" if status.state == "ok" else f"printed; {status.detail}")
        if transport.confirms_delivery:
            return PrintResult(True, "ok", f"written to {self.spec.path}")
        return PrintResult(True, "unknown", "ticket sent; the printer did not report its status")

    def status(self) -> PrintResult:
        """Ask the printer how it is.  ``ok`` only when it answered "ready" (or "paper low");
        no answer is state "unknown" with ``ok=False``."""
        if self.spec.kind == "none":
            return PrintResult(False, "none", "no printer configured")
        if self.spec.kind == "virtual":
            return self._virtual_ready()
        transport = self._transport
        assert transport is not None
        deadline = time.monotonic() + self.timeout
        try:
            transport.open(deadline)
            status = self._ask_status(transport, deadline)
        except PrinterFault as fault:
            transport.close()
            return PrintResult(False, fault.state, fault.detail)
        finally:
            if self.spec.kind != "serial":
                transport.close()
        if status is None:
            if transport.confirms_delivery:
                return PrintResult(True, "ok", f"{self.spec.path} is writable")
            return PrintResult(False, "unknown", "the printer did not report its status")
        return PrintResult(status.state in ("ok", "paper_low"), status.state, status.detail)

    def _ask_status(self, transport: Transport, deadline: float) -> PrinterStatus | None:
        """The printer's answer to DLE EOT 1/2/4, or None when it gives none we can read."""
        if not transport.answers_status:
            return None
        transport.write(STATUS_QUERY, deadline)
        answer_deadline = time.monotonic() + min(STATUS_WAIT, remaining(deadline))
        answer = transport.read(STATUS_ANSWER_BYTES, answer_deadline)
        try:
            return parse_status(answer)
        except ValueError:
            return None

    def _travel_time(self, size: int) -> float:
        """Seconds ``size`` bytes take on a serial line: 10 bits a byte (start, 8 data, stop)."""
        return size * 10 / self.spec.baud if self.spec.kind == "serial" else 0.0

    def _print_virtual(self, job: bytes, name: str | None) -> PrintResult:
        from .virtual_printer import DecodeError, store_job

        self._virtual_seq += 1
        try:
            paths = store_job(Path(self.spec.path), name or f"job-{self._virtual_seq:04d}", job, self.paper_mm)
        except DecodeError as exc:
            return PrintResult(False, "error", f"virtual printer cannot read the job: {exc}")
        except OSError as exc:
            return PrintResult(False, "error", f"virtual printer cannot write to {self.spec.path}: {exc.strerror}")
        return PrintResult(True, "ok", f"printed to {paths.png}")

    def _virtual_ready(self) -> PrintResult:
        folder = Path(self.spec.path)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return PrintResult(False, "error", f"virtual printer cannot use {folder}: {exc.strerror}")
        return PrintResult(True, "ok", f"virtual printer writing to {folder}")

    def abort(self) -> None:
        """Make a print blocked on the device give up soon (called from another thread)."""
        if self._transport is not None:
            self._transport.abort()

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()


def _transport_for(spec: PrinterSpec) -> Transport | None:
    if spec.kind == "serial":
        return SerialTransport(spec.path, spec.baud, spec.flow)
    if spec.kind == "network":
        return NetworkTransport(spec.host, spec.port)
    if spec.kind == "file":
        return FileTransport(spec.path)
    if spec.kind == "usb":
        return UsbTransport(spec.vendor, spec.product)
    return None
