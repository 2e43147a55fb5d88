#!/usr/bin/env python3
"""A whole simulated day in the demo hall, against a real ``hallcall server`` process.

It prints figures; it is not a pass/fail test.  The hall simulator (launch/sim) plays a
Monday from 08:30 to 17:30 at ``--speed`` times real time: visitors take tickets at the two
kiosks, the twelve counters' clerks call, serve, recall, mark no-shows, transfer and take
breaks, and a guide desk cancels the tickets of visitors who leave, all over websockets.
Then it prints:

* the server's CPU time for the day (psutil, user + system) and what a real 9-hour day would
  cost as a share of one core: the day's work, plus the server's idle cost (its timers,
  measured for ``--idle`` seconds before the day starts) times the real day's length, since
  compressing the day shrinks the work of its timers too: the design's "a small fraction of
  one core";
* the server's memory (RSS) at the end of the day;
* request-to-answer times of the simulator's own requests (issues and clerks' actions), at
  the compressed pace, i.e. a far busier hall than the real one;
* the day's figures from the hall's database (issued, served, no-shows, waits per service).

Run: ``.venv/bin/python bench/hall_day.py [--speed 600] [--seed 1] [--load 0.85]``
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server_load import percentile  # noqa: E402  (this folder is on the path when run as a script)

from hallcall.launch.demo import hall  # noqa: E402
from hallcall.launch.sim import plan, runner  # noqa: E402
from hallcall.launch.sim.figures import read_figures  # noqa: E402

OPENS, CLOSES, CLERKS_STOP = "08:30", "17:30", "17:45"
REAL_DAY_SECONDS = 9 * 3600


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--speed", type=float, default=600.0, help="times real time (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--load", type=float, default=0.85, help="arrivals as a share of the counters' capacity")
    parser.add_argument("--idle", type=float, default=30.0, help="seconds to measure the idle server (default: 30)")
    args = parser.parse_args(argv)

    config = hall.load()
    data = Path(tempfile.mkdtemp(prefix="hallcall-bench-day-"))
    database = hall.prepare(config, data)
    day = plan.next_open_day(config, dt.date.today())

    def at(text: str) -> float:
        return hall.moment(config, day, text)

    # The clock starts well before opening, so the idle measurement ends before the first visitor.
    opening = dt.datetime.fromtimestamp(at("08:25") - args.idle * args.speed - 120, config.tz)
    clock = ("--clock-start", opening.strftime("%Y-%m-%dT%H:%M"), "--clock-speed", str(args.speed))
    server = hall.start(data, options=clock)
    ps = psutil.Process(server.proc.pid)
    try:
        idle0 = sum(ps.cpu_times()[:2])
        time.sleep(args.idle)
        idle = (sum(ps.cpu_times()[:2]) - idle0) / args.idle  # CPU seconds per real second
        cpu0 = sum(ps.cpu_times()[:2])
        began = time.monotonic()
        settings = runner.Settings(
            config,
            server.url,
            hall.PASSWORD,
            args.seed,
            at(OPENS),
            at(CLOSES),
            at(CLERKS_STOP),
            profile=plan.Profile(load=args.load),
            supervisor=(hall.SUPERVISOR, hall.PASSWORD),
        )
        report = asyncio.run(runner.simulate(settings))
        wall = time.monotonic() - began
        cpu = sum(ps.cpu_times()[:2]) - cpu0
        rss = ps.memory_info().rss
    finally:
        server.stop()
    figures = read_figures(database, config, report.day)
    shutil.rmtree(data, ignore_errors=True)
    total = figures.total()
    ms = report.answer_ms
    print(f"hall day: demo hall, {report.day} {OPENS}-{CLOSES}, seed {args.seed}, load {args.load}, {args.speed:g}x")
    print(f"  ran {wall:.1f} s real; {report.planned} arrivals, {report.issued} issued, refused {dict(report.refused)}")
    print(
        f"  clerks: {report.clerks.calls} calls, {report.clerks.finishes} finished, {report.clerks.no_shows} no-shows, "
        f"{report.clerks.transfers} transfers, {report.clerks.breaks} breaks; guide desk cancelled {report.cancels}"
    )
    real_day = cpu + idle * REAL_DAY_SECONDS
    print(
        f"  server CPU for the day's work: {cpu:.2f} s = {1000 * cpu / max(1, total.issued):.1f} ms per ticket "
        f"(every request, event and screen update of its journey)"
    )
    print(
        f"  idle server: {1000 * idle:.2f} ms CPU per second; a real 9-hour day: {real_day:.0f} s CPU "
        f"= {100 * real_day / REAL_DAY_SECONDS:.2f} % of one core"
    )
    print(f"  server memory at the end of the day: {rss / 2**20:.1f} MiB RSS")
    if ms:
        print(
            f"  answers to {len(ms)} requests at {args.speed:g}x pace: median {statistics.median(ms):.2f} ms, "
            f"p99 {percentile(ms, 99):.2f} ms, max {max(ms):.2f} ms"
        )
    print(
        f"  waits: mean {total.mean_wait:.1f} min, p90 {total.p90_wait:.1f} min, longest {total.max_wait:.1f} min; "
        f"{total.over_target} of {len(total.waits)} called past their service's target"
    )
    print()
    print(figures.table(config.hall.languages[0]))
    return 0 if figures.adds_up() else 1


if __name__ == "__main__":
    sys.exit(main())
