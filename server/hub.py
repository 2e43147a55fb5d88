"""The server's heart: applies requests to the queue, makes them durable, tells every screen.

Every request is handled on one asyncio loop, so two counters pressing "next" at the same
instant are simply served one after the other and can never get the same ticket.  Writes are
group-committed: the requests handled in one turn of the loop share one SQLite transaction, and
no reply or event leaves the server before that transaction is committed.  If a commit fails,
the batch is rolled back, the in-memory queue is rebuilt from the database, and every request
of the batch is answered ``storage_error``: nothing is half-done.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec
from websockets.asyncio.server import broadcast

from hallcall import protocol as p
from hallcall.config import HallConfig

from .clock import Clock
from .domain import calendar, supervision
from .domain.hall import HallState
from .domain.model import (
    PRIORITY_BY_NAME,
    Change,
    Journal,
    PauseEnded,
    PauseStarted,
    QueueError,
    SessionClosed,
    SessionOpened,
    SessionRenewed,
    Ticket,
    TicketSaved,
    device_status,
)
from .metrics import Metrics
from .storage import AnswerRow, Record, Storage, WarningCleared, WarningRaised
from .views import Views

log = logging.getLogger("hallcall.server")

ANSWER_CACHE = 50_000  # recent answers kept in memory; older ones are read back from the database
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


@dataclass
class _Batch:
    futures: list[asyncio.Future[bytes]] = field(default_factory=list)
    after: list[Callable[[], None]] = field(default_factory=list)


class Hub:
    def __init__(self, config: HallConfig, storage: Storage, clock: Clock, *, enforce_hours: bool = True) -> None:
        self.config = config
        self.storage = storage
        self.clock = clock
        self.enforce_hours = enforce_hours
        self.state = self._rebuild()
        self.views = Views(config, enforce_hours=enforce_hours)
        self.metrics = Metrics(self)
        self.clients: set[Client] = set()
        self.by_role: dict[str, set[Client]] = {r: set() for r in ("kiosk", "display", "counter", "supervisor")}
        self.seq = 0
        self.recent_calls: deque[dict[str, Any]] = deque(maxlen=20)
        self.devices: dict[str, dict[str, Any]] = storage.device_statuses()
        self.configured_notice: dict[str, str] = msgspec.to_builtins(config.display.notice)
        self.notice = self._shown_notice(storage.last_notice())
        self.warnings: dict[str, dict[str, Any]] = storage.open_warnings()
        self._answers: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._inflight: dict[tuple[str, str], asyncio.Future[bytes]] = {}
        self._batch: _Batch | None = None
        self._queue_dirty = True
        self._shown_day = self.state.day
        self.started = time.time()

    # ------------------------------------------------------------------ state from storage
    def _rebuild(self) -> HallState:
        """The in-memory queue, rebuilt from the database (at start, and after a failed commit)."""
        now = self.clock.now()
        day = calendar.business_day(self.config, now)
        self.storage.close_stale(day, lambda at: calendar.business_day(self.config, at) == day, now)
        state = HallState(self.config, enforce_hours=self.enforce_hours)
        state.load(
            day=day,
            tickets=self.storage.load_day(day),
            sessions=self.storage.open_sessions(),
            last_signout=self.storage.last_signouts(),
            next_ids=self.storage.next_ids(),
        )
        return state

    # ------------------------------------------------------------------ group commit
    def _write(self, changes: list[Record]) -> _Batch:
        """Add rows to the open transaction (opening one if needed) and schedule its commit."""
        if self._batch is None:
            self.storage.begin()
            self._batch = _Batch()
            asyncio.get_running_loop().call_soon(self._commit, self._batch)
        self.storage.apply(changes, self.state.day)
        return self._batch

    def _commit(self, batch: _Batch) -> None:
        if self._batch is not batch:  # already failed and rolled back
            return
        self._batch = None
        try:
            self.storage.commit()
        except Exception as exc:  # disk full, I/O error: undo everything this batch did
            log.exception("commit failed; rolling back %d requests", len(batch.futures))
            self._fail_batch(batch, exc)
            return
        for publish in batch.after:
            publish()
        for fut in batch.futures:
            if not fut.done():
                fut.set_result(b"")

    def _fail_batch(self, batch: _Batch, exc: BaseException) -> None:
        self.storage.rollback()
        self.state = self._rebuild()
        self._queue_dirty = True
        for fut in batch.futures:
            if not fut.done():
                fut.set_exception(exc)

    async def durable(self, changes: list[Record], publish: Callable[[], None] | None = None) -> None:
        """Persist ``changes`` with the current batch and wait until they are committed."""
        try:
            batch = self._write(changes)
        except Exception as exc:
            if self._batch is not None:
                failed, self._batch = self._batch, None
                self._fail_batch(failed, exc)
            raise
        fut: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        batch.futures.append(fut)
        if publish is not None:
            batch.after.append(publish)
        await fut

    async def settled(self) -> None:
        """Wait for the open batch to commit (or fail), so a read never shows unsaved state."""
        batch = self._batch
        if batch is None:
            return
        fut: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        batch.futures.append(fut)
        with contextlib.suppress(Exception):
            await fut

    # ------------------------------------------------------------------ fan-out
    def _send(self, clients: Any, message: dict[str, Any] | bytes) -> None:
        data = message if isinstance(message, bytes) else p.encode(message)
        targets = []
        for c in clients:
            transport = getattr(c.ws, "transport", None)
            if transport is not None and transport.get_write_buffer_size() > WRITE_BUFFER_LIMIT:
                log.warning("%s is not reading; disconnecting it", c.principal)
                transport.abort()  # a close frame would only queue behind the backlog
                continue
            targets.append(c.ws)
        broadcast(targets, data, text=True)

    def attach(self, client: Client) -> None:
        self.clients.add(client)
        self.by_role[client.role].add(client)

    def detach(self, client: Client) -> None:
        self.clients.discard(client)
        self.by_role[client.role].discard(client)

    def _shown_notice(self, set_by_supervisor: dict[str, str] | None) -> dict[str, str]:
        """The notice the displays show: the supervisor's, unless none was set or it was
        cleared; then the config's as it is now, so an edit to the config shows after a restart."""
        if set_by_supervisor and (set_by_supervisor.get("zh") or set_by_supervisor.get("en")):
            return dict(set_by_supervisor)
        return self.configured_notice

    def publish(self, topic: str, name: str, data: dict[str, Any], targets: list[Client]) -> None:
        self.seq += 1
        if targets:
            self._send(targets, p.encode(p.event(topic, name, self.seq, data)))

    def _watching(self, counter: int, zone: str) -> list[Client]:
        """Who hears about one counter's calls and state: the displays of its zone (all, if the
        counter has none), the supervisors, and the counter's own program."""
        found = [c for c in self.by_role["display"] if not c.zone or not zone or c.zone == zone]
        found += self.by_role["supervisor"]
        found += [c for c in self.by_role["counter"] if c.counter == counter]
        return found

    def publish_changes(self, changes: list[Change]) -> None:
        """Tell the screens what a committed request changed.  The counters whose view changed
        are read off the changes themselves; a new business day changes every counter."""
        counters = _counters_touched(changes)
        if self.state.day != self._shown_day:
            self._shown_day = self.state.day
            counters = set(self.state.counters)
        supervisors = list(self.by_role["supervisor"])
        for change in changes:
            if isinstance(change, SessionClosed):
                # Its connections stay open but must say hello again (app.py notices).
                ended = [c for c in self.by_role["counter"] if c.session_id == change.session.id]
                for c in ended:
                    self.detach(c)
                self.seq += 1
                data = {"counter": change.session.counter, "reason": change.reason}
                self._send(ended, p.event("session", "ended", self.seq, data))
            if not isinstance(change, Journal):
                continue
            if supervisors:
                self.publish("journal", change.action, self.views.journal(change), supervisors)
            if change.action == "notice":
                self.notice = self._shown_notice(change.detail)
                self.publish("notice", "notice", self.notice, [*self.by_role["display"], *supervisors])
            if change.action.startswith("device_"):
                status = device_status(change.action, change.reason, change.detail, change.at)
                self.devices[status["device"]] = status
                self.publish("devices", "device", status, [*self.by_role["counter"], *supervisors])
            if change.action in ("call", "call_number", "call_back", "recall") and change.ticket is not None:
                call = self.views.call(change.ticket, change.action)
                self.recent_calls.append(call)
                self.publish("calls", "called", call, self._watching(call["counter"], call["zone"]))
        for number in counters:
            view = self.counter_view(number)
            self.publish("counters", "counter", view, self._watching(number, view["zone"]))
        self._queue_dirty = True

    def counter_view(self, number: int) -> dict[str, Any]:
        return self.views.counter(self.state, number)

    def flush_queue(self) -> None:
        """Waiting counts and estimates, coalesced: at most one update per interval."""
        if not self._queue_dirty or not self.clients:
            return
        self._queue_dirty = False
        summaries = [self.state.service_summary(s.id) for s in self.config.services]
        self.seq += 1
        callable_ = self.state.callable_counts()
        everyone = p.encode(p.event("queue", "queue", self.seq, {"services": summaries, "callable": callable_}))
        by_zone: dict[str, list[Client]] = {}
        for c in self.clients:
            by_zone.setdefault(c.zone if c.role == "display" else "", []).append(c)
        for zone, clients in by_zone.items():
            if not zone:
                self._send(clients, everyone)
            else:
                mine = [s for s in summaries if self.views.service_zone(s["service"]) in ("", zone)]
                self._send(clients, p.event("queue", "queue", self.seq, {"services": mine, "callable": callable_}))

    # ------------------------------------------------------------------ answers kept for retries
    def remembered(self, principal: str, request_id: str) -> bytes | None:
        key = (principal, request_id)
        found = self._answers.get(key)
        if found is None:
            stored = self.storage.answer(principal, request_id)
            found = stored.encode() if stored is not None else None
        return found

    def _remember(self, principal: str, request_id: str, answer: bytes) -> None:
        self._answers[(principal, request_id)] = answer
        if len(self._answers) > ANSWER_CACHE:
            self._answers.popitem(last=False)

    # ------------------------------------------------------------------ requests
    async def handle(self, client: Client, request: p.Request) -> bytes:
        """Answer one authenticated request; the answer is JSON bytes ready to send."""
        kind = request.__struct_config__.tag  # type: ignore[attr-defined]
        if kind not in p.MUTATING:
            await self.settled()
            return p.encode(self._query(client, request))
        key = (client.principal, request.id)
        pending = self._inflight.get(key)
        if pending is not None:  # the same id again while the first is still being saved
            return await asyncio.shield(pending)
        earlier = self.remembered(*key)
        if earlier is not None:
            return earlier
        fut: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._inflight[key] = fut
        try:
            answer = await self._mutate(client, request, kind)
            fut.set_result(answer)
            return answer
        except BaseException as exc:
            fut.set_exception(exc)
            fut.exception()  # retrieved: a waiting duplicate re-raises it itself
            raise
        finally:
            del self._inflight[key]

    async def _mutate(self, client: Client, request: p.Request, kind: str) -> bytes:
        now = self.clock.now()
        changes: list[Change] = self.state.roll(now)
        try:
            self._check_session(client)
            data, more = self._apply(client, request, kind, now)
            changes += more
            answer = p.encode(p.result(request.id, data))
        except QueueError as exc:
            answer = p.encode(p.error(exc.code, exc.message, request.id, **exc.details))
        await self.durable(
            [*changes, AnswerRow(client.principal, request.id, answer, now)],
            lambda: self.publish_changes(changes),
        )
        self._remember(client.principal, request.id, answer)
        return answer

    async def sign_in(self, counter: int, clerk: str, token_hash: str, *, occupied: bool) -> Any:
        """Open (or renew) a clerk's session at a counter; a day rollover found on the way is
        saved even when the sign-in itself is refused."""
        now = self.clock.now()
        rolled = self.state.roll(now)
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

    def _apply(self, client: Client, r: p.Request, kind: str, now: float) -> tuple[dict[str, Any], list[Change]]:
        s = self.state
        counter = client.counter
        if isinstance(r, p.Issue):
            priority = PRIORITY_BY_NAME[r.priority]
            ticket, changes = s.issue(r.service, now, priority=priority, channel=client.role, device=client.name)
            return self.views.issued(s, ticket), changes
        if isinstance(r, p.DeviceStatus):
            detail = {"device": client.name, "role": client.role}
            return {}, [Journal(now, f"device_{r.state}", reason=r.detail, detail=detail)]
        if isinstance(r, p.Notice):
            text = {"zh": r.zh, "en": r.en}  # journaled as sent: both empty = "the configured one"
            journal = Journal(now, "notice", clerk=client.name, reason=r.zh or r.en, detail=text)
            return {"notice": self._shown_notice(text)}, [journal]
        if isinstance(r, p.ForceSignOut):
            reason = r.reason or f"signed out by supervisor {client.name}"
            return {}, s.sign_out(r.counter, now, reason, force=True)
        if isinstance(r, p.PutBack):
            ticket, changes = s.put_back(r.number, now, places=r.places, counter=counter, clerk=client.name)
            return self._ticket_answer(ticket), changes
        if isinstance(r, p.Cancel):
            ticket, changes = s.cancel(r.number, now, counter=counter, clerk=client.name, reason=r.reason)
            return self._ticket_answer(ticket), changes
        assert counter is not None
        if isinstance(r, p.Pause):
            return {}, s.pause(counter, r.reason, now)
        if isinstance(r, p.Resume):
            return {}, s.resume(counter, now)
        if isinstance(r, p.SignOut):
            return {}, s.sign_out(counter, now)
        if isinstance(r, p.Transfer):
            ticket, changes = s.transfer(counter, now, service=r.service, to_counter=r.to_counter, reason=r.reason)
            return self._ticket_answer(ticket), changes
        if isinstance(r, p.Hold):
            ticket, changes = s.hold(counter, now, r.reason)
        elif isinstance(r, p.CallBack):
            ticket, changes = s.call_back(counter, r.number, now)
        elif isinstance(r, p.CallNumber):
            ticket, changes = s.call_number(counter, r.number, now)
        else:
            action = {
                "call_next": s.call_next,
                "recall": s.recall,
                "start": s.start,
                "finish": s.finish,
                "no_show": s.no_show,
            }[kind]
            ticket, changes = action(counter, now)
        return self._ticket_answer(ticket), changes

    def _ticket_answer(self, ticket: Ticket) -> dict[str, Any]:
        return {"ticket": self.views.ticket(self.state, ticket)}

    def _query(self, client: Client, r: p.Request) -> dict[str, Any]:
        if isinstance(r, p.Ping):
            return p.result(r.id, {"server_time": self.clock.now()})
        if isinstance(r, p.Snapshot):
            self._send([client], self.snapshot(client))
            return p.result(r.id, {"seq": self.seq})
        if isinstance(r, p.TicketInfo):
            try:
                ticket = self.state.ticket(r.number)
            except QueueError as exc:
                return p.error(exc.code, exc.message, r.id, **exc.details)
            data = self._ticket_answer(ticket) | {"day": ticket.day}
            if client.role in ("counter", "supervisor"):
                data["journey"] = self.storage.journey(ticket.id)
            return p.result(r.id, data)
        raise AssertionError(f"unhandled query {r!r}")

    # ------------------------------------------------------------------ snapshot
    def snapshot(self, client: Client) -> dict[str, Any]:
        """Everything a freshly (re)connected client needs to draw its screen from scratch."""
        zone = client.zone if client.role == "display" else ""
        services = [self.state.service_summary(s.id) for s in self.config.services]
        counters = [self.counter_view(c.number) for c in self.config.counters] if client.role != "kiosk" else []
        calls = list(self.recent_calls)
        if zone:
            services = [x for x in services if self.views.service_zone(x["service"]) in ("", zone)]
            counters = [x for x in counters if x["zone"] in ("", zone)]
            calls = [x for x in calls if x["zone"] in ("", zone)]
        body: dict[str, Any] = {
            "type": "snapshot",
            "seq": self.seq,
            "server_time": self.clock.now(),
            "clock_speed": self.clock.speed,
            "day": self.state.day,
            "hall": self.views.hall(),
            "services": services,
            "callable": self.state.callable_counts(),
            "counters": counters,
            "calls": calls,
            "notice": self.notice,
        }
        if client.role in ("kiosk", "display"):
            body["device"] = self.views.device(client.role, client.name)
            if client.role == "display":
                body["device"]["zone"] = client.zone  # the hello may name another zone than the config
        if client.role in ("counter", "supervisor"):
            body["warnings"] = [w for w in self.warnings.values() if self._warning_for(client, w)]
            body["devices"] = list(self.devices.values())
        if client.role == "counter" and client.counter is not None:
            state = self.state.counters[client.counter]
            body["me"] = {
                "counter": client.counter,
                "clerk": client.name,
                "served": [self.state.tickets[i].public() for i in state.served[-10:]],
            }
        return body

    # ------------------------------------------------------------------ supervision
    def _warned(self, w: dict[str, Any]) -> list[Client]:
        return [c for role in ("counter", "supervisor") for c in self.by_role[role] if self._warning_for(c, w)]

    def _warning_for(self, client: Client, w: dict[str, Any]) -> bool:
        if client.role == "supervisor":
            return True
        if client.role != "counter":
            return False
        if w.get("counter") is not None:
            return w["counter"] == client.counter
        return w.get("service") in client.services

    async def check_warnings(self) -> None:
        """Raise new warnings and clear resolved ones; each is journaled in the database."""
        now = self.clock.now()
        rolled = self.state.roll(now)
        found = supervision.current_warnings(self.state, now)
        raised = {k: w for k, w in found.items() if k not in self.warnings or self.warnings[k]["level"] != w["level"]}
        cleared = [k for k in self.warnings if k not in found or k in raised]
        if not (raised or cleared or rolled):
            for k, w in found.items():  # refresh the figures quietly
                self.warnings[k].update(w)
            return
        ops: list[Record] = [*rolled, *(WarningCleared(k, now) for k in cleared)]
        ops += [WarningRaised(k, w, now) for k, w in raised.items()]

        def publish() -> None:
            for k in cleared:
                w = self.warnings.pop(k, None)
                if w is not None and k not in raised:
                    self.publish("warnings", "cleared", w, self._warned(w))
            for k, w in raised.items():
                self.warnings[k] = {**w, "key": k, "raised_at": now}
                self.publish("warnings", "raised", self.warnings[k], self._warned(w))
            if rolled:
                self.publish_changes(rolled)

        await self.durable(ops, publish)


def _counters_touched(changes: list[Change]) -> set[int]:
    """Counters whose view a list of changes altered: where a journal step happened, where a
    session or pause began or ended, and where a ticket was sent."""
    found: set[int] = set()
    for change in changes:
        if isinstance(change, SessionOpened | SessionRenewed | SessionClosed | PauseStarted | PauseEnded):
            found.add(change.session.counter)
        elif isinstance(change, Journal) and change.counter is not None:
            found.add(change.counter)
        elif isinstance(change, TicketSaved) and change.ticket.target_counter is not None:
            found.add(change.ticket.target_counter)
    return found


__all__ = ["Client", "Hub"]
