#!/usr/bin/env python3
"""Server load benchmark: a real ``hallcall server`` process under a hall's worth of clients.

It prints figures; it is not a pass/fail test.  One run:

1. writes a hall TOML for the run into a temporary folder (N comprehensive counters, enough
   services that the 999-a-day numbering never runs out, K kiosks and M displays with tokens,
   open around the clock), seeds N clerks straight into the hall's database, and starts
   ``python -m hallcall.launch.cli server --port 0`` as a child process, reading the port from its
   "listening on ws://HOST:PORT" line;
2. connects the clients on 127.0.0.1 with ``hallcall.client.HallClient`` (the client the
   programs use, on the websockets library), in separate load-generator processes (the
   machine has 2 cores: one for the server, one for the clients):

   * ``hall``  process: the N counters (each signed in with its own clerk) and the M displays,
   * ``kiosk`` process(es): the K kiosks,
   * ``idle``  process: the extra idle displays for the memory figure;

3. measures, in this order:

   * memory per idle connection: the server's RSS (psutil) before and after opening ``--idle``
     extra authenticated display connections, divided by their count (done first, on a quiet
     server, so the figure is not flattered by memory freed by the load phases);
   * tickets per second through the whole path (kiosk → server → SQLite commit → answer), with
     the K kiosks issuing at once, each keeping ``--window`` requests in flight;
   * call → displays: the time from a counter sending ``call_next`` to the LAST of the M displays
     receiving the ``calls`` event for that ticket (send and receive timed with
     ``time.perf_counter`` in one process, the ``hall`` process), for ``--calls`` calls spread
     round-robin over the counters at ``--call-rate`` calls per second;

4. prints a summary against the targets and stops the server (SIGTERM, then kill).

``--tls`` runs the server with ``--tls-cert``/``--tls-key`` (a hall CA and a certificate for
127.0.0.1 made by ``hallcall admin make-cert``'s code in the run's folder) and every client over
wss:// trusting that CA: the cost of encryption (docs/performance.md, "Encryption").

``--profile FILE`` runs the server under cProfile (``python -m cProfile -o FILE -m hallcall.launch.cli
server ...``); the figures of such a run are slowed by the profiler, and generator-heavy code
looks worse than it is.  Read the profile with
``python -c "import pstats; pstats.Stats('FILE').sort_stats('cumulative').print_stats(40)"``.
``--py-spy PREFIX`` samples the running server with py-spy (``pip install py-spy``; far less
overhead) during the tickets and the calls phases, writes PREFIX-tickets.txt and
PREFIX-calls.txt (collapsed stacks, for flamegraph tools) and prints where the time went.

Run: ``.venv/bin/python bench/server_load.py --counters 100 --displays 20 --kiosks 5``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import itertools
import math
import multiprocessing as mp
import os
import platform
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zoneinfo
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import psutil

from hallcall.client import HallClient, use_hall_ca
from hallcall.server.child import ServerChild, ServerDidNotStart
from hallcall.server.child import start_server as start_child

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-pass-1234"
TIMEZONE = "Asia/Shanghai"

TARGET_CALL_P99_MS = 10.0
TARGET_TICKETS_PER_S = 5000.0
TARGET_IDLE_KIB = 20.0


# ---------------------------------------------------------------------------------------------
# The hall for the run
# ---------------------------------------------------------------------------------------------
def service_prefixes(count: int) -> list[str]:
    """AA, AB, ... AZ, BA, ...: two capital letters, as many as asked (at most 676)."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return [a + b for a, b in itertools.product(letters, letters)][:count]


@dataclass
class Hall:
    config: Path
    data: Path
    services: list[str]
    kiosks: list[tuple[str, str]]  # (device, token)
    displays: list[tuple[str, str]]
    idle_display: tuple[str, str]
    topup_kiosk: tuple[str, str]
    counters: int


