"""Dispatch: each request type's handler, which makes the domain call and builds the answer.

A handler takes the hall (what the hub holds), the sender, the decoded request and the time,
and returns the answer's data (the request type's ``ANSWERS`` shape, built by the view layer)
and the domain's change records; a refusal is a ``QueueError``.  The hub decides around it:
the day's roll, the session check, saving, the kept answer and who hears of the changes.
``hello`` is answered by the network front (server/app.py), which signs a connection in.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import msgspec

from hallcall import protocol as p
from hallcall.config import Names

from . import auth, reports
from .domain import appointments, calendar, evaluation
from .domain.hall import HallState
from .domain.model import APPOINTMENT, NORMAL, PRIORITY_BY_NAME, Change, Journal, QueueError, Ticket
from .storage import PasswordSet, WarningAcknowledged
from .unshown import Unshown
from .views import Views, booking, ticket_shape


class Sender(Protocol):
    role: str
    name: str
    counter: int | None
    follows: tuple[str, str] | None  # a visitor's ticket (day, number)
    holds_key: bool  # a visitor whose hello carried its ticket's key


class HallContext(Protocol):
    """What handlers read beyond the queue: the views, the event count, the journal, and a way
    to send a client its snapshot."""

    state: HallState
    views: Views
    ledger: appointments.Ledger
    seq: int
    evaluations: evaluation.Evaluations
    warnings: dict[str, p.AnyWarning]

    def journey(self, ticket_id: int) -> list[Journal]: ...

    def find_ticket(self, day: str, number: str) -> Ticket | None: ...

    def evaluated(self, ticket_id: int) -> bool: ...

    def send_snapshot(self, client: Any) -> None: ...

    def ticket_key(self, day: str, number: str) -> str: ...

    def check_desk(self, client: Any, desk: str | None) -> None: ...

    @property
    def unshown(self) -> Unshown: ...


Answer = tuple[msgspec.Struct, list[Change]]
Handler = Callable[[HallContext, Any, Any, float], Answer]

EMPTY = p.Empty()
log = logging.getLogger(__name__)
ANSWERED_BY_FRONT = frozenset({"hello"})  # server/app.py: a welcome and a snapshot, or an error


def _ticket(hall: HallContext, found: tuple[Ticket, list[Change]]) -> Answer:
    ticket, changes = found
    return hall.views.ticket_answer(hall.state, ticket), changes


# ---------------------------------------------------------------- reading only
def _ping(hall: HallContext, client: Sender, r: p.Ping, now: float) -> Answer:
    return p.PingAnswer(server_time=now), []


def _snapshot(hall: HallContext, client: Sender, r: p.Snapshot, now: float) -> Answer:
    hall.send_snapshot(client)
    return p.SnapshotAnswer(seq=hall.seq), []


def _ticket_info(hall: HallContext, client: Sender, r: p.TicketInfo, now: float) -> Answer:
    if r.day is not None and r.day != hall.state.day:
        found = hall.find_ticket(r.day, r.number)
        if found is None:
            raise QueueError(
                "unknown_ticket", f"there is no ticket {r.number!r} on {r.day}", number=r.number, day=r.day
            )
        ticket = found
    else:
        ticket = hall.state.ticket(r.number)
    journey = hall.journey(ticket.id) if client.role in ("counter", "supervisor") else None
    answer = hall.views.ticket_lookup(hall.state, ticket, journey)
    if client.role == "kiosk" and r.desk is not None:
        # a reprint at the guide desk: its QR link carries the ticket's key like the first print
        # (the key lets its holder evaluate the ticket, so a kiosk's token alone does not get it)
        hall.check_desk(client, r.desk)
        answer.status_key = hall.ticket_key(ticket.day, ticket.number)
    return answer, []


# ---------------------------------------------------------------- kiosks, displays, supervisors
def _issue(hall: HallContext, client: Sender, r: p.Issue, now: float) -> Answer:
    """A ticket; a green-channel one, or any from the guide desk (``desk`` sent), only with a live
    desk token from ``unlock_desk``: the server, not the kiosk, checks the guide-desk PIN."""
    if r.priority == "green" or r.desk is not None:
        hall.check_desk(client, r.desk)
    if appointments.appointment_only(hall.views.config, hall.state.day):
        message = f"{hall.state.day} is for booked visitors only: they check in with their booking"
        raise QueueError("service_closed", message, service=r.service)
    priority = PRIORITY_BY_NAME[r.priority]
    ticket, changes = hall.state.issue(r.service, now, priority=priority, channel=client.role, device=client.name)
    if r.confirm:  # the kiosk will name it once the visitor has it (server/unshown.py)
        for change in changes:
            if isinstance(change, Journal) and change.action == "issue":
                change.detail = {**change.detail, "confirm": True}
        hall.unshown.expect(ticket)
    answer = hall.views.issued(hall.state, ticket)
    answer.status_key = hall.ticket_key(ticket.day, ticket.number)  # for the QR link printed on it
    return answer, changes


def _device_status(hall: HallContext, client: Sender, r: p.DeviceStatus, now: float) -> Answer:
    """Journal a device's state under its fault code (what counters and supervisors read, in
    both languages); the device's own words are kept beside it and logged, never shown to a
    clerk.  A fault must name a registered code, and so must any code an ``ok`` carries."""
    if (r.code and r.code not in p.KNOWN_FAULTS) or (r.state == "fault" and not r.code):
        raise QueueError(
            "unknown_fault",
            f"fault code {r.code!r} is not one of hallcall/protocol/faults.py"
            if r.code
            else "a fault report must name its code",
            field="code",
            fault=r.code,
        )
    if r.state == "fault":
        log.warning("device %s (%s) fault %s: %s", client.name, client.role, r.code, r.detail)
    detail = {"device": client.name, "role": client.role, "detail": r.detail}
    ticket = None
    if r.ticket is not None:  # the visitor has this ticket's number (printed, or on screen)
        ticket = hall.state.ticket(r.ticket)
        detail["ticket"] = ticket.number
        hall.unshown.confirmed(ticket)
    return EMPTY, [Journal(now, f"device_{r.state}", ticket, reason=r.code, detail=detail)]


def _notice(hall: HallContext, client: Sender, r: p.Notice, now: float) -> Answer:
    text = {"zh": r.zh, "en": r.en}  # journaled as sent: both empty = "the configured one"
    journal = Journal(now, "notice", clerk=client.name, reason=r.zh or r.en, detail=text)
    return p.NoticeAnswer(notice=hall.views.shown_notice(text)), [journal]


def _acknowledge(hall: HallContext, client: Sender, r: p.Acknowledge, now: float) -> Answer:
    """A supervisor acknowledges an open warning: who and when are kept with it (the first
    acknowledgement stands); it stays open until its cause clears."""
    w = hall.warnings.get(r.key)
    if w is None:
        raise QueueError("unknown_warning", f"there is no open warning {r.key!r}", key=r.key)
    if w.acknowledged_by is not msgspec.UNSET:
        return p.AcknowledgeAnswer(warning=w), []
    acked = msgspec.structs.replace(w, acknowledged_by=client.name, acknowledged_at=now)
    journal = Journal(
        now, "warning_acknowledged", clerk=client.name, reason=r.key, detail={"kind": w.__struct_config__.tag}
    )
    ack = WarningAcknowledged(r.key, w.raised_at, client.name, now)
    return p.AcknowledgeAnswer(warning=acked), [journal, ack]  # type: ignore[list-item]


def _force_sign_out(hall: HallContext, client: Sender, r: p.ForceSignOut, now: float) -> Answer:
    reason = r.reason or f"signed out by supervisor {client.name}"
    return EMPTY, hall.state.sign_out(r.counter, now, reason, force=True)


def _put_back(hall: HallContext, client: Sender, r: p.PutBack, now: float) -> Answer:
    return _ticket(hall, hall.state.put_back(r.number, now, places=r.places, counter=client.counter, clerk=client.name))


def _cancel(hall: HallContext, client: Sender, r: p.Cancel, now: float) -> Answer:
    return _ticket(hall, hall.state.cancel(r.number, now, counter=client.counter, clerk=client.name, reason=r.reason))


def _evaluate(hall: HallContext, client: Sender, r: p.Evaluate, now: float) -> Answer:
    """A pad evaluates its counter's most recently finished ticket; a visitor holding the
    ticket's key evaluates that ticket from its status page; a supervisor enters a paper form's
    evaluation of a ticket by number (domain/evaluation.py)."""
    if client.role == "pad":
        if r.number is not None or r.day is not None:
            raise QueueError("bad_field", "a pad evaluates its counter's last ticket: no number", field="number")
        found = evaluation.evaluate(
            hall.state, hall.evaluations, _counter(client), r.level, r.reason, r.note, now, channel="pad"
        )
    elif client.role == "visitor":
        day, number = _holders_ticket(client, r)
        t = _evaluated_ticket(hall, day, number)
        found = evaluation.by_holder(hall.state, hall.evaluations, t, r.level, r.reason, r.note, now)
    else:
        if r.number is None:
            raise QueueError("bad_field", "a supervisor's evaluation names the ticket's number", field="number")
        t = _evaluated_ticket(hall, r.day, r.number)
        found = evaluation.record(
            hall.state, hall.evaluations, t, r.level, r.reason, r.note, now, channel="paper", by=client.name
        )
    ticket, changes = found
    return p.EvaluateAnswer(ticket=ticket_shape(ticket), level=r.level, reason=r.reason or None), changes


def _holders_ticket(client: Sender, r: p.Evaluate) -> tuple[str, str]:
    """The (day, number) a visitor may evaluate: the ticket it follows, and only if its hello
    carried that ticket's key (a status address alone can be guessed; the printed QR link cannot)."""
    assert client.follows is not None, "a visitor's hello names its ticket"
    day, number = client.follows
    if not client.holds_key:
        message = "only the ticket's holder may evaluate it: open the status page from the QR code on the ticket"
        raise QueueError("forbidden", message, field="key", number=number)
    if (r.number is not None and r.number.strip().upper() != number) or (r.day is not None and r.day != day):
        raise QueueError("forbidden", f"a visitor evaluates only its own ticket {number}", field="number")
    return day, number


