"""The city report: the hall report's figures (:mod:`hallcall.server.reports`, one definition) for
every hall in the city database, per hall and across halls, by day, week or month, with the
windows of longest wait flagged.

:class:`HallRows` lets :func:`hallcall.server.reports.report` read one hall's rows from
PostgreSQL with its own SQL unchanged: temporary views named ``events``, ``tickets`` and
``bookings`` show the city tables filtered to the hall named by a session setting, and ``?`` becomes psycopg's
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
            "clerk, priority FROM city.tickets WHERE hall_id = current_setting('hallcall.hall_id')"
        )
        pg.execute(  # what the exporter ships of a booking: what the report counts, no more
            "CREATE TEMP VIEW bookings AS SELECT service, day, state FROM city.bookings "
            "WHERE hall_id = current_setting('hallcall.hall_id')"
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
    # counts a grouping does not have (issued by counter…) are None in every group of it
    for name in ("issued", "appointments", "appointment_no_shows"):
        if hasattr(out, name):
            values = [getattr(g, name) for g in groups]
            setattr(out, name, None if any(v is None for v in values) else sum(values))
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


_ENCODE = msgspec.msgpack.Encoder()
_DECODE = msgspec.msgpack.Decoder(list[reports.Group])


class DayReports:
    """Each hall's report for a range, as its days' reports merged.

    A day's report (the hall report's own :class:`~hallcall.server.reports.Group` rows and total,
    with every wait and handling time) is made once by :func:`hallcall.server.reports.report` over
    the city rows and kept in ``city.rollups`` under the day's version; a range's figures are its
    days' groups pooled (:func:`merge`), which is exactly the range's report: every figure is a
    count, or a mean or P90 over the pooled times.  A month of fifty halls then reads a few
    thousand kept rows instead of millions of journal rows (docs/performance.md, "City report").
    """

    def __init__(self, pg: Any, known: list[tuple[str, HallConfig]]) -> None:
        self.pg = pg
        self.rows = HallRows(pg)
        self.configs = dict(known)

    def close(self) -> None:
        self.pg.execute("DROP VIEW IF EXISTS pg_temp.events, pg_temp.tickets, pg_temp.bookings")

    def days(self, first: str, last: str, by: str) -> dict[str, dict[str, list[reports.Group]]]:
        """hall id → day → that day's groups (rows, then the total), made and kept where missing."""
        found: dict[str, dict[str, list[reports.Group]]] = {h: {} for h in self.configs}
        missing = []
        for hall_id, day, version, groups in self.pg.execute(
            "SELECT d.hall_id, d.day, d.version, r.groups FROM city.days d LEFT JOIN city.rollups r "
            "ON r.hall_id = d.hall_id AND r.day = d.day AND r.grouping = %s AND r.version = d.version "
            "WHERE d.day BETWEEN %s AND %s ORDER BY d.hall_id, d.day",
            (by, first, last),
        ):
            if hall_id not in found:
                continue
            if groups is None:
                missing.append((hall_id, day, version))
            else:
                found[hall_id][day] = _DECODE.decode(groups)
        for hall_id, day, version in missing:
            found[hall_id][day] = self._make(hall_id, day, version, by)
        return found

    def warm(self, hall_id: str, before: str) -> int:
        """Make and keep the day reports of ``hall_id``'s days before ``before`` that have none of
        their version yet, in every grouping (the exporter does it after shipping, so the first
        city report of a month reads kept reports too); how many it made."""
        made = 0
        for by in reports.BY:
            for day, version in self.pg.execute(
                "SELECT d.day, d.version FROM city.days d LEFT JOIN city.rollups r "
                "ON r.hall_id = d.hall_id AND r.day = d.day AND r.grouping = %s AND r.version = d.version "
                "WHERE d.hall_id = %s AND d.day < %s AND r.groups IS NULL ORDER BY d.day",
                (by, hall_id, before),
            ).fetchall():
                self._make(hall_id, day, version, by)
                made += 1
        return made

    def _make(self, hall_id: str, day: str, version: int, by: str) -> list[reports.Group]:
        """A hall's day report grouped ``by``, made from the city rows and kept under ``version``."""
        self.rows.use(hall_id)
        result = reports.report(self.rows, self.configs[hall_id], day, day, by)  # type: ignore[arg-type]
        groups = [*result.rows, result.total]
        self.pg.execute(
            "INSERT INTO city.rollups (hall_id, day, grouping, version, groups) VALUES (%s, %s, %s, %s, %s) "
            "ON CONFLICT (hall_id, day, grouping) DO UPDATE SET version = EXCLUDED.version, "
            "groups = EXCLUDED.groups WHERE city.rollups.version < EXCLUDED.version",
            (hall_id, day, by, version, _ENCODE.encode(groups)),
        )
        return groups

    def hall(self, hall_id: str, days: dict[str, list[reports.Group]], first: str, last: str, by: str) -> (
        list[reports.Group]
    ):  # fmt: skip
        """A hall's rows then total for ``first``..``last``, from its days' groups."""
        chosen = [groups for day, groups in sorted(days.items()) if first <= day <= last]
        if not chosen:  # no rows at all: the hall report's own empty figures
            self.rows.use(hall_id)
            result = reports.report(self.rows, self.configs[hall_id], first, last, by)  # type: ignore[arg-type]
            return [*result.rows, result.total]
        keyed: dict[str, list[reports.Group]] = {}
        for groups in chosen:
            for g in groups[:-1]:
                keyed.setdefault(g.key, []).append(g)
        keys = list(keyed)
        if by != "service":  # as the hall report orders them: counters by number, clerks by name
            keys.sort(key=lambda k: reports._sort_key(_original_key(k, by)))
        rows = [merge(k, keyed[k][0].name_zh, keyed[k][0].name_en, keyed[k]) for k in keys]
        totals = [groups[-1] for groups in chosen]
        return [*rows, merge(totals[0].key, totals[0].name_zh, totals[0].name_en, totals)]


