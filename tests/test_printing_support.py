"""Fake ticket printers at the hardware boundary: a pty pair standing in for a serial cable,
and a local TCP server standing in for a network printer on port 9100.

Each records every byte it receives and answers DLE EOT status queries the way the printer
would in the chosen condition, so tests can make the faults a hall sees: a printer that never
answers, one out of paper, one that accepts a connection and never reads.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import termios
import threading
import time
import tty
from collections.abc import Callable

from hallcall.kiosk.escpos_codes import STATUS_QUERY

# DLE EOT answers (n = 1 printer, 2 offline cause, 4 paper sensor).
READY = bytes([0x12, 0x12, 0x12])
PAPER_OUT = bytes([0x1A, 0x32, 0x72])  # offline because the paper ran out
PAPER_LOW = bytes([0x12, 0x12, 0x1E])
COVER_OPEN = bytes([0x1A, 0x16, 0x12])

BAUD_CONSTANTS = {9600: termios.B9600, 19200: termios.B19200, 115200: termios.B115200}


class _Recorder:
    """Collects bytes and answers status queries; shared by both fakes."""

    def __init__(self, answer: bytes | None) -> None:
        self.answer = answer  # None = never answers
        self.received = bytearray()
        self.first_byte_at: float | None = None
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self._answered = 0
        self.arrivals: list[tuple[int, float]] = []  # (offset of a chunk's first byte, perf_counter)

    def feed(self, data: bytes) -> bytes:
        """Record ``data``; return the status answers owed for queries seen so far."""
        with self.lock:
            now = time.perf_counter()
            if self.first_byte_at is None and data:
                self.first_byte_at = now
            self.arrivals.append((len(self.received), now))
            self.received += data
            self.changed.notify_all()
            queries = bytes(self.received).count(STATUS_QUERY)
            owed = queries - self._answered
            self._answered = queries
        return (self.answer or b"") * owed

    def arrival_of(self, offset: int) -> float:
        """When the byte at ``offset`` arrived (the time of the chunk that carried it)."""
        with self.lock:
            return max(t for start, t in self.arrivals if start <= offset)

    def job_bytes(self) -> bytes:
        """What arrived, without the status queries: the tickets themselves."""
        with self.lock:
            return bytes(self.received).replace(STATUS_QUERY, b"")

    def wait_for(self, predicate: Callable[[bytes], bool], timeout: float = 5.0) -> bool:
        with self.lock:
            return self.changed.wait_for(lambda: predicate(bytes(self.received)), timeout)


class PtyPrinter(_Recorder):
    """A serial printer on the far side of a pty; open the printer on ``port``."""

    def __init__(self, answer: bytes | None = READY, baud: int = 115200) -> None:
        super().__init__(answer)
        self.master, self.slave = os.openpty()
        tty.setraw(self.master)
        attrs = termios.tcgetattr(self.slave)
        attrs[4] = attrs[5] = BAUD_CONSTANTS[baud]
        termios.tcsetattr(self.slave, termios.TCSANOW, attrs)
        self.port = os.ttyname(self.slave)
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop:
            try:
                ready, _, _ = select.select([self.master], [], [], 0.05)
                if not ready:
                    continue
                data = os.read(self.master, 4096)
            except OSError:
                return
            reply = self.feed(data)
            if reply:
                os.write(self.master, reply)

    def unplug(self) -> None:
        """The cable is pulled: the far end goes away while the port may be open."""
        self._stop = True
        self._thread.join(1)
        os.close(self.master)

    def close(self) -> None:
        if not self._stop:
            self.unplug()
        os.close(self.slave)


class TcpPrinter(_Recorder):
    """A network printer on 127.0.0.1; ``reads=False`` accepts and never reads a byte."""

    def __init__(
        self,
        answer: bytes | None = READY,
        *,
        reads: bool = True,
        answer_delay: float = 0.0,
        read_delay: float = 0.0,
        port: int = 0,
    ) -> None:
        super().__init__(answer)
        self.reads = reads
        self.answer_delay = answer_delay  # a busy printer that answers status late
        self.read_delay = read_delay  # a printer that takes 512 bytes at a time, as it prints them
        self.server = socket.socket()
        if not reads or read_delay:
            # A printer's own buffer is a few KB; keep the kernel's small too.
            self.server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
        self.server.bind(("127.0.0.1", port))  # port 0: any free one; else a printer switched on there
        self.server.listen(4)
        self.port = self.server.getsockname()[1]
        self.connections: list[socket.socket] = []
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @property
    def spec(self) -> str:
        return f"network:127.0.0.1:{self.port}"

    def _run(self) -> None:
        self.server.settimeout(0.05)
        while not self._stop:
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections.append(conn)
            if self.reads:
                threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(0.05)
        while not self._stop:
            try:
                data = conn.recv(512 if self.read_delay else 4096)
                time.sleep(self.read_delay)
            except TimeoutError:
                continue
            except OSError:
                return
            if not data:  # the kiosk closed its side: a printer closes too
                conn.close()
                return
            reply = self.feed(data)
            if reply and self.answer_delay:
                threading.Timer(self.answer_delay, self._send_late, (conn, reply)).start()
            elif reply:
                conn.sendall(reply)

    @staticmethod
    def _send_late(conn: socket.socket, reply: bytes) -> None:
        with contextlib.suppress(OSError):  # the kiosk may have gone already
            conn.sendall(reply)

    def close(self) -> None:
        self._stop = True
        self._thread.join(1)
        self.server.close()
        for conn in self.connections:
            conn.close()


def free_port() -> int:
    """A loopback port nobody listens on (connections to it are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
