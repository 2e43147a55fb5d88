"""Appointments over real websockets: the public booking role, racing for a slot's last place,
check-in retried and killed mid-way, restarts and day ends, the schema migration.

The hall is tests/halls/test-hall.toml with ``[appointments]`` switched on for two services
(tax: 30-minute slots, 2 a slot; social: 60-minute slots, 1 a slot).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from conftest import MONDAY_10AM, PASSWORD, SUPERVISOR, TEST_HALL, Hall, ManualClock, collect, seed_clerks, wait_for

from hallcall import config as hall_config
from hallcall.client import HallClient
from hallcall.launch import report as report_cli
from hallcall.server import reports
from hallcall.server.app import HallServer, database_path
from hallcall.server.child import start_server
from hallcall.server.storage import MIGRATIONS, SCHEMA_VERSION, Storage

TODAY = "2026-11-23"  # MONDAY_10AM's business day
TOMORROW = "2026-11-24"
APPOINTMENTS = """
[appointments]
enabled = true
days_ahead = 7
early_minutes = 30
late_minutes = 15
max_run = 2
"""


def hall_file(tmp_path: Path, special: str = "") -> Path:
    text = TEST_HALL.read_text(encoding="utf-8")
    if special:  # a weekday-only hall opened for bookings on one special date
        week = 'open_days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]'
        text = text.replace(week, 'open_days = ["mon", "tue", "wed", "thu", "fri"]', 1)
    text = text.replace("daily_cap = 5\n", "daily_cap = 50\nappointment_slot_minutes = 30\nappointment_quota = 2\n", 1)
    text = text.replace('zone = "1F"\n', 'zone = "1F"\nappointment_slot_minutes = 60\nappointment_quota = 1\n', 1)
    path = tmp_path / "hall.toml"
    path.write_text(text + APPOINTMENTS + special, encoding="utf-8")
    return path


class Running:
    """A server in the test's loop on a data folder that outlives it (stop, start again)."""

    def __init__(self, tmp_path: Path, special: str = "") -> None:
        self.path = hall_file(tmp_path, special)
        self.config = hall_config.load(self.path)
        self.data = tmp_path
        self.clock = ManualClock(MONDAY_10AM)
        storage = Storage(database_path(self.path, tmp_path))
        seed_clerks(storage)
        storage.close()
        self.hall: Hall | None = None

    async def start(self) -> Hall:
        storage = Storage(database_path(self.path, self.data))
        server = HallServer(self.config, storage, self.clock)
        port = await server.start("127.0.0.1", 0)
        self.storage = storage
        self.hall = Hall(server, f"ws://127.0.0.1:{port}", self.clock, self.data)
        return self.hall

    async def stop(self) -> None:
        assert self.hall is not None
        for c in self.hall.clients:
            await c.close()
        await self.hall.server.stop()
        self.storage.close()
        self.hall = None


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    r = Running(tmp_path)
    await r.start()
    yield r
    if r.hall is not None:
        await r.stop()


async def booker(hall: Hall) -> HallClient:
    c = await hall.client()
    await c.hello("booking")
    return c


async def book(c: HallClient, start: str = "10:00", day: str = TODAY, phone: str = "13812345678", **kw: Any) -> dict:
    return await c.call("book", service="tax", day=day, start=start, name="张三", phone=phone, **kw)


def code_of(answer: dict[str, Any]) -> str:
    assert answer["type"] == "result", answer
    return str(answer["data"]["booking"]["code"])


# ---------------------------------------------------------------- the booking role


async def test_booking_role_books_and_sees_masked_data_only(running: Running) -> None:
    hall = running.hall
    assert hall is not None
    page = await booker(hall)
    assert page.welcome["role"] == "booking"
    shown = {s["id"]: s["appointment_slot_minutes"] for s in page.snapshot["hall"]["services"]}
    assert shown == {"social": 60, "tax": 30, "consult": 0}  # the kiosk's 我有预约 button follows it
    assert page.snapshot["counters"] == [] and page.snapshot["calls"] == []
    slots = await page.request("slots", service="tax", day=TODAY)
    assert len(slots["slots"]) == 48  # the test hall's tax issues all day: 48 half-hours
    assert slots["slots"][18] == {"start": "09:00", "end": "09:30", "quota": 2, "booked": 0, "free": 2}
    answer = await book(page)
    b = answer["data"]["booking"]
    assert (b["name_masked"], b["phone_masked"], b["state"], b["ticket"]) == ("张*", "138****5678", "booked", "")
    assert "13812345678" not in str(answer)
    assert (await page.request("booking", code=b["code"].lower()))["booking"] == b
    # the page may not take tickets or see staff
    refused = await page.call("issue", service="tax")
    assert refused["code"] == "forbidden"
    assert (await page.call("bookings", day=TODAY))["code"] == "forbidden"
    bad = await book(page, phone="12345")
    assert bad["code"] == "bad_phone" and bad["message_zh"] == "请填写11位手机号码。"
    assert (await book(page, start="10:10"))["code"] == "no_such_slot"
    assert (await book(page, day="2026-12-30"))["code"] == "too_far_ahead"
    assert (await page.call("slots", service="consult", day=TODAY))["code"] == "appointments_off"


