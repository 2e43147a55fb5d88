"""hallcall.launch.sim.runner played against a real ``hallcall server`` child process.

Each run is a short stretch of a Monday (half an hour of arrivals or so) on a simulated clock at
600 times real time, a few seconds of real time.  Afterwards the hall's database says what the
server recorded, and it must agree with what the simulator says it did.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import PASSWORD, SUPERVISOR, TEST_HALL, config_with, seed_clerks

from hallcall import config as hall_config
from hallcall.client import HallClient
from hallcall.config import HallConfig
from hallcall.launch.demo import hall as demo_hall
from hallcall.launch.sim import plan, runner
from hallcall.launch.sim.figures import Figures, read_figures
from hallcall.server.app import database_path
from hallcall.server.child import ServerChild, start_server
from hallcall.server.storage import Storage

MONDAY = dt.date(2026, 11, 23)
SPEED = 600.0  # ten simulated minutes a real second
# The simulator signs its clerks in before the first arrival, all at once, and each sign-in is a
# slow password check on the server (about 0.1 s real, a simulated minute at this speed, on a
# machine's two cores).  The demo hall's twelve clerks take several minutes of hall time, so its
# server's clock starts twenty minutes before the first visitor.
DEMO_CLOCK_START = "09:05"
ENDED = {"done", "no_show", "cancelled", "waiting"}


def at(config: HallConfig, hhmm: str) -> float:
    return demo_hall.moment(config, MONDAY, hhmm)


@dataclass
class Hall:
    """A hall config, its data folder with clerks signed up, and how to sign in there."""

    config_path: Path
    config: HallConfig
    data: Path
    database: Path
    password: str
    supervisor: str


def demo(data: Path) -> Hall:
    config = demo_hall.load()
    database = demo_hall.prepare(config, data)
    return Hall(demo_hall.DEMO_CONFIG, config, data, database, demo_hall.PASSWORD, demo_hall.SUPERVISOR)


def small_hall(data: Path, config_path: Path = TEST_HALL) -> Hall:
    """The test hall (or an edited copy of it) with the conftest's clerks."""
    database = database_path(config_path, data)
    storage = Storage(database)
    try:
        seed_clerks(storage)
    finally:
        storage.close()
    return Hall(config_path, hall_config.load(config_path), data, database, PASSWORD, SUPERVISOR)


@pytest.fixture
def children() -> Iterator[list[ServerChild]]:
    """The server children a test starts; any still running at the end is stopped."""
    started: list[ServerChild] = []
    yield started
    for child in started:
        child.stop(10)


@dataclass
class Run:
    """One simulated stretch: what the simulator reported and what the server recorded."""

    arrivals: list[plan.Arrival]
    report: runner.Report
    figures: Figures
    tickets: list[dict[str, Any]]
    sessions: list[dict[str, Any]]
    pauses: list[dict[str, Any]]
    events: list[dict[str, Any]]
    counters: list[dict[str, Any]]  # the counters in a supervisor's snapshot after the run