def _evaluated_ticket(hall: HallContext, day: str | None, number: str) -> Ticket:
    """Ticket ``number`` of ``day`` (default today) to evaluate: an earlier day's is read from
    the database and must not have been evaluated (today's are checked by the domain)."""
    if day is None or day == hall.state.day:
        return hall.state.ticket(number)
    earlier = hall.find_ticket(day, number)
    if earlier is None:
        raise QueueError("unknown_ticket", f"there is no ticket {number!r} on {day}", number=number, day=day)
    if hall.evaluated(earlier.id):
        raise QueueError(
            "already_evaluated", f"ticket {earlier.number} has already been evaluated", number=earlier.number
        )
    return earlier


# ---------------------------------------------------------------- a clerk at their counter
def _counter(client: Sender) -> int:
    assert client.counter is not None, "only a counter's program or pad sends this (ROLE_REQUESTS)"
    return client.counter


def _pause(hall: HallContext, client: Sender, r: p.Pause, now: float) -> Answer:
    return EMPTY, hall.state.pause(_counter(client), r.reason, now)


def _resume(hall: HallContext, client: Sender, r: p.Resume, now: float) -> Answer:
    return EMPTY, hall.state.resume(_counter(client), now)


def _sign_out(hall: HallContext, client: Sender, r: p.SignOut, now: float) -> Answer:
    return EMPTY, hall.state.sign_out(_counter(client), now)


