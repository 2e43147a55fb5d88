"""A day's figures, read from the hall's database: the server's record, not the simulator's.

The wait (first call, from the journal), the 90th percentile and the read-only connection are the
supervision report's own (:mod:`hallcall.server.reports`), so the two never disagree; the layout
and the per-state books (cancelled, still waiting, green) stay the simulator's.

Per service (the one a ticket was issued for, by its prefix): tickets issued, served, absent,
cancelled and still waiting, green-channel tickets, transfers, and the wait from issue to first
call (mean, 90th percentile, longest, and how many waited longer than the service's target).
A ticket still waiting at the end counts with its wait so far: leaving it out would understate
the waits exactly when the hall is overloaded.
``adds_up`` checks the books: every issued ticket ended in exactly one of those states.

The estimate's accuracy: for every ticket whose issue answer the simulator kept (``estimates``:
number -> estimated seconds) and that was called, the estimate against the wait that followed
(issue to first call): the mean absolute error, in minutes and as a share of the mean actual
wait, and the share of tickets whose estimate came within ±25 % of their wait (at least ±1
minute: the smallest step a ticket shows).  Tickets never called have no actual wait, so they
are left out of it.

The appointments (预约): the day's bookings from the ``bookings`` table (made, checked in, and
of those never checked in how many came late and took a normal ticket instead, and how many
never came; ``missed`` once the server's day end has marked them), and the mean wait of the
tickets issued at a check-in (the tickets the bookings name) beside every other ticket's.  Who
came late is the one thing the server cannot know (a refused check-in leaves no record), so the
simulator names each late visitor's booking and normal ticket (``late``), and only those the
database confirms count: the booking never checked in, the ticket issued that day.
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from hallcall.config import HallConfig
from hallcall.server import reports
from hallcall.server.domain.model import GREEN

TOLERANCE = 0.25  # an estimate within this share of the actual wait counts as right
TOLERANCE_FLOOR_MINUTES = 1.0  # ... or within a minute, the smallest step a ticket shows


@dataclass(frozen=True)
class Accuracy:
    """How far the printed estimates were from the waits that followed."""

    tickets: int
    mae_minutes: float
    mean_wait_minutes: float
    within: float  # share of tickets within ±25 % (at least ±1 minute)

    @classmethod
    def of(cls, pairs: list[tuple[float, float]]) -> Accuracy:
        if not pairs:
            return cls(0, 0.0, 0.0, 0.0)
        errors = [abs(e - w) for e, w in pairs]
        right = sum(
            1 for (_, w), err in zip(pairs, errors, strict=True) if err <= max(TOLERANCE * w, TOLERANCE_FLOOR_MINUTES)
        )
        return cls(len(pairs), sum(errors) / len(pairs), sum(w for _, w in pairs) / len(pairs), right / len(pairs))

    @property
    def mae_share(self) -> float:
        """The mean absolute error as a share of the mean actual wait (0 when nobody waited)."""
        return self.mae_minutes / self.mean_wait_minutes if self.mean_wait_minutes > 0 else 0.0

    def to_dict(self) -> dict[str, object]:
        return {
            "tickets": self.tickets,
            "mae_minutes": round(self.mae_minutes, 2),
            "mean_wait_minutes": round(self.mean_wait_minutes, 2),
            "mae_share": round(self.mae_share, 3),
            "within_25": round(self.within, 3),
        }


@dataclass
class ServiceFigures:
    service: str
    name_zh: str
    name_en: str
    issued: int = 0
    served: int = 0
    no_show: int = 0
    cancelled: int = 0
    waiting: int = 0
    other: int = 0  # called, serving, held or expired: still open at a counter
    green: int = 0
    transferred: int = 0
    waits: list[float] = field(default_factory=list, repr=False)  # minutes, issue to first call (or to the end)
    waits_so_far: int = 0  # of those, still waiting at the end: counted up to then
    over_target: int = 0
    handle_minutes: float = 0.0
    estimated: list[tuple[float, float]] = field(default_factory=list, repr=False)  # (estimate, wait) minutes

    @property
    def accuracy(self) -> Accuracy:
        return Accuracy.of(self.estimated)

    @property
    def mean_wait(self) -> float:
        return sum(self.waits) / len(self.waits) if self.waits else 0.0

    @property
    def p90_wait(self) -> float:
        return reports.p90(self.waits)

    @property
    def max_wait(self) -> float:
        return max(self.waits, default=0.0)

    def adds_up(self) -> bool:
        return self.issued == self.served + self.no_show + self.cancelled + self.waiting + self.other


@dataclass
class AppointmentFigures:
    """The day's bookings and the appointment tickets' waits, from the hall's database."""

    # Each booking of the day counts in exactly one of checked_in, cancelled, late and not_come.
    booked: int = 0  # bookings of the day, whatever became of them
    checked_in: int = 0
    cancelled: int = 0
    late: int = 0  # never checked in; came late and took a normal ticket (named by the simulator)
    not_come: int = 0  # never checked in, and no ticket: still open, or missed after the day's end
    missed: int = 0  # of those never checked in, the ones the server has marked missed
    waits: list[float] = field(default_factory=list, repr=False)  # appointment tickets, minutes
    walk_in_waits: list[float] = field(default_factory=list, repr=False)  # every other ticket

    @property
    def mean_wait(self) -> float:
        return _mean(self.waits)

    @property
    def walk_in_mean_wait(self) -> float:
        return _mean(self.walk_in_waits)

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {k: v for k, v in asdict(self).items() if k not in ("waits", "walk_in_waits")}
        data.update(
            tickets=len(self.waits),
            mean_wait_minutes=round(self.mean_wait, 1),
            walk_in_tickets=len(self.walk_in_waits),
            walk_in_mean_wait_minutes=round(self.walk_in_mean_wait, 1),
        )
        return data

    def line(self, lang: str) -> str:
        """The appointments in one line of the figures' text, in one language."""
        return _WORDS[lang]["appointments"].format(
            a=self, wait=self.mean_wait, n=len(self.waits), walk_in=self.walk_in_mean_wait
        )


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