def write_hall(
    folder: Path, counters: int, displays: int, kiosks: int, services: int, synchronous: str | None = None
) -> Hall:
    """A hall TOML for the run: comprehensive unstaffed counters that anyone may sign in at."""
    # The business day must not roll over during the run: put the rollover 12 hours from now.
    now_hour = dt.datetime.now(zoneinfo.ZoneInfo(TIMEZONE)).hour
    rollover = (now_hour + 12) % 24
    ids = [f"s{i + 1:03d}" for i in range(services)]
    lines = [
        "# Written by bench/server_load.py for one run; thrown away afterwards.",
        "[hall]",
        'name = { zh = "压力测试大厅", en = "Load test hall" }',
        'languages = ["zh", "en"]',
        f'timezone = "{TIMEZONE}"',
        f"rollover_hour = {rollover}",
        'opening_hours = ["00:00-24:00"]',
        'open_days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]',
        "",
    ]
    for sid, prefix in zip(ids, service_prefixes(services), strict=True):
        lines += [
            "[[services]]",
            f'id = "{sid}"',
            f'prefix = "{prefix}"',
            f'name = {{ zh = "业务{prefix}", en = "Service {prefix}" }}',
            # Long targets: tens of thousands of waiting tickets must not turn into wait warnings
            # during a run of a few minutes (that would measure a warning storm instead).
            "target_wait_minutes = 240",
            "default_handle_minutes = 5",
            "",
        ]
    for number in range(1, counters + 1):
        lines += ["[[counters]]", f"number = {number}", "services = []", "staffed = false", ""]
    kiosk_devices = [(f"kiosk-{i + 1:02d}", f"bench-kiosk-{i + 1:02d}-{secrets.token_hex(6)}") for i in range(kiosks)]
    display_devices = [
        (f"display-{i + 1:02d}", f"bench-display-{i + 1:02d}-{secrets.token_hex(6)}") for i in range(displays)
    ]
    idle = ("display-idle", f"bench-idle-{secrets.token_hex(6)}")
    topup = ("kiosk-topup", f"bench-topup-{secrets.token_hex(6)}")

    def devices(items: list[tuple[str, str]]) -> str:
        return ",\n".join(f'  {{ name = "{n}", token = "{t}" }}' for n, t in items)

    lines += [
        "[devices]",
        f"kiosks = [\n{devices([*kiosk_devices, topup])},\n]",
        f"displays = [\n{devices([*display_devices, idle])},\n]",
        "",
    ]
    # five kiosks issuing thousands of tickets a second: no pace limit for a device (load tests only)
    lines += ["[server]", "issue_rate_per_minute = 0"]
    if synchronous:
        lines += [f'synchronous = "{synchronous}"']
    lines += [""]
    config = folder / "bench-hall.toml"
    config.write_text("\n".join(lines), encoding="utf-8")
    return Hall(config, folder / "data", ids, kiosk_devices, display_devices, idle, topup, counters)


def seed_clerks(hall: Hall) -> None:
    """One clerk per counter, clerk001..clerkNNN, all with one password (hashed once)."""
    sys.path.insert(0, str(ROOT))
    from hallcall import config as hall_config
    from hallcall.server import auth
    from hallcall.server.app import database_path
    from hallcall.server.storage import Storage

    hall_config.load(hall.config)  # a config the server would refuse should fail here, clearly
    digest = auth.hash_password(PASSWORD)
    storage = Storage(database_path(hall.config, hall.data), owner=False)
    try:
        for number in range(1, hall.counters + 1):
            storage.save_clerk(clerk_name(number), digest, role="clerk")
    finally:
        storage.close()


def effective_synchronous(hall: Hall) -> str:
    from hallcall import config as hall_config

    return hall_config.load(hall.config).server.synchronous


def clerk_name(number: int) -> str:
    return f"clerk{number:03d}"


# ---------------------------------------------------------------------------------------------
# The server process
# ---------------------------------------------------------------------------------------------
@dataclass
class ServerProcess:
    """The server child (server/child.py) with what this bench reads off it."""

    child: ServerChild
    ca: Path | None = None  # the hall CA the server's certificate is signed by (--tls)
    ps: psutil.Process = field(init=False)

    def __post_init__(self) -> None:
        self.ps = psutil.Process(self.child.proc.pid)

    @property
    def proc(self) -> subprocess.Popen[bytes]:
        return self.child.proc

    @property
    def url(self) -> str:
        return self.child.url

    def rss(self) -> int:
        return self.ps.memory_info().rss

    def cpu(self) -> tuple[float, float]:
        """(user, system) CPU seconds so far."""
        t = self.ps.cpu_times()
        return t.user, t.system

    def histogram(self, metric: str = "hallcall_request_seconds") -> dict[str, dict[float, float]]:
        """The server's own request-latency histogram from /metrics: type → {upper bound: count}."""
        import ssl
        import urllib.request

        context = ssl.create_default_context(cafile=str(self.ca)) if self.ca else None
        with urllib.request.urlopen(f"{self.child.http_url}/metrics", timeout=10, context=context) as answer:
            text = answer.read().decode()
        found: dict[str, dict[float, float]] = {}
        for m in re.finditer(rf"^{metric}_bucket{{([^}}]*)}} ([0-9.e+-]+)$", text, re.M):
            labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
            found.setdefault(labels.get("type", ""), {})[float(labels["le"])] = float(m.group(2))
        return found

    def stop(self) -> None:
        self.child.stop()  # a profiled server writes its profile on the way out


def start_server(hall: Hall, profile: Path | None, tls: bool = False) -> ServerProcess:
    """The server child; with ``tls``, a hall CA and a certificate for 127.0.0.1 are made in the
    run's folder first (the code of ``hallcall admin make-cert``) and the server serves wss://."""
    python = ("-m", "cProfile", "-o", str(profile)) if profile is not None else ()
    options: tuple[str, ...] = ("--ignore-hours",)
    ca = None
    if tls:
        from hallcall.server.tls import make_cert

        made = make_cert("127.0.0.1,localhost", hall.data.parent / "certs")
        options += ("--tls-cert", str(made.cert), "--tls-key", str(made.key))
        ca = made.ca_cert
    try:
        child = start_child(hall.config, hall.data, options=options, log=hall.data.parent / "server.log", python=python)
    except ServerDidNotStart as exc:
        raise SystemExit(f"server_load: {exc}") from None
    return ServerProcess(child, ca)


