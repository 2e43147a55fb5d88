"""Shared fixtures: a real hall server on a loopback port, and real websocket clients for it.

``hall`` runs the server inside the test's event loop (fast, and the test can reach the hub and
move a manual clock); ``server_process`` runs ``hallcall server`` as a subprocess, for the tests
that kill it.  Both use tests/halls/test-hall.toml with clerks ann, bob, cat, dan and the
supervisor sue, all with the password ``pass1234``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from hallcall import config as hall_config
from hallcall.client import HallClient
from hallcall.server import auth
from hallcall.server.app import HallServer, database_path
from hallcall.server.child import ServerChild, start_server
from hallcall.server.clock import Clock
from hallcall.server.storage import Storage

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
TEST_HALL = ROOT / "tests" / "halls" / "test-hall.toml"
PASSWORD = "pass1234"
CLERKS = ("ann", "bob", "cat", "dan")
SUPERVISOR = "sue"
KIOSK = {"device": "kiosk-1", "token": "kiosk-token-1"}
DISPLAY_1F = {"device": "display-1", "token": "display-token-1"}
DISPLAY_2F = {"device": "display-2", "token": "display-token-2"}
PAD_1 = {"device": "pad-1", "token": "pad-token-1"}
DESK_PIN = "2468"  # the guide-desk PIN of the ``desk_hall`` fixture's hall

_HASH = auth.hash_password(PASSWORD)


class ManualClock(Clock):
    """A clock the test moves by hand, starting at a fixed local time (a Monday 10:00)."""

    def __init__(self, start: float) -> None:
        super().__init__(start)
        self.t = start

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


MONDAY_10AM = 1795399200.0  # 2026-11-23 10:00 in Asia/Shanghai


def config_with(tmp_path: Path, old: str, new: str) -> hall_config.HallConfig:
    """The test hall with one piece of text replaced, loaded from a file in tmp_path."""
    text = TEST_HALL.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / "hall.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return hall_config.load(path)


def seed_clerks(storage: Storage) -> None:
    for name in CLERKS:
        storage.save_clerk(name, _HASH, role="clerk")
    storage.save_clerk(SUPERVISOR, _HASH, role="supervisor")


@dataclass
class Hall:
    """A running in-process server and a way to open clients against it."""

    server: HallServer
    url: str
    clock: ManualClock
    data: Path
    clients: list[HallClient] = field(default_factory=list)

    @property
    def hub(self) -> Any:
        return self.server.hub

    async def client(self) -> HallClient:
        c = HallClient(self.url)
        await c.connect()
        self.clients.append(c)
        return c

    async def kiosk(self) -> HallClient:
        c = await self.client()
        await c.hello("kiosk", **KIOSK)
        return c

    async def display(self, which: dict[str, str] = DISPLAY_1F, **extra: Any) -> HallClient:
        c = await self.client()
        await c.hello("display", **which, **extra)
        return c

    async def counter(self, number: int, clerk: str = "cat") -> HallClient:
        c = await self.client()
        await c.hello("counter", counter=number, clerk=clerk, password=PASSWORD)
        return c

    async def supervisor(self) -> HallClient:
        c = await self.client()
        await c.hello("supervisor", clerk=SUPERVISOR, password=PASSWORD)
        return c

    async def pad(self, which: dict[str, str] = PAD_1) -> HallClient:
        c = await self.client()
        await c.hello("pad", **which)
        return c

    async def desk(self, pin: str = DESK_PIN) -> tuple[HallClient, str]:
        """A kiosk whose guide desk the server opened with ``pin``: (the kiosk, its desk token
        for green-channel and desk issues)."""
        c = await self.kiosk()
        return c, (await c.request("unlock_desk", pin=pin))["desk"]


def with_desk(tmp_path: Path) -> hall_config.HallConfig:
    """The test hall with a guide desk: its ``[kiosk] staff_pin`` is DESK_PIN."""
    return config_with(tmp_path, "[server]\n", f'[kiosk]\nstaff_pin = "{DESK_PIN}"\n\n[server]\n')


def desk_hall_file(tmp_path: Path) -> Path:
    """The file of ``with_desk``'s hall (tmp_path/hall.toml)."""
    with_desk(tmp_path)
    return tmp_path / "hall.toml"


@pytest.fixture
async def desk_hall(tmp_path: Path) -> AsyncIterator[Hall]:
    """``hall`` with a guide desk (``Hall.desk`` opens it), for green-channel tickets."""
    async for h in _running(with_desk(tmp_path), tmp_path):
        yield h


@pytest.fixture
async def hall(tmp_path: Path) -> AsyncIterator[Hall]:
    async for h in _running(hall_config.load(TEST_HALL), tmp_path):
        yield h


