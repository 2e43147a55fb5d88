"""The GUI link: a real server, a real HallLink thread, signals seen on the Qt thread."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from conftest import KIOSK, PASSWORD, LiveHall

from hallcall import protocol as p
from hallcall.gui.link import HallLink
from hallcall.mirror import Update

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def links(qtbot: Any) -> Any:
    made: list[HallLink] = []

    def make(url: str, hello: dict[str, Any], **kw: Any) -> HallLink:
        link = HallLink(url, hello, min_backoff=0.05, max_backoff=0.3, **kw)
        made.append(link)
        return link

    yield make
    for link in made:
        link.stop()


def answers_of(link: HallLink) -> dict[str, dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    link.answered.connect(lambda rid, answer: seen.__setitem__(rid, answer))
    return seen


def test_connects_and_delivers_snapshot_and_answers(live_hall: LiveHall, links: Any, qtbot: Any) -> None:
    link = links(live_hall.url, {"role": "kiosk", "token": KIOSK["token"]})
    answers = answers_of(link)
    states: list[str] = []
    link.state_changed.connect(states.append)
    with qtbot.waitSignal(link.snapshot_received, timeout=5000) as snap:
        link.start()
    assert snap.args[0]["type"] == "snapshot"
    qtbot.waitUntil(lambda: link.state == "connected", timeout=5000)
    assert states[0] == "connecting" and states[-1] == "connected"
    rid = link.request("issue", service="social")
    qtbot.waitUntil(lambda: rid in answers, timeout=5000)
    assert answers[rid]["type"] == "result"
    assert answers[rid]["data"]["ticket"]["number"] == "A001"


def test_events_arrive_on_the_qt_thread(live_hall: LiveHall, links: Any, qtbot: Any) -> None:
    link = links(live_hall.url, {"role": "counter", "counter": 1, "clerk": "ann", "password": PASSWORD})
    events: list[dict[str, Any]] = []
    updates: list[Update] = []
    link.event_received.connect(events.append)
    # The mirror has taken each message in by the time its signals go out.
    link.event_received.connect(lambda e: updates.append(Update("seen", "seq", link.mirror.seq == e["seq"])))
    link.updated.connect(updates.append)
    with qtbot.waitSignal(link.snapshot_received, timeout=5000):
        link.start()
    assert link.mirror.loaded and updates[0].topic == "snapshot"
    kiosk = live_hall.run(live_hall.hall.kiosk())
    live_hall.run(kiosk.request("issue", service="social"))
    link.request("call_next")
    qtbot.waitUntil(lambda: any(e["topic"] == "calls" for e in events), timeout=5000)
    call = next(e for e in events if e["topic"] == "calls")["data"]
    assert (call["number"], call["counter"]) == ("A001", 1)
    typed = next(u.data for u in updates if u.topic == "calls")
    assert isinstance(typed, p.CallView) and (typed.number, typed.counter) == ("A001", 1)
    assert link.mirror.calls[-1] == typed
    assert all(u.data for u in updates if u.topic == "seen")


def test_wrong_password_is_refused_and_retry_with_the_right_one_signs_in(
    live_hall: LiveHall, links: Any, qtbot: Any
) -> None:
    link = links(live_hall.url, {"role": "counter", "counter": 1, "clerk": "ann", "password": "wrong-one"})
    with qtbot.waitSignal(link.refused, timeout=5000) as refusal:
        link.start()
    assert refusal.args[0]["code"] == "auth_failed"
    qtbot.waitUntil(lambda: link.state == "refused", timeout=2000)
    link.set_hello(password=PASSWORD)
    with qtbot.waitSignal(link.welcomed, timeout=8000) as welcome:
        link.retry()
    assert welcome.args[0]["session_token"]
    qtbot.waitUntil(lambda: link.state == "connected", timeout=5000)


def test_reconnects_after_a_restart_and_resumes_the_counter_session(
    live_hall: LiveHall, links: Any, qtbot: Any
) -> None:
    link = links(live_hall.url, {"role": "counter", "counter": 1, "clerk": "ann", "password": PASSWORD})
    with qtbot.waitSignal(link.snapshot_received, timeout=5000):
        link.start()
    kiosk = live_hall.run(live_hall.hall.kiosk())
    live_hall.run(kiosk.request("issue", service="social"))
    answers = answers_of(link)
    rid = link.request("call_next")
    qtbot.waitUntil(lambda: rid in answers, timeout=5000)

    live_hall.restart()
    # The password was replaced by the session token: the resumed session still has A001.
    with qtbot.waitSignal(link.snapshot_received, timeout=10000) as snap:
        pass
    qtbot.waitUntil(lambda: link.state == "connected", timeout=5000)
    mine = next(c for c in snap.args[0]["counters"] if c["counter"] == 1)
    assert mine["clerk"] == "ann"
    assert mine["current"]["number"] == "A001"


def test_a_request_made_while_the_server_is_down_is_sent_once_after_it_returns(
    live_hall: LiveHall, links: Any, qtbot: Any
) -> None:
    link = links(live_hall.url, {"role": "kiosk", "token": KIOSK["token"]})
    answers = answers_of(link)
    with qtbot.waitSignal(link.snapshot_received, timeout=5000):
        link.start()
    live_hall.stop()
    qtbot.waitUntil(lambda: link.state == "reconnecting", timeout=5000)
    rid = link.request("issue", service="social")
    qtbot.wait(300)
    assert rid not in answers
    live_hall.start()
    qtbot.waitUntil(lambda: rid in answers, timeout=10000)
    assert answers[rid]["data"]["ticket"]["number"] == "A001"
    # Exactly one ticket was issued, although the request waited through the outage.
    summary = live_hall.run(live_hall.hall.supervisor()).snapshot["services"]
    assert next(s for s in summary if s["service"] == "social")["issued"] == 1


def test_a_bad_address_is_refused_with_a_clear_answer(links: Any, qtbot: Any) -> None:
    link = links("not-a-url", {"role": "kiosk", "token": "x" * 8})
    with qtbot.waitSignal(link.refused, timeout=5000) as refusal:
        link.start()
    assert refusal.args[0]["code"] == "bad_address"
    assert "not-a-url" in refusal.args[0]["message"]
    # The link's own refusal has the server's error shape, in both languages.
    error = msgspec.convert(refusal.args[0], p.Error)
    assert error.re is None and error.message_zh == "服务器地址无效。"
    assert not link.mirror.loaded


def test_stop_is_prompt_while_the_server_is_unreachable(links: Any, qtbot: Any) -> None:
    link = links("ws://127.0.0.1:9", {"role": "kiosk", "token": "x" * 8})
    states: list[str] = []
    link.state_changed.connect(states.append)
    link.start()
    qtbot.wait(500)  # several failed attempts
    # Never connected yet: "connecting", not "reconnecting" (there was nothing to lose).
    assert states == ["connecting"]
    link.stop()
    assert link.state == "stopped"


def test_a_device_asks_again_after_a_refusal_when_told_to(live_hall: LiveHall, links: Any, qtbot: Any) -> None:
    link = links(live_hall.url, {"role": "kiosk", "token": "wrong-token"}, retry_refused_after=0.2)
    refusals: list[dict[str, Any]] = []
    link.refused.connect(refusals.append)
    link.start()
    qtbot.waitUntil(lambda: len(refusals) >= 2, timeout=5000)
    link.set_hello(token=KIOSK["token"])  # the hall's config is put right
    qtbot.waitUntil(lambda: link.state == "connected", timeout=5000)


def test_the_welcome_comes_before_the_snapshot(live_hall: LiveHall, links: Any, qtbot: Any) -> None:
    link = links(live_hall.url, {"role": "counter", "counter": 1, "clerk": "ann", "password": PASSWORD})
    order: list[str] = []
    link.welcomed.connect(lambda message: order.append("welcome"))
    link.snapshot_received.connect(lambda message: order.append("snapshot"))
    link.state_changed.connect(lambda state: order.append(state))
    link.start()
    qtbot.waitUntil(lambda: "connected" in order, timeout=5000)
    assert order == ["connecting", "welcome", "snapshot", "connected"]
    assert link.welcome is not None and link.snapshot is not None
