"""Estimated wait for a ticket, from the people ahead, today's handling times and open counters.

The formula (also in docs/queue-rules.md):

    wait = ahead × handle(s) / capacity(s)

* ``ahead``: tickets waiting for service *s* that will be called before this one.
* ``handle(s)``: mean call-to-finish time of the last ``handle_time_window`` tickets of *s*
  finished today; before the first finish, the service's ``default_handle_minutes``.
* ``capacity(s)``: the counters that can take *s* now (a clerk signed in, not paused).  A counter
  that serves several services is shared between them: it adds ``1/k``, where *k* is the number
  of its services that have people waiting (at least 1).  With no counter open the estimate
  assumes one, so a visitor who arrives before opening still sees a figure, and the reply says
  ``counters_open: 0``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable


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


def capacity(service: str, open_counters: Iterable[list[str]], busy_services: set[str]) -> float:
    """Share of the open counters available to ``service``; each entry is a counter's services."""
    total = 0.0
    for services in open_counters:
        if service in services:
            k = sum(1 for s in services if s in busy_services or s == service)
            total += 1.0 / max(1, k)
    return total


def estimate_seconds(ahead: int, handle_seconds: float, cap: float) -> float:
    """Seconds until a ticket with ``ahead`` people before it is called."""
    return ahead * handle_seconds / (cap if cap > 0 else 1.0)
