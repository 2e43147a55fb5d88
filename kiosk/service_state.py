"""Which services a visitor may take a number for right now, from the hall mirror.

Pure functions, no Qt: the start screen draws what this returns, and the tests check the rules
without a screen.  The server stays the judge (it refuses ``service_closed`` and
``daily_cap_reached``); this only keeps the kiosk from offering a button that would be refused.
Every fact comes from the server: a service's issuing hours are already resolved (its own or
the hall's), and whether they are open now is the rule the server itself uses
(``hallcall.hours``).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from hallcall import hours
from hallcall import protocol as p
from hallcall.config import Names

State = Literal["open", "closed", "full"]


@dataclass(frozen=True)
class ServiceStatus:
    """One service button's content."""

    id: str
    prefix: str
    name: Names
    waiting: int
    estimated_wait_s: int
    state: State
    priority_allowed: bool
    # For a closed service: when it issues again today (hall-local), None when not today.
    opens_at: dt.datetime | None = None


def hall_time(hall: p.HallView, epoch: float) -> dt.datetime:
    """``epoch`` as the hall's local time (the hall's timezone, not the kiosk machine's)."""
    return dt.datetime.fromtimestamp(epoch, zoneinfo.ZoneInfo(hall.timezone))


def statuses(
    hall: p.HallView,
    summaries: Mapping[str, p.ServiceSummary],
    moment: dt.datetime,
    refused: Mapping[str, State] | None = None,
) -> list[ServiceStatus]:
    """One status per configured service, in config order.

    ``summaries`` are the latest service summaries by id (the mirror's); ``refused`` holds
    what the server said when it last refused a service, which wins until the caller forgets
    it (the next snapshot or the next minute).  A closed service carries when it opens again
    today, by the server's own rule (``hallcall.hours``).
    """
    refused = refused or {}
    out = []
    for service in hall.services:
        summary = summaries.get(service.id)
        state: State = "open"
        if hall.hours_enforced and not hours.is_open(service.issuing_hours, hall.open_days, moment):
            state = "closed"
        elif summary is not None and summary.cap_left == 0:
            state = "full"
        if state == "open" and service.id in refused:
            state = refused[service.id]
        opens_at = None
        if state == "closed" and hall.hours_enforced:
            opens_at = hours.next_opening(service.issuing_hours, hall.open_days, moment)
        out.append(
            ServiceStatus(
                id=service.id,
                prefix=service.prefix,
                name=service.name,
                waiting=summary.waiting if summary else 0,
                estimated_wait_s=summary.estimated_wait_s if summary else 0,
                state=state,
                priority_allowed=service.priority_allowed,
                opens_at=opens_at,
            )
        )
    return out
