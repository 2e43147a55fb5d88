"""The kiosk's ticket printer: the device a spec names, and one print with bounded waits.

The spec's syntax is the shared ``hallcall.printer_spec`` (the config loader checks it too); here
it is opened.  :class:`TicketPrinter` asks the printer for its status before each ticket, sends
the job, and reports what happened as a :class:`PrintResult` — it never raises for device
trouble, because the kiosk must go on issuing numbers (shown on screen) whatever the printer does.

``PrintResult.ok`` means "the printer has the ticket": a printer that can be asked (serial,
network, USB) counts a ticket as printed only when it answers a status query (DLE EOT) sent
*after* the job.  Bytes that fit in the socket's and the kernel's buffers prove nothing: a
network printer that accepts the connection and never reads would otherwise swallow a ~400 B
text ticket silently, the visitor would be told to take a ticket that never came out, and
every later visitor would lose their number the same way.  No answer after the job is state
``"timeout"`` with ``ok=False``: the visitor gets the number and QR code on screen and the
server hears ``printer.not_responding``.  Only a device that cannot be asked at all (a device
file such as /dev/usb/lp0) prints with state ``"unknown"`` and ``ok=True``; a plain file
confirms delivery itself.  ``state == "ok"`` only when the printer itself said it was ready.
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
            before = self._query(transport, time.monotonic() + min(STATUS_WAIT, remaining(deadline)), 1)
            status = _parsed(before)
            if status is not None and status.state in ("paper_out", "offline"):
                return PrintResult(False, status.state, status.detail + "; ticket not printed")
            transport.write(job, deadline)
            after = self._ask_after_job(transport, deadline, answered_before=len(before) >= STATUS_ANSWER_BYTES)
            transport.finish(deadline)
        except PrinterFault as fault:
            transport.close()
            return PrintResult(False, fault.state, fault.detail)
        finally:
            if self.spec.kind != "serial":
                transport.close()
        if transport.confirms_delivery:
            return PrintResult(True, "ok", f"written to {self.spec.path}")
        if not transport.answers_status:
            return PrintResult(True, "unknown", "ticket sent; this printer cannot be asked for its status")
        if after is None:
            return PrintResult(
                False, "timeout", "the printer did not confirm the ticket (no status answer after the job); not printed"
            )
        if after.state in ("paper_out", "offline"):
            return PrintResult(False, after.state, after.detail + "; ticket may not have printed")
        if after.state == "unknown":
            return PrintResult(True, "unknown", "printed; the printer's status answer could not be read")
        return PrintResult(True, after.state, "printed" if after.state == "ok" else f"printed; {after.detail}")

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
            answer = self._query(transport, time.monotonic() + min(STATUS_WAIT, remaining(deadline)), 1)
        except PrinterFault as fault:
            transport.close()
            return PrintResult(False, fault.state, fault.detail)
        finally:
            if self.spec.kind != "serial":
                transport.close()
        status = _parsed(answer)
        if status is None:
            if transport.confirms_delivery:
                return PrintResult(True, "ok", f"{self.spec.path} is writable")
            if answer:
                return PrintResult(False, "unknown", "the printer's status answer could not be read")
            if transport.answers_status:  # it could answer and did not: it would not confirm a ticket either
                return PrintResult(False, "timeout", "the printer did not answer its status query")
            return PrintResult(False, "unknown", "the printer did not report its status")
        return PrintResult(status.state in ("ok", "paper_low"), status.state, status.detail)

    @staticmethod
    def _query(transport: Transport, deadline: float, answers: int) -> bytes:
        """Send DLE EOT 1/2/4 and read until ``answers`` answers (3 bytes each) are in or the
        deadline passes; b"" from a device that cannot be asked."""
        if not transport.answers_status:
            return b""
        transport.write(STATUS_QUERY, deadline)
        return transport.read(STATUS_ANSWER_BYTES * answers, deadline)

    def _ask_after_job(self, transport: Transport, deadline: float, *, answered_before: bool) -> PrinterStatus | None:
        """The printer's answer to a status query sent after the job: proof it read the job.

        The printer reads its input in order, so an answer to a query that follows the job
        means it took the whole job.  It may take the rest of the deadline (a printer with a
        full buffer reads the query only as it prints).  When the query before the job went
        unanswered, its answer may still come late: both answers must arrive, and the last is
        the one that counts.  None: no answer; an answer that cannot be read is state
        "unknown" (the printer is alive and reading, which is what a ticket needs)."""
        answers = 1 if answered_before else 2
        got = self._query(transport, deadline, answers)
        if len(got) < STATUS_ANSWER_BYTES * answers:
            return None
        return _parsed(got[-STATUS_ANSWER_BYTES:]) or PrinterStatus("unknown", "status answer unreadable")

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


def _parsed(answer: bytes) -> PrinterStatus | None:
    """A status answer read, or None for no answer or bytes that are not one."""
    try:
        return parse_status(answer)
    except ValueError:
        return None


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
