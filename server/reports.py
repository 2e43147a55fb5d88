"""Supervision reports: a hall's figures for a business day or a range of them, read from its database.

Pure functions over one SQLite connection, read-only (:func:`connect_read_only`): the server may be
running and owns the file; a report never writes.  docs/supervision.md ("Reports") defines every
figure; in short, for the tickets of the business days ``first``..``last`` (inclusive):

* ``issued``: tickets issued; by service the service a ticket was *issued* for (its number's
  prefix), so a transferred ticket stays where it started.  By counter or clerk ``issued`` is
  ``None``: a ticket is issued to the hall, not to a window.
* ``served``: tickets whose final state is ``done``, by the counter and clerk that finished them.
* ``no_shows``: tickets whose final state is ``no_show`` (a ticket put back and served later is
  served, not a no-show), by the counter and clerk that marked them.
* ``transfers``: ``transfer`` journal entries, by the counter and clerk that transferred.
* wait: issue → first call (``call``, ``call_number`` or ``call_back`` in the journal), minutes, for
  every ticket called at least once; by counter or clerk, the one that made that first call.
* handling: start of service → finish, minutes, for served tickets, at the counter that finished
  them (when the clerk finished straight from the call, the call → finish).
* ``within_target``: share of waits (as above) no longer than the issuing service's
  ``target_wait_minutes``.
* evaluations: ``evaluate`` journal entries (detail ``{"level": 1..5}``), counted per level, by the
  evaluated ticket's service, counter and clerk; ``satisfaction`` = levels 3–5 over all, ``None``
  when there are none.
* ``appointments``: tickets issued at a booking's check-in (the appointment class), like ``issued``;
  ``appointment_no_shows``: bookings of those days never checked in (``missed``), by their service.
  Both are ``None`` by counter or clerk.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sqlite3
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hallcall.config import HallConfig

from .domain.model import APPOINTMENT

BY = ("service", "counter", "clerk")
CALL_ACTIONS = ("call", "call_number", "call_back")
LEVELS = (1, 2, 3, 4, 5)
SATISFIED = frozenset({3, 4, 5})  # basically satisfied and better


# The report's columns, defined once: ``hallcall report`` (table and --csv) and the browser's
# report page (/console/report, served as /console/report-columns.js by columns_js) use these.
HEADINGS: dict[str, dict[str, Any]] = {
    "zh": {
        "service": "服务",
        "counter": "窗口",
        "clerk": "工作人员",
        "cols": (
            "取号", "办结", "过号", "转移", "预约取号", "预约失约", "平均等候(分)", "P90等候(分)",
            "平均办理(分)", "P90办理(分)", "达标率", "评价1", "评价2", "评价3", "评价4", "评价5", "满意率",
        ),
        "title": "报表 {first} 至 {last}，按{by}",
        "hours": ("时段", "到达", "平均等候(分)"),
        "counters": ("窗口", "办结", "平均办理(分)"),
    },
    "en": {
        "service": "Service",
        "counter": "Counter",
        "clerk": "Clerk",
        "cols": (
            "Issued", "Served", "No-shows", "Transfers", "Appointments", "Appt no-shows", "Mean wait (min)",
            "P90 wait (min)",
            "Mean handling (min)", "P90 handling (min)", "Within target", "Eval 1", "Eval 2", "Eval 3",
            "Eval 4", "Eval 5", "Satisfaction",
        ),
        "title": "Report {first} to {last}, by {by}",
        "hours": ("Hour", "Arrivals", "Mean wait (min)"),
        "counters": ("Counter", "Served", "Mean handling (min)"),
    },
}  # fmt: skip

CSV_COLUMNS = (
    "key", "name", "issued", "served", "no_shows", "transfers", "appointments", "appointment_no_shows",
    "mean_wait_minutes", "p90_wait_minutes",
    "mean_handling_minutes", "p90_handling_minutes", "within_target", "eval_1", "eval_2", "eval_3", "eval_4",
    "eval_5", "satisfaction",
)  # fmt: skip


# the hourly series and the per-counter figures as CSV (the page's other two tables; wire names)
HOUR_CSV_COLUMNS = ("hour", "arrivals", "mean_wait_minutes")
COUNTER_CSV_COLUMNS = ("key", "served", "mean_handling_minutes")


class ReportError(ValueError):
    """A report cannot be made as asked (a bad date, a range backwards, an unknown grouping)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def parse_day(text: str) -> str:
    """A business day as ``YYYY-MM-DD``; :class:`ReportError` ``bad_date`` otherwise."""
    try:
        return dt.date.fromisoformat(text).isoformat() if len(text) == 10 else _bad(text)
    except (ValueError, TypeError):
        return _bad(text)


