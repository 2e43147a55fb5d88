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
from hallcall.server.domain import hall as hall_module
from hallcall.server.domain.estimates import (
    HORIZON,
    MIN_VISIT_SECONDS,
    ArrivalRates,
    Arrivals,
    Calls,
    Desk,
    HandlingTimes,
    estimate_seconds,
    project,
    remaining,
)
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


def restarted(hall: HallState, config: HallConfig) -> HallState:
    """A fresh HallState loaded from what storage would hold of ``hall``: its tickets and open
    sessions (a restarted server)."""
    again = HallState(config, enforce_hours=False)
    again.load(
        day=hall.day,
        tickets=[copy.copy(t) for t in hall.tickets.values()],
        sessions=[copy.copy(c.session) for c in hall.counters.values() if c.session is not None],
        last_signout={},
        next_ids=(hall.next_ticket_id, hall.next_session_id, hall.next_pause_id),
    )
    return again


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
    # the counter's first service first: an "a" ticket issued now goes before b's waiting one
    assert times(in_order) == {"a": [0.0, 100.0], "b": [100.0, 600.0]}


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


def test_projection_expected_visitors_go_first_at_an_in_order_counter_only() -> None:
    """Two b tickets wait; a's visitors are expected at 200 and 400 s (issuing ends at 500)."""
    queues = {"a": {}, "b": {NORMAL: queue(1, 2)}}
    handle = {"a": 100.0, "b": 300.0}
    expected = {"a": Arrivals(every=200.0, until=500.0)}
    in_order = project([Desk(("a", "b"), False, 0.0)], queues, handle, expected)
    # a taken now: at once, at no cost; b1 at 0 (to 300); then a's visitors who came at 200
    # and 400 go first (to 500), and b2 waits for them; b taken now after b2
    assert times(in_order) == {"a": [0.0, 300.0, 400.0], "b": [0.0, 500.0, 800.0]}
    assert in_order["a"].drained and in_order["b"].drained
    oldest = project([Desk(("a", "b"), True, 0.0)], queues, handle, expected)
    # the oldest first: both b tickets are older than anyone yet to come
    assert oldest["b"].times[:2] == [0.0, 300.0]
    assert oldest["a"].times == [600.0, 600.0, 700.0]  # a taken now, then the two who came
    without = project([Desk(("a", "b"), False, 0.0)], queues, handle)
    assert without["b"].times[:2] == [0.0, 300.0]  # with nobody expected, b2 goes at 300


def test_projection_an_idle_counter_waits_for_the_next_expected_visitor() -> None:
    calls = project([Desk(("a",), True, 0.0)], {"a": {}}, {"a": 100.0}, {"a": Arrivals(every=250.0, until=1000.0)})
    assert calls["a"].times == [0.0, 250.0, 500.0, 750.0]  # taken now, then each as they come
    assert Arrivals(every=250.0, until=1000.0).at(3) is None  # the 4th would come at 1000: closed


def test_arrival_rates_need_ten_minutes_of_issuing_and_count_the_last_half_hour() -> None:
    rates = ArrivalRates()
    always = lambda s: 3600.0  # noqa: E731
    for minute in (0, 2, 4, 6, 8):
        rates.add("s", NOW + 60 * minute)
    assert rates.expected(NOW + 9 * 60, always) == {}  # not ten minutes of issuing yet
    assert rates.expected(NOW + 10 * 60, always) == {"s": Arrivals(every=120.0, until=3600.0)}  # 5 in 10 min
    for minute in range(10, 40, 10):
        rates.add("t", NOW + 60 * minute)
    # at 40 min the window is the last 30: s had none in it, t had three (10, 20, 30)
    assert rates.expected(NOW + 40 * 60, always) == {"t": Arrivals(every=600.0, until=3600.0)}
    assert rates.expected(NOW + 40 * 60, lambda s: 0.0) == {}  # nobody expected once issuing has ended
    rates.clear()
    assert rates.expected(NOW + 40 * 60, always) == {}


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
    h.add("t", -5)  # a clock stepped backwards
    h.add("t", MIN_VISIT_SECONDS - 1)  # a call closed at once: not a visit
    assert h.mean("t") == 30.0
    h.add("t", MIN_VISIT_SECONDS)
    assert h.mean("t") == MIN_VISIT_SECONDS
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