async def test_the_public_page_is_paced_per_address(tmp_path: Path) -> None:
    r = Running(tmp_path)
    paced = r.path.read_text(encoding="utf-8").replace("issue_rate_per_minute = 0", "issue_rate_per_minute = 1", 1)
    r.path.write_text(paced.replace("[server]\n", "[server]\nissue_burst = 2\n", 1), encoding="utf-8")
    r.config = hall_config.load(r.path)
    hall = await r.start()
    try:
        page, other = await booker(hall), await booker(hall)  # two pages, one address
        assert code_of(await book(page, start="09:00"))
        assert code_of(await book(other, start="09:30"))
        third = await book(page, start="10:00")
        assert third["code"] == "rate_limited" and third["details"]["retry_after"] >= 1
        assert (await page.call("slots", service="tax", day=TODAY))["type"] == "result"  # reading is not paced
    finally:
        await r.stop()


async def test_racing_for_the_last_place_exactly_one_wins(running: Running) -> None:
    hall = running.hall
    assert hall is not None
    first = await booker(hall)
    code_of(await book(first))  # one of the two places taken
    pages = [await booker(hall) for _ in range(8)]
    answers = await asyncio.gather(*(book(p, phone=f"1390000000{i}") for i, p in enumerate(pages)))
    won = [a for a in answers if a["type"] == "result"]
    assert len(won) == 1
    assert {a["code"] for a in answers if a["type"] == "error"} == {"slot_full"}
    row = next(s for s in (await first.request("slots", service="tax", day=TODAY))["slots"] if s["start"] == "10:00")
    assert (row["booked"], row["free"]) == (2, 0)
    rows = running.storage.conn.execute("SELECT count(*) FROM bookings WHERE start = '10:00'").fetchone()
    assert rows[0] == 2


async def test_cancel_and_rebook_free_the_old_place(running: Running) -> None:
    hall = running.hall
    assert hall is not None
    page = await booker(hall)
    code = code_of(await book(page))
    moved = await page.request("rebook", code=code, day=TOMORROW, start="09:00")
    assert (moved["booking"]["code"], moved["booking"]["day"], moved["booking"]["start"]) == (code, TOMORROW, "09:00")
    today = {s["start"]: s["booked"] for s in (await page.request("slots", service="tax", day=TODAY))["slots"]}
    assert today["10:00"] == 0
    assert (await page.request("cancel_booking", code=code))["booking"]["state"] == "cancelled"
    assert (await page.call("rebook", code=code, day=TODAY, start="10:00"))["code"] == "booking_cancelled"


# ---------------------------------------------------------------- check-in at the kiosk


async def test_check_in_retried_with_the_same_id_gives_one_ticket(running: Running) -> None:
    hall = running.hall
    assert hall is not None
    page, kiosk, sup = await booker(hall), await hall.kiosk(), await hall.supervisor()
    events = collect(sup)
    code = code_of(await book(page))
    first = await kiosk.call("check_in", request_id="ci-1", code=code)
    again = await kiosk.call("check_in", request_id="ci-1", code=code)
    assert first == again and first["type"] == "result"
    data = first["data"]
    assert data["ticket"]["priority"] == "appointment" and data["booking"]["state"] == "checked_in"
    assert data["booking"]["ticket"] == data["ticket"]["number"] and data["status_key"]
    tickets = running.storage.conn.execute("SELECT count(*) FROM tickets WHERE priority = 1").fetchone()[0]
    assert tickets == 1
    other = await kiosk.call("check_in", code=code)
    assert other["code"] == "already_checked_in" and other["details"]["ticket"] == data["ticket"]["number"]
    seen = await wait_for(lambda: [e for e in events if e.get("topic") == "bookings"])
    assert seen[-1]["data"]["state"] in ("booked", "checked_in")
    await wait_for(lambda: any(e["data"]["state"] == "checked_in" for e in events if e.get("topic") == "bookings"))