def _bad(text: object) -> str:
    raise ReportError("bad_date", f"{text!r} is not a date as YYYY-MM-DD")


def check_range(first: str, last: str, by: str = "service") -> tuple[str, str]:
    first, last = parse_day(first), parse_day(last)
    if first > last:
        raise ReportError("bad_range", f"the range starts ({first}) after it ends ({last})")
    if by not in BY:
        raise ReportError("bad_grouping", f"cannot group a report by {by!r}; use one of {', '.join(BY)}")
    return first, last


def connect_read_only(database: str | Path) -> sqlite3.Connection:
    """A read-only connection to a hall database (the server may hold it open and locked)."""
    path = Path(database)
    if not path.is_file():
        raise FileNotFoundError(f"no hall database at {path}")
    conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 5000")
    return conn


def p90(values: list[float]) -> float:
    """The 90th percentile by nearest rank (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.9 * len(ordered)) - 1)]


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def service_of(number: str) -> str:
    """A ticket number's prefix (the service it was issued for): ``A001`` → ``A``."""
    return number.rstrip("0123456789")


def first_calls(conn: sqlite3.Connection, first: str, last: str) -> dict[int, tuple[float, int, str]]:
    """Each ticket's first call in the range: ticket id → (when, counter, clerk)."""
    marks = ", ".join("?" for _ in CALL_ACTIONS)
    # Plain SQL that SQLite and PostgreSQL both run (the city report feeds this same function from
    # PostgreSQL, hallcall.server.city): the earliest call per ticket is kept here, not by a bare
    # column beside MIN(), which only SQLite allows.
    rows = conn.execute(
        f"SELECT ticket_id, at, counter, clerk FROM events WHERE day BETWEEN ? AND ? AND action IN ({marks}) "
        "ORDER BY ticket_id, at, id",
        (first, last, *CALL_ACTIONS),
    )
    found: dict[int, tuple[float, int, str]] = {}
    for tid, at, counter, clerk in rows:
        found.setdefault(tid, (at, counter, clerk))
    return found


@dataclass
class Group:
    """The figures of one row of a report (a service, a counter, a clerk, or the whole hall)."""

    key: str
    name_zh: str = ""
    name_en: str = ""
    issued: int | None = 0
    served: int = 0
    no_shows: int = 0
    transfers: int = 0
    waits: list[float] = field(default_factory=list, repr=False)  # minutes
    within: int = 0
    handling: list[float] = field(default_factory=list, repr=False)  # minutes
    levels: list[int] = field(default_factory=lambda: [0] * 5)  # evaluations per level 1..5
    appointments: int | None = 0  # appointment-class tickets issued (by service only)
    appointment_no_shows: int | None = 0  # bookings missed (by service only)

    @property
    def mean_wait(self) -> float:
        return mean(self.waits)

    @property
    def p90_wait(self) -> float:
        return p90(self.waits)

    @property
    def mean_handling(self) -> float:
        return mean(self.handling)

    @property
    def p90_handling(self) -> float:
        return p90(self.handling)

    @property
    def within_target(self) -> float | None:
        """Share (0–1) of waits within the service's target; None with no waits."""
        return self.within / len(self.waits) if self.waits else None

    @property
    def evaluations(self) -> int:
        return sum(self.levels)

    @property
    def satisfaction(self) -> float | None:
        """Share (0–1) of evaluations at levels 3–5; None with no evaluations."""
        total = self.evaluations
        return sum(self.levels[2:]) / total if total else None

    def as_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "issued": self.issued,
            "served": self.served,
            "no_shows": self.no_shows,
            "transfers": self.transfers,
            "called": len(self.waits),
            "mean_wait_minutes": round(self.mean_wait, 2),
            "p90_wait_minutes": round(self.p90_wait, 2),
            "mean_handling_minutes": round(self.mean_handling, 2),
            "p90_handling_minutes": round(self.p90_handling, 2),
            "within_target": None if self.within_target is None else round(self.within_target, 4),
            "evaluations": list(self.levels),
            "satisfaction": None if self.satisfaction is None else round(self.satisfaction, 4),
            "appointments": self.appointments,
            "appointment_no_shows": self.appointment_no_shows,
        }


