"""The shapes the server shows the hall in (docs/protocol.md section 5): tickets, calls, counter
views, service summaries, journal entries, the hall as configured, device reports, warnings.

They are the one definition of what a client can know.  The server's view layer builds them
from the domain; the clients' mirror (``hallcall.mirror``) decodes them, so a field added here
is added everywhere at once and a client never guesses a fact the server did not send.
Optional fields that only some messages carry default to ``UNSET`` and are left out of the JSON.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from msgspec import UNSET, Struct, UnsetType

from hallcall.config import Announce, CounterProgram, Display, Kiosk, Names

Priority = Literal["normal", "appointment", "green"]
TicketState = Literal["waiting", "called", "serving", "held", "done", "no_show", "cancelled", "expired"]


class Shape(Struct):
    """Base of every server-made shape: decoding ignores fields a newer server adds."""


class TicketView(Shape, kw_only=True):
    """A ticket (5.1).  ``ahead``, ``estimated_wait_s`` and ``counters_open`` only while it waits."""

    id: int
    number: str
    service: str
    priority: Priority
    state: TicketState
    issued_at: float
    called_at: float | None
    serving_at: float | None
    finished_at: float | None
    counter: int | None
    clerk: str | None
    recalls: int
    putbacks: int
    transfers: int
    target_counter: int | None
    ahead: int | UnsetType = UNSET
    estimated_wait_s: int | UnsetType = UNSET
    counters_open: int | UnsetType = UNSET


class CallView(Shape, kw_only=True):
    """A call (5.2): what a display shows and announces."""

    number: str
    service: str
    counter: int
    counter_name: Names
    zone: str
    recall: int
    priority: Priority  # the ticket's class: a display marks appointment and green-channel calls
    at: float | None


class CounterView(Shape, kw_only=True):
    """One counter as the hall sees it now (5.3)."""

    counter: int
    clerk: str | None
    clerk_name: Names | None  # the clerk's display name ([[clerks]]), else the login id; null: nobody
    signed_in_at: float | None
    paused: bool
    pause_reason: str | None
    paused_at: float | None
    current: TicketView | None
    held: list[str]
    targeted: list[str]
    served_today: int
    zone: str
    name: Names


class ServiceSummary(Shape, kw_only=True):
    """A service's queue (5.4): waiting counts and the estimate for a ticket issued now."""

    service: str
    waiting: int
    priority_waiting: int
    next: list[str]
    estimated_wait_s: int
    counters_open: int
    issued: int
    finished: int
    cap_left: int | None
    oldest_waiting_since: float | None = None  # issue time of the longest-waiting ticket; null: none waits


class JournalEntry(Shape, kw_only=True):
    """One append-only step of the hall's journal (5.5)."""

    at: float
    action: str
    number: str | None
    service: str | None
    counter: int | None
    clerk: str | None
    clerk_name: Names | None  # as in CounterView
    reason: str
    detail: dict[str, Any]


class JourneyStep(Shape, kw_only=True):
    """One step of a ticket's journey: a journal entry without the ticket's own number/service,
    and the seconds since the step before it (``after_s``; 0 for the first)."""

    at: float
    action: str
    counter: int | None
    clerk: str | None
    clerk_name: Names | None
    reason: str
    detail: dict[str, Any]
    after_s: float = 0.0


class Materials(Shape):
    zh: list[str]
    en: list[str]


class ServiceInfo(Shape, kw_only=True):
    """A service as configured (5.6), with the server's own defaults already applied:
    ``issuing_hours`` is the service's or else the hall's opening hours."""

    id: str
    prefix: str
    name: Names
    target_wait_s: int
    daily_cap: int
    issuing_hours: list[str]
    materials: Materials
    priority_allowed: bool
    zone: str
    appointment_slot_minutes: int = 0  # 0: the service takes no appointments (or the hall none)


class CounterInfo(Shape, kw_only=True):
    """A counter as configured (5.6): ``name`` is its configured name or the server's default
    ("N号窗口" / "Counter N"); ``services`` is the ordered list it serves (every service for a
    comprehensive window)."""

    number: int
    name: Names
    services: list[str]
    comprehensive: bool
    policy: str
    zone: str
    clerks: list[str]
    backups: list[str]


