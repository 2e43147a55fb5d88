"""Byte pipes to a ticket printer, each with a deadline on every wait.

python-escpos' printer classes wait 60 s on a network printer and block forever on a serial
port held by flow control; a kiosk cannot.  These transports write raw bytes through pyserial,
sockets, a device file or pyusb themselves and turn every failure into a :class:`PrinterFault`
naming the device and what went wrong, so the caller has one thing to catch.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import socket
import stat
import threading
import time
from typing import Protocol

import serial


class PrinterFault(Exception):
    """The device could not take the job; ``state`` is a PrintResult state."""

    def __init__(self, state: str, detail: str) -> None:
        super().__init__(detail)
        self.state = state
        self.detail = detail


def remaining(deadline: float) -> float:
    """Seconds left until ``deadline`` (time.monotonic), never negative."""
    return max(0.0, deadline - time.monotonic())


class Transport(Protocol):
    """What TicketPrinter needs from a device.

    ``answers_status``: whether the device can be asked DLE EOT at all (a plain file cannot).
    ``confirms_delivery``: whether writing the bytes is the whole story (a file on disk)."""

    answers_status: bool
    confirms_delivery: bool

    def open(self, deadline: float) -> None: ...
    def write(self, data: bytes, deadline: float) -> None: ...
    def finish(self, deadline: float) -> None: ...
    def read(self, size: int, deadline: float) -> bytes: ...
    def close(self) -> None: ...
    def abort(self) -> None: ...


class SerialTransport:
    """A serial printer; the port stays open between tickets and is reopened after any fault."""

    answers_status = True
    confirms_delivery = False

    def __init__(self, port: str, baud: int, flow: str = "none") -> None:
        self.port = port
        self.baud = baud
        self.flow = flow
        self._serial: serial.Serial | None = None

    def open(self, deadline: float) -> None:
        if self._serial is not None and self._serial.is_open:
            try:
                self._serial.reset_input_buffer()  # drop stale status bytes from an earlier job
                return
            except Exception:  # a vanished device fails here in several ways (termios.error: EIO)
                self.close()  # and reopening below reports it properly
        try:
            self._serial = serial.Serial(
                self.port,
                self.baud,
                timeout=remaining(deadline),
                write_timeout=remaining(deadline),
                rtscts=self.flow == "rtscts",
                dsrdtr=self.flow == "dsrdtr",
                xonxoff=self.flow == "xonxoff",
            )
        except serial.SerialException as exc:
            raise self._open_fault(exc) from exc
        except (OSError, ValueError) as exc:
            raise PrinterFault("error", f"cannot use serial port {self.port}: {exc}") from exc

    def _open_fault(self, exc: serial.SerialException) -> PrinterFault:
        code = getattr(exc, "errno", None)
        text = str(exc)
        if code == errno.ENOENT or "No such file" in text or "FileNotFoundError" in text:
            return PrinterFault("unreachable", f"serial port {self.port} does not exist")
        if code == errno.EACCES or "Permission denied" in text or "PermissionError" in text:
            return PrinterFault("error", f"no permission to open serial port {self.port} (Linux: join group dialout)")
        if code == errno.EBUSY or "busy" in text.lower():
            return PrinterFault("error", f"serial port {self.port} is in use by another program")
        return PrinterFault("unreachable", f"cannot open serial port {self.port}: {text}")

    def write(self, data: bytes, deadline: float) -> None:
        port = self._require()
        try:
            port.write_timeout = max(remaining(deadline), 0.001)
            port.write(data)
        except serial.SerialTimeoutException as exc:
            self.close()
            raise PrinterFault("timeout", f"printer on {self.port} stopped taking data (write timed out)") from exc
        except (serial.SerialException, OSError) as exc:
            self.close()
            raise PrinterFault("unreachable", f"serial port {self.port} went away: {exc}") from exc

    def finish(self, deadline: float) -> None:
        """Nothing to wait for: the port stays open, and draining it (tcdrain) has no timeout."""

    def read(self, size: int, deadline: float) -> bytes:
        port = self._require()
        got = b""
        try:
            while len(got) < size and remaining(deadline) > 0:
                port.timeout = remaining(deadline)
                got += port.read(size - len(got))
        except (serial.SerialException, OSError) as exc:
            self.close()
            raise PrinterFault("unreachable", f"serial port {self.port} went away: {exc}") from exc
        return got

    def _require(self) -> serial.Serial:
        if self._serial is None or not self._serial.is_open:
            raise PrinterFault("error", f"serial port {self.port} is not open")
        return self._serial

    def close(self) -> None:
        if self._serial is not None:
            with contextlib.suppress(serial.SerialException, OSError):  # a vanished device: nothing to close
                self._serial.close()
            self._serial = None

    def abort(self) -> None:
        port = self._serial
        if port is not None:
            with contextlib.suppress(AttributeError, OSError, serial.SerialException):  # not on Windows
                port.cancel_write()
                port.cancel_read()


class NetworkTransport:
    """A printer on TCP port 9100 ("raw" / JetDirect); one connection per ticket, so a
    printer that was switched off and on needs no reconnect logic."""

    answers_status = True
    confirms_delivery = False
    # A small send buffer: a printer that accepts and never reads then stalls our send (and we
    # report "timeout") instead of the kernel swallowing tickets that will never print.
    SEND_BUFFER = 4096

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._sock: socket.socket | None = None

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    def open(self, deadline: float) -> None:
        self.close()
        infos = _resolve(self.host, self.port, deadline)
        last: OSError | None = None
        for family, kind, proto, _name, address in infos:
            sock = socket.socket(family, kind, proto)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.SEND_BUFFER)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.settimeout(max(remaining(deadline), 0.001))
            try:
                sock.connect(address)
            except OSError as exc:
                sock.close()
                last = exc
                continue
            self._sock = sock
            return
        if isinstance(last, ConnectionRefusedError):
            raise PrinterFault("unreachable", f"printer at {self.where} refused the connection")
        if isinstance(last, TimeoutError):
            raise PrinterFault("unreachable", f"printer at {self.where} did not answer the connection")
        raise PrinterFault("unreachable", f"cannot connect to printer at {self.where}: {last}")

    def write(self, data: bytes, deadline: float) -> None:
        sock = self._require()
        try:
            sock.settimeout(max(remaining(deadline), 0.001))
            sock.sendall(data)
        except TimeoutError as exc:
            self.close()
            raise PrinterFault("timeout", f"printer at {self.where} stopped taking data (send timed out)") from exc
        except OSError as exc:
            self.close()
            raise PrinterFault("unreachable", f"connection to printer at {self.where} broke: {exc}") from exc

    # How long to wait, after our last byte, for the printer to close its side.
    CLOSE_GRACE = 0.3

    def finish(self, deadline: float) -> None:
        """Close our side politely and wait briefly for the printer's.  Closing a socket that
        still holds unread input (a late status answer) makes the kernel reset the connection
        and drop whatever of the ticket is still in our send buffer; this reads that input
        away first."""
        sock = self._require()
        try:
            sock.shutdown(socket.SHUT_WR)
            until = min(deadline, time.monotonic() + self.CLOSE_GRACE)
            while remaining(until) > 0:
                sock.settimeout(max(remaining(until), 0.001))
                if not sock.recv(256):
                    return
        except TimeoutError:
            return
        except OSError as exc:
            raise PrinterFault("unreachable", f"connection to printer at {self.where} broke: {exc}") from exc

    def read(self, size: int, deadline: float) -> bytes:
        sock = self._require()
        got = b""
        try:
            while len(got) < size and remaining(deadline) > 0:
                sock.settimeout(max(remaining(deadline), 0.001))
                chunk = sock.recv(size - len(got))
                if not chunk:
                    raise PrinterFault("unreachable", f"printer at {self.where} closed the connection")
                got += chunk
        except TimeoutError:
            pass
        except OSError as exc:
            self.close()
            raise PrinterFault("unreachable", f"connection to printer at {self.where} broke: {exc}") from exc
        return got

    def _require(self) -> socket.socket:
        if self._sock is None:
            raise PrinterFault("error", f"no connection to printer at {self.where}")
        return self._sock

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def abort(self) -> None:
        sock = self._sock
        if sock is not None:
            with contextlib.suppress(OSError):  # already closed
                sock.shutdown(socket.SHUT_RDWR)


def _resolve(host: str, port: int, deadline: float) -> list[tuple]:
    """getaddrinfo with a deadline: with the hall's DNS server down, a lookup can block for
    tens of seconds, and the C call cannot be interrupted, so it runs on a throwaway thread."""
    outcome: list[object] = []

    def lookup() -> None:
        try:
            outcome.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except OSError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=lookup, name=f"resolve-{host}", daemon=True)
    thread.start()
    thread.join(remaining(deadline))
    if not outcome:
        raise PrinterFault("unreachable", f"looking up printer host {host!r} took too long (DNS down?)")
    found = outcome[0]
    if isinstance(found, socket.gaierror):
        raise PrinterFault("unreachable", f"unknown printer host {host!r}: {found.strerror}")
    if isinstance(found, OSError):
        raise PrinterFault("unreachable", f"cannot look up printer host {host!r}: {found}")
    return found  # type: ignore[return-value]


class FileTransport:
    """A device file (/dev/usb/lp0, a parallel port) or a plain file that collects jobs.

    Opened non-blocking so a printer that stops taking data cannot hold the write past the
    deadline.  A plain file confirms delivery; a device cannot be asked for status here."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None
        self.answers_status = False
        self.confirms_delivery = False

    def open(self, deadline: float) -> None:
        self.close()
        try:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NONBLOCK", 0), 0o644)
        except FileNotFoundError as exc:
            raise PrinterFault("unreachable", f"printer file {self.path}: folder does not exist") from exc
        except PermissionError as exc:
            raise PrinterFault("error", f"no permission to write printer file {self.path}") from exc
        except OSError as exc:
            raise PrinterFault("unreachable", f"cannot open printer file {self.path}: {exc.strerror}") from exc
        self.confirms_delivery = stat.S_ISREG(os.fstat(self._fd).st_mode)

    def write(self, data: bytes, deadline: float) -> None:
        if self._fd is None:
            raise PrinterFault("error", f"printer file {self.path} is not open")
        view = memoryview(data)
        try:
            while view:
                try:
                    written = os.write(self._fd, view)
                except BlockingIOError:
                    written = 0
                view = view[written:]
                if view and not select.select([], [self._fd], [], remaining(deadline))[1]:
                    raise PrinterFault("timeout", f"printer device {self.path} stopped taking data")
        except OSError as exc:
            self.close()
            raise PrinterFault("unreachable", f"printer device {self.path} went away: {exc.strerror}") from exc

    def finish(self, deadline: float) -> None:
        """Nothing to wait for: the bytes are in the device's (or the file's) hands."""

    def read(self, size: int, deadline: float) -> bytes:
        return b""

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def abort(self) -> None:
        """Nothing to do: writes never block past their deadline."""


