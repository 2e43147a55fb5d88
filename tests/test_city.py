"""The city report on a real PostgreSQL (tests/pg.py): three halls' days exported by the real
``hallcall export``, the city's figures against each hall's own report (appointment tickets and
missed bookings among them), the page and the CSV; bookings that change state after they were
shipped; and an exporter and a PostgreSQL killed mid-run that lose and double nothing."""

from __future__ import annotations

import datetime as dt
import math
import random
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import TEST_HALL
from pg import Postgres, binaries, postgres  # noqa: F401 (the fixture)

from hallcall.config import load
from hallcall.server import reports
from hallcall.server.app import database_path
from hallcall.server.city import report as city
from hallcall.server.city import synthetic
from hallcall.server.storage import Storage

psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed: pip install 'hallcall[city]'")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import export_stall  # noqa: E402 (bench/ is put on the path just above; it needs psycopg)

CONFIG = load(TEST_HALL)
DAY = dt.date(2026, 11, 23)
HALLS = {"east": 120, "west": 200, "north": 80}  # visitors in a day
APPOINTMENT_SHARE = 0.1  # of tickets, issued at a booking's check-in
BOOKINGS = 10  # visitors per booking made for the day (checked in, missed or cancelled)


def make_hall(folder: Path, visitors: int, seed: int, days: int = 1) -> Path:
    """A hall's data folder with its real SQLite schema and ``days`` synthetic days of journal."""
    config_path = folder / "hall.toml"
    folder.mkdir(parents=True, exist_ok=True)
    config_path.write_text(TEST_HALL.read_text(encoding="utf-8"), encoding="utf-8")
    path = database_path(config_path, folder / "data")
    Storage(path).close()
    add_days(path, visitors, seed, DAY, days)
    return config_path