def _transfer(hall: HallContext, client: Sender, r: p.Transfer, now: float) -> Answer:
    found = hall.state.transfer(_counter(client), now, service=r.service, to_counter=r.to_counter, reason=r.reason)
    return _ticket(hall, found)


def _hold(hall: HallContext, client: Sender, r: p.Hold, now: float) -> Answer:
    return _ticket(hall, hall.state.hold(_counter(client), now, r.reason))


def _call_back(hall: HallContext, client: Sender, r: p.CallBack, now: float) -> Answer:
    return _ticket(hall, hall.state.call_back(_counter(client), r.number, now))


def _call_number(hall: HallContext, client: Sender, r: p.CallNumber, now: float) -> Answer:
    return _ticket(hall, hall.state.call_number(_counter(client), r.number, now))


def _call_next(hall: HallContext, client: Sender, r: p.CallNext, now: float) -> Answer:
    return _ticket(hall, hall.state.call_next(_counter(client), now))


def _recall(hall: HallContext, client: Sender, r: p.Recall, now: float) -> Answer:
    return _ticket(hall, hall.state.recall(_counter(client), now))


def _start(hall: HallContext, client: Sender, r: p.Start, now: float) -> Answer:
    return _ticket(hall, hall.state.start(_counter(client), now))


def _finish(hall: HallContext, client: Sender, r: p.Finish, now: float) -> Answer:
    return _ticket(hall, hall.state.finish(_counter(client), now))


