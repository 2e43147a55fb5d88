#!/usr/bin/env python3
"""Does a stalled city database slow a hall?  Calls timed beside a frozen PostgreSQL.

The exporter (``hallcall export``) runs as its own process and reads the hall's SQLite through a
read-only connection whose snapshot ends before it writes to PostgreSQL, so nothing it waits for
can hold the server.  This bench shows it: a real server (the demo hall, ``--ignore-hours``), a
real kiosk and counter over websockets, and ``--cycles`` times issue → call_next → finish in each
of three phases:

1. no exporter;
2. the exporter shipping to a live PostgreSQL every 0.2 s;
3. that PostgreSQL frozen for ``--frozen-seconds`` (30; SIGSTOP to each of its processes: a hung
   host, or a network that drops packets without resetting, as the exporter sees it), the
   exporter blocked inside its transaction.

Each phase spreads its cycles over the same ``--frozen-seconds``, so all three run at one pace.

It prints each phase's call_next and finish round trips (median, P99, max), then thaws
PostgreSQL and times how long the exporter takes to ship everything the hall stored meanwhile,
and checks the city holds each of the hall's journal rows and tickets once.

It prints figures; it is not a pass/fail test (tests/test_city.py runs a short form and asserts
that every request is answered and nothing is lost or doubled; the timings are for
docs/performance.md).  Run: ``.venv/bin/python bench/export_stall.py [--cycles 200] [--frozen-seconds 30] [--keep]``.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from data_folder import run_in_folder
from hostile_clients import KIOSK, hall_config
from websockets.exceptions import ConnectionClosed

from hallcall.client import HallClient, RequestFailed
from hallcall.launch.demo import hall
from hallcall.server.app import database_path
from hallcall.server.child import start_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from pg import Postgres, binaries

HALL_ID = "stall"
COUNTER, SERVICE = 1, "social"  # the demo's comprehensive window 1 takes every service
ANSWER_WAIT = 10.0  # a request unanswered after this long counts as failed
CATCH_UP_WAIT = 120.0
FROZEN_SECONDS = 30.0  # how long PostgreSQL stays frozen while the hall goes on


@dataclass
class Phase:
    """One phase's round trips, in milliseconds, and its requests that failed or timed out."""

    name: str
    call_ms: list[float] = field(default_factory=list)
    finish_ms: list[float] = field(default_factory=list)
    failed: int = 0

    def line(self) -> str:
        def figures(ms: list[float]) -> str:
            if not ms:
                return "none"
            p99 = sorted(ms)[max(0, math.ceil(len(ms) * 0.99) - 1)]
            return f"median {statistics.median(ms):.1f} ms, P99 {p99:.1f} ms, max {max(ms):.1f} ms"

        return (
            f"  {self.name}: {len(self.call_ms)} cycles; call_next {figures(self.call_ms)}; "
            f"finish {figures(self.finish_ms)}; failed {self.failed}"
        )


@dataclass
class Result:
    phases: list[Phase] = field(default_factory=list)
    stored: tuple[int, int, int] = (0, 0, 0)  # the hall's journal rows, tickets and bookings at the end
    shipped: tuple[int, int, int] = (0, 0, 0)  # the city's rows of this hall (counted, so a double shows)
    catch_up_s: float = math.nan  # from the thaw until the city held everything
    exporter_ended: bool = False  # the exporter died while PostgreSQL was frozen

    @property
    def failed(self) -> int:
        return sum(p.failed for p in self.phases)

    def summary(self) -> str:
        lines = ["hallcall export stall: calls beside a frozen city database", *(p.line() for p in self.phases)]
        lines.append(
            f"  after the thaw: the city caught up in {self.catch_up_s:.1f} s; "
            f"hall {self.stored[0]} journal rows / {self.stored[1]} tickets, "
            f"city {self.shipped[0]} / {self.shipped[1]}"
        )
        lines.append(f"  exporter ended while frozen: {'yes' if self.exporter_ended else 'no'}")
        return "\n".join(lines)


async def _client(url: str, role: str, **fields: Any) -> HallClient:
    c = HallClient(url, open_timeout=30)
    await c.connect()
    await c.hello(role, **fields)
    return c


