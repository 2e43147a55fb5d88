#!/usr/bin/env python3
"""A soak: one hall server process through a simulated month, on a hall clock the run moves by hand.

It prints figures and exits non-zero when a zero is broken.  The server is the real one
(``HallServer`` with the demo hall's config and a SQLite database, ``synchronous`` as configured)
in a process of its own, so its RSS is its own; its clock is a manual one this script sets
through a pipe, so a month passes in minutes with every night, Sunday, 03:00 day end and hourly
answer pruning in it (the hourly timer's work is done at each hall hour the clock passes; the
1-second warnings tick, which also rolls the day, is run after every move).

Over real websockets, every open day: counters 1-4 sign in at 08:30, two kiosks issue
``--per-day`` tickets until 17:00 spread over the day, the counters call, recall now and then,
mark some no-shows and finish the rest, the evaluation pad of counter 1 evaluates some of its
visits, the kiosk reports a paper-low printer and then ok, a visitor's phone follows every 25th
ticket until it is served, and the counters sign out at 17:15.  Two displays and a supervisor's
console stay connected the whole month.  After each calendar day it records the server's RSS,
the database's size (with its WAL) and its rows, and at the end the slope of the last ten days.

Counted as failures: a request unanswered or answered ``internal``/``storage_error``, a
connection lost, a traceback in the server's log, the server ending.  Refusals by the hall's
rules (a daily cap reached, a service's issuing hours over) are counted apart.

Run: ``.venv/bin/python bench/soak.py [--full] [--days N] [--per-day 1000] [--seed 1]``
(short form: 3 days; ``--full``: 30 days).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import math
import multiprocessing
import random
import sqlite3
import sys
import time
import traceback
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import psutil
from data_folder import run_in_folder

from hallcall import config as hall_config
from hallcall.client import HallClient, RequestFailed
from hallcall.launch.demo import hall
from hallcall.launch.sim import plan
from hallcall.server.app import HallServer, database_path
from hallcall.server.clock import Clock
from hallcall.server.domain.calendar import hall_open
from hallcall.server.storage import Storage

KIOSKS = (("kiosk-1", "demo-kiosk-1-7f3a9c21e4b0"), ("kiosk-2", "demo-kiosk-2-b84e0d56a1f9"))
DISPLAYS = (("display-1F", "demo-display-1f-3c9e71a4d820"), ("display-2F", "demo-display-2f-d05b8f62c7e3"))
PAD = ("pad-1", "demo-pad-1-5e1c8a9f3b72")
COUNTERS = ((1, "zhang.wei"), (2, "li.na"), (3, "wang.fang"), (4, "liu.yang"))  # comprehensive: every service
# the services counters 1-4 take that issue all day without a daily cap
SERVICES = {"social": 3, "medical": 2, "business": 2, "consult": 1, "pickup": 1, "tax": 1}
FAULTS = ("internal", "storage_error")
HOUR = 3600.0


# ------------------------------------------------------------------ the server's process
class HandClock(Clock):
    """The hall's time, set by the soak through the pipe."""

    def __init__(self, start: float) -> None:
        super().__init__(start)
        self.t = start

    def now(self) -> float:
        return self.t


def serve(config_path: str, data: str, start: float, pipe: Connection) -> None:
    """The server process: a HallServer on a hand-set clock; commands come through ``pipe``."""
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(_serve(config_path, data, start, pipe))


async def _serve(config_path: str, data: str, start: float, pipe: Connection) -> None:
    config = hall_config.load(config_path)
    storage = Storage(database_path(config_path, data), synchronous=config.server.synchronous)
    clock = HandClock(start)
    server = HallServer(config, storage, clock)
    pipe.send(await server.start("127.0.0.1", 0))
    loop = asyncio.get_running_loop()
    try:
        while True:
            command, moment = await loop.run_in_executor(None, pipe.recv)
            if command == "stop":
                break
            while clock.t < moment:  # every hall hour on the way gets the hourly timer's work
                clock.t = min(moment, (math.floor(clock.t / HOUR) + 1) * HOUR)
                if clock.t % HOUR == 0:
                    await server._prune()  # what the server's hourly timer runs
            await server.hub.check_warnings()  # what its 1-second timer runs: the day's end, warnings
            pipe.send("ok")
    finally:
        await server.stop()
        storage.close()
        pipe.send("stopped")