async def play(
    hall: Hall,
    children: list[ServerChild],
    *,
    clock_start: str,
    start: str,
    arrivals_end: str,
    end: str,
    seed: int,
    profile: plan.Profile,
    guide_desk: bool = True,
) -> Run:
    """Start the hall's server on a simulated clock, run the simulator, stop the server (always)
    and read back what it stored."""
    config = hall.config
    clock = ("--clock-start", f"{MONDAY.isoformat()}T{clock_start}", "--clock-speed", str(SPEED))
    server = start_server(hall.config_path, hall.data, options=clock)
    children.append(server)
    try:
        settings = runner.Settings(
            config,
            server.url,
            hall.password,
            seed,
            at(config, start),
            at(config, arrivals_end),
            at(config, end),
            profile=profile,
            supervisor=(hall.supervisor, hall.password) if guide_desk else None,
        )
        report = await asyncio.wait_for(runner.simulate(settings), 90)
        watcher = HallClient(server.url)
        await watcher.connect()
        try:
            await watcher.hello("supervisor", clerk=hall.supervisor, password=hall.password)
            assert watcher.snapshot is not None
            counters = watcher.snapshot["counters"]
        finally:
            await watcher.close()
    finally:
        await asyncio.to_thread(server.stop)  # SIGTERM: the server flushes and closes its database
    assert server.proc.returncode == 0, server.log.read_text(errors="replace")[-3000:]
    conn = sqlite3.connect(f"file:{hall.database}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        tickets = [dict(r) for r in conn.execute("SELECT * FROM tickets WHERE day = ?", (report.day,))]
        sessions = [dict(r) for r in conn.execute("SELECT * FROM counter_sessions")]
        pauses = [dict(r) for r in conn.execute("SELECT * FROM pauses")]
        events = [dict(r) for r in conn.execute("SELECT * FROM events WHERE day = ?", (report.day,))]
    finally:
        conn.close()
    arrivals = plan.plan_arrivals(config, profile, seed, at(config, start), at(config, arrivals_end))
    figures = read_figures(hall.database, config, report.day)
    return Run(arrivals, report, figures, tickets, sessions, pauses, events, counters)


def check_books(run: Run) -> None:
    """What holds after every run: the figures add up and agree with the simulator, every
    ticket ended somewhere final or waiting, and the clerks signed out."""
    report, figures, total = run.report, run.figures, run.figures.total()
    assert report.day == MONDAY.isoformat()
    assert report.planned == len(run.arrivals)
    assert report.lost == 0
    assert report.errors == []
    assert report.issued + sum(report.refused.values()) == report.planned
    assert report.clerks.refusals == 0

    assert figures.adds_up()
    assert total.other == 0
    assert total.issued == report.issued == len(run.tickets)
    assert sorted(t["number"] for t in run.tickets) == sorted(report.numbers)
    assert total.no_show == report.clerks.no_shows
    assert total.cancelled == report.cancels
    assert total.transferred == report.clerks.transfers
    assert total.served == report.clerks.finishes
    assert {t["state"] for t in run.tickets} <= ENDED
    assert Counter(t["state"] for t in run.tickets) == +Counter(
        {"done": total.served, "no_show": total.no_show, "cancelled": total.cancelled, "waiting": total.waiting}
    )

    # the server's journal holds one event for each thing the simulator says it did
    actions = Counter(e["action"] for e in run.events)
    tally = report.clerks
    assert actions["issue"] == report.issued
    assert actions["call"] == tally.calls
    assert actions["recall"] == tally.recalls
    assert actions["serve"] == tally.starts
    assert actions["finish"] == tally.finishes
    assert actions["no_show"] == tally.no_shows
    assert actions["transfer"] == tally.transfers
    assert actions["pause"] == actions["resume"] == tally.breaks
    assert actions["cancel"] == report.cancels
    assert actions["sign_in"] == actions["sign_out"] == len(run.sessions)

    assert run.sessions, "no clerk signed in"
    assert all(s["signed_out_at"] is not None for s in run.sessions)
    assert {s["end_reason"] for s in run.sessions} == {"signed out"}
    assert all(c["clerk"] is None and c["current"] is None for c in run.counters)
    assert len(run.pauses) == report.clerks.breaks
    assert all(p["ended_at"] is not None for p in run.pauses)


@pytest.mark.timeout(120)
async def test_a_busy_morning_adds_up_and_agrees_with_the_simulator(
    tmp_path: Path, children: list[ServerChild]
) -> None:
    hall = demo(tmp_path)
    # Impatient visitors, so that some leave while still waiting within the 45-minute span.
    profile = plan.Profile(
        load=1.6, no_show_share=0.3, transfer_share=0.3, cancel_share=0.3, patience_minutes=(5.0, 25.0)
    )
    run = await play(
        hall,
        children,
        clock_start=DEMO_CLOCK_START,
        start="09:25",
        arrivals_end="10:00",
        end="10:10",
        seed=2026,
        profile=profile,
    )
    check_books(run)
    report, total = run.report, run.figures.total()
    assert report.refused == Counter()  # every service issues in the morning
    assert total.issued > 40
    # Once its clerks are in, the simulator keeps the server's time: each visitor takes a ticket
    # when planned.  (Those planned while it was still signing clerks in come all at once then.)
    ready = max(e["at"] for e in run.events if e["action"] == "sign_in")
    pairs = zip(sorted(a.at for a in run.arrivals), sorted(t["issued_at"] for t in run.tickets), strict=True)
    timed = [(a, b) for a, b in pairs if a > ready]
    assert len(timed) >= 10, "the clerks took most of the span to sign in"
    late = max(b - a for a, b in timed)
    # A quarter of a real second of slack, in hall time: a busy CI machine may lag that much.
    assert -1 < late < 150 + 0.25 * SPEED, f"a ticket was issued {late:.0f} s (hall time) after its visitor came"
    # every path really happened
    assert total.served > 0
    assert total.no_show > 0
    assert total.cancelled > 0
    assert total.transferred > 0
    assert report.clerks.breaks > 0
    # a staffed counter each, with its own first (A) clerk, signed in once and out once
    staffed = {c.number: c.clerks[0] for c in hall.config.counters if c.staffed}
    assert {s["counter"]: s["clerk"] for s in run.sessions} == staffed
    assert len(run.sessions) == len(staffed)
    # the guide desk cancelled, as the supervisor, for visitors who left
    cancels = [e for e in run.events if e["action"] == "cancel"]
    assert len(cancels) == total.cancelled
    assert {(e["clerk"], e["reason"]) for e in cancels} == {(hall.supervisor, "visitor left")}
    # a transferred ticket keeps its number and now belongs to another service
    by_prefix = {s.prefix: s.id for s in hall.config.services}
    for t in run.tickets:
        issued_for = by_prefix[t["number"].rstrip("0123456789")]
        assert t["transfers"] in (0, 1)
        assert (t["service"] != issued_for) == (t["transfers"] == 1), t
    # green tickets only for services that take them
    allowed = {s.id for s in hall.config.services if s.priority_allowed}
    assert all(by_prefix[t["number"].rstrip("0123456789")] in allowed for t in run.tickets if t["priority"] > 0)


@pytest.mark.timeout(120)
async def test_arrivals_after_issuing_hours_are_refused_as_service_closed(
    tmp_path: Path, children: list[ServerChild]
) -> None:
    """The demo hall stops issuing at 12:00 for everything but certificate pick-up."""
    hall = demo(tmp_path)
    profile = plan.Profile(load=2.0)
    run = await play(
        hall, children, clock_start="11:15", start="11:35", arrivals_end="12:15", end="12:20", seed=5, profile=profile
    )
    check_books(run)
    noon = at(hall.config, "12:00")
    closing = [a for a in run.arrivals if a.service != "pickup" and a.at >= noon]
    assert len(closing) > 5, "the seed should bring visitors after noon"
    # The simulator's clock follows the server's; allow a quarter of a real second around noon.
    slack = 0.25 * SPEED
    surely = sum(1 for a in closing if a.at >= noon + slack)
    maybe = sum(1 for a in run.arrivals if a.service != "pickup" and a.at >= noon - slack)
    assert set(run.report.refused) == {"service_closed"}
    assert surely <= run.report.refused["service_closed"] <= maybe
    for t in run.tickets:
        if t["issued_at"] >= noon:
            assert t["number"].startswith("L"), t  # only pick-up issues over lunch
    after_noon = [a for a in run.arrivals if a.service == "pickup" and a.at >= noon + 30]
    assert after_noon, "the seed should bring pick-ups after noon"
    assert sum(1 for t in run.tickets if t["issued_at"] >= noon) >= len(after_noon)


@pytest.mark.timeout(120)
async def test_the_test_hall_refuses_tickets_past_the_daily_cap(tmp_path: Path, children: list[ServerChild]) -> None:
    """In the test hall only counter 4 (social) has a named clerk; tax stops at 5 tickets a day."""
    hall = small_hall(tmp_path)
    profile = plan.Profile(load=4.0, mix={"social": 1.0, "tax": 2.0, "consult": 0.0}, transfer_share=0.0)
    run = await play(
        hall,
        children,
        clock_start="09:20",
        start="09:25",
        arrivals_end="09:55",
        end="10:05",
        seed=3,
        profile=profile,
        guide_desk=False,
    )
    check_books(run)
    tax = [a for a in run.arrivals if a.service == "tax"]
    assert len(tax) > 5
    assert run.report.refused == Counter({"daily_cap_reached": len(tax) - 5})
    taxed = sorted(t["number"] for t in run.tickets if t["service"] == "tax")
    assert taxed == ["B001", "B002", "B003", "B004", "B005"]
    # nobody in the simulator staffs the tax counter: those tickets are still waiting
    assert all(t["state"] == "waiting" for t in run.tickets if t["service"] == "tax")
    assert {(s["counter"], s["clerk"]) for s in run.sessions} == {(4, "ann")}
    assert run.figures.total().served > 0


def social_only(**settings: float) -> plan.Profile:
    """Visitors for social security only, who all come, stay and are served once; no breaks."""
    return plan.Profile(
        mix={"social": 1.0, "tax": 0.0, "consult": 0.0},
        no_show_share=0.0,
        transfer_share=0.0,
        cancel_share=0.0,
        break_minutes=(0.0, 0.0),
        **settings,  # type: ignore[arg-type]
    )


@pytest.mark.timeout(120)
async def test_a_visitor_who_comes_to_an_empty_hall_is_counted_and_served(
    tmp_path: Path, children: list[ServerChild]
) -> None:
    hall = small_hall(tmp_path)
    profile = social_only(load=0.3)
    arrivals = plan.plan_arrivals(hall.config, profile, 3, at(hall.config, "09:30"), at(hall.config, "10:00"))
    if [a.service for a in arrivals] != ["social"]:
        pytest.fail(f"the seed should bring one visitor, into an empty hall: {arrivals}")
    run = await play(
        hall, children, clock_start="09:25", start="09:30", arrivals_end="10:00", end="10:30", seed=3, profile=profile
    )
    assert len(run.tickets) == 1
    assert run.report.issued == 1
    assert run.figures.total().served == 1


@pytest.mark.timeout(120)
async def test_the_clerks_finish_a_long_visit_before_they_sign_out(
    tmp_path: Path, children: list[ServerChild], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = config_with(tmp_path, "default_handle_minutes = 5\n", "default_handle_minutes = 60\n")
    assert config.service("social").default_handle_minutes == 60  # type: ignore[union-attr]
    hall = small_hall(tmp_path / "data", tmp_path / "hall.toml")
    monkeypatch.setattr(runner, "CLOSE_TIMEOUT_SECONDS", 1.0)  # ten minutes of hall time at 600x
    profile = social_only(load=6.0, handle_spread=0.05)
    arrivals = plan.plan_arrivals(hall.config, profile, 4, at(hall.config, "09:30"), at(hall.config, "09:45"))
    if len(arrivals) < 2 or arrivals[0].at > at(hall.config, "09:40"):
        pytest.fail(f"the seed should bring a visitor soon and one more to wait: {arrivals}")
    # ann calls the first visitor before 09:41 and serves them for about an hour; at 09:50
    # the clerks are told to stop, with some fifty minutes of that visit still to go
    run = await play(
        hall, children, clock_start="09:25", start="09:30", arrivals_end="09:45", end="09:50", seed=4, profile=profile
    )
    check_books(run)


async def test_a_simulated_clerk_has_work_when_the_server_counts_a_ticket_for_its_counter(hall: Any) -> None:
    """The simulator follows the hall's mirror: a clerk has work when the server counts a ticket
    its counter could call.  A001 (social) sent to counter 3 (consultation only) is work for
    counter 3 and not for counter 4 (social), though social's waiting count includes it."""
    config = hall_config.load(TEST_HALL)
    sim = runner.Simulation(runner.Settings(config, hall.url, PASSWORD, 1, 0.0, 1.0, 2.0))
    kiosk = await hall.kiosk()
    await kiosk.request("issue", service="social")
    counter_1 = await hall.counter(1, "cat")
    await counter_1.request("call_next")
    await counter_1.request("transfer", to_counter=3)
    await kiosk.request("snapshot")  # a fresh snapshot, as after a hello
    assert kiosk.snapshot is not None
    sim._on_message(kiosk.snapshot)
    assert sim.clock.synced and sim.hall.services["social"].waiting == 1
    clerks = {n: sim._clerk(n, desk=None, reason="break") for n in (3, 4)}  # type: ignore[arg-type]
    assert clerks[3].has_work() and not clerks[4].has_work()
    assert sim.report.day == "" and sim.hall.day == "2026-11-23"
