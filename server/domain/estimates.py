"""Estimated wait for a ticket: the hall's next calls played forward from where it stands now.

The method (also in docs/queue-rules.md, "Estimated wait"):

* ``handle(s)``: how long a call of service *s* keeps a counter, the mean of the last
  ``handle_time_window`` calls of *s* that ended today, served (call to finish) or absent (call
  to no-show: a visitor who does not come still costs the counter the recall and the wait);
  before the first, the service's ``default_handle_minutes``.  Rebuilt from today's tickets
  after a restart, in the order they ended, so a restarted server estimates as before.
* The projection (:func:`project`): every open counter (a clerk signed in, not paused) is free
  now, or when its current visitor is done (``handle`` of that ticket's service less the time
  since the call, at least a quarter of ``handle``, since an overrunning visit ends soon).  The
  counter free first takes the next ticket as the calling order would give it: tickets sent
  to it first, then the highest priority class across its services, then its policy (the
  oldest across its services, or the first of its services in its list with anyone waiting);
  it is busy for ``handle`` of that service.  This repeats until every waiting ticket has a
  call time, which gives, per service, the moment the k-th ticket in its queue order (priority
  first, then issue order) is called; a ticket with ``ahead`` people before it is the
  (ahead+1)-th.  A ticket issued now is called when the first counter of its service is free
  after the queue has drained.  This accounts for several counters serving one service,
  comprehensive windows shared with the other services (they take turns by the policy, not a
  fixed share), priority tickets ahead and visitors already at the counters.
* With no open counter for the service, the estimate assumes one counter (``ahead × handle``),
  so a visitor who arrives before opening still sees a figure, and the reply says
  ``counters_open: 0``.

The projection costs one pass over the waiting tickets (a heap of the open counters), and the
hall caches it until the queue, the counters or the clock it was made at change.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol


class HandlingTimes:
    """Rolling mean of today's handling times per service."""

    def __init__(self, window: int, defaults: dict[str, float]) -> None:
        self._window = window
        self._defaults = defaults  # seconds
        self._recent: dict[str, deque[float]] = {}

    def add(self, service: str, seconds: float) -> None:
        self._recent.setdefault(service, deque(maxlen=self._window)).append(max(0.0, seconds))

    def mean(self, service: str) -> float:
        recent = self._recent.get(service)
        if not recent:
            return self._defaults[service]
        return sum(recent) / len(recent)

    def clear(self) -> None:
        self._recent.clear()


def estimate_seconds(ahead: int, handle_seconds: float, cap: float) -> float:
    """Seconds until a ticket with ``ahead`` people before it is called, ``cap`` counters
    working through them (the estimate when no open counter serves the service: one)."""
    return ahead * handle_seconds / (cap if cap > 0 else 1.0)


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


@dataclass(slots=True)
class Calls:
    """When the tickets of one service are called, seconds from now, in its queue order."""

    times: list[float] = field(default_factory=list)  # projected one by one
    pace: float = 0.0  # seconds between calls beyond the projected ones
    drained: bool = False  # every waiting ticket projected: the last entry is for one issued now

    def at(self, k: int) -> float | None:
        """The (k+1)-th call; None when no open counter serves the service."""
        if not self.times:
            return None
        if k < len(self.times) or self.drained:
            return self.times[min(k, len(self.times) - 1)]
        return self.times[-1] + (k - len(self.times) + 1) * self.pace


def remaining(handle_seconds: float, elapsed: float) -> float:
    """Seconds a visit that began ``elapsed`` seconds ago still takes, by the mean ``handle``."""
    return max(handle_seconds - elapsed, OVERRUN_SHARE * handle_seconds)


def project(
    desks: Sequence[Desk],
    queues: Mapping[str, Mapping[int, Sequence[Queued]]],
    handle: Mapping[str, float],
    horizon: int = HORIZON,
) -> dict[str, Calls]:
    """Play the next calls forward: per service, when each waiting ticket is called.

    ``queues``: per service, its waiting tickets per priority class, each class in queue order
    (as the hall keeps them).  ``handle``: seconds a call keeps a counter, per service.  At most
    ``horizon`` calls are played; a service with tickets beyond them goes on at the pace it had
    in them (its calls over their span), or one counter's pace if it had none.  A service whose
    whole queue was played gets one more entry: a ticket issued now, called when the first of
    its counters is free after the queue has drained.  A service no desk serves gets no entry.
    """
    classes = {s: [q[p] for p in sorted(q, reverse=True) if q[p]] for s, q in queues.items()}
    cursor = {s: (0, 0) for s in classes}  # (class, position) of the next ticket to call
    calls = {s: Calls() for s in classes}
    heap: list[tuple[float, int]] = []
    idle: list[tuple[float, int]] = []  # counters with nothing left they may call, and since when
    for i, d in enumerate(desks):
        free = d.free_in + sum(handle.get(s, 0.0) for s in d.sent)  # its own visitors come first
        heapq.heappush(heap, (free, i))

    def head(s: str) -> tuple[int, float] | None:
        c, k = cursor.get(s, (0, 0))
        lists = classes.get(s, [])
        if c >= len(lists):
            return None
        return c, lists[c][k].queue_key

    def advance(s: str) -> None:
        c, k = cursor[s]
        cursor[s] = (c, k + 1) if k + 1 < len(classes[s][c]) else (c + 1, 0)

    played = 0
    while heap and played < horizon:
        free, i = heapq.heappop(heap)
        d = desks[i]
        best: str | None = None
        best_head: tuple[int, float] | None = None
        for s in d.services:
            h = head(s)
            if h is None:
                continue
            # a lower class index is a higher priority class; the counter's policy breaks ties
            if (
                best_head is None
                or h[0] < best_head[0]
                or (h[0] == best_head[0] and d.oldest_first and h[1] < best_head[1])
            ):
                best, best_head = s, h
        if best is None:  # nothing left this counter may call
            idle.append((free, i))
            continue
        calls[best].times.append(free)
        advance(best)
        played += 1
        heapq.heappush(heap, (free + handle.get(best, 0.0), i))
    ends = sorted(heap + idle)
    # the span the played calls took: up to the moment the next one would be made
    span = ends[0][0] if ends else 0.0
    for s, c in calls.items():
        serving = [free for free, i in ends if s in desks[i].services]
        if not serving:
            c.times.clear()  # no open counter serves it
            continue
        if head(s) is None:  # drained: one issued now goes to the first of its counters free
            c.drained = True
            c.times.append(serving[0])
            continue
        # beyond the horizon: its pace in the calls played, or one counter's if it had none
        c.pace = span / len(c.times) if c.times and span > 0 else handle.get(s, 0.0) / len(serving)
        if not c.times:  # none of its calls within the horizon: they begin after it
            c.times.append(max(span, serving[0]))
    return calls
