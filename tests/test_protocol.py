"""Protocol v1 over real websocket connections: every request type and its answer, every error.

Each test runs against the in-process server of the ``hall`` fixture.  After every refusal the
test checks that nothing stored changed (database rows and the in-memory queue) and that the
connection still answers a ping: a bad request costs its sender one error, nothing more.

The helpers at the top are shared with the other ``test_protocol_*.py`` files.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from conftest import DISPLAY_2F, KIOSK, MONDAY_10AM, PASSWORD, collect, wait_for
from websockets.asyncio.client import ClientConnection, connect

from hallcall.client import HallClient, RequestFailed
from hallcall.server.views import ticket_shape

STORED_TABLES = ("tickets", "events", "counter_sessions", "pauses")


# ---------------------------------------------------------------------- shared helpers
def stored(hall: Any) -> dict[str, Any]:
    """What the hall holds: database rows and the in-memory queue (answers and warnings aside)."""
    conn = hall.server.storage.conn
    state = hall.hub.state
    return {
        "db": {t: conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in STORED_TABLES},
        "tickets": {number: ticket_shape(t) for number, t in state.by_number.items()},
        "queues": {s: {p: [t.number for t in q] for p, q in qs.items()} for s, qs in state.waiting.items()},
        "targeted": {n: [t.number for t in q] for n, q in state.targeted.items()},
        "counters": {n: hall.hub.counter_view(n) for n in state.counters},
        "sessions": {n: c.session.id if c.session else None for n, c in state.counters.items()},
        "seq": dict(state.seq),
        "issued": dict(state.issued),
    }


async def assert_refused(
    hall: Any,
    client: HallClient,
    answer: dict[str, Any],
    code: str,
    before: dict[str, Any],
    *,
    re: str | None = None,
    field: str | None = None,
    alive: bool = True,
) -> None:
    """``answer`` is the error ``code``; nothing stored changed; the connection still works
    (``alive``: it still answers a ping; off where the connection must first say hello again)."""
    assert answer["type"] == "error", answer
    assert answer["code"] == code, answer
    assert answer["re"] == re, answer
    assert isinstance(answer["message"], str) and answer["message"], answer
    assert isinstance(answer["message_zh"], str) and answer["message_zh"], answer
    if field is not None:
        assert answer["field"] == field, answer
    assert stored(hall) == before
    if alive:
        pong = await client.request("ping")
        assert pong == {"server_time": hall.clock.now()}


async def next_error(seen: list[dict[str, Any]], start: int = 0) -> dict[str, Any]:
    """The first error message recorded by ``collect`` at or after index ``start``."""

    def found() -> dict[str, Any] | None:
        return next((m for m in seen[start:] if m.get("type") == "error"), None)

    return await wait_for(found)


async def synced(client: HallClient) -> None:
    """Every frame the server sent before now has been received (answers follow events in order)."""
    await client.request("ping")


def of_topic(seen: list[dict[str, Any]], topic: str, name: str | None = None) -> list[dict[str, Any]]:
    return [m for m in seen if m.get("type") == "event" and m["topic"] == topic and name in (None, m["name"])]


class Raw:
    """A bare websocket: frames go out as given and answers come back as the exact text received."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.welcome: dict[str, Any] | None = None

    async def send(self, message: dict[str, Any] | str) -> None:
        await self.ws.send(message if isinstance(message, str) else json.dumps(message))

    async def answer(self, request_id: str, timeout: float = 5.0) -> str:
        """The text of the next result/error/welcome frame answering ``request_id``; events are skipped."""
        while True:
            frame = await asyncio.wait_for(self.ws.recv(), timeout)
            message = json.loads(frame)
            if message.get("re") == request_id and message.get("type") in ("result", "error", "welcome"):
                return frame

    async def ask(self, kind: str, request_id: str, **fields: Any) -> str:
        await self.send({"type": kind, "id": request_id, **fields})
        return await self.answer(request_id)

    async def close(self) -> None:
        await self.ws.close()


async def open_raw(hall: Any, role: str | None = None, **hello: Any) -> Raw:
    """A raw connection (closed with the hall's clients), signed in as ``role`` if given."""
    raw = Raw(await connect(hall.url, proxy=None, compression=None, max_size=2**22))
    hall.clients.append(raw)
    if role is not None:
        welcome = json.loads(await raw.ask("hello", "hello-1", role=role, **hello))
        assert welcome["type"] == "welcome", welcome
        raw.welcome = welcome
    return raw


def ticket_rows(hall: Any) -> list[tuple[str, str]]:
    return hall.server.storage.conn.execute("SELECT number, state FROM tickets ORDER BY id").fetchall()


def event_actions(hall: Any) -> list[tuple[str, str | None]]:
    return hall.server.storage.conn.execute("SELECT action, number FROM events ORDER BY id").fetchall()


# ---------------------------------------------------------------------- hello, for every role
async def test_hello_kiosk_welcome_then_snapshot(hall):
    kiosk = await hall.client()
    welcome = await kiosk.hello("kiosk", **KIOSK)
    assert welcome["type"] == "welcome"
    assert welcome["re"] is not None
    assert welcome["role"] == "kiosk"
    assert welcome["protocol"] == 1
    assert welcome["name"] == "kiosk-1"
    assert welcome["server_time"] == MONDAY_10AM
    assert "session_token" not in welcome
    snap = kiosk.snapshot
    assert snap["type"] == "snapshot"
    assert snap["day"] == "2026-11-23"
    assert snap["hall"]["name"] == {"zh": "测试大厅", "en": "Test Hall"}
    assert [s["service"] for s in snap["services"]] == ["social", "tax", "consult"]
    assert snap["counters"] == []  # a kiosk draws no counters
    assert snap["calls"] == []
    assert "me" not in snap and "warnings" not in snap and "devices" not in snap


