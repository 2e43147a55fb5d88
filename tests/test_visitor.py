"""The visitor role: a phone following one ticket over the websocket (the live status page).

Its hello names a ticket (day + number) and needs no credentials; it may send only ``ping`` and
``snapshot``; its snapshot carries the ticket (``visitor``) and no staff names; it hears only
``visitor`` events about its own ticket, computed with the coalesced queue update and sent
only when that ticket's view changed (``fanout.route_visitors``, tested here without sockets).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from conftest import DISPLAY_1F, Hall, collect, wait_for

from hallcall import protocol as p
from hallcall.client import RequestFailed
from hallcall.config import Names
from hallcall.server import fanout

DAY = "2026-11-23"


# ---------------------------------------------------------------------------- the pure rule
@dataclass(eq=False)
class Phone:
    name: str
    follows: tuple[str, str] | None
    heard: p.VisitorView | None = None
    role: str = "visitor"
    zone: str = ""
    counter: int | None = None
    session_id: int | None = None
    services: frozenset[str] = frozenset()


def view(number: str, state: str = "waiting", ahead: int | None = 3, counter: int | None = None) -> p.VisitorView:
    return p.VisitorView(
        day=DAY, number=number, service="social", service_name=Names(zh="社保", en="Social"), priority="normal",
        state=state, ahead=ahead, estimated_wait_s=None if ahead is None else ahead * 300, counter=counter,  # type: ignore[arg-type]
        counter_name=None if counter is None else Names(zh=f"{counter}号窗口", en=f"Counter {counter}"), recalls=0,
    )  # fmt: skip


def test_a_visitor_hears_its_own_ticket_only_and_only_when_it_changed() -> None:
    a, a2, b = Phone("a", (DAY, "A001")), Phone("a2", (DAY, "A001")), Phone("b", (DAY, "A002"))
    b.heard = view("A002", ahead=4)
    fresh = {(DAY, "A001"): view("A001", "called", None, 2), (DAY, "A002"): view("A002", ahead=4)}
    routed, seq = fanout.route_visitors(fresh, [a, a2, b], 10)
    assert seq == 11  # one event for the changed ticket; the unchanged one takes no number
    [(event, recipients)] = routed
    assert (event.topic, event.name, event.seq) == ("visitor", "ticket", 11)
    assert event.data.number == "A001" and event.data.counter == 2
    assert recipients == [a, a2]  # both phones of A001, encoded once; never b


def test_each_changed_ticket_is_one_event_to_its_own_visitors() -> None:
    a, b = Phone("a", (DAY, "A001")), Phone("b", (DAY, "A002"))
    fresh = {(DAY, "A001"): view("A001", ahead=2), (DAY, "A002"): view("A002", ahead=3)}
    routed, seq = fanout.route_visitors(fresh, [a, b], 0)
    assert seq == 2
    assert {e.data.number: r for e, r in routed} == {"A001": [a], "A002": [b]}
    a.heard = view("A001", ahead=2)
    routed, _ = fanout.route_visitors(fresh, [a], 2)
    assert routed == []  # the same view again: nothing sent


def test_visitors_hear_no_queue_update_and_no_hall_event() -> None:
    phone = Phone("a", (DAY, "A001"))
    update = p.QueueUpdate(services=[], callable={})
    routed = fanout.route_queue(update, [phone], 5, lambda service: "")
    assert routed == []
    audience: dict[str, list[Any]] = {r: [] for r in ("kiosk", "display", "counter", "supervisor", "pad")}
    audience["visitor"] = [phone]
    call = p.CallView(
        number="A002", service="social", counter=1, counter_name=Names(zh="", en=""), zone="", recall=0,
        priority=False, at=None,
    )  # fmt: skip
    notice = fanout.News("notice", "notice", Names(zh="x", en="x"))
    journal = fanout.News("journal", "call", None)
    for item in (fanout.News("calls", "called", call), notice, journal):
        assert phone not in fanout.recipients(item, audience)


# ---------------------------------------------------------------------------- over the wire
async def visitor(hall: Hall, number: str, day: str = DAY) -> Any:
    c = await hall.client()
    await c.hello("visitor", day=day, number=number)
    return c


async def test_a_visitor_follows_its_ticket_and_nothing_else(hall: Hall) -> None:
    kiosk = await hall.kiosk()
    for _ in range(3):
        await kiosk.request("issue", service="social")
    mine, other = await visitor(hall, "A002"), await visitor(hall, "A003")
    snap = mine.snapshot
    assert snap["visitor"]["number"] == "A002" and snap["visitor"]["state"] == "waiting"
    assert snap["visitor"]["ahead"] == 1 and snap["visitor"]["estimated_wait_s"] > 0
    assert snap["services"] == [] and snap["counters"] == [] and snap["calls"] == [] and snap["callable"] == {}
    assert all(c["clerks"] == [] and c["backups"] == [] for c in snap["hall"]["counters"])
    heard, heard_other = collect(mine), collect(other)
    clerk = await hall.counter(1, "cat")
    await clerk.request("call_next")  # A001: A002 is next, A003 has one ahead
    await wait_for(lambda: heard and heard[-1]["data"]["ahead"] == 0)
    await clerk.request("finish")
    await clerk.request("call_next")  # A002
    await wait_for(lambda: heard and heard[-1]["data"]["state"] == "called")
    last = heard[-1]["data"]
    assert last["counter"] == 1 and last["counter_name"]["en"].startswith("Counter 1") and last["ahead"] is None
    assert all(m["type"] == "event" and m["topic"] == "visitor" for m in heard + heard_other)
    assert all(m["data"]["number"] == "A002" for m in heard)
    assert all(m["data"]["number"] == "A003" for m in heard_other)
    count = len(heard)
    await kiosk.request("issue", service="social")  # A004 behind everyone: A002's view is the same
    await asyncio.sleep(0.3)
    assert len(heard) == count


async def test_a_visitor_may_only_ping_and_ask_for_its_snapshot(hall: Hall) -> None:
    kiosk = await hall.kiosk()
    await kiosk.request("issue", service="social")
    phone = await visitor(hall, "A001")
    assert "server_time" in await phone.request("ping")
    assert await phone.request("snapshot")
    for kind, fields in (("issue", {"service": "social"}), ("call_next", {}), ("cancel", {"number": "A001"})):
        answer = await phone.call(kind, **fields)
        assert answer["type"] == "error" and answer["code"] == "forbidden", kind
    answer = await phone.call("ticket", number="A001")
    assert answer["code"] == "forbidden"  # no lookups of other tickets
    metrics = hall.hub.metrics.render().decode()
    assert 'hallcall_connected_clients{role="visitor"} 1.0' in metrics


async def test_a_visitor_hello_must_name_a_real_ticket(hall: Hall) -> None:
    c = await hall.client()
    for fields, code in (({"day": DAY}, "bad_field"), ({"number": "A001"}, "bad_field"),
                         ({"day": DAY, "number": "A009"}, "unknown_ticket")):  # fmt: skip
        try:
            await c.hello("visitor", **fields)
        except RequestFailed as exc:
            assert exc.answer["code"] == code, fields
        else:
            raise AssertionError(f"{fields} was welcomed")
    display = await hall.display(DISPLAY_1F)
    assert display.snapshot["services"]  # the other roles' snapshots are as before