@dataclass
class Figures:
    day: str
    services: list[ServiceFigures]
    appointments: AppointmentFigures = field(default_factory=AppointmentFigures)

    def total(self) -> ServiceFigures:
        t = ServiceFigures("all", "合计", "All")
        for s in self.services:
            for name in ("issued", "served", "no_show", "cancelled", "waiting", "other", "green", "transferred"):
                setattr(t, name, getattr(t, name) + getattr(s, name))
            t.over_target += s.over_target
            t.waits_so_far += s.waits_so_far
            t.waits += s.waits
            t.estimated += s.estimated
        served = [s for s in self.services if s.served]
        if served:
            t.handle_minutes = sum(s.handle_minutes * s.served for s in served) / sum(s.served for s in served)
        return t

    def adds_up(self) -> bool:
        return all(s.adds_up() for s in self.services) and self.total().adds_up()

    def to_dict(self) -> dict[str, object]:
        def one(s: ServiceFigures) -> dict[str, object]:
            data = {k: v for k, v in asdict(s).items() if k not in ("waits", "estimated")}
            data.update(
                mean_wait_minutes=round(s.mean_wait, 1),
                p90_wait_minutes=round(s.p90_wait, 1),
                max_wait_minutes=round(s.max_wait, 1),
                handle_minutes=round(s.handle_minutes, 1),
                estimate_accuracy=s.accuracy.to_dict(),
            )
            return data

        return {
            "day": self.day,
            "services": [one(s) for s in self.services],
            "total": one(self.total()),
            "appointments": self.appointments.to_dict(),
            "adds_up": self.adds_up(),
        }

    def table(self, lang: str = "zh") -> str:
        """The figures as a text table in one language ("zh" or "en"); waits in minutes."""
        words = _WORDS[lang]
        rows = [words["head"]]
        for s in [*self.services, self.total()]:
            rows.append(
                (
                    s.name_zh if lang == "zh" else s.name_en,
                    *(str(v) for v in (s.issued, s.served, s.no_show, s.cancelled, s.waiting)),
                    *(f"{v:.1f}" for v in (s.mean_wait, s.p90_wait, s.max_wait)),
                    str(s.over_target),
                    f"{s.handle_minutes:.1f}",
                )
            )
        widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(_pad(cell, widths[i], i) for i, cell in enumerate(r)) for r in rows]
        rule = "-" * max(_width(line) for line in lines)
        lines.insert(1, rule)
        lines.insert(len(lines) - 1, rule)
        verdict = words["ok"] if self.adds_up() else words["not_ok"]
        lines.append(f"{self.day}{words['books']}{verdict}")
        lines.append(words["legend"].format(n=self.total().waits_so_far))
        lines.append(self.accuracy_line(lang))
        if self.appointments.booked:
            lines.append(self.appointments.line(lang))
        return "\n".join(lines)

    def accuracy_line(self, lang: str = "zh") -> str:
        """The estimate's accuracy over the whole day, in one language."""
        a = self.total().accuracy
        if not a.tickets:
            return _WORDS[lang]["no_estimates"]
        return _WORDS[lang]["accuracy"].format(
            n=a.tickets, mae=a.mae_minutes, share=a.mae_share * 100, wait=a.mean_wait_minutes, within=a.within * 100
        )

    def write(self, folder: Path) -> tuple[Path, Path]:
        folder.mkdir(parents=True, exist_ok=True)
        as_json, as_text = folder / "figures.json", folder / "figures.txt"
        as_json.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
        as_text.write_text(self.table("zh") + "\n\n" + self.table("en") + "\n", encoding="utf-8")
        return as_json, as_text


