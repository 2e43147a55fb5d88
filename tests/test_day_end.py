"""One day-end rule: a server started after the business day changed ends the days it missed
exactly as a server that ran through the rollover did (server/day_end.py replays HallState.roll).

The same Monday is played twice on real servers over real SQLite files: one server stays up
and rolls the day live at Tuesday 03:00, the other is stopped on Monday evening and started at
that same moment.  Their databases must then hold the same journal, row for row.  A database
that several days left open is closed in one go at start, each expiry filed under its own day.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from conftest import MONDAY_10AM, TEST_HALL, Hall, ManualClock, seed_clerks

from hallcall import config as hall_config
from hallcall.server.app import HallServer, database_path
from hallcall.server.domain.hall import HallState
from hallcall.server.domain.model import Change
from hallcall.server.hub import Hub
from hallcall.server.storage import Storage

MONDAY, TUESDAY, THURSDAY = "2026-11-23", "2026-11-24", "2026-11-26"
DAY_END = MONDAY_10AM + 17 * 3600 + 5  # Tuesday 03:00:05 local, just past the rollover
JOURNAL = "SELECT id, at, day, ticket_id, number, counter, clerk, action, reason, detail FROM events ORDER BY id"


@contextlib.asynccontextmanager
async def running(data: Path, clock: ManualClock) -> AsyncIterator[Hall]:
    """A real hall server on ``data`` (seeded with the test clerks) until the block ends, then
    stopped with its storage closed, as a restart stops it."""
    storage = Storage(database_path(TEST_HALL, data))
    seed_clerks(storage)
    server = HallServer(hall_config.load(TEST_HALL), storage, clock)
    port = await server.start("127.0.0.1", 0)
    hall = Hall(server, f"ws://127.0.0.1:{port}", clock, data)
    try:
        yield hall
    finally:
        for c in hall.clients:
            await c.close()
        await server.stop()
        storage.close()


async def play_monday(hall: Hall) -> None:
    """Monday at four counters, left open at closing time: a held ticket, a ticket transferred
    to a counter, one called, one being served, three waiting, a paused counter, and everyone
    still signed in.  A finished ticket and a no-show are closed already and must stay so."""
    kiosk = await hall.kiosk()
    await hall.counter(1, "cat")  # signed in all day, never calls
    dan, bob, ann = [await hall.counter(n, clerk) for n, clerk in ((2, "dan"), (3, "bob"), (4, "ann"))]
    for service in ("social",) * 5 + ("tax", "tax", "consult"):  # A001-A005, B001, B002, C001
        await kiosk.request("issue", service=service)
    steps: list[tuple[Any, str, dict[str, Any]]] = [
        (bob, "pause", {"reason": "meeting"}),
        (ann, "call_next", {}),  # A001
        (ann, "hold", {"reason": "fetching papers"}),
        (ann, "call_next", {}),  # A002
        (ann, "transfer", {"to_counter": 1, "reason": "needs a comprehensive counter"}),
        (ann, "call_next", {}),  # A003
        (ann, "finish", {}),
        (ann, "call_next", {}),  # A004
        (ann, "no_show", {}),
        (ann, "call_next", {}),  # A005, still called at day end
        (dan, "call_next", {}),  # B001: counter 2 takes tax first
        (dan, "start", {}),  # still being served at day end
    ]
    for client, kind, fields in steps:
        hall.clock.advance(60)
        await client.request(kind, **fields)


def stored(data: Path) -> dict[str, list[tuple[Any, ...]]]:
    """What a hall's database holds of its queue: the journal, tickets, sessions and pauses (the
    sessions without their resume tokens, which are random)."""
    db = sqlite3.connect(database_path(TEST_HALL, data))
    try:
        return {
            "events": db.execute(JOURNAL).fetchall(),
            "tickets": db.execute("SELECT * FROM tickets ORDER BY id").fetchall(),
            "sessions": db.execute(
                "SELECT id, counter, clerk, signed_in_at, signed_out_at, end_reason FROM counter_sessions ORDER BY id"
            ).fetchall(),
            "pauses": db.execute("SELECT * FROM pauses ORDER BY id").fetchall(),
        }
    finally:
        db.close()


def steps(events: list[tuple[Any, ...]], at: float) -> list[tuple[Any, ...]]:
    """(day, number, counter, clerk, action, reason) of the journal rows written at ``at``."""
    return [row[2:3] + row[4:9] for row in events if row[1] == at]


async def test_a_restart_after_the_day_changed_journals_what_a_live_rollover_does(tmp_path: Path) -> None:
    live, restarted = tmp_path / "live", tmp_path / "restarted"
    async with running(live, ManualClock(MONDAY_10AM)) as hall:
        await play_monday(hall)
        hall.clock.t = DAY_END
        await hall.hub.check_warnings()  # the server's one-second tick, which rolls the day live
        assert hall.hub.state.day == TUESDAY
    clock = ManualClock(MONDAY_10AM)
    async with running(restarted, clock) as hall:
        await play_monday(hall)
    clock.t = DAY_END
    async with running(restarted, clock) as hall:
        assert hall.hub.state.day == TUESDAY

    after_live, after_restart = stored(live), stored(restarted)
    assert after_restart["events"] == after_live["events"], "a restart must journal the day end as a live rollover"
    assert after_restart == after_live
    assert steps(after_live["events"], DAY_END) == [
        (MONDAY, "A001", 4, "ann", "expire", "day end"),  # held
        (MONDAY, "A002", None, "ann", "expire", "day end"),  # transferred to counter 1, waiting there
        (MONDAY, "A005", 4, "ann", "expire", "day end"),  # called
        (MONDAY, "B001", 2, "dan", "expire", "day end"),  # being served
        (MONDAY, "B002", None, None, "expire", "day end"),
        (MONDAY, "C001", None, None, "expire", "day end"),
        (TUESDAY, None, 1, "cat", "sign_out", "day end"),
        (TUESDAY, None, 2, "dan", "sign_out", "day end"),
        (TUESDAY, None, 3, "bob", "resume", "meeting"),  # the pause ends with the session
        (TUESDAY, None, 3, "bob", "sign_out", "day end"),
        (TUESDAY, None, 4, "ann", "sign_out", "day end"),
    ]
    states = {number: state for _, _, _, _, number, _, state, *_ in after_live["tickets"]}
    assert states == {n: "expired" for n in ("A001", "A002", "A005", "B001", "B002", "C001")} | {
        "A003": "done",
        "A004": "no_show",
    }
    assert all(end_reason == "day end" for *_, end_reason in after_live["sessions"])

    for data in (live, restarted):  # numbering restarts on Tuesday, whichever way the day ended
        async with running(data, ManualClock(DAY_END + 6 * 3600)) as hall:
            kiosk = await hall.kiosk()
            ticket = (await kiosk.request("issue", service="social"))["ticket"]
            assert ticket["number"] == "A001" and hall.hub.state.tickets[ticket["id"]].day == TUESDAY


def saved(storage: Storage, changes: list[Change], day: str) -> None:
    """Store one step's changes as the hub does, in a transaction of their own."""
    storage.begin()
    storage.apply(changes, day)
    storage.commit()


