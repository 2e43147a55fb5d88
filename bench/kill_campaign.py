#!/usr/bin/env python3
"""Kill campaign: ``kill -9`` of a real server at random moments under a hall's load.

A hall (bench/server_load.py's ``write_hall``: comprehensive counters, enough services that the
999-a-day numbering never runs out) is served by ``hallcall server`` as a child process on a
loopback port.  The clients are the programs' own link, ``hallcall.gui.link.HallLink``: each in
its thread, reconnecting by itself with its growing, jittered pause, keeping every request until
it is answered and sending it again with the same id after a reconnect.  On them:

* kiosks issue tickets (``--window`` requests in flight each, one at most every ``--issue-gap``
  seconds), for a random service each time;
* counters, each signed in with its own clerk, call the next ticket, start serving it and finish
  it, one request at a time, as a clerk does (a ``queue_empty`` answer: try again shortly);
* one display, which only has to come back.

Then, ``--runs`` times: the load runs for a random time (``--load-seconds``, uniform), the server
is killed with SIGKILL in the middle of it, and

1. the database as the dead server left it (opened read-only, so the next server does its own
   WAL recovery) is held to every answer the clients had received;
2. the server is started again on the same port and data; every link must come back by itself
   (nothing calls its ``retry``) within ``--back-within`` seconds, and every request that was in
   flight at the kill must be answered;
3. with the load held back and every request answered, the database is held to the clients
   again, now exactly: no ticket and no call that no acknowledged request made, and each
   counter holds what its clerk's program believes it holds.

What it counts, all of which must be 0: acknowledged tickets lost (missing, or another ticket
under the number), acknowledged changes lost (a ticket behind its acknowledged state),
acknowledged answers not stored for a retry (or stored differently), duplicate numbers (two
requests answered with one number, or two rows with one number), double calls (a ticket called
twice: two requests answered with one called ticket, two ``call`` entries in its journal, two
tickets at one counter, one ticket at two counters, or a call or ticket no request made), clients
that did not come back by themselves, requests never answered, and answers no correct server
gives this load (``counter_busy`` to a counter that holds nothing, say).

Run: ``.venv/bin/python bench/kill_campaign.py --runs 100``
(tests/test_campaign_kill.py runs a short form and asserts the zeros.)
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from data_folder import run_in_folder
from PySide6.QtCore import QCoreApplication, QEventLoop
from server_load import PASSWORD, clerk_name, seed_clerks, write_hall

from hallcall.gui.link import HallLink
from hallcall.server.app import database_path
from hallcall.server.child import ServerChild, start_server

# How far along a ticket is: an acknowledged state must never be found behind in the database.
RANK = {"waiting": 0, "held": 0, "called": 1, "serving": 2, "done": 3, "no_show": 3, "cancelled": 3, "expired": 3}
AT_COUNTER = ("called", "serving")
CLERK_NEXT = {None: "call_next", "called": "start", "serving": "finish"}  # what a clerk sends, by what it holds
START_OPTIONS = ("--ignore-hours",)


# ---------------------------------------------------------------------------------------------
# What the clients were told, and the database held to it
# ---------------------------------------------------------------------------------------------
@dataclass
class Ledger:
    """Every answer the clients received: the campaign's truth, to hold the database to."""

    answers: dict[str, dict[str, Any]] = field(default_factory=dict)  # request id -> answer
    tickets: dict[str, dict[str, Any]] = field(default_factory=dict)  # number -> furthest acknowledged
    issued_by: dict[str, str] = field(default_factory=dict)  # number -> the issue request that got it
    called_by: dict[str, str] = field(default_factory=dict)  # number -> the call_next request that called it
    duplicate_numbers: list[str] = field(default_factory=list)
    double_calls: list[str] = field(default_factory=list)
    surprises: list[str] = field(default_factory=list)

    def take(self, kind: str, rid: str, answer: dict[str, Any]) -> None:
        """Record one acknowledged answer (each request id is answered to the client once)."""
        self.answers[rid] = answer
        if answer.get("type") != "result":
            return
        ticket = answer["data"]["ticket"]
        number = ticket["number"]
        if kind == "issue" and self.issued_by.setdefault(number, rid) != rid:
            self.duplicate_numbers.append(f"{number}: answered to {self.issued_by[number]} and {rid}")
        if kind == "call_next" and self.called_by.setdefault(number, rid) != rid:
            self.double_calls.append(f"{number}: called by {self.called_by[number]} and by {rid}")
        known = self.tickets.get(number)
        if known is None or RANK[ticket["state"]] >= RANK[known["state"]]:
            self.tickets[number] = ticket

    def zeros(self) -> dict[str, int]:
        """What the answers alone show wrong (the database checks are ``check_database``'s)."""
        return {
            "duplicate_numbers": len(self.duplicate_numbers),
            "double_calls": len(self.double_calls),
            "surprises": len(self.surprises),
        }


