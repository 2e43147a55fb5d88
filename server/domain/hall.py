"""The one true queue of a hall, in memory: every rule of issuing, calling and serving.

No I/O and no clock of its own: every method takes ``now`` (epoch seconds) and returns the
list of :mod:`model` changes it made, which the caller persists and publishes.  A method that
refuses raises :class:`QueueError` before it has changed anything, so a refused request never
leaves a half-made change behind.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from typing import Any

from hallcall.config import HallConfig

from . import calendar, selection
from .estimates import ArrivalRates, Calls, Desk, HandlingTimes, Projection, estimate_seconds, project, remaining
from .model import (
    APPOINTMENT,
    AT_COUNTER,
    CALLED,
    CANCELLED,
    DONE,
    EXPIRED,
    GREEN,
    HELD,
    NO_SHOW,
    NORMAL,
    OPEN_STATES,
    SERVING,
    WAITING,
    Change,
    CounterFigures,
    CounterState,
    Journal,
    PauseEnded,
    PauseStarted,
    QueueError,
    QueueFigures,
    Session,
    SessionClosed,
    SessionOpened,
    SessionRenewed,
    Ticket,
    TicketSaved,
)

# A number has three digits (S001-S999): a service issues at most this many tickets a day.
MAX_NUMBERS = 999


def _order(t: Ticket) -> tuple[float, int]:
    return (t.queue_key, t.id)


def _require(t: Ticket, state: str, message: str) -> None:
    if t.state != state:
        raise QueueError("wrong_state", message, number=t.number, state=t.state)


class HallState:
    """Tickets of the current business day, counters and their sessions."""

    def __init__(self, config: HallConfig, *, enforce_hours: bool = True) -> None:
        self.config = config
        self.enforce_hours = enforce_hours
        self.day = ""
        self.tickets: dict[int, Ticket] = {}  # today's tickets by id
        self.by_number: dict[str, Ticket] = {}
        self.waiting: selection.Queues = {s.id: {} for s in config.services}
        self.targeted: dict[int, list[Ticket]] = {c.number: [] for c in config.counters}
        # Waiting tickets whose service or target counter the config no longer has (a hall that
        # edited its config overnight): known by number, so the day end expires them and a
        # supervisor can cancel them, but in no queue a counter calls from.
        self.stranded: list[Ticket] = []
        self.counters: dict[int, CounterState] = {c.number: CounterState(c.number) for c in config.counters}
        self.seq: dict[str, int] = {s.id: 0 for s in config.services}
        self.issued: dict[str, int] = {s.id: 0 for s in config.services}
        self.finished: dict[str, int] = {s.id: 0 for s in config.services}
        self.handling = HandlingTimes(
            config.queue.handle_time_window, {s.id: s.default_handle_minutes * 60 for s in config.services}
        )
        self.arrivals = ArrivalRates()
        self.next_ticket_id = 1
        self.next_session_id = 1
        self.next_pause_id = 1
        self.counter_services = {c.number: config.counter_services(c) for c in config.counters}
        self._projection: Projection | None = None
        self._lines_moved = True  # the lines changed since the projection was made (beyond what it stands)
        self._counter_moves = 0  # bumped by every change of a counter's session, pause or visitor
        self._open: tuple[int, tuple[int, ...], float] = (-1, (), 0.0)  # (moves, open counters, latest moment)

    # ------------------------------------------------------------------ rebuilding from storage
    def load(
        self,
        *,
        day: str,
        tickets: Iterable[Ticket],
        sessions: Iterable[Session],
        last_signout: dict[int, float],
        next_ids: tuple[int, int, int],
    ) -> None:
        """Rebuild the in-memory indexes from what storage holds (the database is the truth)."""
        self._counter_moves += 1  # the projection's counters are made again
        self.day = day
        self.next_ticket_id, self.next_session_id, self.next_pause_id = next_ids
        by_prefix = {s.prefix: s.id for s in self.config.services}
        for t in sorted(tickets, key=lambda t: t.id):
            self._index(t)
            issuer = by_prefix.get(t.number[:-3], t.service)  # a transfer moves a ticket, not its number
            self.seq[issuer] = max(self.seq.get(issuer, 0), t.seq)
            self.issued[issuer] = self.issued.get(issuer, 0) + 1
            self.arrivals.add(issuer, t.issued_at)
            if t.state == DONE and t.service in self.finished:
                self.finished[t.service] += 1
        finished = [t for t in self.tickets.values() if t.state == DONE and t.called_at and t.finished_at]
        for t in sorted(finished, key=lambda t: t.finished_at or 0.0):
            self.handling.add(t.service, (t.finished_at or 0.0) - (t.called_at or 0.0))
            if t.counter in self.counters:
                self.counters[t.counter].served.append(t.id)
        for s in sessions:
            if s.counter in self.counters:
                self.counters[s.counter].session = s
        for number, at in last_signout.items():
            if number in self.counters:
                self.counters[number].last_signout_at = at
        for t in self.tickets.values():
            if t.state in AT_COUNTER and t.counter in self.counters:
                self.counters[t.counter].current = t.id
            if t.state == HELD and t.counter in self.counters:
                self.counters[t.counter].held.append(t.id)

    def _index(self, t: Ticket) -> None:
        self.tickets[t.id] = t
        self.by_number[t.number] = t
        if t.state == WAITING:
            self._enqueue(t)

    def _queue_of(self, t: Ticket) -> list[Ticket]:
        if t.target_counter is not None:
            return self.targeted.get(t.target_counter, self.stranded)
        if t.service not in self.waiting:
            return self.stranded
        return self.waiting[t.service].setdefault(t.priority, [])

    def _enqueue(self, t: Ticket) -> None:
        queue = self._queue_of(t)
        i = bisect.bisect_right(queue, _order(t), key=_order)
        queue.insert(i, t)
        made = self._projection
        at_the_end = i == len(queue) - 1 and t.priority == NORMAL and t.target_counter is None
        if not (at_the_end and made is not None and made.past_horizon(t.service)):
            self._lines_moved = True

    def _dequeue(self, t: Ticket) -> None:
        self._lines_moved = True
        queue = self._queue_of(t)
        i = bisect.bisect_left(queue, _order(t), key=_order)
        if i < len(queue) and queue[i] is t:
            del queue[i]
        else:  # not where its key says: fall back to a scan rather than leave it queued
            queue.remove(t)

    # ------------------------------------------------------------------ day rollover
    def roll(self, now: float) -> list[Change]:
        """Start a new business day if ``now`` is past the rollover hour: expire what is open,
        sign everyone out, restart numbering."""
        day = calendar.business_day(self.config, now)
        if day == self.day:
            return []
        self._counter_moves += 1  # the projection's counters are made again
        changes: list[Change] = []
        for t in self.tickets.values():
            if t.state in OPEN_STATES:
                t.state = EXPIRED
                t.finished_at = now
                changes += [TicketSaved(t), Journal(now, "expire", t, t.counter, t.clerk, "day end")]
        for c in self.counters.values():
            if c.session is not None:
                changes += self._close_session(c, now, "day end")
            c.current = None
            c.priority_streak = 0
            c.appointment_streak = 0
            c.served.clear()
            c.held.clear()
        self.day = day
        self.tickets.clear()
        self.by_number.clear()
        for queues in self.waiting.values():
            queues.clear()
        for targeted in self.targeted.values():
            targeted.clear()
        self.stranded.clear()
        for key in self.seq:
            self.seq[key] = self.issued[key] = self.finished[key] = 0
        self.handling.clear()
        self.arrivals.clear()
        return changes

    # ------------------------------------------------------------------ issuing
    def issue(
        self,
        service_id: str,
        now: float,
        *,
        priority: int = NORMAL,
        channel: str = "kiosk",
        device: str = "",
        queue_key: float | None = None,
        check_hours: bool = True,
    ) -> tuple[Ticket, list[Change]]:
        """Issue a ticket; ``queue_key`` orders it in its class instead of issue order (an
        appointment ticket is keyed by its slot's start, so the earlier slot is called first).
        ``check_hours`` False: a booking's check-in, whose own window (its slot, cut from the
        day's hours or a special date's) already says when it may be issued."""
        service = self.config.service(service_id)
        if service is None:
            raise QueueError("unknown_service", f"there is no service {service_id!r}", service=service_id)
        if priority != NORMAL and not service.priority_allowed:
            raise QueueError(
                "priority_not_allowed", f"service {service_id!r} takes no priority tickets", service=service_id
            )
        if self.enforce_hours and check_hours and not calendar.issuing_open(self.config, service_id, now):
            raise QueueError("service_closed", f"service {service_id!r} is not issuing tickets now", service=service_id)
        if service.daily_cap and self.seq[service_id] >= service.daily_cap:
            raise QueueError(
                "daily_cap_reached",
                f"service {service_id!r} has issued its {service.daily_cap} tickets for today",
                service=service_id,
            )
        if self.seq[service_id] >= MAX_NUMBERS:
            raise QueueError(
                "daily_cap_reached",
                f"service {service_id!r} has used all {MAX_NUMBERS} numbers today",
                service=service_id,
            )
        seq = self.seq[service_id] + 1
        ticket = Ticket(
            id=self.next_ticket_id,
            day=self.day,
            service=service_id,
            seq=seq,
            number=f"{service.prefix}{seq:03d}",
            priority=priority,
            state=WAITING,
            issued_at=now,
            queue_key=float(self.next_ticket_id) if queue_key is None else queue_key,
            channel=channel,
            device=device,
        )
        self.next_ticket_id += 1
        self.seq[service_id] = seq
        self.issued[service_id] += 1
        self.arrivals.add(service_id, now)
        self._index(ticket)
        detail = {"priority": priority} if priority else {}
        return ticket, [TicketSaved(ticket, new=True), Journal(now, "issue", ticket, reason=channel, detail=detail)]

    # ------------------------------------------------------------------ counters: helpers
    def _counter(self, number: int) -> CounterState:
        state = self.counters.get(number)
        if state is None:
            raise QueueError("unknown_counter", f"there is no counter {number}", counter=number)
        return state

    def _signed_in(self, number: int) -> tuple[CounterState, Session]:
        state = self._counter(number)
        if state.session is None:
            raise QueueError("not_signed_in", f"nobody is signed in at counter {number}", counter=number)
        return state, state.session

    def _current(self, number: int, *states: str) -> tuple[CounterState, Session, Ticket]:
        state, session = self._signed_in(number)
        if state.current is None:
            raise QueueError("no_current_ticket", f"counter {number} has no ticket at the moment", counter=number)
        ticket = self.tickets[state.current]
        if states and ticket.state not in states:
            raise QueueError(
                "wrong_state",
                f"ticket {ticket.number} is {ticket.state}, not {' or '.join(states)}",
                number=ticket.number,
                state=ticket.state,
            )
        return state, session, ticket

    def _free(self, number: int) -> tuple[CounterState, Session]:
        state, session = self._signed_in(number)
        if state.current is not None:
            t = self.tickets[state.current]
            raise QueueError(
                "counter_busy",
                f"counter {number} still has ticket {t.number}; finish it or mark it a no-show first",
                number=t.number,
            )
        if session.paused_at is not None:
            raise QueueError("counter_paused", f"counter {number} is paused; resume it first", counter=number)
        return state, session

    def ticket(self, number: str) -> Ticket:
        t = self.by_number.get(number.strip().upper())
        if t is None:
            raise QueueError("unknown_ticket", f"there is no ticket {number!r} today", number=number)
        return t

    def _call(self, state: CounterState, session: Session, t: Ticket, now: float, action: str) -> list[Change]:
        self._counter_moves += 1  # the projection's counters are made again
        if t.state == WAITING:
            self._dequeue(t)
        t.state = CALLED
        t.called_at = now
        t.serving_at = None
        t.recalls = 0  # the recall limit counts per call
        t.counter = state.number
        t.clerk = session.clerk
        t.target_counter = None
        state.current = t.id
        state.priority_streak = state.priority_streak + 1 if t.priority > NORMAL else 0
        state.appointment_streak = state.appointment_streak + 1 if t.priority == APPOINTMENT else 0
        return [TicketSaved(t), Journal(now, action, t, state.number, session.clerk)]

    # ------------------------------------------------------------------ calling
    def call_next(self, counter: int, now: float) -> tuple[Ticket, list[Change]]:
        state, session = self._free(counter)
        t = selection.choose(
            services=self.counter_services[counter],
            policy=self.config.counter(counter).policy,  # type: ignore[union-attr]
            waiting=self.waiting,
            targeted=self.targeted[counter],
            streak=state.priority_streak,
            streak_limit=self.config.queue.priority_streak_limit,
            now=now,
            appointment_streak=state.appointment_streak,
            appointment_limit=self.config.appointments.max_run,
        )
        if t is None:
            raise QueueError("queue_empty", f"nobody is waiting for counter {counter}", counter=counter)
        return t, self._call(state, session, t, now, "call")

    def call_number(self, counter: int, number: str, now: float) -> tuple[Ticket, list[Change]]:
        """Call a chosen waiting ticket out of order (the visitor is at the window already)."""
        state, session = self._free(counter)
        t = self.ticket(number)
        _require(t, WAITING, f"ticket {t.number} is {t.state}, not waiting")
        if t.target_counter not in (None, counter) or (
            t.target_counter is None and t.service not in self.counter_services[counter]
        ):
            raise QueueError("not_your_service", f"counter {counter} does not serve ticket {t.number}", number=t.number)
        return t, self._call(state, session, t, now, "call_number")

    def recall(self, counter: int, now: float) -> tuple[Ticket, list[Change]]:
        _state, session, t = self._current(counter, CALLED)
        if t.recalls >= self.config.queue.max_recalls:
            raise QueueError(
                "recall_limit",
                f"ticket {t.number} has been recalled {t.recalls} times, the most allowed",
                number=t.number,
            )
        t.recalls += 1
        return t, [TicketSaved(t), Journal(now, "recall", t, counter, session.clerk, detail={"recalls": t.recalls})]

    def start(self, counter: int, now: float) -> tuple[Ticket, list[Change]]:
        _state, session, t = self._current(counter, CALLED)
        t.state = SERVING
        t.serving_at = now
        return t, [TicketSaved(t), Journal(now, "serve", t, counter, session.clerk)]

    def _release(self, state: CounterState, t: Ticket) -> None:
        self._counter_moves += 1  # the projection's counters are made again
        if state.current == t.id:
            state.current = None

    def finish(self, counter: int, now: float) -> tuple[Ticket, list[Change]]:
        state, session, t = self._current(counter, CALLED, SERVING)
        if t.serving_at is None:
            t.serving_at = t.called_at
        t.state = DONE
        t.finished_at = now
        self._release(state, t)
        state.served.append(t.id)
        self.finished[t.service] += 1
        if t.called_at is not None:
            self.handling.add(t.service, now - t.called_at)
        return t, [TicketSaved(t), Journal(now, "finish", t, counter, session.clerk)]

    def no_show(self, counter: int, now: float) -> tuple[Ticket, list[Change]]:
        state, session, t = self._current(counter, CALLED)
        t.state = NO_SHOW
        t.finished_at = now
        self._release(state, t)
        return t, [TicketSaved(t), Journal(now, "no_show", t, counter, session.clerk)]

    def put_back(
        self,
        number: str,
        now: float,
        *,
        places: int | None = None,
        counter: int | None = None,
        clerk: str | None = None,
    ) -> tuple[Ticket, list[Change]]:
        """A no-show who turned up late goes back in the queue: ``places`` later than the head
        (the configured default when None; 0 = at the end), after the cool-down."""
        t = self.ticket(number)
        _require(t, NO_SHOW, f"ticket {t.number} is {t.state}; only a no-show can be put back")
        if counter is not None and t.service not in self.counter_services.get(counter, ()) and t.counter != counter:
            raise QueueError("not_your_service", f"counter {counter} does not serve ticket {t.number}", number=t.number)
        limit = self.config.queue.max_putbacks
        if t.putbacks >= limit:
            raise QueueError(
                "putback_limit",
                f"ticket {t.number} has been put back {t.putbacks} times, the most allowed",
                number=t.number,
            )
        if places is None:
            places = self.config.queue.putback_places
        if places < 0:
            raise QueueError("bad_field", "places must be 0 (the end) or more", field="places")
        t.state = WAITING
        t.putbacks += 1
        t.finished_at = None
        t.counter = None
        t.eligible_at = now + self.config.queue.putback_cooldown_seconds
        queue = self._queue_of(t)
        if places == 0 or places >= len(queue):
            t.queue_key = (queue[-1].queue_key + 1.0) if queue else float(self.next_ticket_id)
        else:
            before, after = queue[places - 1] if places else None, queue[places]
            low = before.queue_key if before else after.queue_key - 1.0
            t.queue_key = (low + after.queue_key) / 2
        self._enqueue(t)
        detail = {"places": places}
        return t, [TicketSaved(t), Journal(now, "put_back", t, counter, clerk, detail=detail)]

    def transfer(
        self, counter: int, now: float, *, service: str | None = None, to_counter: int | None = None, reason: str = ""
    ) -> tuple[Ticket, list[Change]]:
        """Send the current ticket on, keeping its number and its place by original issue time."""
        if (service is None) == (to_counter is None):
            raise QueueError("bad_field", "name exactly one of service or to_counter", field="service")
        if service is not None and self.config.service(service) is None:
            raise QueueError("unknown_service", f"there is no service {service!r}", service=service)
        if to_counter is not None:
            self._counter(to_counter)
            if to_counter == counter:
                raise QueueError("bad_field", "a ticket cannot be transferred to its own counter", field="to_counter")
        state, session, t = self._current(counter, CALLED, SERVING)
        before = t.service
        t.transfers += 1
        if service is not None:
            t.service = service
            if not self.config.service(service).priority_allowed:  # type: ignore[union-attr]
                t.priority = NORMAL
        self._requeue(state, t, to_counter)
        detail: dict[str, Any] = {"from_service": before, "to_service": t.service}
        if to_counter is not None:
            detail["to_counter"] = to_counter
        return t, [TicketSaved(t), Journal(now, "transfer", t, counter, session.clerk, reason, detail)]

    def _requeue(self, state: CounterState, t: Ticket, to_counter: int | None = None) -> None:
        """Put a ticket that was at a counter back in the queue at its original issue place."""
        self._release(state, t)
        t.state = WAITING
        t.called_at = t.serving_at = None
        t.counter = None
        t.eligible_at = 0.0
        t.queue_key = float(t.id)
        t.target_counter = to_counter
        self._enqueue(t)

    def hold(self, counter: int, now: float, reason: str = "") -> tuple[Ticket, list[Change]]:
        """Set the current ticket aside (e.g. the visitor fetches a missing paper)."""
        state, session, t = self._current(counter, CALLED, SERVING)
        t.state = HELD
        self._release(state, t)
        state.held.append(t.id)
        return t, [TicketSaved(t), Journal(now, "hold", t, counter, session.clerk, reason)]

    def call_back(self, counter: int, number: str, now: float) -> tuple[Ticket, list[Change]]:
        state, session = self._free(counter)
        t = self.ticket(number)
        if t.state != HELD or t.counter != counter:
            raise QueueError(
                "wrong_state", f"ticket {t.number} is not held at counter {counter}", number=t.number, state=t.state
            )
        state.held.remove(t.id)
        return t, self._call(state, session, t, now, "call_back")

    def cancel(
        self, number: str, now: float, *, counter: int | None = None, clerk: str | None = None, reason: str = ""
    ) -> tuple[Ticket, list[Change]]:
        t = self.ticket(number)
        _require(t, WAITING, f"ticket {t.number} is {t.state}; only a waiting ticket can be cancelled")
        if (
            counter is not None
            and t.target_counter != counter
            and (t.target_counter is not None or t.service not in self.counter_services.get(counter, ()))
        ):
            raise QueueError("not_your_service", f"counter {counter} does not serve ticket {t.number}", number=t.number)
        self._dequeue(t)
        t.state = CANCELLED
        t.finished_at = now
        return t, [TicketSaved(t), Journal(now, "cancel", t, counter, clerk, reason)]

    # ------------------------------------------------------------------ sessions and pauses
    def may_sign_in(self, counter: int, clerk: str) -> bool:
        conf = self.config.counter(counter)
        assert conf is not None
        return conf.admits(clerk)

    def sign_in(
        self, counter: int, clerk: str, token_hash: str, now: float, *, occupant_connected: bool = True
    ) -> tuple[Session, list[Change]]:
        """Open a session.  A clerk already signed in here simply resumes it; a backup (B) may take
        a counter whose clerk is away; a session whose program is gone may be taken over."""
        self._counter_moves += 1  # the projection's counters are made again
        state = self._counter(counter)
        if not self.may_sign_in(counter, clerk):
            raise QueueError(
                "not_allowed_at_counter",
                f"{clerk} is neither a clerk nor a backup of counter {counter}",
                counter=counter,
            )
        if state.session is not None and state.session.clerk == clerk:
            state.session.token_hash = token_hash
            return state.session, [SessionRenewed(state.session)]
        if state.session is not None and occupant_connected:
            raise QueueError(
                "counter_occupied", f"{state.session.clerk} is signed in at counter {counter}", counter=counter
            )
        elsewhere = [o for o in self.counters.values() if o.session is not None and o.session.clerk == clerk]
        for other in elsewhere:
            if other.current is not None:
                raise QueueError(
                    "clerk_busy_elsewhere",
                    f"{clerk} still has a ticket at counter {other.number}; finish it there first",
                    counter=other.number,
                )
        changes: list[Change] = []
        if state.session is not None:
            changes += self._close_session(state, now, f"taken over by {clerk}")
        for other in elsewhere:
            changes += self._close_session(other, now, f"moved to counter {counter}")
        session = Session(self.next_session_id, counter, clerk, now, token_hash)
        self.next_session_id += 1
        state.session = session
        changes += [SessionOpened(session), Journal(now, "sign_in", None, counter, clerk)]
        return session, changes

    def _close_session(self, state: CounterState, now: float, reason: str) -> list[Change]:
        self._counter_moves += 1  # the projection's counters are made again
        session = state.session
        assert session is not None
        changes: list[Change] = []
        if session.paused_at is not None:
            changes += self._end_pause(session, now)
        state.session = None
        state.last_signout_at = now
        state.priority_streak = 0
        state.appointment_streak = 0
        closed = SessionClosed(session, now, reason)
        return [*changes, closed, Journal(now, "sign_out", None, state.number, session.clerk, reason)]

    def sign_out(self, counter: int, now: float, reason: str = "", *, force: bool = False) -> list[Change]:
        """End a counter's session.  A clerk must finish the current ticket first; a supervisor
        (``force``) may sign out an abandoned counter, and its ticket goes back to the queue at
        its original place."""
        state, session = self._signed_in(counter)
        changes: list[Change] = []
        if state.current is not None:
            t = self.tickets[state.current]
            if not force:
                raise QueueError(
                    "counter_busy", f"counter {counter} still has ticket {t.number}; finish it first", number=t.number
                )
            self._requeue(state, t)
            changes += [TicketSaved(t), Journal(now, "requeue", t, counter, session.clerk, reason)]
        return changes + self._close_session(state, now, reason or "signed out")

    def pause(self, counter: int, reason: str, now: float) -> list[Change]:
        self._counter_moves += 1  # the projection's counters are made again
        _state, session = self._signed_in(counter)
        if session.paused_at is not None:
            raise QueueError("counter_paused", f"counter {counter} is already paused", counter=counter)
        session.pause_reason = reason
        session.paused_at = now
        session.pause_id = self.next_pause_id
        self.next_pause_id += 1
        return [PauseStarted(session), Journal(now, "pause", None, counter, session.clerk, reason)]

    def _end_pause(self, session: Session, now: float) -> list[Change]:
        self._counter_moves += 1  # the projection's counters are made again
        pause_id = session.pause_id
        assert pause_id is not None
        reason = session.pause_reason or ""
        session.pause_reason = session.paused_at = session.pause_id = None
        return [
            PauseEnded(session, pause_id, now),
            Journal(now, "resume", None, session.counter, session.clerk, reason),
        ]

    def resume(self, counter: int, now: float) -> list[Change]:
        _state, session = self._signed_in(counter)
        if session.paused_at is None:
            raise QueueError("not_paused", f"counter {counter} is not paused", counter=counter)
        return self._end_pause(session, now)

    # ------------------------------------------------------------------ what the screens show
    def waiting_count(self, service: str) -> int:
        queued = sum(len(q) for q in self.waiting[service].values())
        return queued + sum(1 for q in self.targeted.values() for t in q if t.service == service)

    def estimate(self, service: str, ahead: int) -> tuple[float, int]:
        """(seconds, open counters) for a ticket of ``service`` with ``ahead`` people before it:
        when the projection (estimates.py) has the (ahead+1)-th of its queue called."""
        calls, opened, since = self._projected()
        found = calls[service].at(ahead) if service in calls else None
        if found is None:  # no open counter serves it: as if one did
            return estimate_seconds(ahead, self.handling.mean(service), 1.0), 0
        return max(0.0, found - since), opened.get(service, 0)

    def _projected(self) -> tuple[dict[str, Calls], dict[str, int], float]:
        """The projection of the next calls, the open counters per service, and the seconds
        since the projection was made (its figures count from then).

        Made again whenever the open counters, their visitors, the finishes, the tickets sent to
        counters or any service's line change (``_enqueue``/``_dequeue`` say so).  One exception
        keeps a long queue cheap (the projection is asked on every ticket issued): a normal
        ticket joining the end of a line that went on past the horizon changes none of the
        projected calls, so the projection stands, moved on by the time since it was made.  A
        hall whose lines fit the horizon is projected afresh on every change."""
        open_numbers, now = self._open_counters()
        key = (self.day, self._counter_moves)
        made = self._projection
        if made is not None and made.key == key and not self._lines_moved:
            return made.calls, made.opened, now - made.now
        handle = {s: self.handling.mean(s) for s in self.waiting}
        desks = []
        for n in open_numbers:
            current = self.tickets.get(self.counters[n].current or -1)
            busy = 0.0
            if current is not None and current.called_at is not None:
                busy = remaining(self.handling.mean(current.service), now - current.called_at)
            policy = self.config.counter(n).policy  # type: ignore[union-attr]
            sent_here = tuple(t.service for t in self.targeted[n])
            desks.append(Desk(tuple(self.counter_services[n]), policy == "oldest", busy, sent_here))
        opened = dict.fromkeys(self.waiting, 0)
        for n in open_numbers:
            for service in self.counter_services[n]:
                opened[service] += 1
        expected = self.arrivals.expected(now, lambda s: self._issuing_left(s, now))
        calls = project(desks, self.waiting, handle, expected)
        self._projection, self._lines_moved = Projection(key, now, calls, opened), False
        return calls, opened, 0.0

    def _issuing_left(self, service: str, now: float) -> float:
        """Seconds until ``service`` stops issuing today, as of ``now`` (0: it is not issuing);
        a hall that does not keep hours (tests, a simulator's free run) issues all day."""
        if not self.enforce_hours:
            return float("inf")
        s = self.config.service(service)
        assert s is not None
        span = calendar.open_span(self.config, s.issuing_hours or self.config.hall.opening_hours, now)
        return 0.0 if span is None else span[1] - now

    def _open_counters(self) -> tuple[tuple[int, ...], float]:
        """The open counters (a clerk signed in, not paused) and the latest moment the queue
        shows: the newest ticket's issue, the open counters' latest call or finish.  Estimates
        count from it, not from a clock, so a restarted server, which rebuilds all of these from
        storage, gives the same figures.  The counters' part is kept until a counter changes."""
        moves, open_numbers, latest = self._open
        if moves != self._counter_moves:
            open_numbers = tuple(
                n for n, c in self.counters.items() if c.session is not None and c.session.paused_at is None
            )
            latest = 0.0
            for n in open_numbers:
                c = self.counters[n]
                for i in (c.current, c.served[-1] if c.served else None):
                    t = self.tickets.get(i) if i is not None else None
                    if t is not None:
                        latest = max(latest, t.called_at or 0.0, t.finished_at or 0.0)
            self._open = (self._counter_moves, open_numbers, latest)
        newest = self.tickets.get(self.next_ticket_id - 1)
        return open_numbers, max(latest, newest.issued_at if newest is not None else 0.0)

    def ahead_of(self, t: Ticket) -> int:
        """Tickets that will be called before ``t`` if nothing else arrives."""
        if t.state != WAITING:
            return 0
        if t.target_counter is not None:
            return sum(1 for o in self.targeted[t.target_counter] if _order(o) < _order(t))
        ahead = 0
        for priority, queue in self.waiting[t.service].items():
            if priority > t.priority:
                ahead += len(queue)
            elif priority == t.priority:
                ahead += bisect.bisect_left(queue, _order(t), key=_order)
        return ahead

    def queue_figures(self, service: str, preview: int = 5) -> QueueFigures:
        """One service's queue now: its counts, the next ``preview`` numbers, the estimate."""
        queues = self.waiting[service]
        upcoming = sorted(
            (t for p in sorted(queues, reverse=True) for t in queues[p][:preview]),
            key=lambda t: (-t.priority, _order(t)),
        )[:preview]
        waiting = self.waiting_count(service)
        seconds, opened = self.estimate(service, waiting)
        return QueueFigures(
            service,
            waiting,
            sum(len(q) for p, q in queues.items() if p > NORMAL),
            [t.number for t in upcoming],
            round(seconds),
            opened,
            self.issued[service],
            self.finished[service],
            self._cap_left(service),
            self._oldest_waiting(service),
        )

    def _oldest_waiting(self, service: str) -> float | None:
        """When the longest-waiting ticket of ``service`` was issued (transfers keep their issue time)."""
        times = [t.issued_at for q in self.waiting[service].values() for t in q]
        times += [t.issued_at for q in self.targeted.values() for t in q if t.service == service]
        return min(times, default=None)

    def _cap_left(self, service: str) -> int | None:
        """Numbers left today under the daily cap; None = no cap.  A service without a cap is
        still full after its 999th number, and says so with 0."""
        cap = self.config.service(service).daily_cap  # type: ignore[union-attr]
        used = self.seq[service]
        if cap:
            return max(0, min(cap, MAX_NUMBERS) - used)
        return 0 if used >= MAX_NUMBERS else None

    def counter_figures(self, number: int) -> CounterFigures:
        """One counter now: who is signed in, its ticket, what it holds and what was sent to it."""
        state = self.counters[number]
        return CounterFigures(
            number,
            state.session,
            self.tickets[state.current] if state.current is not None else None,
            [self.tickets[i].number for i in state.held],
            [t.number for t in self.targeted[number]],
            len(state.served),
        )

    def callable_counts(self) -> dict[int, int]:
        """Each counter's callable count (see ``callable_count``), for the coalesced queue update."""
        return {number: self.callable_count(number) for number in self.counters}

    def callable_count(self, number: int) -> int:
        """Tickets counter ``number`` could call next: those queued for its services (not sent to
        another counter) and those sent to it.  Counted here because only the queue knows each
        ticket's service after a transfer; a number's prefix does not say it."""
        services = self.config.counter_services(self.config.counter(number))  # type: ignore[arg-type]
        queued = sum(len(q) for s in services for q in self.waiting[s].values())
        return queued + len(self.targeted[number])


__all__ = ["CANCELLED", "EXPIRED", "GREEN", "HallState", "QueueError"]