class Sampler:
    """py-spy recording the server during one phase; stopped with SIGINT, which writes the file."""

    def __init__(self, pid: int, output: Path) -> None:
        exe = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        self.output = output
        cmd = [exe, "record", "--pid", str(pid), "--format", "raw", "--rate", "200", "--output", str(output)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(0.5)  # let it attach before the phase starts

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


def summarize_stacks(path: Path, top: int = 14) -> list[str]:
    """Where a phase's samples went: inclusive and self shares of the busiest functions."""
    if not path.exists():
        return [f"    (no samples in {path})"]
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]
        if "threading.py" in frames[0]:
            continue  # the thread pool (password checks) waiting for work between sign-ins
        if any("select" in f and "selectors.py" in f for f in frames[-2:]):
            continue  # the loop waiting for the network: idle, not work
        total += n
        for f in set(frames):
            inclusive[f] = inclusive.get(f, 0) + n
        own[frames[-1]] = own.get(frames[-1], 0) + n
    if not total:
        return ["    (no busy samples)"]
    ours = [(f, n) for f, n in inclusive.items() if "server/" in f or ("hallcall/" in f and "cli.py" not in f)]
    lines = [f"    {total} busy samples of the event loop ({path.name}); inclusive share, our code:"]
    for f, n in sorted(ours, key=lambda x: -x[1])[:top]:
        lines.append(f"      {n / total * 100:5.1f}%  {f}")
    lines.append("    self share (where the CPU actually is):")
    for f, n in sorted(own.items(), key=lambda x: -x[1])[:top]:
        lines.append(f"      {n / total * 100:5.1f}%  {f}")
    return lines


# ---------------------------------------------------------------------------------------------
# The clients: hallcall.client.HallClient, the one the programs use
# ---------------------------------------------------------------------------------------------
async def signed_in(
    url: str, role: str, listener: Callable[[dict[str, Any]], None] | None = None, **fields: Any
) -> HallClient:
    """A connected client that has said hello as ``role``; ``listener`` gets its events."""
    client = HallClient(url, open_timeout=30)
    if listener is not None:
        client.listeners.append(listener)
    await client.connect()
    await client.hello(role, **fields)  # RequestFailed if the server refuses
    return client


async def open_many(count: int, opener: Callable[[int], Awaitable[HallClient]], concurrency: int) -> list[HallClient]:
    """Open ``count`` clients with at most ``concurrency`` hellos in flight; in index order."""
    sem = asyncio.Semaphore(concurrency)

    async def one(i: int) -> HallClient:
        async with sem:
            return await opener(i)

    return list(await asyncio.gather(*(one(i) for i in range(count))))


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def _child_send(conn: Connection, kind: str, data: Any = None) -> None:
    conn.send((kind, data))


async def _command(conn: Connection) -> tuple[str, Any]:
    return await asyncio.to_thread(conn.recv)


def _run_child(main: Callable[..., Any], conn: Connection, ca: Path | None, *args: Any) -> None:
    """Entry point of a load-generator process: run ``main`` (its clients trusting ``ca`` for
    wss://, as a program started with --ca does) and report a failure, not hang."""
    use_hall_ca(ca)
    try:
        asyncio.run(main(conn, *args))
    except BaseException as exc:
        with contextlib.suppress(Exception):
            _child_send(conn, "error", f"{type(exc).__name__}: {exc}")
        raise


# ---------------------------------------------------------------------------------------------
# The hall process: N counters and M displays (the call → display latency is timed here)
# ---------------------------------------------------------------------------------------------
async def hall_main(conn: Connection, url: str, hall: Hall) -> None:
    m = len(hall.displays)
    arrivals: dict[str, list[float]] = {}  # number → [displays reached, first arrival, last arrival]
    waiters: dict[str, asyncio.Future[None]] = {}

    def on_display_event(message: dict[str, Any]) -> None:
        if message.get("topic") != "calls" or message.get("type") != "event":
            return
        now = time.perf_counter()
        number = message["data"]["number"]
        entry = arrivals.get(number)
        if entry is None:
            arrivals[number] = entry = [0, now, now]
        entry[0] += 1
        entry[2] = now
        if entry[0] >= m:
            fut = waiters.pop(number, None)
            if fut is not None and not fut.done():
                fut.set_result(None)

    async def display(i: int) -> HallClient:
        name, token = hall.displays[i]
        return await signed_in(url, "display", on_display_event, device=name, token=token)

    async def counter(i: int) -> HallClient:
        return await signed_in(url, "counter", counter=i + 1, clerk=clerk_name(i + 1), password=PASSWORD)

    started = time.perf_counter()
    displays = await open_many(m, display, 10)
    counters = await open_many(hall.counters, counter, 4)  # each sign-in costs an Argon2 check
    topup = await signed_in(url, "kiosk", device=hall.topup_kiosk[0], token=hall.topup_kiosk[1])
    _child_send(conn, "ready", {"pid": os.getpid(), "connect_s": time.perf_counter() - started})

    while True:
        kind, params = await _command(conn)
        if kind == "stop":
            break
        if kind == "topup":
            issued = 0
            for i in range(params):
                answer = await topup.call("issue", timeout=30, service=hall.services[i % len(hall.services)])
                issued += answer.get("type") == "result"
            _child_send(conn, "result", issued)
        elif kind == "snapshots":
            took = []
            for _ in range(params):
                t0 = time.perf_counter()
                answer = await displays[0].call("snapshot", timeout=60)
                if answer.get("type") == "result":
                    took.append((time.perf_counter() - t0) * 1000)
            _child_send(conn, "result", took)
        elif kind == "calls":
            _child_send(conn, "result", await run_calls(counters, m, arrivals, waiters, **params))

    await asyncio.gather(*(client.close() for client in [*counters, *displays, topup]))
    _child_send(conn, "stopped")


