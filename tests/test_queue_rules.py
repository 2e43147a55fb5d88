"""The pure queue core (server/domain): every HallState transition, the selection policy,
estimates, and rebuilding from storage.  No sockets, no database: only the hall config.

Every refused action is checked to leave the state exactly as it was, and every successful one
to return the change records storage and the network rely on.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import config_with

from hallcall.config import HallConfig, load
from hallcall.server.domain import selection
from hallcall.server.domain.hall import HallState
from hallcall.server.domain.model import (
    APPOINTMENT,
    CALLED,
    CANCELLED,
    DONE,
    EXPIRED,
    GREEN,
    HELD,
    NO_SHOW,
    NORMAL,
    PRIORITY_NAMES,
    SERVING,
    WAITING,
    Journal,
    PauseEnded,
    PauseStarted,
    QueueError,
    QueueFigures,
    Session,
    SessionClosed,
    SessionOpened,
    SessionRenewed,
    Ticket,
    TicketSaved,
)

TEST_HALL = Path(__file__).parent / "halls" / "test-hall.toml"
NOW = 1795399200.0  # Monday 2026-11-23 10:00 Asia/Shanghai
TODAY = "2026-11-23"
NEXT_ROLLOVER = NOW + 17 * 3600  # Tuesday 03:00 local
HOUR = 3600.0


@pytest.fixture(scope="module")
def config() -> HallConfig:
    return load(TEST_HALL)


@pytest.fixture
def hall(config: HallConfig) -> HallState:
    state = HallState(config, enforce_hours=False)
    assert state.roll(NOW) == []  # nothing open yet: the first day just starts
    assert state.day == TODAY
    return state


# ---------------------------------------------------------------------------- helpers


def snapshot(state: HallState) -> dict[str, Any]:
    """Everything a refused action must leave untouched."""

    def session(s: Session | None) -> tuple[Any, ...] | None:
        return dataclasses.astuple(s) if s is not None else None

    return {
        "day": state.day,
        "tickets": {i: dataclasses.astuple(t) for i, t in state.tickets.items()},
        "by_number": {n: t.id for n, t in state.by_number.items()},
        "waiting": {
            sid: {p: [t.id for t in q] for p, q in queues.items() if q} for sid, queues in state.waiting.items()
        },
        "targeted": {n: [t.id for t in q] for n, q in state.targeted.items()},
        "counters": {
            n: (c.current, c.priority_streak, c.last_signout_at, list(c.served), session(c.session))
            for n, c in state.counters.items()
        },
        "seq": dict(state.seq),
        "issued": dict(state.issued),
        "finished": dict(state.finished),
        "handling": {s: list(d) for s, d in state.handling._recent.items()},
        "ids": (state.next_ticket_id, state.next_session_id, state.next_pause_id),
    }


def refused(state: HallState, code: str, action: Callable[..., Any], *args: Any, **kwargs: Any) -> QueueError:
    """Run an action that must be refused with ``code`` and must change nothing."""
    before = snapshot(state)
    with pytest.raises(QueueError) as info:
        action(*args, **kwargs)
    assert info.value.code == code, info.value.message
    assert info.value.message
    assert snapshot(state) == before, f"refused {code} changed the state"
    return info.value


def kinds(changes: list[Any]) -> list[str]:
    """Change records as short names: 'TicketSaved', 'Journal:call', 'SessionOpened', ..."""
    return [f"Journal:{c.action}" if isinstance(c, Journal) else type(c).__name__ for c in changes]


def journal(changes: list[Any], action: str) -> Journal:
    found = [c for c in changes if isinstance(c, Journal) and c.action == action]
    assert len(found) == 1, kinds(changes)
    return found[0]


def sign_in(state: HallState, counter: int, clerk: str, now: float = NOW) -> Session:
    session, changes = state.sign_in(counter, clerk, f"hash-{clerk}", now)
    assert kinds(changes)[-2:] == ["SessionOpened", "Journal:sign_in"]
    return session


def issue(state: HallState, service: str, count: int = 1, *, priority: int = NORMAL, now: float = NOW) -> list[str]:
    return [state.issue(service, now, priority=priority)[0].number for _ in range(count)]


def call(state: HallState, counter: int, now: float = NOW) -> str:
    return state.call_next(counter, now)[0].number


def serve_through(state: HallState, counter: int, now: float = NOW) -> str:
    """Call the next ticket and finish it; returns its number."""
    number = call(state, counter, now)
    state.finish(counter, now)
    return number


def drain(state: HallState, counter: int, now: float = NOW) -> list[str]:
    """Call and finish until the counter's queue is empty."""
    called = []
    while True:
        try:
            called.append(serve_through(state, counter, now))
        except QueueError as exc:
            assert exc.code == "queue_empty"
            return called


# ---------------------------------------------------------------------------- issuing


def test_issue_numbers_each_service_from_001(hall: HallState) -> None:
    t1, changes = hall.issue("social", NOW, channel="kiosk", device="kiosk-1")
    assert (t1.number, t1.seq, t1.service, t1.day) == ("A001", 1, "social", TODAY)
    assert (t1.state, t1.priority, t1.issued_at, t1.channel, t1.device) == (WAITING, NORMAL, NOW, "kiosk", "kiosk-1")
    assert kinds(changes) == ["TicketSaved", "Journal:issue"]
    saved, log = changes
    assert isinstance(saved, TicketSaved) and saved.new and saved.ticket is t1
    assert isinstance(log, Journal) and log.ticket is t1 and log.at == NOW and log.reason == "kiosk"
    assert log.detail == {}
    t2, _ = hall.issue("social", NOW + 1)
    b1, _ = hall.issue("tax", NOW + 2)
    assert (t2.number, b1.number) == ("A002", "B001")
    assert t1.id < t2.id < b1.id
    assert hall.ticket("a002") is t2  # numbers are looked up case-insensitively
    assert hall.ticket(" B001 ") is b1
    assert hall.waiting_count("social") == 2 and hall.waiting_count("tax") == 1
    assert hall.issued == {"social": 2, "tax": 1, "consult": 0}


def test_issue_green_records_priority(hall: HallState) -> None:
    t, changes = hall.issue("social", NOW, priority=GREEN, channel="guide")
    assert t.priority == GREEN and PRIORITY_NAMES[t.priority] == "green"
    log = journal(changes, "issue")
    assert log.detail == {"priority": GREEN} and log.reason == "guide"


def test_issue_unknown_service(hall: HallState) -> None:
    err = refused(hall, "unknown_service", hall.issue, "passport", NOW)
    assert err.details == {"service": "passport"}


def test_priority_not_allowed(hall: HallState) -> None:
    refused(hall, "priority_not_allowed", hall.issue, "consult", NOW, priority=GREEN)
    refused(hall, "priority_not_allowed", hall.issue, "consult", NOW, priority=APPOINTMENT)
    assert hall.issue("consult", NOW)[0].number == "C001"  # a normal ticket is fine