def _sent(section: type[Struct], name: str, *kept_back: str) -> Any:
    """A config section as the server sends it: the config struct's own fields (types and
    defaults), less the ones kept back from every client."""
    fields = [
        (
            f.name,
            f.type,
            msgspec.field(default=f.default)
            if f.default_factory is msgspec.NODEFAULT
            else msgspec.field(default_factory=f.default_factory),
        )
        for f in msgspec.structs.fields(section)
        if f.name not in kept_back
    ]
    return msgspec.defstruct(name, fields, bases=(Shape,), kw_only=True, module=__name__)


# The [kiosk] section without the guide-desk PIN: the server checks the PIN (unlock_desk), so no
# client, kiosks included, is ever sent it.
KioskView = _sent(Kiosk, "KioskView", "staff_pin")


class HallView(Shape, kw_only=True):
    """The hall as configured (5.6), for drawing a screen.  The sections are the config's own
    structs with every default filled in, so no client keeps defaults of its own."""

    name: Names
    languages: list[str]
    timezone: str
    opening_hours: list[str]
    open_days: list[str]
    hours_enforced: bool
    public_url: str
    kiosk: KioskView  # the [kiosk] section without staff_pin
    display: Display
    announce: Announce
    counter_program: CounterProgram
    services: list[ServiceInfo]
    counters: list[CounterInfo]


class DeviceReport(Shape, kw_only=True):
    """A device's last reported status (5.7): its fault code and the code's words in both
    languages (what people read), and the device's raw ``detail`` (for the supervisor and logs)."""

    device: str
    role: str
    state: Literal["ok", "fault"]
    code: str  # hallcall.protocol.faults; "" for a plain "ok"
    text: Names  # the code's words (hallcall.i18n.FAULTS); empty for a plain "ok"
    detail: str
    at: float


class DevicePresence(Shape, kw_only=True):
    """Whether a kiosk, display or pad is connected now (5.9): ``since`` is when it connected
    or disconnected; null for one not seen since the server started."""

    device: str
    role: str
    connected: bool
    since: float | None


class DeviceSettings(Shape, kw_only=True):
    """A kiosk's or display's own settings (4.3 ``device``).  Display: name and zone only."""

    name: str
    zone: str
    printer: str | UnsetType = UNSET
    paper_mm: int | UnsetType = UNSET
    encoding: str | UnsetType = UNSET
    qr: str | UnsetType = UNSET
    guide_desk: bool | UnsetType = UNSET  # the hall has a guide-desk PIN (checked by the server: unlock_desk)


class Warning(Shape, tag_field="kind", kw_only=True):
    """An open supervision warning (5.8); ``kind`` tells which of the three it is."""

    level: int
    key: str
    raised_at: float
    acknowledged_by: str | UnsetType = UNSET  # the supervisor who acknowledged it (still open)
    acknowledged_at: float | UnsetType = UNSET


class WaitWarning(Warning, tag="wait", kw_only=True):
    number: str
    service: str
    waited_s: int
    target_s: int
    counter: int | None


class PauseWarning(Warning, tag="pause_long", kw_only=True):
    counter: int
    clerk: str
    reason: str | None
    paused_s: int


class UnstaffedWarning(Warning, tag="unstaffed", kw_only=True):
    counter: int
    since: float
    backups: list[str]


class DissatisfiedWarning(Warning, tag="dissatisfied", kw_only=True):
    number: str
    counter: int | None
    clerk: str | None
    evaluation: int  # the level given, 2 or 1
    reason: str  # the reason code
    note: str


class DeviceAbsentWarning(Warning, tag="device_absent", kw_only=True):
    """A kiosk, display or pad of the hall config with no connection for ``[supervision]
    device_absent_minutes`` during opening hours (a PC switched off, a cable pulled)."""

    device: str
    role: str
    since: float  # when it went away, or the start of the opening span / of the server if later


AnyWarning = WaitWarning | PauseWarning | UnstaffedWarning | DissatisfiedWarning | DeviceAbsentWarning


class ReasonInfo(Shape, kw_only=True):
    """One reason a visitor may give for level 2 or 1 (the config's ``[evaluation] reasons``)."""

    code: str
    zh: str
    en: str