@dataclass
class Findings:
    """What one look at the database found wrong; every list must stay empty."""

    lost_tickets: list[str] = field(default_factory=list)
    lost_changes: list[str] = field(default_factory=list)
    lost_answers: list[str] = field(default_factory=list)
    duplicate_numbers: list[str] = field(default_factory=list)
    double_calls: list[str] = field(default_factory=list)
    unasked: list[str] = field(default_factory=list)  # rows no acknowledged request made (settled only)
    mismatched: list[str] = field(default_factory=list)  # a counter holds other than its program believes
    damaged: list[str] = field(default_factory=list)  # integrity_check

    def problems(self) -> dict[str, list[str]]:
        return {name: items for name, items in vars(self).items() if items}


def check_database(
    path: Path, ledger: Ledger, *, settled: bool = False, holding: dict[int, str | None] | None = None
) -> Findings:
    """Hold the database at ``path`` to ``ledger``.

    Always: every acknowledged ticket is there under its number with its id, at least as far
    along as acknowledged; every acknowledged answer is stored as it was sent (a retry gets it);
    no number twice, no ticket called twice, no counter with two tickets.  ``settled`` (every
    request sent has been answered): also no ticket and no call that no acknowledged request
    made, and ``holding`` (counter -> the number its program believes it holds) is what the
    database says each counter holds.  The file is opened read-only: it stays as it was left."""
    found = Findings()
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        check = db.execute("PRAGMA quick_check").fetchall()
        if check != [("ok",)]:
            found.damaged += [str(row[0]) for row in check]
        rows = {
            n: (tid, state, counter)
            for n, tid, state, counter in db.execute("SELECT number, id, state, counter FROM tickets")
        }
        for number, ticket in ledger.tickets.items():
            if number not in rows or rows[number][0] != ticket["id"]:
                found.lost_tickets.append(f"{number} (id {ticket['id']}, acknowledged {ticket['state']})")
            elif RANK[rows[number][1]] < RANK[ticket["state"]]:
                found.lost_changes.append(f"{number}: acknowledged {ticket['state']}, stored {rows[number][1]}")
        stored = dict(db.execute("SELECT request_id, answer FROM answers").fetchall())
        for rid, answer in ledger.answers.items():
            if rid not in stored:
                found.lost_answers.append(f"{rid}: not stored")
            elif json.loads(stored[rid]) != answer:
                found.lost_answers.append(f"{rid}: stored {stored[rid][:80]}, acknowledged {answer}")
        found.duplicate_numbers += [
            f"{day} {number} stored {n} times"
            for day, number, n in db.execute(
                "SELECT day, number, COUNT(*) FROM tickets GROUP BY day, number HAVING COUNT(*) > 1"
            )
        ]
        found.double_calls += [
            f"{number}: {n} calls in its journal"
            for number, n in db.execute(
                "SELECT number, COUNT(*) FROM events WHERE action = 'call' GROUP BY ticket_id HAVING COUNT(*) > 1"
            )
        ]
        held: dict[int, list[str]] = {}
        for number, (_, state, counter) in rows.items():
            if state in AT_COUNTER:
                held.setdefault(counter, []).append(number)
        found.double_calls += [f"counter {c} holds {', '.join(ns)}" for c, ns in held.items() if len(ns) > 1]
        if settled:
            found.unasked += [f"ticket {n}: no acknowledged issue" for n in rows if n not in ledger.issued_by]
            called = {n for (n,) in db.execute("SELECT number FROM events WHERE action = 'call'")}
            found.unasked += [f"call of {n}: no acknowledged call_next" for n in called if n not in ledger.called_by]
            for counter, believed in (holding or {}).items():
                stored_here = held.get(counter, [None])[0]
                if stored_here != believed:
                    found.mismatched.append(f"counter {counter}: holds {stored_here}, its program shows {believed}")
            shown = [n for n in (holding or {}).values() if n is not None]
            found.double_calls += [f"{n} shown at two counters" for n in set(shown) if shown.count(n) > 1]
    finally:
        db.close()
    return found