def city_report(pg: Any, first: str, last: str, by: str = "service", period: str = "range") -> CityReport:
    """The figures of every hall for ``first``..``last``, grouped ``by``, cut by ``period``."""
    first, last = reports.check_range(first, last, by)
    cuts = list(periods(first, last, period))
    known = halls(pg)
    kept = DayReports(pg, known)
    out = CityReport(first, last, by, period)
    try:
        days = kept.days(first, last, by)
        by_hall: dict[str, list[reports.Group]] = {hall_id: [] for hall_id, _ in known}
        for start, stop in cuts:
            totals = []
            for hall_id, _config in known:
                *rows, total = kept.hall(hall_id, days[hall_id], start, stop, by)
                out.lines += [Line(start, stop, hall_id, g) for g in rows]
                out.lines.append(Line(start, stop, hall_id, total))
                totals.append(total)
                by_hall[hall_id].append(total)
            out.lines.append(Line(start, stop, "", merge("all", "全市合计", "City", totals)))
        hall_totals = []
        windows: list[Line] = []
        counter_days = days if by == "counter" else kept.days(first, last, "counter")
        for hall_id, config in known:
            *counters, _total = kept.hall(hall_id, counter_days[hall_id], first, last, "counter")
            name = config.hall.name
            hall_totals.append(Line(first, last, hall_id, merge(hall_id, name.zh, name.en, by_hall[hall_id])))
            windows += [Line(first, last, hall_id, g) for g in counters if g.waits]
        out.halls = hall_totals
        out.total = merge("all", "全市合计", "City", [line.group for line in hall_totals])
        out.red_flags = red_flags(windows)
    finally:
        kept.close()
    return out


def _original_key(key: str, by: str) -> object:
    """A group's key as the hall report sorted it: a counter's number, no clerk as None."""
    if by == "counter" and key.isdigit():
        return int(key)
    return None if key in ("—", "None") else key


def red_flags(windows: list[Line], share: float = RED_FLAG_SHARE) -> list[Line]:
    """The top ``share`` of windows (at least one, when any was called) by mean wait, longest first."""
    ranked = sorted(windows, key=lambda line: (-line.group.mean_wait, line.hall_id, line.group.key))
    return ranked[: math.ceil(len(ranked) * share)] if ranked else []
