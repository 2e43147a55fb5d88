"""Hall time: which business day an instant belongs to, and whether something is open.

A hall's day does not end at midnight: it rolls over at ``hall.rollover_hour`` local time, so a
ticket issued at 01:00 on an extended-hours night still belongs to the day before.
"""

from __future__ import annotations

import datetime as dt

from hallcall import hours
from hallcall.config import HallConfig


def local(config: HallConfig, now: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(now, config.tz)


def business_day(config: HallConfig, now: float) -> str:
    """ISO date of the business day containing ``now``."""
    shifted = local(config, now) - dt.timedelta(hours=config.hall.rollover_hour)
    return shifted.date().isoformat()


def open_span(config: HallConfig, spans: list[str], now: float) -> tuple[float, float] | None:
    """The opening span (start, end as epoch seconds) that contains ``now``, if any (the rule
    is hallcall.hours', which the kiosk asks too)."""
    span = hours.open_span(spans, config.hall.open_days, local(config, now))
    return None if span is None else (span[0].timestamp(), span[1].timestamp())


def hall_open(config: HallConfig, now: float) -> tuple[float, float] | None:
    return open_span(config, config.hall.opening_hours, now)


def issuing_open(config: HallConfig, service_id: str, now: float) -> bool:
    service = config.service(service_id)
    assert service is not None
    return open_span(config, service.issuing_hours or config.hall.opening_hours, now) is not None
