"""Counter sign-in over real connections: A and B clerks, take-over, resuming with the session token.

Counter 4 of the test hall has ann as its A clerk and bob as the backup (B); counters 1–3 take
anyone.
"""

from __future__ import annotations

from conftest import PASSWORD, wait_for
from test_protocol import stored

from hallcall.client import HallClient


def sessions(hall):
    return hall.server.storage.conn.execute(
        "SELECT counter, clerk, signed_out_at, end_reason FROM counter_sessions ORDER BY id"
    ).fetchall()


async def gone(hall, clerk: str) -> None:
    """Wait until the server has noticed that ``clerk``'s connection closed."""
    await wait_for(lambda: not any(c.name == clerk for c in hall.hub.clients))


async def test_a_clerk_signs_in_at_own_counter(hall):
    ann = await hall.counter(4, "ann")
    assert ann.welcome["counter"] == 4
    assert hall.hub.counter_view(4).clerk == "ann"
    assert sessions(hall) == [(4, "ann", None, None)]


async def test_backup_may_sign_in_when_nobody_is_there(hall):
    bob = await hall.counter(4, "bob")
    assert bob.welcome["counter"] == 4
    assert hall.hub.counter_view(4).clerk == "bob"


async def test_backup_refused_while_a_clerk_is_connected_then_takes_over(hall):
    ann = await hall.counter(4, "ann")
    bob = await hall.client()
    before = stored(hall)
    answer = await bob.call("hello", request_id="b-1", role="counter", counter=4, clerk="bob", password=PASSWORD)
    assert answer["type"] == "error" and answer["code"] == "counter_occupied" and answer["re"] == "b-1"
    assert answer["details"] == {"counter": 4}
    assert stored(hall) == before
    assert hall.hub.counter_view(4).clerk == "ann"
    assert await ann.request("ping")  # ann's link is untouched

    await ann.close()
    await gone(hall, "ann")
    welcome = await bob.hello("counter", counter=4, clerk="bob", password=PASSWORD)
    assert welcome["counter"] == 4
    assert hall.hub.counter_view(4).clerk == "bob"
    rows = sessions(hall)
    assert rows[0][:2] == (4, "ann") and rows[0][2] is not None and rows[0][3] == "taken over by bob"
    assert rows[1] == (4, "bob", None, None)


async def test_clerk_not_assigned_to_the_counter(hall):
    cat = await hall.client()
    before = stored(hall)
    answer = await cat.call("hello", request_id="c-4", role="counter", counter=4, clerk="cat", password=PASSWORD)
    assert answer["type"] == "error" and answer["code"] == "not_allowed_at_counter", answer
    assert answer["details"] == {"counter": 4}
    assert stored(hall) == before
    welcome = await cat.hello("counter", counter=1, clerk="cat", password=PASSWORD)  # elsewhere she may
    assert welcome["counter"] == 1


async def test_resume_with_session_token_keeps_the_current_ticket(hall):
    kiosk = await hall.kiosk()
    await kiosk.request("issue", service="social")
    await kiosk.request("issue", service="social")
    first = await hall.counter(1, "cat")
    token = first.welcome["session_token"]
    await first.request("call_next")
    await first.request("finish")  # A001 served
    await first.request("call_next")  # A002 at the counter when the link drops
    await first.close()
    await gone(hall, "cat")

    again = await hall.client()
    welcome = await again.hello("counter", counter=1, clerk="cat", session_token=token)
    assert welcome["counter"] == 1 and welcome["session_token"] == token
    view = next(c for c in again.snapshot["counters"] if c["counter"] == 1)
    assert view["clerk"] == "cat"
    assert view["current"]["number"] == "A002" and view["current"]["state"] == "called"
    me = again.snapshot["me"]
    assert me["counter"] == 1 and [t["number"] for t in me["served"]] == ["A001"]
    assert sessions(hall) == [(1, "cat", None, None)]  # the same session, not a new one
    done = await again.request("finish")
    assert done["ticket"]["number"] == "A002" and done["ticket"]["state"] == "done"


async def test_wrong_session_token_fails_and_leaves_the_session(hall):
    first = await hall.counter(1, "cat")
    token = first.welcome["session_token"]
    await first.close()
    await gone(hall, "cat")
    other = await hall.counter(3, "dan")
    intruder = await hall.client()
    before = stored(hall)
    answer = await intruder.call("hello", request_id="st-1", role="counter", counter=1, clerk="cat", session_token="x")
    assert answer["type"] == "error" and answer["code"] == "auth_failed" and answer["re"] == "st-1"
    # someone else's token does not work either
    answer = await intruder.call(
        "hello", role="counter", counter=1, clerk="dan", session_token=other.welcome["session_token"]
    )
    assert answer["code"] == "auth_failed"
    assert stored(hall) == before
    back = await hall.client()
    welcome = await back.hello("counter", counter=1, clerk="cat", session_token=token)
    assert welcome["counter"] == 1


async def test_refused_take_over_leaves_the_absent_clerks_session(hall):
    """A refused sign-in must not change anything.  bob may take counter 4 from ann's dropped
    link, but not while he still has a ticket at counter 1 (clerk_busy_elsewhere): ann's session
    must then stay as it is, in memory and in the database, and ann can still resume it."""
    ann = await hall.counter(4, "ann")
    token = ann.welcome["session_token"]
    await ann.close()
    await gone(hall, "ann")
    kiosk = await hall.kiosk()
    await kiosk.request("issue", service="social")
    bob_at_1 = await hall.counter(1, "bob")
    await bob_at_1.request("call_next")
    before = stored(hall)

    bob = await hall.client()
    answer = await bob.call("hello", request_id="to-1", role="counter", counter=4, clerk="bob", password=PASSWORD)
    assert answer["type"] == "error" and answer["code"] == "clerk_busy_elsewhere", answer
    assert answer["details"] == {"counter": 1}
    assert hall.hub.counter_view(4).clerk == "ann"
    assert stored(hall) == before
    back = HallClient(hall.url)
    await back.connect()
    hall.clients.append(back)
    welcome = await back.hello("counter", counter=4, clerk="ann", session_token=token)
    assert welcome["counter"] == 4


async def test_same_clerk_signing_in_again_renews_the_session(hall):
    first = await hall.counter(1, "cat")
    second = await hall.counter(1, "cat")  # e.g. the program restarted and used the password
    assert second.welcome["session_token"] != first.welcome["session_token"]
    assert sessions(hall) == [(1, "cat", None, None)]
    assert await second.request("pause", reason="printer") == {}


async def test_clerk_moving_to_another_counter_closes_the_first_session(hall):
    await hall.counter(1, "cat")
    await hall.counter(3, "cat")
    rows = sessions(hall)
    assert [(r[0], r[1]) for r in rows] == [(1, "cat"), (3, "cat")]
    assert rows[0][3] == "moved to counter 3" and rows[1][2] is None
    assert hall.hub.counter_view(1).clerk is None
