"""Supervision warnings over real connections, driven by the hall's manual clock.

The server checks warnings on a one-second timer; these tests stop that timer and call
``hub.check_warnings()`` themselves, so each check happens exactly when the test moves the clock.
"""

from __future__ import annotations

import json

import pytest
from conftest import MONDAY_10AM, collect, wait_for
from test_protocol import of_topic, synced

from hallcall.protocol import PauseWarning

MINUTE = 60.0


@pytest.fixture
def quiet(hall):
    """The hall with its periodic warning check stopped: the test decides when to check."""
    (timer,) = [t for t in hall.server._timers if t.get_coro().cr_frame.f_locals["action"] == hall.hub.check_warnings]
    timer.cancel()
    return hall


def warning_rows(hall, key):
    rows = hall.server.storage.conn.execute(
        "SELECT kind, level, detail, raised_at, cleared_at FROM warnings WHERE key = ? ORDER BY id", (key,)
    ).fetchall()
    return [(kind, level, json.loads(detail), raised, cleared) for kind, level, detail, raised, cleared in rows]


def warnings_of(seen, kind):
    return [(e["name"], e["data"]) for e in of_topic(seen, "warnings") if e["data"]["kind"] == kind]


async def test_wait_warning_raised_escalated_and_cleared(quiet):
    hall = quiet
    sup = await hall.supervisor()
    counter = await hall.counter(1)
    at_sup, at_counter = collect(sup), collect(counter)
    kiosk = await hall.kiosk()
    await kiosk.request("issue", service="social")  # target wait 10 minutes

    hall.clock.advance(7 * MINUTE)
    await hall.hub.check_warnings()
    await synced(sup)
    assert warnings_of(at_sup, "wait") == []

    hall.clock.advance(1 * MINUTE)  # 8 minutes: 80 % of the target
    await hall.hub.check_warnings()
    raised = await wait_for(lambda: warnings_of(at_sup, "wait"))
    name, data = raised[0]
    assert name == "raised"
    assert (data["kind"], data["level"], data["number"], data["service"]) == ("wait", 1, "A001", "social")
    assert data["waited_s"] == 480 and data["target_s"] == 600 and data["key"] == "wait:A001"
    await synced(counter)
    assert [n for n, _ in warnings_of(at_counter, "wait")] == ["raised"]  # counter 1 serves social

    await sup.request("snapshot")
    assert [(w["key"], w["level"]) for w in sup.snapshot["warnings"] if w["kind"] == "wait"] == [("wait:A001", 1)]

    hall.clock.advance(2 * MINUTE)  # 10 minutes: the target itself
    await hall.hub.check_warnings()
    await wait_for(lambda: len(warnings_of(at_sup, "wait")) == 2)
    name, data = warnings_of(at_sup, "wait")[1]
    assert name == "raised" and data["level"] == 2 and data["waited_s"] == 600

    await counter.request("call_next")
    await hall.hub.check_warnings()
    await wait_for(lambda: len(warnings_of(at_sup, "wait")) == 3)
    name, data = warnings_of(at_sup, "wait")[2]
    assert name == "cleared" and data["number"] == "A001"
    await sup.request("snapshot")
    assert [w for w in sup.snapshot["warnings"] if w["kind"] == "wait"] == []

    rows = warning_rows(hall, "wait:A001")
    assert [(kind, level) for kind, level, *_ in rows] == [("wait", 1), ("wait", 2)]
    t0 = MONDAY_10AM
    assert [(raised, cleared) for *_, raised, cleared in rows] == [
        (t0 + 8 * MINUTE, t0 + 10 * MINUTE),
        (t0 + 10 * MINUTE, t0 + 10 * MINUTE),
    ]
    assert rows[0][2]["number"] == "A001"


async def test_wait_warning_not_sent_to_kiosks_displays_or_other_services(quiet):
    hall = quiet
    kiosk = await hall.kiosk()
    display = await hall.display()
    consult_only = await hall.counter(3)
    seen = {c: collect(c) for c in (kiosk, display, consult_only)}
    await kiosk.request("issue", service="social")
    hall.clock.advance(9 * MINUTE)
    await hall.hub.check_warnings()
    assert "wait:A001" in hall.hub.warnings
    for client, events in seen.items():
        await synced(client)
        assert warnings_of(events, "wait") == []


