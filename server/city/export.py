"""Shipping one hall's journal and tickets to the city database, incrementally and idempotently.

One :func:`ship_batch` reads the journal rows after the hall's watermark (kept in PostgreSQL, in
the same transaction as the rows, so a crash on either side can neither lose nor double a row)
from its own read-only SQLite connection, with the current state of every ticket those rows
touch, and upserts them keyed on (hall_id, id).  The server's connection is never used: a slow
or absent PostgreSQL holds up this process only.

Appointment bookings (:func:`ship_bookings`) have no journal: a booking's row changes in place
(booked → checked_in, missed or cancelled) and its ``changed_at`` is set at each change, so their
watermark is that change time.  Only what the report counts is shipped (day, service, state),
under a digest of the booking's code (:func:`booking_id`): no name, phone, or code a visitor
checks in with.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from typing import Any

from hallcall.config import HallConfig

TICKET_COLUMNS = (
    "id",
    "day",
    "number",
    "state",
    "issued_at",
    "serving_at",
    "finished_at",
    "counter",
    "clerk",
    "priority",
)
EVENT_COLUMNS = ("id", "at", "day", "ticket_id", "number", "counter", "clerk", "action", "reason", "detail")
BOOKING_COLUMNS = ("id", "service", "day", "state")  # id: booking_id(code)
BATCH = 5000


def hall_summary(config: HallConfig) -> dict[str, object]:
    """What the city report needs of a hall's config (no clerks, devices or secrets)."""
    return {
        "hall": {"name": {"zh": config.hall.name.zh, "en": config.hall.name.en}, "timezone": config.hall.timezone},
        "services": [
            {
                "id": s.id,
                "prefix": s.prefix,
                "name": {"zh": s.name.zh, "en": s.name.en},
                "target_wait_minutes": s.target_wait_minutes,
            }
            for s in config.services
        ],
        "counters": [
            {"number": c.number, **({"name": {"zh": c.name.zh, "en": c.name.en}} if c.name else {})}
            for c in config.counters
        ],
    }


def register(pg: Any, hall_id: str, config: HallConfig) -> None:
    """Record (or refresh) the hall and its watermark row in the city database."""
    import json

    with pg.transaction():
        pg.execute(
            "INSERT INTO city.halls (hall_id, config) VALUES (%s, %s::jsonb) "
            "ON CONFLICT (hall_id) DO UPDATE SET config = EXCLUDED.config, updated_at = now()",
            (hall_id, json.dumps(hall_summary(config), ensure_ascii=False)),
        )
        pg.execute("INSERT INTO city.watermarks (hall_id) VALUES (%s) ON CONFLICT DO NOTHING", (hall_id,))


def _upsert(table: str, columns: tuple[str, ...]) -> str:
    names = ", ".join(("hall_id", *columns))
    marks = ", ".join("%s" for _ in range(len(columns) + 1))
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c != "id")
    return f"INSERT INTO city.{table} ({names}) VALUES ({marks}) ON CONFLICT (hall_id, id) DO UPDATE SET {updates}"


def ship_batch(hall: sqlite3.Connection, pg: Any, hall_id: str, batch: int = BATCH) -> int:
    """Ship up to ``batch`` journal rows after the watermark, and the tickets they (or new ids)
    touch; the number of journal rows shipped (0: caught up)."""
    with pg.transaction():
        row = pg.execute(
            "SELECT events_id, tickets_id FROM city.watermarks WHERE hall_id = %s FOR UPDATE", (hall_id,)
        ).fetchone()
        if row is None:
            raise RuntimeError(f"hall {hall_id!r} is not registered in the city database")
        events_mark, tickets_mark = row
        hall.execute("BEGIN")  # one snapshot of the hall for the journal rows and their tickets
        try:
            events = hall.execute(
                f"SELECT {', '.join(EVENT_COLUMNS)} FROM events WHERE id > ? ORDER BY id LIMIT ?", (events_mark, batch)
            ).fetchall()
            wanted = {e[3] for e in events if e[3] is not None}
            wanted |= {
                r[0]
                for r in hall.execute("SELECT id FROM tickets WHERE id > ? ORDER BY id LIMIT ?", (tickets_mark, batch))
            }
            tickets = []
            ids = sorted(wanted)
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                tickets += hall.execute(
                    f"SELECT {', '.join(TICKET_COLUMNS)} FROM tickets WHERE id IN ({', '.join('?' * len(chunk))})",
                    chunk,
                ).fetchall()
        finally:
            hall.execute("COMMIT")
        if not events and not tickets:
            return 0
        with pg.cursor() as cur:
            if tickets:
                cur.executemany(_upsert("tickets", TICKET_COLUMNS), [(hall_id, *t) for t in tickets])
            if events:
                cur.executemany(_upsert("events", EVENT_COLUMNS), [(hall_id, *e) for e in events])
        _bump_days(pg, hall_id, sorted({e[2] for e in events if e[2]} | {tk[1] for tk in tickets}))
        pg.execute(
            "UPDATE city.watermarks SET events_id = %s, tickets_id = GREATEST(tickets_id, %s), shipped_at = now() "
            "WHERE hall_id = %s",
            (events[-1][0] if events else events_mark, max((t[0] for t in tickets), default=tickets_mark), hall_id),
        )
        return len(events) or len(tickets)


