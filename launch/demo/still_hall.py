"""The demo hall with its clock held still, for pictures that come out the same every time.

The screenshots (screenshots.py) are taken of real programs against a real server, but a
running clock would put a different time, wait or "served for" on every picture.  Here the
server runs in this process, on a thread of its own, with a clock that stands at a fixed
Monday morning and moves only when a scene moves it; it tells the programs a clock speed so
small that their own clocks (hall_clock.py) stand still too.  Tickets, calls and finishes are
made by real websocket clients in a fixed order, so the hall holds the same tickets each time.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import shutil
import tempfile
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from hallcall import config as hall_config
from hallcall.client import HallClient
from hallcall.server.accounts import sign_up_hall
from hallcall.server.app import HallServer, database_path
from hallcall.server.clock import Clock
from hallcall.server.domain import calendar
from hallcall.server.storage import Storage

from . import hall

MONDAY_0955 = 1795398900.0  # 2026-11-23 09:55 in Asia/Shanghai: the hall is open, the morning busy
PUBLIC_URL = "http://192.168.100.200:8765"  # where a hall's server would be; only printed here
EMPTY_URL = 'public_url = ""'
PICTURE_SECRET = "0123456789abcdef" * 4  # for pictures only: this hall is thrown away afterwards
STILL = 1e-9  # the speed the programs are told: a second of theirs moves the hall a nanosecond


class StillClock(Clock):
    """A clock that stands at a fixed instant until ``advance`` moves it."""

    def __init__(self, start: float) -> None:
        super().__init__(start, speed=STILL)
        self.t = start

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


class StillHall:
    """The demo hall's server on a loopback port, in a throwaway data folder, its clerks and
    supervisor signed up with the demo's password.  ``run`` executes a coroutine on the
    server's loop (how scenes drive clients); ``close`` stops it and removes the folder."""

    def __init__(self, start: float = MONDAY_0955) -> None:
        self.clock = StillClock(start)
        self.data = Path(tempfile.mkdtemp(prefix="hallcall-shots-"))
        # The demo hall with a public address, so the QR links name it rather than the server's
        # port of the day (another each run).
        text = hall.DEMO_CONFIG.read_text(encoding="utf-8")
        if text.count(EMPTY_URL) != 1:
            raise ValueError(f"{hall.DEMO_CONFIG} has no single {EMPTY_URL!r} line to set")
        self.config_path = self.data / hall.DEMO_CONFIG.name
        text = text.replace(EMPTY_URL, f'public_url = "{PUBLIC_URL}"')
        # Only some of the hall's devices take part in a picture; the others are not "absent".
        text = text.replace("\n[supervision]\n", "\n[supervision]\ndevice_absent_minutes = 0\n", 1)
        self.config_path.write_text(text, encoding="utf-8")
        self.config = hall_config.load(self.config_path)
        sign_up_hall(self.config_path, self.config, self.data, hall.PASSWORD, hall.SUPERVISOR)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="still-hall", daemon=True)
        self._thread.start()
        self.port = 0
        self.server: HallServer | None = None
        self.storage: Storage | None = None
        self.clients: list[HallClient] = []
        self.run(self._start())

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def day(self) -> str:
        """The hall's business day as YYYY-MM-DD (the status page's address names it)."""
        return calendar.business_day(self.config, self.clock.now())

    def run(self, coro: Coroutine[Any, Any, Any], timeout: float = 30.0) -> Any:
        future: concurrent.futures.Future[Any] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return future.result(timeout)

    async def _start(self) -> None:
        self.storage = Storage(database_path(self.config_path, self.data))
        # The secret the tickets' QR links are keyed with (server/hub.py ticket_key): a fixed
        # one here, or every QR code on a kiosk or ticket picture would differ on each run.
        with self.storage.db.atomic():
            self.storage.conn.execute(
                "INSERT OR REPLACE INTO settings (name, value) VALUES ('ticket_key', ?)", (PICTURE_SECRET,)
            )
        self.server = HallServer(self.config, self.storage, self.clock)
        self.port = await self.server.start("127.0.0.1", 0)

    def client(self, role: str, **hello: Any) -> HallClient:
        """A websocket client that has said hello as ``role`` (kept open until ``close``)."""

        async def go() -> HallClient:
            c = HallClient(self.url)
            await c.connect()
            await c.hello(role, **hello)
            self.clients.append(c)
            return c

        return self.run(go())

    def kiosk(self, name: str = "kiosk-1") -> HallClient:
        device = next(d for d in self.config.devices.kiosks if d.name == name)
        return self.client("kiosk", device=device.name, token=device.token)

    def counter(self, number: int, clerk: str) -> HallClient:
        return self.client("counter", counter=number, clerk=clerk, password=hall.PASSWORD)

    def supervisor(self) -> HallClient:
        return self.client("supervisor", clerk=hall.SUPERVISOR, password=hall.PASSWORD)

    def ask(self, client: HallClient, kind: str, **fields: Any) -> Any:
        """A request and its answer's data; a refusal raises (a scene that goes wrong must say so)."""
        return self.run(client.request(kind, **fields))

    def issue(
        self, kiosk: HallClient, service: str, count: int = 1, priority: str = "normal", **desk: str
    ) -> list[str]:
        """Tickets from ``kiosk``, at the pace a hall lets one device issue (server.issue_rate_per_minute);
        ``desk=`` the guide desk's token (unlock_desk) for a green-channel ticket."""
        pace = 60.0 / self.config.server.issue_rate_per_minute if self.config.server.issue_rate_per_minute else 0.0
        numbers = []
        for _ in range(count):
            self.clock.advance(pace)
            answer = self.ask(kiosk, "issue", service=service, priority=priority, **desk)
            numbers.append(answer["ticket"]["number"])
        return numbers

    def stop_server(self) -> None:
        """Stop the server (the programs see it go away); the data stays until ``close``."""

        async def go() -> None:
            for c in self.clients:
                await c.close()
            self.clients.clear()
            if self.server is not None:
                await self.server.stop()
                self.server = None
            if self.storage is not None:
                self.storage.close()
                self.storage = None

        self.run(go())

    def close(self) -> None:
        try:
            self.stop_server()
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
            shutil.rmtree(self.data, ignore_errors=True)
