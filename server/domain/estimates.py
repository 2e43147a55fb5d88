"""Estimated wait for a ticket: the hall's next calls played forward from where it stands now.

The method (also in docs/queue-rules.md, "Estimated wait"):

* ``handle(s)``: how long a call of service *s* keeps a counter, the mean of the last
  ``handle_time_window`` calls of *s* finished today (call to finish); before the first, the
  service's ``default_handle_minutes``.  A call finished within ``MIN_VISIT_SECONDS`` is not a
  visit (a mis-click, or a number called and closed at once) and teaches nothing.  Rebuilt from
  today's tickets after a restart, in the order they finished, so a restarted server estimates
  as before.
* Expected visitors (:class:`ArrivalRates`): per service, the pace of its last half hour of
  issuing, once the day has issued for ten minutes, until its issuing hours end.
* The projection (:func:`project`): every open counter (a clerk signed in, not paused) is free
  now, or when its current visitor is done (``handle`` of that ticket's service less the time
  since the call, at least a quarter of ``handle``, since an overrunning visit ends soon).  The
  counter free first takes the next ticket as the calling order would give it: tickets sent
  to it first, then the highest priority class across its services, then its policy (the
  oldest across its services, or the first of its services in its list with anyone there);
  it is busy for ``handle`` of that service.  Expected visitors join the end of their
  service's line when they come; a counter with nothing it may call waits for the next.
  This repeats for a bounded number of calls, which gives, per service, the moment the k-th
  ticket of its line (priority first, then queue order, then one issued now, then those
  expected) is called; a ticket with ``ahead`` people before it is the (ahead+1)-th.  The one
  issued now is a probe: called when a counter would take it, at no counter time, so
  measuring it delays nobody.  This accounts for several counters serving one service,
  comprehensive windows shared with the other services (they take turns by the policy, not a
  fixed share), ``in_order`` counters taking newcomers of their first service first, priority
  tickets ahead and visitors already at the counters.
* With no open counter for the service, the estimate assumes one counter (``ahead × handle``),
  so a visitor who arrives before opening still sees a figure, and the reply says
  ``counters_open: 0``.

The projection costs one pass over the next calls (a heap of the open counters), and the hall
caches it until the queue, the counters or the latest moment it has seen change.
"""

from __future__ import annotations

import bisect
import heapq
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

# A call finished sooner than this after it was made was not a visit: nobody walks to a counter and
# is served in ten seconds.  Learning such a call (a mis-click, or a clock stepped backwards) would
# pull the service's estimate down until ``handle_time_window`` real visits pushed it out.
MIN_VISIT_SECONDS = 10.0


class HandlingTimes:
    """Rolling mean of today's handling times per service (visits of ``MIN_VISIT_SECONDS`` or more)."""

    def __init__(self, window: int, defaults: dict[str, float]) -> None:
        self._window = window
        self._defaults = defaults  # seconds
        self._recent: dict[str, deque[float]] = {}

    def add(self, service: str, seconds: float) -> None:
        if seconds >= MIN_VISIT_SECONDS:
            self._recent.setdefault(service, deque(maxlen=self._window)).append(seconds)

    def mean(self, service: str) -> float:
        recent = self._recent.get(service)
        if not recent:
            return self._defaults[service]
        return sum(recent) / len(recent)

    def clear(self) -> None:
        self._recent.clear()