def _missed_bookings(conn: sqlite3.Connection, first: str, last: str) -> list[tuple[str, int]]:
    """(service id, bookings missed) over the days; none from a database older than bookings."""
    try:
        return conn.execute(
            "SELECT service, count(*) FROM bookings WHERE day BETWEEN ? AND ? AND state = 'missed' GROUP BY service",
            (first, last),
        ).fetchall()
    except sqlite3.OperationalError:  # no bookings table yet (schema before 7)
        return []


@dataclass
class Hour:
    hour: int  # local hour of day, 0–23, summed over the range's days
    arrivals: int = 0
    waits: list[float] = field(default_factory=list, repr=False)

    @property
    def mean_wait(self) -> float:
        return mean(self.waits)


@dataclass
class Report:
    first: str
    last: str
    by: str
    rows: list[Group]
    total: Group
    hours: list[Hour]  # the hours of day with arrivals or calls, in order
    counters: list[Group]  # per counter served and handling, whatever ``by`` is

    def as_dict(self) -> dict[str, object]:
        return {
            "from": self.first,
            "to": self.last,
            "by": self.by,
            "rows": [g.as_dict() for g in self.rows],
            "total": self.total.as_dict(),
            "hours": [
                {"hour": h.hour, "arrivals": h.arrivals, "mean_wait_minutes": round(h.mean_wait, 2)} for h in self.hours
            ],
        }


def _levels(conn: sqlite3.Connection, first: str, last: str) -> Iterable[tuple[str, int | None, str | None, int]]:
    rows = conn.execute(
        "SELECT number, counter, clerk, detail FROM events WHERE day BETWEEN ? AND ? AND action = 'evaluate'",
        (first, last),
    )
    for number, counter, clerk, detail in rows:
        try:
            level = int(json.loads(detail)["level"]) if detail else 0
        except (ValueError, KeyError, TypeError):
            continue
        if level in LEVELS and number:
            yield service_of(number), counter, clerk, level


