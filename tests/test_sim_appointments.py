"""The simulator's appointments (预约), planned and then played against a real server.

A short morning in the test hall with social security taking bookings: the guide desk books the
plan's slots before anyone comes, booked visitors check in at the kiosk by code, late ones are
refused ``too_late`` and take a normal ticket, and some never come.  Afterwards the hall's
database must say the same: appointment tickets issued at check-in and called, the late
visitors' normal tickets, the bookings nobody came for still open, and ``missed`` once a server
started on the next day has ended this one.  The figures must count what the database holds.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import PASSWORD, ROOT, SUPERVISOR, TEST_HALL, seed_clerks

from hallcall import config as hall_config
from hallcall.config import HallConfig
from hallcall.launch.sim import plan, runner
from hallcall.launch.sim.figures import read_figures
from hallcall.server.app import database_path
from hallcall.server.child import ServerChild, start_server
from hallcall.server.domain.appointments import slot_start
from hallcall.server.domain.model import APPOINTMENT, NORMAL
from hallcall.server.storage import Storage

MONDAY = dt.date(2026, 11, 23)
SPEED = 300.0  # five hall minutes a real second: the check-in window's margins are real seconds
SEED = 2
PROFILE = plan.Profile(
    load=1.5,  # of the one counter the test hall staffs: the simulator staffs two
    mix={"social": 1.0, "tax": 0.0, "consult": 0.0},
    booked_share=0.5,
    late_share=0.2,
    missed_share=0.2,
    no_show_share=0.0,
    transfer_share=0.0,
    cancel_share=0.0,
    break_minutes=(0.0, 0.0),
)
# Social security takes bookings in 30-minute slots of three; check-in from 30 minutes before a
# slot until 15 minutes after its start.
APPOINTMENTS = """
[appointments]
enabled = true
early_minutes = 30
late_minutes = 15
"""


def booking_hall(folder: Path) -> Path:
    """The test hall with social security taking appointments, written into ``folder``."""
    text = TEST_HALL.read_text(encoding="utf-8")
    old = 'materials = { zh = ["身份证"], en = ["ID card"] }\n'
    assert text.count(old) == 1
    text = text.replace(old, old + "appointment_slot_minutes = 30\nappointment_quota = 3\n")
    path = folder / "hall.toml"
    path.write_text(text + APPOINTMENTS, encoding="utf-8")
    return path


def at(config: HallConfig, hhmm: str, day: dt.date = MONDAY) -> float:
    return plan.moment(config, day, plan.clock_minutes(hhmm))


def span(config: HallConfig) -> tuple[float, float]:
    return at(config, "09:00"), at(config, "10:30")


def rows(database: Path, sql: str, *args: Any) -> list[dict[str, Any]]:
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, args)]
    finally:
        conn.close()


# ---------------------------------------------------------------- the plan (pure)
@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> HallConfig:
    return hall_config.load(booking_hall(tmp_path_factory.mktemp("hall")))


def test_the_plan_books_within_quota_and_times_each_visitor_by_how_they_come(config: HallConfig) -> None:
    start, end = span(config)
    day = plan.plan_day(config, PROFILE, SEED, start, end)
    assert day == plan.plan_day(config, PROFILE, SEED, start, end)  # a seed names one day
    assert day != plan.plan_day(config, PROFILE, SEED + 1, start, end)
    comes = Counter(b.comes for b in day.bookings)
    assert comes[plan.ON_TIME] > 3 and comes[plan.LATE] > 0 and comes[plan.NEVER] > 0, comes
    assert Counter((b.service, b.start) for b in day.bookings).most_common(1)[0][1] <= 3  # the slot's quota
    arriving = {a.booking: a for a in day.arrivals if a.booking is not None}
    assert {b.key for b in day.bookings if b.comes != plan.NEVER} == set(arriving)
    assert len(day.arrivals) == len(plan.plan_arrivals(config, PROFILE, SEED, start, end)) - comes[plan.NEVER]
    for b in day.bookings:
        assert b.service == "social" and b.day == MONDAY.isoformat()
        if b.comes == plan.NEVER:
            continue
        slot = slot_start(config, b.day, b.start).timestamp()
        when = arriving[b.key].at
        assert start <= when < end
        if b.comes == plan.ON_TIME:  # inside check-in, with the margins kept
            assert slot - 0.9 * 30 * 60 <= when <= slot + 0.5 * 15 * 60, b
        else:  # 5 to 30 minutes after check-in closed
            assert slot + 20 * 60 <= when <= slot + 45 * 60, b


def test_nobody_books_when_the_share_is_zero_or_the_hall_takes_no_appointments(config: HallConfig) -> None:
    start, end = span(config)
    walk_ins = plan.plan_arrivals(config, PROFILE, SEED, start, end)
    off = plan.plan_day(config, plan.Profile(**{**PROFILE.__dict__, "booked_share": 0.0}), SEED, start, end)
    assert off == plan.Day(walk_ins, [])
    plain = hall_config.load(TEST_HALL)
    assert not plan.takes_appointments(plain) and plan.takes_appointments(config)
    assert plan.plan_day(plain, PROFILE, SEED, start, end).bookings == []


@pytest.mark.parametrize(("late", "missed"), [(0.7, 0.4), (-0.1, 0.1), (0.1, 1.5)])
def test_profile_refuses_late_and_missed_shares_past_reason(late: float, missed: float) -> None:
    with pytest.raises(ValueError, match=r"late_share|missed_share"):
        plan.Profile(late_share=late, missed_share=missed)


# ---------------------------------------------------------------- a morning on a real server
@pytest.fixture
def children() -> Iterator[list[ServerChild]]:
    started: list[ServerChild] = []
    yield started
    for child in started:
        child.stop(10)


@pytest.mark.timeout(120)
async def test_a_morning_with_bookings_checks_in_calls_and_ends_them_as_the_server_records(
    tmp_path: Path, children: list[ServerChild]
) -> None:
    path = booking_hall(tmp_path)
    config = hall_config.load(path)
    data = tmp_path / "data"
    database = database_path(path, data)
    storage = Storage(database)
    try:
        seed_clerks(storage)
    finally:
        storage.close()
    start, end = span(config)
    clock = ("--clock-start", f"{MONDAY.isoformat()}T08:55", "--clock-speed", str(SPEED))
    server = start_server(path, data, options=clock)
    children.append(server)
    try:
        settings = runner.Settings(
            config,
            server.url,
            PASSWORD,
            SEED,
            start,
            end,
            at(config, "11:00"),
            profile=PROFILE,
            supervisor=(SUPERVISOR, PASSWORD),
            counters={1, 4},
            spare_clerk="cat",  # counter 1 names no clerk
        )
        report = await asyncio.wait_for(runner.simulate(settings), 90)
    finally:
        await asyncio.to_thread(server.stop)
    assert server.proc.returncode == 0, server.log.read_text(errors="replace")[-3000:]
    assert report.errors == [] and report.lost == 0

    day = plan.plan_day(config, PROFILE, SEED, start, end)
    planned = {b.key: b for b in day.bookings}
    seen = report.bookings
    assert seen.planned == len(planned) and seen.refused == Counter()
    code_of = seen.made
    assert set(code_of) == set(planned)
    kinds = (plan.ON_TIME, plan.LATE, plan.NEVER)
    by_comes = {kind: {code_of[b.key] for b in planned.values() if b.comes == kind} for kind in kinds}
    tickets = {t["number"]: t for t in rows(database, "SELECT * FROM tickets WHERE day = ?", MONDAY.isoformat())}
    bookings = {b["code"]: b for b in rows(database, "SELECT * FROM bookings")}
    calls: dict[int, dict[str, Any]] = {}  # each ticket's first call
    for event in rows(database, "SELECT * FROM events WHERE action = 'call' ORDER BY at, id"):
        calls.setdefault(event["ticket_id"], event)

    # the server booked exactly the plan's slots, for the name and phone the guide desk gave
    assert set(bookings) == set(code_of.values())
    for key, code in code_of.items():
        b = planned[key]
        assert (bookings[code]["service"], bookings[code]["start"], bookings[code]["phone"]) == (
            b.service,
            b.start,
            b.phone,
        )

    # on time: checked in at the kiosk, an appointment ticket, called by a counter
    assert set(seen.checked_in) == by_comes[plan.ON_TIME], "an on-time visitor was refused at check-in"
    for code, number in seen.checked_in.items():
        assert bookings[code]["state"] == "checked_in" and bookings[code]["ticket"] == number
        ticket = tickets[number]
        assert ticket["priority"] == APPOINTMENT
        assert ticket["id"] in calls, f"appointment ticket {number} was never called"
        assert calls[ticket["id"]]["counter"] in (1, 4)
        assert ticket["state"] == "done"

    # late: refused too_late, then a normal ticket; the booking itself never checked in
    assert seen.late_refused == len(by_comes[plan.LATE]) > 0
    assert set(seen.late) == by_comes[plan.LATE]
    for code, number in seen.late.items():
        assert bookings[code]["state"] == "booked" and bookings[code]["ticket"] == ""
        assert tickets[number]["priority"] == NORMAL and tickets[number]["service"] == "social"

    # never came: the booking is still open at the end of the run
    assert seen.not_come == len(by_comes[plan.NEVER]) > 0
    assert {bookings[c]["state"] for c in by_comes[plan.NEVER]} == {"booked"}
    assert seen.check_in_refused == Counter() and report.refused == Counter()

    # the figures count what the database holds
    figures = read_figures(database, config, MONDAY.isoformat(), late=seen.late)
    a = figures.appointments
    states = Counter(b["state"] for b in bookings.values())
    assert a.booked == len(bookings) == len(planned)
    assert a.checked_in == states["checked_in"] == len(seen.checked_in)
    assert a.late == len(seen.late)
    assert a.not_come == len(by_comes[plan.NEVER]) == states["booked"] - a.late
    assert a.missed == 0 and a.cancelled == 0
    assert figures.adds_up()
    issued = {t["id"]: t for t in tickets.values()}
    appointment_waits = [
        (calls[i]["at"] - t["issued_at"]) / 60 for i, t in issued.items() if t["priority"] == APPOINTMENT
    ]
    assert sorted(a.waits) == pytest.approx(sorted(appointment_waits))
    assert len(a.walk_in_waits) == len(tickets) - len(appointment_waits)
    text = figures.table("en")
    assert f"Appointments: {a.booked} booked, {a.checked_in} checked in, {a.late} late" in text
    assert f"预约 {a.booked} 个：签到 {a.checked_in}" in figures.table("zh")
    # a late visitor's ticket named by the simulator but not in the database does not count
    assert (
        read_figures(database, config, MONDAY.isoformat(), late={c: "A999" for c in seen.late}).appointments.late == 0
    )

    # The next morning a server starts: the day is ended, and every booking never checked in
    # (the late ones too: they came on a normal ticket) is missed.
    clock = ("--clock-start", f"{(MONDAY + dt.timedelta(days=1)).isoformat()}T08:00", "--clock-speed", "1")
    server = start_server(path, data, options=clock)
    children.append(server)
    await asyncio.to_thread(server.stop)
    bookings = {b["code"]: b for b in rows(database, "SELECT * FROM bookings")}
    assert {bookings[c]["state"] for c in by_comes[plan.NEVER] | by_comes[plan.LATE]} == {"missed"}
    assert {bookings[c]["state"] for c in by_comes[plan.ON_TIME]} == {"checked_in"}
    after = read_figures(database, config, MONDAY.isoformat(), late=seen.late).appointments
    assert (after.booked, after.checked_in, after.late, after.not_come) == (a.booked, a.checked_in, a.late, a.not_come)
    assert after.missed == after.late + after.not_come


# ---------------------------------------------------------------- hallcall simulate --booked
def simulate(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "hallcall.launch.cli", "simulate", "--config", str(config), *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.mark.timeout(150)
def test_simulate_books_by_default_where_the_hall_takes_appointments_and_prints_them(tmp_path: Path) -> None:
    path = booking_hall(tmp_path)
    config = hall_config.load(path)
    span = ("--day", MONDAY.isoformat(), "--from", "09:00", "--to", "10:00", "--counters", "1,4", "--seed", "3")
    done = simulate(path, *span, "--lang", "en", "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stdout + done.stderr
    profile = plan.Profile(booked_share=plan.BOOKED_SHARE)
    day = plan.plan_day(config, profile, 3, at(config, "09:00"), at(config, "10:00"))
    never = sum(1 for b in day.bookings if b.comes == plan.NEVER)
    assert day.bookings, "the seed should bring a booked visitor"
    assert f"bookings: the guide desk booked {len(day.bookings)} (refused 0), " in done.stdout
    assert f"{never} did not come" in done.stdout
    figures = json.loads((tmp_path / "out" / "figures.json").read_text(encoding="utf-8"))
    booked = figures["appointments"]
    assert booked["booked"] == len(day.bookings) and booked["not_come"] == never
    assert booked["checked_in"] == booked["tickets"] > 0
    assert f"Appointments: {booked['booked']} booked, {booked['checked_in']} checked in" in done.stdout
    assert "预约 " in (tmp_path / "out" / "figures.txt").read_text(encoding="utf-8")  # both languages
    # --booked 0 turns it off: the same seed's walk-ins, and no appointments line
    off = simulate(path, *span, "--lang", "en", "--booked", "0")
    assert off.returncode == 0, off.stdout + off.stderr
    assert "bookings:" not in off.stdout and "Appointments:" not in off.stdout


@pytest.mark.parametrize(
    ("hall", "share", "problem"),
    [
        ("booking", "1.5", "--booked must be between 0 and 1, not 1.5"),
        ("booking", "-0.1", "--booked must be between 0 and 1, not -0.1"),
        ("plain", "0.3", "takes no appointments ([appointments] enabled = true"),
    ],
)
def test_a_bad_booked_share_is_named_and_nothing_runs(tmp_path: Path, hall: str, share: str, problem: str) -> None:
    path = booking_hall(tmp_path) if hall == "booking" else TEST_HALL
    done = simulate(path, "--booked", share)
    assert done.returncode == 2
    assert problem in done.stderr
