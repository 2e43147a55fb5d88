"""``hallcall export``: ship a hall's journal, tickets and bookings to the city's PostgreSQL, beside its server.

Its own process, with its own read-only connection to the hall's SQLite: the server never waits
for it, and a city network outage only delays the city's figures.  Every ``--interval`` seconds
it ships what is new (hallcall.server.city.export); when PostgreSQL is away it says so once and
tries again, and it resumes from the watermark kept in PostgreSQL after either side restarts.
``--once`` ships until caught up and ends (a cron job, a test).
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
import time
from pathlib import Path

from hallcall import config as hall_config
from hallcall.launch.cli import DATA_HELP, data_folder
from hallcall.server import reports
from hallcall.server.app import database_path
from hallcall.server.city import export, schema
from hallcall.server.city import report as city_report
from hallcall.server.domain import calendar

log = logging.getLogger("hallcall.export")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, help="the hall's TOML file")
    parser.add_argument("--data", help=DATA_HELP)
    parser.add_argument("--to", help="the city database, postgresql://… (default: [export] to)")
    parser.add_argument("--hall-id", help="the hall's id in the city (default: [export] hall_id, else the file's name)")
    parser.add_argument("--interval", type=float, help="seconds between passes (default: [export] interval_seconds)")
    parser.add_argument("--once", action="store_true", help="ship until caught up, then end")
    parser.add_argument("--batch", type=int, default=export.BATCH, help="journal rows per transaction")


def run(args: argparse.Namespace) -> int:
    import psycopg  # the city extra

    try:
        config = hall_config.load(args.config)
    except hall_config.ConfigError as exc:
        raise SystemExit(f"hallcall: config error: {exc}") from None
    target = args.to or config.export.to
    if not target.startswith(("postgresql://", "postgres://")):
        raise SystemExit("hallcall export: give the city database as --to postgresql://… or [export] to")
    hall_id = args.hall_id or config.export.hall_id or Path(args.config).stem
    interval = args.interval if args.interval is not None else config.export.interval_seconds
    path = database_path(args.config, data_folder(args.config, args.data))
    away = False
    while True:
        try:
            shipped = _pass(psycopg, target, path, hall_id, config, args.batch)
            if away or shipped:
                log.info(
                    "shipped %d journal rows and %d bookings of hall %s", shipped.events, shipped.bookings, hall_id
                )
            away = False
        except (psycopg.OperationalError, sqlite3.Error, OSError) as exc:
            if args.once:
                raise SystemExit(f"hallcall export: {exc}") from None
            if not away:
                log.warning("the city database or the hall's file is away (%s); trying again", exc)
            away = True
        if args.once:
            return 0
        time.sleep(interval)


def _pass(
    psycopg: object, target: str, path: Path, hall_id: str, config: hall_config.HallConfig, batch: int
) -> export.Shipped:
    """One connection to each side, shipped until caught up."""
    hall = reports.connect_read_only(path)
    try:
        with psycopg.connect(target, connect_timeout=10, autocommit=True) as pg:  # type: ignore[attr-defined]
            schema.migrate(pg)
            export.register(pg, hall_id, config)
            shipped = export.ship_all(hall, pg, hall_id, batch)
            # the days before the hall's today are done: their reports are made now, off the city
            # page's path, so a month's first city report reads kept ones (docs/city.md)
            kept = city_report.DayReports(pg, city_report.halls(pg))
            try:
                kept.warm(hall_id, calendar.business_day(config, time.time()))
            finally:
                kept.close()
            return shipped
    finally:
        hall.close()
