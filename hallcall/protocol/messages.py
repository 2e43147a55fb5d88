"""What the server sends (docs/protocol.md sections 2-4 and 7): the welcome, snapshots,
answers (a result or an error for every request id), and events.

Each request type has exactly one answer shape (``ANSWERS``) and each event topic one data shape
(``EVENTS``), so the server builds them typed and a client decodes them typed.  An envelope's
``data`` is decoded in two steps: the envelope first (``data`` kept raw), then the data with the
shape its request type or topic names.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import msgspec
from msgspec import UNSET, Struct, UnsetType

from hallcall.config import Names

from .requests import PROTOCOL_VERSION, REQUEST_TYPES, Role
from .shapes import (
    AnyWarning,
    BookingView,
    CallView,
    CounterView,
    DaySlotView,
    DevicePresence,
    DeviceReport,
    DeviceSettings,
    HallView,
    JournalEntry,
    JourneyStep,
    Me,
    PadView,
    ReportHour,
    ReportRow,
    ServiceSummary,
    SlotView,
    TicketView,
    VisitorView,
)

T = TypeVar("T")


class Message(Struct, tag_field="type", kw_only=True):
    """Base of every server message; ``type`` names which it is."""


class Welcome(Message, tag="welcome", kw_only=True):
    """The answer to a good hello (4.2)."""

    re: str
    role: Role
    protocol: int = PROTOCOL_VERSION
    server_time: float
    name: str
    counter: int | UnsetType = UNSET
    session_token: str | UnsetType = UNSET
    must_change_password: bool | UnsetType = UNSET  # a counter signed in with a one-time password


class HallSnapshot(Message, tag="snapshot", kw_only=True):
    """Everything a (re)connected client needs to draw its screen from nothing (4.3)."""

    seq: int
    server_time: float
    clock_speed: float
    day: str
    hall: HallView
    services: list[ServiceSummary]
    callable: dict[int, int]  # as in QueueUpdate
    counters: list[CounterView]
    calls: list[CallView]
    notice: Names
    device: DeviceSettings | UnsetType = UNSET  # kiosk, display
    warnings: list[AnyWarning] | UnsetType = UNSET  # counter, supervisor
    devices: list[DeviceReport] | UnsetType = UNSET  # counter, supervisor
    presence: list[DevicePresence] | UnsetType = UNSET  # supervisor
    me: Me | UnsetType = UNSET  # counter
    pad: PadView | UnsetType = UNSET  # pad
    visitor: VisitorView | UnsetType = UNSET  # visitor


class Result(Message, Generic[T], tag="result", kw_only=True):
    """A request's answer when it was done (or refused nothing); ``data`` has its ANSWERS shape."""

    re: str
    data: T


class Error(Message, tag="error", kw_only=True):
    """A request's answer when it was refused (section 8 lists the codes)."""

    re: str | None
    code: str
    message: str
    message_zh: str
    field: str | UnsetType = UNSET
    details: dict[str, Any] | UnsetType = UNSET


class Event(Message, Generic[T], tag="event", kw_only=True):
    """Something changed (section 7); ``data`` has the EVENTS shape of its ``topic``."""

    topic: str
    name: str
    seq: int
    data: T


# ---------------------------------------------------------------- answers, one per request type
class Empty(Struct):
    """The answer of a request that only changes something (pause, resume, sign_out, ...)."""


class PingAnswer(Struct, kw_only=True):
    server_time: float


class SnapshotAnswer(Struct, kw_only=True):
    seq: int  # the snapshot itself is sent just before this answer


class TicketAnswer(Struct, kw_only=True):
    """A ticket after the request acted on it; ``ticket`` lookups add its day, and for counters
    and supervisors its journey."""

    ticket: TicketView
    day: str | UnsetType = UNSET
    journey: list[JourneyStep] | UnsetType = UNSET
    status_key: str | UnsetType = UNSET  # a kiosk's lookup: the key for the ticket's QR link


class IssueAnswer(Struct, kw_only=True):
    """A new ticket, with the figures the kiosk prints on it."""

    ticket: TicketView
    ahead: int
    estimated_wait_s: int
    day: str
    status_key: str | UnsetType = UNSET  # the ticket's key: its QR link lets its holder evaluate


class EvaluateAnswer(Struct, kw_only=True):
    """The evaluation as recorded: the ticket it is about and the level given."""

    ticket: TicketView
    level: int
    reason: str | None


class NoticeAnswer(Struct, kw_only=True):
    notice: Names  # what the displays show now


class AcknowledgeAnswer(Struct, kw_only=True):
    """The warning as acknowledged (the first acknowledgement stands)."""

    warning: AnyWarning


class ReportAnswer(Struct, kw_only=True):
    """A supervision report: one row per group, the hall's total, the hours and each counter's
    served and handling (rows with ``issued`` null)."""

    from_: str = msgspec.field(name="from")
    to: str
    by: str
    rows: list[ReportRow]
    total: ReportRow
    hours: list[ReportHour]
    counters: list[ReportRow]


