#!/usr/bin/env python3
"""How accurate the wait printed on a ticket is: seeded mornings in the demo hall at several loads.

It prints figures; it is not a pass/fail test.  For each load level the hall simulator
(launch/sim) plays the demo hall from 08:30 to ``--to`` against a real ``hallcall server``
process, keeps the estimated wait of every issue answer, and sets it against the wait that
followed (issue to first call, from the server's journal).  Per level it prints the mean
absolute error (minutes, and as a share of the mean actual wait) and the share of tickets whose
estimate came within ±25 % of their wait (at least ±1 minute).  The goal: an error of at most
25 % of the mean wait at normal and peak load.

Levels: quiet (load 0.5), normal (0.85), peak (1.1: more visitors than the counters serve, so
the queues grow all morning), and closing (normal load, and counter 1's clerk leaves at 10:00
for the rest of the day: the estimate has to notice a counter fewer).

Run: ``.venv/bin/python bench/estimate_accuracy.py [--seeds 1,2] [--speed 600] [--to 12:30]``
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hallcall.launch.demo import hall  # noqa: E402
from hallcall.launch.sim import plan, runner  # noqa: E402
from hallcall.launch.sim.figures import Accuracy, read_figures  # noqa: E402

OPENS = "08:30"
CLOSING_COUNTER, CLOSING_AT = 1, "10:00"


@dataclass(frozen=True)
class Level:
    name: str
    load: float
    leaves: dict[str, str] = field(default_factory=dict)  # counter -> "HH:MM" its clerk leaves


LEVELS = (
    Level("quiet", 0.5),
    Level("normal", 0.85),
    Level("peak", 1.1),
    Level("closing", 0.85, {str(CLOSING_COUNTER): CLOSING_AT}),
)


def play(level: Level, seed: int, speed: float, until: str) -> tuple[list[tuple[float, float]], list[str]]:
    """One seeded morning at ``level``: the (estimate, wait) pairs in minutes, and what went wrong."""
    config = hall.load()
    data = Path(tempfile.mkdtemp(prefix="hallcall-bench-estimate-"))
    try:
        database = hall.prepare(config, data)
        day = plan.next_open_day(config, dt.date.today())

        def at(text: str) -> float:
            return hall.moment(config, day, text)

        opening = dt.datetime.fromtimestamp(at(OPENS) - 20 * 60, config.tz)
        clock = ("--clock-start", opening.strftime("%Y-%m-%dT%H:%M"), "--clock-speed", str(speed))
        server = hall.start(data, options=clock)
        try:
            settings = runner.Settings(
                config,
                server.url,
                hall.PASSWORD,
                seed,
                at(OPENS),
                at(until),
                at(until) + 30 * 60,
                profile=plan.Profile(load=level.load),
                supervisor=(hall.SUPERVISOR, hall.PASSWORD),
                leaves={int(n): at(hhmm) for n, hhmm in level.leaves.items()},
            )
            report = asyncio.run(runner.simulate(settings))
        finally:
            server.stop()
        figures = read_figures(database, config, report.day, estimates=report.estimates)
        return figures.total().estimated, report.errors
    finally:
        shutil.rmtree(data, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="1,2", help="comma-separated seeds, one morning each (default: 1,2)")
    parser.add_argument("--speed", type=float, default=600.0, help="times real time (default: %(default)s)")
    parser.add_argument("--to", default="12:30", help="last arrivals (default: %(default)s)")
    parser.add_argument("--levels", default=",".join(lv.name for lv in LEVELS), help="which levels to run")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    wanted = {name.strip() for name in args.levels.split(",")}
    print(f"estimate accuracy: demo hall {OPENS}-{args.to}, seeds {seeds}, {args.speed:g}x")
    print(f"{'level':<8} {'load':>5} {'tickets':>8} {'mean wait':>10} {'MAE':>8} {'MAE %':>6} {'±25 %':>6}")
    problems = 0
    for level in LEVELS:
        if level.name not in wanted:
            continue
        pairs: list[tuple[float, float]] = []
        for seed in seeds:
            got, errors = play(level, seed, args.speed, args.to)
            pairs += got
            for problem in errors:
                problems += 1
                print(f"  {level.name} seed {seed}: {problem}", file=sys.stderr)
        a = Accuracy.of(pairs)
        print(
            f"{level.name:<8} {level.load:>5.2f} {a.tickets:>8} {a.mean_wait_minutes:>8.1f} m "
            f"{a.mae_minutes:>6.1f} m {100 * a.mae_share:>5.0f}% {100 * a.within:>5.0f}%"
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
