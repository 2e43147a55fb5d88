"""How the queue looks on the wire: every answer, event, welcome and snapshot the server sends
is built here, as the typed shapes of ``hallcall.protocol`` (docs/protocol.md sections 4-8).

The domain returns domain objects (tickets, counter and queue figures, journal entries, alerts);
this module alone turns them into wire shapes, so every message that shows a ticket, a call or
a counter is built in one place and reads the same everywhere.  ``encode`` turns a message into
the bytes sent; the hub encodes each message once, however many clients receive it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

import msgspec

from hallcall import protocol as p
from hallcall.config import HallConfig, Names
from hallcall.i18n import FAULTS, error_text
from hallcall.protocol import errors

from .domain import appointments
from .domain.appointments import Booking
from .domain.hall import HallState
from .domain.model import PRIORITY_NAMES, CounterFigures, Journal, QueueFigures, Ticket
from .domain.supervision import Alert, DeviceAbsent, Dissatisfied, LongPause, LongWait

encode = msgspec.json.Encoder().encode


# ---------------------------------------------------------------- envelopes
def result(request_id: str, data: msgspec.Struct) -> p.Result[Any]:
    """A request's answer when it was done; ``data`` has its request type's ANSWERS shape."""
    return p.Result(re=request_id, data=data)


def error(
    code: str, message: str, request_id: str | None = None, *, field: str | None = None, **details: Any
) -> p.Error:
    """A refusal: ``code`` from the registry (hallcall.protocol.errors), the English ``message``
    for logs, and the Chinese sentence of hallcall.i18n for people."""
    errors.check(code)
    return p.Error(
        re=request_id,
        code=code,
        message=message,
        message_zh=error_text(code, "zh", {"field": field, **details}),
        field=field if field else msgspec.UNSET,
        details=details if details else msgspec.UNSET,
    )


def event(topic: str, name: str, seq: int, data: Any) -> p.Event[Any]:
    """An event; ``data`` has the EVENTS shape of ``topic``."""
    return p.Event(topic=topic, name=name, seq=seq, data=data)


def welcome(
    request_id: str, role: p.Role, name: str, server_time: float, *, counter: int | None = None, token: str = ""
) -> p.Welcome:
    if counter is None:
        if token:  # a supervisor's console session
            return p.Welcome(re=request_id, role=role, server_time=server_time, name=name, session_token=token)
        return p.Welcome(re=request_id, role=role, server_time=server_time, name=name)
    return p.Welcome(re=request_id, role=role, server_time=server_time, name=name, counter=counter, session_token=token)


# ---------------------------------------------------------------- shapes from the domain
def ticket_shape(t: Ticket) -> p.TicketView:
    """A ticket without the waiting figures (a counter's current ticket, ``me.served``)."""
    return p.TicketView(
        id=t.id,
        number=t.number,
        service=t.service,
        priority=PRIORITY_NAMES[t.priority],  # type: ignore[arg-type]
        state=t.state,  # type: ignore[arg-type]
        issued_at=t.issued_at,
        called_at=t.called_at,
        serving_at=t.serving_at,
        finished_at=t.finished_at,
        counter=t.counter,
        clerk=t.clerk,
        recalls=t.recalls,
        putbacks=t.putbacks,
        transfers=t.transfers,
        target_counter=t.target_counter,
    )


def service_summary(f: QueueFigures) -> p.ServiceSummary:
    return p.ServiceSummary(
        service=f.service,
        waiting=f.waiting,
        priority_waiting=f.priority_waiting,
        next=f.next,
        estimated_wait_s=f.estimated_wait_s,
        counters_open=f.counters_open,
        issued=f.issued,
        finished=f.finished,
        cap_left=f.cap_left,
        oldest_waiting_since=f.oldest_waiting_since,
    )


def device_report(j: Journal) -> p.DeviceReport:
    """A device's status (5.7) from its ``device_ok``/``device_fault`` journal entry: the same
    shape whether it was just reported or read back from the journal at start.  The entry's
    ``reason`` is the fault code and ``detail["detail"]`` the device's own words; an entry saved
    before devices reported codes has its words as ``reason``, and reads back as ``device.fault``."""
    state = j.action.removeprefix("device_")
    code, raw = j.reason, j.detail.get("detail", "")
    if code and code not in FAULTS:  # an entry from before fault codes: its reason is the raw text
        code, raw = ("device.fault" if state == "fault" else ""), code
    words = FAULTS.get(code, {"zh": "", "en": ""})
    return p.DeviceReport(
        device=j.detail.get("device", ""),
        role=j.detail.get("role", ""),
        state=state,  # type: ignore[arg-type]
        code=code,
        text=Names(zh=words["zh"], en=words["en"]),
        detail=raw,
        at=j.at,
    )


def warning(key: str, alert: Alert, raised_at: float) -> p.AnyWarning:
    """An open warning (5.8): the alert's figures, its key and when it was raised."""
    if isinstance(alert, LongWait):
        return p.WaitWarning(
            level=alert.level,
            key=key,
            raised_at=raised_at,
            number=alert.number,
            service=alert.service,
            waited_s=alert.waited_s,
            target_s=alert.target_s,
            counter=alert.counter,
        )
    if isinstance(alert, Dissatisfied):
        return p.DissatisfiedWarning(
            level=alert.level,
            key=key,
            raised_at=raised_at,
            number=alert.number,
            counter=alert.counter,
            clerk=alert.clerk,
            evaluation=alert.evaluation,
            reason=alert.reason,
            note=alert.note,
        )
    if isinstance(alert, DeviceAbsent):
        return p.DeviceAbsentWarning(
            level=alert.level, key=key, raised_at=raised_at, device=alert.device, role=alert.role, since=alert.since
        )
    if isinstance(alert, LongPause):
        return p.PauseWarning(
            level=alert.level,
            key=key,
            raised_at=raised_at,
            counter=alert.counter,
            clerk=alert.clerk,
            reason=alert.reason,
            paused_s=alert.paused_s,
        )
    return p.UnstaffedWarning(
        level=alert.level,
        key=key,
        raised_at=raised_at,
        counter=alert.counter,
        since=alert.since,
        backups=list(alert.backups),
    )


def booking(b: Booking) -> p.BookingView:
    """A booking as it is sent: the name and phone masked (domain/appointments.py shape)."""
    return p.BookingView(**appointments.shape(b))  # type: ignore[arg-type]


def names(zh: str, en: str) -> Names:
    return Names(zh=zh, en=en)


class Views:
    """The shapes that need the hall's config: counter names and zones, the hall itself."""

    def __init__(self, config: HallConfig, *, enforce_hours: bool = True) -> None:
        self.config = config
        self.enforce_hours = enforce_hours
        self._hall: p.HallView | None = None
        self._public_hall: p.HallView | None = None
        self._zones = {s.id: s.zone for s in config.services}
        self._counter_zones = {c.number: c.zone for c in config.counters}
        self._counter_names = {
            c.number: Names(zh=c.name.zh, en=c.name.en)
            if c.name
            else Names(zh=f"{c.number}号窗口", en=f"Counter {c.number}")
            for c in config.counters
        }
        self.configured_notice = Names(zh=config.display.notice.zh, en=config.display.notice.en)
        self._clerk_names = {k.id: k.names for k in config.clerks}

    # ------------------------------------------------------------ the hall as configured
    def clerk_name(self, clerk: str, account_name: str = "") -> Names:
        """A clerk's display name: the hall config's ``[[clerks]]`` entry, else the account's
        display name when the caller knows it, else the login id (in both languages)."""
        configured = self._clerk_names.get(clerk)
        if configured is not None:
            return configured
        shown = account_name or clerk
        return Names(zh=shown, en=shown)

    def clerk_name_or_none(self, clerk: str | None) -> Names | None:
        return None if clerk is None else self.clerk_name(clerk)

    def journal_entry(self, j: Journal) -> p.JournalEntry:
        return p.JournalEntry(
            at=j.at,
            action=j.action,
            number=j.ticket.number if j.ticket else None,
            service=j.ticket.service if j.ticket else None,
            counter=j.counter,
            clerk=j.clerk,
            clerk_name=self.clerk_name_or_none(j.clerk),
            reason=j.reason,
            detail=j.detail,
        )

    def journey_step(self, j: Journal) -> p.JourneyStep:
        return p.JourneyStep(
            at=j.at,
            action=j.action,
            counter=j.counter,
            clerk=j.clerk,
            clerk_name=self.clerk_name_or_none(j.clerk),
            reason=j.reason,
            detail=j.detail,
        )

    def service_zone(self, service: str) -> str:
        return self._zones.get(service, "")

    def zone_services(self, state: HallState, zone: str) -> set[str]:
        """The services a display of ``zone`` lists (protocol 7.5): those of its zone or of
        none, every service a counter it shows (zone ``zone`` or none) serves, and the service
        of a waiting ticket transferred to one of those counters, which calls it whatever its
        own services.  The one place this rule lives: the snapshot and the queue update use it."""
        counters = [c.number for c in self.config.counters if c.zone in ("", zone)]
        found = {s.id for s in self.config.services if s.zone in ("", zone)}
        for number in counters:
            found.update(state.counter_services[number])
            found.update(t.service for t in state.targeted[number])
        return found

    def counter_zone(self, number: int) -> str:
        return self._counter_zones.get(number, "")

    def hall(self) -> p.HallView:
        """The hall as configured: names, services and counters, for drawing a screen.  Built
        once: the config does not change while the server runs, and every snapshot carries it."""
        if self._hall is None:
            self._hall = self._build_hall()
        return self._hall

    def public_hall(self) -> p.HallView:
        """The hall as a visitor's phone gets it: the counters without their clerks' and backups'
        account names (a visitor needs no staff logins)."""
        if self._public_hall is None:
            hall = self.hall()
            counters = [msgspec.structs.replace(c, clerks=[], backups=[]) for c in hall.counters]
            self._public_hall = msgspec.structs.replace(hall, counters=counters)
        return self._public_hall

    def _build_hall(self) -> p.HallView:
        c = self.config
        return p.HallView(
            name=Names(zh=c.hall.name.zh, en=c.hall.name.en),
            languages=list(c.hall.languages),
            timezone=c.hall.timezone,
            opening_hours=list(c.hall.opening_hours),
            open_days=list(c.hall.open_days),
            hours_enforced=self.enforce_hours,
            public_url=c.hall.public_url,
            kiosk=p.KioskView(**{f: getattr(c.kiosk, f) for f in p.KioskView.__struct_fields__}),
            display=c.display,
            announce=c.announce,
            counter_program=c.counter_program,
            services=[
                p.ServiceInfo(
                    id=s.id,
                    prefix=s.prefix,
                    name=Names(zh=s.name.zh, en=s.name.en),
                    target_wait_s=s.target_wait_minutes * 60,
                    daily_cap=s.daily_cap,
                    issuing_hours=list(s.issuing_hours or c.hall.opening_hours),
                    materials=p.Materials(zh=list(s.materials.zh), en=list(s.materials.en)),
                    priority_allowed=s.priority_allowed,
                    zone=s.zone,
                    appointment_slot_minutes=s.appointment_slot_minutes if appointments.takes_appointments(c, s) else 0,
                )
                for s in c.services
            ],
            counters=[
                p.CounterInfo(
                    number=k.number,
                    name=self._counter_names[k.number],
                    services=c.counter_services(k),
                    comprehensive=not k.services,
                    policy=k.policy,
                    zone=k.zone,
                    clerks=list(k.clerks),
                    backups=list(k.backups),
                )
                for k in c.counters
            ],
        )

    def device(self, role: str, name: str, zone: str) -> p.DeviceSettings:
        """A kiosk's or display's own settings: its config entry over the [kiosk] defaults; a
        display's ``zone`` is the one it shows (its hello may name another than the config)."""
        devices = self.config.devices.kiosks if role == "kiosk" else self.config.devices.displays
        d = next(x for x in devices if x.name == name)
        if role != "kiosk":
            return p.DeviceSettings(name=d.name, zone=zone)
        k = self.config.kiosk
        return p.DeviceSettings(
            name=d.name,
            zone=d.zone,
            printer=k.printer if d.printer is None else d.printer,
            paper_mm=d.paper_mm or k.paper_mm,
            encoding=d.encoding or k.encoding,
            qr=d.qr or k.qr,
            guide_desk=bool(k.staff_pin),
        )

    def shown_notice(self, set_by_supervisor: dict[str, str] | None) -> Names:
        """The notice the displays show: the supervisor's, unless none was set or it was
        cleared; then the config's as it is now, so an edit to the config shows after a restart."""
        if set_by_supervisor and (set_by_supervisor.get("zh") or set_by_supervisor.get("en")):
            return Names(zh=set_by_supervisor.get("zh", ""), en=set_by_supervisor.get("en", ""))
        return self.configured_notice

    # ------------------------------------------------------------ the queue now
    def ticket(self, state: HallState, t: Ticket) -> p.TicketView:
        """A ticket, with ``ahead``, ``estimated_wait_s`` and ``counters_open`` while it waits."""
        view = ticket_shape(t)
        if t.state == "waiting":
            ahead = state.ahead_of(t)
            seconds, opened = state.estimate(t.service, ahead)
            view.ahead, view.estimated_wait_s, view.counters_open = ahead, round(seconds), opened
        return view

    def issued(self, state: HallState, t: Ticket) -> p.IssueAnswer:
        view = self.ticket(state, t)
        return p.IssueAnswer(ticket=view, ahead=view.ahead, estimated_wait_s=view.estimated_wait_s, day=t.day)  # type: ignore[arg-type]

    def ticket_answer(self, state: HallState, t: Ticket) -> p.TicketAnswer:
        return p.TicketAnswer(ticket=self.ticket(state, t))

    def call(self, t: Ticket, action: str) -> p.CallView:
        counter = t.counter or 0
        return p.CallView(
            number=t.number,
            service=t.service,
            counter=counter,
            counter_name=self._counter_names.get(counter) or Names(zh="", en=""),
            zone=self._counter_zones.get(counter, ""),
            recall=t.recalls if action == "recall" else 0,
            priority=PRIORITY_NAMES[t.priority],  # type: ignore[arg-type]
            at=t.called_at,
        )

    def counter(self, f: CounterFigures) -> p.CounterView:
        session = f.session
        return p.CounterView(
            counter=f.counter,
            clerk=session.clerk if session else None,
            clerk_name=self.clerk_name(session.clerk) if session else None,
            signed_in_at=session.signed_in_at if session else None,
            paused=session is not None and session.paused_at is not None,
            pause_reason=session.pause_reason if session else None,
            paused_at=session.paused_at if session else None,
            current=ticket_shape(f.current) if f.current is not None else None,
            held=f.held,
            targeted=f.targeted,
            served_today=f.served_today,
            zone=self._counter_zones.get(f.counter, ""),
            name=self._counter_names[f.counter],
        )

    def counters(self, state: HallState, numbers: Iterable[int]) -> list[p.CounterView]:
        return [self.counter(state.counter_figures(n)) for n in numbers]

    def services(self, state: HallState) -> list[p.ServiceSummary]:
        """Every service's summary, in config order."""
        return [service_summary(state.queue_figures(s.id)) for s in self.config.services]

    def queue(self, state: HallState) -> p.QueueUpdate:
        return p.QueueUpdate(services=self.services(state), callable=state.callable_counts())

    def me(self, state: HallState, counter: int, clerk: str) -> p.Me:
        served = state.counters[counter].served[-10:]
        return p.Me(
            counter=counter,
            clerk=clerk,
            clerk_name=self.clerk_name(clerk),
            served=[ticket_shape(state.tickets[i]) for i in served],
        )

    def ticket_lookup(self, state: HallState, t: Ticket, journey: list[Journal] | None) -> p.TicketAnswer:
        """The answer to ``ticket``: the ticket and its day, and its journey for staff."""
        answer = p.TicketAnswer(ticket=self.ticket(state, t), day=t.day)
        if journey is not None:
            steps = [self.journey_step(j) for j in journey]
            for before, step in itertools.pairwise(steps):
                step.after_s = round(step.at - before.at, 3)
            answer.journey = steps
        return answer

    def visitor(self, state: HallState, t: Ticket | None, day: str, number: str) -> p.VisitorView:
        """A ticket as its visitor's phone follows it; ``t`` None (a ticket of an earlier day, or
        the day rolled over since the hello) shows it ``expired``."""
        if t is None:
            return p.VisitorView(
                day=day, number=number, service="", service_name=Names(zh="", en=""), priority="normal",
                state="expired", ahead=None, estimated_wait_s=None, counter=None, counter_name=None, recalls=0,
            )  # fmt: skip
        service = self.config.service(t.service)
        ahead = wait = None
        if t.state == "waiting":
            ahead = state.ahead_of(t)
            wait = round(state.estimate(t.service, ahead)[0])
        shown = t.state in ("called", "serving") and t.counter is not None
        return p.VisitorView(
            day=day,
            number=t.number,
            service=t.service,
            service_name=service.name if service else Names(zh=t.service, en=t.service),
            priority=PRIORITY_NAMES[t.priority],  # type: ignore[arg-type]
            state=t.state,  # type: ignore[arg-type]
            ahead=ahead,
            estimated_wait_s=wait,
            counter=t.counter if shown else None,
            counter_name=self._counter_names.get(t.counter or 0) if shown else None,
            recalls=t.recalls,
        )

    def pad(self, state: HallState, counter: int, clerk_name: str | None, awaiting: Ticket | None) -> p.PadView:
        """An evaluation pad's part of its snapshot (``clerk_name``: the signed-in clerk's account
        display name, shown when the hall config gives the clerk no name)."""
        f = state.counter_figures(counter)
        ev = self.config.evaluation
        return p.PadView(
            counter=counter,
            counter_name=self._counter_names[counter],
            clerk=f.session.clerk if f.session else None,
            clerk_name=self.clerk_name(f.session.clerk, clerk_name or "") if f.session else None,
            current=ticket_shape(f.current) if f.current is not None else None,
            awaiting=ticket_shape(awaiting) if awaiting is not None else None,
            window_s=ev.pad_window_seconds,
            reasons=[p.ReasonInfo(code=r.code, zh=r.zh, en=r.en) for r in ev.reasons],
        )


__all__ = [
    "Views",
    "booking",
    "device_report",
    "encode",
    "error",
    "event",
    "result",
    "service_summary",
    "ticket_shape",
    "warning",
    "welcome",
]