async def test_hello_display_sees_only_its_zone(hall):
    display = await hall.client()
    welcome = await display.hello("display", **DISPLAY_2F)
    assert (welcome["role"], welcome["name"]) == ("display", "display-2")
    snap = display.snapshot
    # 2F's own service, and social because 2F's counter 2 serves it too (a zone lists what its counters serve)
    assert [s["service"] for s in snap["services"]] == ["social", "tax"]
    assert [c["counter"] for c in snap["counters"]] == [2]
    assert "warnings" not in snap
    other = await hall.client()
    await other.hello("display", **DISPLAY_2F, zone="1F")  # a display may be told which zone to show
    assert [c["counter"] for c in other.snapshot["counters"]] == [1, 3, 4]


async def test_hello_counter_gets_session_token_and_me(hall):
    counter = await hall.client()
    welcome = await counter.hello("counter", counter=1, clerk="cat", password=PASSWORD)
    assert (welcome["role"], welcome["name"], welcome["counter"]) == ("counter", "cat", 1)
    assert isinstance(welcome["session_token"], str) and len(welcome["session_token"]) >= 24
    snap = counter.snapshot
    assert snap["me"] == {"counter": 1, "clerk": "cat", "clerk_name": {"zh": "cat", "en": "cat"}, "served": []}
    assert isinstance(snap["warnings"], list) and snap["devices"] == []
    view = next(c for c in snap["counters"] if c["counter"] == 1)
    assert view["clerk"] == "cat" and view["current"] is None
    rows = hall.server.storage.conn.execute("SELECT counter, clerk, signed_out_at FROM counter_sessions").fetchall()
    assert rows == [(1, "cat", None)]
    # the token is stored only as a hash
    (digest,) = hall.server.storage.conn.execute("SELECT token_hash FROM counter_sessions").fetchone()
    assert digest != welcome["session_token"]


async def test_hello_supervisor(hall):
    sup = await hall.client()
    welcome = await sup.hello("supervisor", clerk="sue", password=PASSWORD)
    assert (welcome["role"], welcome["name"]) == ("supervisor", "sue")
    assert "counter" not in welcome and welcome["session_token"]  # the console keeps it to resume
    assert isinstance(sup.snapshot["warnings"], list)
    assert "me" not in sup.snapshot


# ---------------------------------------------------------------------- queries
async def test_ping_answers_server_time(hall):
    kiosk = await hall.kiosk()
    assert await kiosk.request("ping") == {"server_time": MONDAY_10AM}
    hall.clock.advance(90)
    answer = await kiosk.call("ping", request_id="p-1")
    assert answer == {"type": "result", "re": "p-1", "data": {"server_time": MONDAY_10AM + 90}}


async def test_snapshot_request_resends_snapshot(hall):
    kiosk = await hall.kiosk()
    first = kiosk.snapshot
    await kiosk.request("issue", service="social")
    hall.clock.advance(30)
    data = await kiosk.request("snapshot")
    assert isinstance(data["seq"], int)
    assert kiosk.snapshot is not first
    assert kiosk.snapshot["server_time"] == MONDAY_10AM + 30
    assert kiosk.snapshot["seq"] == data["seq"]
    social = next(s for s in kiosk.snapshot["services"] if s["service"] == "social")
    assert (social["waiting"], social["issued"], social["next"]) == (1, 1, ["A001"])


async def test_ticket_query_for_each_role(hall):
    kiosk = await hall.kiosk()
    await kiosk.request("issue", service="social")
    data = await kiosk.request("ticket", number="a001")  # case and spaces do not matter
    assert data["ticket"]["number"] == "A001"
    assert data["ticket"]["state"] == "waiting"
    assert data["ticket"]["ahead"] == 0
    assert isinstance(data["ticket"]["estimated_wait_s"], int)
    assert "journey" not in data  # visitors see the ticket, not who handled it

    counter = await hall.counter(1)
    await counter.request("call_next")
    data = await counter.request("ticket", number="A001")
    assert data["ticket"]["state"] == "called" and "ahead" not in data["ticket"]
    assert [(j["action"], j["counter"], j["clerk"]) for j in data["journey"]] == [
        ("issue", None, None),
        ("call", 1, "cat"),
    ]
    sup = await hall.supervisor()
    data = await sup.request("ticket", number="A001")
    assert [j["action"] for j in data["journey"]] == ["issue", "call"]


# ---------------------------------------------------------------------- kiosk requests
async def test_issue_answer_shape_and_numbering(hall):
    kiosk = await hall.kiosk()
    first = await kiosk.request("issue", service="social")
    assert set(first) == {"ticket", "ahead", "estimated_wait_s", "day", "status_key"}
    assert first["day"] == "2026-11-23"
    t = first["ticket"]
    assert (t["number"], t["service"], t["priority"], t["state"]) == ("A001", "social", "normal", "waiting")
    assert t["issued_at"] == MONDAY_10AM
    assert t["counters_open"] == 0
    assert first["ahead"] == 0
    second = await kiosk.request("issue", service="social")
    assert second["ticket"]["number"] == "A002"
    assert second["ahead"] == 1
    tax = await kiosk.request("issue", service="tax")
    assert tax["ticket"]["number"] == "B001" and tax["ahead"] == 0
    assert ticket_rows(hall) == [("A001", "waiting"), ("A002", "waiting"), ("B001", "waiting")]