def test_daily_cap(hall: HallState) -> None:
    assert issue(hall, "tax", 5) == ["B001", "B002", "B003", "B004", "B005"]
    assert hall.queue_figures("tax").cap_left == 0
    # a cancelled ticket still used one of the day's numbers
    hall.cancel("B005", NOW)
    err = refused(hall, "daily_cap_reached", hall.issue, "tax", NOW)
    assert err.details == {"service": "tax"}
    assert hall.issue("social", NOW)[0].number == "A001"  # other services are not capped
    assert hall.queue_figures("social").cap_left is None
    hall.roll(NEXT_ROLLOVER)
    assert hall.issue("tax", NEXT_ROLLOVER)[0].number == "B001"


def test_999_numbers_a_day_at_most(hall: HallState) -> None:
    hall.seq["social"] = 998
    assert hall.queue_figures("social").cap_left is None  # no cap configured
    assert hall.issue("social", NOW)[0].number == "A999"
    refused(hall, "daily_cap_reached", hall.issue, "social", NOW)
    # The kiosk learns the service is full from its summary, cap or no cap.
    assert hall.queue_figures("social").cap_left == 0


def test_issuing_hours_enforced(tmp_path: Path) -> None:
    config = config_with(tmp_path, "daily_cap = 5\n", 'daily_cap = 5\nissuing_hours = ["13:30-17:00"]\n')
    state = HallState(config, enforce_hours=True)
    state.roll(NOW)
    err = refused(state, "service_closed", state.issue, "tax", NOW)  # 10:00 is outside 13:30-17:00
    assert err.details == {"service": "tax"}
    assert state.issue("social", NOW)[0].number == "A001"  # the hall itself is open 24 h
    assert state.issue("tax", NOW + 4 * HOUR)[0].number == "B001"  # 14:00
    refused(state, "service_closed", state.issue, "tax", NOW + 7 * HOUR)  # 17:00: the span has ended
    lenient = HallState(config, enforce_hours=False)
    lenient.roll(NOW)
    assert lenient.issue("tax", NOW)[0].number == "B001"


def test_issuing_closed_on_a_day_the_hall_is_shut(tmp_path: Path) -> None:
    config = config_with(tmp_path, '"mon", "tue"', '"tue"')
    state = HallState(config, enforce_hours=True)
    state.roll(NOW)
    refused(state, "service_closed", state.issue, "social", NOW)  # a Monday
    assert state.issue("social", NOW + 24 * HOUR)[0].number == "A001"  # Tuesday 10:00: open


def test_test_hall_is_always_open_when_hours_are_enforced(config: HallConfig) -> None:
    state = HallState(config, enforce_hours=True)
    state.roll(NOW)
    assert state.issue("social", NOW)[0].number == "A001"


# ---------------------------------------------------------------------------- calling


def test_call_next_requires_a_signed_in_clerk(hall: HallState) -> None:
    issue(hall, "social")
    refused(hall, "not_signed_in", hall.call_next, 1, NOW)
    refused(hall, "unknown_counter", hall.call_next, 99, NOW)


def test_call_next_changes(hall: HallState) -> None:
    issue(hall, "social", 2)
    session = sign_in(hall, 4, "ann")
    t, changes = hall.call_next(4, NOW + 30)
    assert t.number == "A001"
    assert (t.state, t.called_at, t.counter, t.clerk, t.serving_at) == (CALLED, NOW + 30, 4, "ann", None)
    assert kinds(changes) == ["TicketSaved", "Journal:call"]
    assert changes[0].ticket is t and not changes[0].new
    log = journal(changes, "call")
    assert (log.at, log.ticket, log.counter, log.clerk) == (NOW + 30, t, 4, "ann")
    assert hall.counters[4].current == t.id
    assert hall.waiting_count("social") == 1
    assert hall.counter_figures(4).current.number == "A001"
    assert hall.counter_figures(4).clerk == session.clerk


def test_call_next_busy_and_empty(hall: HallState) -> None:
    sign_in(hall, 4, "ann")
    refused(hall, "queue_empty", hall.call_next, 4, NOW)
    issue(hall, "social", 2)
    call(hall, 4)
    err = refused(hall, "counter_busy", hall.call_next, 4, NOW)
    assert err.details == {"number": "A001"}
    # a counter only sees its own services
    issue(hall, "consult")
    sign_in(hall, 3, "cat")
    assert call(hall, 3) == "C001"


def test_call_number(hall: HallState) -> None:
    issue(hall, "social", 3)
    issue(hall, "consult")
    sign_in(hall, 4, "ann")
    sign_in(hall, 3, "cat")
    t, changes = hall.call_number(4, "a003", NOW)
    assert t.number == "A003" and t.state == CALLED and t.counter == 4
    assert kinds(changes) == ["TicketSaved", "Journal:call_number"]
    assert [x.number for x in hall.waiting["social"][NORMAL]] == ["A001", "A002"]
    refused(hall, "not_your_service", hall.call_number, 3, "A001", NOW)  # counter 3 serves consult only
    refused(hall, "wrong_state", hall.call_number, 3, "A003", NOW)  # already called
    refused(hall, "unknown_ticket", hall.call_number, 3, "C999", NOW)
    refused(hall, "counter_busy", hall.call_number, 4, "A001", NOW)
    hall.finish(4, NOW)
    refused(hall, "wrong_state", hall.call_number, 4, "A003", NOW)  # done
    assert call(hall, 4) == "A001"


def test_recall_up_to_the_limit(hall: HallState) -> None:
    issue(hall, "social")
    sign_in(hall, 4, "ann")
    refused(hall, "no_current_ticket", hall.recall, 4, NOW)
    call(hall, 4)
    for n in (1, 2):  # max_recalls = 2 in the test hall
        t, changes = hall.recall(4, NOW + n)
        assert t.recalls == n and t.state == CALLED
        assert kinds(changes) == ["TicketSaved", "Journal:recall"]
        assert journal(changes, "recall").detail == {"recalls": n}
    err = refused(hall, "recall_limit", hall.recall, 4, NOW + 3)
    assert err.details == {"number": "A001"}
    hall.start(4, NOW + 4)
    refused(hall, "wrong_state", hall.recall, 4, NOW + 5)  # serving: the visitor is here


def test_start_and_finish_from_serving(hall: HallState) -> None:
    issue(hall, "social")
    sign_in(hall, 4, "ann")
    refused(hall, "no_current_ticket", hall.start, 4, NOW)
    refused(hall, "no_current_ticket", hall.finish, 4, NOW)
    call(hall, 4, NOW)
    t, changes = hall.start(4, NOW + 20)
    assert (t.state, t.serving_at) == (SERVING, NOW + 20)
    assert kinds(changes) == ["TicketSaved", "Journal:serve"]
    refused(hall, "wrong_state", hall.start, 4, NOW + 21)
    t, changes = hall.finish(4, NOW + 200)
    assert (t.state, t.finished_at, t.serving_at) == (DONE, NOW + 200, NOW + 20)
    assert kinds(changes) == ["TicketSaved", "Journal:finish"]
    assert journal(changes, "finish").clerk == "ann"
    assert hall.counters[4].current is None
    assert hall.counters[4].served == [t.id]
    assert hall.finished["social"] == 1
    assert hall.handling.mean("social") == 200  # call to finish