def test_a_call_closed_at_once_teaches_nothing_live_or_after_a_restart(hall: HallState, config: HallConfig) -> None:
    """A clerk who calls and finishes within a few seconds (a mis-click) does not pull the
    service's estimate down, and a restarted server, rebuilding from the tickets, agrees."""
    sign_in(hall, 4, "ann")
    for _ in range(4):
        issue(hall, "social")
    hall.call_next(4, NOW)
    hall.finish(4, NOW + 2)  # 2 s: not a visit
    assert hall.handling.mean("social") == SOCIAL
    hall.call_next(4, NOW + 2)
    hall.finish(4, NOW + 242)  # 240 s: a visit
    assert hall.handling.mean("social") == 240
    again = restarted(hall, config)
    assert again.handling.mean("social") == 240
    assert again.queue_figures("social") == hall.queue_figures("social")


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

    again = restarted(hall, config)
    waiting = [t for t in hall.tickets.values() if t.state == "waiting"]
    assert waiting
    for t in waiting:
        assert printed(again, again.tickets[t.id]) == printed(hall, t)
    for s in ("social", "tax", "consult"):
        assert again.queue_figures(s) == hall.queue_figures(s)
    assert {s: again.handling.mean(s) for s in ("social", "tax")} == {
        s: hall.handling.mean(s) for s in ("social", "tax")
    }


def test_restart_rebuilds_the_same_estimates_with_visitors_expected(hall: HallState, config: HallConfig) -> None:
    """Forty minutes of tax visitors at counter 2, which takes tax before social: a social
    ticket taken now waits for the tax visitor expected before the counter is free for it, and
    a restarted server (the pace rebuilt from the tickets' issue times) says the same."""
    sign_in(hall, 2, "bob")
    for minute in (0, 24, 28, 32, 36):  # tax handles in 100 s: 4 in the last half hour
        issue(hall, "tax", NOW + 60 * minute)
        hall.call_next(2, NOW + 60 * minute)
        hall.finish(2, NOW + 60 * minute + 100)
    first, second = issue(hall, "social", NOW + 2400), issue(hall, "social", NOW + 2400)
    assert [printed(hall, first), printed(hall, second)] == [0.0, SOCIAL]
    # one taken now: counter 2 is free at 600, when the tax visitor expected at 450 is there
    # and goes first (100 s): 700; with nobody expected it would be 600
    assert hall.estimate("social", 2) == (600.0 + 100.0, 1)
    again = restarted(hall, config)
    assert [printed(again, again.tickets[t.id]) for t in (first, second)] == [0.0, SOCIAL]
    for s in ("social", "tax", "consult"):
        assert again.queue_figures(s) == hall.queue_figures(s)


def test_a_ticket_joining_a_line_past_the_horizon_keeps_the_projection(
    hall: HallState, config: HallConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A line longer than the projection reaches: tickets joining its end change none of the
    projected calls, so the hall keeps the projection (moved on by the time since it was made)
    instead of making it again on every ticket - and gives what a fresh one would."""
    sign_in(hall, 4, "ann")  # social only
    for _ in range(HORIZON + 20):
        issue(hall, "social")
    hall.call_next(4, NOW)
    made = []
    real_project = hall_module.project
    monkeypatch.setattr(hall_module, "project", lambda *a, **k: made.append(1) or real_project(*a, **k))
    late, estimates = [], []
    for _ in range(5):  # as the server does: the day's roll, the ticket, its estimate
        assert hall.roll(NOW + 60) == []
        late.append(issue(hall, "social", NOW + 60))
        estimates.append(printed(hall, late[-1]))
    assert len(made) == 1  # made for the first, then kept for the next four
    again = restarted(hall, config)
    assert [printed(again, again.tickets[t.id]) for t in late] == estimates
    assert estimates == sorted(estimates) and estimates[0] > (HORIZON + 18) * SOCIAL
    made.clear()
    green = issue(hall, "social", NOW + 60, priority=GREEN)  # goes first: the projection is made again
    assert printed(hall, green) == pytest.approx(SOCIAL - 60)  # when counter 4's visitor is done
    assert len(made) == 1
