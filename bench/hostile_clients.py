#!/usr/bin/env python3
"""Slow and hostile clients against a real ``hallcall server`` process, while the hall works.

It prints figures and exits non-zero when a zero is broken.  The hall's own clients (a kiosk,
counters 1-3 with their clerks, the first floor's display) keep calling tickets throughout;
each call is timed from the counter sending ``call_next`` to the display receiving the call.
The p99 of that time is reported with no attack, during each attack and after them:

* **slow readers**: ``--slow`` displays (raw sockets with a 4 KiB receive buffer) that say hello,
  then ask for snapshots over and over and never read a byte.  Their answers and their share of
  every broadcast pile up in the server's write buffers: the server must keep the others served
  and its memory bounded (a connection's own answers wait at websockets' write limit; a broadcast
  to a client more than 4 MiB behind disconnects it, server/hub.py; its keepalive ping is not
  answered, so websockets closes it after ping_interval + ping_timeout, 40 s).
* **half-open connections**: ``--half-open`` TCP connections that never start the websocket
  handshake, and as many that finish the handshake and never say hello.  The server must close
  them (websockets' open_timeout, 10 s; the server's hello timeout, 10 s) and keep serving; the
  server's open file descriptors are read before, during and after.
* **wrong tokens**: ``--flooders`` connections each sending hellos with wrong display tokens as
  fast as they are answered.  The server spends an Argon2 hash on each (so a wrong token takes as
  long as a right one) and slows each address down (the sign-in throttle).

Counted as failures: a call the display did not receive within 5 s, a hall client's request
refused or unanswered, a half-open connection the server still held 25 s after the attack, an
unhandled traceback in the server's log, the server ending.

Run: ``.venv/bin/python bench/hostile_clients.py [--full]``  (short form: 40 calls a phase, 200
half-open connections of each kind, 5 s of each attack; ``--full``: 300 calls, 1,000 of each
kind, 60 s of each attack).  The counts are bounded by ``ulimit -n``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import resource
import secrets
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
from data_folder import run_in_folder
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.frames import Frame, Opcode

from hallcall.client import HallClient, RequestFailed
from hallcall.launch.demo import hall
from hallcall.server.child import ServerChild, start_server

KIOSK = {"device": "kiosk-1", "token": "demo-kiosk-1-7f3a9c21e4b0"}
DISPLAY = {"device": "display-1F", "token": "demo-display-1f-3c9e71a4d820"}
COUNTERS = ((1, "zhang.wei"), (2, "li.na"), (3, "wang.fang"))
SERVICES = ("social", "medical", "business", "consult", "pickup", "tax")  # all taken by counters 1-3
CALL_WAIT = 5.0  # a call not on the display after this long is a failure
CLOSE_WAIT = 25.0  # half-open connections still open after this long are a failure


@dataclass
class Size:
    calls: int = 40
    slow: int = 20
    half_open: int = 200
    flooders: int = 50
    attack_seconds: float = 5.0


SHORT = Size()
FULL = Size(calls=300, slow=50, half_open=1000, flooders=200, attack_seconds=60.0)


@dataclass
class Phase:
    name: str
    latencies_ms: list[float] = field(default_factory=list)
    missed: int = 0
    notes: list[str] = field(default_factory=list)

    def p(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))]


@dataclass
class Result:
    phases: list[Phase] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    half_open_left: int = 0
    tracebacks: int = 0
    server_ended: bool = False

    def summary(self) -> str:
        lines = ["hostile clients: call -> display on the demo hall's real clients (3 counters, kiosk, display 1F)"]
        for ph in self.phases:
            lines.append(
                f"  {ph.name:<26} {len(ph.latencies_ms):>4} calls  p50 {ph.p(50):7.1f} ms  p99 {ph.p(99):7.1f} ms  "
                f"max {max(ph.latencies_ms, default=float('nan')):7.1f} ms  missed {ph.missed}"
            )
            lines.extend(f"      {note}" for note in ph.notes)
        lines.append(
            f"  refused or unanswered hall requests {len(self.refused)}, half-open connections left "
            f"{self.half_open_left}, tracebacks {self.tracebacks}, server ended {self.server_ended}"
        )
        lines.extend(f"  refused: {r}" for r in self.refused[:3])
        return "\n".join(lines)

    @property
    def missed(self) -> int:
        return sum(ph.missed for ph in self.phases)


# ------------------------------------------------------------------ the hall's real clients
class Hall:
    """The kiosk, three counters and the display, and the timing of calls."""

    def __init__(self, url: str, result: Result) -> None:
        self.url, self.result = url, result
        self.seen: dict[str, float] = {}  # ticket number -> when the display received its call
        self.counters: list[HallClient] = []
        self.issued = 0

    async def open(self) -> None:
        self.kiosk = await self._client("kiosk", **KIOSK)
        self.display = await self._client("display", **DISPLAY)
        self.display.listeners.append(self._on_display)
        for number, clerk in COUNTERS:
            self.counters.append(await self._client("counter", counter=number, clerk=clerk, password=hall.PASSWORD))

    async def _client(self, role: str, **fields: Any) -> HallClient:
        c = HallClient(self.url, open_timeout=30)
        await c.connect()
        await c.hello(role, **fields)
        return c

    def _on_display(self, message: dict[str, Any]) -> None:
        if message.get("type") == "event" and message.get("topic") == "calls":
            self.seen.setdefault(message["data"]["number"], time.perf_counter())

    async def _request(self, client: HallClient, kind: str, **fields: Any) -> dict[str, Any] | None:
        try:
            return await asyncio.wait_for(client.request(kind, **fields), CALL_WAIT)
        except (RequestFailed, TimeoutError) as exc:
            self.result.refused.append(f"{kind}: {exc!r}")
            return None

    async def calls(self, phase: Phase, count: int) -> None:
        """``count`` calls round the counters, one after another, each finished before the next."""
        for i in range(count):
            counter = self.counters[i % len(self.counters)]
            service = SERVICES[self.issued % len(SERVICES)]  # a service numbers at most 999 tickets a day
            self.issued += 1
            if await self._request(self.kiosk, "issue", service=service) is None:
                continue
            sent = time.perf_counter()
            answer = await self._request(counter, "call_next")
            if answer is None:
                continue
            number = answer["ticket"]["number"]
            deadline = sent + CALL_WAIT
            while number not in self.seen and time.perf_counter() < deadline:
                await asyncio.sleep(0.001)
            if number in self.seen:
                phase.latencies_ms.append(1000 * (self.seen[number] - sent))
            else:
                phase.missed += 1
            await self._request(counter, "finish")
            await asyncio.sleep(0.02)

    async def close(self) -> None:
        for c in [self.kiosk, self.display, *self.counters]:
            await c.close()


# ------------------------------------------------------------------ attackers
def _handshake(port: int) -> bytes:
    key = base64.b64encode(secrets.token_bytes(16)).decode()
    return (
        f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()


def _frame(message: dict[str, Any]) -> bytes:
    return Frame(Opcode.TEXT, json.dumps(message).encode()).serialize(mask=True)


def _open_raw(port: int, *, handshake: bool, rcvbuf: int | None = None) -> socket.socket:
    """A TCP connection to the server; with ``handshake``, a websocket whose 101 answer was read."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(30)
    s.connect(("127.0.0.1", port))
    if handshake:
        s.sendall(_handshake(port))
        got = b""
        while b"\r\n\r\n" not in got:
            chunk = s.recv(1)  # one byte at a time: nothing after the headers is read
            if not chunk:
                raise ConnectionError("the server closed the connection during the handshake")
            got += chunk
        if not got.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(f"handshake refused: {got[:80]!r}")
    return s