async def test_issue_green_priority_goes_first(desk_hall):
    hall = desk_hall
    kiosk, desk = await hall.desk()  # green channel: the guide desk, opened with its PIN (test_privileges.py)
    await kiosk.request("issue", service="social")
    green = await kiosk.request("issue", service="social", priority="green", desk=desk)
    assert green["ticket"]["number"] == "A002"
    assert green["ticket"]["priority"] == "green"
    assert green["ahead"] == 0  # priority tickets are not behind ordinary ones
    counter = await hall.counter(1)
    called = await counter.request("call_next")
    assert called["ticket"]["number"] == "A002"


async def test_issue_priority_not_allowed(desk_hall):
    hall = desk_hall
    kiosk, desk = await hall.desk()
    before = stored(hall)
    answer = await kiosk.call("issue", request_id="g-1", service="consult", priority="green", desk=desk)
    await assert_refused(hall, kiosk, answer, "priority_not_allowed", before, re="g-1")
    assert answer["details"] == {"service": "consult"}
    normal = await kiosk.request("issue", service="consult")
    assert normal["ticket"]["number"] == "C001"


async def test_device_status(hall):
    sup = await hall.supervisor()
    seen = collect(sup)
    kiosk = await hall.kiosk()
    assert await kiosk.request("device_status", state="fault", code="printer.out_of_paper", detail="paper out") == {}
    event = (await wait_for(lambda: of_topic(seen, "journal", "device_fault")))[0]
    assert event["data"]["detail"] == {"device": "kiosk-1", "role": "kiosk", "detail": "paper out"}
    assert event["data"]["reason"] == "printer.out_of_paper"
    status = (await wait_for(lambda: of_topic(seen, "devices")))[0]["data"]
    assert (status["device"], status["state"], status["detail"]) == ("kiosk-1", "fault", "paper out")
    assert status["text"] == {"zh": "打印机缺纸", "en": "Printer out of paper"}
    display = await hall.display()
    assert await display.request("device_status", state="ok") == {}
    await sup.request("snapshot")
    devices = {d["device"]: d for d in sup.snapshot["devices"]}
    assert devices["kiosk-1"]["state"] == "fault" and devices["kiosk-1"]["detail"] == "paper out"
    assert devices["kiosk-1"]["role"] == "kiosk"
    assert devices["display-1"]["state"] == "ok"
    assert ("device_fault", None) in event_actions(hall)


# ---------------------------------------------------------------------- counter requests
async def test_call_recall_start_finish(hall):
    kiosk = await hall.kiosk()
    await kiosk.request("issue", service="social")
    counter = await hall.counter(1)
    hall.clock.advance(60)
    called = (await counter.request("call_next"))["ticket"]
    assert (called["number"], called["state"], called["counter"], called["clerk"]) == ("A001", "called", 1, "cat")
    assert called["called_at"] == MONDAY_10AM + 60
    recalled = (await counter.request("recall"))["ticket"]
    assert recalled["recalls"] == 1 and recalled["state"] == "called"
    hall.clock.advance(20)
    serving = (await counter.request("start"))["ticket"]
    assert serving["state"] == "serving" and serving["serving_at"] == MONDAY_10AM + 80
    hall.clock.advance(200)
    done = (await counter.request("finish"))["ticket"]
    assert done["state"] == "done" and done["finished_at"] == MONDAY_10AM + 280
    assert hall.hub.counter_view(1).current is None
    assert hall.hub.counter_view(1).served_today == 1
    assert [a for a, _ in event_actions(hall)] == ["issue", "sign_in", "call", "recall", "serve", "finish"]


async def test_no_show_and_put_back_by_counter_and_supervisor(hall):
    kiosk = await hall.kiosk()
    for _ in range(3):
        await kiosk.request("issue", service="social")
    counter = await hall.counter(1)
    await counter.request("call_next")
    gone = (await counter.request("no_show"))["ticket"]
    assert (gone["number"], gone["state"]) == ("A001", "no_show")
    back = (await counter.request("put_back", number="A001", places=0))["ticket"]
    assert (back["state"], back["putbacks"], back["counter"]) == ("waiting", 1, None)
    assert hall.hub.state.queue_figures("social").next == ["A002", "A003", "A001"]

    await counter.request("call_next")
    await counter.request("no_show")  # A002
    sup = await hall.supervisor()
    back = (await sup.request("put_back", number="A002"))["ticket"]
    assert back["number"] == "A002" and back["state"] == "waiting"
    # the putback is journaled with the supervisor's name, and no counter
    row = hall.server.storage.conn.execute(
        "SELECT counter, clerk FROM events WHERE action = 'put_back' AND number = 'A002'"
    ).fetchone()
    assert row == (None, "sue")