# ------------------------------------------------------------------ figures
@dataclass
class Day:
    date: str
    open: bool
    issued: int
    served: int
    no_shows: int
    rss_mib: float
    db_mib: float  # the database file
    wal_mib: float  # its write-ahead log (checkpointed back into the file as it fills)
    rows: dict[str, int]


@dataclass
class Result:
    days: list[Day] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    refused: collections.Counter[str] = field(default_factory=collections.Counter)
    requests: int = 0
    tracebacks: int = 0
    server_ended: bool = False
    seconds: float = 0.0

    @property
    def tickets(self) -> int:
        return sum(d.issued for d in self.days)

    def slope(self, name: str, last: int = 10) -> float:
        """Least-squares slope of ``name`` (a Day field) over the last ``last`` days, per day."""
        ys = [getattr(d, name) for d in self.days[-last:]]
        n = len(ys)
        if n < 2:
            return float("nan")
        mean_x, mean_y = (n - 1) / 2, sum(ys) / n
        return sum((x - mean_x) * (y - mean_y) for x, y in enumerate(ys)) / sum((x - mean_x) ** 2 for x in range(n))

    def summary(self) -> str:
        lines = [
            f"soak: {len(self.days)} hall days, {self.tickets} tickets, {self.requests} requests in "
            f"{self.seconds:.0f} s real",
            "  day         open  issued served no-shows  RSS MiB  DB MiB WAL MiB  tickets  journal  answers",
        ]
        for d in self.days:
            lines.append(
                f"  {d.date}  {'yes' if d.open else 'no ':<4} {d.issued:>6} {d.served:>6} {d.no_shows:>8}  "
                f"{d.rss_mib:7.1f} {d.db_mib:7.2f} {d.wal_mib:7.2f} "
                f"{d.rows['tickets']:>8} {d.rows['events']:>8} {d.rows['answers']:>8}"
            )
        last = min(10, len(self.days))
        open_days = [d for d in self.days if d.open and d.issued]
        per_ticket = 1024 * (self.days[-1].db_mib - self.days[0].db_mib) / max(1, self.tickets - self.days[0].issued)
        lines.append(
            f"  slope of the last {last} days: RSS {self.slope('rss_mib'):+.3f} MiB/day, database "
            f"{self.slope('db_mib'):+.3f} MiB/day (~{per_ticket:.2f} KiB per ticket, the kept history); "
            f"{len(open_days)} open days"
        )
        lines.append(f"  refused by the hall's rules: {dict(self.refused) or 'none'}")
        lines.append(f"  failures {len(self.failures)}, tracebacks {self.tracebacks}, server ended {self.server_ended}")
        lines.extend(f"  failure: {f}" for f in self.failures[:5])
        return "\n".join(lines)