async def test_pause_long(quiet):
    hall = quiet
    sup = await hall.supervisor()
    seen = collect(sup)
    counter = await hall.counter(1)
    await counter.request("pause", reason="meeting")
    hall.clock.advance(19 * MINUTE)
    await hall.hub.check_warnings()
    await synced(sup)
    assert warnings_of(seen, "pause_long") == []
    hall.clock.advance(1 * MINUTE)
    await hall.hub.check_warnings()
    name, data = (await wait_for(lambda: warnings_of(seen, "pause_long")))[0]
    assert name == "raised"
    assert (data["counter"], data["clerk"], data["reason"], data["paused_s"]) == (1, "cat", "meeting", 1200)
    assert [w.key for w in hall.hub.warnings.values() if isinstance(w, PauseWarning)] == ["pause:1"]
    await counter.request("snapshot")  # the paused counter sees its own warning too
    assert [w["key"] for w in counter.snapshot["warnings"]] == ["pause:1"]

    await counter.request("resume")
    await hall.hub.check_warnings()
    await wait_for(lambda: len(warnings_of(seen, "pause_long")) == 2)
    assert warnings_of(seen, "pause_long")[1][0] == "cleared"
    rows = warning_rows(hall, "pause:1")
    assert [(kind, cleared) for kind, _, _, _, cleared in rows] == [("pause_long", MONDAY_10AM + 20 * MINUTE)]


async def test_unstaffed_counter_after_grace_cleared_by_sign_in(quiet):
    hall = quiet
    sup = await hall.supervisor()
    seen = collect(sup)
    # counter 4 (staffed; ann, backup bob) has been empty since the hall opened at midnight
    await hall.hub.check_warnings()
    name, data = (await wait_for(lambda: warnings_of(seen, "unstaffed")))[0]
    assert name == "raised"
    assert data["counter"] == 4 and data["backups"] == ["bob"] and data["key"] == "unstaffed:4"
    # counters 1-3 are not expected to be staffed
    assert [k for k in hall.hub.warnings if k.startswith("unstaffed")] == ["unstaffed:4"]
    assert [w["key"] for w in sup.snapshot["warnings"]] == []  # connected before the check
    await sup.request("snapshot")
    assert [w["key"] for w in sup.snapshot["warnings"]] == ["unstaffed:4"]

    ann = await hall.counter(4, "ann")
    await hall.hub.check_warnings()
    await wait_for(lambda: len(warnings_of(seen, "unstaffed")) == 2)
    assert warnings_of(seen, "unstaffed")[1][0] == "cleared"

    # ann leaves: the grace period starts again from her sign-out
    await ann.request("sign_out")
    hall.clock.advance(4 * MINUTE + 59)
    await hall.hub.check_warnings()
    await synced(sup)
    assert len(warnings_of(seen, "unstaffed")) == 2
    hall.clock.advance(1)
    await hall.hub.check_warnings()
    await wait_for(lambda: len(warnings_of(seen, "unstaffed")) == 3)
    name, data = warnings_of(seen, "unstaffed")[2]
    assert name == "raised" and data["since"] == MONDAY_10AM

    bob = await hall.counter(4, "bob")  # the backup takes over
    assert bob.welcome["counter"] == 4
    await hall.hub.check_warnings()
    await wait_for(lambda: len(warnings_of(seen, "unstaffed")) == 4)
    assert warnings_of(seen, "unstaffed")[3][0] == "cleared"
    rows = warning_rows(hall, "unstaffed:4")
    assert len(rows) == 2 and all(cleared is not None for *_, cleared in rows)
    assert rows[1][3] == MONDAY_10AM + 5 * MINUTE


async def test_open_warnings_survive_in_the_database(quiet):
    """Warnings are rows, not just events: what is open is read back by a new hub."""
    hall = quiet
    kiosk = await hall.kiosk()
    await kiosk.request("issue", service="tax")  # target 20 minutes
    hall.clock.advance(16 * MINUTE)
    await hall.hub.check_warnings()
    assert set(hall.server.storage.open_warnings()) == {"wait:B001", "unstaffed:4"}
    alert, raised_at = hall.server.storage.open_warnings()["wait:B001"]
    assert (alert.kind, alert.level, alert.number, raised_at) == ("wait", 1, "B001", MONDAY_10AM + 16 * MINUTE)