class UsbTransport:
    """A USB printer through python-escpos' Usb class (pyusb + libusb), with our timeouts."""

    answers_status = True
    confirms_delivery = False
    IN_ENDPOINT = 0x82
    OUT_ENDPOINT = 0x01

    def __init__(self, vendor: int, product: int) -> None:
        self.vendor = vendor
        self.product = product
        self._printer = None

    @property
    def where(self) -> str:
        return f"USB {self.vendor:04x}:{self.product:04x}"

    def open(self, deadline: float) -> None:
        self.close()
        from escpos.exceptions import DeviceNotFoundError
        from escpos.printer import Usb

        try:
            import usb.core
        except ImportError as exc:
            raise PrinterFault("error", "USB printing needs the pyusb package") from exc
        printer = Usb(self.vendor, self.product, in_ep=self.IN_ENDPOINT, out_ep=self.OUT_ENDPOINT)
        try:
            printer.open()
        except usb.core.NoBackendError as exc:
            raise PrinterFault(
                "error", f"{self.where}: no USB backend (install libusb-1.0; Debian: apt-get install libusb-1.0-0)"
            ) from exc
        except DeviceNotFoundError as exc:
            raise PrinterFault("unreachable", f"no printer found on {self.where} (unplugged or switched off?)") from exc
        self._printer = printer

    def _device(self):  # pyusb's Device has no type hints
        if self._printer is None:
            raise PrinterFault("error", f"{self.where} is not open")
        return self._printer.device

    def write(self, data: bytes, deadline: float) -> None:
        import usb.core

        try:
            self._device().write(self.OUT_ENDPOINT, data, max(int(remaining(deadline) * 1000), 1))
        except usb.core.USBTimeoutError as exc:
            raise PrinterFault("timeout", f"printer on {self.where} stopped taking data") from exc
        except usb.core.USBError as exc:
            self.close()
            raise PrinterFault("unreachable", f"printer on {self.where} went away: {exc}") from exc

    def finish(self, deadline: float) -> None:
        """Nothing to wait for: a USB transfer returns once the printer has the data."""

    def read(self, size: int, deadline: float) -> bytes:
        import usb.core

        try:
            return bytes(self._device().read(self.IN_ENDPOINT, size, max(int(remaining(deadline) * 1000), 1)))
        except usb.core.USBTimeoutError:
            return b""
        except usb.core.USBError as exc:
            self.close()
            raise PrinterFault("unreachable", f"printer on {self.where} went away: {exc}") from exc

    def close(self) -> None:
        if self._printer is not None:
            self._printer.close()
            self._printer = None

    def abort(self) -> None:
        """Nothing to do: every USB transfer carries its own timeout."""
