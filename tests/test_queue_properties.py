"""Random days at the counters: hypothesis drives the queue core through any order of actions.

After every step the queue must still hold together (each waiting ticket in exactly one queue,
in order; each called ticket at exactly one counter; numbers unique), a refused action must
have changed nothing, and the state rebuilt from the SQLite database that the change records
were written to must call tickets in the very same order: what the server would have after a
restart at that moment.
"""

from __future__ import annotations

import copy
import dataclasses
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from hallcall.config import load
from hallcall.server.domain.hall import HallState
from hallcall.server.domain.model import AT_COUNTER, GREEN, HELD, NORMAL, WAITING, QueueError
from hallcall.server.storage import Storage

CONFIG = load(Path(__file__).parent / "halls" / "test-hall.toml")
START = 1795399200.0  # Monday 2026-11-23 10:00 Asia/Shanghai
SERVICES = [s.id for s in CONFIG.services]
COUNTERS = [c.number for c in CONFIG.counters]
CLERKS = ["ann", "bob", "cat", "dan"]
# What happens in the hall, each as often as it is listed: visitors arrive and clerks press
# "next" and "finish" far more than anything else.
STEPS = (
    ["issue"] * 6 + ["call_next"] * 5 + ["finish"] * 4 + ["time"] * 2
    + ["recall", "start", "no_show", "hold", "call_back", "call_number", "put_back", "cancel", "transfer"]
    + ["pause", "resume", "sign_in", "sign_out", "next_day"]
)  # fmt: skip


def fingerprint(state: HallState) -> Any:
    """Everything observable about the queue, to compare before and after a refusal."""
    tickets = {i: dataclasses.astuple(t) for i, t in state.tickets.items()}
    counters = {
        n: (
            c.current,
            c.priority_streak,
            tuple(c.held),
            tuple(c.served),
            dataclasses.astuple(c.session) if c.session else None,
        )
        for n, c in state.counters.items()
    }
    return tickets, counters, queue_order(state), dict(state.seq)


def queue_order(state: HallState) -> Any:
    waiting = {s: {p: [t.number for t in q] for p, q in sorted(qs.items()) if q} for s, qs in state.waiting.items()}
    targeted = {n: [t.number for t in q] for n, q in state.targeted.items() if q}
    return waiting, targeted