def _no_show(hall: HallContext, client: Sender, r: p.NoShow, now: float) -> Answer:
    return _ticket(hall, hall.state.no_show(_counter(client), now))


# ---------------------------------------------------------------- reports: in a worker thread
def _report_row(g: reports.Group) -> p.ReportRow:
    d = g.as_dict()
    return p.ReportRow(
        key=g.key,
        name=Names(zh=g.name_zh or g.key, en=g.name_en or g.key),
        issued=g.issued,
        served=g.served,
        no_shows=g.no_shows,
        transfers=g.transfers,
        called=len(g.waits),
        mean_wait_minutes=d["mean_wait_minutes"],  # type: ignore[arg-type]
        p90_wait_minutes=d["p90_wait_minutes"],  # type: ignore[arg-type]
        mean_handling_minutes=d["mean_handling_minutes"],  # type: ignore[arg-type]
        p90_handling_minutes=d["p90_handling_minutes"],  # type: ignore[arg-type]
        within_target=d["within_target"],  # type: ignore[arg-type]
        evaluations=list(g.levels),
        satisfaction=d["satisfaction"],  # type: ignore[arg-type]
        appointments=g.appointments,
        appointment_no_shows=g.appointment_no_shows,
    )


def report_answer(r: reports.Report) -> p.ReportAnswer:
    return p.ReportAnswer(
        from_=r.first,
        to=r.last,
        by=r.by,
        rows=[_report_row(g) for g in r.rows],
        total=_report_row(r.total),
        hours=[
            p.ReportHour(hour=h.hour, arrivals=h.arrivals, mean_wait_minutes=round(h.mean_wait, 2)) for h in r.hours
        ],
        counters=[_report_row(g) for g in r.counters],
    )


async def _report(hall: Any, client: Sender, r: p.Report, now: float) -> msgspec.Struct:
    """A month of figures takes a while to read: the query runs in a worker thread on its own
    read-only connection to the committed database, so the event loop keeps serving the hall."""
    try:
        reports.check_range(r.from_, r.to, r.by)
        found = await asyncio.to_thread(reports.report_file, hall.storage.path, hall.config, r.from_, r.to, r.by)
    except reports.ReportError as exc:
        # a date or the range (`by` is checked by the decoder)
        raise QueueError(
            "bad_range" if exc.code == "bad_range" else "bad_date", str(exc), **{"from": r.from_, "to": r.to}
        ) from None
    return report_answer(found)