async def run_calls(
    counters: list[HallClient],
    m: int,
    arrivals: dict[str, list[float]],
    waiters: dict[str, asyncio.Future[None]],
    *,
    calls: int,
    rate: float,
    deadline_s: float,
) -> dict[str, Any]:
    """``calls`` call_next requests, round-robin over the counters, paced at ``rate`` per second
    (0: one after another); each counter finishes its ticket once every display has seen it."""
    last: list[float] = []  # call_next sent → last display got the call (s)
    first: list[float] = []  # ... → first display got it
    answered: list[float] = []  # ... → the counter got its answer
    errors: dict[str, int] = {}
    busy: dict[int, asyncio.Task[None]] = {}
    loop = asyncio.get_running_loop()
    deadline = time.perf_counter() + deadline_s

    async def one(client: HallClient, previous: asyncio.Task[None] | None) -> None:
        if previous is not None:
            with contextlib.suppress(Exception):  # counted once, where it happened
                await previous  # a counter calls again only after finishing its last ticket
        t0 = time.perf_counter()
        answer = await client.call("call_next", timeout=30)
        t1 = time.perf_counter()
        if answer.get("type") != "result":
            code = str(answer.get("code"))
            errors[code] = errors.get(code, 0) + 1
            return
        number = answer["data"]["ticket"]["number"]
        entry = arrivals.get(number)
        if entry is None or entry[0] < m:
            fut = waiters[number] = loop.create_future()
            try:
                await asyncio.wait_for(fut, 10)
            except TimeoutError:
                errors["display_missed_call"] = errors.get("display_missed_call", 0) + 1
                waiters.pop(number, None)
            entry = arrivals.get(number)
        if entry is not None and entry[0] >= m:
            last.append(entry[2] - t0)
            first.append(entry[1] - t0)
            answered.append(t1 - t0)
        finish = await client.call("finish", timeout=30)
        if finish.get("type") != "result":
            code = f"finish:{finish.get('code')}"
            errors[code] = errors.get(code, 0) + 1

    started = time.perf_counter()
    tasks = []
    for i in range(calls):
        if rate > 0:
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        if time.perf_counter() > deadline:
            break
        slot = i % len(counters)
        task = asyncio.create_task(one(counters[slot], busy.get(slot)))
        busy[slot] = task
        tasks.append(task)
        if rate <= 0:
            await task
    for outcome in await asyncio.gather(*tasks, return_exceptions=True):
        if isinstance(outcome, BaseException):
            code = f"exception:{type(outcome).__name__}"
            errors[code] = errors.get(code, 0) + 1
    elapsed = time.perf_counter() - started
    return {
        "last_ms": [x * 1000 for x in last],
        "first_ms": [x * 1000 for x in first],
        "answer_ms": [x * 1000 for x in answered],
        "errors": errors,
        "sent": len(tasks),
        "elapsed_s": elapsed,
    }


# ---------------------------------------------------------------------------------------------
# The kiosk process(es): pipelined ticket issuing
# ---------------------------------------------------------------------------------------------
async def kiosk_main(
    conn: Connection,
    url: str,
    kiosks: list[tuple[str, str]],
    counts: list[int],
    services: list[str],
    window: int,
    max_seconds: float,
) -> None:
    async def kiosk(i: int) -> HallClient:
        return await signed_in(url, "kiosk", device=kiosks[i][0], token=kiosks[i][1])

    clients = await open_many(len(kiosks), kiosk, 10)
    _child_send(conn, "ready", {"pid": os.getpid()})
    kind, _ = await _command(conn)
    if kind != "go":
        return
    ok = 0
    errors: dict[str, int] = {}
    round_trips: list[float] = []
    started = time.perf_counter()
    deadline = started + max_seconds

    async def issue_many(client: HallClient, count: int, offset: int) -> None:
        nonlocal ok
        sent = itertools.count()

        async def worker() -> None:
            nonlocal ok
            while True:
                i = next(sent)
                if i >= count or time.perf_counter() > deadline:
                    return
                t0 = time.perf_counter()
                service = services[(offset + i) % len(services)]
                answer = await client.call("issue", timeout=60, service=service)
                round_trips.append(time.perf_counter() - t0)
                if answer.get("type") == "result":
                    ok += 1
                else:
                    code = str(answer.get("code"))
                    errors[code] = errors.get(code, 0) + 1

        await asyncio.gather(*(worker() for _ in range(window)))

    await asyncio.gather(*(issue_many(client, counts[i], i * 7) for i, client in enumerate(clients)))
    ended = time.perf_counter()
    _child_send(
        conn,
        "result",
        {
            "ok": ok,
            "errors": errors,
            "started": started,
            "ended": ended,
            "round_trip_ms": [x * 1000 for x in round_trips],
        },
    )
    await _command(conn)  # stop
    await asyncio.gather(*(client.close() for client in clients))
    _child_send(conn, "stopped")