def stored_answers(path: Path, request_ids: list[str]) -> set[str]:
    """Which of ``request_ids`` the database holds an answer to."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return {
            rid for rid in request_ids if db.execute("SELECT 1 FROM answers WHERE request_id = ?", (rid,)).fetchone()
        }
    finally:
        db.close()


# ---------------------------------------------------------------------------------------------
# The load: kiosks and counters driving their links from the Qt thread
# ---------------------------------------------------------------------------------------------
class Load:
    """One program's part of the load, on its own link; only ever drives a connected link."""

    def __init__(self, name: str, link: HallLink, ledger: Ledger) -> None:
        self.name = name
        self.link = link
        self.ledger = ledger
        self.outstanding: dict[str, str] = {}  # request id -> kind, until answered
        self.connected_at: float | None = None
        link.answered.connect(self._answered)
        link.state_changed.connect(self._state)

    def _state(self, state: str) -> None:
        self.connected_at = time.monotonic() if state == "connected" else None

    def _answered(self, rid: str, answer: dict[str, Any]) -> None:
        kind = self.outstanding.pop(rid, None)
        if kind is not None:
            self.ledger.take(kind, rid, answer)
            self.answered(kind, answer)

    def send(self, kind: str, **fields: Any) -> None:
        self.outstanding[self.link.request(kind, **fields)] = kind

    def step(self, now: float) -> None:
        """Send what this program would send now."""

    def answered(self, kind: str, answer: dict[str, Any]) -> None:
        """React to an answer (after the ledger took it)."""


class KioskLoad(Load):
    def __init__(
        self,
        name: str,
        link: HallLink,
        ledger: Ledger,
        services: list[str],
        rng: random.Random,
        window: int,
        gap: float,
    ) -> None:
        super().__init__(name, link, ledger)
        self.services, self.rng, self.window, self.gap = services, rng, window, gap
        self.next_at = 0.0

    def step(self, now: float) -> None:
        if len(self.outstanding) < self.window and now >= self.next_at:
            self.send("issue", service=self.rng.choice(self.services))
            self.next_at = now + self.gap

    def answered(self, kind: str, answer: dict[str, Any]) -> None:
        if answer.get("type") != "result":
            self.ledger.surprises.append(f"{self.name}: issue answered {answer.get('code')}: {answer.get('message')}")


class CounterLoad(Load):
    """A clerk: call the next, start serving, finish; one request at a time."""

    def __init__(self, name: str, link: HallLink, ledger: Ledger, number: int) -> None:
        super().__init__(name, link, ledger)
        self.number = number
        self.holding: tuple[str, str] | None = None  # (number, state) as last acknowledged
        self.next_at = 0.0
        self.stalled = False  # a surprise: stop driving rather than guess

    def step(self, now: float) -> None:
        if not self.outstanding and now >= self.next_at and not self.stalled:
            self.send(CLERK_NEXT[self.holding[1] if self.holding else None])

    def answered(self, kind: str, answer: dict[str, Any]) -> None:
        if answer.get("type") == "result":
            t = answer["data"]["ticket"]
            self.holding = (t["number"], t["state"]) if t["state"] in AT_COUNTER else None
        elif kind == "call_next" and answer.get("code") == "queue_empty":
            self.next_at = time.monotonic() + 0.05
        else:
            self.ledger.surprises.append(f"{self.name}: {kind} answered {answer.get('code')}: {answer.get('message')}")
            self.stalled = True