async def test_check_in_by_phone_window_and_matches(running: Running) -> None:
    hall = running.hall
    assert hall is not None
    page, kiosk = await booker(hall), await hall.kiosk()
    early = code_of(await book(page, start="11:00"))
    too_early = await kiosk.call("check_in", code=early)
    assert too_early["code"] == "too_early" and too_early["details"]["opens_at"] == "10:30"
    late = code_of(await book(page, start="09:00", phone="13700001111"))
    refused = await kiosk.call("check_in", code=late)
    assert refused["code"] == "too_late" and refused["details"]["service"] == "tax"  # a normal ticket of it
    assert (await kiosk.call("check_in", code=code_of(await book(page, day=TOMORROW))))["code"] == "not_today"
    # two of today's bookings end in 5678: the kiosk is sent both to choose from
    a = code_of(await book(page, start="10:00"))
    b = code_of(await page.call("book", service="social", day=TODAY, start="10:00", name="李四", phone="13912345678"))
    matches = (await kiosk.request("check_in", phone_last4="5678"))["matches"]
    assert {m["code"] for m in matches} >= {a, b}
    assert (await kiosk.call("check_in", phone_last4="1111"))["code"] == "too_late"  # the one match, checked
    assert (await kiosk.call("check_in", phone_last4="0000"))["code"] == "unknown_booking"
    assert (await kiosk.request("check_in", code=b))["ticket"]["priority"] == "appointment"


async def test_the_supervisor_books_and_sees_the_day(running: Running) -> None:
    hall = running.hall
    assert hall is not None
    sup = await hall.supervisor()
    code_of(await book(sup))
    day = await sup.request("bookings", day=TODAY)
    row = next(s for s in day["slots"] if s["service"] == "tax" and s["start"] == "10:00")
    assert (row["quota"], row["booked"], row["checked_in"], row["missed"]) == (2, 1, 0, 0)
    assert [b["phone_masked"] for b in day["bookings"]] == ["138****5678"]
    kiosk = await hall.kiosk()
    assert (await book(kiosk))["code"] == "desk_required"


async def test_appointments_are_called_before_walk_ins(running: Running) -> None:
    hall = running.hall
    assert hall is not None
    page, kiosk = await booker(hall), await hall.kiosk()
    walk_in = (await kiosk.request("issue", service="tax"))["ticket"]["number"]
    later = code_of(await book(page, start="10:30"))
    sooner = code_of(await book(page, start="10:00"))
    t_later = (await kiosk.request("check_in", code=later))["ticket"]["number"]
    t_sooner = (await kiosk.request("check_in", code=sooner))["ticket"]["number"]
    clerk = await hall.counter(2, "bob")
    order = []
    for _ in range(3):
        order.append((await clerk.request("call_next"))["ticket"]["number"])
        await clerk.request("finish")
    assert order == [t_sooner, t_later, walk_in]


async def test_an_appointment_only_saturday(tmp_path: Path) -> None:
    r = Running(tmp_path, 'days = [{ date = "2026-11-28", hours = ["09:00-12:00"], appointment_only = true }]\n')
    hall = await r.start()
    try:
        page = await booker(hall)
        slots = (await page.request("slots", service="tax", day="2026-11-28"))["slots"]
        assert [s["start"] for s in slots] == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
        assert (await page.request("slots", service="tax", day="2026-11-29"))["slots"] == []  # Sunday: closed
        code = code_of(await book(page, day="2026-11-28"))
        r.clock.advance(5 * 24 * 3600)  # Saturday 10:00
        kiosk = await hall.kiosk()
        walk_in = await kiosk.call("issue", service="tax")
        assert walk_in["code"] == "service_closed"
        ticket = (await kiosk.request("check_in", code=code))["ticket"]
        assert ticket["priority"] == "appointment" and ticket["state"] == "waiting"
    finally:
        await r.stop()


# ---------------------------------------------------------------- restarts and day ends