async def test_transfer_to_service_and_to_counter(hall):
    kiosk = await hall.kiosk()
    await kiosk.request("issue", service="social")
    c1 = await hall.counter(1, "cat")
    c3 = await hall.counter(3, "dan")
    await c1.request("call_next")
    moved = (await c1.request("transfer", service="consult", reason="needs advice"))["ticket"]
    assert (moved["number"], moved["service"], moved["state"], moved["transfers"]) == (
        "A001",
        "consult",
        "waiting",
        1,
    )
    assert moved["issued_at"] == MONDAY_10AM  # keeps its original issue time
    assert hall.hub.counter_view(1).current is None
    called = (await c3.request("call_next"))["ticket"]
    assert called["number"] == "A001" and called["counter"] == 3

    await kiosk.request("issue", service="tax")  # B001, waiting before A001 comes to counter 2
    c2 = await hall.counter(2, "bob")
    sent = (await c3.request("transfer", to_counter=2))["ticket"]
    assert sent["target_counter"] == 2 and sent["state"] == "waiting" and sent["transfers"] == 2
    assert hall.hub.counter_view(2).targeted == ["A001"]
    got = (await c2.request("call_next"))["ticket"]
    assert got["number"] == "A001"  # sent here by name: before the tax queue
    assert got["target_counter"] is None
    (detail,) = hall.server.storage.conn.execute(
        "SELECT detail FROM events WHERE action = 'transfer' ORDER BY id DESC LIMIT 1"
    ).fetchone()
    assert json.loads(detail) == {"from_service": "consult", "to_service": "consult", "to_counter": 2}


async def test_hold_and_call_back(hall):
    kiosk = await hall.kiosk()
    await kiosk.request("issue", service="social")
    await kiosk.request("issue", service="social")
    counter = await hall.counter(1)
    await counter.request("call_next")
    held = (await counter.request("hold", reason="fetching ID"))["ticket"]
    assert (held["number"], held["state"]) == ("A001", "held")
    assert hall.hub.counter_view(1).held == ["A001"]
    assert hall.hub.counter_view(1).current is None
    await counter.request("call_next")  # A002 meanwhile
    await counter.request("finish")
    back = (await counter.request("call_back", number="A001"))["ticket"]
    assert (back["number"], back["state"], back["counter"]) == ("A001", "called", 1)
    assert hall.hub.counter_view(1).held == []


async def test_call_number_out_of_order(hall):
    kiosk = await hall.kiosk()
    await kiosk.request("issue", service="social")
    await kiosk.request("issue", service="social")
    counter = await hall.counter(1)
    called = (await counter.request("call_number", number="A002"))["ticket"]
    assert (called["number"], called["state"]) == ("A002", "called")
    assert hall.hub.state.queue_figures("social").next == ["A001"]
    assert ("call_number", "A002") in event_actions(hall)


async def test_cancel_by_counter_and_supervisor(hall):
    kiosk = await hall.kiosk()
    for _ in range(2):
        await kiosk.request("issue", service="social")
    counter = await hall.counter(1)
    gone = (await counter.request("cancel", number="A001", reason="left"))["ticket"]
    assert (gone["number"], gone["state"]) == ("A001", "cancelled")
    sup = await hall.supervisor()
    gone = (await sup.request("cancel", number="A002"))["ticket"]
    assert gone["state"] == "cancelled"
    assert hall.hub.state.queue_figures("social").waiting == 0
    assert ticket_rows(hall) == [("A001", "cancelled"), ("A002", "cancelled")]


async def test_pause_and_resume(hall):
    counter = await hall.counter(1)
    assert await counter.request("pause", reason="lunch") == {}
    view = hall.hub.counter_view(1)
    assert view.paused is True and view.pause_reason == "lunch" and view.paused_at == MONDAY_10AM
    hall.clock.advance(600)
    assert await counter.request("resume") == {}
    assert hall.hub.counter_view(1).paused is False
    rows = hall.server.storage.conn.execute(
        "SELECT counter, clerk, reason, started_at, ended_at FROM pauses"
    ).fetchall()
    assert rows == [(1, "cat", "lunch", MONDAY_10AM, MONDAY_10AM + 600)]


async def test_sign_out_frees_the_connection_for_a_new_hello(hall):
    counter = await hall.counter(1)
    assert await counter.request("sign_out") == {}
    assert hall.hub.counter_view(1).clerk is None
    row = hall.server.storage.conn.execute("SELECT signed_out_at, end_reason FROM counter_sessions").fetchone()
    assert row == (MONDAY_10AM, "signed out")
    # the connection stays open but must say hello again before it may act
    before = stored(hall)
    answer = await counter.call("call_next", request_id="after-out")
    await assert_refused(hall, counter, answer, "session_ended", before, re="after-out", alive=False)
    assert not any(c.name == "cat" for c in hall.hub.clients)
    welcome = await counter.hello("counter", counter=3, clerk="cat", password=PASSWORD)
    assert welcome["counter"] == 3


async def test_force_sign_out_by_supervisor_ends_the_session(hall):
    counter = await hall.counter(1)
    seen = collect(counter)
    sup = await hall.supervisor()
    assert await sup.request("force_sign_out", counter=1, reason="left without signing out") == {}
    ended = (await wait_for(lambda: of_topic(seen, "session", "ended")))[0]
    assert ended["data"] == {"counter": 1, "reason": "left without signing out"}
    assert hall.hub.counter_view(1).clerk is None
    row = hall.server.storage.conn.execute("SELECT signed_out_at, end_reason FROM counter_sessions").fetchone()
    assert row == (MONDAY_10AM, "left without signing out")

    # the clerk's program can no longer act: session_ended, nothing changes, the link stays up
    kiosk = await hall.kiosk()
    await kiosk.request("issue", service="social")
    before = stored(hall)
    for n in range(2):
        answer = await counter.call("call_next", request_id=f"late-{n}")
        await assert_refused(hall, counter, answer, "session_ended", before, re=f"late-{n}", alive=False)
    assert not any(c.name == "cat" for c in hall.hub.clients)
    welcome = await counter.hello("counter", counter=1, clerk="cat", password=PASSWORD)
    assert welcome["counter"] == 1
    assert (await counter.request("call_next"))["ticket"]["number"] == "A001"


