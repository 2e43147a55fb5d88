"""The visitor role: a phone following one ticket over the websocket (the live status page).

Its hello names a ticket (day + number) and needs no credentials; it may send only ``ping``,
``snapshot`` and, with the ticket's key from its printed QR link, ``evaluate`` of that ticket
once served; its snapshot carries the ticket (``visitor``) and no staff names; it hears only
``visitor`` events about its own ticket, computed with the coalesced queue update and sent
only when that ticket's view changed (``fanout.route_visitors``, tested here without sockets).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conftest import DISPLAY_1F, Hall, collect, wait_for

from hallcall import protocol as p
from hallcall.client import RequestFailed
from hallcall.config import Names
from hallcall.server import fanout
from hallcall.server.domain import evaluation
from hallcall.server.storage import Storage

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


# ---------------------------------------------------------------------------- the holder's evaluation
async def served(hall: Hall, count: int = 1) -> tuple[Any, list[dict[str, Any]]]:
    """A kiosk issues ``count`` tickets (their issue answers); counter 1 serves the first."""
    kiosk = await hall.kiosk()
    issued = [await kiosk.request("issue", service="social") for _ in range(count)]
    clerk = await hall.counter(1, "cat")
    await clerk.request("call_next")
    await clerk.request("start")
    await clerk.request("finish")
    return kiosk, issued


async def holder(hall: Hall, number: str, key: str | None, day: str = DAY) -> Any:
    c = await hall.client()
    await c.hello("visitor", day=day, number=number, **({"key": key} if key is not None else {}))
    return c


async def test_the_issue_answer_carries_the_tickets_key_and_a_reprint_the_same(desk_hall: Hall) -> None:
    hall = desk_hall
    kiosk, desk = await hall.desk()
    first = await kiosk.request("issue", service="social")
    second = await kiosk.request("issue", service="social")
    key = first["status_key"]
    assert len(key) == 12 and key != second["status_key"]
    assert set(key) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    again = await kiosk.request("ticket", number="A001", desk=desk)  # a reprint at the guide desk
    assert again["status_key"] == key  # a reprint's QR link lets the holder evaluate too
    assert "status_key" not in await kiosk.request("ticket", number="A001")  # the kiosk's token alone: no key
    refused = await kiosk.call("ticket", number="A001", desk="not-a-desk-token")
    assert refused["code"] == "desk_required"
    clerk = await hall.counter(1, "cat")
    assert "status_key" not in await clerk.request("ticket", number="A001")  # only a kiosk prints it


async def test_the_key_holder_evaluates_once_after_the_service(hall: Hall) -> None:
    kiosk = await hall.kiosk()
    issued = await kiosk.request("issue", service="social")
    phone = await holder(hall, "A001", issued["status_key"])
    assert phone.snapshot["visitor"]["evaluable"] is False
    early = await phone.call("evaluate", level=5)
    assert early["code"] == "nothing_to_evaluate"  # not served yet
    heard = collect(phone)
    clerk = await hall.counter(1, "cat")
    for step in ("call_next", "start", "finish"):
        await clerk.request(step)
    await wait_for(lambda: heard and heard[-1]["data"]["state"] == "done" and heard[-1]["data"]["evaluable"])
    missing = await phone.call("evaluate", level=2)
    assert missing["code"] == "reason_required" and missing["details"]["codes"]
    made_up = await phone.call("evaluate", level=1, reason="no-such-reason")
    assert made_up["code"] == "unknown_reason"
    answer = await phone.request("evaluate", level=2, reason="slow", note="twenty minutes at the door")
    assert answer["ticket"]["number"] == "A001" and answer["level"] == 2 and answer["reason"] == "slow"
    await wait_for(lambda: heard[-1]["data"]["evaluable"] is False)  # every phone of A001 is told
    again = await phone.call("evaluate", level=5)
    assert again["code"] == "already_evaluated"
    # journaled like the pad's, with channel qr; a level 2 is a dissatisfied warning at once
    [(_, _, number, counter, clerk_name, reason, detail)] = hall.hub.storage.evaluations(DAY)
    assert (number, counter, clerk_name, reason) == ("A001", 1, "cat", "slow")
    assert detail == {"level": 2, "channel": "qr", "note": "twenty minutes at the door"}
    assert any(isinstance(w, p.DissatisfiedWarning) and w.number == "A001" for w in hall.hub.warnings.values())
    # the pad cannot evaluate it a second time either
    pad = await hall.pad()
    assert (await pad.call("evaluate", level=5))["code"] == "already_evaluated"


async def test_without_the_key_a_visitor_follows_but_may_not_evaluate(hall: Hall) -> None:
    _, issued = await served(hall, 2)
    key = issued[0]["status_key"]
    for given in (None, "", "AAAAAAAAAAAA", issued[1]["status_key"]):  # none, empty, made up, another ticket's
        phone = await holder(hall, "A001", given)
        assert phone.snapshot["visitor"]["state"] == "done"  # the status is shown all the same
        forged = await phone.call("evaluate", level=1, reason="attitude")
        assert forged["type"] == "error" and forged["code"] == "forbidden" and forged["field"] == "key", given
    assert hall.hub.storage.evaluations(DAY) == []
    # the key holder's phone evaluates only its own ticket, even when naming another
    phone = await holder(hall, "A001", key)
    other = await phone.call("evaluate", level=5, number="A002")
    assert other["code"] == "forbidden" and other["field"] == "number"
    other_day = await phone.call("evaluate", level=5, day="2026-11-20")
    assert other_day["code"] == "forbidden"
    assert (await phone.request("evaluate", level=4, number="a001"))["level"] == 4


async def test_a_forged_evaluation_cannot_spoil_the_holders_request_id(hall: Hall) -> None:
    """Answers are kept by sender and id: a phone without the key is another sender, so its
    refused request cannot stand in for the holder's request of the same id."""
    _, issued = await served(hall)
    forger = await holder(hall, "A001", None)
    phone = await holder(hall, "A001", issued[0]["status_key"])
    forged = await forger.call("evaluate", level=1, reason="attitude", request_id="same-id")
    assert forged["code"] == "forbidden"
    answer = await phone.call("evaluate", level=5, request_id="same-id")
    assert answer["type"] == "result" and answer["data"]["level"] == 5


def test_the_key_is_made_once_and_kept(tmp_path: Path) -> None:
    first = Storage(tmp_path / "hall.sqlite3")
    secret = first.secret("ticket_key")
    first.close()
    again = Storage(tmp_path / "hall.sqlite3")
    assert again.secret("ticket_key") == secret and len(secret) == 64
    again.close()
    key = evaluation.ticket_key(secret, DAY, "A001")
    assert evaluation.key_matches(secret, DAY, "A001", key)
    assert not evaluation.key_matches(secret, DAY, "A002", key)
    assert not evaluation.key_matches(secret, "2026-11-24", "A001", key)
    assert not evaluation.key_matches(secret, DAY, "A001", None)
