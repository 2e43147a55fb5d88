"""Hall time: which business day an instant belongs to, and whether something is open.

A hall's day does not end at midnight: it rolls over at ``hall.rollover_hour`` local time, so a
ticket issued at 01:00 on an extended-hours night still belongs to the day before.
"""

from __future__ import annotations

import datetime as dt

from hallcall.config import WEEKDAYS, HallConfig, parse_hours


def local(config: HallConfig, now: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(now, config.tz)


def business_day(config: HallConfig, now: float) -> str:
    """ISO date of the business day containing ``now``."""
    shifted = local(config, now) - dt.timedelta(hours=config.hall.rollover_hour)
    return shifted.date().isoformat()


def _minutes(moment: dt.datetime) -> int:
    return moment.hour * 60 + moment.minute


def open_span(config: HallConfig, spans: list[str], now: float) -> tuple[float, float] | None:
    """The opening span (start, end as epoch seconds) that contains ``now``, if any."""
    moment = local(config, now)
    if WEEKDAYS[moment.weekday()] not in config.hall.open_days:
        return None
    minute = _minutes(moment) + moment.second / 60
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    for span in spans:
        start, end = parse_hours(span)
        if start <= minute < end:
            return (
                (midnight + dt.timedelta(minutes=start)).timestamp(),
                (midnight + dt.timedelta(minutes=end)).timestamp(),
            )
    return None


def hall_open(config: HallConfig, now: float) -> tuple[float, float] | None:
    return open_span(config, config.hall.opening_hours, now)


def issuing_open(config: HallConfig, service_id: str, now: float) -> bool:
    service = config.service(service_id)
    assert service is not None
    return open_span(config, service.issuing_hours or config.hall.opening_hours, now) is not None