async def test_bookings_survive_a_restart_and_day_end_marks_missed(running: Running) -> None:
    hall = running.hall
    assert hall is not None
    page, kiosk = await booker(hall), await hall.kiosk()
    kept = code_of(await book(page, start="10:00"))
    done = code_of(await book(page, start="10:30"))
    future = code_of(await book(page, day=TOMORROW))
    ticket = (await kiosk.request("check_in", code=done))["ticket"]["number"]
    await running.stop()
    hall = await running.start()
    page = await booker(hall)
    assert (await page.request("booking", code=kept))["booking"]["state"] == "booked"
    assert (await page.request("booking", code=done))["booking"]["ticket"] == ticket
    await running.stop()
    running.clock.advance(24 * 3600)  # the server was down over the day end
    hall = await running.start()
    page = await booker(hall)
    assert (await page.request("booking", code=kept))["booking"]["state"] == "missed"
    assert (await page.request("booking", code=done))["booking"]["state"] == "checked_in"
    assert (await page.request("booking", code=future))["booking"]["state"] == "booked"
    # the report counts the appointment ticket and the no-show (server/reports.py)
    figures = reports.report_file(running.storage.path, running.config, TODAY, TODAY)
    tax = next(g for g in figures.rows if g.key == "tax")
    assert (tax.appointments, tax.appointment_no_shows) == (1, 1)
    assert figures.total.as_dict()["appointment_no_shows"] == 1
    # ... and so do the console's report page (the `report` request) and the CLI's CSV
    sup = await hall.supervisor()
    answer = await sup.request("report", **{"from": TODAY, "to": TODAY})
    row = next(r for r in answer["rows"] if r["key"] == "tax")
    assert (row["appointments"], row["appointment_no_shows"]) == (1, 1)
    assert answer["total"]["appointment_no_shows"] == 1
    by_counter = await sup.request("report", **{"from": TODAY, "to": TODAY, "by": "counter"})
    assert all(r["appointments"] is None and r["appointment_no_shows"] is None for r in by_counter["rows"])
    lines = report_cli.to_csv(figures, "en").splitlines()
    head, tax_line = lines[0].split(","), next(line.split(",") for line in lines if line.startswith("tax,"))
    assert (tax_line[head.index("appointments")], tax_line[head.index("appointment_no_shows")]) == ("1", "1")


async def test_a_live_day_end_marks_missed_and_tells_supervisors(running: Running) -> None:
    hall = running.hall
    assert hall is not None
    page = await booker(hall)
    code = code_of(await book(page))
    sup = await hall.supervisor()
    events = collect(sup)
    running.clock.advance(24 * 3600)
    await hall.hub.check_warnings()  # the tick that rolls the day
    assert (await page.request("booking", code=code))["booking"]["state"] == "missed"
    await wait_for(lambda: any(e.get("topic") == "bookings" and e["data"]["state"] == "missed" for e in events))
    day = await sup.request("bookings", day=TODAY)
    assert next(s for s in day["slots"] if s["service"] == "tax" and s["start"] == "10:00")["missed"] == 1


def test_kill_9_during_check_in_loses_nothing_and_doubles_nothing(tmp_path: Path) -> None:
    path = hall_file(tmp_path)
    storage = Storage(database_path(path, tmp_path), owner=False)
    seed_clerks(storage)
    storage.close()
    options = ("--clock-start", "2026-11-23T10:00", "--ignore-hours")
    sp = start_server(path, tmp_path, options=options, wait_seconds=20)
    try:

        async def book_many() -> list[str]:
            sup = HallClient(sp.url)
            await sup.connect()
            await sup.hello("supervisor", clerk=SUPERVISOR, password=PASSWORD)
            codes = []
            for i in range(12):
                start = ("10:00", "10:30")[i % 2]
                day = TODAY
                answer = await sup.call("book", service="tax", day=day, start=start, name="王", phone=f"137{i:08d}")
                if answer["type"] == "result":
                    codes.append(answer["data"]["booking"]["code"])
            await sup.close()
            return codes

        codes = asyncio.run(book_many())
        assert len(codes) == 4  # two slots of two places

        async def check_in_and_kill() -> dict[str, dict[str, Any]]:
            kiosk = HallClient(sp.url)
            await kiosk.connect()
            await kiosk.hello("kiosk", device="kiosk-1", token="kiosk-token-1")
            answered: dict[str, dict[str, Any]] = {}
            first = await kiosk.call("check_in", request_id=f"k-{codes[0]}", code=codes[0])
            answered[codes[0]] = first
            pending = [
                asyncio.ensure_future(kiosk.call("check_in", request_id=f"k-{c}", code=c, timeout=5)) for c in codes[1:]
            ]
            await asyncio.sleep(0)
            sp.proc.kill()  # SIGKILL while the others are in flight
            for c, fut in zip(codes[1:], pending, strict=True):
                with contextlib.suppress(ConnectionError, TimeoutError):
                    answered[c] = await fut
            await kiosk.close()
            return answered

        answered = asyncio.run(check_in_and_kill())
        sp.proc.wait(5)
        assert answered[codes[0]]["type"] == "result"
        sp = start_server(path, tmp_path, options=options, wait_seconds=20)

        async def after() -> None:
            kiosk = HallClient(sp.url)
            await kiosk.connect()
            await kiosk.hello("kiosk", device="kiosk-1", token="kiosk-token-1")
            for c in codes:  # every check-in retried with its id: the same answer, or a first one
                again = await kiosk.call("check_in", request_id=f"k-{c}", code=c)
                if c in answered:
                    assert again == answered[c]
                assert again["type"] == "result", again
            await kiosk.close()

        asyncio.run(after())
        db = sqlite3.connect(database_path(path, tmp_path))
        tickets = db.execute("SELECT number FROM tickets WHERE priority = 1").fetchall()
        booked = db.execute("SELECT ticket FROM bookings WHERE state = 'checked_in'").fetchall()
        db.close()
        assert len(tickets) == len(booked) == len(codes)
        assert sorted(t for (t,) in tickets) == sorted(t for (t,) in booked)
    finally:
        sp.stop()


