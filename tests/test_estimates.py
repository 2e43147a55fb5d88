"""The wait estimate (server/domain/estimates.py): the projection of the next calls, the
handling times it learns from the day's finishes, and the same figures after a restart.

Pure: a HallState on the test hall and the projection function, no server.  The test hall's
services handle in 5 (social), 10 (tax) and 2 (consult) minutes by default; counter 4 serves
social, counter 2 tax then social (in_order), counter 1 every service (oldest first).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import pytest
from conftest import TEST_HALL

from hallcall.config import HallConfig, load
from hallcall.server.domain.estimates import Calls, Desk, HandlingTimes, estimate_seconds, project, remaining
from hallcall.server.domain.hall import HallState
from hallcall.server.domain.model import GREEN, NORMAL, Ticket

NOW = 1795399200.0  # Monday 2026-11-23 10:00 Asia/Shanghai
SOCIAL, TAX = 300.0, 600.0  # default handling seconds


@pytest.fixture(scope="module")
def config() -> HallConfig:
    return load(TEST_HALL)


@pytest.fixture
def hall(config: HallConfig) -> HallState:
    state = HallState(config, enforce_hours=False)
    state.roll(NOW)
    return state


def sign_in(state: HallState, counter: int, clerk: str, now: float = NOW) -> None:
    state.sign_in(counter, clerk, f"hash-{clerk}", now)


def issue(state: HallState, service: str, now: float = NOW, priority: int = NORMAL) -> Ticket:
    return state.issue(service, now, priority=priority)[0]


def printed(state: HallState, t: Ticket) -> float:
    """What the ticket's issue answer says (views.py asks exactly this)."""
    return state.estimate(t.service, state.ahead_of(t))[0]


# ---------------------------------------------------------------------------- the projection alone


@dataclass
class Q:
    """A waiting ticket as the projection reads it."""

    queue_key: float


def queue(*keys: float) -> list[Q]:
    return [Q(k) for k in keys]


def times(calls: dict[str, Calls]) -> dict[str, list[float]]:
    return {s: c.times for s, c in calls.items()}


def test_projection_of_two_counters_one_busy() -> None:
    desks = [Desk(("s",), True, 0.0), Desk(("s",), True, 100.0)]
    calls = project(desks, {"s": {NORMAL: queue(1, 2, 3)}}, {"s": 300.0})
    # 1st at once (A, busy to 300), 2nd when B is free (100, to 400), 3rd when A is (300);
    # one issued now: when the first counter is free after that, B at 400
    assert times(calls) == {"s": [0.0, 100.0, 300.0, 400.0]}
    assert calls["s"].drained and calls["s"].at(3) == calls["s"].at(9) == 400.0


def test_projection_priority_first() -> None:
    calls = project([Desk(("s",), True, 0.0)], {"s": {NORMAL: queue(1, 2), GREEN: queue(5)}}, {"s": 60.0})
    # the green ticket is called first: the k-th entry is the k-th in (priority, queue) order
    assert calls["s"].times == [0.0, 60.0, 120.0, 180.0]


def test_projection_shared_counter_by_policy() -> None:
    queues = {"a": {NORMAL: queue(2)}, "b": {NORMAL: queue(1)}}
    handle = {"a": 100.0, "b": 500.0}
    oldest = project([Desk(("a", "b"), True, 0.0)], queues, handle)
    assert times(oldest) == {"a": [500.0, 600.0], "b": [0.0, 600.0]}  # b's ticket is older: it goes first
    in_order = project([Desk(("a", "b"), False, 0.0)], queues, handle)
    assert times(in_order) == {"a": [0.0, 600.0], "b": [100.0, 600.0]}  # the counter's first service first


def test_projection_tickets_sent_to_a_counter_come_first_and_unserved_services_get_nothing() -> None:
    calls = project(
        [Desk(("s",), True, 50.0, sent=("t",))], {"s": {NORMAL: queue(1)}, "t": {}}, {"s": 100.0, "t": 200.0}
    )
    assert times(calls) == {"s": [250.0, 350.0], "t": []}  # 50 s left, then the visitor sent here, then ours
    assert calls["t"].at(0) is None


def test_projection_beyond_the_horizon_goes_on_at_the_pace_played() -> None:
    desks = [Desk(("s",), True, 0.0), Desk(("s",), True, 0.0)]
    calls = project(desks, {"s": {NORMAL: queue(*range(10))}}, {"s": 100.0}, horizon=4)
    assert calls["s"].times == [0.0, 0.0, 100.0, 100.0] and not calls["s"].drained
    assert calls["s"].pace == 50.0  # 4 calls in the 200 s until the next one would be made
    assert calls["s"].at(9) == 100.0 + 6 * 50.0
    full = project(desks, {"s": {NORMAL: queue(*range(10))}}, {"s": 100.0})
    assert full["s"].at(9) == 400.0  # played one by one: pairs at 0, 100, 200, 300, 400


def test_remaining_never_below_a_quarter_of_the_mean() -> None:
    assert remaining(300.0, 100.0) == 200.0
    assert remaining(300.0, 1000.0) == 75.0  # overrunning: expected to end soon, not now