def _bump_days(pg: Any, hall_id: str, days: list[str]) -> None:
    """The kept reports of these days are out of date now (a day's first row also makes its row)."""
    pg.execute(
        "INSERT INTO city.days (hall_id, day) SELECT %s, unnest(%s::text[]) "
        "ON CONFLICT (hall_id, day) DO UPDATE SET version = city.days.version + 1",
        (hall_id, days),
    )


def booking_id(code: str) -> str:
    """A booking's id in the city: a digest of its code, unique and stable like the code, which
    the visitor shows to check in and must not leave the hall."""
    return hashlib.sha256(f"hallcall-booking:{code}".encode()).hexdigest()[:32]


def _has_bookings(hall: sqlite3.Connection) -> bool:
    """A hall database older than appointments (schema 7) has no bookings to ship."""
    return hall.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'bookings'").fetchone() is not None


def ship_bookings(hall: sqlite3.Connection, pg: Any, hall_id: str, batch: int = BATCH) -> int:
    """Ship the bookings changed since the watermark, ``batch`` at a time, each batch and the
    watermark in one PostgreSQL transaction; the bookings whose city row was new or changed.

    The watermark is the latest ``changed_at`` shipped, and a pass starts *at* it, not after it:
    a booking changed in the same instant but committed after the last pass (or after a kill
    between two batches) is read again rather than lost.  Such a re-read row is compared with
    the city's and written only if it differs, so a caught-up pass changes nothing, not even
    the kept reports' versions.  Within a pass the batches follow (changed_at, code).
    """
    if not _has_bookings(hall):
        return 0
    row = pg.execute("SELECT bookings_at FROM city.watermarks WHERE hall_id = %s", (hall_id,)).fetchone()
    if row is None:
        raise RuntimeError(f"hall {hall_id!r} is not registered in the city database")
    after: tuple[float, str] = (row[0], "")
    changed = 0
    while True:
        rows = hall.execute(
            "SELECT code, service, day, state, at FROM (SELECT *, coalesce(changed_at, booked_at, 0) AS at "
            "FROM bookings) WHERE at > ? OR (at = ? AND code > ?) ORDER BY at, code LIMIT ?",
            (after[0], after[0], after[1], batch),
        ).fetchall()
        if not rows:
            return changed
        changed += _ship_bookings(pg, hall_id, rows)
        after = (rows[-1][4], rows[-1][0])
        if len(rows) < batch:
            return changed


def _ship_bookings(pg: Any, hall_id: str, rows: list[tuple[str, str, str, str, float]]) -> int:
    """One batch of the hall's booking rows (code, service, day, state, changed at): upserted
    where new or changed, their days' reports made stale, the watermark moved; how many changed."""
    shipped = {booking_id(code): (service, day, state) for code, service, day, state, _ in rows}
    with pg.transaction():
        pg.execute("SELECT 1 FROM city.watermarks WHERE hall_id = %s FOR UPDATE", (hall_id,))
        known = {
            r[0]: (r[1], r[2], r[3])
            for r in pg.execute(
                "SELECT id, service, day, state FROM city.bookings WHERE hall_id = %s AND id = ANY(%s)",
                (hall_id, list(shipped)),
            )
        }
        new = {key: values for key, values in shipped.items() if known.get(key) != values}
        if new:
            with pg.cursor() as cur:
                cur.executemany(
                    _upsert("bookings", BOOKING_COLUMNS), [(hall_id, key, *values) for key, values in new.items()]
                )
            # a booking moved to another day changes the figures of both
            _bump_days(pg, hall_id, sorted({v[1] for v in new.values()} | {known[k][1] for k in new if k in known}))
        pg.execute(
            "UPDATE city.watermarks SET bookings_at = GREATEST(bookings_at, %s), shipped_at = now() WHERE hall_id = %s",
            (rows[-1][4], hall_id),
        )
    return len(new)


@dataclass
class Shipped:
    """What one :func:`ship_all` shipped: journal rows, and bookings new or changed."""

    events: int = 0
    bookings: int = 0

    def __bool__(self) -> bool:
        return bool(self.events or self.bookings)


def ship_all(hall: sqlite3.Connection, pg: Any, hall_id: str, batch: int = BATCH) -> Shipped:
    """Ship journal batches, then bookings, until caught up."""
    out = Shipped()
    while n := ship_batch(hall, pg, hall_id, batch):
        out.events += n
    out.bookings = ship_bookings(hall, pg, hall_id, batch)
    return out
