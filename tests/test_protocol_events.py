"""Events by topic and snapshots, over real connections.

Displays hear calls and counters of their zone and the waiting counts; kiosks hear waiting counts
only; counters hear the counters; supervisors hear everything, the journal included.  A client
that (re)connects gets a snapshot to draw its screen from scratch.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from conftest import DISPLAY_1F, DISPLAY_2F, MONDAY_10AM, TEST_HALL, Hall, ManualClock, collect, seed_clerks, wait_for
from test_protocol import of_topic, synced

from hallcall import config as hall_config
from hallcall.server.app import HallServer, database_path
from hallcall.server.storage import Storage


async def busy_hall(hall):
    """Two displays, a kiosk, a supervisor and counters 1 (1F) and 2 (2F), each recording events;
    then A001 is called at counter 1 and B001 at counter 2."""
    clients = {
        "d1": await hall.display(DISPLAY_1F),
        "d2": await hall.display(DISPLAY_2F, zone="2F"),
        "kiosk": await hall.kiosk(),
        "sup": await hall.supervisor(),
        "c1": await hall.counter(1, "cat"),
        "c2": await hall.counter(2, "bob"),
    }
    seen = {name: collect(c) for name, c in clients.items()}
    await clients["kiosk"].request("issue", service="social")
    await clients["kiosk"].request("issue", service="tax")
    assert (await clients["c1"].request("call_next"))["ticket"]["number"] == "A001"
    assert (await clients["c2"].request("call_next"))["ticket"]["number"] == "B001"
    for c in clients.values():
        await synced(c)
    return clients, seen


def numbers(events):
    return [e["data"]["number"] for e in events]


async def test_calls_go_to_displays_of_the_counters_zone(hall):
    clients, seen = await busy_hall(hall)
    called_1f = of_topic(seen["d1"], "calls", "called")
    assert numbers(called_1f) == ["A001"]
    assert called_1f[0]["data"] == {
        "number": "A001",
        "service": "social",
        "counter": 1,
        "counter_name": {"zh": "1号窗口", "en": "Counter 1"},
        "zone": "1F",
        "recall": 0,
        "priority": "normal",
        "at": MONDAY_10AM,
    }
    called_2f = of_topic(seen["d2"], "calls", "called")
    assert numbers(called_2f) == ["B001"]
    assert called_2f[0]["data"]["counter_name"] == {"zh": "2号窗口", "en": "Counter 2"}
    assert sorted(numbers(of_topic(seen["sup"], "calls"))) == ["A001", "B001"]
    assert of_topic(seen["kiosk"], "calls") == []

    await clients["c1"].request("recall")
    await synced(clients["d1"])
    await synced(clients["d2"])
    recalled = of_topic(seen["d1"], "calls", "called")[-1]
    assert recalled["data"]["number"] == "A001" and recalled["data"]["recall"] == 1
    assert numbers(of_topic(seen["d2"], "calls")) == ["B001"]
    seqs = [e["seq"] for e in seen["d1"] if e.get("type") == "event"]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


async def test_counters_events_by_zone(hall):
    _clients, seen = await busy_hall(hall)

    def counters(name):
        return {e["data"]["counter"] for e in of_topic(seen[name], "counters", "counter")}

    assert counters("d1") == {1}
    assert counters("d2") == {2}
    assert counters("sup") == {1, 2}
    assert counters("c1") == {1}  # a counter hears only about itself
    assert counters("kiosk") == set()
    last = of_topic(seen["d1"], "counters")[-1]["data"]
    assert last["counter"] == 1 and last["clerk"] == "cat" and last["zone"] == "1F"
    assert last["current"]["number"] == "A001" and last["current"]["state"] == "called"


async def test_journal_only_for_supervisors(hall):
    _clients, seen = await busy_hall(hall)
    journal = of_topic(seen["sup"], "journal")
    assert [(e["name"], e["data"]["number"]) for e in journal] == [
        ("issue", "A001"),
        ("issue", "B001"),
        ("call", "A001"),
        ("call", "B001"),
    ]
    assert journal[2]["data"]["counter"] == 1 and journal[2]["data"]["clerk"] == "cat"
    for name in ("d1", "d2", "kiosk", "c1", "c2"):
        assert of_topic(seen[name], "journal") == [], name


async def test_queue_events_carry_waiting_counts(hall):
    kiosk = await hall.kiosk()
    d2 = await hall.display(DISPLAY_2F)
    at_kiosk, at_d2 = collect(kiosk), collect(d2)
    await kiosk.request("issue", service="social")
    await kiosk.request("issue", service="social")

    def waiting(seen, service):
        queue = of_topic(seen, "queue", "queue")
        if not queue:
            return None
        by_service = {s["service"]: s for s in queue[-1]["data"]["services"]}
        return by_service.get(service, {}).get("waiting")

    await wait_for(lambda: waiting(at_kiosk, "social") == 2)
    latest = of_topic(at_kiosk, "queue")[-1]["data"]["services"]
    assert [s["service"] for s in latest] == ["social", "tax", "consult"]
    social = latest[0]
    assert social["next"] == ["A001", "A002"] and social["issued"] == 2
    # the 2F display hears only about the services of 2F's counter 2 (tax, social), not consult
    await kiosk.request("issue", service="tax")
    await wait_for(lambda: waiting(at_d2, "tax") == 1)
    assert all([s["service"] for s in e["data"]["services"]] == ["social", "tax"] for e in of_topic(at_d2, "queue"))
    assert of_topic(at_kiosk, "calls") == [] and of_topic(at_kiosk, "counters") == []


async def test_snapshots_on_connect(hall):
    clients, _seen = await busy_hall(hall)
    await clients["c1"].request("finish")
    late_1f = await hall.display(DISPLAY_1F)
    snap = late_1f.snapshot
    assert [c["number"] for c in snap["calls"]] == ["A001"]
    assert [s["service"] for s in snap["services"]] == ["social", "tax", "consult"]  # 1F's counter 1 serves all
    social = snap["services"][0]
    assert (social["issued"], social["finished"], social["waiting"]) == (1, 1, 0)
    assert [c["counter"] for c in snap["counters"]] == [1, 3, 4]
    assert snap["counters"][0]["served_today"] == 1 and snap["counters"][0]["current"] is None

    late_2f = await hall.display(DISPLAY_2F)
    assert [c["number"] for c in late_2f.snapshot["calls"]] == ["B001"]
    assert late_2f.snapshot["counters"][0]["current"]["number"] == "B001"

    sup = await hall.supervisor()
    assert [c["number"] for c in sup.snapshot["calls"]] == ["A001", "B001"]
    assert len(sup.snapshot["counters"]) == 4

    kiosk = await hall.kiosk()
    assert [c["number"] for c in kiosk.snapshot["calls"]] == ["A001", "B001"]

    await clients["c1"].request("snapshot")
    me = clients["c1"].snapshot["me"]
    assert me["counter"] == 1 and me["clerk"] == "cat"
    assert [(t["number"], t["state"]) for t in me["served"]] == [("A001", "done")]


# ---------------------------------------------------------------------- a counter without a zone
@pytest.fixture
async def zoneless(tmp_path: Path) -> AsyncIterator[Hall]:
    """The test hall, but counter 3 has no zone (a hall that does not divide its screens)."""
    text = TEST_HALL.read_text(encoding="utf-8")
    block = 'number = 3\nservices = ["consult"]\nzone = "1F"\n'
    assert block in text
    path = tmp_path / "zoneless-hall.toml"
    path.write_text(text.replace(block, 'number = 3\nservices = ["consult"]\n'), encoding="utf-8")
    config = hall_config.load(path)
    assert config.counter(3).zone == ""
    storage = Storage(database_path(path, tmp_path))
    seed_clerks(storage)
    server = HallServer(config, storage, ManualClock(MONDAY_10AM))
    port = await server.start("127.0.0.1", 0)
    h = Hall(server, f"ws://127.0.0.1:{port}", server.hub.clock, tmp_path)
    yield h
    for c in h.clients:
        await c.close()
    await server.stop()
    storage.close()


async def test_zoneless_counter_calls_reach_zoned_displays_as_the_snapshot_says(zoneless):
    """A counter with no zone belongs on every screen: the snapshot shows its calls on a zoned
    display, so the live events must reach that display too."""
    display = await zoneless.display(DISPLAY_1F)
    assert 3 in [c["counter"] for c in display.snapshot["counters"]]
    seen = collect(display)
    kiosk = await zoneless.kiosk()
    await kiosk.request("issue", service="consult")
    counter = await zoneless.counter(3, "dan")
    await counter.request("call_next")
    await synced(display)
    later = await zoneless.display(DISPLAY_1F)
    assert [c["number"] for c in later.snapshot["calls"]] == ["C001"]  # the snapshot has the call...
    assert numbers(of_topic(seen, "calls", "called")) == ["C001"]  # ...so the live screen must too
    assert 3 in {e["data"]["counter"] for e in of_topic(seen, "counters")}