# ---------------------------------------------------------------------------------------------
# The campaign
# ---------------------------------------------------------------------------------------------
@dataclass
class Plan:
    runs: int = 100
    kiosks: int = 3
    counters: int = 6
    services: int = 150  # 999 tickets a day each: 100 kills issue ~50,000
    window: int = 2
    issue_gap: float = 0.01
    load_seconds: tuple[float, float] = (0.05, 1.5)
    back_within: float = 30.0
    time_limit: float = 1800.0
    seed: int = 1
    synchronous: str | None = None  # the hall's [server] synchronous; None: the server's default


@dataclass
class Run:
    """One kill: when, what was in flight, how long the way back took, what the checks found."""

    load_s: float
    in_flight: int
    stored_unanswered: int  # of those, done and stored by the dead server: the retry must get that answer
    restart_s: float
    back_s: list[float]
    not_back: list[str]
    unanswered: int
    at_kill: Findings
    settled: Findings


@dataclass
class Result:
    plan: Plan
    runs: list[Run] = field(default_factory=list)
    ledger: Ledger = field(default_factory=Ledger)
    wall_s: float = 0.0

    @property
    def tickets(self) -> int:
        return len(self.ledger.issued_by)

    @property
    def calls(self) -> int:
        return len(self.ledger.called_by)

    def count(self, name: str) -> int:
        """How many of one kind of finding over all runs (both looks at the database)."""
        return sum(len(getattr(r.at_kill, name)) + len(getattr(r.settled, name)) for r in self.runs)

    @property
    def not_back(self) -> int:
        return sum(len(r.not_back) for r in self.runs)

    @property
    def unanswered(self) -> int:
        return sum(r.unanswered for r in self.runs)

    def zeros(self) -> dict[str, int]:
        """Every figure that must be 0."""
        names = ("lost_tickets", "lost_changes", "lost_answers", "duplicate_numbers", "double_calls", "unasked")
        figures = {name: self.count(name) for name in names}
        figures |= {"mismatched": self.count("mismatched"), "damaged": self.count("damaged")}
        figures |= {"not_back": self.not_back, "unanswered": self.unanswered, "surprises": 0}
        for name, n in self.ledger.zeros().items():
            figures[name] += n
        return figures

    def examples(self) -> list[str]:
        found = [
            f"run {i + 1} {name}: {items[:3]}"
            for i, r in enumerate(self.runs)
            for look in (r.at_kill, r.settled)
            for name, items in look.problems().items()
        ]
        found += [f"run {i + 1}: did not come back: {r.not_back}" for i, r in enumerate(self.runs) if r.not_back]
        ledger = self.ledger.duplicate_numbers[:3] + self.ledger.double_calls[:3] + self.ledger.surprises[:5]
        return found[:10] + ledger

    def summary(self) -> str:
        p = self.plan
        back = [s for r in self.runs for s in r.back_s]
        restart = [r.restart_s for r in self.runs]
        lines = [
            f"kill -9 campaign: {len(self.runs)} kills in {self.wall_s:.0f} s "
            f"({p.kiosks} kiosks, {p.counters} counters, 1 display, seed {p.seed})",
            f"  acknowledged: {self.tickets} tickets, {self.calls} calls, {len(self.ledger.answers)} answers",
            f"  requests in flight at the kill: {sum(r.in_flight for r in self.runs)} "
            f"(max {max((r.in_flight for r in self.runs), default=0)} in one kill), of which "
            f"{sum(r.stored_unanswered for r in self.runs)} done and stored but unanswered; "
            f"{self.unanswered} never answered after the restart",
        ]
        if restart:
            lines.append(
                f"  server start after a kill: median {statistics.median(restart):.2f} s, max {max(restart):.2f} s"
            )
        if back:
            lines.append(
                f"  clients back after the server listens: median {statistics.median(back):.2f} s, "
                f"max {max(back):.2f} s ({len(back)} reconnections)"
            )
        lines.append("  must be 0: " + ", ".join(f"{k} {v}" for k, v in self.zeros().items()))
        lines += [f"    {e}" for e in self.examples()]
        return "\n".join(lines)