class PadView(Shape, kw_only=True):
    """An evaluation pad's own part of its snapshot: its counter, the clerk signed in there
    (login id and display name), the current ticket, and the last finished ticket while it may
    still be evaluated (``awaiting``: finished less than ``window_s`` ago and not yet evaluated)."""

    counter: int
    counter_name: Names
    clerk: str | None
    clerk_name: Names | None
    current: TicketView | None
    awaiting: TicketView | None
    window_s: int
    reasons: list[ReasonInfo]


class VisitorView(Shape, kw_only=True):
    """One ticket as its visitor's phone follows it (the ``visitor`` role): no ticket id, no
    clerk.  ``ahead`` and ``estimated_wait_s`` only while it waits (null otherwise); ``counter``
    and ``counter_name`` once it is called (null before); ``recalls`` grows with each recall."""

    day: str
    number: str
    service: str
    service_name: Names
    priority: Priority
    state: TicketState
    ahead: int | None
    estimated_wait_s: int | None
    counter: int | None
    counter_name: Names | None
    recalls: int
    evaluable: bool = False  # done and not yet evaluated: its holder may evaluate it (6.23)


class Me(Shape, kw_only=True):
    """A counter's own part of its snapshot: who is signed in, and the last tickets finished."""

    counter: int
    clerk: str
    clerk_name: Names  # the display name ([[clerks]]), else the login id
    served: list[TicketView]


class ReportRow(Shape, kw_only=True):
    """One row of a supervision report (a service, counter or clerk, or the hall's total); the
    figures are defined in docs/supervision.md ("Reports").  Minutes; shares 0–1."""

    key: str  # service id, counter number, clerk login, or "all"
    name: Names
    issued: int | None  # null by counter and by clerk: a ticket is issued to the hall
    served: int
    no_shows: int
    transfers: int
    called: int  # tickets called at least once: the waits counted
    mean_wait_minutes: float
    p90_wait_minutes: float
    mean_handling_minutes: float
    p90_handling_minutes: float
    within_target: float | None  # null with no waits
    evaluations: list[int]  # counts of levels 1..5
    satisfaction: float | None  # levels 3–5 over all evaluations; null with none
    appointments: int | None  # appointment tickets among the issued; null by counter and by clerk
    appointment_no_shows: int | None  # bookings never checked in (missed); null by counter and by clerk


class ReportHour(Shape, kw_only=True):
    """One local hour of day over the report's range: tickets issued then, and their mean wait."""

    hour: int
    arrivals: int
    mean_wait_minutes: float


def to_builtins(shape: Any) -> Any:
    """A shape as plain JSON-ready Python (for templates and tests)."""
    return msgspec.to_builtins(shape)


class SlotView(Shape, kw_only=True):
    """One appointment slot of a service on a day (5.10): its quota, places taken and free."""

    start: str
    end: str
    quota: int
    booked: int
    free: int


class BookingView(Shape, kw_only=True):
    """A booking (5.10): the visitor's name and phone only masked, never whole."""

    code: str
    service: str
    day: str
    start: str
    end: str
    name_masked: str
    phone_masked: str
    state: Literal["booked", "checked_in", "cancelled", "missed"]
    ticket: str  # "" until check-in


class DaySlotView(Shape, kw_only=True):
    """One slot of a day as the supervisors' bookings view shows it."""

    service: str
    start: str
    end: str
    quota: int
    booked: int
    checked_in: int
    missed: int


__all__ = [
    "AnyWarning",
    "BookingView",
    "CallView",
    "CounterInfo",
    "CounterView",
    "DaySlotView",
    "DeviceAbsentWarning",
    "DevicePresence",
    "DeviceReport",
    "DeviceSettings",
    "DissatisfiedWarning",
    "HallView",
    "JournalEntry",
    "JourneyStep",
    "KioskView",
    "Materials",
    "Me",
    "PadView",
    "PauseWarning",
    "Priority",
    "ReasonInfo",
    "ReportHour",
    "ReportRow",
    "ServiceInfo",
    "ServiceSummary",
    "Shape",
    "SlotView",
    "TicketState",
    "TicketView",
    "UnstaffedWarning",
    "VisitorView",
    "WaitWarning",
    "Warning",
    "to_builtins",
]