def report(conn: sqlite3.Connection, config: HallConfig, first: str, last: str, by: str = "service") -> Report:
    """The figures of the business days ``first``..``last`` grouped ``by`` service, counter or clerk."""
    first, last = check_range(first, last, by)
    zone = zoneinfo.ZoneInfo(config.hall.timezone)
    services = {s.prefix: s for s in config.services}
    counter_names = {c.number: c for c in config.counters}
    groups: dict[object, Group] = {}
    counters: dict[object, Group] = {}
    total = Group("all", "合计", "All")
    hours = {h: Hour(h) for h in range(24)}
    if by == "service":
        for s in config.services:
            groups[s.prefix] = Group(s.id, s.name.zh, s.name.en)
    else:
        total.issued = total.appointments = total.appointment_no_shows = None

    def group(service: str, counter: int | None, clerk: str | None) -> Group:
        key: object = service if by == "service" else counter if by == "counter" else clerk
        g = groups.get(key)
        if g is None:
            if by == "service":
                g = Group(str(key), str(key), str(key))
            elif by == "counter":
                c = counter_names.get(counter)  # type: ignore[arg-type]
                name = c.name if c is not None and c.name is not None else None
                g = Group(str(key), name.zh if name else f"{key}号窗口", name.en if name else f"Counter {key}")
                g.issued = g.appointments = g.appointment_no_shows = None
            else:
                g = Group(str(key or "—"), str(key or "—"), str(key or "—"))
                g.issued = g.appointments = g.appointment_no_shows = None
            groups[key] = g
        return g

    def counter_group(counter: int | None) -> Group:
        g = counters.get(counter)
        if g is None:
            g = counters[counter] = Group(str(counter), issued=None)
        return g

    calls = first_calls(conn, first, last)
    rows = conn.execute(
        "SELECT id, number, state, issued_at, serving_at, finished_at, counter, clerk, priority FROM tickets "
        "WHERE day BETWEEN ? AND ?",
        (first, last),
    )
    for tid, number, state, issued_at, serving_at, finished_at, counter, clerk, priority in rows:
        prefix = service_of(number)
        hour = hours[dt.datetime.fromtimestamp(issued_at, zone).hour]
        hour.arrivals += 1
        if by == "service":
            group(prefix, None, None).issued += 1  # type: ignore[operator]
            total.issued += 1  # type: ignore[operator]
            if priority == APPOINTMENT:
                group(prefix, None, None).appointments += 1  # type: ignore[operator]
                total.appointments += 1  # type: ignore[operator]
        call = calls.get(tid)
        if call is not None:
            wait = (call[0] - issued_at) / 60
            target = services[prefix].target_wait_minutes if prefix in services else math.inf
            for g in (group(prefix, call[1], call[2]), total):
                g.waits.append(wait)
                g.within += wait <= target
            hour.waits.append(wait)
        if state == "done":
            handled = (finished_at - serving_at) / 60 if serving_at and finished_at else None
            for g in (group(prefix, counter, clerk), total, counter_group(counter)):
                g.served += 1
                if handled is not None:
                    g.handling.append(handled)
        elif state == "no_show":
            for g in (group(prefix, counter, clerk), total):
                g.no_shows += 1
    for number, counter, clerk in conn.execute(
        "SELECT number, counter, clerk FROM events WHERE day BETWEEN ? AND ? AND action = 'transfer'", (first, last)
    ):
        if number:
            for g in (group(service_of(number), counter, clerk), total):
                g.transfers += 1
    for prefix, counter, clerk, level in _levels(conn, first, last):
        for g in (group(prefix, counter, clerk), total):
            g.levels[level - 1] += 1
    if by == "service":
        prefixes = {s.id: s.prefix for s in config.services}
        for service, missed in _missed_bookings(conn, first, last):
            group(prefixes.get(service, service), None, None).appointment_no_shows += missed  # type: ignore[operator]
            total.appointment_no_shows += missed  # type: ignore[operator]
    ordered = list(groups.values()) if by == "service" else [groups[k] for k in sorted(groups, key=_sort_key)]
    return Report(
        first,
        last,
        by,
        ordered,
        total,
        [h for h in hours.values() if h.arrivals or h.waits],
        [counters[k] for k in sorted(counters, key=_sort_key)],
    )


def _sort_key(key: object) -> tuple[int, str]:
    return (0, f"{key:09d}") if isinstance(key, int) else (1, str(key or ""))


def report_file(database: str | Path, config: HallConfig, first: str, last: str, by: str = "service") -> Report:
    """:func:`report` on its own read-only connection (what the server runs in a worker thread)."""
    check_range(first, last, by)
    conn = connect_read_only(database)
    try:
        return report(conn, config, first, last, by)
    finally:
        conn.close()


def columns_js() -> str:
    """The columns above as a script for the report page: one definition for the CLI and the browser."""
    data = {
        "csv": list(CSV_COLUMNS),
        "hours_csv": list(HOUR_CSV_COLUMNS),
        "counters_csv": list(COUNTER_CSV_COLUMNS),
        "head": HEADINGS,
    }
    return "// generated by hallcall.server.reports.columns_js: the columns of `hallcall report`\n" + (
        f"window.REPORT_COLUMNS = {json.dumps(data, ensure_ascii=False)};\n"
    )