class Campaign:
    """The server child, the links and their load, and the Qt loop that carries their answers."""

    def __init__(self, plan: Plan, folder: Path) -> None:
        self.plan = plan
        self.rng = random.Random(plan.seed)
        self.app = QCoreApplication.instance() or QCoreApplication([])
        folder.mkdir(parents=True, exist_ok=True)
        # write_hall lifts the kiosks' issue rate limit (a person's pace): these issue far faster.
        self.hall = write_hall(folder, plan.counters, 1, plan.kiosks, plan.services, plan.synchronous)
        seed_clerks(self.hall)
        self.db = database_path(self.hall.config, self.hall.data)
        self.server: ServerChild = self.start()
        self.ledger = Ledger()
        url = self.server.url
        self.loads: list[Load] = [
            KioskLoad(
                device,
                HallLink(url, {"role": "kiosk", "device": device, "token": token}, retry_refused_after=30.0),
                self.ledger,
                self.hall.services,
                self.rng,
                plan.window,
                plan.issue_gap,
            )
            for device, token in self.hall.kiosks
        ]
        self.counters = [
            CounterLoad(
                f"counter-{n}",
                HallLink(url, {"role": "counter", "counter": n, "clerk": clerk_name(n), "password": PASSWORD}),
                self.ledger,
                n,
            )
            for n in range(1, plan.counters + 1)
        ]
        device, token = self.hall.displays[0]
        display = HallLink(url, {"role": "display", "device": device, "token": token}, retry_refused_after=30.0)
        self.loads += [*self.counters, Load(device, display, self.ledger)]

    def start(self, port: int = 0) -> ServerChild:
        return start_server(self.hall.config, self.hall.data, port=port, options=START_OPTIONS, wait_seconds=60)

    def pump(self, seconds: float, *, drive: bool, until: Callable[[], bool] | None = None) -> bool:
        """Run the Qt loop (answers and states arrive) for ``seconds`` or until ``until()``,
        sending the load's requests if ``drive``; returns whether ``until`` came true.

        Driving, its last act before the deadline is to send: a kill that follows lands with the
        requests just sent in flight.  (Ending on the Qt loop instead, a fast machine had every
        answer back before each kill, and the campaign caught nothing in flight.)"""
        deadline = time.monotonic() + seconds
        while True:
            self.app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
            now = time.monotonic()
            if until is not None and until():
                return True
            if drive:
                for load in self.loads:
                    if load.link.connected:
                        load.step(now)
            if now >= deadline:
                return False
            time.sleep(0.002)

    def all_back(self) -> bool:
        return all(load.link.connected for load in self.loads)

    def all_answered(self) -> bool:
        return not any(load.outstanding for load in self.loads)

    def holding(self) -> dict[int, str | None]:
        return {c.number: c.holding[0] if c.holding else None for c in self.counters}

    def kill_once(self) -> Run:
        load_s = self.rng.uniform(*self.plan.load_seconds)
        self.pump(load_s, drive=True)
        self.server.proc.kill()  # SIGKILL: no chance to close, flush or checkpoint anything
        self.server.proc.wait(10)
        self.pump(0.05, drive=False)  # answers that arrived before the kill reach the ledger
        in_flight = [rid for load in self.loads for rid in load.outstanding]
        at_kill = check_database(self.db, self.ledger)
        stored = stored_answers(self.db, in_flight)
        began = time.monotonic()
        self.server = self.start(self.server.port)
        listening = time.monotonic()
        self.pump(self.plan.back_within, drive=True, until=self.all_back)
        back_s = [max(0.0, load.connected_at - listening) for load in self.loads if load.connected_at is not None]
        not_back = [load.name for load in self.loads if not load.link.connected]
        self.pump(self.plan.back_within, drive=False, until=self.all_answered)
        unanswered = sum(len(load.outstanding) for load in self.loads)
        settled = check_database(self.db, self.ledger, settled=not not_back and not unanswered, holding=self.holding())
        return Run(
            load_s, len(in_flight), len(stored), listening - began, back_s, not_back, unanswered, at_kill, settled
        )

    def connect(self) -> None:
        """Start every link and wait until all are connected to the first server."""
        for load in self.loads:
            load.link.start()
        if not self.pump(self.plan.back_within, drive=False, until=self.all_back):
            stuck = [load.name for load in self.loads if not load.link.connected]
            raise RuntimeError(f"clients did not connect to the first server: {stuck}")

    def close(self) -> None:
        for load in self.loads:
            load.link.stop()
        self.server.stop()

    def run(self, report: Callable[[str], None] = print) -> Result:
        result = Result(self.plan, ledger=self.ledger)
        began = time.monotonic()
        try:
            self.connect()
            for i in range(self.plan.runs):
                if time.monotonic() - began > self.plan.time_limit:
                    report(f"time limit of {self.plan.time_limit:.0f} s reached after {i} kills")
                    break
                run = self.kill_once()
                result.runs.append(run)
                bad = {**run.at_kill.problems(), **run.settled.problems()}
                report(
                    f"kill {i + 1}: after {run.load_s:.2f} s of load, {run.in_flight} in flight "
                    f"({run.stored_unanswered} stored); "
                    f"restart {run.restart_s:.2f} s; back in {max(run.back_s, default=0):.2f} s"
                    + (f"; NOT BACK {run.not_back}" if run.not_back else "")
                    + (f"; PROBLEMS {sorted(bad)}" if bad else "")
                )
        finally:
            self.close()
            result.wall_s = time.monotonic() - began
        return result


