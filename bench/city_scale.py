#!/usr/bin/env python3
"""How long the city report takes for a month over a year of 50 halls on PostgreSQL.

It prints figures; it is not a pass/fail test.  It starts a throwaway PostgreSQL (tests/pg.py's
way: initdb into a temp folder, postgres on a loopback port, as ``nobody`` when run as root),
creates the city schema, and loads ``--halls`` halls × ``--days`` business days of the demo hall's
synthetic journal (hallcall.server.city.synthetic: morning and afternoon peaks, exponential
waits, log-normal handling, no-shows, transfers, evaluations; ``--visitors`` tickets a hall a
day, ~5 journal rows each) with COPY, timing the load.  Then it times the city report
(hallcall.server.city.report.city_report, the hall report's definitions per hall) for the last
month of the data, by service, whole range; three runs, best and median.

Run: ``.venv/bin/python bench/city_scale.py [--halls 50] [--days 250] [--visitors 800] [--seed 1]``
(the full size is ~10 million tickets and ~45 million journal rows; give fewer ``--days`` to run
a stated fraction).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

import psycopg

from hallcall import config as hall_config
from hallcall.server.city import export, schema, synthetic
from hallcall.server.city import report as city

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from pg import Postgres, binaries

DEMO = Path(__file__).resolve().parent.parent / "assets" / "demo-hall.toml"


def business_days(last: dt.date, count: int) -> list[dt.date]:
    days: list[dt.date] = []
    day = last
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= dt.timedelta(days=1)
    return sorted(days)


def load(pg: psycopg.Connection, config: hall_config.HallConfig, halls: int, days: list[dt.date], visitors: int,
         seed: int) -> tuple[int, int]:  # fmt: skip
    """COPY every hall's days into the city tables; (tickets, journal rows) loaded."""
    tickets = events = 0
    for h in range(halls):
        hall_id = f"hall{h + 1:02d}"
        export.register(pg, hall_id, config)
        rng, ids = random.Random(seed * 1000 + h), synthetic.Ids()
        with pg.transaction(), pg.cursor() as cur:
            with cur.copy(f"COPY city.tickets (hall_id, {', '.join(export.TICKET_COLUMNS)}) FROM STDIN") as tcopy:
                journal = []
                for day in days:
                    for ticket, _service, rows in synthetic.day_rows(config, day, visitors, rng, ids):
                        tcopy.write_row((hall_id, *ticket))
                        journal += rows
                        tickets += 1
            with cur.copy(f"COPY city.events (hall_id, {', '.join(export.EVENT_COLUMNS)}) FROM STDIN") as ecopy:
                for row in journal:
                    ecopy.write_row((hall_id, *row))
            events += len(journal)
            cur.execute(  # what the exporter records as it ships: the days this hall has rows for
                "INSERT INTO city.days (hall_id, day) SELECT %s, unnest(%s::text[])",
                (hall_id, [d.isoformat() for d in days]),
            )
            cur.execute(
                "UPDATE city.watermarks SET events_id = %s, tickets_id = %s WHERE hall_id = %s",
                (ids.event - 1, ids.ticket - 1, hall_id),
            )
        print(f"  {hall_id}: {tickets:,} tickets, {events:,} journal rows so far", flush=True)
    return tickets, events


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--halls", type=int, default=50)
    parser.add_argument("--days", type=int, default=250, help="business days a hall (a year: ~250)")
    parser.add_argument("--visitors", type=int, default=800, help="tickets a hall a day")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    bin_dir = binaries()
    if bin_dir is None:
        raise SystemExit("PostgreSQL is not installed: scripts/setup.sh installs Debian's postgresql")
    config = hall_config.load(DEMO)
    days = business_days(dt.date(2026, 11, 30), args.days)
    server = Postgres(bin_dir)
    try:
        server.start()
        with psycopg.connect(server.dsn, autocommit=True) as pg:
            schema.migrate(pg)
            began = time.perf_counter()
            tickets, events = load(pg, config, args.halls, days, args.visitors, args.seed)
            pg.execute("ANALYZE city.tickets")
            pg.execute("ANALYZE city.events")
            loaded = time.perf_counter() - began
            print(f"loaded {tickets:,} tickets and {events:,} journal rows in {loaded:.0f} s "
                  f"({(tickets + events) / loaded:,.0f} rows/s)")  # fmt: skip
            first, last = dt.date(2026, 11, 1).isoformat(), days[-1].isoformat()
            for by in ("service", "counter", "clerk"):
                times = []
                for _ in range(4):  # the first makes and keeps each day's report; the others read them
                    began = time.perf_counter()
                    result = city.city_report(pg, first, last, by, "week")
                    times.append(time.perf_counter() - began)
                assert result.total is not None
                print(
                    f"city report {first}..{last} by {by}, weekly, {args.halls} halls, {result.total.served:,} served: "
                    f"first (days' reports made) {times[0]:.2f} s; then best {min(times[1:]):.2f} s, "
                    f"median {statistics.median(times[1:]):.2f} s (goal: at most 2 s)"
                )
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