def test_finish_straight_from_called(hall: HallState) -> None:
    issue(hall, "social")
    sign_in(hall, 4, "ann")
    call(hall, 4, NOW)
    t, changes = hall.finish(4, NOW + 90)
    assert t.state == DONE
    assert t.serving_at == NOW  # never started: serving counted from the call
    assert kinds(changes) == ["TicketSaved", "Journal:finish"]
    refused(hall, "no_current_ticket", hall.finish, 4, NOW + 91)


def test_no_show(hall: HallState) -> None:
    issue(hall, "social", 2)
    sign_in(hall, 4, "ann")
    call(hall, 4)
    t, changes = hall.no_show(4, NOW + 60)
    assert (t.state, t.finished_at, t.counter) == (NO_SHOW, NOW + 60, 4)
    assert kinds(changes) == ["TicketSaved", "Journal:no_show"]
    assert hall.counters[4].current is None
    assert hall.finished["social"] == 0
    call(hall, 4)
    hall.start(4, NOW)
    refused(hall, "wrong_state", hall.no_show, 4, NOW)  # the visitor is being served


# ---------------------------------------------------------------------------- put back


def no_show_first(state: HallState, counter: int = 4, now: float = NOW) -> str:
    number = call(state, counter, now)
    state.no_show(counter, now)
    return number


def queue_numbers(state: HallState, service: str, priority: int = NORMAL) -> list[str]:
    return [t.number for t in state.waiting[service].get(priority, [])]


def test_put_back_n_places_later(hall: HallState) -> None:
    issue(hall, "social", 5)
    sign_in(hall, 4, "ann")
    assert no_show_first(hall) == "A001"
    t, changes = hall.put_back("A001", NOW + 10, places=2, counter=4, clerk="ann")
    assert (t.state, t.putbacks, t.finished_at, t.counter) == (WAITING, 1, None, None)
    assert t.eligible_at == NOW + 10 + 60  # putback_cooldown_seconds
    assert kinds(changes) == ["TicketSaved", "Journal:put_back"]
    log = journal(changes, "put_back")
    assert (log.counter, log.clerk, log.detail) == (4, "ann", {"places": 2})
    assert queue_numbers(hall, "social") == ["A002", "A003", "A001", "A004", "A005"]
    assert hall.ahead_of(t) == 2
    assert t.number == "A001" and t.issued_at == NOW  # keeps its number and issue time


def test_put_back_default_places_from_config(hall: HallState) -> None:
    issue(hall, "social", 4)
    sign_in(hall, 4, "ann")
    no_show_first(hall)
    _, changes = hall.put_back("A001", NOW)  # putback_places = 2 in the test hall
    assert journal(changes, "put_back").detail == {"places": 2}
    assert queue_numbers(hall, "social") == ["A002", "A003", "A001", "A004"]


def test_put_back_at_the_end(hall: HallState) -> None:
    issue(hall, "social", 4)
    sign_in(hall, 4, "ann")
    no_show_first(hall)
    hall.put_back("A001", NOW, places=0)
    assert queue_numbers(hall, "social") == ["A002", "A003", "A004", "A001"]
    issue(hall, "social")  # a later ticket still goes behind it
    assert queue_numbers(hall, "social") == ["A002", "A003", "A004", "A001", "A005"]


def test_put_back_more_places_than_waiting_goes_to_the_end(hall: HallState) -> None:
    issue(hall, "social", 3)
    sign_in(hall, 4, "ann")
    no_show_first(hall)
    hall.put_back("A001", NOW, places=10)
    assert queue_numbers(hall, "social") == ["A002", "A003", "A001"]


def test_put_back_into_an_empty_queue(hall: HallState) -> None:
    issue(hall, "social")
    sign_in(hall, 4, "ann")
    no_show_first(hall)
    hall.put_back("A001", NOW, places=3)
    assert queue_numbers(hall, "social") == ["A001"]
    issue(hall, "social")
    assert queue_numbers(hall, "social") == ["A001", "A002"]


def test_put_back_cool_down_is_respected(hall: HallState) -> None:
    issue(hall, "social", 4)
    sign_in(hall, 4, "ann")
    no_show_first(hall, now=NOW)
    hall.put_back("A001", NOW + 10, places=1)  # cool-down ends at NOW + 70
    assert queue_numbers(hall, "social") == ["A002", "A001", "A003", "A004"]
    assert serve_through(hall, 4, NOW + 20) == "A002"
    assert serve_through(hall, 4, NOW + 30) == "A003"  # A001 is next in line but still cooling down
    assert serve_through(hall, 4, NOW + 69) == "A004"
    refused(hall, "queue_empty", hall.call_next, 4, NOW + 69.5)  # skipped, not lost
    assert hall.waiting_count("social") == 1
    assert serve_through(hall, 4, NOW + 70) == "A001"


def test_put_back_limit(hall: HallState) -> None:
    issue(hall, "social")
    sign_in(hall, 4, "ann")
    no_show_first(hall)
    hall.put_back("A001", NOW, places=0)
    no_show_first(hall, now=NOW + 100)
    err = refused(hall, "putback_limit", hall.put_back, "A001", NOW + 110)  # max_putbacks = 1
    assert err.details == {"number": "A001"}
    assert hall.ticket("A001").state == NO_SHOW


def test_put_back_refusals(hall: HallState) -> None:
    issue(hall, "social", 2)
    sign_in(hall, 4, "ann")
    refused(hall, "wrong_state", hall.put_back, "A002", NOW)  # waiting, not a no-show
    refused(hall, "unknown_ticket", hall.put_back, "A099", NOW)
    no_show_first(hall)
    refused(hall, "not_your_service", hall.put_back, "A001", NOW, counter=3)  # counter 3: consult only
    refused(hall, "bad_field", hall.put_back, "A001", NOW, places=-1)
    _, changes = hall.put_back("A001", NOW, counter=1)  # comprehensive counter 1 serves social
    assert journal(changes, "put_back").counter == 1


# ---------------------------------------------------------------------------- transfer