def run(plan: Plan, folder: Path, report: Callable[[str], None] = print) -> Result:
    """Run the campaign in ``folder`` (the hall's config, data and server log go there)."""
    return Campaign(plan, folder).run(report)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    d = Plan()
    parser.add_argument("--runs", type=int, default=d.runs, help="how many times to kill the server")
    parser.add_argument("--kiosks", type=int, default=d.kiosks)
    parser.add_argument("--counters", type=int, default=d.counters)
    parser.add_argument("--services", type=int, default=d.services)
    parser.add_argument("--window", type=int, default=d.window, help="issue requests in flight per kiosk")
    parser.add_argument("--issue-gap", type=float, default=d.issue_gap, help="seconds between a kiosk's issues")
    parser.add_argument("--load-seconds", type=float, nargs=2, default=d.load_seconds, metavar=("MIN", "MAX"))
    parser.add_argument("--back-within", type=float, default=d.back_within)
    parser.add_argument("--time-limit", type=float, default=d.time_limit)
    parser.add_argument("--seed", type=int, default=d.seed)
    parser.add_argument("--keep", type=Path, help="run in this folder and keep it (config, database, server log)")
    args = parser.parse_args(argv)
    plan = Plan(
        args.runs,
        args.kiosks,
        args.counters,
        args.services,
        args.window,
        args.issue_gap,
        tuple(args.load_seconds),
        args.back_within,
        args.time_limit,
        args.seed,
    )
    return run_and_report(run, plan, args.keep, "hallcall-kill-")


def run_and_report(run: Any, plan: Any, keep: Path | None, prefix: str) -> int:
    """Run a campaign in ``keep`` (kept) or a temporary folder, print its summary, and exit 1
    when a figure that must be 0 is not (shared by the kill and power-cut campaigns)."""
    result = run_in_folder(lambda data: run(plan, data), keep, prefix)
    return 1 if any(result.zeros().values()) else 0


if __name__ == "__main__":
    sys.exit(main())