async def slow_readers(port: int, count: int, stop: asyncio.Event, server: psutil.Process, phase: Phase) -> None:
    """Displays that ask for snapshots and never read; the server's RSS is sampled meanwhile."""
    socks = []
    for _ in range(count):
        s = await asyncio.to_thread(_open_raw, port, handshake=True, rcvbuf=4096)
        s.sendall(_frame({"type": "hello", "id": "h", "role": "display", **DISPLAY}))
        s.setblocking(False)
        socks.append(s)
    pending = {s: b"" for s in socks}
    closed: set[socket.socket] = set()
    rss0 = server.memory_info().rss
    peak, asked, n = rss0, 0, 0
    while not stop.is_set():
        for s in socks:
            if s in closed:
                continue
            if len(pending[s]) < 4096:
                n += 1
                pending[s] += _frame({"type": "snapshot", "id": f"s{n}"})
                asked += 1
            try:
                sent = s.send(pending[s])
                pending[s] = pending[s][sent:]
            except BlockingIOError:
                pass
            except OSError:
                closed.add(s)
        peak = max(peak, server.memory_info().rss)
        await asyncio.sleep(0.02)
    phase.notes.append(
        f"{count} slow readers asked for {asked} snapshots and read none; server RSS {rss0 / 2**20:.1f} MiB "
        f"before, peak {peak / 2**20:.1f} MiB (+{(peak - rss0) / 2**20:.1f} MiB); {len(closed)} of them "
        f"disconnected by the server within the attack"
    )
    for s in socks:
        s.close()


