"""Rows shaped like a hall's journal and tickets, made up from a seed: for the city benchmark
(bench/city_scale.py, straight into PostgreSQL by COPY) and the city tests (into a hall's real
SQLite schema).  Each visitor takes a ticket at a time drawn with a morning and an afternoon peak,
waits an exponential time, is called by a counter of the service, and is then served (a
log-normal handling time, some from the call, some evaluated), transferred once and served, a
no-show, or left waiting at the close.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass

from hallcall.config import HallConfig

# (tickets row, its journal rows); columns as hallcall.server.city.export names them
Ticket = tuple[int, str, str, str, float, float | None, float | None, int | None, str | None, int]
Event = tuple[int, float, str, int, str, int | None, str | None, str, str | None, str | None]


@dataclass
class Ids:
    """The next ticket and journal row ids of one hall (its SQLite rowids go on across days)."""

    ticket: int = 1
    event: int = 1


def day_rows(config: HallConfig, day: dt.date, visitors: int, rng: random.Random, ids: Ids) -> Iterator[
    tuple[Ticket, str, list[Event]]
]:  # fmt: skip
    """One business day's tickets, each with its service id and journal rows, in issue order."""
    zone = config.tz
    opens = dt.datetime.combine(day, dt.time(8, 30), zone).timestamp()
    closes = opens + 9 * 3600
    services = config.services
    counters = {s.id: [c.number for c in config.counters if not c.services or s.id in c.services] for s in services}
    times = sorted(opens + _arrival(rng) * (closes - opens - 1800) for _ in range(visitors))
    seqs = dict.fromkeys((s.prefix for s in services), 0)
    text = day.isoformat()
    for issued in times:
        service = rng.choice(services)
        seqs[service.prefix] += 1
        number = f"{service.prefix}{seqs[service.prefix]:03d}"
        tid = ids.ticket
        ids.ticket += 1
        events: list[Event] = []

        log = functools.partial(_log, events, ids, text, tid, number)
        log(issued, "issue")
        called = issued + rng.expovariate(1 / (service.target_wait_minutes * 0.5 * 60))
        fate = rng.random()
        if called > closes or not counters[service.id]:
            yield (tid, text, number, "waiting", issued, None, None, None, None, 0), service.id, events
            continue
        counter = rng.choice(counters[service.id])
        clerk = f"clerk{counter}"
        log(called, "call", counter, clerk)
        if fate < 0.08:
            log(called + 180, "no_show", counter, clerk)
            yield (tid, text, number, "no_show", issued, None, None, counter, clerk, 0), service.id, events
            continue
        if fate < 0.13:
            log(called + 60, "transfer", counter, clerk)
            called += 60 + rng.expovariate(1 / 300)
            counter = rng.choice(counters[service.id])
            clerk = f"clerk{counter}"
            log(called, "call_back", counter, clerk)
        start = called + rng.uniform(20, 90)
        log(start, "start", counter, clerk)
        finished = start + rng.lognormvariate(5.7, 0.5)  # about 5 minutes, a long tail
        log(finished, "finish", counter, clerk)
        if rng.random() < 0.4:
            level = rng.choices((1, 2, 3, 4, 5), weights=(2, 3, 10, 35, 50))[0]
            log(finished + 30, "evaluate", counter, clerk, {"level": level})
        yield (tid, text, number, "done", issued, start, finished, counter, clerk, 0), service.id, events


def _log(
    events: list[Event],
    ids: Ids,
    day: str,
    tid: int,
    number: str,
    at: float,
    action: str,
    counter: int | None = None,
    clerk: str | None = None,
    detail: object = None,
) -> None:
    """One journal row of a ticket, with the hall's next journal id."""
    events.append(
        (ids.event, at, day, tid, number, counter, clerk, action, None, json.dumps(detail) if detail else None)
    )
    ids.event += 1


def _arrival(rng: random.Random) -> float:
    """A share 0–1 of the opening day: a peak mid-morning and a smaller one mid-afternoon."""
    while True:
        x = rng.gauss(0.25, 0.12) if rng.random() < 0.6 else rng.gauss(0.72, 0.12)
        if 0 <= x < 1:
            return x