def test_handling_times_window_and_clear() -> None:
    h = HandlingTimes(2, {"s": 60.0, "t": 30.0})
    assert h.mean("s") == 60.0
    h.add("s", 10)
    assert h.mean("s") == 10
    h.add("s", 20)
    h.add("s", 30)  # the window keeps the last two
    assert h.mean("s") == 25
    h.add("t", -5)  # a clock step backwards never gives a negative time
    assert h.mean("t") == 0
    h.clear()
    assert (h.mean("s"), h.mean("t")) == (60.0, 30.0)
    assert estimate_seconds(3, 100, 0) == 300  # no counter: as if one


# ---------------------------------------------------------------------------- the hall's estimate


def test_known_arrivals_and_a_visitor_at_the_counter(hall: HallState) -> None:
    sign_in(hall, 4, "ann")  # social only
    first = [issue(hall, "social") for _ in range(3)]
    assert [printed(hall, t) for t in first] == [0.0, SOCIAL, 2 * SOCIAL]
    hall.call_next(4, NOW)
    late = issue(hall, "social", NOW + 60)  # the visitor at counter 4 has 240 s to go
    assert hall.ahead_of(late) == 2
    assert printed(hall, late) == 240 + 2 * SOCIAL
    assert hall.queue_figures("social").estimated_wait_s == 240 + 3 * SOCIAL  # one issued now
    assert hall.estimate("tax", 2) == (2 * TAX, 0)  # nobody serves tax: as if one counter did


def test_no_counter_open_assumes_one(hall: HallState) -> None:
    issue(hall, "social")
    issue(hall, "social")
    assert hall.estimate("social", 2) == (2 * SOCIAL, 0)
    figures = hall.queue_figures("social")
    assert (figures.estimated_wait_s, figures.counters_open) == (2 * SOCIAL, 0)


def test_comprehensive_counter_and_pause(hall: HallState) -> None:
    sign_in(hall, 4, "ann")  # social
    sign_in(hall, 1, "cat")  # every service, oldest first
    social = [issue(hall, "social") for _ in range(2)]
    tax = issue(hall, "tax")  # issued last: counter 1 takes it after its social visitor
    assert [printed(hall, t) for t in social] == [0.0, 0.0]
    assert printed(hall, tax) == SOCIAL
    assert hall.estimate("social", 2) == (SOCIAL, 2)  # one issued now: the first counter free
    hall.pause(1, "lunch", NOW)  # a paused counter is not counted
    assert [printed(hall, t) for t in social] == [0.0, SOCIAL]
    assert hall.estimate("tax", 0) == (0.0, 0)


def test_green_ticket_goes_before_those_waiting(hall: HallState) -> None:
    sign_in(hall, 4, "ann")
    normal = [issue(hall, "social") for _ in range(2)]
    green = issue(hall, "social", priority=GREEN)
    assert printed(hall, green) == 0.0
    assert [printed(hall, t) for t in normal] == [SOCIAL, 2 * SOCIAL]


def test_learned_handling_times_from_the_days_finishes(hall: HallState) -> None:
    sign_in(hall, 4, "ann")
    for _ in range(4):
        issue(hall, "social")
    hall.call_next(4, NOW)
    hall.finish(4, NOW + 120)
    hall.call_next(4, NOW + 120)
    hall.finish(4, NOW + 360)  # 240 s call to finish
    assert hall.handling.mean("social") == 180
    assert hall.estimate("social", 1) == (180, 1)  # counter 4 is free: one before, 180 s
    assert hall.handling.mean("tax") == TAX  # other services keep their default


def test_restart_rebuilds_the_same_estimates(hall: HallState, config: HallConfig) -> None:
    """A day played to a point, then a fresh HallState loaded from what storage would hold (the
    tickets and open sessions): every waiting ticket and every service gets the same figure."""
    sign_in(hall, 4, "ann")
    sign_in(hall, 2, "bob")
    for i in range(6):
        issue(hall, ("social", "tax")[i % 2], NOW + 10 * i)
    hall.call_next(4, NOW + 60)
    hall.finish(4, NOW + 200)
    hall.call_next(2, NOW + 70)
    hall.finish(2, NOW + 500)
    hall.call_next(4, NOW + 210)
    issue(hall, "social", NOW + 520, priority=GREEN)
    hall.call_next(2, NOW + 530)

    again = HallState(config, enforce_hours=False)
    again.load(
        day=hall.day,
        tickets=[copy.copy(t) for t in hall.tickets.values()],
        sessions=[copy.copy(c.session) for c in hall.counters.values() if c.session is not None],
        last_signout={},
        next_ids=(hall.next_ticket_id, hall.next_session_id, hall.next_pause_id),
    )
    waiting = [t for t in hall.tickets.values() if t.state == "waiting"]
    assert waiting
    for t in waiting:
        assert printed(again, again.tickets[t.id]) == printed(hall, t)
    for s in ("social", "tax", "consult"):
        assert again.queue_figures(s) == hall.queue_figures(s)
    assert {s: again.handling.mean(s) for s in ("social", "tax")} == {
        s: hall.handling.mean(s) for s in ("social", "tax")
    }