class QueueDay(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = START
        self.state = HallState(CONFIG, enforce_hours=False)
        self.folder = tempfile.mkdtemp(prefix="hallcall-prop-")
        self.storage = Storage(Path(self.folder) / "hall.sqlite3", synchronous="normal")
        self.save(self.state.roll(self.now))

    def teardown(self) -> None:
        self.storage.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def save(self, changes: list[Any]) -> None:
        self.storage.begin()
        self.storage.apply(changes, self.state.day)
        self.storage.commit()

    def act(self, action: Any, *args: Any, **kwargs: Any) -> None:
        """Do one action; a refusal must leave everything exactly as it was."""
        before = copy.deepcopy(fingerprint(self.state))
        try:
            result = action(*args, **kwargs)
        except QueueError:
            assert fingerprint(self.state) == before
            return
        changes = result[1] if isinstance(result, tuple) else result
        self.save(changes)

    def staffed(self) -> list[int]:
        return [n for n, c in self.state.counters.items() if c.session is not None]

    @initialize(tickets=st.lists(st.sampled_from(SERVICES), min_size=3, max_size=12))
    def morning(self, tickets: list[str]) -> None:
        """The hall opens: three counters staffed and the first visitors in the queue."""
        for counter, clerk in ((1, "cat"), (2, "dan"), (4, "ann")):
            self.act(self.state.sign_in, counter, clerk, "token", self.now)
        for service in tickets:
            self.act(self.state.issue, service, self.now)

    # ------------------------------------------------------------------ one step of the day
    @rule(data=st.data(), what=st.sampled_from(STEPS))
    def step(self, data: st.DataObject, what: str) -> None:
        """One thing happens in the hall; clerks' buttons as often as in a real hall."""
        s, draw = self.state, data.draw
        staffed = self.staffed()
        counter = draw(st.sampled_from(staffed)) if staffed else draw(st.sampled_from(COUNTERS))
        if what == "issue":
            green = draw(st.booleans())
            self.act(s.issue, draw(st.sampled_from(SERVICES)), self.now, priority=GREEN if green else NORMAL)
        elif what == "time":
            self.now += draw(st.integers(1, 900))
        elif what == "sign_in":
            counter, clerk = draw(st.sampled_from(COUNTERS)), draw(st.sampled_from(CLERKS))
            self.act(s.sign_in, counter, clerk, "token", self.now, occupant_connected=draw(st.booleans()))
        elif what == "sign_out":
            self.act(s.sign_out, counter, self.now, force=draw(st.booleans()))
        elif what == "pause":
            self.act(s.pause, counter, "break", self.now)
        elif what == "transfer":
            to = draw(st.sampled_from(SERVICES + COUNTERS))
            if isinstance(to, str):
                self.act(s.transfer, counter, self.now, service=to)
            else:
                self.act(s.transfer, counter, self.now, to_counter=to)
        elif what in ("call_number", "call_back", "put_back", "cancel"):
            if not s.by_number:
                return
            number = draw(st.sampled_from(sorted(s.by_number)))
            if what == "put_back":
                places = draw(st.none() | st.integers(0, 5))
                self.act(s.put_back, number, self.now, places=places, counter=counter)
            elif what == "cancel":
                self.act(s.cancel, number, self.now, counter=counter)
            else:
                self.act(getattr(s, what), counter, number, self.now)
        elif what == "next_day":
            self.now += 24 * 3600
            self.save(s.roll(self.now))
        else:
            self.act(getattr(s, what), counter, self.now)

    # ------------------------------------------------------------------ what must always hold
    @invariant()
    def queues_hold_together(self) -> None:
        s = self.state
        queued: list[int] = []
        for service, queues in s.waiting.items():
            for priority, queue in queues.items():
                assert all(t.state == WAITING and t.service == service and t.priority == priority for t in queue)
                assert all(t.target_counter is None for t in queue)
                keys = [(t.queue_key, t.id) for t in queue]
                assert keys == sorted(keys)
                queued += [t.id for t in queue]
        for number, queue in s.targeted.items():
            assert all(t.state == WAITING and t.target_counter == number for t in queue)
            queued += [t.id for t in queue]
        waiting = [t.id for t in s.tickets.values() if t.state == WAITING]
        assert sorted(queued) == sorted(waiting), "every waiting ticket is in exactly one queue"
        assert len(s.by_number) == len(s.tickets)

    @invariant()
    def counters_hold_together(self) -> None:
        s = self.state
        current = [c.current for c in s.counters.values() if c.current is not None]
        at_counter = [t.id for t in s.tickets.values() if t.state in AT_COUNTER]
        assert sorted(current) == sorted(at_counter), "each called ticket is at exactly one counter"
        for number, c in s.counters.items():
            if c.current is not None:
                assert s.tickets[c.current].counter == number
                assert c.session is not None
            assert all(s.tickets[i].state == HELD and s.tickets[i].counter == number for i in c.held)
        held = sorted(t.id for t in s.tickets.values() if t.state == HELD)
        assert held == sorted(i for c in s.counters.values() for i in c.held)
        clerks = [c.session.clerk for c in s.counters.values() if c.session]
        assert len(clerks) == len(set(clerks)), "a clerk is signed in at one counter at a time"

    @invariant()
    def the_database_rebuilds_the_same_queue(self) -> None:
        rebuilt = HallState(CONFIG, enforce_hours=False)
        rebuilt.load(
            day=self.state.day,
            tickets=self.storage.load_day(self.state.day),
            sessions=self.storage.open_sessions(),
            last_signout=self.storage.last_signouts(),
            next_ids=self.storage.next_ids(),
        )
        assert queue_order(rebuilt) == queue_order(self.state)
        assert fingerprint(rebuilt)[0] == fingerprint(self.state)[0]
        assert rebuilt.seq == self.state.seq

        def counters(state: HallState) -> Any:
            return {
                n: (c.current, sorted(c.held), dataclasses.astuple(c.session) if c.session else None)
                for n, c in state.counters.items()
            }

        assert counters(rebuilt) == counters(self.state), "sessions, pauses and held tickets survive a restart"
        assert rebuilt.next_ticket_id == self.state.next_ticket_id


QueueDay.TestCase.settings = settings(
    max_examples=100,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestQueueDay = QueueDay.TestCase