def test_a_database_left_open_over_several_days_is_closed_at_start(tmp_path: Path) -> None:
    """Tickets of Monday and Tuesday still open, sessions signed in on Monday (one paused) and on
    Tuesday: a server started on Thursday ends them all at once, each expiry under its ticket's
    day, every sign-out under Thursday as a live rollover files it; then Thursday starts at A001."""
    config = hall_config.load(TEST_HALL)
    storage = Storage(tmp_path / "hall.sqlite3")
    try:
        monday = HallState(config)
        monday.roll(MONDAY_10AM)
        saved(storage, monday.sign_in(1, "cat", "h1", MONDAY_10AM)[1], MONDAY)
        saved(storage, monday.sign_in(4, "ann", "h2", MONDAY_10AM)[1], MONDAY)
        saved(storage, monday.pause(4, "training", MONDAY_10AM + 60), MONDAY)
        for service in ("social", "social"):
            saved(storage, monday.issue(service, MONDAY_10AM + 120)[1], MONDAY)
        saved(storage, monday.call_next(1, MONDAY_10AM + 180)[1], MONDAY)

        tuesday_10am = MONDAY_10AM + 86400
        tuesday = HallState(config)  # a server that never ended Monday
        tuesday.load(day=TUESDAY, tickets=[], sessions=[], last_signout={}, next_ids=storage.next_ids())
        saved(storage, tuesday.sign_in(2, "dan", "h3", tuesday_10am)[1], TUESDAY)
        for service in ("social", "tax"):
            saved(storage, tuesday.issue(service, tuesday_10am + 60)[1], TUESDAY)
        before = len(storage.conn.execute(JOURNAL).fetchall())

        thursday_9am = MONDAY_10AM + 3 * 86400 - 3600
        hub = Hub(config, storage, ManualClock(thursday_9am))
        events = storage.conn.execute(JOURNAL).fetchall()
        assert steps(events, thursday_9am) == [
            (MONDAY, "A001", 1, "cat", "expire", "day end"),
            (MONDAY, "A002", None, None, "expire", "day end"),
            (TUESDAY, "A001", None, None, "expire", "day end"),
            (TUESDAY, "B001", None, None, "expire", "day end"),
            (THURSDAY, None, 1, "cat", "sign_out", "day end"),
            (THURSDAY, None, 2, "dan", "sign_out", "day end"),
            (THURSDAY, None, 4, "ann", "resume", "training"),
            (THURSDAY, None, 4, "ann", "sign_out", "day end"),
        ]
        assert len(events) == before + 8, "everything the start wrote is listed above"
        assert storage.open_tickets_before("9999-12-31") == [] and storage.open_sessions() == []
        assert storage.conn.execute("SELECT COUNT(*) FROM pauses WHERE ended_at IS NULL").fetchone() == (0,)

        assert hub.state.day == THURSDAY and hub.state.tickets == {}
        assert all(c.session is None for c in hub.state.counters.values())
        ticket, _ = hub.state.issue("social", thursday_9am)
        assert (ticket.number, ticket.day) == ("A001", THURSDAY)
        Hub(config, storage, ManualClock(thursday_9am + 60))  # a second start finds nothing left to end
        assert len(storage.conn.execute(JOURNAL).fetchall()) == len(events)
    finally:
        storage.close()