def test_transfer_to_a_service_keeps_number_and_issue_order(hall: HallState) -> None:
    issue(hall, "social")  # A001, id 1
    issue(hall, "tax", 2)  # B001, B002
    sign_in(hall, 4, "ann")
    sign_in(hall, 2, "dan")  # tax first, then social
    call(hall, 4, NOW + 10)
    hall.start(4, NOW + 20)  # a transfer may come from serving too
    t, changes = hall.transfer(4, NOW + 60, service="tax", reason="wrong matter")
    assert (t.number, t.service, t.state, t.transfers) == ("A001", "tax", WAITING, 1)
    assert (t.called_at, t.serving_at, t.target_counter, t.issued_at) == (None, None, None, NOW)
    assert kinds(changes) == ["TicketSaved", "Journal:transfer"]
    log = journal(changes, "transfer")
    assert (log.counter, log.clerk, log.reason) == (4, "ann", "wrong matter")
    assert log.detail == {"from_service": "social", "to_service": "tax"}
    assert hall.counters[4].current is None
    # issued before B001, so it goes before B001 in the tax queue
    assert queue_numbers(hall, "tax") == ["A001", "B001", "B002"]
    assert queue_numbers(hall, "social") == []
    assert hall.ahead_of(t) == 0 and hall.ahead_of(hall.ticket("B001")) == 1
    assert hall.waiting_count("tax") == 3 and hall.waiting_count("social") == 0
    assert drain(hall, 2) == ["A001", "B001", "B002"]


def test_transfer_after_put_back_returns_to_original_order(hall: HallState) -> None:
    issue(hall, "social", 3)
    issue(hall, "tax")
    sign_in(hall, 4, "ann")
    no_show_first(hall)
    hall.put_back("A001", NOW, places=0)
    assert serve_through(hall, 4, NOW + 100) == "A002"
    assert serve_through(hall, 4, NOW + 100) == "A003"
    assert call(hall, 4, NOW + 100) == "A001"
    t, _ = hall.transfer(4, NOW + 110, service="tax")
    assert t.eligible_at == 0.0
    assert queue_numbers(hall, "tax") == ["A001", "B001"]  # by original issue order


def test_transfer_to_a_counter(hall: HallState) -> None:
    issue(hall, "consult")  # C001, older than everything
    issue(hall, "social", 2)  # A001, A002
    sign_in(hall, 4, "ann")
    sign_in(hall, 3, "cat")  # consult only
    sign_in(hall, 2, "dan")  # tax, social
    assert call(hall, 4) == "A001"
    t, changes = hall.transfer(4, NOW + 5, to_counter=3, reason="ask the expert")
    assert (t.number, t.service, t.state, t.target_counter) == ("A001", "social", WAITING, 3)
    log = journal(changes, "transfer")
    assert log.detail == {"from_service": "social", "to_service": "social", "to_counter": 3}
    assert hall.counter_figures(3).targeted == ["A001"]
    assert hall.waiting_count("social") == 2  # still counted as waiting for its service
    assert queue_numbers(hall, "social") == ["A002"]  # not in the open queue
    # only counter 3 may take it; others serving social do not see it
    refused(hall, "not_your_service", hall.call_number, 2, "A001", NOW + 6)
    assert call(hall, 2, NOW + 6) == "A002"
    hall.finish(2, NOW + 7)
    refused(hall, "queue_empty", hall.call_next, 2, NOW + 8)
    refused(hall, "queue_empty", hall.call_next, 4, NOW + 8)
    # and at counter 3 it comes first, before the older C001
    t, _ = hall.call_next(3, NOW + 9)
    assert t.number == "A001" and t.target_counter is None and t.counter == 3
    hall.finish(3, NOW + 10)
    assert call(hall, 3, NOW + 11) == "C001"


def test_targeted_tickets_come_in_issue_order_and_may_be_called_by_number(hall: HallState) -> None:
    issue(hall, "social", 3)
    issue(hall, "consult")
    sign_in(hall, 4, "ann")
    sign_in(hall, 3, "cat")
    for _ in range(2):  # A001 then A002 sent to counter 3, in that order
        call(hall, 4)
        hall.transfer(4, NOW, to_counter=3)
    assert hall.counter_figures(3).targeted == ["A001", "A002"]
    assert hall.ahead_of(hall.ticket("A002")) == 1
    t, _ = hall.call_number(3, "A002", NOW)
    assert t.target_counter is None
    assert hall.counter_figures(3).targeted == ["A001"]
    hall.finish(3, NOW)
    assert drain(hall, 3) == ["A001", "C001"]


def test_transfer_refusals(hall: HallState) -> None:
    issue(hall, "social")
    sign_in(hall, 4, "ann")
    refused(hall, "no_current_ticket", hall.transfer, 4, NOW, service="tax")
    call(hall, 4)
    refused(hall, "bad_field", hall.transfer, 4, NOW)
    refused(hall, "bad_field", hall.transfer, 4, NOW, service="tax", to_counter=2)
    refused(hall, "bad_field", hall.transfer, 4, NOW, to_counter=4)
    refused(hall, "unknown_service", hall.transfer, 4, NOW, service="passport")
    refused(hall, "unknown_counter", hall.transfer, 4, NOW, to_counter=42)
    refused(hall, "not_signed_in", hall.transfer, 1, NOW, service="tax")
    hall.no_show(4, NOW)
    refused(hall, "no_current_ticket", hall.transfer, 4, NOW, service="tax")


# ---------------------------------------------------------------------------- hold, call back, cancel


def test_hold_and_call_back(hall: HallState) -> None:
    issue(hall, "social", 2)
    sign_in(hall, 4, "ann")
    sign_in(hall, 1, "cat")
    call(hall, 4)
    t, changes = hall.hold(4, NOW + 30, reason="fetch papers")
    assert t.state == HELD and t.counter == 4
    assert kinds(changes) == ["TicketSaved", "Journal:hold"]
    assert journal(changes, "hold").reason == "fetch papers"
    assert hall.counters[4].current is None
    assert hall.counter_figures(4).held == ["A001"]
    assert hall.waiting_count("social") == 1  # held is not waiting
    assert call(hall, 4, NOW + 40) == "A002"
    refused(hall, "counter_busy", hall.call_back, 4, "A001", NOW + 50)
    hall.finish(4, NOW + 60)
    refused(hall, "wrong_state", hall.call_back, 1, "A001", NOW + 61)  # held at 4, not at 1
    refused(hall, "wrong_state", hall.call_back, 4, "A002", NOW + 61)  # done, not held
    t, changes = hall.call_back(4, "A001", NOW + 70)
    assert (t.state, t.called_at, t.counter) == (CALLED, NOW + 70, 4)
    assert kinds(changes) == ["TicketSaved", "Journal:call_back"]
    assert hall.counter_figures(4).held == []
    hall.finish(4, NOW + 80)
    assert t.state == DONE


def test_hold_from_serving_and_wrong_state(hall: HallState) -> None:
    issue(hall, "social")
    sign_in(hall, 4, "ann")
    refused(hall, "no_current_ticket", hall.hold, 4, NOW)
    call(hall, 4)
    hall.start(4, NOW)
    t, _ = hall.hold(4, NOW)
    assert t.state == HELD
    refused(hall, "no_current_ticket", hall.hold, 4, NOW)


