"""Shipping one hall's journal and tickets to the city database, incrementally and idempotently.

One :func:`ship_batch` reads the journal rows after the hall's watermark (kept in PostgreSQL, in
the same transaction as the rows, so a crash on either side can neither lose nor double a row)
from its own read-only SQLite connection, with the current state of every ticket those rows
touch, and upserts them keyed on (hall_id, id).  The server's connection is never used: a slow
or absent PostgreSQL holds up this process only.
"""

from __future__ import annotations

import sqlite3
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
        days = sorted({e[2] for e in events if e[2]} | {tk[1] for tk in tickets})
        pg.execute(  # the kept reports of these days are out of date now
            "INSERT INTO city.days (hall_id, day) SELECT %s, unnest(%s::text[]) "
            "ON CONFLICT (hall_id, day) DO UPDATE SET version = city.days.version + 1",
            (hall_id, days),
        )
        pg.execute(
            "UPDATE city.watermarks SET events_id = %s, tickets_id = GREATEST(tickets_id, %s), shipped_at = now() "
            "WHERE hall_id = %s",
            (events[-1][0] if events else events_mark, max((t[0] for t in tickets), default=tickets_mark), hall_id),
        )
        return len(events) or len(tickets)


def ship_all(hall: sqlite3.Connection, pg: Any, hall_id: str, batch: int = BATCH) -> int:
    """Ship batches until caught up; the journal rows shipped."""
    total = 0
    while n := ship_batch(hall, pg, hall_id, batch):
        total += n
    return total
