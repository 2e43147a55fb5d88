"""The server's heart: applies requests to the queue, makes them durable, tells every screen.

Every request is handled on one asyncio loop, so two counters pressing "next" at the same
instant are simply served one after the other and can never get the same ticket.  The hub
composes small units, each with one job:

* ``batch``: group commit; the requests of one turn of the loop share one transaction, and no
  reply or event leaves the server before it is committed (a failed commit rolls back, the
  queue is rebuilt from the database, and the batch is answered ``storage_error``);
* ``answers``: the answers kept for retries;
* ``dispatch``: each request type's domain call and answer;
* ``fanout``: which clients hear which event (a pure function);
* ``snapshot``: what a (re)connected client gets first;
* ``views``: every message's typed shape.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import msgspec
from websockets.asyncio.server import broadcast

from hallcall import protocol as p
from hallcall.config import HallConfig

from . import auth, fanout, views
from .answers import Answers
from .batch import GroupCommit
from .clock import Clock
from .day_end import close_earlier_days, mark_missed_bookings
from .dispatch import ASYNC_HANDLERS, dispatch
from .domain import appointments, calendar, evaluation, supervision
from .domain.hall import HallState
from .domain.model import DONE, Change, Journal, QueueError
from .metrics import Metrics
from .privileges import DeskSessions, IssueLimiter
from .snapshot import Hall, snapshot
from .storage import AnswerRow, Record, Storage, WarningAcknowledged, WarningCleared, WarningRaised
from .unshown import Unshown
from .views import Views

# Requests that can neither raise nor clear a warning: no warning check after them.
CANNOT_WARN = frozenset({"issue", "device_status", "notice", "acknowledge"})

log = logging.getLogger("hallcall.server")

WRITE_BUFFER_LIMIT = 4 * 1024 * 1024  # a client this far behind is disconnected, not waited for


@dataclass(eq=False)
class Client:
    """One authenticated connection and what it should hear about."""

    ws: Any
    role: str
    principal: str
    name: str  # device name or clerk name
    counter: int | None = None
    session_id: int | None = None
    zone: str = ""
    services: frozenset[str] = frozenset()  # a counter's services, for its warnings
    follows: tuple[str, str] | None = None  # a visitor's ticket: (day, number)
    heard: p.VisitorView | None = None  # the view of that ticket a visitor was last sent
    holds_key: bool = False  # a visitor whose hello carried its ticket's key: it may evaluate it
    must_change_password: bool = False  # signed in with a one-time password: only change_password
    credential: str = ""  # a device's token hash: it is disconnected once that token is revoked


DEVICE_ROLES = ("kiosk", "display", "pad")  # the devices whose connection the console shows


class Hub:
    def __init__(self, config: HallConfig, storage: Storage, clock: Clock, *, enforce_hours: bool = True) -> None:
        self.config = config
        self.storage = storage
        self.clock = clock
        self.enforce_hours = enforce_hours
        self.lockout = auth.LockOut()  # wrong passwords, per account and address (hello, change_password)
        self.hashing = asyncio.Semaphore(1)  # one Argon2 operation at a time: sign-ins and password requests
        self.state = self._rebuild()
        self.ledger = appointments.Ledger(config, storage.bookings())  # day ends settled by _rebuild
        self.evaluations = self._evaluations()
        self._key_secret = storage.secret("ticket_key")
        self.tokens = auth.DeviceTokens(config, storage.device_tokens())  # hashes: the config's, or rotated
        self._tokens_seen = storage.device_tokens_version()
        self.desks = DeskSessions()
        self.pins = auth.PinGuard()
        # A person's pace holds on the real clock only: on a faster simulated one (the demo, the
        # simulator, benches) the visitors are programs, and a second of start-up lag is minutes of
        # arrivals at once.  No hall runs on a simulated clock (docs/security.md).
        rate = config.server.issue_rate_per_minute if clock.speed == 1 else 0.0
        self.issue_limit = IssueLimiter(rate, config.server.issue_burst)
        # the public booking page's changes, per address (a client's name there), at the same pace
        self.booking_limit = IssueLimiter(rate, config.server.issue_burst)
        # A kiosk shows its ticket on the real clock too (a printer takes its seconds whatever the
        # hall clock says), so the wait for its word is that many real minutes: on the demo's 300x
        # clock, 5 hall minutes would be one loaded second, and shown tickets were cancelled.
        self.unshown_minutes = config.kiosk.unshown_cancel_minutes * clock.speed
        self._closing: set[asyncio.Task[None]] = set()
        self.views = Views(config, enforce_hours=enforce_hours)
        self.batch = GroupCommit(storage, lambda: self.state.day, self._rolled_back)
        self.answers = Answers(storage)
        self.metrics = Metrics(self)
        self.clients: set[Client] = set()
        self.by_role: dict[str, set[Client]] = {
            r: set() for r in ("kiosk", "display", "counter", "supervisor", "pad", "visitor", "booking")
        }
        self.seq = 0
        self.recent_calls: deque[p.CallView] = deque(maxlen=20)
        self.devices: dict[str, p.DeviceReport] = {
            name: views.device_report(j) for name, j in storage.device_statuses().items()
        }
        self.notice = self.views.shown_notice(storage.last_notice())
        self.warnings: dict[str, p.AnyWarning] = {
            key: views.warning(key, alert, at) for key, (alert, at) in storage.open_warnings().items()
        }
        for key, (by, at) in storage.acknowledgements().items():
            if key in self.warnings:
                self.warnings[key] = msgspec.structs.replace(self.warnings[key], acknowledged_by=by, acknowledged_at=at)
        self.unshown = Unshown()  # kiosk tickets no visitor has been shown yet (server/unshown.py)
        self.unshown.rebuild(self.state.tickets.values(), storage.journey)
        self._queue_dirty = True
        self._shown_day = self.state.day
        self._checking = asyncio.Lock()  # one warning check at a time: none raises what another did
        self.started = time.time()
        self.started_at = clock.now()  # the same moment by the hall clock (device absence counts from it)
        self.presence: dict[str, p.DevicePresence] = {
            d.name: p.DevicePresence(device=d.name, role=role, connected=False, since=None)
            for role, listed in (
                ("kiosk", config.devices.kiosks),
                ("display", config.devices.displays),
                ("pad", config.devices.pads),
            )
            for d in listed
        }

    # ------------------------------------------------------------------ state from storage
    def _rebuild(self) -> HallState:
        """The in-memory queue, rebuilt from the database (at start, and after a failed commit),
        once the days the server missed the end of are ended by the live rollover's rule."""
        now = self.clock.now()
        close_earlier_days(self.config, self.storage, now)
        mark_missed_bookings(self.config, self.storage, now)
        day = calendar.business_day(self.config, now)
        state = HallState(self.config, enforce_hours=self.enforce_hours)
        state.load(
            day=day,
            tickets=self.storage.load_day(day),
            sessions=self.storage.open_sessions(),
            last_signout=self.storage.last_signouts(),
            next_ids=self.storage.next_ids(),
        )
        return state

    def _evaluations(self) -> evaluation.Evaluations:
        """Today's evaluations, read back from the journal (one per ticket, even after a restart)."""
        found = evaluation.Evaluations()
        for ticket_id, at, number, counter, clerk, reason, detail in self.storage.evaluations(self.state.day):
            level = int(detail.get("level", 5))
            found.record(
                ticket_id,
                evaluation.alert_of(ticket_id, number, counter, clerk, level, reason, detail.get("note", ""), at),
            )
        return found

    def _rolled_back(self) -> None:
        self.state = self._rebuild()
        self.ledger = appointments.Ledger(self.config, self.storage.bookings())
        self.evaluations = self._evaluations()
        self._queue_dirty = True

    async def durable(self, rows: list[Record], publish: Callable[[], None] | None = None) -> None:
        await self.batch.durable(rows, publish)

    async def settled(self) -> None:
        await self.batch.settled()

    # ------------------------------------------------------------------ connections
    def attach(self, client: Client) -> None:
        self.clients.add(client)
        self.by_role[client.role].add(client)
        if client.role in DEVICE_ROLES:
            self._present(client)

    def detach(self, client: Client) -> None:
        if client not in self.clients:
            return
        self.clients.discard(client)
        self.by_role[client.role].discard(client)
        if client.role in DEVICE_ROLES:
            self._present(client)

    def _present(self, client: Client) -> None:
        """A kiosk, display or pad connected or went away: when that changes whether its device
        is connected (a device may briefly hold two connections while it reconnects), the
        supervisors hear it at once (topic ``presence``), with the hall clock's time of the change."""
        connected = any(c.name == client.name for c in self.by_role[client.role])
        known = self.presence.get(client.name)
        if known is not None and known.connected == connected:
            return
        self.presence[client.name] = now = p.DevicePresence(
            device=client.name, role=client.role, connected=connected, since=self.clock.now()
        )
        if self.by_role["supervisor"]:
            self.seq += 1
            self._deliver([(views.event("presence", "device", self.seq, now), list(self.by_role["supervisor"]))])

    def _send(self, clients: Iterable[Client], data: bytes) -> None:
        targets = []
        for c in clients:
            transport = getattr(c.ws, "transport", None)
            if transport is not None and transport.get_write_buffer_size() > WRITE_BUFFER_LIMIT:
                log.warning("%s is not reading; disconnecting it", c.principal)
                transport.abort()  # a close frame would only queue behind the backlog
                continue
            targets.append(c.ws)
        broadcast(targets, data, text=True)

    def _deliver(self, routed: Iterable[tuple[msgspec.Struct, list[Client]]]) -> None:
        """Send each message, encoded once, to its recipients."""
        for message, recipients in routed:
            self._send(recipients, views.encode(message))

    def send_snapshot(self, client: Client) -> None:
        self._send([client], views.encode(self.snapshot(client)))

    # ------------------------------------------------------------------ fan-out
    def publish_changes(self, changes: list[Change]) -> None:
        """Tell the screens what a committed request changed (fanout decides who hears what)."""
        new_day = self.state.day != self._shown_day
        self._shown_day = self.state.day
        self._queue_dirty = True
        items = fanout.news(
            changes, self.state, self.views, every_counter=new_day, journal=bool(self.by_role["supervisor"])
        )
        items += self._acknowledged(changes)
        if not items:  # an issue with no supervisor connected: only the coalesced queue update
            return
        for item in items:
            if item.topic == "calls":
                self.recent_calls.append(item.data)
            elif item.topic == "devices":
                self.devices[item.data.device] = item.data
            elif item.topic == "notice":
                self.notice = item.data
        routed, self.seq = fanout.route(items, self.by_role, self.seq)
        for message, recipients in routed:
            if message.topic == "session":  # their connections must say hello again (app.py notices)
                for c in recipients:
                    self.detach(c)
        self._deliver(routed)

    def _acknowledged(self, changes: Iterable[Any]) -> list[fanout.News]:
        """Apply the acknowledgements among committed changes to the open warnings (the first
        stands; one of a warning since cleared or raised again is dropped): their events."""
        found: list[fanout.News] = []
        for change in changes:
            if not isinstance(change, WarningAcknowledged):
                continue
            w = self.warnings.get(change.key)
            if w is None or w.raised_at != change.raised_at or w.acknowledged_by is not msgspec.UNSET:
                continue
            self.warnings[change.key] = w = msgspec.structs.replace(
                w, acknowledged_by=change.by, acknowledged_at=change.at
            )
            found.append(fanout.News("warnings", "acknowledged", w))
        return found

    def counter_view(self, number: int) -> p.CounterView:
        return self.views.counter(self.state.counter_figures(number))

    def flush_queue(self) -> None:
        """Waiting counts and estimates, coalesced: at most one update per interval."""
        if not self._queue_dirty or not self.clients:
            return
        self._queue_dirty = False
        self.seq += 1
        update = self.views.queue(self.state)
        listed = self.views.zone_services
        self._deliver(fanout.route_queue(update, self.clients, self.seq, lambda zone: listed(self.state, zone)))
        if self.by_role["visitor"]:
            self.tell_visitors()

    def visitor_view(self, day: str, number: str) -> p.VisitorView:
        """The ticket a visitor follows, as its phone shows it (expired once its day is over);
        ``evaluable`` while it is done and not yet evaluated (its key holder may evaluate it)."""
        t = self.state.by_number.get(number) if day == self.state.day else None
        view = self.views.visitor(self.state, t, day, number)
        if t is not None and t.state == DONE and t.id not in self.evaluations.done:
            view.evaluable = True
        return view

    def ticket_key(self, day: str, number: str) -> str:
        """The key printed in ticket ``number``'s QR link (domain/evaluation.py ticket_key)."""
        return evaluation.ticket_key(self._key_secret, day, number)

    def holds_key(self, day: str, number: str, key: str | None) -> bool:
        """Whether ``key`` (a hello's, or a status page address's ``k``) is that ticket's key."""
        return evaluation.key_matches(self._key_secret, day, number, key)

    def tell_visitors(self) -> None:
        """Each visitor whose own ticket's view changed gets it (one view per followed ticket,
        encoded once for all the phones following it)."""
        visitors = self.by_role["visitor"]
        fresh = {key: self.visitor_view(*key) for key in {c.follows for c in visitors if c.follows}}
        routed, self.seq = fanout.route_visitors(fresh, visitors, self.seq)
        for message, recipients in routed:
            for c in recipients:
                c.heard = message.data
        self._deliver(routed)

    # ------------------------------------------------------------------ requests
    async def handle(self, client: Client, request: p.Request) -> bytes:
        """Answer one authenticated request; the answer is JSON bytes ready to send."""
        kind = request.__struct_config__.tag  # type: ignore[attr-defined]
        if kind not in p.MUTATING:
            await self.settled()
            try:
                if kind in ASYNC_HANDLERS:  # a report: read in a worker thread, the loop keeps going
                    data = await ASYNC_HANDLERS[kind](self, client, request, self.clock.now())
                else:
                    data, _ = dispatch(self, client, request, self.clock.now())
                return views.encode(views.result(request.id, data))
            except QueueError as exc:
                return views.encode(views.error(exc.code, exc.message, request.id, **exc.details))
        if (kind == "issue" and self.issue_limit.enabled) or (client.role == "booking" and self.booking_limit.enabled):
            refused = self._over_rate(client, request)
            if refused is not None:
                return refused
        answer = await self.answers.once((client.principal, request.id), lambda: self._mutate(client, request))
        # A change is checked now, not at the next tick: a called ticket's wait warning is cleared
        # before the caller's answer (a clerk is never warned about the visitor at the counter),
        # and a low evaluation is a warning at once.  Only while some warning is open (there is
        # nothing to clear otherwise, and a check reads every waiting ticket), and never after
        # what cannot move a warning (an issue, the hot path: a new ticket has waited nothing).
        if kind == "evaluate" or (self.warnings and kind not in CANNOT_WARN):
            await self.check_warnings()
        return answer

    def _over_rate(self, client: Client, request: p.Request) -> bytes | None:
        """The ``rate_limited`` refusal of an issue beyond its device's pace, or None.  Not kept as
        the id's answer (the same id may be sent again after ``retry_after``), and a retry of an
        id already answered gets that answer, whatever the pace."""
        limit = self.booking_limit if client.role == "booking" else self.issue_limit
        wait = limit.take(client.name, self.clock.now())
        if not wait or self.answers.remembered(client.principal, request.id) is not None:
            return None
        retry_after = max(1, math.ceil(wait / self.clock.speed))  # in real seconds, for a person
        message = f"{client.name} is issuing faster than a person could; try again in {retry_after} s"
        return views.encode(views.error("rate_limited", message, request.id, retry_after=retry_after))

    async def _mutate(self, client: Client, request: p.Request) -> bytes:
        now = self.clock.now()
        changes: list[Any] = self.roll(now)
        try:
            self._check_session(client)
            data, more = dispatch(self, client, request, now)
            changes += more
            answer = views.encode(views.result(request.id, data))
        except QueueError as exc:
            answer = views.encode(views.error(exc.code, exc.message, request.id, **exc.details))
        await self.durable(
            [*changes, AnswerRow(client.principal, request.id, answer, now)],
            lambda: self.publish_changes(changes),
        )
        return answer

    def roll(self, now: float) -> list[Any]:
        """The business day's roll (HallState.roll), and with a new day the bookings of the days
        before it never checked in marked missed."""
        before = self.state.day
        changes: list[Any] = self.state.roll(now)
        if self.state.day != before:
            changes += self.ledger.day_end(self.state.day, now)
        return changes

    def journey(self, ticket_id: int) -> list[Journal]:
        return self.storage.journey(ticket_id)

    def find_ticket(self, day: str, number: str) -> Any:
        """A ticket of an earlier business day, from the database (None if there is none)."""
        return self.storage.find_ticket(day, number.strip().upper())

    def evaluated(self, ticket_id: int) -> bool:
        """Whether a ticket was evaluated: today's in memory (a batch not yet saved included),
        an earlier day's in the journal."""
        return ticket_id in self.evaluations.done or self.storage.evaluated(ticket_id)

    def pad_view(self, counter: int) -> p.PadView:
        session = self.state.counters[counter].session
        clerk_name = None
        if session is not None:
            record = self.storage.clerk(session.clerk)
            clerk_name = (record or {}).get("display_name") or session.clerk
        now = self.clock.now()
        return self.views.pad(
            self.state, counter, clerk_name, evaluation.awaiting(self.state, self.evaluations, counter, now)
        )

    async def sign_in(self, counter: int, clerk: str, token_hash: str, *, occupied: bool) -> Any:
        """Open (or renew) a clerk's session at a counter; a day rollover found on the way is
        saved even when the sign-in itself is refused."""
        now = self.clock.now()
        rolled = self.roll(now)
        try:
            session, changes = self.state.sign_in(counter, clerk, token_hash, now, occupant_connected=occupied)
        except QueueError:
            if rolled:
                await self.durable(rolled, lambda: self.publish_changes(rolled))
            raise
        changes = [*rolled, *changes]
        await self.durable(changes, lambda: self.publish_changes(changes))
        return session

    def _check_session(self, client: Client) -> None:
        if client.role != "counter":
            return
        state = self.state.counters.get(client.counter or 0)
        if state is None or state.session is None or state.session.id != client.session_id:
            raise QueueError(
                "session_ended", "your sign-in at this counter has ended; sign in again", counter=client.counter
            )

    # ------------------------------------------------------------------ privileges
    def check_desk(self, client: Client, desk: str | None) -> None:
        """Refuse a guide-desk request without a live desk token of this device."""
        if not self.desks.use(client.name, desk):
            message = "green-channel and guide-desk tickets need the guide desk opened with its PIN (unlock_desk)"
            raise QueueError("desk_required", message, field="desk")

    async def unlock_desk(self, client: Client, pin: str) -> p.UnlockDeskAnswer:
        """Check a guide-desk PIN typed at ``client``: a desk token, or ``wrong_pin`` (answered
        after a doubling delay) and, after PIN_TRIES in a row, ``pin_locked`` for a while."""
        staff_pin = self.config.kiosk.staff_pin
        if not staff_pin:
            raise QueueError("forbidden", "this hall has no guide desk: its [kiosk] staff_pin is empty", role="kiosk")
        locked = self.pins.locked_for(client.name)
        if locked:
            raise QueueError(
                "pin_locked", f"too many wrong PINs at {client.name}", retry_after=max(1, math.ceil(locked))
            )
        if not auth.same(pin, staff_pin):
            delay, left = self.pins.failed(client.name)
            log.warning("a wrong guide-desk PIN at %s (%d tries left)", client.name, left)
            if not left:  # locked out from now: said at once
                raise QueueError(
                    "pin_locked", f"too many wrong PINs at {client.name}", retry_after=math.ceil(self.pins.lock_s)
                )
            await asyncio.sleep(delay)
            raise QueueError("wrong_pin", "the guide-desk PIN is not correct", field="pin", tries_left=left)
        self.pins.succeeded(client.name)
        log.info("the guide desk was opened at %s", client.name)
        return p.UnlockDeskAnswer(desk=self.desks.grant(client.name), idle_s=round(self.desks.idle_s))

    def check_tokens(self) -> None:
        """Take in a rotation or revocation made by ``hallcall admin`` (polled: it writes the
        database from another process); a connected device whose token is no longer its token is
        disconnected, and its desk tokens lapse."""
        seen = self.storage.device_tokens_version()
        if seen == self._tokens_seen:
            return
        self._tokens_seen = seen
        self.tokens.load(self.storage.device_tokens())
        for role in DEVICE_ROLES:
            for c in list(self.by_role[role]):
                if self.tokens.holds(c.name, c.credential):
                    continue
                log.warning("%s's token was revoked or replaced; disconnecting it", c.principal)
                self.detach(c)
                self.desks.end_device(c.name)
                task = asyncio.ensure_future(c.ws.close(1008, "device token revoked"))
                self._closing.add(task)
                task.add_done_callback(self._closing.discard)

    # ------------------------------------------------------------------ snapshot
    def snapshot(self, client: Client) -> p.HallSnapshot:
        """Everything a freshly (re)connected client needs to draw its screen from scratch."""
        hall = Hall(
            state=self.state,
            views=self.views,
            seq=self.seq,
            server_time=self.clock.now(),
            clock_speed=self.clock.speed,
            calls=self.recent_calls,
            notice=self.notice,
            warnings=self.warnings.values(),
            devices=self.devices.values(),
        )
        body = snapshot(hall, client, client.name)
        if client.role == "pad" and client.counter is not None:
            body.pad = self.pad_view(client.counter)
        if client.role == "visitor" and client.follows is not None:
            body.visitor = client.heard = self.visitor_view(*client.follows)
        if client.role == "supervisor":
            body.presence = list(self.presence.values())
        if client.role == "booking":  # the public booking page: the services, no staff or calls
            body.hall, body.counters, body.calls, body.callable = self.views.public_hall(), [], [], {}
        return body

    # ------------------------------------------------------------------ supervision
    async def check_warnings(self) -> None:
        """Raise new warnings and clear resolved ones; each is journaled in the database."""
        async with self._checking:
            await self._check_warnings()

    async def _check_warnings(self) -> None:
        now = self.clock.now()
        rolled = self.roll(now)
        unshown, cancelled = self.unshown.sweep(self.state, now, self.unshown_minutes)
        for t in cancelled:
            log.warning("ticket %s cancelled: its kiosk never showed it to a visitor", t.number)
            self.metrics.never_shown.labels(t.service).inc()
        rolled += unshown
        away = (supervision.Away(d.device, d.role, d.connected, d.since) for d in self.presence.values())
        found = supervision.current_warnings(self.state, now, self.evaluations.low.values(), away, self.started_at)
        raised = {k: a for k, a in found.items() if k not in self.warnings or self.warnings[k].level != a.level}
        cleared = [k for k in self.warnings if k not in found or k in raised]
        if not (raised or cleared or rolled):
            for k, a in found.items():  # refresh the figures quietly (an acknowledgement kept)
                old = self.warnings[k]
                fresh = views.warning(k, a, old.raised_at)
                self.warnings[k] = msgspec.structs.replace(
                    fresh, acknowledged_by=old.acknowledged_by, acknowledged_at=old.acknowledged_at
                )
            return
        ops: list[Record] = [*rolled, *(WarningCleared(k, now) for k in cleared)]
        ops += [WarningRaised(k, a, now) for k, a in raised.items()]

        def publish() -> None:
            items: list[fanout.News] = []
            for k in cleared:
                w = self.warnings.pop(k, None)
                if w is not None and k not in raised:
                    items.append(fanout.News("warnings", "cleared", w))
            for k, a in raised.items():
                self.warnings[k] = w = views.warning(k, a, now)
                items.append(fanout.News("warnings", "raised", w))
            routed, self.seq = fanout.route(items, self.by_role, self.seq)
            self._deliver(routed)
            if rolled:
                self.publish_changes(rolled)

        await self.durable(ops, publish)


__all__ = ["Client", "Hub"]