def test_cancel(hall: HallState) -> None:
    issue(hall, "social", 3)
    sign_in(hall, 4, "ann")
    t, changes = hall.cancel("A002", NOW + 5, counter=4, clerk="ann", reason="left")
    assert (t.state, t.finished_at) == (CANCELLED, NOW + 5)
    assert kinds(changes) == ["TicketSaved", "Journal:cancel"]
    log = journal(changes, "cancel")
    assert (log.counter, log.clerk, log.reason) == (4, "ann", "left")
    assert queue_numbers(hall, "social") == ["A001", "A003"]
    refused(hall, "wrong_state", hall.cancel, "A002", NOW)  # already cancelled
    call(hall, 4)
    refused(hall, "wrong_state", hall.cancel, "A001", NOW)  # called
    refused(hall, "unknown_ticket", hall.cancel, "B001", NOW)
    hall.finish(4, NOW)
    assert drain(hall, 4, NOW) == ["A003"]


def test_cancel_a_targeted_ticket(hall: HallState) -> None:
    issue(hall, "social")
    sign_in(hall, 4, "ann")
    call(hall, 4)
    hall.transfer(4, NOW, to_counter=1)
    hall.cancel("A001", NOW)
    assert hall.targeted[1] == [] and hall.waiting_count("social") == 0


# ---------------------------------------------------------------------------- pause and sessions


def test_pause_and_resume(hall: HallState) -> None:
    issue(hall, "social", 3)
    session = sign_in(hall, 4, "ann")
    refused(hall, "not_signed_in", hall.pause, 1, "lunch", NOW)
    refused(hall, "not_paused", hall.resume, 4, NOW)
    changes = hall.pause(4, "meeting", NOW + 10)
    assert kinds(changes) == ["PauseStarted", "Journal:pause"]
    assert isinstance(changes[0], PauseStarted) and changes[0].session is session
    assert journal(changes, "pause").reason == "meeting"
    assert (session.paused_at, session.pause_reason) == (NOW + 10, "meeting")
    pause_id = session.pause_id
    assert pause_id is not None
    assert hall.counter_figures(4).paused is True
    refused(hall, "counter_paused", hall.call_next, 4, NOW + 20)
    refused(hall, "counter_paused", hall.call_number, 4, "A002", NOW + 20)
    refused(hall, "counter_paused", hall.pause, 4, "again", NOW + 20)
    assert hall.estimate("social", 1)[1] == 0  # a paused counter is not open for estimates
    changes = hall.resume(4, NOW + 30)
    assert kinds(changes) == ["PauseEnded", "Journal:resume"]
    ended = changes[0]
    assert isinstance(ended, PauseEnded) and (ended.pause_id, ended.at) == (pause_id, NOW + 30)
    assert (session.paused_at, session.pause_reason, session.pause_id) == (None, None, None)
    assert call(hall, 4, NOW + 40) == "A001"
    # pausing with a ticket at the counter still lets the clerk finish it
    changes = hall.pause(4, "break", NOW + 50)
    assert changes[0].session.pause_id == pause_id + 1
    t, _ = hall.finish(4, NOW + 60)
    assert t.state == DONE


def test_sign_in_renew_and_sign_out(hall: HallState) -> None:
    session, changes = hall.sign_in(1, "cat", "h1", NOW)
    assert kinds(changes) == ["SessionOpened", "Journal:sign_in"]
    assert (session.counter, session.clerk, session.signed_in_at, session.token_hash) == (1, "cat", NOW, "h1")
    assert journal(changes, "sign_in").counter == 1
    again, changes = hall.sign_in(1, "cat", "h2", NOW + 60)
    assert again is session and again.token_hash == "h2"
    assert kinds(changes) == ["SessionRenewed"]
    assert isinstance(changes[0], SessionRenewed)
    issue(hall, "social")
    call(hall, 1)
    err = refused(hall, "counter_busy", hall.sign_out, 1, NOW + 70)
    assert err.details == {"number": "A001"}
    hall.finish(1, NOW + 80)
    changes = hall.sign_out(1, NOW + 90)
    assert kinds(changes) == ["SessionClosed", "Journal:sign_out"]
    closed = changes[0]
    assert isinstance(closed, SessionClosed) and closed.session is session
    assert (closed.at, closed.reason) == (NOW + 90, "signed out")
    assert hall.counters[1].session is None and hall.counters[1].last_signout_at == NOW + 90
    refused(hall, "not_signed_in", hall.sign_out, 1, NOW + 100)
    refused(hall, "unknown_counter", hall.sign_out, 9, NOW + 100)


def test_sign_out_while_paused_ends_the_pause(hall: HallState) -> None:
    sign_in(hall, 1, "cat")
    hall.pause(1, "lunch", NOW)
    changes = hall.sign_out(1, NOW + 600, "home")
    assert kinds(changes) == ["PauseEnded", "Journal:resume", "SessionClosed", "Journal:sign_out"]
    assert changes[2].reason == "home"


def test_sign_in_unknown_counter(hall: HallState) -> None:
    refused(hall, "unknown_counter", hall.sign_in, 7, "cat", "h", NOW)


def test_ab_roles_who_may_sign_in(hall: HallState) -> None:
    assert hall.may_sign_in(4, "ann") and hall.may_sign_in(4, "bob")
    assert not hall.may_sign_in(4, "cat")
    assert hall.may_sign_in(1, "cat")  # no clerks or backups listed: anyone
    err = refused(hall, "not_allowed_at_counter", hall.sign_in, 4, "cat", "h", NOW)
    assert err.details == {"counter": 4}
    session = sign_in(hall, 4, "bob")  # B may sign in when A is not there
    assert session.clerk == "bob"


def test_ab_counter_occupied_and_take_over(hall: HallState) -> None:
    issue(hall, "social", 2)
    ann = sign_in(hall, 4, "ann")
    call(hall, 4)
    err = refused(hall, "counter_occupied", hall.sign_in, 4, "bob", "hb", NOW + 10)
    assert err.details == {"counter": 4}
    # ann's program is gone: bob takes the window over at once
    bob, changes = hall.sign_in(4, "bob", "hb", NOW + 20, occupant_connected=False)
    assert kinds(changes) == ["SessionClosed", "Journal:sign_out", "SessionOpened", "Journal:sign_in"]
    closed = changes[0]
    assert isinstance(closed, SessionClosed) and closed.session is ann
    assert (closed.at, closed.reason) == (NOW + 20, "taken over by bob")
    assert journal(changes, "sign_out").clerk == "ann"
    assert isinstance(changes[2], SessionOpened) and changes[2].session is bob
    assert bob.id != ann.id and hall.counters[4].session is bob
    # the ticket at the window stays there for bob to finish
    t, _ = hall.finish(4, NOW + 30)
    assert t.number == "A001" and t.state == DONE


def test_take_over_a_paused_session(hall: HallState) -> None:
    sign_in(hall, 4, "ann")
    hall.pause(4, "meeting", NOW)
    _, changes = hall.sign_in(4, "bob", "hb", NOW + 60, occupant_connected=False)
    assert kinds(changes) == [
        "PauseEnded",
        "Journal:resume",
        "SessionClosed",
        "Journal:sign_out",
        "SessionOpened",
        "Journal:sign_in",
    ]
    assert hall.counters[4].session.paused_at is None