async def _phase(url: str, clerk: str, service: str, name: str, cycles: int, spread_s: float = 0.0) -> Phase:
    """``cycles`` times: a ticket issued, called at the counter and finished, the last two timed;
    spread evenly over ``spread_s`` seconds when given (a hall's pace rather than flat out)."""
    phase = Phase(name)
    gap = spread_s / cycles if cycles else 0.0
    kiosk = await _client(url, "kiosk", **KIOSK)
    counter = await _client(url, "counter", counter=COUNTER, clerk=clerk, password=hall.PASSWORD)
    try:
        for _ in range(cycles):
            try:
                await asyncio.wait_for(kiosk.request("issue", service=service), ANSWER_WAIT)
                began = time.perf_counter()
                await asyncio.wait_for(counter.request("call_next"), ANSWER_WAIT)
                called = time.perf_counter()
                await asyncio.wait_for(counter.request("finish"), ANSWER_WAIT)
                done = time.perf_counter()
            except (RequestFailed, TimeoutError, ConnectionClosed):  # a refusal, no answer, a lost link
                phase.failed += 1
                continue
            phase.call_ms.append((called - began) * 1000)
            phase.finish_ms.append((done - called) * 1000)
            await asyncio.sleep(gap)
    finally:
        await counter.close()
        await kiosk.close()
    return phase


TABLES = ("events", "tickets", "bookings")  # what the exporter ships, as both sides count it


def hall_rows(database: Path) -> tuple[int, int, int]:
    """The hall's own journal rows, tickets and bookings (read-only, beside a running server)."""
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        events, tickets, bookings = (conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES)
    finally:
        conn.close()
    return events, tickets, bookings


def city_rows(dsn: str, hall_id: str = HALL_ID) -> tuple[int, int, int]:
    """The city's rows of one hall, table by table as :func:`hall_rows` counts the hall's."""
    with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as pg:
        row = pg.execute(
            "SELECT " + ", ".join(f"(SELECT count(*) FROM city.{t} WHERE hall_id = %s)" for t in TABLES),
            (hall_id,) * len(TABLES),
        ).fetchone()
    assert row is not None
    return row[0], row[1], row[2]


def _wait(check: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except (psycopg.OperationalError, psycopg.errors.UndefinedTable):
            pass  # not up yet, or the exporter has not made the schema yet
        time.sleep(0.1)
    return False


def run(cycles: int, data: Path, frozen_s: float = FROZEN_SECONDS) -> Result:
    """The three phases on a fresh hall in ``data`` and a throwaway PostgreSQL.  Each spreads its
    cycles over ``frozen_s`` seconds, so PostgreSQL stays frozen that long and the three phases'
    round trips are taken at the same pace (a server woken from idle answers a little slower
    than one kept busy, which would tell phases apart by pace rather than by the exporter)."""
    bin_dir = binaries()
    if bin_dir is None:
        raise SystemExit("export_stall: no PostgreSQL here (scripts/setup.sh installs Debian's postgresql)")
    config = hall.load()
    hall.prepare(config, data)
    config_path = hall_config(data)
    database = database_path(config_path, data)
    clerk = next(c for c in config.counters if c.number == COUNTER).clerks[0]
    result = Result()
    pg = Postgres(bin_dir)
    server = start_server(config_path, data, options=("--ignore-hours",))
    exporter: subprocess.Popen[bytes] | None = None
    try:
        pg.start()
        result.phases.append(asyncio.run(_phase(server.url, clerk, SERVICE, "no exporter", cycles, frozen_s)))
        command = [sys.executable, "-m", "hallcall.launch.cli", "export", "--config", str(config_path),
                   "--data", str(data), "--to", pg.dsn, "--hall-id", HALL_ID, "--interval", "0.2"]  # fmt: skip
        exporter = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait(lambda: city_rows(pg.dsn)[0] > 0, 60)
        up = asyncio.run(_phase(server.url, clerk, SERVICE, "exporter, PostgreSQL up", cycles, frozen_s))
        result.phases.append(up)
        pg.stall()
        try:
            time.sleep(1.0)  # the exporter's next pass is now blocked inside PostgreSQL
            name = f"PostgreSQL frozen {frozen_s:.0f} s"
            frozen = asyncio.run(_phase(server.url, clerk, SERVICE, name, cycles, frozen_s))
            result.phases.append(frozen)
            result.exporter_ended = exporter.poll() is not None
        finally:
            pg.resume()
        thawed = time.monotonic()
        result.stored = hall_rows(database)
        if _wait(lambda: city_rows(pg.dsn) == result.stored, CATCH_UP_WAIT):
            result.catch_up_s = time.monotonic() - thawed
        result.shipped = city_rows(pg.dsn)
    finally:
        if exporter is not None:
            exporter.kill()
            exporter.wait(10)
        server.stop()
        pg.stop()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=200, help="issue → call → finish per phase (default 200)")
    parser.add_argument("--frozen-seconds", type=float, default=FROZEN_SECONDS, help="how long PostgreSQL stays frozen")
    parser.add_argument("--keep", action="store_true", help="keep the data folder (database, server log)")
    args = parser.parse_args(argv)
    result = run_in_folder(lambda data: run(args.cycles, data, args.frozen_seconds), args.keep, "hallcall-stall-")
    lost = result.failed or result.exporter_ended or result.shipped != result.stored
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
