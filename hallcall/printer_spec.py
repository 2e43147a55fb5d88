"""Printer specs: the one syntax a hall technician writes for a kiosk's printer.

``serial:/dev/ttyUSB0:9600``, ``network:192.168.1.50``, ``usb:04b8:0202``, ``file:/dev/usb/lp0``,
``virtual:DIR`` or ``none``.  The syntax lives in the shared package, not beside the kiosk's
device code, so that the config loader refuses a spec no kiosk could read — the server, ``hallcall
check-config`` and every program alike — without importing python-escpos or pyserial.  Whether
the device is there only the kiosk can tell (kiosk/printer.py opens it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KINDS = ("serial", "network", "usb", "file", "virtual", "none")
BAUD_RATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400)
FLOW_CONTROLS = ("none", "rtscts", "dsrdtr", "xonxoff")
DEFAULT_BAUD = 9600
DEFAULT_TCP_PORT = 9100


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