async def test_force_sign_out_returns_the_ticket_to_its_place(hall):
    kiosk = await hall.kiosk()
    await kiosk.request("issue", service="social")
    await kiosk.request("issue", service="social")
    counter = await hall.counter(1)
    await counter.request("call_next")
    await counter.request("start")
    sup = await hall.supervisor()
    assert await sup.request("force_sign_out", counter=1) == {}
    view = hall.hub.counter_view(1)
    assert view.clerk is None and view.current is None
    ticket = (await sup.request("ticket", number="A001"))["ticket"]
    assert (ticket["state"], ticket["counter"], ticket["called_at"]) == ("waiting", None, None)
    assert hall.hub.state.queue_figures("social").next == ["A001", "A002"]
    assert [a for a, n in event_actions(hall) if n == "A001"] == ["issue", "call", "serve", "requeue"]


async def test_connection_can_sign_in_again_right_after_its_session_was_ended(hall):
    """A connection whose sign-in a supervisor ended must say hello again, and its very first
    message may be that hello (the counter program reacts to the ``session ended`` event)."""
    counter = await hall.counter(1)
    sup = await hall.supervisor()
    await sup.request("force_sign_out", counter=1)
    answer = await counter.call("hello", role="counter", counter=1, clerk="cat", password=PASSWORD)
    assert answer["type"] == "welcome", answer
    assert hall.hub.counter_view(1).clerk == "cat"
    assert any(c.name == "cat" for c in hall.hub.clients)


async def test_first_request_after_the_session_ended_is_refused(hall):
    """Until it says hello again, an ended connection is answered session_ended — even a query,
    and even when it is the first message since the supervisor's sign-out."""
    kiosk = await hall.kiosk()
    await kiosk.request("issue", service="social")
    counter = await hall.counter(1)
    sup = await hall.supervisor()
    await sup.request("force_sign_out", counter=1)
    answer = await counter.call("ticket", request_id="q-1", number="A001")
    assert answer["type"] == "error" and answer["code"] == "session_ended", answer


# ---------------------------------------------------------------------- malformed messages
MALFORMED = [
    pytest.param("{not json", "bad_json", None, None, id="bad_json"),
    pytest.param(b"\xff\xfe{", "bad_json", None, None, id="bad_json-binary"),
    pytest.param("[1, 2, 3]", "bad_message", None, None, id="array"),
    pytest.param('"issue"', "bad_message", None, None, id="string"),
    pytest.param('{"id": "m-0"}', "bad_message", "m-0", "type", id="no-type"),
    pytest.param('{"type": "shout", "id": "m-1"}', "unknown_type", "m-1", "type", id="unknown_type"),
    pytest.param('{"type": "ticket", "id": "m-2"}', "bad_field", "m-2", "number", id="missing-field"),
    pytest.param('{"type": "ticket", "id": "m-3", "number": 7}', "bad_field", "m-3", "number", id="wrong-type"),
    pytest.param(
        '{"type": "issue", "id": "m-4", "service": "social", "priority": "vip"}',
        "bad_field",
        "m-4",
        "priority",
        id="bad-enum",
    ),
    pytest.param('{"type": "issue", "id": "m-5", "service": 3}', "bad_field", "m-5", "service", id="issue-int"),
    pytest.param(
        '{"type": "issue", "id": "m-6", "service": "social", "copies": 2}', "bad_field", "m-6", "copies", id="unknown"
    ),
    pytest.param('{"type": "ping", "id": 42}', "bad_field", None, "id", id="id-not-string"),
    pytest.param('{"type": "issue", "service": "social"}', "bad_field", None, "id", id="no-id"),
]


@pytest.mark.parametrize(("frame", "code", "re", "field"), MALFORMED)
async def test_malformed_message_is_answered_and_changes_nothing(hall, frame, code, re, field):
    kiosk = await hall.kiosk()
    seen = collect(kiosk)
    before = stored(hall)
    await kiosk.send_raw(frame)
    error = await next_error(seen)
    await assert_refused(hall, kiosk, error, code, before, re=re, field=field)
    if field is not None and code == "bad_field":
        assert field in error["message_zh"]  # the Chinese text names the field too
    assert (await kiosk.request("issue", service="social"))["ticket"]["number"] == "A001"


async def test_malformed_before_hello_then_hello_works(hall):
    client = await hall.client()
    seen = collect(client)
    await client.send_raw("{{{")
    error = await next_error(seen)
    assert error["code"] == "bad_json" and error["re"] is None
    welcome = await client.hello("kiosk", **KIOSK)
    assert welcome["role"] == "kiosk"


async def test_pause_reason_must_not_be_empty(hall):
    counter = await hall.counter(1)
    before = stored(hall)
    answer = await counter.call("pause", request_id="ps-1", reason="")
    await assert_refused(hall, counter, answer, "bad_field", before, re="ps-1", field="reason")


async def test_frame_over_the_message_limit_is_refused_and_link_survives(hall):
    limit = hall.server.config.server.max_message_bytes
    assert limit < 1024 * 1024
    kiosk = await hall.kiosk()
    seen = collect(kiosk)
    before = stored(hall)
    frame = json.dumps({"type": "issue", "id": "big-1", "service": "social", "note": "x" * (limit + 10)})
    await kiosk.send_raw(frame)
    error = await next_error(seen)
    await assert_refused(hall, kiosk, error, "too_large", before)
    assert str(limit) in error["message"]
    assert (await kiosk.request("issue", service="social"))["ticket"]["number"] == "A001"


