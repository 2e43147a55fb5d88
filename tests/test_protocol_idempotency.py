"""Request ids over real connections: a repeated id is answered with the first answer, byte for byte.

A kiosk that retries after a timeout or a reconnect must never print a second ticket, and a
counter that presses "next" twice with one id must call once.  Errors are remembered as well.
"""

from __future__ import annotations

import asyncio
import json

from conftest import KIOSK, PASSWORD, collect, wait_for
from test_protocol import event_actions, of_topic, open_raw, synced, ticket_rows

COUNTER_1 = {"counter": 1, "clerk": "cat", "password": PASSWORD}


async def test_kiosk_retry_gets_identical_bytes_and_one_ticket(hall):
    kiosk = await open_raw(hall, "kiosk", **KIOSK)
    first = await kiosk.ask("issue", "k-1", service="social")
    hall.clock.advance(30)  # a later retry must not get a fresh timestamp either
    second = await kiosk.ask("issue", "k-1", service="social")
    assert second == first
    assert json.loads(first)["data"]["ticket"]["number"] == "A001"
    assert ticket_rows(hall) == [("A001", "waiting")]
    assert hall.hub.state.issued["social"] == 1
    assert [a for a, _ in event_actions(hall)] == ["issue"]
    other = json.loads(await kiosk.ask("issue", "k-2", service="social"))
    assert other["data"]["ticket"]["number"] == "A002"


async def test_retry_after_reconnect_gets_the_first_answer(hall):
    first_link = await open_raw(hall, "kiosk", **KIOSK)
    first = await first_link.ask("issue", "k-9", service="tax")
    await first_link.close()
    await wait_for(lambda: not hall.hub.clients)
    second_link = await open_raw(hall, "kiosk", **KIOSK)
    again = await second_link.ask("issue", "k-9", service="tax")
    assert again == first
    assert ticket_rows(hall) == [("B001", "waiting")]


async def test_retry_is_answered_from_the_database_when_not_cached(hall):
    kiosk = await open_raw(hall, "kiosk", **KIOSK)
    first = await kiosk.ask("issue", "k-db", service="social")
    hall.hub.answers.cache.clear()  # as if the answer had aged out of the in-memory cache
    again = await kiosk.ask("issue", "k-db", service="social")
    assert again == first
    assert ticket_rows(hall) == [("A001", "waiting")]


async def test_double_call_next_with_one_id_calls_once(hall):
    kiosk = await hall.kiosk()
    await kiosk.request("issue", service="social")
    await kiosk.request("issue", service="social")
    display = await hall.display()
    calls = collect(display)
    counter = await open_raw(hall, "counter", **COUNTER_1)
    first = await counter.ask("call_next", "n-1")
    second = await counter.ask("call_next", "n-1")
    assert second == first
    assert json.loads(first)["data"]["ticket"]["number"] == "A001"
    assert ticket_rows(hall) == [("A001", "called"), ("A002", "waiting")]
    assert [n for a, n in event_actions(hall) if a == "call"] == ["A001"]
    await synced(display)
    assert [e["data"]["number"] for e in of_topic(calls, "calls", "called")] == ["A001"]


async def test_same_id_sent_twice_back_to_back_calls_once(hall):
    kiosk = await hall.kiosk()
    await kiosk.request("issue", service="social")
    await kiosk.request("issue", service="social")
    counter = await open_raw(hall, "counter", **COUNTER_1)
    frame = json.dumps({"type": "call_next", "id": "n-2"})
    await counter.send(frame)
    await counter.send(frame)  # before the first is answered
    first = await counter.answer("n-2")
    second = await counter.answer("n-2")
    assert first == second
    assert ticket_rows(hall) == [("A001", "called"), ("A002", "waiting")]


async def test_same_id_from_two_connections_at_once_issues_once(hall):
    """Two links of one kiosk (the old one not yet noticed dead) send the same retry together."""
    a = await open_raw(hall, "kiosk", **KIOSK)
    b = await open_raw(hall, "kiosk", **KIOSK)
    frame = json.dumps({"type": "issue", "id": "k-both", "service": "social"})
    await asyncio.gather(a.send(frame), b.send(frame))
    answer_a, answer_b = await asyncio.gather(a.answer("k-both"), b.answer("k-both"))
    assert answer_a == answer_b
    assert ticket_rows(hall) == [("A001", "waiting")]


async def test_errors_are_remembered_too(hall):
    counter = await open_raw(hall, "counter", **COUNTER_1)
    refused = await counter.ask("call_next", "e-1")
    assert json.loads(refused)["code"] == "queue_empty"
    kiosk = await hall.kiosk()
    await kiosk.request("issue", service="social")
    again = await counter.ask("call_next", "e-1")
    assert again == refused  # the retry is the same request: it was refused, it stays refused
    assert ticket_rows(hall) == [("A001", "waiting")]
    called = json.loads(await counter.ask("call_next", "e-2"))
    assert called["data"]["ticket"]["number"] == "A001"


async def test_kiosk_error_retry_issues_nothing(hall):
    kiosk = await open_raw(hall, "kiosk", **KIOSK)
    refused = await kiosk.ask("issue", "x-1", service="no-such-service")
    assert json.loads(refused)["code"] == "unknown_service"
    assert await kiosk.ask("issue", "x-1", service="no-such-service") == refused
    assert ticket_rows(hall) == []


async def test_ids_are_per_sender(hall):
    """Two kiosks may pick the same id: each gets its own ticket."""
    one = await open_raw(hall, "kiosk", **KIOSK)
    a = json.loads(await one.ask("issue", "same", service="social"))
    counter = await open_raw(hall, "counter", **COUNTER_1)
    b = json.loads(await counter.ask("call_next", "same"))
    assert a["type"] == "result" and b["type"] == "result"
    assert b["data"]["ticket"]["number"] == a["data"]["ticket"]["number"] == "A001"
    assert ticket_rows(hall) == [("A001", "called")]
