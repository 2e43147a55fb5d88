"""Which services a visitor may take a number for right now, from the snapshot and queue events.

Pure functions, no Qt: the start screen draws what this returns, and the tests check the rules
without a screen.  The server stays the judge (it refuses ``service_closed`` and
``daily_cap_reached``); this only keeps the kiosk from offering a button that would be refused.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any, Literal

from hallcall.config import WEEKDAYS, parse_hours

State = Literal["open", "closed", "full"]


@dataclass(frozen=True)
class ServiceStatus:
    """One service button's content."""

    id: str
    prefix: str
    name: dict[str, str]
    waiting: int
    estimated_wait_s: int
    state: State
    priority_allowed: bool


def issuing_now(spans: list[str], moment: dt.datetime) -> bool:
    """True if the hall-local ``moment`` falls inside one of the ``HH:MM-HH:MM`` spans."""
    minute = moment.hour * 60 + moment.minute + moment.second / 60
    return any(start <= minute < end for start, end in map(parse_hours, spans))


def hall_time(hall: dict[str, Any], epoch: float) -> dt.datetime:
    """``epoch`` as the hall's local time (the hall's timezone, not the kiosk machine's)."""
    return dt.datetime.fromtimestamp(epoch, zoneinfo.ZoneInfo(hall.get("timezone") or "Asia/Shanghai"))


def statuses(
    hall: dict[str, Any],
    summaries: dict[str, dict[str, Any]],
    moment: dt.datetime,
    refused: dict[str, State] | None = None,
) -> list[ServiceStatus]:
    """One status per configured service, in config order.

    ``summaries`` are the latest service summaries by id (snapshot, then ``queue`` events);
    ``refused`` holds what the server said when it last refused a service, which wins until
    the caller forgets it (the next snapshot or the next minute).
    """
    refused = refused or {}
    enforced = bool(hall.get("hours_enforced", True))
    open_today = WEEKDAYS[moment.weekday()] in hall.get("open_days", WEEKDAYS)
    out = []
    for service in hall.get("services", []):
        sid = service["id"]
        summary = summaries.get(sid, {})
        state: State = "open"
        spans = service.get("issuing_hours") or hall.get("opening_hours", [])
        if enforced and not (open_today and issuing_now(spans, moment)):
            state = "closed"
        elif summary.get("cap_left") == 0:
            state = "full"
        if state == "open" and sid in refused:
            state = refused[sid]
        out.append(
            ServiceStatus(
                id=sid,
                prefix=service.get("prefix", ""),
                name=service["name"],
                waiting=int(summary.get("waiting", 0)),
                estimated_wait_s=int(summary.get("estimated_wait_s", 0)),
                state=state,
                priority_allowed=bool(service.get("priority_allowed", True)),
            )
        )
    return out