class ArrivalRates:
    """How many visitors each service had lately: the pace the projection expects more at.

    The rate is the service's tickets issued in the last ``ARRIVAL_WINDOW`` (or since the day's
    first ticket, if that is sooner), and is used only once the day has seen ``ARRIVAL_EVIDENCE``
    of issuing: a hall's first few tickets say little about the next hour."""

    def __init__(self) -> None:
        self._issued: dict[str, list[float]] = {}  # per service, its issue times in order
        self._first: float | None = None

    def add(self, service: str, at: float) -> None:
        bisect.insort(self._issued.setdefault(service, []), at)
        self._first = at if self._first is None else min(self._first, at)

    def expected(self, now: float, issuing_left: Callable[[str], float]) -> dict[str, Arrivals]:
        """Per service, the visitors expected after ``now``; ``issuing_left(service)``: seconds
        until it stops issuing today (0: not issuing now)."""
        if self._first is None or now - self._first < ARRIVAL_EVIDENCE:
            return {}
        span = min(ARRIVAL_WINDOW, now - self._first)
        out: dict[str, Arrivals] = {}
        for service, times in self._issued.items():
            lately = len(times) - bisect.bisect_left(times, now - span)
            left = issuing_left(service) if lately else 0.0
            if left > 0:
                out[service] = Arrivals(span / lately, left)
        return out

    def clear(self) -> None:
        self._issued.clear()
        self._first = None


def estimate_seconds(ahead: int, handle_seconds: float, cap: float) -> float:
    """Seconds until a ticket with ``ahead`` people before it is called, ``cap`` counters
    working through them (the estimate when no open counter serves the service: one)."""
    return ahead * handle_seconds / (cap if cap > 0 else 1.0)


ARRIVAL_WINDOW = 30 * 60.0  # seconds of recent issuing that set the pace of expected visitors
ARRIVAL_EVIDENCE = 10 * 60.0  # ... counted only once the day has issued for this long
NORMAL = 0  # the class of a ticket issued now or expected (model.NORMAL; the domain's lowest)
_IN_ORDER = (0, 0.0)  # an in_order counter compares classes only: the first service in its list wins ties
OVERRUN_SHARE = 0.25  # a visit past its mean is expected to end within this share of the mean
HORIZON = 200  # calls projected one by one; the queue beyond goes at the pace they set


class Queued(Protocol):
    """A waiting ticket as the projection reads it."""

    queue_key: float


@dataclass(frozen=True, slots=True)
class Desk:
    """An open counter as the projection sees it."""

    services: tuple[str, ...]  # in the counter's order
    oldest_first: bool  # policy "oldest" (else "in_order": the first service with anyone waiting)
    free_in: float  # seconds until its current visitor is done (0: free now)
    sent: tuple[str, ...] = ()  # services of the tickets transferred to it, in the order it takes them


@dataclass(frozen=True, slots=True)
class Arrivals:
    """The visitors a service expects after now: one every ``every`` seconds, the first ``every``
    from now, none at or after ``until`` seconds from now (its issuing hours end)."""

    every: float
    until: float

    def at(self, i: int) -> float | None:
        """When the (i+1)-th expected visitor comes, seconds from now; None: no more today."""
        moment = (i + 1) * self.every
        return moment if moment < self.until else None


@dataclass(slots=True)
class Calls:
    """When the tickets of one service are called, seconds from now, in its queue order: the
    waiting tickets, then one issued now, then the visitors expected after now."""

    times: list[float] = field(default_factory=list)  # projected one by one
    pace: float = 0.0  # seconds between calls beyond the projected ones
    drained: bool = False  # everything was projected and nobody more is expected: later ones are as the last
    reached: bool = True  # every waiting ticket was projected (False: the line goes on past the horizon)

    def at(self, k: int) -> float | None:
        """The (k+1)-th call; None when no open counter serves the service."""
        if not self.times:
            return None
        if k < len(self.times) or self.drained:
            return self.times[min(k, len(self.times) - 1)]
        return self.times[-1] + (k - len(self.times) + 1) * self.pace


@dataclass(frozen=True, slots=True)
class Projection:
    """A projection as the hall keeps it: what it was made from, when, and what it gave."""

    key: tuple[object, ...]  # the open counters, their visitors, the finishes, the tickets sent
    now: float  # the latest moment the hall had seen when it was made
    calls: dict[str, Calls]
    opened: dict[str, int]

    def past_horizon(self, service: str) -> bool:
        """Whether ``service``'s line went on past the calls it played: a normal ticket joining
        its end changes none of them."""
        calls = self.calls.get(service)
        return calls is not None and not calls.reached


