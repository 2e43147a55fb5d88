"""The city database's tables, owned and migrated by hallcall: ``city.schema_version`` says which
of :data:`MIGRATIONS` have run, and :func:`migrate` runs the rest, each in its own transaction.

Every row carries its hall's id; a hall's ticket and journal ids are its own SQLite row ids, so
(hall_id, id) is each table's key and an upsert on it makes shipping a row twice harmless.
"""

from __future__ import annotations

from typing import Any

SCHEMA = "city"

MIGRATIONS: tuple[str, ...] = (
    # 1: halls, the exporter's watermarks, the rows the hall report reads
    """
    CREATE TABLE city.halls (
        hall_id text PRIMARY KEY,
        config jsonb NOT NULL,          -- what the report needs: timezone, services, counters
        updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE city.watermarks (
        hall_id text PRIMARY KEY REFERENCES city.halls,
        events_id bigint NOT NULL DEFAULT 0,   -- the last journal row shipped
        tickets_id bigint NOT NULL DEFAULT 0,  -- the last ticket id shipped
        shipped_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE city.tickets (
        hall_id text NOT NULL,
        id bigint NOT NULL,
        day text NOT NULL,
        number text NOT NULL,
        state text NOT NULL,
        issued_at double precision NOT NULL,
        serving_at double precision,
        finished_at double precision,
        counter integer,
        clerk text,
        PRIMARY KEY (hall_id, id)
    );
    CREATE TABLE city.events (
        hall_id text NOT NULL,
        id bigint NOT NULL,
        at double precision NOT NULL,
        day text,
        ticket_id bigint,
        number text,
        counter integer,
        clerk text,
        action text NOT NULL,
        reason text,
        detail text,
        PRIMARY KEY (hall_id, id)
    );
    -- the report reads one hall's days at a time: tickets by day, journal by day and action
    CREATE INDEX tickets_hall_day ON city.tickets (hall_id, day);
    CREATE INDEX events_hall_day_action ON city.events (hall_id, day, action);
    """,
    # 2: the days each hall has rows for, and each day's report kept (hallcall.server.city.report):
    # the exporter bumps a day's version whenever it ships rows of that day, so a kept report of an
    # older version is never used
    """
    CREATE TABLE city.days (
        hall_id text NOT NULL,
        day text NOT NULL,
        version bigint NOT NULL DEFAULT 1,
        PRIMARY KEY (hall_id, day)
    );
    CREATE INDEX days_day ON city.days (day);
    INSERT INTO city.days (hall_id, day)
        SELECT hall_id, day FROM city.tickets UNION SELECT hall_id, day FROM city.events WHERE day IS NOT NULL;
    CREATE TABLE city.rollups (
        hall_id text NOT NULL,
        day text NOT NULL,
        grouping text NOT NULL,
        version bigint NOT NULL,
        groups bytea NOT NULL,  -- msgpack: the day's report rows then its total, waits and all
        PRIMARY KEY (hall_id, day, grouping)
    );
    """,
    # 3: a ticket's class (priority), which the hall report reads for appointment tickets
    """
    ALTER TABLE city.tickets ADD COLUMN priority integer NOT NULL DEFAULT 0;
    DELETE FROM city.rollups;
    """,
    # 4: appointment bookings, for the report's appointment no-shows: only what it counts (day,
    # service, state), keyed by a digest of the booking's code, never a name, phone or the code
    # itself; a booking changes state after it was shipped (booked → checked_in, missed,
    # cancelled), so the exporter's watermark is the hall's change time (bookings.changed_at)
    """
    CREATE TABLE city.bookings (
        hall_id text NOT NULL,
        id text NOT NULL,       -- hallcall.server.city.export.booking_id: a digest of the code
        service text NOT NULL,
        day text NOT NULL,
        state text NOT NULL,    -- booked, checked_in, missed, cancelled
        PRIMARY KEY (hall_id, id)
    );
    CREATE INDEX bookings_hall_day ON city.bookings (hall_id, day);
    ALTER TABLE city.watermarks ADD COLUMN bookings_at double precision NOT NULL DEFAULT 0;
    """,
)


def migrate(conn: Any) -> int:
    """Bring the city schema up to date on a psycopg connection; the version it is at after."""
    with conn.transaction():
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        conn.execute(f"CREATE TABLE IF NOT EXISTS {SCHEMA}.schema_version (version integer NOT NULL)")
        # one migrator at a time: two exporters starting together must not both run migration 1
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('hallcall.city.migrate'))")
        row = conn.execute(f"SELECT max(version) FROM {SCHEMA}.schema_version").fetchone()
        version = row[0] or 0
        if version > len(MIGRATIONS):
            raise RuntimeError(
                f"the city database is at schema version {version}, newer than this hallcall's "
                f"{len(MIGRATIONS)}: upgrade hallcall"
            )
        for number, sql in enumerate(MIGRATIONS[version:], start=version + 1):
            conn.execute(sql)
            conn.execute(f"INSERT INTO {SCHEMA}.schema_version VALUES ({number})")
            version = number
    return version