def test_a_service_and_a_counter_removed_overnight_do_not_stop_the_start(tmp_path: Path) -> None:
    """A hall that drops a service and a counter from its config after closing: the tickets still
    waiting for them are expired by the same day end, and the server starts on the new config."""
    monday_config = hall_config.load(TEST_HALL)
    storage = Storage(tmp_path / "hall.sqlite3")
    try:
        monday = HallState(monday_config)
        monday.roll(MONDAY_10AM)
        saved(storage, monday.sign_in(1, "cat", "h1", MONDAY_10AM)[1], MONDAY)
        for service in ("consult", "social"):
            saved(storage, monday.issue(service, MONDAY_10AM + 60)[1], MONDAY)
        saved(storage, monday.call_next(1, MONDAY_10AM + 120)[1], MONDAY)  # C001, the oldest
        saved(storage, monday.transfer(1, MONDAY_10AM + 180, to_counter=3)[1], MONDAY)

        text = TEST_HALL.read_text(encoding="utf-8")
        consult = text[text.index('[[services]]\nid = "consult"') : text.index("[[counters]]")]
        counter_3 = text[text.index("[[counters]]\nnumber = 3") : text.index("[[counters]]\nnumber = 4")]
        edited = tmp_path / "hall.toml"
        edited.write_text(text.replace(consult, "").replace(counter_3, ""), encoding="utf-8")
        tuesday_config = hall_config.load(edited)
        assert tuesday_config.service("consult") is None and tuesday_config.counter(3) is None

        tuesday_9am = MONDAY_10AM + 86400 - 3600
        hub = Hub(tuesday_config, storage, ManualClock(tuesday_9am))
        written = steps(storage.conn.execute(JOURNAL).fetchall(), tuesday_9am)
        assert written == [
            (MONDAY, "C001", None, "cat", "expire", "day end"),  # sent to counter 3, which is gone
            (MONDAY, "A001", None, None, "expire", "day end"),
            (TUESDAY, None, 1, "cat", "sign_out", "day end"),
        ]
        assert storage.open_tickets_before(TUESDAY) == []
        assert hub.state.day == TUESDAY and hub.state.stranded == []
    finally:
        storage.close()