class ResetPasswordAnswer(Struct, kw_only=True):
    """The one-time password a supervisor hands to the clerk (it is never stored or shown again)."""

    clerk: str
    one_time_password: str


class UnlockDeskAnswer(Struct, kw_only=True):
    """The guide desk opened: the desk token to send with its requests, and how long it lives
    without use (each use renews it)."""

    desk: str
    idle_s: int


class SlotsAnswer(Struct, kw_only=True):
    service: str
    day: str
    slots: list[SlotView]


class BookingAnswer(Struct, kw_only=True):
    booking: BookingView


class CheckInAnswer(Struct, kw_only=True):
    """A checked-in booking's ticket (the fields of ``issue``'s answer, and the booking); or, for
    a phone's last four digits that match several of today's bookings, only ``matches``."""

    ticket: TicketView | UnsetType = UNSET
    ahead: int | UnsetType = UNSET
    estimated_wait_s: int | UnsetType = UNSET
    day: str | UnsetType = UNSET
    status_key: str | UnsetType = UNSET
    booking: BookingView | UnsetType = UNSET
    matches: list[BookingView] | UnsetType = UNSET


class BookingsAnswer(Struct, kw_only=True):
    """A day's appointments for the supervisors' bookings view."""

    day: str
    slots: list[DaySlotView]
    bookings: list[BookingView]


ANSWERS: dict[str, type[Struct]] = {
    "hello": Empty,  # answered by a Welcome, or an Error
    "ping": PingAnswer,
    "snapshot": SnapshotAnswer,
    "ticket": TicketAnswer,
    "issue": IssueAnswer,
    "device_status": Empty,
    "call_next": TicketAnswer,
    "recall": TicketAnswer,
    "start": TicketAnswer,
    "finish": TicketAnswer,
    "no_show": TicketAnswer,
    "put_back": TicketAnswer,
    "transfer": TicketAnswer,
    "hold": TicketAnswer,
    "call_back": TicketAnswer,
    "call_number": TicketAnswer,
    "cancel": TicketAnswer,
    "pause": Empty,
    "resume": Empty,
    "sign_out": Empty,
    "force_sign_out": Empty,
    "notice": NoticeAnswer,
    "report": ReportAnswer,
    "evaluate": EvaluateAnswer,
    "acknowledge": AcknowledgeAnswer,
    "unlock_desk": UnlockDeskAnswer,
    "change_password": Empty,
    "reset_password": ResetPasswordAnswer,
    "slots": SlotsAnswer,
    "book": BookingAnswer,
    "booking": BookingAnswer,
    "cancel_booking": BookingAnswer,
    "rebook": BookingAnswer,
    "check_in": CheckInAnswer,
    "bookings": BookingsAnswer,
}
assert ANSWERS.keys() == REQUEST_TYPES.keys(), "every request type has exactly one answer shape"


# ---------------------------------------------------------------- events, one data shape per topic
class QueueUpdate(Struct, kw_only=True):
    """The waiting counts, coalesced (7.4).  ``callable``: counter number → how many tickets it
    could call next (its services' queues and the tickets sent to it), counted by the server,
    which alone knows each ticket's service after a transfer."""

    services: list[ServiceSummary]
    callable: dict[int, int]


class SessionEnded(Struct, kw_only=True):
    """Sent to a counter program whose sign-in ended elsewhere (day end, supervisor, takeover)."""

    counter: int
    reason: str


EVENTS: dict[str, Any] = {
    "calls": CallView,  # name "called"
    "counters": CounterView,  # name "counter"
    "queue": QueueUpdate,  # name "queue"
    "warnings": AnyWarning,  # name "raised", "acknowledged" or "cleared"
    "devices": DeviceReport,  # name "device"
    "presence": DevicePresence,  # name "device"
    "journal": JournalEntry,  # name: the journal action
    "notice": Names,  # name "notice"
    "session": SessionEnded,  # name "ended"
    "visitor": VisitorView,  # name "ticket"
    "bookings": BookingView,  # name "booking" (supervisors only)
}

AnyMessage = Welcome | HallSnapshot | Result[msgspec.Raw] | Error | Event[msgspec.Raw]

__all__ = [
    "ANSWERS",
    "EVENTS",
    "AcknowledgeAnswer",
    "AnyMessage",
    "BookingAnswer",
    "BookingsAnswer",
    "CheckInAnswer",
    "Empty",
    "Error",
    "EvaluateAnswer",
    "Event",
    "HallSnapshot",
    "IssueAnswer",
    "Message",
    "NoticeAnswer",
    "PingAnswer",
    "QueueUpdate",
    "ReportAnswer",
    "ResetPasswordAnswer",
    "Result",
    "SessionEnded",
    "SlotsAnswer",
    "SnapshotAnswer",
    "TicketAnswer",
    "UnlockDeskAnswer",
    "Welcome",
]