# ---------------------------------------------------------------- passwords: Argon2 in a worker thread
def locked_out(seconds: float) -> QueueError:
    """The refusal while an account is locked out from an address: the time left, in seconds
    and in the whole minutes a person is told (docs/security.md "Passwords")."""
    minutes = auth.minutes_left(seconds)
    return QueueError(
        "locked_out",
        f"too many wrong passwords for this account from this address. Try again in {minutes} min.",
        retry_after_s=max(1, round(seconds)),
        minutes=minutes,
    )


async def _argon2(hall: Any, work: Callable[..., Any], *args: Any) -> Any:
    """One Argon2 operation in a worker thread, one at a time with the sign-ins' (``hub.hashing``:
    each takes 64 MiB and much of a core)."""
    async with hall.hashing:
        return await asyncio.to_thread(work, *args)


def _weak(exc: auth.WeakPassword) -> QueueError:
    return QueueError("weak_password", str(exc), field="new", rule=exc.rule, min=auth.MIN_PASSWORD)


async def _change_password(hall: Any, client: Sender, r: p.ChangePassword, now: float) -> msgspec.Struct:
    """A clerk or supervisor changes their own password: the current one must be right (wrong
    ones count towards the lock-out like a sign-in's), the new one must pass the rule.  A retry
    of a change already made (the current password is now the new one) is answered as done."""
    name, address = client.name, auth.peer_address(client.ws)  # type: ignore[attr-defined]
    left = hall.lockout.time_left(name, address)
    if left:
        raise locked_out(left)
    record = hall.storage.clerk(name)
    stored = record["password_hash"] if record else None
    if not await _argon2(hall, auth.verify_password, stored, r.current):
        if stored and await _argon2(hall, auth.verify_password, stored, r.new):
            client.must_change_password = False  # type: ignore[attr-defined]
            return EMPTY
        locked = hall.lockout.failed(name, address)
        if locked:
            raise locked_out(locked)
        raise QueueError("wrong_password", "the current password is not correct", field="current")
    hall.lockout.succeeded(name, address)
    try:
        auth.check_password(r.new, name)
        if r.new == r.current:
            raise auth.WeakPassword("same_as_current")
    except auth.WeakPassword as exc:
        raise _weak(exc) from None
    digest = await _argon2(hall, auth.hash_password, r.new)
    journal = Journal(now, "password_changed", clerk=name, counter=client.counter)
    await hall.durable([PasswordSet(name, digest, must_change=False), journal])
    client.must_change_password = False  # type: ignore[attr-defined]
    log.info("%s changed their password", name)
    return EMPTY


async def _reset_password(hall: Any, client: Sender, r: p.ResetPassword, now: float) -> msgspec.Struct:
    """A supervisor gives a clerk a one-time password (answered once, stored only as a hash);
    the clerk must set their own at the next sign-in, and the account's lock-outs are lifted.
    A supervisor's own password is set with ``hallcall admin set-password``."""
    record = hall.storage.clerk(r.clerk)
    if record is None or not record["active"]:
        raise QueueError("unknown_clerk", f"there is no active clerk {r.clerk!r}", field="clerk", clerk=r.clerk)
    if record["role"] != "clerk":
        message = "a supervisor's password is reset with `hallcall admin set-password`, not from the console"
        raise QueueError("forbidden", message, field="clerk", role=record["role"])
    word = auth.one_time_password()
    digest = await _argon2(hall, auth.hash_password, word)
    journal = Journal(now, "password_reset", clerk=r.clerk, detail={"by": client.name})
    await hall.durable([PasswordSet(r.clerk, digest, must_change=True), journal])
    hall.lockout.clear(r.clerk)
    log.info("supervisor %s reset the password of %s", client.name, r.clerk)
    return p.ResetPasswordAnswer(clerk=r.clerk, one_time_password=word)