# ------------------------------------------------------------------ the hall's month
class Month:
    def __init__(self, url: str, pipe: Connection, config: hall_config.HallConfig, result: Result, seed: int) -> None:
        self.url, self.pipe, self.config, self.result = url, pipe, config, result
        self.rng = random.Random(seed)
        self.counters: dict[int, HallClient] = {}
        self.current: dict[int, str | None] = {}
        self.following: dict[str, HallClient] = {}  # ticket number -> a visitor's phone
        self.progress = False  # print each day's line as it ends

    async def to(self, moment: float) -> None:
        """Move the hall's clock (and give the server its timers' work on the way)."""
        self.pipe.send(("to", moment))
        answer = await asyncio.to_thread(self.pipe.recv)
        assert answer == "ok", answer

    async def client(self, role: str, **fields: Any) -> HallClient:
        c = HallClient(self.url, open_timeout=30)
        await c.connect()
        await c.hello(role, **fields)
        return c

    async def ask(self, c: HallClient, kind: str, **fields: Any) -> dict[str, Any] | None:
        """A request; a refusal by the hall's rules is counted and gives None, a fault is a failure."""
        self.result.requests += 1
        try:
            return await asyncio.wait_for(c.request(kind, **fields), 30)
        except RequestFailed as exc:
            if exc.code in FAULTS:
                self.result.failures.append(f"{kind}: {exc}")
            else:
                self.result.refused[f"{kind}: {exc.code}"] += 1
        except (TimeoutError, ConnectionError) as exc:
            self.result.failures.append(f"{kind}: no answer ({exc!r})")
        return None

    async def open_day(self, day: dt.date, per_day: int) -> tuple[int, int, int]:
        """One open day; (issued, served, no-shows)."""
        at = lambda hhmm: plan.moment(self.config, day, plan.clock_minutes(hhmm))  # noqa: E731
        await self.to(at("08:30"))
        for number, clerk in COUNTERS:
            self.counters[number] = await self.client("counter", counter=number, clerk=clerk, password=hall.PASSWORD)
            self.current[number] = None
        issued = served = no_shows = 0
        # the tickets spread evenly over the hall's open hours (closed over lunch, 12:00-13:30)
        spans = [(at("08:31"), at("12:00")), (at("13:30"), at("17:00"))]
        step = sum(end - begin for begin, end in spans) / per_day
        for i in range(per_day):
            offset = i * step
            for begin, end in spans:
                if offset < end - begin:
                    break
                offset -= end - begin
            await self.to(begin + offset)
            kiosk = self.kiosks[i % len(self.kiosks)]
            service = self.rng.choices(list(SERVICES), weights=list(SERVICES.values()))[0]
            ticket = await self.ask(kiosk, "issue", service=service)
            if ticket is not None:
                issued += 1
                if issued % 25 == 0:
                    number = ticket["ticket"]["number"]
                    visitor = await self.client("visitor", day=ticket["day"], number=number)
                    self.following[number] = visitor
            if i % 200 == 100:
                fault = {"state": "fault", "code": "printer.paper_low"} if i % 400 == 100 else {"state": "ok"}
                await self.ask(kiosk, "device_status", **fault)
            number = (i % len(COUNTERS)) + 1
            desk = self.counters[number]
            held = self.current[number]
            if held is not None:
                roll = self.rng.random()
                if roll < 0.05:
                    await self.ask(desk, "recall")
                if roll < 0.08 and await self.ask(desk, "no_show") is not None:
                    no_shows += 1
                elif await self.ask(desk, "finish") is not None:
                    served += 1
                    if number == 1 and self.rng.random() < 0.3:
                        level = self.rng.choice((5, 5, 5, 4, 3, 2))
                        reason = {"reason": "slow"} if level <= 2 else {}
                        await self.ask(self.pad, "evaluate", level=level, **reason)
                visitor = self.following.pop(held, None)
                if visitor is not None:
                    await visitor.close()
                self.current[number] = None
            called = await self.ask(desk, "call_next")
            if called is not None:
                self.current[number] = called["ticket"]["number"]
        await self.to(at("17:15"))
        for number, desk in self.counters.items():
            if self.current[number] is not None and await self.ask(desk, "finish") is not None:
                served += 1
            await self.ask(desk, "sign_out")
            await desk.close()
        for visitor in self.following.values():
            await visitor.close()
        self.following.clear()
        return issued, served, no_shows

    async def run(self, first: dt.date, days: int, per_day: int, server: psutil.Process, db: Path) -> None:
        self.kiosks = [await self.client("kiosk", device=d, token=t) for d, t in KIOSKS]
        screens = [await self.client("display", device=d, token=t) for d, t in DISPLAYS]
        console = await self.client("supervisor", clerk=hall.SUPERVISOR, password=hall.PASSWORD)
        self.pad = await self.client("pad", device=PAD[0], token=PAD[1])
        for n in range(days):
            day = first + dt.timedelta(days=n)
            opens = calendar_open(self.config, day)
            issued, served, no_shows = await self.open_day(day, per_day) if opens else (0, 0, 0)
            # the night: past the 03:00 day end to the next morning
            await self.to(plan.moment(self.config, day + dt.timedelta(days=1), plan.clock_minutes("08:00")))
            for c in [*self.kiosks, *screens, console, self.pad]:
                if c.closed.is_set():
                    self.result.failures.append(f"{day}: a connection that stays all month was lost")
            self.result.days.append(
                Day(day.isoformat(), opens, issued, served, no_shows, server.memory_info().rss / 2**20, *_db(db))
            )
            if self.progress:
                d = self.result.days[-1]
                print(f"  {d.date}: {d.issued} issued, RSS {d.rss_mib:.1f} MiB, DB {d.db_mib:.2f} MiB", flush=True)
        for c in [*self.kiosks, *screens, console, self.pad]:
            await c.close()