def test_clerk_busy_elsewhere(hall: HallState) -> None:
    issue(hall, "social")
    sign_in(hall, 1, "cat")
    call(hall, 1)
    err = refused(hall, "clerk_busy_elsewhere", hall.sign_in, 2, "cat", "h", NOW)
    assert err.details == {"counter": 1}


def test_take_over_refused_when_clerk_busy_elsewhere_changes_nothing(hall: HallState) -> None:
    # bob has a ticket at counter 1; ann's program at counter 4 is gone.  bob may not take 4 over
    # before finishing at 1 -- and the refusal must not have signed ann out on the way.
    issue(hall, "social")
    sign_in(hall, 4, "ann")
    sign_in(hall, 1, "bob")
    call(hall, 1)
    refused(hall, "clerk_busy_elsewhere", hall.sign_in, 4, "bob", "hb", NOW + 10, occupant_connected=False)
    assert hall.counters[4].session is not None and hall.counters[4].session.clerk == "ann"


def test_clerk_moves_counters(hall: HallState) -> None:
    first = sign_in(hall, 1, "cat")
    second, changes = hall.sign_in(2, "cat", "h", NOW + 100)
    assert kinds(changes) == ["SessionClosed", "Journal:sign_out", "SessionOpened", "Journal:sign_in"]
    closed = changes[0]
    assert closed.session is first and closed.reason == "moved to counter 2"
    assert journal(changes, "sign_out").counter == 1
    assert journal(changes, "sign_in").counter == 2
    assert hall.counters[1].session is None and hall.counters[1].last_signout_at == NOW + 100
    assert hall.counters[2].session is second


# ---------------------------------------------------------------------------- day rollover


def test_roll_same_business_day_does_nothing(hall: HallState) -> None:
    issue(hall, "social")
    sign_in(hall, 4, "ann")
    before = snapshot(hall)
    assert hall.roll(NOW + 3600) == []
    assert hall.roll(NEXT_ROLLOVER - 1) == []  # 02:59:59 on Tuesday still belongs to Monday
    assert snapshot(hall) == before


def test_roll_expires_open_tickets_and_restarts_numbering(hall: HallState) -> None:
    issue(hall, "social", 6)
    issue(hall, "tax", 2)
    sign_in(hall, 4, "ann")
    sign_in(hall, 1, "cat")
    sign_in(hall, 2, "dan")
    serve_through(hall, 4)  # A001 done
    no_show_first(hall)  # A002 no-show
    call(hall, 4)  # A003 called
    hall.hold(4, NOW)  # A003 held
    call(hall, 4)  # A004 called
    call(hall, 1)  # B001 ... comprehensive oldest: A005 (id 5) is older than B001 (id 7)
    hall.start(1, NOW)
    hall.cancel("B002", NOW)
    hall.pause(2, "lunch", NOW)
    tickets = {t.number: t for t in hall.tickets.values()}
    open_before = {n for n, t in tickets.items() if t.state in (WAITING, CALLED, SERVING, HELD)}
    assert open_before == {"A003", "A004", "A005", "A006", "B001"}

    changes = hall.roll(NEXT_ROLLOVER)
    expired = [c for c in changes if isinstance(c, Journal) and c.action == "expire"]
    assert sorted(c.ticket.number for c in expired) == sorted(open_before)
    for c in expired:
        assert c.reason == "day end" and c.at == NEXT_ROLLOVER
    saved = [c.ticket.number for c in changes if isinstance(c, TicketSaved)]
    assert sorted(saved) == sorted(open_before)
    for number in open_before:
        assert tickets[number].state == EXPIRED and tickets[number].finished_at == NEXT_ROLLOVER
    assert (tickets["A001"].state, tickets["A002"].state, tickets["B002"].state) == (DONE, NO_SHOW, CANCELLED)
    # the expire records keep where the ticket was
    a004 = next(c for c in expired if c.ticket.number == "A004")
    assert (a004.counter, a004.clerk) == (4, "ann")
    # every session closed (the paused one ends its pause first)
    closed = [c for c in changes if isinstance(c, SessionClosed)]
    assert sorted(c.session.clerk for c in closed) == ["ann", "cat", "dan"]
    assert all(c.reason == "day end" and c.at == NEXT_ROLLOVER for c in closed)
    assert sum(isinstance(c, PauseEnded) for c in changes) == 1
    assert sum(1 for c in changes if isinstance(c, Journal) and c.action == "sign_out") == 3

    assert hall.day == "2026-11-24"
    assert hall.tickets == {} and hall.by_number == {}
    assert all(c.session is None and c.current is None and c.served == [] for c in hall.counters.values())
    assert all(c.last_signout_at == NEXT_ROLLOVER for n, c in hall.counters.items() if n in (1, 2, 4))
    assert hall.waiting_count("social") == 0 and hall.waiting_count("tax") == 0
    assert hall.issued == hall.finished == {"social": 0, "tax": 0, "consult": 0}
    assert hall.handling.mean("social") == 5 * 60  # back to the default
    refused(hall, "not_signed_in", hall.call_next, 4, NEXT_ROLLOVER)
    refused(hall, "unknown_ticket", hall.ticket, "A001")
    t, _ = hall.issue("social", NEXT_ROLLOVER + 1)
    assert (t.number, t.day) == ("A001", "2026-11-24")
    assert t.id > max(x.id for x in tickets.values())  # ids stay unique across days
    assert hall.roll(NEXT_ROLLOVER + 2) == []


def test_roll_expires_targeted_and_put_back_tickets(hall: HallState) -> None:
    issue(hall, "social", 2)
    sign_in(hall, 4, "ann")
    call(hall, 4)
    hall.transfer(4, NOW, to_counter=1)
    no_show_first(hall)
    hall.put_back("A002", NOW)
    changes = hall.roll(NEXT_ROLLOVER)
    assert sorted(c.ticket.number for c in changes if isinstance(c, TicketSaved)) == ["A001", "A002"]
    assert hall.targeted[1] == []


# ---------------------------------------------------------------------------- selection policy


def test_oldest_policy_across_services(hall: HallState) -> None:
    issue(hall, "tax")  # B001
    issue(hall, "social")  # A001
    issue(hall, "consult")  # C001
    issue(hall, "tax")  # B002
    sign_in(hall, 1, "cat")  # comprehensive, "oldest"
    assert drain(hall, 1) == ["B001", "A001", "C001", "B002"]


def test_in_order_policy_follows_the_counters_list(hall: HallState) -> None:
    issue(hall, "social", 2)  # A001, A002 older
    issue(hall, "tax", 2)  # B001, B002
    sign_in(hall, 2, "dan")  # ["tax", "social"], in_order
    assert drain(hall, 2) == ["B001", "B002", "A001", "A002"]


