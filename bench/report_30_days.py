#!/usr/bin/env python3
"""How long the supervision report takes over a month of a busy hall.

It prints figures; it is not a pass/fail test.  It makes a hall database of ``--days`` business
days of the demo hall (about 1,700 tickets a day, the load of a district hall: ~50,000 tickets,
~300,000 journal rows), written in bulk through ``Storage.apply`` the way the server writes them:
ticket rows and journal entries (issue, call, recall, serve, finish, no-show, transfer, cancel,
expire, evaluate), seeded, with morning peaks, waits that grow with the hour's load, handling
times per service, A/B clerks at each counter and five-level evaluations for most served tickets.
Then it times the month's report by service, by counter and by clerk (the goal: at most 1 s each),
as the server and ``hallcall report`` run it: a fresh read-only connection each time.

Run: ``.venv/bin/python bench/report_30_days.py [--days 30] [--per-day 1700] [--seed 1] [--keep DIR]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import statistics
import sys
import tempfile
import time
import zoneinfo
from pathlib import Path

from hallcall import config as hall_config
from hallcall.server import reports
from hallcall.server.domain.model import GREEN, NORMAL, Journal, Ticket, TicketSaved
from hallcall.server.storage import Storage

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "assets" / "demo-hall.toml"
MIN = 60.0
# share of the day's arrivals per hour from 08:00: a morning peak, a lunch dip, an afternoon bump
HOURLY = (0.06, 0.15, 0.17, 0.13, 0.05, 0.07, 0.13, 0.14, 0.10)
LEVELS = (5, 4, 3, 2, 1)
LEVEL_WEIGHTS = (70, 20, 6, 3, 1)


def build(path: Path, config: hall_config.HallConfig, days: int, per_day: int, seed: int) -> tuple[int, int]:
    """Write the month; returns (tickets, journal rows)."""
    rng = random.Random(seed)
    zone = zoneinfo.ZoneInfo(config.hall.timezone)
    services = list(config.services)
    weights = [rng.uniform(0.5, 3.0) for _ in services]
    all_ids = [s.id for s in services]
    counters = [(c.number, list(c.services) or all_ids) for c in config.counters]
    clerks = {n: (f"clerk{n:02d}a", f"clerk{n:02d}b") for n, _ in counters}
    by_service = {s.id: [n for n, ids in counters if s.id in ids] or [counters[0][0]] for s in services}
    storage = Storage(path, synchronous="off")
    ticket_id, journal_rows = 0, 0
    first = dt.date(2026, 11, 2)  # a Monday
    day_date = first
    made = 0
    while made < days:
        if day_date.weekday() >= 5:
            day_date += dt.timedelta(days=1)
            continue
        day = day_date.isoformat()
        opening = dt.datetime.combine(day_date, dt.time(8, 0), zone).timestamp()
        changes: list = []
        seqs = dict.fromkeys(all_ids, 0)
        count = int(per_day * rng.uniform(0.85, 1.15))
        arrivals = sorted(
            opening + 3600 * (hour + rng.random()) for hour in rng.choices(range(len(HOURLY)), HOURLY, k=count)
        )
        for issued_at in arrivals:
            ticket_id += 1
            s = rng.choices(services, weights)[0]
            seqs[s.id] += 1
            number = f"{s.prefix}{seqs[s.id]:03d}"
            hour = int((issued_at - opening) // 3600)
            priority = GREEN if rng.random() < 0.02 else NORMAL
            t = Ticket(ticket_id, day, s.id, seqs[s.id], number, priority, "waiting", issued_at, issued_at)
            changes += [TicketSaved(t, new=True), Journal(issued_at, "issue", t, reason="kiosk")]
            fate = rng.random()
            if fate < 0.03:  # left before being called
                t.state, t.finished_at = "cancelled", issued_at + rng.uniform(5, 40) * MIN
                changes += [TicketSaved(t), Journal(t.finished_at, "cancel", t, reason="visitor left")]
                continue
            if fate < 0.035 and hour >= len(HOURLY) - 1:  # still waiting at closing time
                t.state = "expired"
                changes += [TicketSaved(t), Journal(opening + 11 * 3600, "expire", t, reason="day end")]
                continue
            counter = rng.choice(by_service[s.id])
            clerk = clerks[counter][0 if rng.random() < 0.85 else 1]
            load = HOURLY[hour] / max(HOURLY)
            wait = rng.expovariate(1 / (s.target_wait_minutes * (0.3 + 0.9 * load))) * MIN
            t.state, t.called_at, t.counter, t.clerk = "called", issued_at + wait, counter, clerk
            changes += [TicketSaved(t), Journal(t.called_at, "call", t, counter, clerk)]
            now = t.called_at
            if rng.random() < 0.1:
                now += rng.uniform(0.5, 2) * MIN
                t.recalls = 1
                changes += [TicketSaved(t), Journal(now, "recall", t, counter, clerk, detail={"recalls": 1})]
            if rng.random() < 0.05:
                t.state, t.finished_at = "no_show", now + 2 * MIN
                changes += [TicketSaved(t), Journal(t.finished_at, "no_show", t, counter, clerk)]
                continue
            if rng.random() < 0.03:  # transferred to another service, then called again there
                now += rng.uniform(1, 4) * MIN
                other = rng.choice(services)
                t.transfers += 1
                t.service = other.id
                changes += [TicketSaved(t), Journal(now, "transfer", t, counter, clerk, "other matter")]
                counter = rng.choice(by_service[other.id])
                clerk = clerks[counter][0]
                now += rng.uniform(2, 20) * MIN
                t.counter, t.clerk, t.called_at = counter, clerk, now
                changes += [TicketSaved(t), Journal(now, "call", t, counter, clerk)]
            now += rng.uniform(0.3, 1.5) * MIN
            t.state, t.serving_at = "serving", now
            changes += [TicketSaved(t), Journal(now, "serve", t, counter, clerk)]
            now += rng.lognormvariate(0, 0.5) * s.default_handle_minutes * MIN
            t.state, t.finished_at = "done", now
            changes += [TicketSaved(t), Journal(now, "finish", t, counter, clerk)]
            if rng.random() < 0.6:
                level = rng.choices(LEVELS, LEVEL_WEIGHTS)[0]
                detail = {"level": level, "reason": "slow" if level <= 2 else None, "note": "", "channel": "pad"}
                changes.append(Journal(now + rng.uniform(10, 90), "evaluate", t, counter, clerk, detail=detail))
        storage.begin()
        storage.apply(changes, day)
        storage.commit()
        journal_rows += sum(1 for c in changes if isinstance(c, Journal))
        made += 1
        day_date += dt.timedelta(days=1)
    storage.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    storage.close()
    return ticket_id, journal_rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30, help="business days (default: %(default)s)")
    parser.add_argument("--per-day", type=int, default=1700, help="tickets a day, ±15 %% (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each report (default: %(default)s)")
    parser.add_argument("--keep", type=Path, help="write the database into this folder and keep it")
    args = parser.parse_args(argv)
    config = hall_config.load(DEMO)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="hallcall-report-bench-"))
    path = folder / "demo-hall.sqlite3"
    if path.exists():
        path.unlink()
    started = time.perf_counter()
    tickets, rows = build(path, config, args.days, args.per_day, args.seed)
    built = time.perf_counter() - started
    size = path.stat().st_size / 1e6
    print(f"built {args.days} business days: {tickets:,} tickets, {rows:,} journal rows, {size:.1f} MB, {built:.1f} s")
    first, last = _range(path)
    print(f"report {first} .. {last}")
    for by in reports.BY:
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            r = reports.report_file(path, config, first, last, by)
            times.append(time.perf_counter() - t0)
        print(
            f"  by {by:<8} {len(r.rows):>3} rows  best {min(times):.3f} s  median {statistics.median(times):.3f} s"
            f"  (issued {r.total.issued if r.total.issued is not None else '—'}, served {r.total.served:,},"
            f" satisfaction {r.total.satisfaction:.1%})"
        )
    if args.keep is None:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


def _range(path: Path) -> tuple[str, str]:
    conn = reports.connect_read_only(path)
    try:
        first, last = conn.execute("SELECT MIN(day), MAX(day) FROM tickets").fetchone()
    finally:
        conn.close()
    return first, last


if __name__ == "__main__":
    sys.exit(main())