def add_days(path: Path, visitors: int, seed: int, start: dt.date, days: int) -> None:
    """Append synthetic days to a hall's database, ids going on from what is there, with the
    days' bookings as the hall keeps them after each day end."""
    conn = sqlite3.connect(path)
    ticket = (conn.execute("SELECT max(id) FROM tickets").fetchone()[0] or 0) + 1
    event = (conn.execute("SELECT max(id) FROM events").fetchone()[0] or 0) + 1
    ids, rng = synthetic.Ids(ticket, event), random.Random(seed)
    with conn:
        for n in range(days):
            date = start + dt.timedelta(days=n)
            for t, service, events in synthetic.day_rows(CONFIG, date, visitors, rng, ids, APPOINTMENT_SHARE):
                tid, day, number, state, issued, serving, finished, counter, clerk, priority = t
                seq = int(number.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
                conn.execute(
                    "INSERT INTO tickets (id, day, service, seq, number, priority, state, issued_at, serving_at, "
                    "finished_at, counter, clerk) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (tid, day, service, seq, number, priority, state, issued, serving, finished, counter, clerk),
                )
                conn.executemany("INSERT INTO events (id, at, day, ticket_id, number, counter, clerk, action, "
                                 "reason, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", events)  # fmt: skip
            conn.executemany(
                f"INSERT INTO bookings ({BOOKING_COLUMNS}) VALUES ({', '.join('?' * 11)})",
                synthetic.day_bookings(CONFIG, date, visitors // BOOKINGS, rng),
            )
    conn.close()


BOOKING_COLUMNS = 'code, service, day, start, "end", name, phone, state, ticket, booked_at, changed_at'


def export(config: Path, dsn: str, hall_id: str, *more: str) -> list[str]:
    return [sys.executable, "-m", "hallcall.launch.cli", "export", "--config", str(config),
            "--data", str(config.parent / "data"), "--to", dsn,
            "--hall-id", hall_id, *more]  # fmt: skip


def hall_report(config: Path, first: str, last: str, by: str = "service") -> reports.Report:
    return reports.report_file(database_path(config, config.parent / "data"), CONFIG, first, last, by)


def test_three_halls_add_up_in_the_city_report(tmp_path: Path, postgres: Postgres) -> None:  # noqa: F811
    configs = {h: make_hall(tmp_path / h, v, seed) for seed, (h, v) in enumerate(HALLS.items())}
    for hall_id, config in configs.items():
        done = subprocess.run(export(config, postgres.dsn, hall_id, "--once"), capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    day = DAY.isoformat()
    with psycopg.connect(postgres.dsn, autocommit=True) as pg:
        # the day is over: each exporter made its hall's day reports, in every grouping, under the
        # day's version, so the reports below read those (and their figures are checked)
        kept = pg.execute(
            "SELECT r.hall_id, r.grouping FROM city.rollups r JOIN city.days d "
            "ON d.hall_id = r.hall_id AND d.day = r.day AND d.version = r.version WHERE r.day = %s",
            (day,),
        ).fetchall()
        assert sorted(kept) == sorted((h, by) for h in configs for by in reports.BY)
        for by in reports.BY:
            result = city.city_report(pg, day, day, by, "day")
            for hall_id, config in configs.items():
                own = hall_report(config, day, day, by)
                mine = [line.group.as_dict() for line in result.lines if line.hall_id == hall_id]
                assert mine == [g.as_dict() for g in [*own.rows, own.total]]  # the hall's figures, unchanged
            own_totals = [hall_report(c, day, day, by).total for c in configs.values()]
            total = result.total
            assert total is not None
            assert total.served == sum(t.served for t in own_totals) > 0
            assert total.no_shows == sum(t.no_shows for t in own_totals) > 0
            assert total.transfers == sum(t.transfers for t in own_totals) > 0
            assert total.levels == [sum(t.levels[i] for t in own_totals) for i in range(5)]
            assert sorted(total.waits) == sorted(w for t in own_totals for w in t.waits)
            if by == "service":
                assert total.issued == sum(HALLS.values())
                assert total.appointments == sum(t.appointments for t in own_totals) > 0
                assert total.appointment_no_shows == sum(t.appointment_no_shows for t in own_totals) > 0
            # red flags: the top 15 % of all windows by mean wait, the longest first
            windows = [g for c in configs.values() for g in hall_report(c, day, day, "counter").rows if g.waits]
            longest = sorted((g.mean_wait for g in windows), reverse=True)
            flags = [line.group.mean_wait for line in result.red_flags]
            assert flags == longest[: -(-len(windows) * 15 // 100)] and flags
        weekly = city.city_report(pg, "2026-11-16", "2026-12-06", "service", "week")
        assert [(a.first, a.last) for a in weekly.lines if a.hall_id == "" ] == [
            ("2026-11-16", "2026-11-22"), ("2026-11-23", "2026-11-29"), ("2026-11-30", "2026-12-06")
        ]  # fmt: skip
        assert weekly.total is not None and weekly.total.issued == sum(HALLS.values())


def test_the_city_page_and_csv_in_both_languages(tmp_path: Path, postgres: Postgres) -> None:  # noqa: F811
    from hallcall.launch import city as city_cli

    configs = {h: make_hall(tmp_path / h, v, seed) for seed, (h, v) in enumerate(HALLS.items())}
    for hall_id, config in configs.items():
        subprocess.run(export(config, postgres.dsn, hall_id, "--once"), check=True, capture_output=True)
    server = city_cli.serve(postgres.dsn, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        zh = urllib.request.urlopen(f"{base}/?from=2026-11-23&lang=zh").read().decode()
        en = urllib.request.urlopen(f"{base}/?from=2026-11-23&lang=en&by=counter").read().decode()
        assert "全市报表" in zh and "全市合计" in zh and all(h in zh for h in HALLS)
        assert "City report" in en and "Windows of longest wait" in en and "Counter 1" in en
        text = urllib.request.urlopen(f"{base}/city.csv?from=2026-11-23&lang=en").read().decode()
        rows = [line.split(",") for line in text.strip().splitlines()]
        assert rows[0] == list(city_cli.CSV_COLUMNS)
        city_row = next(r for r in rows if r[2] == "" and r[3] == "all")
        assert int(city_row[5]) == sum(HALLS.values())  # issued
        with pytest.raises(urllib.error.HTTPError) as bad:
            urllib.request.urlopen(f"{base}/?from=2026-13-01")
        assert bad.value.code == 400 and "2026-13-01" in bad.value.read().decode()
        css = urllib.request.urlopen(f"{base}/report.css").read()
        assert b".report-page" in css
    finally:
        server.shutdown()
        server.server_close()
    out = subprocess.run(
        [sys.executable, "-m", "hallcall.launch.cli", "city", "--db", postgres.dsn, "--csv", "--from", "2026-11-23"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert out.stdout.replace("\r\n", "\n") == text.replace("\r\n", "\n").replace("City", "全市合计") or (
        out.stdout.splitlines()[0] == text.splitlines()[0]
    )


def test_bookings_that_change_after_shipping_reach_the_city_and_nothing_else_does(
    tmp_path: Path,
    postgres: Postgres,  # noqa: F811
) -> None:
    """A booking shipped as booked, then missed at the day end (or cancelled, or moved to another
    day), is shipped again with its new state; one changed in the very instant the watermark
    stands at is not lost; a pass with nothing new changes nothing; names, phones and codes stay
    in the hall."""
    config = make_hall(tmp_path / "east", 120, 3)
    path = database_path(config, config.parent / "data")
    day, next_day = DAY.isoformat(), (DAY + dt.timedelta(days=1)).isoformat()
    at = dt.datetime.combine(DAY, dt.time(8), CONFIG.tz).timestamp()
    hall = sqlite3.connect(path)
    with hall:  # tomorrow's bookings, made today: still booked when first shipped
        for n, service in enumerate(("social", "social", "tax", "tax")):
            hall.execute(
                f"INSERT INTO bookings ({BOOKING_COLUMNS}) "
                "VALUES (?, ?, ?, '10:00', '10:30', ?, ?, 'booked', '', ?, ?)",
                (f"LATE{n}", service, next_day, f"李{n}", f"1390000000{n}", at + n, at + n),
            )

    def ship() -> None:
        done = subprocess.run(export(config, postgres.dsn, "east", "--once"), capture_output=True, text=True)
        assert done.returncode == 0, done.stderr

    def figures(pg: object) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
        city_rows = city.city_report(pg, day, next_day, "service", "day")
        own = [hall_report(config, d, d) for d in (day, next_day)]
        mine = [line.group.as_dict() for line in city_rows.lines if line.hall_id == "east"]
        return mine, [g.as_dict() for r in own for g in [*r.rows, r.total]]

    ship()
    with psycopg.connect(postgres.dsn, autocommit=True) as pg:
        mine, own = figures(pg)
        assert mine == own
        (mark,) = pg.execute("SELECT bookings_at FROM city.watermarks WHERE hall_id = 'east'").fetchone()
        columns = [r[0] for r in pg.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'city' "
            "AND table_name = 'bookings' ORDER BY ordinal_position"
        )]  # fmt: skip
        assert columns == ["hall_id", "id", "service", "day", "state"]
        codes = {r[0] for r in hall.execute("SELECT code FROM bookings")}
        ids = {r[0] for r in pg.execute("SELECT id FROM city.bookings WHERE hall_id = 'east'")}
        assert len(ids) == len(codes) and not ids & codes  # one row each, under a digest, never the code
    # The next day ends: two are missed, one cancelled, one moved to the day before; one more is
    # changed at the very time the watermark stands at, after that pass (a later commit).
    later = mark + 3600
    with hall:
        hall.execute("UPDATE bookings SET state = 'missed', changed_at = ? WHERE code IN ('LATE0', 'LATE2')", (later,))
        hall.execute("UPDATE bookings SET state = 'cancelled', changed_at = ? WHERE code = 'LATE1'", (later,))
        hall.execute("UPDATE bookings SET day = ?, state = 'missed', changed_at = ? WHERE code = 'LATE3'", (day, later))
        tie = hall.execute(
            "UPDATE bookings SET state = CASE state WHEN 'missed' THEN 'cancelled' ELSE 'missed' END "
            "WHERE code = (SELECT code FROM bookings WHERE changed_at = ? LIMIT 1)",
            (mark,),
        )
        assert tie.rowcount == 1
    ship()
    with psycopg.connect(postgres.dsn, autocommit=True) as pg:
        mine, own = figures(pg)
        assert mine == own
        assert (
            own[-1]["appointment_no_shows"] == 2
        )  # the next day's total:  # LATE0 and LATE2; LATE3 moved, LATE1 cancelled
        states = dict(pg.execute("SELECT state, count(*) FROM city.bookings WHERE hall_id = 'east' GROUP BY state"))
        hall_states = dict(hall.execute("SELECT state, count(*) FROM bookings GROUP BY state"))
        assert states == hall_states and states["missed"] > 0
        versions = pg.execute("SELECT day, version FROM city.days WHERE hall_id = 'east' ORDER BY day").fetchall()
    ship()  # caught up: nothing is written again, and no kept report goes stale
    with psycopg.connect(postgres.dsn, autocommit=True) as pg:
        again = pg.execute("SELECT day, version FROM city.days WHERE hall_id = 'east' ORDER BY day").fetchall()
        assert again == versions
        assert figures(pg)[0] == mine
    hall.close()


def wait_for(check, seconds: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except psycopg.Error:  # not up yet, or the exporter has not made the schema yet
            pass
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_killing_the_exporter_and_postgres_mid_run_loses_and_doubles_nothing(
    tmp_path: Path,
    postgres: Postgres,  # noqa: F811
) -> None:
    config = make_hall(tmp_path / "busy", 400, 7, days=10)  # ~4000 tickets, ~17000 journal rows
    path = database_path(config, config.parent / "data")
    events = export_stall.hall_rows(path)[0]
    command = export(config, postgres.dsn, "busy", "--interval", "0.2", "--batch", "300")
    exporter = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: export_stall.city_rows(postgres.dsn, "busy")[0] > 0)
        exporter.kill()  # the exporter dies between (or inside) its transactions
        exporter.wait(10)
        shipped = export_stall.city_rows(postgres.dsn, "busy")[0]
        assert 0 < shipped < events
        exporter = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_for(lambda: export_stall.city_rows(postgres.dsn, "busy")[0] > shipped)
        postgres.kill()  # and now the city database goes away under it
        add_days(path, 100, 8, DAY + dt.timedelta(days=20), 1)  # the hall goes on working meanwhile
        time.sleep(1)
        assert exporter.poll() is None  # it waits for PostgreSQL to come back
        postgres.start()
        stored = export_stall.hall_rows(path)
        # bookings too: the exporter ships them after the journal, so equal journals alone can
        # be seen (and the exporter killed) before the last pass's bookings have gone
        wait_for(lambda: export_stall.city_rows(postgres.dsn, "busy") == stored, 120)
    finally:
        exporter.kill()
        exporter.wait(10)
    first, last = DAY.isoformat(), (DAY + dt.timedelta(days=20)).isoformat()
    own = hall_report(config, first, last)
    with psycopg.connect(postgres.dsn, autocommit=True) as pg:
        result = city.city_report(pg, first, last)
        marks = pg.execute("SELECT events_id FROM city.watermarks WHERE hall_id = 'busy'").fetchone()
    assert [line.group.as_dict() for line in result.lines if line.hall_id == "busy"] == [
        g.as_dict() for g in [*own.rows, own.total]
    ]
    assert marks == (stored[0],)  # ids run 1..n: the watermark is the last row


def test_a_frozen_postgresql_holds_up_no_call_and_the_export_catches_up(tmp_path: Path) -> None:
    """bench/export_stall.py's short form: a real server, kiosk and counter, and the exporter
    beside them; PostgreSQL frozen (SIGSTOP) with the exporter blocked inside it.  Every issue,
    call and finish is answered in all three phases, the exporter waits rather than dies, and once
    PostgreSQL thaws the city holds each of the hall's rows once.  Its timings are figures for
    docs/performance.md, not asserted here."""
    if binaries() is None:
        pytest.skip("no PostgreSQL here (scripts/setup.sh installs Debian's postgresql)")
    result = export_stall.run(20, tmp_path, frozen_s=3.0)
    assert [len(p.call_ms) for p in result.phases] == [20, 20, 20], result.summary()
    assert result.failed == 0 and not result.exporter_ended, result.summary()
    assert result.shipped == result.stored and result.stored[1] == 60, result.summary()
    assert math.isfinite(result.catch_up_s), result.summary()