async def half_open(port: int, count: int, stop: asyncio.Event, server: psutil.Process, phase: Phase) -> int:
    """``count`` bare TCP connections and ``count`` websockets without hello; how many are left open
    ``CLOSE_WAIT`` seconds after they were made."""
    fds0 = server.num_fds()
    began = time.monotonic()
    bare: list[socket.socket] = []
    for _ in range(count):
        bare.append(await asyncio.to_thread(_open_raw, port, handshake=False))
    quiet: list[socket.socket] = []
    for _ in range(count):
        quiet.append(await asyncio.to_thread(_open_raw, port, handshake=True))
    opened = time.monotonic() - began
    peak_fds = server.num_fds()
    everyone = bare + quiet
    for s in everyone:
        s.setblocking(False)
    closed_at: dict[socket.socket, float] = {}
    deadline = began + opened + CLOSE_WAIT
    while time.monotonic() < deadline and len(closed_at) < len(everyone):
        for s in everyone:
            if s in closed_at:
                continue
            try:
                if s.recv(65536) == b"":
                    closed_at[s] = time.monotonic() - began
            except BlockingIOError:
                pass
            except OSError:
                closed_at[s] = time.monotonic() - began
        await asyncio.sleep(0.1)
    stop.set()
    left = len(everyone) - len(closed_at)
    last = max(closed_at.values(), default=float("nan"))
    for s in everyone:
        s.close()
    await asyncio.sleep(1.0)
    phase.notes.append(
        f"{count} TCP connections without a handshake and {count} websockets without a hello opened in "
        f"{opened:.1f} s; server file descriptors {fds0} before, {peak_fds} with them open, "
        f"{server.num_fds()} after; the server closed {len(closed_at)} of {len(everyone)}, the last "
        f"{last:.1f} s after the first was opened; {left} left open"
    )
    return left


async def wrong_tokens(url: str, count: int, stop: asyncio.Event, server: psutil.Process, phase: Phase) -> None:
    """``count`` connections sending display hellos with wrong tokens, each as fast as it is answered."""
    answered: list[float] = []
    codes: dict[str, int] = {}
    cpu0 = sum(server.cpu_times()[:2])
    began = time.monotonic()

    async def flooder(i: int) -> None:
        while not stop.is_set():
            try:
                async with connect(url, compression=None, proxy=None, open_timeout=30) as ws:
                    while not stop.is_set():
                        sent = time.perf_counter()
                        token = secrets.token_hex(12)
                        await ws.send(json.dumps({"type": "hello", "id": "w", "role": "display", "token": token}))
                        answer = json.loads(await ws.recv())
                        answered.append(time.perf_counter() - sent)
                        codes[answer.get("code", answer["type"])] = codes.get(answer.get("code", answer["type"]), 0) + 1
            except (ConnectionClosed, InvalidHandshake, OSError, TimeoutError):
                await asyncio.sleep(0.1)

    tasks = [asyncio.create_task(flooder(i)) for i in range(count)]
    await stop.wait()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    seconds = time.monotonic() - began
    cpu = sum(server.cpu_times()[:2]) - cpu0
    ordered = sorted(answered) or [float("nan")]
    phase.notes.append(
        f"{count} connections sent {len(answered)} wrong-token hellos in {seconds:.1f} s "
        f"({len(answered) / seconds:.1f}/s), answered {codes}; answer time median "
        f"{ordered[len(ordered) // 2]:.2f} s, max {ordered[-1]:.2f} s; server CPU {100 * cpu / seconds:.0f} % of a core"
    )