def test_green_channel_first(hall: HallState) -> None:
    issue(hall, "social", 2)
    issue(hall, "social", priority=GREEN)  # A003
    issue(hall, "tax")  # B001
    issue(hall, "social", priority=APPOINTMENT)  # A004
    sign_in(hall, 4, "ann")
    assert call(hall, 4) == "A003"
    hall.finish(4, NOW)
    assert call(hall, 4) == "A004"  # appointments after green, before normal
    hall.finish(4, NOW)
    assert drain(hall, 4) == ["A001", "A002"]


def test_green_channel_first_even_for_in_order_counter(hall: HallState) -> None:
    issue(hall, "tax")  # B001 normal, first in counter 2's order
    issue(hall, "social", priority=GREEN)  # A001 green
    sign_in(hall, 2, "dan")
    assert drain(hall, 2) == ["A001", "B001"]


def test_priority_streak_guard(hall: HallState) -> None:
    issue(hall, "social", 2)  # A001, A002 normal
    issue(hall, "social", 3, priority=GREEN)  # A003, A004, A005
    sign_in(hall, 4, "ann")
    order = []
    streaks = []
    for _ in range(5):
        order.append(serve_through(hall, 4))
        streaks.append(hall.counters[4].priority_streak)
    # priority_streak_limit = 2: after two green calls a waiting normal ticket goes first
    assert order == ["A003", "A004", "A001", "A005", "A002"]
    assert streaks == [1, 2, 0, 1, 0]


def test_priority_streak_guard_needs_an_eligible_normal_ticket(hall: HallState) -> None:
    issue(hall, "social")  # A001 normal
    issue(hall, "social", 3, priority=GREEN)  # A002..A004
    sign_in(hall, 4, "ann")
    assert no_show_first(hall) == "A002"  # green (streak 1)
    hall.cancel("A001", NOW)
    assert serve_through(hall, 4) == "A003"  # streak 2
    assert serve_through(hall, 4) == "A004"  # no normal ticket waiting: the guard does not block
    assert hall.counters[4].priority_streak == 3


def test_priority_streak_guard_skips_normal_ticket_in_cool_down(hall: HallState) -> None:
    issue(hall, "social")  # A001 normal
    issue(hall, "social", 4, priority=GREEN)  # A002..A005
    sign_in(hall, 4, "ann")
    hall.call_number(4, "A001", NOW)
    hall.no_show(4, NOW)
    hall.put_back("A001", NOW)  # the only normal ticket, cooling down until NOW + 60
    assert serve_through(hall, 4, NOW + 1) == "A002"
    assert serve_through(hall, 4, NOW + 2) == "A003"
    # streak 2, but no normal ticket may be called yet: the guard does not block green
    assert serve_through(hall, 4, NOW + 3) == "A004"
    assert hall.counters[4].priority_streak == 3
    # once A001's cool-down is over, it goes before the remaining green ticket
    assert serve_through(hall, 4, NOW + 60) == "A001"
    assert hall.counters[4].priority_streak == 0
    assert serve_through(hall, 4, NOW + 61) == "A005"


def test_priority_streak_is_per_counter_and_reset_by_sign_out(hall: HallState) -> None:
    issue(hall, "social", 2)
    issue(hall, "social", 3, priority=GREEN)
    sign_in(hall, 4, "ann")
    serve_through(hall, 4)
    serve_through(hall, 4)
    assert hall.counters[4].priority_streak == 2
    hall.sign_out(4, NOW)
    assert hall.counters[4].priority_streak == 0
    sign_in(hall, 4, "bob")
    assert call(hall, 4) == "A005"


def test_choose_directly() -> None:
    def t(id_: int, service: str, priority: int = NORMAL, eligible_at: float = 0.0) -> Ticket:
        return Ticket(id_, TODAY, service, id_, f"X{id_:03d}", priority, WAITING, NOW, float(id_), eligible_at)

    a1, b2, a3 = t(1, "a"), t(2, "b"), t(3, "a", GREEN)
    waiting = {"a": {NORMAL: [a1], GREEN: [a3]}, "b": {NORMAL: [b2]}}
    common = {"waiting": waiting, "targeted": [], "streak_limit": 2, "now": NOW}
    assert selection.choose(services=["b", "a"], policy="oldest", streak=0, **common) is a3
    assert selection.choose(services=["b", "a"], policy="oldest", streak=2, **common) is a1
    assert selection.choose(services=["b", "a"], policy="in_order", streak=2, **common) is b2
    assert selection.choose(services=["b"], policy="oldest", streak=2, **common) is b2
    common["streak_limit"] = 0  # 0 = no guard
    assert selection.choose(services=["a"], policy="oldest", streak=99, **common) is a3
    late = t(9, "c", eligible_at=NOW + 5)
    targeted = [late, t(8, "c")]
    assert selection.choose(services=["a"], policy="oldest", streak=0, **{**common, "targeted": targeted}).id == 8
    assert selection.first_eligible([late], NOW) is None
    assert selection.first_eligible([late], NOW + 5) is late
    assert selection.choose(services=["zzz"], policy="oldest", streak=0, **common) is None


# ---------------------------------------------------------------------------- estimates


# The estimate's own tests (the projection, learned handling times, a restart) are in
# tests/test_estimates.py.


# ---------------------------------------------------------------------------- ahead_of, summary


def test_ahead_of(hall: HallState) -> None:
    issue(hall, "social", 3)
    issue(hall, "social", priority=GREEN)  # A004
    issue(hall, "tax")
    sign_in(hall, 4, "ann")
    assert [hall.ahead_of(hall.ticket(n)) for n in ("A001", "A002", "A003", "A004")] == [1, 2, 3, 0]
    assert hall.ahead_of(hall.ticket("B001")) == 0
    call(hall, 4)  # A004
    assert hall.ahead_of(hall.ticket("A004")) == 0  # not waiting
    assert hall.ahead_of(hall.ticket("A003")) == 2


def test_service_summary(hall: HallState) -> None:
    sign_in(hall, 4, "ann")
    issue(hall, "social", 2)
    issue(hall, "social", priority=GREEN)
    issue(hall, "tax", 2)
    assert call(hall, 4, NOW) == "A003"  # green
    hall.finish(4, NOW + 120)  # handled in 2 minutes
    issue(hall, "social", priority=GREEN)  # A004
    summary = hall.queue_figures("social")
    assert summary == QueueFigures(
        service="social",
        waiting=3,
        priority_waiting=1,
        next=["A004", "A001", "A002"],
        estimated_wait_s=3 * 120,  # three ahead, 2 minutes each, one counter
        counters_open=1,
        issued=4,
        finished=1,
        cap_left=None,
        oldest_waiting_since=summary.oldest_waiting_since,
    )
    assert summary.oldest_waiting_since is not None
    tax = hall.queue_figures("tax", preview=1)
    assert tax.next == ["B001"] and tax.cap_left == 3 and tax.waiting == 2
    assert tax.estimated_wait_s == 2 * 600 and tax.counters_open == 0


# ---------------------------------------------------------------------------- load (rebuild from storage)