async def test_message_limit_counts_bytes_not_characters(hall):
    """max_message_bytes is a byte limit: 6,000 Chinese characters are 18,000 bytes of UTF-8."""
    limit = hall.server.config.server.max_message_bytes
    kiosk = await hall.kiosk()
    seen = collect(kiosk)
    before = stored(hall)
    text = "测" * (limit // 3 + 500)
    frame = json.dumps({"type": "ping", "id": "wide-1", "note": text}, ensure_ascii=False)
    assert len(frame) < limit < len(frame.encode())
    await kiosk.send_raw(frame)
    error = await next_error(seen)
    await assert_refused(hall, kiosk, error, "too_large", before)


async def test_frame_over_one_mebibyte_closes_only_that_connection(hall):
    bystander = await hall.kiosk()
    greedy = await hall.kiosk()
    await greedy.request("issue", service="social")
    before = stored(hall)
    await greedy.send_raw("x" * (1024 * 1024 + 100))
    await asyncio.wait_for(greedy.closed.wait(), 5)
    assert greedy.ws is not None and greedy.ws.close_code == 1009
    await wait_for(lambda: sum(c.role == "kiosk" for c in hall.hub.clients) == 1)
    assert stored(hall) == before
    assert await bystander.request("ping") == {"server_time": MONDAY_10AM}
    assert (await bystander.request("issue", service="social"))["ticket"]["number"] == "A002"
    fresh = await hall.kiosk()
    assert (await fresh.request("ticket", number="A001"))["ticket"]["state"] == "waiting"


# ---------------------------------------------------------------------- hello and roles
async def test_hello_required_before_anything_else(hall):
    client = await hall.client()
    before = stored(hall)
    for kind, fields in (("ping", {}), ("issue", {"service": "social"}), ("call_next", {})):
        answer = await client.call(kind, request_id=f"h-{kind}", **fields)
        assert answer["type"] == "error" and answer["code"] == "hello_required", answer
        assert answer["re"] == f"h-{kind}"
    assert stored(hall) == before
    await client.hello("kiosk", **KIOSK)
    assert (await client.request("issue", service="social"))["ticket"]["number"] == "A001"


async def test_already_authenticated(hall):
    kiosk = await hall.kiosk()
    before = stored(hall)
    answer = await kiosk.call("hello", request_id="again", role="counter", counter=1, clerk="cat", password=PASSWORD)
    await assert_refused(hall, kiosk, answer, "already_authenticated", before, re="again")
    # still the kiosk it was, and no counter session was opened
    assert (await kiosk.request("issue", service="social"))["ticket"]["number"] == "A001"
    assert hall.hub.counter_view(1).clerk is None


@pytest.mark.parametrize(
    ("role", "kind", "fields"),
    [
        ("display", "call_next", {}),
        ("display", "issue", {"service": "social"}),
        ("kiosk", "call_next", {}),
        ("kiosk", "cancel", {"number": "A001"}),
        ("kiosk", "force_sign_out", {"counter": 1}),
        ("counter", "issue", {"service": "social"}),
        ("counter", "force_sign_out", {"counter": 1}),
        ("supervisor", "call_next", {}),
        ("supervisor", "issue", {"service": "social"}),
    ],
)
async def test_forbidden_for_role(hall, role, kind, fields):
    kiosk = await hall.kiosk()
    await kiosk.request("issue", service="social")
    clients = {
        "kiosk": kiosk,
        "display": await hall.display(),
        "counter": await hall.counter(1),
        "supervisor": None,
    }
    sender = clients[role] or await hall.supervisor()
    before = stored(hall)
    answer = await sender.call(kind, request_id="nope", **fields)
    await assert_refused(hall, sender, answer, "forbidden", before, re="nope")
    assert answer["details"] == {"role": role}
    assert kind in answer["message"]


async def test_protocol_version_mismatch(hall):
    client = await hall.client()
    answer = await client.call("hello", request_id="v2", role="kiosk", protocol=2, **KIOSK)
    assert answer["type"] == "error" and answer["code"] == "protocol_version" and answer["re"] == "v2"
    assert "1" in answer["message"] and "2" in answer["message"]
    assert not any(c.role == "kiosk" for c in hall.hub.clients)
    # the same connection may then speak the right version
    welcome = await client.hello("kiosk", **KIOSK)
    assert welcome["protocol"] == 1


# ---------------------------------------------------------------------- authentication failures
async def _timed_hello(client: HallClient, request_id: str, **fields: Any) -> tuple[dict[str, Any], float]:
    started = time.perf_counter()
    answer = await client.call("hello", request_id=request_id, **fields)
    return answer, time.perf_counter() - started


async def test_auth_failures_look_alike_and_get_slower(hall):
    client = await hall.client()
    before = stored(hall)
    bad_token, t1 = await _timed_hello(client, "a-1", role="kiosk", device="kiosk-1", token="guess")
    bad_password, _ = await _timed_hello(client, "a-2", role="counter", counter=1, clerk="cat", password="wrong99")
    no_such_clerk, t3 = await _timed_hello(client, "a-3", role="counter", counter=1, clerk="zed", password=PASSWORD)
    answers = [bad_token, bad_password, no_such_clerk]
    for n, answer in enumerate(answers, 1):
        assert answer["type"] == "error" and answer["code"] == "auth_failed" and answer["re"] == f"a-{n}"
        assert "field" not in answer and "details" not in answer  # nothing says which part was wrong
    assert len({(a["message"], a["message_zh"], tuple(sorted(a))) for a in answers}) == 1
    # the throttle: 0.5 s after the first failure, 2 s after the third
    assert t1 >= 0.45
    assert t3 >= 1.95 and t3 - t1 >= 0.9  # both include one password hash
    assert stored(hall) == before
    assert not hall.hub.clients
    welcome = await client.hello("kiosk", **KIOSK)  # the connection is still usable
    assert welcome["name"] == "kiosk-1"


async def test_a_display_token_does_not_open_a_kiosk(hall):
    client = await hall.client()
    answer = await client.call("hello", role="kiosk", device="display-1", token="display-token-1")
    assert answer["type"] == "error" and answer["code"] == "auth_failed"
    assert not hall.hub.clients


async def test_supervisor_hello_needs_a_supervisor(hall):
    client = await hall.client()
    answer = await client.call("hello", role="supervisor", clerk="ann", password=PASSWORD)
    assert answer["code"] == "auth_failed"
    assert not hall.hub.clients


async def test_a_success_elsewhere_does_not_reset_the_address_throttle(hall):
    """Failures are counted per name *and* per address; a success should clear only the name's
    count, or anyone holding one valid credential (a kiosk's token sits on the kiosk) can keep
    guessing other clerks' passwords from the same machine at full speed."""
    guesser = await hall.client()
    first, t1 = await _timed_hello(guesser, "g-1", role="counter", counter=1, clerk="dan", password="guess-1")
    assert first["code"] == "auth_failed"
    await hall.kiosk()  # a valid sign-in from the same address
    second, t2 = await _timed_hello(guesser, "g-2", role="counter", counter=1, clerk="cat", password="guess-2")
    assert second["code"] == "auth_failed"
    assert t1 >= 0.45
    # the address has failed twice now: 1 s, not 0.5 s again (both times include one hash)
    assert t2 - t1 >= 0.3, (t1, t2)


# ---------------------------------------------------------------------- queue rule refusals
async def test_wrong_state(hall):
    kiosk = await hall.kiosk()
    await kiosk.request("issue", service="social")
    counter = await hall.counter(1)
    await counter.request("call_next")
    await counter.request("start")
    before = stored(hall)
    answer = await counter.call("start", request_id="ws-1")
    await assert_refused(hall, counter, answer, "wrong_state", before, re="ws-1")
    assert answer["details"] == {"number": "A001", "state": "serving"}
    answer = await counter.call("cancel", request_id="ws-2", number="A001")
    await assert_refused(hall, counter, answer, "wrong_state", before, re="ws-2")
    answer = await counter.call("recall", request_id="ws-3")  # only a called ticket is recalled
    await assert_refused(hall, counter, answer, "wrong_state", before, re="ws-3")
    sup = await hall.supervisor()
    answer = await sup.call("put_back", request_id="ws-4", number="A001")  # not a no-show
    await assert_refused(hall, sup, answer, "wrong_state", before, re="ws-4")


async def test_unknown_ticket(hall):
    kiosk = await hall.kiosk()
    counter = await hall.counter(1)
    before = stored(hall)
    answer = await kiosk.call("ticket", request_id="u-1", number="Z999")
    await assert_refused(hall, kiosk, answer, "unknown_ticket", before, re="u-1")
    assert answer["details"] == {"number": "Z999"}
    answer = await counter.call("cancel", request_id="u-2", number="A042")
    await assert_refused(hall, counter, answer, "unknown_ticket", before, re="u-2")
    answer = await counter.call("call_number", request_id="u-3", number="A042")
    await assert_refused(hall, counter, answer, "unknown_ticket", before, re="u-3")


async def test_unknown_counter(hall):
    kiosk = await hall.kiosk()
    await kiosk.request("issue", service="social")
    counter = await hall.counter(1)
    await counter.request("call_next")
    sup = await hall.supervisor()
    before = stored(hall)
    answer = await counter.call("transfer", request_id="uc-1", to_counter=99)
    await assert_refused(hall, counter, answer, "unknown_counter", before, re="uc-1")
    assert answer["details"] == {"counter": 99}
    answer = await sup.call("force_sign_out", request_id="uc-2", counter=99)
    await assert_refused(hall, sup, answer, "unknown_counter", before, re="uc-2")
    stranger = await hall.client()
    answer = await stranger.call("hello", request_id="uc-3", role="counter", counter=99, clerk="cat", password=PASSWORD)
    assert answer["code"] == "unknown_counter" and answer["re"] == "uc-3"
    assert stored(hall) == before


async def test_unknown_service(hall):
    kiosk = await hall.kiosk()
    await kiosk.request("issue", service="social")
    counter = await hall.counter(1)
    await counter.request("call_next")
    before = stored(hall)
    answer = await kiosk.call("issue", request_id="us-1", service="passport")
    await assert_refused(hall, kiosk, answer, "unknown_service", before, re="us-1")
    assert answer["details"] == {"service": "passport"}
    answer = await counter.call("transfer", request_id="us-2", service="passport")
    await assert_refused(hall, counter, answer, "unknown_service", before, re="us-2")


async def test_transfer_needs_exactly_one_destination(hall):
    kiosk = await hall.kiosk()
    await kiosk.request("issue", service="social")
    counter = await hall.counter(1)
    await counter.request("call_next")
    before = stored(hall)
    answer = await counter.call("transfer", request_id="t-1")
    await assert_refused(hall, counter, answer, "bad_field", before, re="t-1", field="service")
    answer = await counter.call("transfer", request_id="t-2", service="tax", to_counter=2)
    await assert_refused(hall, counter, answer, "bad_field", before, re="t-2", field="service")
    answer = await counter.call("transfer", request_id="t-3", to_counter=1)
    await assert_refused(hall, counter, answer, "bad_field", before, re="t-3", field="to_counter")


async def test_counter_busy(hall):
    kiosk = await hall.kiosk()
    await kiosk.request("issue", service="social")
    await kiosk.request("issue", service="social")
    counter = await hall.counter(1)
    await counter.request("call_next")
    before = stored(hall)
    answer = await counter.call("call_next", request_id="b-1")
    await assert_refused(hall, counter, answer, "counter_busy", before, re="b-1")
    assert answer["details"] == {"number": "A001"}
    answer = await counter.call("call_number", request_id="b-2", number="A002")
    await assert_refused(hall, counter, answer, "counter_busy", before, re="b-2")
    answer = await counter.call("sign_out", request_id="b-3")
    await assert_refused(hall, counter, answer, "counter_busy", before, re="b-3")
    assert hall.hub.counter_view(1).clerk == "cat"  # a refused sign_out leaves the clerk signed in
    assert (await counter.request("finish"))["ticket"]["number"] == "A001"


async def test_queue_empty(hall):
    kiosk = await hall.kiosk()
    await kiosk.request("issue", service="tax")  # counter 3 serves only consultations
    counter = await hall.counter(3)
    before = stored(hall)
    answer = await counter.call("call_next", request_id="e-1")
    await assert_refused(hall, counter, answer, "queue_empty", before, re="e-1")
    assert answer["details"] == {"counter": 3}


async def test_recall_limit(hall):
    kiosk = await hall.kiosk()
    await kiosk.request("issue", service="social")
    counter = await hall.counter(1)
    await counter.request("call_next")
    assert (await counter.request("recall"))["ticket"]["recalls"] == 1
    assert (await counter.request("recall"))["ticket"]["recalls"] == 2
    before = stored(hall)
    answer = await counter.call("recall", request_id="r-3")
    await assert_refused(hall, counter, answer, "recall_limit", before, re="r-3")
    assert answer["details"] == {"number": "A001"}


async def test_daily_cap_reached(hall):
    kiosk = await hall.kiosk()
    for n in range(1, 6):  # tax issues 5 tickets a day
        assert (await kiosk.request("issue", service="tax"))["ticket"]["number"] == f"B00{n}"
    before = stored(hall)
    answer = await kiosk.call("issue", request_id="cap-6", service="tax")
    await assert_refused(hall, kiosk, answer, "daily_cap_reached", before, re="cap-6")
    assert (await kiosk.request("issue", service="social"))["ticket"]["number"] == "A001"


async def test_other_queue_refusals(hall):
    kiosk = await hall.kiosk()
    await kiosk.request("issue", service="tax")
    await kiosk.request("issue", service="social")
    counter = await hall.counter(3)  # consultations only
    sup = await hall.supervisor()
    before = stored(hall)
    checks = [
        (counter, "finish", {}, "no_current_ticket"),
        (counter, "resume", {}, "not_paused"),
        (counter, "call_number", {"number": "B001"}, "not_your_service"),
        (sup, "force_sign_out", {"counter": 2}, "not_signed_in"),
        (counter, "cancel", {"number": "A001"}, "not_your_service"),
    ]
    for n, (sender, kind, fields, code) in enumerate(checks):
        answer = await sender.call(kind, request_id=f"o-{n}", **fields)
        await assert_refused(hall, sender, answer, code, before, re=f"o-{n}")
    await counter.request("pause", reason="meeting")
    before = stored(hall)
    for n, (kind, fields) in enumerate((("call_next", {}), ("pause", {"reason": "again"}))):
        answer = await counter.call(kind, request_id=f"p-{n}", **fields)
        await assert_refused(hall, counter, answer, "counter_paused", before, re=f"p-{n}")


async def test_putback_limit(hall):
    kiosk = await hall.kiosk()
    await kiosk.request("issue", service="social")
    counter = await hall.counter(1)
    await counter.request("call_next")
    await counter.request("no_show")
    await counter.request("put_back", number="A001")
    hall.clock.advance(61)  # past the put-back cool-down
    assert (await counter.request("call_next"))["ticket"]["number"] == "A001"
    await counter.request("no_show")
    before = stored(hall)
    answer = await counter.call("put_back", request_id="pb-2", number="A001")
    await assert_refused(hall, counter, answer, "putback_limit", before, re="pb-2")


async def test_session_ended_refusals_change_nothing(hall):
    kiosk = await hall.kiosk()
    await kiosk.request("issue", service="social")
    counter = await hall.counter(1)
    sup = await hall.supervisor()
    await sup.request("force_sign_out", counter=1)
    before = stored(hall)
    for n, (kind, fields) in enumerate(
        (("call_next", {}), ("pause", {"reason": "x"}), ("cancel", {"number": "A001"}), ("sign_out", {}), ("ping", {}))
    ):
        answer = await counter.call(kind, request_id=f"se-{n}", **fields)
        await assert_refused(hall, counter, answer, "session_ended", before, re=f"se-{n}", alive=False)
    with pytest.raises(RequestFailed) as failed:
        await counter.request("call_next")
    assert failed.value.code == "session_ended"
    assert (await kiosk.request("ticket", number="A001"))["ticket"]["state"] == "waiting"
    welcome = await counter.hello("counter", counter=1, clerk="cat", password=PASSWORD)
    assert welcome["counter"] == 1