# ---------------------------------------------------------------- schema


def test_a_database_of_the_previous_version_gains_bookings(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)  # the database as the previous version wrote it
    for step in MIGRATIONS[:-1]:
        step(old)
    old.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    old.conn.commit()
    old.close()
    conn = sqlite3.connect(path)
    assert "bookings" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    conn.execute(
        "INSERT INTO tickets (id, day, service, seq, number, priority, state, issued_at, queue_key) "
        "VALUES (1, '2026-11-23', 'tax', 1, 'B001', 0, 'waiting', 0, 1)"
    )
    conn.commit()
    conn.close()
    assert MIGRATIONS[-1].__name__ == "_v7_bookings"
    storage = Storage(path)
    try:
        assert storage.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert storage.bookings() == []
        assert [t.number for t in storage.load_day(TODAY)] == ["B001"]
    finally:
        storage.close()


# ---------------------------------------------------------------- command line


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "hallcall.launch.cli", "appointments", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)


def test_cli_import_is_all_or_nothing_and_export_round_trips(tmp_path: Path) -> None:
    path = hall_file(tmp_path)
    where = ("--config", str(path), "--data", str(tmp_path))
    Storage(database_path(path, tmp_path)).close()
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "code,service,day,start,name,phone,state\n"
        ",tax,2026-11-23,10:00,张三,13812345678,booked\n"
        ",tax,2026-11-23,10:10,李四,13812340000,booked\n"  # no such slot
        ",tax,2026-11-23,10:30,王五,12345,booked\n"  # bad phone
        "ABCDEFGH,consult,2026-11-23,10:00,赵六,13812340001,booked\n",  # no appointments
        encoding="utf-8",
    )
    refused = cli(*where, "import", str(bad))
    assert refused.returncode == 1
    assert "line 3" in refused.stderr and "line 4" in refused.stderr and "line 5" in refused.stderr
    assert "line 2" not in refused.stderr
    storage = Storage(database_path(path, tmp_path), owner=False)
    assert storage.bookings() == []  # nothing of it written
    storage.close()
    good = tmp_path / "good.csv"
    good.write_text(
        "code,service,day,start,name,phone,state\n"
        "ABCDEFGH,tax,2026-11-23,10:00,张三,13812345678,booked\n"
        ",tax,2026-11-23,10:00,李四,13812340000,checked_in\n"
        ",tax,2026-11-23,10:00,王五,13812340002,booked\n",  # the slot holds two
        encoding="utf-8",
    )
    full = cli(*where, "import", str(good))
    assert full.returncode == 1 and "line 4" in full.stderr and "full" in full.stderr
    good.write_text("\n".join(good.read_text(encoding="utf-8").splitlines()[:3]) + "\n", encoding="utf-8")
    done = cli(*where, "import", str(good))
    assert done.returncode == 0, done.stderr
    listed = cli(*where, "list", "--day", TODAY)
    assert "ABCDEFGH" in listed.stdout and "138****5678" in listed.stdout and "13812345678" not in listed.stdout
    out = tmp_path / "out.csv"
    assert cli(*where, "export", str(out)).returncode == 0
    rows = out.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "code,service,day,start,name,phone,state"
    assert "ABCDEFGH,tax,2026-11-23,10:00,张三,13812345678,booked" in rows
    assert sum(1 for r in rows if r.endswith(",checked_in")) == 1
    again = cli(*where, "import", str(out))  # the same codes again: refused, by name
    assert again.returncode == 1 and "ABCDEFGH is already used" in again.stderr
