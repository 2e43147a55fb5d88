"""The city report: the hall report's figures (:mod:`hallcall.server.reports`, one definition) for
every hall in the city database, per hall and across halls, by day, week or month, with the
windows of longest wait flagged.

:class:`HallRows` lets :func:`hallcall.server.reports.report` read one hall's rows from
PostgreSQL with its own SQL unchanged: two temporary views named ``events`` and ``tickets``
show the city tables filtered to the hall named by a session setting, and ``?`` becomes psycopg's
``%s``.  City figures are the halls' figures merged (:func:`merge`): counts add, waits and
handling times are pooled, so the city's mean and P90 are over every ticket, not a mean of means.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import msgspec

from hallcall.config import HallConfig
from hallcall.server import reports

PERIODS = ("day", "week", "month", "range")
RED_FLAG_SHARE = 0.15  # the top 15 % of windows by mean wait


class HallRows:
    """A connection-like object that the hall report reads one hall's city rows through."""

    def __init__(self, pg: Any) -> None:
        self.pg = pg
        pg.execute(
            "CREATE TEMP VIEW events AS SELECT id, at, day, ticket_id, number, counter, clerk, action, reason, "
            "detail FROM city.events WHERE hall_id = current_setting('hallcall.hall_id')"
        )
        pg.execute(
            "CREATE TEMP VIEW tickets AS SELECT id, day, number, state, issued_at, serving_at, finished_at, counter, "
            "clerk FROM city.tickets WHERE hall_id = current_setting('hallcall.hall_id')"
        )

    def use(self, hall_id: str) -> None:
        self.pg.execute("SELECT set_config('hallcall.hall_id', %s, false)", (hall_id,))

    def execute(self, sql: str, params: tuple[object, ...] = ()) -> Any:
        return self.pg.execute(sql.replace("?", "%s"), params)


def halls(pg: Any) -> list[tuple[str, HallConfig]]:
    """Every hall in the city database, by id, with the part of its config the report reads."""
    rows = pg.execute("SELECT hall_id, config FROM city.halls ORDER BY hall_id").fetchall()
    return [(hall_id, msgspec.convert(config, HallConfig)) for hall_id, config in rows]


def merge(key: str, name_zh: str, name_en: str, groups: list[reports.Group]) -> reports.Group:
    """Several groups' figures as one: counts added, waits and handling times pooled."""
    out = reports.Group(key, name_zh, name_en)
    out.issued = None if any(g.issued is None for g in groups) else sum(g.issued or 0 for g in groups)
    for g in groups:
        out.served += g.served
        out.no_shows += g.no_shows
        out.transfers += g.transfers
        out.waits += g.waits
        out.within += g.within
        out.handling += g.handling
        out.levels = [a + b for a, b in zip(out.levels, g.levels, strict=True)]
    return out


def periods(first: str, last: str, period: str) -> Iterator[tuple[str, str]]:
    """The range cut into calendar days, ISO weeks (Monday first) or months, clipped to the range."""
    if period not in PERIODS:
        raise reports.ReportError("bad_period", f"cannot cut a report by {period!r}; use one of {', '.join(PERIODS)}")
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    while start <= end:
        if period == "day":
            stop = start
        elif period == "week":
            stop = start + dt.timedelta(days=6 - start.weekday())
        elif period == "month":
            stop = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        else:
            stop = end
        stop = min(stop, end)
        yield start.isoformat(), stop.isoformat()
        start = stop + dt.timedelta(days=1)


@dataclass
class Line:
    """One row of the city report: a hall's group (or a hall's total, or the city's) in a period."""

    first: str
    last: str
    hall_id: str  # "" for the city's total
    group: reports.Group


@dataclass
class CityReport:
    first: str
    last: str
    by: str
    period: str
    lines: list[Line] = field(default_factory=list)  # per period: each hall's groups, its total; the city total
    halls: list[Line] = field(default_factory=list)  # each hall's total over the whole range
    total: reports.Group | None = None  # the city over the whole range
    red_flags: list[Line] = field(default_factory=list)  # windows of longest mean wait, longest first


def city_report(pg: Any, first: str, last: str, by: str = "service", period: str = "range") -> CityReport:
    """The figures of every hall for ``first``..``last``, grouped ``by``, cut by ``period``."""
    first, last = reports.check_range(first, last, by)
    cuts = list(periods(first, last, period))
    known = halls(pg)
    rows = HallRows(pg)
    out = CityReport(first, last, by, period)
    try:
        by_hall: dict[str, list[reports.Group]] = {hall_id: [] for hall_id, _ in known}
        for start, stop in cuts:
            totals = []
            for hall_id, config in known:
                rows.use(hall_id)
                result = reports.report(rows, config, start, stop, by)  # type: ignore[arg-type]
                out.lines += [Line(start, stop, hall_id, g) for g in result.rows]
                out.lines.append(Line(start, stop, hall_id, result.total))
                totals.append(result.total)
                by_hall[hall_id].append(result.total)
            out.lines.append(Line(start, stop, "", merge("all", "全市合计", "City", totals)))
        hall_totals = []
        windows: list[Line] = []
        for hall_id, config in known:
            rows.use(hall_id)
            whole = reports.report(rows, config, first, last, "counter")  # type: ignore[arg-type]
            name = config.hall.name
            hall_totals.append(Line(first, last, hall_id, merge(hall_id, name.zh, name.en, by_hall[hall_id])))
            windows += [Line(first, last, hall_id, g) for g in whole.rows if g.waits]
        out.halls = hall_totals
        out.total = merge("all", "全市合计", "City", [line.group for line in hall_totals])
        out.red_flags = red_flags(windows)
    finally:
        pg.execute("DROP VIEW IF EXISTS pg_temp.events, pg_temp.tickets")
    return out


def red_flags(windows: list[Line], share: float = RED_FLAG_SHARE) -> list[Line]:
    """The top ``share`` of windows (at least one, when any was called) by mean wait, longest first."""
    ranked = sorted(windows, key=lambda line: (-line.group.mean_wait, line.hall_id, line.group.key))
    return ranked[: math.ceil(len(ranked) * share)] if ranked else []