async def _running(config: hall_config.HallConfig, tmp_path: Path) -> AsyncIterator[Hall]:
    storage = Storage(database_path(TEST_HALL, tmp_path))
    seed_clerks(storage)
    clock = ManualClock(MONDAY_10AM)
    server = HallServer(config, storage, clock)
    port = await server.start("127.0.0.1", 0)
    h = Hall(server, f"ws://127.0.0.1:{port}", clock, tmp_path)
    yield h
    for c in h.clients:
        await c.close()
    await server.stop()
    storage.close()


class LiveHall:
    """A real server on a loopback port, run by a thread of its own, for the GUI tests.

    The GUI's link runs its own thread and the test drives Qt's event loop, so the server
    cannot share the test's loop as in ``hall``.  ``run`` executes a coroutine on the server's
    loop, which is how a test drives other clients (``live_hall.run(live_hall.hall.counter(2))``)
    or reads the hub; ``restart`` stops and starts the server on the same port and data."""

    def __init__(self, data: Path, config_path: Path = TEST_HALL) -> None:
        self.data = data
        self.config_path = config_path
        self.clock = ManualClock(MONDAY_10AM)
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="live-hall", daemon=True)
        self._thread.start()
        storage = Storage(database_path(config_path, data), owner=False)
        seed_clerks(storage)
        storage.close()
        self.server: HallServer | None = None
        self.storage: Storage | None = None
        self.hall: Hall | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def run(self, coro: Coroutine[Any, Any, Any], timeout: float = 10.0) -> Any:
        """Run ``coro`` on the server's loop and return its result."""
        future: concurrent.futures.Future[Any] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return future.result(timeout)

    def start(self) -> None:
        async def go() -> None:
            config = hall_config.load(self.config_path)
            self.storage = Storage(database_path(self.config_path, self.data))
            self.server = HallServer(config, self.storage, self.clock)
            self.port = await self.server.start("127.0.0.1", self.port)
            self.hall = Hall(self.server, self.url, self.clock, self.data)

        self.run(go())

    def stop(self) -> None:
        """Stop the server (its clients see the connection close); the data stays."""

        async def go() -> None:
            if self.hall is not None:
                for c in self.hall.clients:
                    await c.close()
            if self.server is not None:
                await self.server.stop()
            if self.storage is not None:
                self.storage.close()
            self.server = self.storage = self.hall = None

        self.run(go())

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        self.stop()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()


@pytest.fixture
def live_hall(tmp_path: Path) -> Iterator[LiveHall]:
    """A real hall server on a loopback port in a thread of its own (for Qt tests)."""
    live = LiveHall(tmp_path)
    yield live
    live.close()


@pytest.fixture
def desk_live_hall(tmp_path: Path) -> Iterator[LiveHall]:
    """``live_hall`` with a guide desk (PIN DESK_PIN), for green-channel tickets."""
    live = LiveHall(tmp_path, desk_hall_file(tmp_path))
    yield live
    live.close()


async def wait_for(predicate: Callable[[], Any], timeout: float = 3.0) -> Any:
    """Poll until ``predicate()`` is truthy; fail the test with a clear message otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        await asyncio.sleep(0.01)
    raise AssertionError(f"condition not met within {timeout} s")


def collect(client: HallClient) -> list[dict[str, Any]]:
    """Start recording the events a client receives; returns the live list."""
    seen: list[dict[str, Any]] = []
    client.listeners.append(seen.append)
    return seen


@pytest.fixture
def server_process(tmp_path: Path) -> Iterator[Callable[..., ServerChild]]:
    """Factory: start (and restart) a server subprocess on one data folder; killed at the end."""
    storage = Storage(database_path(TEST_HALL, tmp_path), owner=False)
    seed_clerks(storage)
    storage.close()
    started: list[ServerChild] = []

    def start(port: int = 0, extra: tuple[str, ...] = ()) -> ServerChild:
        sp = start_server(TEST_HALL, tmp_path, port=port, options=extra, wait_seconds=20)
        started.append(sp)
        return sp

    yield start
    for sp in started:
        if sp.proc.poll() is None:
            sp.proc.kill()
        sp.proc.wait(5)


@pytest.fixture
def announcers() -> Iterator[Callable[..., Any]]:
    """Real announcers (display/announcer.py), made and started as a test asks with the
    Announcer's own arguments, and all stopped after it (the announcer and voice-pack tests)."""
    from hallcall.display.announcer import Announcer  # the display extra: only where it is asked for

    made: list[Announcer] = []

    def make(*args: object, **kw: object) -> Announcer:
        a = Announcer(*args, **kw)  # type: ignore[arg-type]
        made.append(a)
        a.start()
        return a

    yield make
    for a in made:
        a.stop()
