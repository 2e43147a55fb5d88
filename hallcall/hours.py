"""Whether a set of opening hours is open at a moment: the one rule the server and the kiosk share.

The server refuses a ticket outside a service's issuing hours; the kiosk greys out the button
that would be refused.  Both ask this module, so they never disagree about a minute.  Pure:
no config, no clock of its own — the caller gives the spans (``HH:MM-HH:MM``), the open days
and the hall-local moment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from hallcall.config import WEEKDAYS, parse_hours


def open_span(
    spans: Sequence[str], open_days: Sequence[str], moment: dt.datetime
) -> tuple[dt.datetime, dt.datetime] | None:
    """The span (start, end, hall-local) that contains the hall-local ``moment``, if any: the
    start is inside, the end is not; nothing is open on a day missing from ``open_days``."""
    if WEEKDAYS[moment.weekday()] not in open_days:
        return None
    minute = moment.hour * 60 + moment.minute + moment.second / 60
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    for span in spans:
        start, end = parse_hours(span)
        if start <= minute < end:
            return midnight + dt.timedelta(minutes=start), midnight + dt.timedelta(minutes=end)
    return None


def is_open(spans: Sequence[str], open_days: Sequence[str], moment: dt.datetime) -> bool:
    """True if the hall-local ``moment`` falls inside one of ``spans`` on an open day."""
    return open_span(spans, open_days, moment) is not None


def next_opening(spans: Sequence[str], open_days: Sequence[str], moment: dt.datetime) -> dt.datetime | None:
    """When the hall-local ``moment``'s day opens again: the start of its first span that
    begins after ``moment``; None when no span starts later that day (closed for the day, or
    a day missing from ``open_days``).  A closed service's button says this time, so a
    visitor at lunch learns when to come back instead of only that it is closed."""
    if WEEKDAYS[moment.weekday()] not in open_days:
        return None
    minute = moment.hour * 60 + moment.minute + moment.second / 60
    later = [start for start, _end in map(parse_hours, spans) if start > minute]
    if not later:
        return None
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight + dt.timedelta(minutes=min(later))
