"""Rows shaped like a hall's journal and tickets, made up from a seed: for the city benchmark
(bench/city_scale.py, straight into PostgreSQL by COPY) and the city tests (into a hall's real
SQLite schema).  Each visitor takes a ticket at a time drawn with a morning and an afternoon peak,
waits an exponential time, is called by a counter of the service, and is then served (a
log-normal handling time, some from the call, some evaluated), transferred once and served, a
no-show, or left waiting at the close.  With ``appointment_share`` some tickets are appointment
tickets (a booking checked in), and :func:`day_bookings` makes a day's bookings as the hall keeps
them once the day is over: most checked in, some missed (the reports' appointment no-shows), some
cancelled.
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
# a bookings row: code, service, day, start, end, name, phone, state, ticket, booked_at, changed_at
Booking = tuple[str, str, str, str, str, str, str, str, str, float, float]
APPOINTMENT = 1  # hallcall.server.domain.model.APPOINTMENT: a ticket issued at a booking's check-in


@dataclass
class Ids:
    """The next ticket and journal row ids of one hall (its SQLite rowids go on across days)."""

    ticket: int = 1
    event: int = 1


def day_rows(
    config: HallConfig, day: dt.date, visitors: int, rng: random.Random, ids: Ids, appointment_share: float = 0.0
) -> Iterator[tuple[Ticket, str, list[Event]]]:
    """One business day's tickets, each with its service id and journal rows, in issue order;
    ``appointment_share`` of them appointment tickets (none by default: the draws, and so the
    benchmark's rows, stay those of a seed without appointments)."""
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
        klass = APPOINTMENT if appointment_share and rng.random() < appointment_share else 0

        log = functools.partial(_log, events, ids, text, tid, number)
        log(issued, "issue")
        called = issued + rng.expovariate(1 / (service.target_wait_minutes * 0.5 * 60))
        fate = rng.random()
        if called > closes or not counters[service.id]:
            yield (tid, text, number, "waiting", issued, None, None, None, None, klass), service.id, events
            continue
        counter = rng.choice(counters[service.id])
        clerk = f"clerk{counter}"
        log(called, "call", counter, clerk)
        if fate < 0.08:
            log(called + 180, "no_show", counter, clerk)
            yield (tid, text, number, "no_show", issued, None, None, counter, clerk, klass), service.id, events
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
        yield (tid, text, number, "done", issued, start, finished, counter, clerk, klass), service.id, events


def day_bookings(config: HallConfig, day: dt.date, count: int, rng: random.Random) -> list[Booking]:
    """``count`` bookings of ``day`` as the hall keeps them after its day end: 75 % checked in,
    15 % missed (never came: the day end marks them), 10 % cancelled.  Codes are unique per day."""
    zone = config.tz
    opens = dt.datetime.combine(day, dt.time(9, 0), zone).timestamp()
    day_end = opens + 15 * 3600
    out: list[Booking] = []
    for n in range(count):
        service = rng.choice(config.services)
        slot = rng.randrange(14)  # half-hour slots from 09:00
        start = opens + slot * 1800
        booked = start - rng.uniform(3600, 6 * 86400)
        state = rng.choices(("checked_in", "missed", "cancelled"), weights=(75, 15, 10))[0]
        changed = {"checked_in": start - 600, "missed": day_end, "cancelled": booked + 600}[state]
        out.append(
            (
                f"B{day:%y%m%d}{n:04d}",
                service.id,
                day.isoformat(),
                f"{9 + slot // 2:02d}:{slot % 2 * 30:02d}",
                f"{9 + (slot + 1) // 2:02d}:{(slot + 1) % 2 * 30:02d}",
                f"visitor {n}",
                f"138{rng.randrange(10**8):08d}",
                state,
                "",
                booked,
                changed,
            )
        )
    return out


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