def rebuilt(state: HallState) -> HallState:
    """A new HallState loaded from copies of what storage would hold, in storage's (random) order."""
    new = HallState(state.config, enforce_hours=False)
    tickets = copy.deepcopy(list(state.tickets.values()))
    tickets.reverse()
    sessions = [copy.deepcopy(c.session) for c in state.counters.values() if c.session is not None]
    last = {n: c.last_signout_at for n, c in state.counters.items() if c.last_signout_at is not None}
    new.load(
        day=state.day,
        tickets=tickets,
        sessions=sessions,
        last_signout=last,
        next_ids=(state.next_ticket_id, state.next_session_id, state.next_pause_id),
    )
    return new


def queue_view(state: HallState) -> dict[str, Any]:
    return {
        "day": state.day,
        "tickets": {i: dataclasses.astuple(t) for i, t in state.tickets.items()},
        "waiting": {s: {p: [t.number for t in q] for p, q in qs.items() if q} for s, qs in state.waiting.items()},
        "targeted": {n: [t.number for t in q] for n, q in state.targeted.items()},
        "current": {n: c.current for n, c in state.counters.items()},
        "sessions": {n: dataclasses.astuple(c.session) if c.session else None for n, c in state.counters.items()},
        "last_signout": {n: c.last_signout_at for n, c in state.counters.items()},
        "served": {n: sorted(c.served) for n, c in state.counters.items()},
        "finished": dict(state.finished),
        "ids": (state.next_ticket_id, state.next_session_id, state.next_pause_id),
        "views": [state.counter_figures(n) for n in state.counters],
    }


def busy_day(state: HallState) -> None:
    issue(state, "social", 6)  # A001..A006
    issue(state, "tax", 3)  # B001..B003
    issue(state, "consult", 2)  # C001, C002
    issue(state, "social", 2, priority=GREEN)  # A007, A008
    sign_in(state, 4, "ann")
    sign_in(state, 1, "cat")
    sign_in(state, 3, "eve")
    assert serve_through(state, 4) == "A007"  # green
    assert no_show_first(state) == "A008"  # green, no-show
    state.put_back("A008", NOW + 1, places=0)  # cooling down until NOW + 61
    assert call(state, 4) == "A001"
    state.transfer(4, NOW + 2, to_counter=3)  # A001 targeted at counter 3
    assert call(state, 4) == "A002"
    state.hold(4, NOW + 3)  # A002 held at 4
    assert call(state, 1) == "A003"
    state.transfer(1, NOW + 4, service="consult")  # A003 now waits for consult, by issue order
    state.call_number(1, "A004", NOW + 4)
    state.no_show(1, NOW + 4)
    state.put_back("A004", NOW + 5, places=1)
    state.cancel("B003", NOW + 6)
    state.call_number(1, "A005", NOW + 7)
    state.start(1, NOW + 8)
    state.pause(3, "phone", NOW + 9)
    sign_in(state, 2, "dan")
    state.sign_out(2, NOW + 10)


def test_load_rebuilds_the_same_state(hall: HallState) -> None:
    busy_day(hall)
    copy_ = rebuilt(hall)
    assert queue_view(copy_) == queue_view(hall)
    for service in ("social", "tax", "consult"):
        for t in hall.tickets.values():
            if t.state == WAITING:
                assert copy_.ahead_of(copy_.tickets[t.id]) == hall.ahead_of(t)
        # (issued / cap_left after a transfer to another service: see the numbering test below)
        summary = dataclasses.replace(hall.queue_figures(service), issued=0, cap_left=None)
        assert dataclasses.replace(copy_.queue_figures(service), issued=0, cap_left=None) == summary
    assert copy_.handling.mean("social") == hall.handling.mean("social")


def test_load_gives_the_same_queue_order(hall: HallState) -> None:
    busy_day(hall)
    copy_ = rebuilt(hall)
    later = NOW + 100  # past every cool-down

    def play(state: HallState) -> list[str]:
        state.finish(1, later)
        state.resume(3, later)
        order = [state.call_back(4, "A002", later)[0].number]
        state.finish(4, later)
        for counter in (3, 4, 1, 2):
            if state.counters[counter].session is None:
                sign_in(state, counter, "dan", later)
            order += [f"{counter}:{n}" for n in drain(state, counter, later)]
        return order

    original = play(hall)
    assert original == [
        "A002",
        "3:A001",  # targeted at counter 3
        "3:A003",  # transferred to consult, ahead of C001 by issue order
        "3:C001",
        "3:C002",
        "4:A008",  # green, put back at the end, cool-down over
        "4:A004",  # put back one place later
        "4:A006",
        "1:B001",
        "1:B002",
    ]
    assert play(copy_) == original


def test_load_keeps_numbering_after_a_transfer_to_another_service(hall: HallState) -> None:
    issue(hall, "social", 2)  # A001, A002
    issue(hall, "tax")  # B001
    sign_in(hall, 1, "cat")
    hall.call_number(1, "A002", NOW)
    hall.transfer(1, NOW, service="tax")  # A002 keeps its number, now waits for tax
    copy_ = rebuilt(hall)
    # numbers belong to the service that issued them: the next social ticket is A003, not A002 again
    assert hall.issue("social", NOW)[0].number == "A003"
    assert copy_.issue("social", NOW)[0].number == "A003"
    assert hall.issue("tax", NOW)[0].number == "B002"
    assert copy_.issue("tax", NOW)[0].number == "B002"
    assert copy_.seq == hall.seq == {"social": 3, "tax": 2, "consult": 0}
    assert copy_.issued == hall.issued == {"social": 3, "tax": 2, "consult": 0}


def test_load_keeps_the_latest_handling_times(tmp_path: Path) -> None:
    config = config_with(tmp_path, "priority_streak_limit = 2\n", "priority_streak_limit = 2\nhandle_time_window = 1\n")
    state = HallState(config, enforce_hours=False)
    state.roll(NOW)
    issue(state, "social", 2)
    sign_in(state, 4, "ann")
    sign_in(state, 1, "cat")
    assert call(state, 4, NOW) == "A001"
    assert call(state, 1, NOW) == "A002"
    state.finish(1, NOW + 60)  # A002: 60 s
    state.finish(4, NOW + 600)  # A001: 600 s, the last finished today
    assert state.handling.mean("social") == 600
    # "the last handle_time_window tickets finished today" must survive a restart
    assert rebuilt(state).handling.mean("social") == 600


def test_load_restores_current_tickets_and_sessions(hall: HallState) -> None:
    issue(hall, "social", 2)
    sign_in(hall, 4, "ann")
    call(hall, 4)
    copy_ = rebuilt(hall)
    assert copy_.counters[4].current == hall.counters[4].current
    refused(copy_, "counter_busy", copy_.call_next, 4, NOW)
    t, _ = copy_.finish(4, NOW + 30)
    assert t.number == "A001"
    assert copy_.counters[4].served == [t.id]
    assert call(copy_, 4) == "A002"