# ---------------------------------------------------------------------------------------------
# The idle process: many authenticated display connections that do nothing
# ---------------------------------------------------------------------------------------------
async def idle_main(conn: Connection, url: str, count: int, device: tuple[str, str]) -> None:
    async def display(_i: int) -> HallClient:
        return await signed_in(url, "display", device=device[0], token=device[1])

    started = time.perf_counter()
    clients = await open_many(count, display, 50)
    _child_send(conn, "ready", {"pid": os.getpid(), "connect_s": time.perf_counter() - started})
    await _command(conn)  # close
    await asyncio.gather(*(client.close() for client in clients))
    _child_send(conn, "stopped")


# ---------------------------------------------------------------------------------------------
# The orchestrator
# ---------------------------------------------------------------------------------------------
@dataclass
class Child:
    name: str
    proc: Any  # multiprocessing.Process
    conn: Connection
    pid: int = 0
    cpu_s: float = 0.0

    def expect(self, kind: str, timeout: float) -> Any:
        if not self.conn.poll(timeout):
            raise SystemExit(f"server_load: the {self.name} process did not answer within {timeout:.0f} s")
        got, data = self.conn.recv()
        if got == "error":
            raise SystemExit(f"server_load: the {self.name} process failed: {data}")
        if got != kind:
            raise SystemExit(f"server_load: the {self.name} process said {got!r}, expected {kind!r}")
        return data

    def send(self, kind: str, data: Any = None) -> None:
        self.conn.send((kind, data))

    def sample_cpu(self) -> float:
        with contextlib.suppress(psutil.Error):
            t = psutil.Process(self.proc.pid).cpu_times()
            self.cpu_s = t.user + t.system
        return self.cpu_s

    def end(self, timeout: float = 15) -> None:
        self.proc.join(timeout)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(5)


def spawn(ctx: Any, name: str, server: ServerProcess, main: Callable[..., Any], *args: Any) -> Child:
    """A load-generator process running ``main`` against ``server``."""
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_run_child, args=(main, child, server.ca, *args), name=f"bench-{name}", daemon=True)
    proc.start()
    child.close()
    return Child(name, proc, parent, proc.pid)


def wait_quiet(limit: float) -> None:
    """Wait (at most ``limit`` s) until the machine has been below 10% busy for 3 s running."""
    deadline = time.monotonic() + limit
    while True:
        busy = psutil.cpu_percent(interval=3.0)
        if busy < 10.0:
            return
        if time.monotonic() > deadline:
            print(f"server_load: the machine is still {busy:.0f}% busy; measuring anyway", flush=True)
            return
        print(f"server_load: the machine is {busy:.0f}% busy with other work; waiting", flush=True)


def split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def raise_fd_limit() -> None:
    with contextlib.suppress(ImportError, ValueError, OSError):
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard == resource.RLIM_INFINITY or hard > soft:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else 65536, hard))


def watchdog(seconds: float, on_timeout: Callable[[], None]) -> threading.Timer:
    def fire() -> None:
        print(f"\nserver_load: still running after {seconds:.0f} s; stopping everything", file=sys.stderr, flush=True)
        on_timeout()
        os._exit(2)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    return timer


def machine_busy() -> float:
    """CPU seconds the whole machine has spent busy (all cores, everything but idle and I/O wait)."""
    t = psutil.cpu_times()
    return sum(t) - t.idle - getattr(t, "iowait", 0.0)


def others_share(busy0: float, busy1: float, ours: float, wall: float) -> float:
    """Share (of all cores) of the machine's busy time that did not come from this benchmark."""
    cores = os.cpu_count() or 1
    return max(0.0, (busy1 - busy0) - ours) / (wall * cores) if wall > 0 else 0.0


def bucket_percentiles(before: dict[str, dict[float, float]], after: dict[str, dict[float, float]], kind: str) -> str:
    """p50/p99 of one request type between two scrapes, as 'at most this bucket's bound'."""
    now, then = after.get(kind, {}), before.get(kind, {})
    counts = sorted((le, now[le] - then.get(le, 0.0)) for le in now)
    total = counts[-1][1] if counts else 0.0
    if total <= 0:
        return "no samples"

    def at(q: float) -> str:
        for le, n in counts:
            if n >= q * total:
                return f"≤ {le * 1000:g} ms" if le != math.inf else "> the largest bucket"
        return "?"

    return f"p50 {at(0.50)}, p99 {at(0.99)} ({total:.0f} requests)"