_WORDS: dict[str, dict[str, Any]] = {
    "zh": {
        "head": (
            "服务", "取号", "办结", "过号", "取消", "等候",
            "平均等候(分)", "P90(分)", "最长(分)", "超时", "平均办理(分)",
        ),
        "books": "：取号 = 办结 + 过号 + 取消 + 等候（+ 未结）：",
        "legend": "等候时间：取号到首次呼叫；结束时仍在等候的 {n} 人计至结束（实际更长）。",
        "accuracy": "预计等候的准确度（{n} 张已呼叫的票）：平均绝对误差 {mae:.1f} 分（实际平均等候 {wait:.1f} 分的 "
        "{share:.0f}%），{within:.0f}% 在实际等候的 ±25% 以内（至少 ±1 分）。",
        "no_estimates": "预计等候的准确度：没有记下取号时的预计等候。",
        "appointments": "预约 {a.booked} 个：签到 {a.checked_in}，迟到改取普通号 {a.late}，未到 {a.not_come}"
        "（已记为失约 {a.missed}），取消 {a.cancelled}；平均等候：预约号 {wait:.1f} 分（{n} 张），"
        "其他号 {walk_in:.1f} 分。",
        "ok": "核对无误",
        "not_ok": "对不上",
    },
    "en": {
        "head": (
            "Service", "Issued", "Served", "No-show", "Cancelled", "Waiting",
            "Mean wait (min)", "P90 (min)", "Longest (min)", "Over target", "Handling (min)",
        ),
        "books": ": issued = served + no-show + cancelled + waiting (+ open): ",
        "legend": "Waits: issue to first call; the {n} still waiting at the end count up to then (theirs are longer).",
        "accuracy": "Estimate accuracy ({n} called tickets): mean absolute error {mae:.1f} min ({share:.0f}% of the "
        "mean actual wait of {wait:.1f} min); {within:.0f}% within ±25% of the actual wait (at least ±1 min).",
        "no_estimates": "Estimate accuracy: no estimates were recorded at issue.",
        "appointments": "Appointments: {a.booked} booked, {a.checked_in} checked in, {a.late} late (given a normal "
        "ticket), {a.not_come} not come ({a.missed} marked missed), {a.cancelled} cancelled; mean wait: "
        "appointment tickets {wait:.1f} min ({n}), walk-ins {walk_in:.1f} min.",
        "ok": "OK",
        "not_ok": "DO NOT ADD UP",
    },
}  # fmt: skip