def remaining(handle_seconds: float, elapsed: float) -> float:
    """Seconds a visit that began ``elapsed`` seconds ago still takes, by the mean ``handle``."""
    return max(handle_seconds - elapsed, OVERRUN_SHARE * handle_seconds)


class _Line:
    """One service's line as the projection walks it: its waiting tickets class by class (the
    highest first), then one issued now (a probe: it is called but costs its counter nothing,
    so it measures without delaying anyone), then its expected visitors."""

    __slots__ = ("arrivals", "classes", "cls", "expected", "pos", "probed")

    def __init__(self, queues: Mapping[int, Sequence[Queued]], arrivals: Arrivals | None) -> None:
        self.classes = [(p, queues[p]) for p in sorted(queues, reverse=True) if queues[p]]
        self.cls = self.pos = self.expected = 0
        self.probed = False
        self.arrivals = arrivals

    def head(self) -> tuple[int, tuple[int, float], float] | None:
        """(priority class, its order among the hall's tickets, when it is there) of the next
        one; None when nothing more comes.  A waiting ticket (0, its queue key) is older than
        anyone yet to come (1, seconds from now), so one key orders them all."""
        if self.cls < len(self.classes):
            priority, tickets = self.classes[self.cls]
            return priority, (0, tickets[self.pos].queue_key), 0.0
        if not self.probed:
            return NORMAL, (1, 0.0), 0.0
        at = self.arrivals.at(self.expected) if self.arrivals is not None else None
        return None if at is None else (NORMAL, (1, at), at)

    def take(self) -> bool:
        """Move past the head; True when it was the probe (it costs no counter time)."""
        if self.cls < len(self.classes):
            self.pos += 1
            if self.pos == len(self.classes[self.cls][1]):
                self.cls, self.pos = self.cls + 1, 0
            return False
        if not self.probed:
            self.probed = True
            return True
        self.expected += 1
        return False

    @property
    def waiting_left(self) -> bool:
        return self.cls < len(self.classes)


def project(
    desks: Sequence[Desk],
    queues: Mapping[str, Mapping[int, Sequence[Queued]]],
    handle: Mapping[str, float],
    arrivals: Mapping[str, Arrivals] | None = None,
    horizon: int = HORIZON,
) -> dict[str, Calls]:
    """Play the next calls forward: per service, when each waiting ticket is called.

    ``queues``: per service, its waiting tickets per priority class, each class in queue order
    (as the hall keeps them).  ``handle``: seconds a call keeps a counter, per service.
    ``arrivals``: per service, the visitors expected after now; they join the end of its line
    when they come, and a counter that has nothing it may call waits for the next of them.
    After a service's waiting tickets comes one issued now (what a kiosk shows), called when a
    counter would take it, without its counter time.  At most ``horizon`` calls are played; a
    service with tickets beyond them goes on at the pace it had in them (its calls over their
    span), or one counter's pace if it had none.  A service no desk serves gets no entry.
    """
    arrivals = arrivals or {}
    lines = {s: _Line(q, arrivals.get(s)) for s, q in queues.items()}
    calls = {s: Calls() for s in lines}
    oldest = _OldestOfAll(lines)
    everything = set(lines)
    heap: list[tuple[float, int]] = []
    idle: list[tuple[float, int]] = []  # counters with nothing left they may call, and since when
    for i, d in enumerate(desks):
        free = d.free_in + sum(handle.get(s, 0.0) for s in d.sent)  # its own visitors come first
        heapq.heappush(heap, (free, i))
    # a comprehensive window that calls the oldest picks from one heap of every line's head
    # (the same pick as looking at each of its services in turn, at a fraction of the cost)
    shared = [d.oldest_first and d.services == oldest.order and set(d.services) == everything for d in desks]

    played = 0
    while heap and played < horizon:
        free, i = heapq.heappop(heap)
        d = desks[i]
        best, soonest = oldest.pick(free) if shared[i] else _pick(d, lines, free)
        if best is None:
            if soonest is None:  # nothing left this counter may call
                idle.append((free, i))
            else:  # it waits for the next visitor it may call
                heapq.heappush(heap, (soonest, i))
            continue
        calls[best].times.append(free)
        probe = lines[best].take()
        oldest.moved(best)
        if probe:
            heapq.heappush(heap, (free, i))  # the probe: the counter is as free as before
            continue
        played += 1
        heapq.heappush(heap, (free + handle.get(best, 0.0), i))
    ends = sorted(heap + idle)
    # the span the played calls took: up to the moment the next one would be made
    span = ends[0][0] if ends else 0.0
    first_free: dict[str, float] = {}  # per service, when the first of its counters is free
    serving: dict[str, int] = {}  # and how many serve it
    for free, i in ends:
        for s in desks[i].services:
            if s in serving:
                serving[s] += 1
            else:
                first_free[s], serving[s] = free, 1
    for s, c in calls.items():
        if s not in first_free:
            c.times.clear()  # no open counter serves it
            continue
        line = lines[s]
        c.reached = not line.waiting_left
        if line.head() is None:  # all projected, and nobody more expected
            c.drained = True
            continue
        # beyond the horizon: its pace in the calls played, or one counter's if it had none
        c.pace = span / len(c.times) if c.times and span > 0 else handle.get(s, 0.0) / serving[s]
        if not c.times:  # none of its calls within the horizon: they begin after it
            c.times.append(max(span, first_free[s]))
    return calls