# What a connection signed in with a one-time password may do until it has set its own.
WHILE_PASSWORD_MUST_CHANGE = frozenset({"ping", "snapshot", "change_password", "sign_out"})


def _password_first(client: Any, kind: str) -> None:
    if getattr(client, "must_change_password", False) and kind not in WHILE_PASSWORD_MUST_CHANGE:
        raise QueueError("password_change_required", "set a new password (change_password) first")


def _gated(
    handler: Callable[[Any, Any, Any, float], Awaitable[msgspec.Struct]],
) -> Callable[[Any, Any, Any, float], Awaitable[msgspec.Struct]]:
    async def gated(hall: Any, client: Any, request: Any, now: float) -> msgspec.Struct:
        _password_first(client, request.__struct_config__.tag)
        return await handler(hall, client, request, now)

    return gated


async def _unlock_desk(hall: Any, client: Sender, r: p.UnlockDesk, now: float) -> msgspec.Struct:
    """A kiosk's staff typed the guide-desk PIN: the hub checks it (a wrong one is answered late,
    repeated ones lock the device out) and answers with a desk token."""
    return await hall.unlock_desk(client, r.pin)  # type: ignore[no-any-return]


# ---------------------------------------------------------------- appointments (预约)
def _slots(hall: HallContext, client: Sender, r: p.Slots, now: float) -> Answer:
    table = hall.ledger.slot_table(r.service, r.day)
    return p.SlotsAnswer(service=r.service, day=r.day, slots=[p.SlotView(**row) for row in table]), []  # type: ignore[arg-type]


def _book(hall: HallContext, client: Sender, r: p.Book, now: float) -> Answer:
    """A booking from the public page, a supervisor, or a kiosk at an open guide desk."""
    if client.role == "kiosk":
        hall.check_desk(client, r.desk)
    b, changes = hall.ledger.book(r.service, r.day, r.start, r.name, r.phone, today=hall.state.day, now=now)
    return p.BookingAnswer(booking=booking(b)), changes  # type: ignore[return-value]


def _booking_info(hall: HallContext, client: Sender, r: p.BookingInfo, now: float) -> Answer:
    return p.BookingAnswer(booking=booking(hall.ledger.get(r.code))), []


def _cancel_booking(hall: HallContext, client: Sender, r: p.CancelBooking, now: float) -> Answer:
    b, changes = hall.ledger.cancel(r.code, now)
    return p.BookingAnswer(booking=booking(b)), changes  # type: ignore[return-value]


def _rebook(hall: HallContext, client: Sender, r: p.Rebook, now: float) -> Answer:
    b, changes = hall.ledger.rebook(r.code, r.day, r.start, today=hall.state.day, now=now)
    return p.BookingAnswer(booking=booking(b)), changes  # type: ignore[return-value]


def _check_in(hall: HallContext, client: Sender, r: p.CheckIn, now: float) -> Answer:
    """A booked visitor at the kiosk: the booking's ticket, in the appointment class and keyed by
    its slot's start (the earlier slot is called first); the ticket and the booking's new state
    are saved in one transaction, so a retry or a crash never makes a second ticket."""
    ledger, today = hall.ledger, hall.state.day
    code = r.code
    if code is None:
        if r.phone_last4 is None:
            raise QueueError("bad_field", "check_in needs a code or phone_last4", field="code")
        found = ledger.today_by_phone(r.phone_last4, today)
        if not found:
            raise QueueError("unknown_booking", "no booking of today has a phone ending in those digits")
        if len(found) > 1:
            return p.CheckInAnswer(matches=[booking(b) for b in found]), []
        code = found[0].code
    b = ledger.can_check_in(code, today, calendar.local(hall.views.config, now))
    service = hall.views.config.service(b.service)
    priority = APPOINTMENT if service is not None and service.priority_allowed else NORMAL
    key = appointments.slot_start(hall.views.config, b.day, b.start).timestamp()
    ticket, changes = hall.state.issue(
        b.service, now, priority=priority, channel=client.role, device=client.name, queue_key=key, check_hours=False
    )
    saved = ledger.checked_in(b.code, ticket.number, now)
    issued = hall.views.issued(hall.state, ticket)
    answer = p.CheckInAnswer(
        ticket=issued.ticket,
        ahead=issued.ahead,
        estimated_wait_s=issued.estimated_wait_s,
        day=issued.day,
        status_key=hall.ticket_key(ticket.day, ticket.number),
        booking=booking(b),
    )
    return answer, [*changes, *saved]  # type: ignore[list-item]


