"""The visitor's five-level evaluation (好差评), over real websockets: the evaluation pad at one
counter, the server's rules (one per served ticket, a reason for level 2 and 1, the pad's time
window), the ``dissatisfied`` warning, the journal entry the reports count, a restart, and the
ticket's journey of an earlier day with the seconds between its steps."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from conftest import MONDAY_10AM, PAD_1, Hall, ManualClock, collect, seed_clerks, wait_for

from hallcall import config as hall_config
from hallcall.config import ConfigError
from hallcall.server.app import HallServer, database_path
from hallcall.server.storage import Storage

TEST_HALL = Path(__file__).parent / "halls" / "test-hall.toml"


async def serve_one(hall: Hall, counter: int = 1, clerk: str = "cat") -> tuple[object, str]:
    """Issue a social ticket and serve it to the end at ``counter``: (the counter's client, number)."""
    kiosk = await hall.kiosk()
    issued = await kiosk.request("issue", service="social")
    c = await hall.counter(counter, clerk)
    called = await c.request("call_next")
    assert called["ticket"]["number"] == issued["ticket"]["number"]
    hall.clock.advance(30)
    await c.request("start")
    hall.clock.advance(90)
    await c.request("finish")
    return c, issued["ticket"]["number"]


def evaluations(hall: Hall) -> list[tuple]:
    return hall.hub.storage.conn.execute(
        "SELECT number, counter, clerk, reason, detail FROM events WHERE action = 'evaluate' ORDER BY id"
    ).fetchall()


async def test_a_pad_evaluates_its_counters_last_ticket_once(hall: Hall) -> None:
    pad = await hall.pad()
    assert pad.welcome["role"] == "pad"
    assert pad.snapshot["pad"]["counter"] == 1 and pad.snapshot["pad"]["awaiting"] is None
    assert [r["code"] for r in pad.snapshot["pad"]["reasons"]] == ["slow", "attitude", "unclear", "come_again", "other"]
    heard = collect(pad)
    _, number = await serve_one(hall)
    await wait_for(lambda: any(m.get("topic") == "counters" and m["data"]["counter"] == 1 for m in heard))
    await pad.request("snapshot")
    await wait_for(lambda: pad.snapshot["pad"]["awaiting"] is not None)
    assert pad.snapshot["pad"]["awaiting"]["number"] == number
    assert pad.snapshot["pad"]["clerk"] == "cat" and pad.snapshot["pad"]["clerk_name"] == {"zh": "cat", "en": "cat"}
    answer = await pad.request("evaluate", level=5)
    assert answer["ticket"]["number"] == number and answer["level"] == 5
    second = await pad.call("evaluate", level=4)
    assert second["code"] == "already_evaluated"
    import json

    rows = evaluations(hall)
    assert len(rows) == 1
    assert rows[0][:4] == (number, 1, "cat", "")
    assert json.loads(rows[0][4]) == {"level": 5, "channel": "pad", "note": ""}


async def test_nothing_to_evaluate_before_a_finish_or_after_the_window(hall: Hall) -> None:
    pad = await hall.pad()
    assert (await pad.call("evaluate", level=5))["code"] == "nothing_to_evaluate"
    kiosk = await hall.kiosk()
    await kiosk.request("issue", service="social")
    c = await hall.counter(1)
    await c.request("call_next")
    await c.request("start")
    assert (await pad.call("evaluate", level=5))["code"] == "nothing_to_evaluate"  # served, not finished
    await c.request("finish")
    hall.clock.advance(121)  # the test hall keeps the default 120 s
    assert (await pad.call("evaluate", level=5))["code"] == "nothing_to_evaluate"
    assert evaluations(hall) == []


async def test_a_pad_of_counter_1_cannot_evaluate_counter_2s_ticket(hall: Hall) -> None:
    kiosk = await hall.kiosk()
    await kiosk.request("issue", service="social")
    c2 = await hall.counter(2, "bob")
    await c2.request("call_next")
    await c2.request("start")
    await c2.request("finish")
    pad = await hall.pad()
    assert (await pad.call("evaluate", level=5))["code"] == "nothing_to_evaluate"
    assert evaluations(hall) == []


async def test_a_low_level_needs_a_reason_and_raises_a_dissatisfied_warning(hall: Hall) -> None:
    sup = await hall.supervisor()
    heard = collect(sup)
    pad = await hall.pad()
    c, number = await serve_one(hall)
    counter_heard = collect(c)
    refused = await pad.call("evaluate", level=2)
    assert refused["code"] == "reason_required" and refused["field"] == "reason"
    assert (await pad.call("evaluate", level=1, reason="rude"))["code"] == "unknown_reason"
    bad = await pad.call("evaluate", level=6, reason="slow")
    assert bad["code"] == "bad_field"
    await pad.request("evaluate", level=1, reason="attitude", note="没有解释清楚")
    raised = await wait_for(
        lambda: next((m for m in heard if m.get("topic") == "warnings" and m["data"]["kind"] == "dissatisfied"), None)
    )
    w = raised["data"]
    assert w["kind"] == "dissatisfied" and w["number"] == number and w["counter"] == 1 and w["clerk"] == "cat"
    assert (w["evaluation"], w["reason"], w["note"], w["level"]) == (1, "attitude", "没有解释清楚", 2)
    await wait_for(
        lambda: any(m.get("topic") == "warnings" and m["data"]["kind"] == "dissatisfied" for m in counter_heard)
    )
    # the warning is in a new supervisor's snapshot, and goes after [evaluation] warning_minutes
    late = await hall.supervisor()
    assert [x["kind"] for x in late.snapshot["warnings"]].count("dissatisfied") == 1
    hall.clock.advance(30 * 60)
    await hall.hub.check_warnings()
    await wait_for(
        lambda: any(
            m.get("topic") == "warnings" and m["name"] == "cleared" and m["data"]["kind"] == "dissatisfied"
            for m in heard
        )
    )


async def test_role_rules(hall: Hall) -> None:
    kiosk = await hall.kiosk()
    assert (await kiosk.call("evaluate", level=5))["code"] == "forbidden"
    pad = await hall.pad()
    assert (await pad.call("call_next"))["code"] == "forbidden"
    assert (await pad.call("issue", service="social"))["code"] == "forbidden"
    c = await hall.client()
    assert (await c.call("hello", role="pad", device="pad-1", token="wrong-token"))["code"] == "auth_failed"


async def test_the_refusal_survives_a_restart(tmp_path: Path) -> None:
    config = hall_config.load(TEST_HALL)
    clock = ManualClock(MONDAY_10AM)
    db = database_path(TEST_HALL, tmp_path)
    storage = Storage(db)
    seed_clerks(storage)
    server = HallServer(config, storage, clock)
    port = await server.start("127.0.0.1", 0)
    hall = Hall(server, f"ws://127.0.0.1:{port}", clock, tmp_path)
    try:
        await serve_one(hall)
        pad = await hall.pad()
        await pad.request("evaluate", level=2, reason="slow")
    finally:
        for c in hall.clients:
            await c.close()
        await server.stop()
        storage.close()
    clock.advance(10)
    storage = Storage(db)
    server = HallServer(config, storage, clock)
    port = await server.start("127.0.0.1", 0)
    hall = Hall(server, f"ws://127.0.0.1:{port}", clock, tmp_path)
    try:
        pad = await hall.pad()
        assert pad.snapshot["pad"]["awaiting"] is None
        assert (await pad.call("evaluate", level=5))["code"] == "already_evaluated"
        assert [w["kind"] for w in (await hall.supervisor()).snapshot["warnings"]].count("dissatisfied") == 1
    finally:
        for c in hall.clients:
            await c.close()
        await server.stop()
        storage.close()


async def test_the_journey_of_an_earlier_day_with_the_seconds_between_steps(hall: Hall) -> None:
    _, number = await serve_one(hall)
    pad = await hall.pad()
    hall.clock.advance(5)
    await pad.request("evaluate", level=3)
    monday = hall.hub.state.day
    hall.clock.advance(24 * 3600)  # Tuesday
    await hall.hub.check_warnings()  # rolls the day
    assert hall.hub.state.day != monday
    sup = await hall.supervisor()
    today = await sup.call("ticket", number=number)
    assert today["code"] == "unknown_ticket"
    found = await sup.request("ticket", number=number, day=monday)
    assert found["day"] == monday and found["ticket"]["state"] == "done"
    steps = [(s["action"], s["after_s"]) for s in found["journey"]]
    assert steps == [("issue", 0.0), ("call", 0.0), ("serve", 30.0), ("finish", 90.0), ("evaluate", 5.0)]
    assert found["journey"][-1]["detail"] == {"level": 3, "channel": "pad", "note": ""}
    counter = await hall.counter(2, "bob")
    assert (await counter.request("ticket", number=number, day=monday))["journey"][-1]["action"] == "evaluate"
    missing = await sup.call("ticket", number="A999", day=monday)
    assert missing["code"] == "unknown_ticket"
    assert (await sup.call("ticket", number=number, day="2026-13"))["code"] == "bad_field"
    assert (await sup.call("ticket", number=number, day="2020-01-01"))["code"] == "unknown_ticket"


def test_a_pads_counter_must_exist(tmp_path: Path) -> None:
    from conftest import config_with

    with pytest.raises(ConfigError, match="no counter 9"):
        config_with(tmp_path, "counter = 1 }]", "counter = 9 }]")
    with pytest.raises(ConfigError, match="token is used by another device"):
        config_with(tmp_path, 'token = "pad-token-1"', 'token = "kiosk-token-1"')


def test_the_reasons_can_be_configured(tmp_path: Path) -> None:
    from conftest import config_with

    config = config_with(
        tmp_path,
        "[queue]\n",
        '[evaluation]\npad_window_seconds = 300\nreasons = [{ code = "slow", zh = "慢", en = "Slow" }]\n\n[queue]\n',
    )
    assert config.evaluation.pad_window_seconds == 300 and [r.code for r in config.evaluation.reasons] == ["slow"]
    assert PAD_1["device"] == "pad-1"
    assert asyncio is not None


async def test_a_supervisor_enters_a_paper_form_by_number_today_or_of_an_earlier_day(hall: Hall) -> None:
    import json

    _, first = await serve_one(hall)
    sup = await hall.supervisor()
    assert (await sup.call("evaluate", level=5))["code"] == "bad_field"  # no number
    pad = await hall.pad()
    assert (await pad.call("evaluate", level=5, number=first))["code"] == "bad_field"  # a pad names none
    kiosk = await hall.kiosk()
    waiting = (await kiosk.request("issue", service="social"))["ticket"]["number"]
    assert (await sup.call("evaluate", level=5, number=waiting))["code"] == "wrong_state"
    hall.clock.advance(3600)  # long past a pad's window: a paper form has none
    answer = await sup.request("evaluate", level=4, number=first.lower())
    assert answer["ticket"]["number"] == first and answer["level"] == 4
    assert (await sup.call("evaluate", level=4, number=first))["code"] == "already_evaluated"
    monday = hall.hub.state.day
    c = await hall.counter(1)
    await c.request("call_next")
    await c.request("start")
    await c.request("finish")
    hall.clock.advance(24 * 3600)
    await hall.hub.check_warnings()  # rolls the day
    assert (await sup.call("evaluate", level=5, number=waiting))["code"] == "unknown_ticket"  # not today
    assert (await sup.call("evaluate", level=5, number="A099", day=monday))["code"] == "unknown_ticket"
    assert (await sup.call("evaluate", level=5, number=first, day=monday))["code"] == "already_evaluated"
    await sup.request("evaluate", level=2, reason="slow", number=waiting, day=monday)
    assert (await sup.call("evaluate", level=3, number=waiting, day=monday))["code"] == "already_evaluated"
    rows = evaluations(hall)
    assert [(r[0], r[3], json.loads(r[4])) for r in rows] == [
        (first, "", {"level": 4, "channel": "paper", "note": "", "by": "sue"}),
        (waiting, "slow", {"level": 2, "channel": "paper", "note": "", "by": "sue"}),
    ]
    day = hall.hub.storage.conn.execute("SELECT day FROM events WHERE action = 'evaluate' ORDER BY id DESC").fetchone()
    assert day == (monday,)  # filed under the ticket's own day, where reports look for it
