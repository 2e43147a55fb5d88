"""A supervisor acknowledges an open warning (protocol 6.24), over real connections.

Like tests/test_protocol_warnings.py, the periodic warning check is stopped and the test calls
``hub.check_warnings()`` itself when it moves the clock.
"""

from __future__ import annotations

import sqlite3

import msgspec
import pytest
import sqlite_utils
from conftest import MONDAY_10AM, SUPERVISOR, collect, wait_for
from test_protocol import synced
from test_protocol_warnings import warnings_of

from hallcall.client import RequestFailed
from hallcall.server.hub import Hub
from hallcall.server.storage import MIGRATIONS, SCHEMA_VERSION, Storage

MINUTE = 60.0


@pytest.fixture
def quiet(hall):
    """The hall with its periodic warning check stopped: the test decides when to check."""
    (timer,) = [t for t in hall.server._timers if t.get_coro().cr_frame.f_locals["action"] == hall.hub.check_warnings]
    timer.cancel()
    return hall


async def wait_warning(hall):
    """A ticket of social waiting 8 minutes: the level 1 warning ``wait:A001``."""
    kiosk = await hall.kiosk()
    await kiosk.request("issue", service="social")
    hall.clock.advance(8 * MINUTE)
    await hall.hub.check_warnings()
    assert hall.hub.warnings["wait:A001"].level == 1


async def test_acknowledge_is_stored_pushed_and_kept_across_a_restart(quiet):
    hall = quiet
    sup = await hall.supervisor()
    counter = await hall.counter(1)  # serves social: hears the wait warning
    other = await hall.counter(3, "dan")  # consult only: does not
    at_sup, at_counter, at_other = collect(sup), collect(counter), collect(other)
    await wait_warning(hall)
    hall.clock.advance(30)

    answer = await sup.call("acknowledge", key="wait:A001", request_id="ack-1")
    w = answer["data"]["warning"]
    assert (w["key"], w["acknowledged_by"], w["acknowledged_at"]) == ("wait:A001", SUPERVISOR, MONDAY_10AM + 510)
    again = await sup.call("acknowledge", key="wait:A001", request_id="ack-1")  # a retry: the same answer
    assert again == answer

    for events in (at_sup, at_counter):
        acked = await wait_for(lambda ev=events: [d for n, d in warnings_of(ev, "wait") if n == "acknowledged"])
        assert acked[0]["acknowledged_by"] == SUPERVISOR and acked[0]["level"] == 1
    await synced(other)
    assert warnings_of(at_other, "wait") == []
    assert len([n for n, _ in warnings_of(at_sup, "wait") if n == "acknowledged"]) == 1
    journal = [e for e in at_sup if e.get("topic") == "journal" and e["name"] == "warning_acknowledged"]
    assert journal and journal[0]["data"]["reason"] == "wait:A001"

    row = hall.server.storage.conn.execute(
        "SELECT acknowledged_by, acknowledged_at FROM warnings WHERE key = 'wait:A001' AND cleared_at IS NULL"
    ).fetchone()
    assert row == (SUPERVISOR, MONDAY_10AM + 510)
    later = await hall.supervisor()
    (snap,) = [w for w in later.snapshot["warnings"] if w["key"] == "wait:A001"]
    assert snap["acknowledged_by"] == SUPERVISOR

    # the figures refresh quietly without losing the acknowledgement
    hall.clock.advance(10)
    await hall.hub.check_warnings()
    assert hall.hub.warnings["wait:A001"].acknowledged_by == SUPERVISOR

    # a restart reads it back with the open warning
    fresh = Hub(hall.server.config, hall.server.storage, hall.clock)
    assert fresh.warnings["wait:A001"].acknowledged_by == SUPERVISOR
    assert fresh.warnings["wait:A001"].acknowledged_at == MONDAY_10AM + 510

    # acknowledged, it stays open; raised again at level 2 it is a new warning, not acknowledged
    hall.clock.advance(2 * MINUTE)
    await hall.hub.check_warnings()
    w2 = hall.hub.warnings["wait:A001"]
    assert w2.level == 2 and w2.acknowledged_by is msgspec.UNSET
    raised = await wait_for(lambda: [d for n, d in warnings_of(at_sup, "wait") if n == "raised" and d["level"] == 2])
    assert "acknowledged_by" not in raised[0]


async def test_acknowledge_errors_and_roles(quiet):
    hall = quiet
    sup = await hall.supervisor()
    counter = await hall.counter(1)
    await wait_warning(hall)

    failed = await sup.call("acknowledge", key="wait:Z999")
    assert (failed["type"], failed["code"]) == ("error", "unknown_warning")
    assert failed["message_zh"]

    refused = await counter.call("acknowledge", key="wait:A001")
    assert (refused["type"], refused["code"]) == ("error", "forbidden")
    assert hall.hub.warnings["wait:A001"].acknowledged_by is msgspec.UNSET

    await counter.request("call_next")  # the cause clears: the warning is gone
    await hall.hub.check_warnings()
    assert "wait:A001" not in hall.hub.warnings
    try:
        await sup.request("acknowledge", key="wait:A001")
    except RequestFailed as exc:
        assert exc.code == "unknown_warning"
    else:
        raise AssertionError("a cleared warning was acknowledged")


def test_a_hall_upgrading_keeps_its_warnings(tmp_path):
    """A database of the schema before acknowledgements gets the columns and keeps its rows."""
    path = tmp_path / "old.sqlite3"
    db = sqlite_utils.Database(path)
    for step in MIGRATIONS[:2]:
        step(db)
    db.conn.execute("PRAGMA user_version = 2")
    db.conn.execute(
        "INSERT INTO warnings (key, kind, level, detail, raised_at) VALUES ('pause:2', 'pause_long', 1, '{}', 5.0)"
    )
    db.conn.commit()
    db.conn.close()
    storage = Storage(path)
    try:
        assert storage.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        rows = storage.conn.execute("SELECT key, raised_at, acknowledged_by, acknowledged_at FROM warnings").fetchall()
        assert rows == [("pause:2", 5.0, None, None)]
        assert storage.acknowledgements() == {}
    finally:
        storage.close()
    assert sqlite3.connect(path).execute("SELECT COUNT(*) FROM warnings").fetchone()[0] == 1