def code_version() -> str:
    """The commit the server ran from, and whether the work tree's server code differed from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "server", "hallcall"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown (no git)"
    return f"commit {head or '?'}" + (" with uncommitted changes in server/ or hallcall/" if dirty else "")


def websockets_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("websockets")
    except PackageNotFoundError:
        return "?"


def busy_note(others: float) -> str:
    note = f"    other programs on the machine meanwhile: {others * 100:.0f}% of all cores"
    if others > 0.1:
        note += "  <-- NOT a quiet machine: these figures are pessimistic; run again when it is idle"
    return note


def mark(ok: bool) -> str:
    return "met" if ok else "MISSED"


def fmt_ms(values: list[float]) -> str:
    if not values:
        return "no samples"
    return (
        f"p50 {percentile(values, 50):.2f} ms, p99 {percentile(values, 99):.2f} ms, "
        f"max {max(values):.2f} ms, mean {statistics.fmean(values):.2f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Load a real hallcall server and print what it sustains.")
    ap.add_argument("--counters", type=int, default=100, help="counters, each signed in (default %(default)s)")
    ap.add_argument(
        "--displays", type=int, default=20, help="displays that must all see each call (default %(default)s)"
    )
    ap.add_argument("--kiosks", type=int, default=5, help="kiosks issuing at once (default %(default)s)")
    ap.add_argument("--tickets", type=int, default=20000, help="tickets to issue in total (default %(default)s)")
    ap.add_argument("--window", type=int, default=32, help="requests in flight per kiosk (default %(default)s)")
    ap.add_argument("--calls", type=int, default=500, help="calls to time (default %(default)s)")
    ap.add_argument(
        "--call-rate",
        type=float,
        default=20.0,
        help="calls per second over the whole hall, 0 = one at a time (default %(default)s)",
    )
    ap.add_argument("--idle", type=int, default=500, help="extra idle display connections (default %(default)s)")
    ap.add_argument("--services", type=int, default=0, help="services (default: 20, or more if the tickets need it)")
    ap.add_argument("--kiosk-procs", type=int, default=1, help="processes the kiosks are spread over (default 1)")
    ap.add_argument("--max-seconds", type=float, default=120.0, help="time limit of the issuing phase (default 120)")
    ap.add_argument("--time-limit", type=float, default=900.0, help="the whole run is stopped after this many s")
    ap.add_argument("--tls", action="store_true", help="serve wss:// with a certificate of a hall CA made for the run")
    ap.add_argument("--profile", type=Path, help="run the server under cProfile and write its profile here")
    ap.add_argument("--py-spy", type=Path, metavar="PREFIX", help="sample the server with py-spy in each phase")
    ap.add_argument(
        "--synchronous",
        choices=("normal", "full"),
        help="set [server] synchronous in the hall (default: the server's own default)",
    )
    ap.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        metavar="S",
        help="first wait up to S seconds for the machine to be idle (other programs below 10%% of the cores)",
    )
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (config, database, server log)")
    args = ap.parse_args(argv)
    if min(args.counters, args.displays, args.kiosks, args.window, args.kiosk_procs) < 1:
        ap.error("--counters, --displays, --kiosks, --window and --kiosk-procs must be at least 1")
    if args.tickets < 0 or args.calls < 0 or args.idle < 0:
        ap.error("--tickets, --calls and --idle must not be negative")

    needed = math.ceil((args.tickets + args.calls + 100) / 990)
    services = args.services or max(20, needed)
    if services > 676 or services * 999 < args.tickets + args.calls:
        ap.error(f"{services} services cannot number {args.tickets + args.calls} tickets in a day (999 each)")
    raise_fd_limit()
    if args.wait_quiet > 0:
        wait_quiet(args.wait_quiet)
    ctx = mp.get_context("spawn")

    tmp = Path(tempfile.mkdtemp(prefix="hallcall-bench-"))
    hall = write_hall(tmp, args.counters, args.displays, args.kiosks, services, args.synchronous)
    hall.data.mkdir()
    seed_clerks(hall)
    server: ServerProcess | None = None
    children: list[Child] = []

    def stop_all() -> None:
        for c in children:
            with contextlib.suppress(Exception):
                if c.proc.is_alive():
                    c.proc.kill()
        if server is not None:
            server.stop()

    timer = watchdog(args.time_limit, stop_all)
    report: dict[str, Any] = {}
    try:
        server = start_server(hall, args.profile, args.tls)
        print(
            f"server: pid {server.proc.pid} on {server.url}"
            + (f" under cProfile → {args.profile}" if args.profile else ""),
            flush=True,
        )
        rss_start = server.rss()
        report["synchronous"] = effective_synchronous(hall)

        # -- the hall: counters and displays ------------------------------------------------
        hall_child = spawn(ctx, "hall", server, hall_main, server.url, hall)
        children.append(hall_child)
        info = hall_child.expect("ready", 300)
        print(
            f"hall process pid {hall_child.pid}: {args.counters} counters signed in, {args.displays} displays "
            f"connected in {info['connect_s']:.1f} s",
            flush=True,
        )

        # -- (3) memory per idle connection --------------------------------------------------
        if args.idle:
            time.sleep(1.5)
            rss_before = server.rss()
            idle_child = spawn(ctx, "idle", server, idle_main, server.url, args.idle, hall.idle_display)
            children.append(idle_child)
            info = idle_child.expect("ready", 300)
            time.sleep(2.0)
            rss_after = server.rss()
            report["idle"] = {"before": rss_before, "after": rss_after, "count": args.idle, "pid": idle_child.pid}
            print(
                f"idle process pid {idle_child.pid}: {args.idle} idle displays connected in {info['connect_s']:.1f} s; "
                f"server RSS {rss_before / 2**20:.1f} → {rss_after / 2**20:.1f} MiB",
                flush=True,
            )
            idle_child.send("close")
            idle_child.expect("stopped", 60)
            idle_child.sample_cpu()
            idle_child.end()

        # -- (1) tickets per second ------------------------------------------------------------
        issued_ok = 0
        if args.tickets:
            procs = min(args.kiosk_procs, args.kiosks)
            kiosk_groups = [list(range(i, args.kiosks, procs)) for i in range(procs)]
            per_kiosk = split(args.tickets, args.kiosks)
            kiosk_children = []
            for g, group in enumerate(kiosk_groups):
                child = spawn(
                    ctx,
                    f"kiosk{g + 1}",
                    server,
                    kiosk_main,
                    server.url,
                    [hall.kiosks[i] for i in group],
                    [per_kiosk[i] for i in group],
                    hall.services,
                    args.window,
                    args.max_seconds,
                )
                children.append(child)
                kiosk_children.append(child)
            for child in kiosk_children:
                child.expect("ready", 120)
            sampler = Sampler(server.proc.pid, Path(f"{args.py_spy}-tickets.txt")) if args.py_spy else None
            hist0 = server.histogram()
            cpu0 = server.cpu()
            kiosk_cpu0 = [c.sample_cpu() for c in kiosk_children]
            hall_cpu0 = hall_child.sample_cpu()
            busy0 = machine_busy()
            t0 = time.perf_counter()
            for child in kiosk_children:
                child.send("go")
            results = [child.expect("result", args.max_seconds + 120) for child in kiosk_children]
            wall = time.perf_counter() - t0
            user, system = (b - a for a, b in zip(cpu0, server.cpu(), strict=True))
            server_cpu = user + system
            kiosk_cpu = [c.sample_cpu() - c0 for c, c0 in zip(kiosk_children, kiosk_cpu0, strict=True)]
            hall_cpu = hall_child.sample_cpu() - hall_cpu0
            others = others_share(busy0, machine_busy(), server_cpu + sum(kiosk_cpu) + hall_cpu, wall)
            server_view = bucket_percentiles(hist0, server.histogram(), "issue")
            if sampler is not None:
                sampler.stop()
                report["stacks_tickets"] = summarize_stacks(sampler.output)
            start = min(r["started"] for r in results)
            end = max(r["ended"] for r in results)
            issued_ok = sum(r["ok"] for r in results)
            errors: dict[str, int] = {}
            for r in results:
                for k, v in r["errors"].items():
                    errors[k] = errors.get(k, 0) + v
            trips = [x for r in results for x in r["round_trip_ms"]]
            elapsed = end - start
            report["tickets"] = {
                "ok": issued_ok,
                "errors": errors,
                "elapsed": elapsed,
                "rate": issued_ok / elapsed if elapsed > 0 else 0.0,
                "server_cpu": server_cpu,
                "server_sys": system,
                "server_view": server_view,
                "others": others,
                "wall": wall,
                "kiosk_cpu": kiosk_cpu,
                "hall_cpu": hall_cpu,
                "trips": trips,
                "pids": [c.pid for c in kiosk_children],
            }
            print(
                f"issued {issued_ok} tickets in {elapsed:.2f} s ({issued_ok / elapsed:.0f}/s)"
                + (f", errors {errors}" if errors else ""),
                flush=True,
            )
            for child in kiosk_children:
                child.send("stop")
                child.expect("stopped", 60)
                child.end()

        # -- (2) call → every display ------------------------------------------------------
        if args.calls:
            if issued_ok < args.calls + 10:
                hall_child.send("topup", args.calls + 10 - issued_ok)
                hall_child.expect("result", 300)
            time.sleep(0.5)
            sampler = Sampler(server.proc.pid, Path(f"{args.py_spy}-calls.txt")) if args.py_spy else None
            hist0 = server.histogram()
            cpu0 = server.cpu()
            hall_cpu0 = hall_child.sample_cpu()
            busy0 = machine_busy()
            t0 = time.perf_counter()
            params = {"calls": args.calls, "rate": args.call_rate, "deadline_s": 300.0}
            hall_child.send("calls", params)
            result = hall_child.expect("result", 400)
            wall = time.perf_counter() - t0
            user, system = (b - a for a, b in zip(cpu0, server.cpu(), strict=True))
            result["server_cpu"] = user + system
            result["server_sys"] = system
            hist1 = server.histogram()
            result["server_view"] = bucket_percentiles(hist0, hist1, "call_next")
            result["server_finish"] = bucket_percentiles(hist0, hist1, "finish")
            result["hall_cpu"] = hall_child.sample_cpu() - hall_cpu0
            result["others"] = others_share(busy0, machine_busy(), user + system + result["hall_cpu"], wall)
            result["wall"] = wall
            if sampler is not None:
                sampler.stop()
                report["stacks_calls"] = summarize_stacks(sampler.output)
            report["calls"] = result
            print(f"timed {len(result['last_ms'])} calls in {result['elapsed_s']:.1f} s", flush=True)

        # -- extra: what one reconnecting screen costs now that the day is full -----------------
        hall_child.send("snapshots", 5)
        report["snapshot_ms"] = hall_child.expect("result", 120)

        report["rss_start"] = rss_start
        report["rss_end"] = server.rss()
        hall_child.send("stop")
        hall_child.expect("stopped", 60)
        hall_child.end()
    finally:
        timer.cancel()
        stop_all()
        if args.keep:
            print(f"kept {tmp} (config, database, server.log)")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    print_summary(args, services, report)
    return 0


def print_summary(args: argparse.Namespace, services: int, report: dict[str, Any]) -> None:
    cores = os.cpu_count()
    print()
    print("=" * 78)
    print(f"hallcall server load — {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(
        f"machine: {platform.system()} {platform.machine()}, {cores} cores, Python {platform.python_version()}; "
        "everything on 127.0.0.1"
    )
    print(f"code: {code_version()}")
    print(
        f"hall: {args.counters} comprehensive counters (each signed in), {args.displays} displays, "
        f"{args.kiosks} kiosks, {services} services; SQLite synchronous = {report.get('synchronous', '?')}"
    )
    print(
        f"load generators: HallClient on websockets {websockets_version()}"
        + (" over wss:// (TLS, ECDSA P-256 certificate)" if args.tls else " over plain ws://")
        + ", in separate processes from the server — "
        "'hall' (counters + displays, times the calls), "
        f"{args.kiosk_procs} 'kiosk' process(es), 'idle' (idle displays)"
        + (" — the server ran under cProfile: figures are slowed by it" if args.profile else "")
    )
    print("-" * 78)
    rows: list[tuple[str, str, bool | None]] = []
    t = report.get("tickets")
    if t:
        util = t["server_cpu"] / t["wall"] * 100 if t["wall"] else 0
        per = t["server_cpu"] / t["ok"] * 1e6 if t["ok"] else 0
        print(
            f"(1) tickets: {t['ok']} issued in {t['elapsed']:.2f} s = {t['rate']:.0f} tickets/s "
            f"({args.kiosks} kiosks × {args.window} in flight)"
        )
        if t["errors"]:
            print(f"    errors: {t['errors']}")
        print(f"    issue round trip under load: {fmt_ms(t['trips'])}")
        print(f"    the server's own histogram (request received → answer sent): {t['server_view']}")
        kiosk_util = ", ".join(f"{c / t['wall'] * 100:.0f}%" for c in t["kiosk_cpu"])
        print(
            f"    CPU: server {util:.0f}% of a core ({per:.0f} µs per ticket, "
            f"{t['server_sys'] / t['server_cpu'] * 100:.0f}% of it in the kernel); kiosk process(es) {kiosk_util}; "
            f"hall process {t['hall_cpu'] / t['wall'] * 100:.0f}%"
        )
        print(busy_note(t["others"]))
        rows.append(("tickets issued per second", f"{t['rate']:.0f}/s (≥ {TARGET_TICKETS_PER_S:.0f}/s)", None))
        rows[-1] = (rows[-1][0], rows[-1][1], t["rate"] >= TARGET_TICKETS_PER_S)
    c = report.get("calls")
    if c:
        pace = f"{args.call_rate:g} calls/s" if args.call_rate > 0 else "one at a time"
        print(
            f"(2) call → all {args.displays} displays: {len(c['last_ms'])} calls, {pace}, "
            f"round-robin over {args.counters} counters"
        )
        print(f"    last display : {fmt_ms(c['last_ms'])}")
        print(f"    first display: {fmt_ms(c['first_ms'])}")
        print(f"    counter's answer: {fmt_ms(c['answer_ms'])}")
        print(
            f"    the server's own histogram (call_next received → answer sent, after the call's events): "
            f"{c['server_view']}; finish: {c['server_finish']}"
        )
        if c["errors"]:
            print(f"    errors: {c['errors']}")
        n = max(1, c["sent"])
        print(
            f"    CPU: server {c['server_cpu'] / c['wall'] * 100:.0f}% of a core "
            f"({c['server_cpu'] / n * 1000:.1f} ms per call + finish, {c['server_sys'] / c['server_cpu'] * 100:.0f}% "
            f"of it in the kernel), hall process {c['hall_cpu'] / c['wall'] * 100:.0f}%"
        )
        print(busy_note(c["others"]))
        if c["last_ms"]:
            p99 = percentile(c["last_ms"], 99)
            rows.append(
                ("call → all displays p99", f"{p99:.2f} ms (≤ {TARGET_CALL_P99_MS:g} ms)", p99 <= TARGET_CALL_P99_MS)
            )
    i = report.get("idle")
    if i:
        per_kib = (i["after"] - i["before"]) / i["count"] / 1024
        print(
            f"(3) idle connections: server RSS {i['before'] / 2**20:.1f} MiB → {i['after'] / 2**20:.1f} MiB "
            f"with {i['count']} more idle displays = {per_kib:.1f} KiB per connection"
        )
        rows.append(
            ("memory per idle connection", f"{per_kib:.1f} KiB (≤ {TARGET_IDLE_KIB:g} KiB)", per_kib <= TARGET_IDLE_KIB)
        )
    if report.get("snapshot_ms"):
        print(
            f"(extra) a display's full snapshot (what every reconnect costs) at the end of the run: "
            f"{fmt_ms(report['snapshot_ms'])}"
        )
    if "rss_end" in report:
        print(
            f"    server RSS: {report['rss_start'] / 2**20:.1f} MiB at start, "
            f"{report['rss_end'] / 2**20:.1f} MiB at the end"
        )
    for phase in ("tickets", "calls"):
        if f"stacks_{phase}" in report:
            print(f"py-spy, {phase} phase:")
            print("\n".join(report[f"stacks_{phase}"]))
    print("-" * 78)
    print("targets:")
    for name, value, ok in rows:
        print(f"  {name:<28} {value:<32} {mark(bool(ok))}")
    print("=" * 78)


if __name__ == "__main__":
    sys.exit(main())