def _pick(desk: Desk, lines: Mapping[str, _Line], free: float) -> tuple[str | None, float | None]:
    """What ``desk``, free at ``free``, calls next: (its service, None), or (None, when the next
    visitor it may call comes), or (None, None) when nothing more comes for it."""
    best: str | None = None
    best_key: tuple[int, tuple[int, float]] | None = None
    soonest: float | None = None
    for s in desk.services:
        line = lines.get(s)
        h = line.head() if line is not None else None
        if h is None:
            continue
        if h[2] > free:
            soonest = h[2] if soonest is None else min(soonest, h[2])
            continue
        # the higher class first; the counter's policy breaks ties (oldest, or its list order)
        key = (-h[0], h[1] if desk.oldest_first else _IN_ORDER)
        if best_key is None or key < best_key:
            best, best_key = s, key
    return best, soonest


class _OldestOfAll:
    """Every line's head in one heap, ordered as a counter that serves them all and calls the
    oldest would: the higher class, then the older, then the line's place in the hall's list.
    An entry whose line has moved since (another counter called from it) is set right when it
    comes to the top."""

    def __init__(self, lines: Mapping[str, _Line]) -> None:
        self.lines = lines
        self.order = tuple(lines)
        self.heap: list[tuple[int, tuple[int, float], int]] = []
        for place, s in enumerate(self.order):
            h = lines[s].head()
            if h is not None:
                self.heap.append((-h[0], h[1], place))
        heapq.heapify(self.heap)

    def pick(self, free: float) -> tuple[str | None, float | None]:
        while self.heap:
            negative, order, place = self.heap[0]
            s = self.order[place]
            h = self.lines[s].head()
            if h is None:
                heapq.heappop(self.heap)
            elif (-h[0], h[1]) != (negative, order):
                heapq.heapreplace(self.heap, (-h[0], h[1], place))
            elif h[2] > free:  # the oldest is someone yet to come: nobody is here before them
                return None, h[2]
            else:
                return s, None
        return None, None

    def moved(self, service: str) -> None:
        """``service``'s line moved on: its entry, if at the top, is set right now."""
        if self.heap and self.order[self.heap[0][2]] == service:
            h = self.lines[service].head()
            if h is None:
                heapq.heappop(self.heap)
            else:
                heapq.heapreplace(self.heap, (-h[0], h[1], self.order.index(service)))