# ------------------------------------------------------------------ the run
def bounded(size: Size) -> Size:
    """The counts, cut to what ``ulimit -n`` allows on both ends (the server inherits this limit)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    room = max(10, (soft - 300) // 2)
    return Size(
        size.calls, min(size.slow, room), min(size.half_open, room // 2), min(size.flooders, room), size.attack_seconds
    )


async def campaign(server: ServerChild, size: Size, progress: bool = False) -> Result:
    result = Result()
    ps = psutil.Process(server.proc.pid)
    h = Hall(server.url, result)
    await h.open()

    async def under(name: str, attack: Any = None) -> Phase:
        phase = Phase(name)
        result.phases.append(phase)
        if attack is None:
            await h.calls(phase, size.calls)
            return phase
        stop = asyncio.Event()
        task = asyncio.create_task(attack(stop, phase))
        await asyncio.sleep(1.0)  # the attack is under way before the first timed call
        ends = time.monotonic() + size.attack_seconds
        while not task.done() and (time.monotonic() < ends or not phase.latencies_ms):
            await h.calls(phase, min(10, size.calls))
            if len(phase.latencies_ms) >= size.calls and time.monotonic() >= ends:
                break
        stop.set()
        found = await task
        if isinstance(found, int):
            result.half_open_left += found
        if progress:
            print(f"  {name}: {len(phase.latencies_ms)} calls, p99 {phase.p(99):.1f} ms; {phase.notes}", flush=True)
        return phase

    await under("no attack")
    await under("slow readers", lambda stop, ph: slow_readers(server.port, size.slow, stop, ps, ph))
    await under("half-open connections", lambda stop, ph: half_open(server.port, size.half_open, stop, ps, ph))
    await under("wrong-token hellos", lambda stop, ph: wrong_tokens(server.url, size.flooders, stop, ps, ph))
    await under("after the attacks")
    await h.close()
    return result


def hall_config(data: Path) -> Path:
    """The demo hall with kiosks allowed 6,000 tickets a minute: the timed calls need one ticket each,
    faster than the kiosk's pace for people (``issue_rate_per_minute``, 20 by default) allows."""
    text = Path(hall.DEMO_CONFIG).read_text(encoding="utf-8")
    assert text.count("\n[server]\n") == 1
    path = data / "config" / Path(hall.DEMO_CONFIG).name  # the same name: the same database file
    path.parent.mkdir()
    path.write_text(
        text.replace("\n[server]\n", "\n[server]\nissue_rate_per_minute = 6000\nissue_burst = 1000\n"), encoding="utf-8"
    )
    return path


def run(size: Size, data: Path, *, progress: bool = False) -> Result:
    config = hall.load()
    hall.prepare(config, data)
    server = start_server(hall_config(data), data, options=("--ignore-hours",))
    try:
        result = asyncio.run(campaign(server, bounded(size), progress))
    finally:
        ended = server.proc.poll() is not None
        server.stop()
    result.server_ended = ended
    result.tracebacks = server.log.read_text(encoding="utf-8", errors="replace").count("Traceback")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--full", action="store_true", help="300 calls a phase, 1,000 half-open of each kind, 60 s attacks"
    )
    parser.add_argument("--keep", action="store_true", help="keep the data folder (database, server log)")
    args = parser.parse_args(argv)
    size = FULL if args.full else SHORT
    result = run_in_folder(lambda data: run(size, data, progress=True), args.keep, "hallcall-hostile-")
    broken = result.refused or result.missed or result.half_open_left or result.tracebacks or result.server_ended
    return 1 if broken else 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