def _width(text: str) -> int:
    """Columns a string takes in a terminal: wide and full-width characters (Chinese, full-width
    punctuation) take two, by Unicode's East Asian Width; combining marks take none."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, column: int) -> str:
    gap = " " * (width - _width(text))
    return text + gap if column == 0 else gap + text


def read_figures(
    database: Path,
    config: HallConfig,
    day: str,
    until: float | None = None,
    estimates: dict[str, int] | None = None,
    late: dict[str, str] | None = None,
) -> Figures:
    """The figures of one business day from a hall database (opened read-only; the server may
    still be running).  A ticket still waiting counts with its wait up to ``until`` (epoch
    seconds: when the run stopped calling), by default the last thing the day's journal holds.
    ``estimates`` (number -> seconds the issue answer estimated) gives the estimate's accuracy;
    ``late`` (booking code -> the normal ticket its visitor took after ``too_late``) the late."""
    estimates, late = estimates or {}, late or {}
    by_prefix = {s.prefix: s for s in config.services}
    figures = {s.id: ServiceFigures(s.id, s.name.zh, s.name.en) for s in config.services}
    conn = reports.connect_read_only(database)
    try:
        first_calls = {tid: call[0] for tid, call in reports.first_calls(conn, day, day).items()}
        rows = conn.execute(
            "SELECT id, number, state, priority, issued_at, serving_at, finished_at, transfers "
            "FROM tickets WHERE day = ?",
            (day,),
        ).fetchall()
        if until is None:
            until = conn.execute("SELECT MAX(at) FROM events WHERE day = ?", (day,)).fetchone()[0]
        bookings = _bookings(conn, day)
    finally:
        conn.close()
    booked = AppointmentFigures(booked=len(bookings))
    numbers = {row[1] for row in rows}
    appointment_tickets = {ticket for _, state, ticket in bookings if state == "checked_in"}
    for code, state, _ in bookings:
        if state == "checked_in":
            booked.checked_in += 1
        elif state == "cancelled":
            booked.cancelled += 1
        elif late.get(code) in numbers and late[code] not in appointment_tickets:
            booked.late += 1
        else:
            booked.not_come += 1
        booked.missed += state == "missed"
    handled: dict[str, list[float]] = {s: [] for s in figures}
    for ticket_id, number, state, priority, issued_at, serving_at, finished_at, transfers in rows:
        service = by_prefix[reports.service_of(number)]
        f = figures[service.id]
        f.issued += 1
        if state == "done":
            f.served += 1
            if serving_at and finished_at:
                handled[service.id].append((finished_at - serving_at) / 60)
        elif state in ("no_show", "cancelled", "waiting"):
            setattr(f, state, getattr(f, state) + 1)
        else:
            f.other += 1
        f.green += priority == GREEN
        f.transferred += transfers > 0
        if ticket_id in first_calls:
            wait = (first_calls[ticket_id] - issued_at) / 60
            if number in estimates:
                f.estimated.append((estimates[number] / 60, wait))
        elif state == "waiting" and until is not None:
            wait = max(0.0, (until - issued_at) / 60)
            f.waits_so_far += 1
        else:
            continue
        f.waits.append(wait)
        f.over_target += wait > service.target_wait_minutes
        (booked.waits if number in appointment_tickets else booked.walk_in_waits).append(wait)
    for sid, values in handled.items():
        figures[sid].handle_minutes = sum(values) / len(values) if values else 0.0
    return Figures(day, list(figures.values()), booked)


def _bookings(conn: sqlite3.Connection, day: str) -> list[tuple[str, str, str]]:
    """(code, state, ticket) of the day's bookings; none from a database older than bookings."""
    try:
        return conn.execute("SELECT code, state, ticket FROM bookings WHERE day = ?", (day,)).fetchall()
    except sqlite3.OperationalError:  # no bookings table (schema before 7)
        return []
