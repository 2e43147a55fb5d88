"""The clients' one mirror of the hall (hallcall.mirror), fed by a real server over real
websockets: every role's snapshot decodes into the typed shapes, events fold in, stale and unknown
events are passed over, and the facts a client shows come from the server."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from test_protocol import synced

from hallcall import protocol as p
from hallcall.client import HallClient
from hallcall.mirror import HallMirror, answer


def follow(client: HallClient) -> HallMirror:
    """A mirror fed the client's snapshot, and every message it receives from now on."""
    mirror = HallMirror()
    assert client.snapshot is not None
    mirror.apply(client.snapshot)
    client.listeners.append(mirror.apply)
    return mirror


@pytest.mark.parametrize("role", ["kiosk", "display", "counter", "supervisor"])
async def test_every_roles_snapshot_decodes_into_the_typed_shapes(hall, role: str) -> None:
    kiosk = await hall.kiosk()
    await kiosk.request("issue", service="social")
    client = await {"kiosk": hall.kiosk, "display": hall.display, "supervisor": hall.supervisor}.get(
        role, lambda: hall.counter(1)
    )()
    mirror = follow(client)
    assert mirror.loaded and mirror.hall is not None
    assert mirror.services["social"].waiting == 1
    assert mirror.service_info("social").prefix == "A"  # type: ignore[union-attr]
    assert (mirror.device is not None) == (role in ("kiosk", "display"))
    assert (mirror.me is not None) == (role == "counter")
    assert bool(mirror.counters) == (role != "kiosk")
    assert not hasattr(mirror.hall.kiosk, "staff_pin")  # no client gets the guide-desk PIN (the server checks it)


async def test_a_counters_callable_count_follows_a_transfer(hall) -> None:
    """A transfer keeps a ticket's number and changes its service: counter 3 (consult) can call
    A001 after it was sent there, and counter 4 (social) no longer can."""
    kiosk = await hall.kiosk()
    for _ in range(2):
        await kiosk.request("issue", service="social")
    c1, c3, c4 = await hall.counter(1, "cat"), await hall.counter(3, "bob"), await hall.counter(4, "ann")
    mirrors = {n: follow(c) for n, c in ((1, c1), (3, c3), (4, c4))}
    assert (await c1.request("call_next"))["ticket"]["number"] == "A001"
    await c1.request("transfer", service="consult")
    assert (await c1.request("call_next"))["ticket"]["number"] == "A001"  # the oldest, now in consult
    await c1.request("transfer", to_counter=3)
    for c in (c1, c3, c4):
        await synced(c)
    hall.hub.flush_queue()  # as the queue-update timer would
    for c in (c1, c3, c4):
        await synced(c)
    assert mirrors[3].callable[3] == 1
    assert mirrors[3].counters[3].targeted == ["A001"]
    assert mirrors[4].callable[4] == 1  # A002 only
    assert mirrors[3].services["consult"].waiting == 1  # the service's count includes it too


async def test_events_fold_in_and_typed_answers_decode(hall) -> None:
    display = await hall.display()
    mirror = follow(display)
    kiosk = await hall.kiosk()
    issued = answer("issue", await kiosk.request("issue", service="social"))
    assert isinstance(issued, p.IssueAnswer) and issued.ticket.number == "A001" and issued.ahead == 0
    counter = await hall.counter(1)
    called = answer("call_next", await counter.request("call_next"))
    assert called.ticket.state == "called"
    await synced(display)
    assert [c.number for c in mirror.calls] == ["A001"]
    assert mirror.calls[-1].counter_name.en == "Counter 1"
    assert mirror.counters[1].current is not None and mirror.counters[1].current.number == "A001"


def test_stale_unknown_and_malformed_events() -> None:
    mirror = HallMirror()
    event: dict[str, Any] = {
        "type": "event",
        "topic": "notice",
        "name": "notice",
        "seq": 5,
        "data": {"zh": "", "en": ""},
    }
    assert mirror.apply(event) is None  # nothing to fold into before a snapshot
    mirror.loaded, mirror.seq = True, 5
    assert mirror.apply(event) is None  # already in the snapshot
    assert mirror.apply({**event, "seq": 6, "topic": "weather"}) is None  # a newer server's topic
    update = mirror.apply({**event, "seq": 7, "data": {"zh": "暂停", "en": "Closed"}})
    assert update is not None and mirror.notice.en == "Closed" and mirror.seq == 7
    with pytest.raises(msgspec.ValidationError, match="counter"):
        mirror.apply({"type": "event", "topic": "counters", "name": "counter", "seq": 8, "data": {"clerk": None}})
