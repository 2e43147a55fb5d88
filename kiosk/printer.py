"""The kiosk's ticket printer: which device (a spec string), and one print with bounded waits.

A spec names the device the way a hall technician writes it in the config or on the command
line (``serial:/dev/ttyUSB0:9600``, ``network:192.168.1.50``, ``usb:04b8:0202``,
``file:/dev/usb/lp0``, ``virtual:DIR``, ``none``).  :class:`TicketPrinter` asks the printer for
its status before each ticket, sends the job, and reports what happened as a
:class:`PrintResult` — it never raises for device trouble, because the kiosk must go on issuing
numbers (shown on screen) whatever the printer does.

``PrintResult.ok`` means "the whole job left for the printer and no fault is known";
``state`` says how sure we are.  A printer that does not answer the status query gets its
ticket anyway, with state ``"unknown"`` and ``ok=True``: most cheap printers never answer, and
they print fine.  ``state == "ok"`` only when the printer itself said it was ready.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

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

KINDS = ("serial", "network", "usb", "file", "virtual", "none")
STATES = ("ok", "paper_out", "paper_low", "offline", "timeout", "unreachable", "unknown", "error", "none")
BAUD_RATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400)
FLOW_CONTROLS = ("none", "rtscts", "dsrdtr", "xonxoff")
DEFAULT_BAUD = 9600
DEFAULT_TCP_PORT = 9100
# How long a printer gets to answer DLE EOT.  Real printers answer within a few milliseconds;
# one that says nothing in this time is taken as one that never answers.
STATUS_WAIT = 0.5


class PrinterSpecError(ValueError):
    """A printer spec that cannot be used; the message names the spec and what is wrong."""

    def __init__(self, spec: str, problem: str) -> None:
        super().__init__(f"printer spec {spec!r}: {problem}")


@dataclass(frozen=True)
class PrinterSpec:
    """A parsed printer spec.  ``path`` is the serial port, device file or virtual folder."""

    kind: str  # serial|network|usb|file|virtual|none
    path: str = ""
    host: str = ""
    port: int = 0  # TCP port
    baud: int = 0
    flow: str = "none"
    vendor: int = 0
    product: int = 0

    def __str__(self) -> str:
        if self.kind == "serial":
            flow = f":{self.flow}" if self.flow != "none" else ""
            return f"serial:{self.path}:{self.baud}{flow}"
        if self.kind == "network":
            host = f"[{self.host}]" if ":" in self.host else self.host
            return f"network:{host}:{self.port}"
        if self.kind == "usb":
            return f"usb:{self.vendor:04x}:{self.product:04x}"
        if self.kind in ("file", "virtual"):
            return f"{self.kind}:{self.path}"
        return "none"


def parse_spec(spec: str) -> PrinterSpec:
    """Parse a printer spec; raises PrinterSpecError naming the spec and the problem.

    serial:PORT[:BAUD[:FLOW]]   FLOW = none | rtscts | dsrdtr | xonxoff (default none, 9600 baud)
    network:HOST[:PORT]         IPv6 as [addr]:port; port 9100 by default
    usb:VENDOR:PRODUCT          four hex digits each, e.g. usb:04b8:0202
    file:PATH   virtual:DIR     none   ""   (no printer: tickets on screen only)"""
    text = spec.strip()
    if text in ("", "none"):
        return PrinterSpec("none")
    kind, sep, rest = text.partition(":")
    if not sep or kind not in KINDS:
        raise PrinterSpecError(spec, f"must start with one of {', '.join(k + ':' for k in KINDS[:-1])} or be 'none'")
    if not rest:
        raise PrinterSpecError(spec, f"nothing after '{kind}:'")
    if kind == "serial":
        return _parse_serial(spec, rest)
    if kind == "network":
        return _parse_network(spec, rest)
    if kind == "usb":
        return _parse_usb(spec, rest)
    if kind == "none":
        raise PrinterSpecError(spec, "'none' takes nothing after it")
    return PrinterSpec(kind, path=rest)


def _parse_serial(spec: str, rest: str) -> PrinterSpec:
    parts = rest.split(":")
    if len(parts) > 3:
        raise PrinterSpecError(spec, "expected serial:PORT[:BAUD[:FLOW]]")
    port = parts[0]
    if not port:
        raise PrinterSpecError(spec, "the serial port is empty")
    baud = DEFAULT_BAUD
    if len(parts) > 1:
        if not parts[1].isdigit() or int(parts[1]) not in BAUD_RATES:
            raise PrinterSpecError(spec, f"baud rate {parts[1]!r} is not one of {', '.join(map(str, BAUD_RATES))}")
        baud = int(parts[1])
    flow = parts[2] if len(parts) > 2 else "none"
    if flow not in FLOW_CONTROLS:
        raise PrinterSpecError(spec, f"flow control {flow!r} is not one of {', '.join(FLOW_CONTROLS)}")
    return PrinterSpec("serial", path=port, baud=baud, flow=flow)


_BRACKETED = re.compile(r"^\[(?P<host>[^\]]+)\](?::(?P<port>[^:]*))?$")
_HOSTNAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$")


def _parse_network(spec: str, rest: str) -> PrinterSpec:
    bracketed = _BRACKETED.match(rest)
    if bracketed:
        host, port_text = bracketed["host"], bracketed["port"]
    elif rest.count(":") > 1:
        raise PrinterSpecError(spec, "write an IPv6 address in brackets: network:[addr]:port")
    else:
        host, colon, port_text = rest.partition(":")
        port_text = port_text if colon else None
        if not _HOSTNAME.match(host):
            raise PrinterSpecError(spec, f"{host!r} is not a host name or IP address")
    port = DEFAULT_TCP_PORT
    if port_text is not None:
        if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
            raise PrinterSpecError(spec, f"TCP port {port_text!r} is not a number from 1 to 65535")
        port = int(port_text)
    return PrinterSpec("network", host=host, port=port)


def _parse_usb(spec: str, rest: str) -> PrinterSpec:
    ids = rest.split(":")
    if len(ids) != 2 or not all(re.fullmatch(r"(0x)?[0-9A-Fa-f]{1,4}", i) for i in ids):
        raise PrinterSpecError(spec, "expected usb:VENDOR:PRODUCT in hex, e.g. usb:04b8:0202")
    return PrinterSpec("usb", vendor=int(ids[0], 16), product=int(ids[1], 16))


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