def _bookings(hall: HallContext, client: Sender, r: p.Bookings, now: float) -> Answer:
    """A day's appointments for the supervisors: each slot's figures and every booking."""
    config, ledger = hall.views.config, hall.ledger
    of_day = ledger.of_day(r.day)
    rows = []
    for service in config.services:
        for slot in appointments.slots(config, service, appointments.parse_day(r.day)):
            here = [b for b in of_day if b.service == service.id and b.start == slot.start]
            rows.append(
                p.DaySlotView(
                    service=service.id,
                    start=slot.start,
                    end=slot.end,
                    quota=service.appointment_quota,
                    booked=sum(1 for b in here if b.state in appointments.HOLDING),
                    checked_in=sum(1 for b in here if b.state == appointments.CHECKED_IN),
                    missed=sum(1 for b in here if b.state == appointments.MISSED),
                )
            )
    return p.BookingsAnswer(day=r.day, slots=rows, bookings=[booking(b) for b in of_day]), []


# Requests answered by a coroutine (the hub awaits it): a report only reads; a password request
# hashes in a worker thread and saves its own change (so no answer is kept: it may hold a password);
# a guide-desk PIN is answered after its throttle's delay and changes no queue.
ASYNC_HANDLERS: dict[str, Callable[[Any, Any, Any, float], Awaitable[msgspec.Struct]]] = {
    kind: _gated(handler)
    for kind, handler in (
        ("report", _report),
        ("change_password", _change_password),
        ("reset_password", _reset_password),
        ("unlock_desk", _unlock_desk),
    )
}

HANDLERS: dict[str, Handler] = {
    "ping": _ping,
    "snapshot": _snapshot,
    "ticket": _ticket_info,
    "issue": _issue,
    "device_status": _device_status,
    "notice": _notice,
    "force_sign_out": _force_sign_out,
    "put_back": _put_back,
    "cancel": _cancel,
    "pause": _pause,
    "resume": _resume,
    "sign_out": _sign_out,
    "transfer": _transfer,
    "hold": _hold,
    "call_back": _call_back,
    "call_number": _call_number,
    "call_next": _call_next,
    "recall": _recall,
    "start": _start,
    "finish": _finish,
    "no_show": _no_show,
    "evaluate": _evaluate,
    "acknowledge": _acknowledge,
    "slots": _slots,
    "book": _book,
    "booking": _booking_info,
    "cancel_booking": _cancel_booking,
    "rebook": _rebook,
    "check_in": _check_in,
    "bookings": _bookings,
}
assert HANDLERS.keys() | ASYNC_HANDLERS.keys() | ANSWERED_BY_FRONT == p.REQUEST_TYPES.keys(), (
    "every request type has one handler"
)


def dispatch(hall: HallContext, client: Sender, request: p.Request, now: float) -> Answer:
    """Run one request's handler: (answer data, changes), or a QueueError."""
    _password_first(client, request.__struct_config__.tag)  # type: ignore[attr-defined]
    return HANDLERS[request.__struct_config__.tag](hall, client, request, now)  # type: ignore[attr-defined]


__all__ = [
    "ANSWERED_BY_FRONT",
    "ASYNC_HANDLERS",
    "EMPTY",
    "HANDLERS",
    "WHILE_PASSWORD_MUST_CHANGE",
    "HallContext",
    "dispatch",
    "locked_out",
]
