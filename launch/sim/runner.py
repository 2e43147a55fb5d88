"""Runs a simulated stretch of a hall's day against a real server, through the real protocol.

Visitors take tickets at the hall's kiosks (websocket connections with the kiosks' device
tokens), clerks sign in at the staffed counters with their own names and call, serve, recall,
mark no-shows and transfer (see clerk.py), and a guide desk (a supervisor's connection)
cancels the tickets of visitors who tell it they are leaving.  The server cannot tell them
from the programs: the simulator is how the demo fills a hall, how the benches load one, and
how the tests play a whole morning.

Where the hall takes appointments and the profile's ``booked_share`` is above 0, the guide desk
books the plan's bookings before the first visitor comes (``book``, as staff book for a visitor
on the phone), and each booked visitor who comes checks in at a kiosk with the booking's code
(``check_in``) instead of taking a ticket; one refused ``too_late`` takes a normal ticket of the
same service, as the kiosk offers.  Their appointment tickets are called and served like any.

Arrivals stop at ``arrivals_end``; the clerks go on until nobody waits or ``end`` comes, then
finish the visitor in front of them and sign out, so at the end every ticket is done, absent,
cancelled or still waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hallcall import protocol as p
from hallcall.client import HallClient
from hallcall.config import HallConfig
from hallcall.mirror import HallMirror
from hallcall.mirror import answer as typed_answer

from . import plan
from .clerk import Clerk, Desk, Tally
from .clock import SimClock

log = logging.getLogger("hallcall.launch.sim")

CLOSE_TIMEOUT_SECONDS = 30.0  # real seconds, on top of LONGEST_VISIT_MINUTES of hall time
LONGEST_VISIT_MINUTES = 120.0  # the clerks are given this long to finish their last visitors

# A kiosk the demo puts on screen: takes an arrival and says whether it took it (a kiosk
# still busy with the last visitor's ticket does not; the visitor uses another kiosk).
ScreenKiosk = Callable[[plan.Arrival], bool]
# The same for a booked visitor: takes the arrival and the booking's code to type there.
ScreenCheckIn = Callable[[plan.Arrival, str], bool]


@dataclass
class Settings:
    config: HallConfig
    url: str
    password: str  # every simulated clerk's
    seed: int
    start: float  # the first arrivals (epoch seconds, hall time)
    arrivals_end: float
    end: float  # the clerks stop calling by then at the latest
    profile: plan.Profile = field(default_factory=plan.Profile)
    supervisor: tuple[str, str] | None = None  # name, password: the guide desk that cancels
    counters: set[int] | None = None  # counters to staff (default: every staffed one)
    spare_clerk: str | None = None  # e.g. "simulated-{counter}": who works a counter open to any clerk
    screen_kiosks: dict[str, ScreenKiosk] = field(default_factory=dict)
    screen_check_in: ScreenCheckIn | None = None  # where booked visitors who come on time check in, when free
    screen_desks: dict[int, Desk] = field(default_factory=dict)  # counters someone else's desk drives
    leaves: dict[int, float] = field(default_factory=dict)  # counter -> when its clerk pauses for the rest of the day


@dataclass
class Bookings:
    """The appointments as the simulator saw them (the server's record is in figures.py)."""

    planned: int = 0
    made: dict[int, str] = field(default_factory=dict)  # plan key -> the code the server gave
    refused: Counter[str] = field(default_factory=Counter)  # bookings the server refused, by code
    checked_in: dict[str, str] = field(default_factory=dict)  # code -> appointment ticket number
    late: dict[str, str] = field(default_factory=dict)  # code -> the normal ticket taken after too_late
    late_refused: int = 0  # refused too_late (some of them then got no normal ticket either)
    check_in_refused: Counter[str] = field(default_factory=Counter)  # other refusals, by error code
    not_come: int = 0  # booked, never came
    on_screen: list[str] = field(default_factory=list)  # codes handed to the kiosk on screen (the demo's)

    def to_dict(self) -> dict[str, object]:
        return {
            "planned": self.planned,
            "made": len(self.made),
            "refused": dict(self.refused),
            "checked_in": len(self.checked_in),
            "late": len(self.late),
            "late_refused": self.late_refused,
            "check_in_refused": dict(self.check_in_refused),
            "not_come": self.not_come,
            "on_screen": len(self.on_screen),
        }


@dataclass
class Report:
    """The day as the simulator saw it (the server's own figures are in figures.py)."""

    planned: int = 0
    issued: int = 0
    on_screen_kiosks: int = 0  # arrivals handed to a kiosk on screen
    refused: Counter[str] = field(default_factory=Counter)
    lost: int = 0  # issue requests that got no answer (a connection lost)
    cancels: int = 0
    clerks: Tally = field(default_factory=Tally)
    numbers: list[str] = field(default_factory=list)  # issued by the simulator's kiosks
    estimates: dict[str, int] = field(default_factory=dict)  # number -> the wait (s) its issue answer estimated
    day: str = ""
    answer_ms: list[float] = field(default_factory=list)  # request to answer, the simulator's own requests
    errors: list[str] = field(default_factory=list)  # what went wrong; empty when the day ran as planned
    bookings: Bookings = field(default_factory=Bookings)


class ClientDesk:
    """A clerk's desk over its own websocket connection; it times each answer into ``timings``."""

    def __init__(self, client: HallClient, timings: list[float]) -> None:
        self.client = client
        self.timings = timings

    async def act(self, kind: str, **fields: Any) -> dict[str, Any]:
        began = time.perf_counter()
        try:
            answer = await self.client.call(kind, **fields)
        except (ConnectionError, TimeoutError) as exc:
            return {"type": "error", "code": "no_answer", "message": str(exc)}
        self.timings.append((time.perf_counter() - began) * 1000)
        return answer


class Simulation:
    def __init__(self, settings: Settings) -> None:
        self.s = settings
        self.clock = SimClock()
        self.report = Report()
        # The hall as the first kiosk hears it: waiting counts and what each counter could call.
        self.hall = HallMirror()
        self.hall.clock = self.clock  # the mirror syncs the simulator's clock from the snapshot
        self.work_arrived: list[asyncio.Event] = []
        self.clients: list[HallClient] = []
        self.kiosks: dict[str, HallClient] = {}
        self.desks: dict[int, str] = {}  # a kiosk client's guide-desk token (green channel), by id()
        self.guide_desk: HallClient | None = None
        self.clerks: list[Clerk] = []
        self._issuing: set[asyncio.Task[Any]] = set()  # issue requests on their way
        self._leaving: set[asyncio.Task[Any]] = set()  # visitors who will tell the guide desk
        self._cancelling: set[asyncio.Task[Any]] = set()  # of those, the ones at the desk now
        self._booked: dict[int, plan.Booking] = {}  # the plan's bookings, by key

    def visitor(self, number: str, service: str, transfers: int) -> plan.Visitor:
        return plan.visitor(self.s.config, self.s.profile, self.s.seed, number, service, transfers)

    async def run(self) -> Report:
        """Play the span; the report's ``errors`` lists what went wrong on the way (a clerk's
        task that failed, a lost connection), and an empty list means the day ran as planned."""
        clerk_tasks: list[asyncio.Task[None]] = []
        try:
            await self._open()
            day = plan.plan_day(self.s.config, self.s.profile, self.s.seed, self.s.start, self.s.arrivals_end)
            await self._book(day.bookings)
            self.report.planned = len(day.arrivals)
            clerk_tasks = [asyncio.create_task(c.run(), name=f"clerk-{c.counter}") for c in self.clerks]
            for arrival in day.arrivals:
                await self.clock.sleep_until(arrival.at)
                self._arrive(arrival)
            await self.clock.sleep_until(self.s.arrivals_end)
            await asyncio.gather(*self._issuing)
            await self._drain()
            await self._close(clerk_tasks)
        finally:
            pending = [t for t in (*clerk_tasks, *self._issuing, *self._leaving) if not t.done()]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            for client in self.clients:
                await client.close()
        if self.report.lost:
            self.report.errors.append(f"{self.report.lost} ticket requests got no answer")
        return self.report

    async def _drain(self) -> None:
        """Let the clerks serve whoever still waits, until nobody does or ``end`` comes.  The
        waiting counts come in the server's coalesced ``queue`` events, so each look waits at
        least two of their intervals: the last tickets are counted before the hall is called empty."""
        interval = 2 * self.s.config.server.queue_update_interval_ms / 1000
        while self.clock.now() < self.s.end:
            await asyncio.sleep(max(interval, min(60.0, self.s.end - self.clock.now()) / self.clock.speed))
            if not any(s.waiting for s in self.hall.services.values()):
                return

    async def _open(self) -> None:
        cfg = self.s.config
        for device in cfg.devices.kiosks:
            client = await self._connect("kiosk", token=device.token, device=device.name)
            self.kiosks[device.name] = client
        if not self.kiosks:
            raise ValueError("the hall config has no kiosks for the visitors to use")
        first = next(iter(self.kiosks.values()))
        assert first.snapshot is not None
        self.hall.apply(first.snapshot)
        self.report.day = self.hall.day
        first.listeners.append(self._on_message)
        if self.s.supervisor is not None:
            name, password = self.s.supervisor
            self.guide_desk = await self._connect("supervisor", clerk=name, password=password)
        reason = _break_reason(cfg)
        desks: dict[int, Desk] = {}
        hellos: dict[int, dict[str, Any]] = {}
        working: set[str] = set()  # a clerk signed in at a second counter leaves the first
        for counter in cfg.counters:
            if not self._staffs(counter.number, counter.staffed):
                continue
            if counter.number in self.s.screen_desks:
                desks[counter.number] = self.s.screen_desks[counter.number]
                continue
            name = next((n for n in (*counter.clerks, *counter.backups) if n not in working), None)
            if name is None and self.s.spare_clerk is not None:
                name = self.s.spare_clerk.format(counter=counter.number)
            if name is None:
                log.info("counter %d has no clerk free to work it; the simulator leaves it empty", counter.number)
                continue
            working.add(name)
            hellos[counter.number] = {"counter": counter.number, "clerk": name, "password": self.s.password}
        # All at once: each sign-in checks a slow password hash, and the hall's clock is running.
        async with asyncio.TaskGroup() as group:
            signing_in = {n: group.create_task(self._connect("counter", **h)) for n, h in hellos.items()}
        for number, task in signing_in.items():
            desks[number] = ClientDesk(task.result(), self.report.answer_ms)
        for counter in cfg.counters:
            if counter.number in desks:
                self.clerks.append(self._clerk(counter.number, desks[counter.number], reason))

    def _staffs(self, number: int, staffed: bool) -> bool:
        if number in self.s.screen_desks:
            return True
        return number in self.s.counters if self.s.counters is not None else staffed

    def _clerk(self, number: int, desk: Desk, reason: str) -> Clerk:
        work = asyncio.Event()
        self.work_arrived.append(work)

        def has_work() -> bool:  # as the server counts it: the counter's services and tickets sent to it
            return self.hall.callable.get(number, 0) > 0

        rest = plan.clerk_break(self.s.seed, number, self.s.profile, self.s.start, self.s.arrivals_end)
        if number in self.s.leaves:  # a counter closing mid-day: one pause that lasts until the end
            rest = (self.s.leaves[number], self.s.end - self.s.leaves[number])
        return Clerk(
            number,
            desk,
            self.clock,
            visitor=self.visitor,
            has_work=has_work,
            work_arrived=work,
            rest=rest,
            break_reason=reason,
        )

    async def _connect(self, role: str, **hello: Any) -> HallClient:
        client = HallClient(self.s.url)
        await client.connect()
        self.clients.append(client)
        await client.hello(role, **hello)
        return client

    def _on_message(self, message: dict[str, Any]) -> None:
        update = self.hall.apply(message)
        if update is not None and update.topic == "queue":
            for event in self.work_arrived:
                event.set()

    async def _book(self, bookings: list[plan.Booking]) -> None:
        """The guide desk books the day's planned bookings before anyone comes, one at a time as
        staff would; a refusal (a slot full, the hall taking no appointments) is counted, and that
        visitor comes as a walk-in.  Without a guide desk nobody books: all come as walk-ins."""
        self.report.bookings.planned = len(bookings)
        self._booked = {b.key: b for b in bookings}
        if self.guide_desk is None:
            return
        for b in bookings:
            fields = {"service": b.service, "day": b.day, "start": b.start, "name": b.name, "phone": b.phone}
            try:
                answer = await self.guide_desk.call("book", **fields)
            except (ConnectionError, TimeoutError):
                self.report.bookings.refused["no_answer"] += 1
                continue
            if answer.get("type") != "result":
                self.report.bookings.refused[answer.get("code", "?")] += 1
                log.warning("booking %s %s %s refused: %s", b.service, b.day, b.start, answer.get("message"))
                continue
            self.report.bookings.made[b.key] = typed_answer("book", answer["data"]).booking.code
            if b.comes == plan.NEVER:
                self.report.bookings.not_come += 1

    def _arrive(self, arrival: plan.Arrival) -> None:
        code = self.report.bookings.made.get(arrival.booking) if arrival.booking is not None else None
        screen = self.s.screen_kiosks.get(arrival.kiosk)
        if screen is not None and arrival.priority == "normal" and code is None and screen(arrival):
            self.report.on_screen_kiosks += 1
            return
        # Only those who come on time: one refused too_late takes a normal ticket, the simulator's part.
        on_time = arrival.booking is not None and self._booked[arrival.booking].comes == plan.ON_TIME
        check_in = self.s.screen_check_in
        if code is not None and on_time and check_in is not None and check_in(arrival, code):
            self.report.on_screen_kiosks += 1
            self.report.bookings.on_screen.append(code)
            return
        client = self.kiosks.get(arrival.kiosk) or next(iter(self.kiosks.values()))
        work = self._issue(client, arrival) if code is None else self._check_in(client, arrival, code)
        self._spawn(work, self._issuing)

    async def _check_in(self, client: HallClient, arrival: plan.Arrival, code: str) -> None:
        """A booked visitor types the booking's code at the kiosk.  Refused ``too_late``, they
        take a normal ticket of the same service, as the kiosk offers; any other refusal is
        counted and they leave without a ticket."""
        began = time.perf_counter()
        try:
            reply = await client.call("check_in", code=code)
        except (ConnectionError, TimeoutError):
            self.report.lost += 1
            return
        self.report.answer_ms.append((time.perf_counter() - began) * 1000)
        seen = self.report.bookings
        if reply.get("type") == "result":
            answer = typed_answer("check_in", reply["data"])
            seen.checked_in[code] = self._issued(answer.ticket, answer.estimated_wait_s)
        elif reply.get("code") == "too_late":
            seen.late_refused += 1
            number = await self._issue(client, arrival)
            if number is not None:
                seen.late[code] = number
        else:
            seen.check_in_refused[reply.get("code", "?")] += 1
            self.report.refused[reply.get("code", "?")] += 1
            log.warning("check-in %s refused: %s", code, reply.get("message"))

    @staticmethod
    def _spawn(coro: Any, tasks: set[asyncio.Task[Any]]) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro)
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        return task

    async def _desk(self, client: HallClient, *, again: bool = False) -> str | None:
        """The kiosk's guide-desk token: a green-channel ticket is issued at the guide desk, which
        the server opens with the hall's PIN (``unlock_desk``), as staff would; None in a hall
        without a guide desk (the server then refuses green tickets, and the report counts it)."""
        pin = self.s.config.kiosk.staff_pin
        if pin and (again or id(client) not in self.desks):
            answer = await client.call("unlock_desk", pin=pin)
            if answer.get("type") == "result":
                self.desks[id(client)] = answer["data"]["desk"]
        return self.desks.get(id(client))

    async def _issue(self, client: HallClient, arrival: plan.Arrival) -> str | None:
        """A visitor takes a ticket; its number, or None when the server refused or did not answer."""
        fields: dict[str, Any] = {"service": arrival.service}
        began = time.perf_counter()
        try:
            if arrival.priority != "normal":
                fields["priority"] = arrival.priority
                fields["desk"] = await self._desk(client)
            reply = await client.call("issue", **fields)
            if reply.get("code") == "desk_required" and fields.get("desk"):  # lapsed: the PIN again, once
                fields["desk"] = await self._desk(client, again=True)
                reply = await client.call("issue", **fields)
        except (ConnectionError, TimeoutError):
            self.report.lost += 1
            return None
        self.report.answer_ms.append((time.perf_counter() - began) * 1000)
        if reply.get("type") == "error":
            self.report.refused[reply.get("code", "?")] += 1
            return None
        issued = typed_answer("issue", reply["data"])
        return self._issued(issued.ticket, issued.estimated_wait_s)

    def _issued(self, ticket: p.TicketView, estimated_wait_s: int) -> str:
        """Count a ticket the kiosk gave (issued or checked in) and plan its holder's leaving."""
        self.report.issued += 1
        self.report.numbers.append(ticket.number)
        self.report.estimates[ticket.number] = estimated_wait_s  # what the ticket printed (figures.py)
        leaves = self.visitor(ticket.number, ticket.service, 0).leaves_after_seconds
        if leaves is not None and self.guide_desk is not None and self.clock.now() + leaves < self.s.end:
            self._spawn(self._leave(ticket.number, self.clock.now() + leaves), self._leaving)
        return ticket.number

    async def _leave(self, number: str, at: float) -> None:
        """A visitor tired of waiting tells the guide desk, which cancels the ticket (if it has
        not been called meanwhile: then the server refuses, and that is as it should be)."""
        await self.clock.sleep_until(at)
        if self.guide_desk is None:
            return
        task = asyncio.current_task()
        assert task is not None
        self._cancelling.add(task)  # from here on the day's close waits for the answer
        with contextlib.suppress(ConnectionError, TimeoutError):
            answer = await self.guide_desk.call("cancel", number=number, reason="visitor left")
            if answer.get("type") == "result":
                self.report.cancels += 1

    async def _close(self, clerk_tasks: list[asyncio.Task[None]]) -> None:
        for clerk in self.clerks:
            clerk.closing = True
        for event in self.work_arrived:
            event.set()
        patience = CLOSE_TIMEOUT_SECONDS + LONGEST_VISIT_MINUTES * 60 / self.clock.speed
        done, pending = await asyncio.wait(clerk_tasks, timeout=patience) if clerk_tasks else (set(), set())
        for task in pending:
            self.report.errors.append(f"{task.get_name()} was still busy {patience:.0f} s after closing; stopped")
            task.cancel()
        for task in done:
            if task.exception() is not None:
                log.error("%s stopped with an error", task.get_name(), exc_info=task.exception())
                self.report.errors.append(f"{task.get_name()} stopped: {task.exception()!r}")
        for task in self._leaving - self._cancelling:
            task.cancel()  # they had not left yet; they are still waiting
        for outcome in await asyncio.gather(*self._leaving, return_exceptions=True):
            if isinstance(outcome, Exception):
                self.report.errors.append(f"the guide desk failed: {outcome!r}")
        for clerk in self.clerks:
            self.report.clerks.merge(clerk.tally)
            if isinstance(clerk.desk, ClientDesk):
                answer = await clerk.desk.act("sign_out")
                if answer.get("type") != "result":
                    log.warning("counter %d: sign_out refused: %s", clerk.counter, answer.get("code"))


def _break_reason(config: HallConfig) -> str:
    """The hall's first pause reason, in the language reasons are stored in (the hall's first,
    as the counter program sends it)."""
    reasons = config.counter_program.pause_reasons
    return reasons[0].get(config.hall.languages[0]) if reasons else "break"


async def simulate(settings: Settings) -> Report:
    """Run one simulated span of a day; see the module's docstring."""
    return await Simulation(settings).run()