def calendar_open(config: hall_config.HallConfig, day: dt.date) -> bool:
    """Whether the hall is open on ``day`` at 10:00, by the server's own rule."""
    return hall_open(config, plan.moment(config, day, plan.clock_minutes("10:00"))) is not None


def _db(path: Path) -> tuple[float, float, dict[str, int]]:
    wal = Path(f"{path}-wal")
    size, wal_size = path.stat().st_size, wal.stat().st_size if wal.exists() else 0
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        rows = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("tickets", "events", "answers")}
    return size / 2**20, wal_size / 2**20, rows


def run(days: int, per_day: int, seed: int, data: Path, *, progress: bool = False) -> Result:
    config = hall.load()
    db = hall.prepare(config, data)
    first = plan.next_open_day(config, dt.date.today())  # a Monday
    start = plan.moment(config, first, plan.clock_minutes("08:00"))
    result = Result()
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    log = data / "server.log"
    child = context.Process(target=_child, args=(str(hall.DEMO_CONFIG), str(data), start, theirs, str(log)))
    child.start()
    began = time.monotonic()
    try:
        if not ours.poll(60):
            raise RuntimeError(f"the soak's server did not start: {log.read_text(errors='replace')}")
        port = ours.recv()
        month = Month(f"ws://127.0.0.1:{port}", ours, config, result, seed)
        month.progress = progress
        asyncio.run(month.run(first, days, per_day, psutil.Process(child.pid), db))
    finally:
        result.seconds = time.monotonic() - began
        result.server_ended = not child.is_alive()
        if child.is_alive():
            ours.send(("stop", 0.0))
            child.join(60)
        if child.is_alive():
            child.kill()
    result.tracebacks = log.read_text(encoding="utf-8", errors="replace").count("Traceback")
    return result


def _child(config_path: str, data: str, start: float, pipe: Connection, log: str) -> None:
    """The server process, its output (warnings, errors, tracebacks) in ``log``."""
    with open(log, "a", encoding="utf-8") as out:
        sys.stdout = sys.stderr = out
        try:
            serve(config_path, data, start, pipe)
        except BaseException:
            traceback.print_exc()
            raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="30 days (default: 3)")
    parser.add_argument("--days", type=int, help="calendar days to run")
    parser.add_argument("--per-day", type=int, default=1000, help="tickets each open day (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the data folder (database, server log)")
    args = parser.parse_args(argv)
    days = args.days or (30 if args.full else 3)
    result = run_in_folder(
        lambda data: run(days, args.per_day, args.seed, data, progress=True), args.keep, "hallcall-soak-"
    )
    return 1 if result.failures or result.tracebacks or result.server_ended else 0


if __name__ == "__main__":
    sys.exit(main())
