"""Wire protocol v1: the requests clients send (docs/protocol.md section 6).

Requests are msgspec Structs tagged by ``type``; decoding checks every field's presence and
type in one pass and reports the path of the first problem.  Each request carries a
client-made ``id``; the server answers each id exactly once and answers a repeated id (a retry
after a reconnect) with the first answer again.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from . import errors

PROTOCOL_VERSION = 1

RequestId = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Number = Annotated[str, msgspec.Meta(min_length=2, max_length=8)]
Reason = Annotated[str, msgspec.Meta(max_length=200)]
Role = Literal["kiosk", "display", "counter", "supervisor", "pad", "visitor", "booking"]
Day = Annotated[str, msgspec.Meta(pattern=r"^\d{4}-\d{2}-\d{2}$")]


class Request(msgspec.Struct, tag_field="type", forbid_unknown_fields=True):
    id: RequestId


class Hello(Request, tag="hello"):
    """First message of every connection: who is speaking, and their credentials."""

    role: Role
    protocol: int = PROTOCOL_VERSION
    device: str | None = None  # kiosk, display, pad
    token: str | None = None  # kiosk, display, pad
    counter: int | None = None  # counter
    clerk: str | None = None  # counter, supervisor
    password: str | None = None  # counter, supervisor
    session_token: str | None = None  # counter, supervisor: resume a sign-in without the password
    zone: str | None = None  # display: show only this zone (default: the device's zone)
    number: Number | None = None  # visitor: the ticket to follow
    day: Day | None = None  # visitor: the ticket's business day
    key: Annotated[str, msgspec.Meta(max_length=64)] | None = None  # visitor: the ticket's key (its printed QR link)


class Ping(Request, tag="ping"):
    pass


class Snapshot(Request, tag="snapshot"):
    pass


DeskToken = Annotated[str, msgspec.Meta(max_length=64)]


class TicketInfo(Request, tag="ticket"):
    number: Number
    day: Day | None = None  # an earlier business day; default: today
    desk: DeskToken | None = None  # a kiosk's reprint at the guide desk: only then the ticket's status key


class Evaluate(Request, tag="evaluate"):
    """A visitor's five-level evaluation (5 very satisfied … 1 very dissatisfied): a pad's of its
    counter's last finished ticket, a ticket holder's of their own ticket from its status page
    (a visitor whose hello carried the ticket's key), or a supervisor's of the ticket ``number``
    (of ``day``, default today) from a paper form; level 2 and 1 need one of the configured
    reason codes."""

    level: Annotated[int, msgspec.Meta(ge=1, le=5)]
    reason: Annotated[str, msgspec.Meta(max_length=40)] | None = None
    note: Annotated[str, msgspec.Meta(max_length=200)] = ""
    number: Number | None = None  # supervisor (required there); a visitor may name only its own
    day: Day | None = None  # supervisor; a visitor may name only its own


class Issue(Request, tag="issue"):
    service: str
    priority: Literal["normal", "green"] = "normal"
    desk: DeskToken | None = None  # the guide desk's token (``unlock_desk``): needed for green, or from the desk
    # The kiosk will name the ticket in a ``device_status`` once the visitor has it (printed or
    # on screen); unnamed for ``[kiosk] unshown_cancel_minutes``, the server cancels it (6.4).
    confirm: bool = False


class UnlockDesk(Request, tag="unlock_desk"):
    """The guide-desk PIN a member of staff typed at a kiosk, for the server to check; the answer
    carries a desk token for the desk's requests (the kiosk itself never knows the PIN)."""

    pin: Annotated[str, msgspec.Meta(min_length=1, max_length=12)]


class DeviceStatus(Request, tag="device_status"):
    """A kiosk's or display's state: a fault names its code (``hallcall.protocol.faults``); an
    ``ok`` may carry one as a note (paper low).  ``detail`` is the device's own words, for logs."""

    state: Literal["ok", "fault"]
    code: Annotated[str, msgspec.Meta(max_length=40)] = ""
    detail: Reason = ""
    ticket: Number | None = None  # today's ticket this report is about: the visitor has its number (6.5)


class CallNext(Request, tag="call_next"):
    pass


class Recall(Request, tag="recall"):
    pass


class Start(Request, tag="start"):
    pass


class Finish(Request, tag="finish"):
    pass


class NoShow(Request, tag="no_show"):
    pass


class PutBack(Request, tag="put_back"):
    number: Number
    places: Annotated[int, msgspec.Meta(ge=0, le=999)] | None = None


class Transfer(Request, tag="transfer"):
    service: str | None = None
    to_counter: int | None = None
    reason: Reason = ""


class Hold(Request, tag="hold"):
    reason: Reason = ""


class CallBack(Request, tag="call_back"):
    number: Number


class CallNumber(Request, tag="call_number"):
    number: Number


class Cancel(Request, tag="cancel"):
    number: Number
    reason: Reason = ""


class Pause(Request, tag="pause"):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class Resume(Request, tag="resume"):
    pass


class SignOut(Request, tag="sign_out"):
    pass


class Notice(Request, tag="notice"):
    """Set the hall displays' scrolling notice; both empty = back to the configured one."""

    zh: Annotated[str, msgspec.Meta(max_length=200)] = ""
    en: Annotated[str, msgspec.Meta(max_length=200)] = ""


class ForceSignOut(Request, tag="force_sign_out"):
    counter: int
    reason: Reason = ""


class Acknowledge(Request, tag="acknowledge"):
    """A supervisor acknowledges an open warning (by its key); it stays open until its cause clears."""

    key: Annotated[str, msgspec.Meta(max_length=100)]


Password = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]


class ChangePassword(Request, tag="change_password"):
    """A signed-in clerk or supervisor changes their own password (6.25)."""

    current: Password
    new: Password


class ResetPassword(Request, tag="reset_password"):
    """A supervisor gives a clerk a one-time password, to be changed at the next sign-in (6.26)."""

    clerk: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class Report(Request, tag="report"):
    """The supervision report for business days ``from``..``to`` (YYYY-MM-DD), grouped ``by``."""

    from_: Annotated[str, msgspec.Meta(max_length=10)] = msgspec.field(name="from")
    to: Annotated[str, msgspec.Meta(max_length=10)]
    by: Literal["service", "counter", "clerk"] = "service"


BookingCode = Annotated[str, msgspec.Meta(min_length=1, max_length=16)]
SlotStart = Annotated[str, msgspec.Meta(pattern=r"^\d{2}:\d{2}$")]


class Slots(Request, tag="slots"):
    """A service's appointment slots on a day, with the places left."""

    service: Annotated[str, msgspec.Meta(max_length=40)]
    day: Day


class Book(Request, tag="book"):
    """Book a place in a slot (the public booking page, a supervisor or the guide desk)."""

    service: Annotated[str, msgspec.Meta(max_length=40)]
    day: Day
    start: SlotStart
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    phone: Annotated[str, msgspec.Meta(min_length=1, max_length=20)]
    desk: DeskToken | None = None  # a kiosk books only at an open guide desk


class BookingInfo(Request, tag="booking"):
    code: BookingCode


class CancelBooking(Request, tag="cancel_booking"):
    code: BookingCode


class Rebook(Request, tag="rebook"):
    """Move a booking to another slot of its service: same code, the old place freed at once."""

    code: BookingCode
    day: Day
    start: SlotStart


class CheckIn(Request, tag="check_in"):
    """A booked visitor at the kiosk: by code, or by the phone's last four digits (several of
    today's bookings match: the answer lists them and the kiosk sends the chosen code)."""

    code: BookingCode | None = None
    phone_last4: Annotated[str, msgspec.Meta(pattern=r"^\d{4}$")] | None = None


class Bookings(Request, tag="bookings"):
    """A supervisor's view of a day's appointments: every slot's figures and every booking."""

    day: Day


AnyRequest = (
    Hello
    | Ping
    | Snapshot
    | TicketInfo
    | Issue
    | DeviceStatus
    | CallNext
    | Recall
    | Start
    | Finish
    | NoShow
    | PutBack
    | Transfer
    | Hold
    | CallBack
    | CallNumber
    | Cancel
    | Pause
    | Resume
    | SignOut
    | ForceSignOut
    | Notice
    | Report
    | Evaluate
    | Acknowledge
    | UnlockDesk
    | ChangePassword
    | ResetPassword
    | Slots
    | Book
    | BookingInfo
    | CancelBooking
    | Rebook
    | CheckIn
    | Bookings
)

REQUEST_TYPES: dict[str, type[Request]] = {
    cls.__struct_config__.tag: cls  # type: ignore[misc]
    for cls in AnyRequest.__args__  # type: ignore[attr-defined]
}

_EVERYONE = {"ping", "snapshot", "ticket"}
_CLERK = {
    "call_next", "recall", "start", "finish", "no_show", "put_back", "transfer", "hold",
    "call_back", "call_number", "cancel", "pause", "resume", "sign_out",
}  # fmt: skip
ROLE_REQUESTS: dict[str, set[str]] = {
    "kiosk": _EVERYONE | {"issue", "device_status", "unlock_desk", "check_in", "book", "slots", "booking"},
    "display": _EVERYONE | {"device_status"},
    "counter": _EVERYONE | _CLERK | {"change_password"},
    "supervisor": _EVERYONE
    | {"put_back", "cancel", "force_sign_out", "notice", "report", "evaluate", "acknowledge"}
    | {"change_password", "reset_password"}
    | {"slots", "book", "booking", "cancel_booking", "rebook", "bookings"},
    "pad": {"ping", "snapshot", "evaluate"},
    # a visitor's phone following its own ticket; it may evaluate it only with the ticket's key
    "visitor": {"ping", "snapshot", "evaluate"},
    # the public booking page (/book): no token; the server rate-limits it per address
    "booking": {"ping", "slots", "book", "booking", "cancel_booking", "rebook"},
}

# Requests that change the queue: their answers are stored so a retried id is answered again.
MUTATING = _CLERK | {"issue", "device_status", "force_sign_out", "notice", "evaluate", "acknowledge"}
MUTATING |= {"book", "cancel_booking", "rebook", "check_in"}

_decoder = msgspec.json.Decoder(AnyRequest)
_loose = msgspec.json.Decoder()
encode = msgspec.json.Encoder().encode


class ProtocolError(Exception):
    """A message that cannot be acted on; ``code`` is one of protocol.md's error codes."""

    def __init__(self, code: str, message: str, request_id: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.code = errors.check(code)
        self.message = message
        self.request_id = request_id
        self.field = field


def decode(raw: bytes | str) -> Request:
    """Decode one request, or raise ProtocolError naming what is wrong with it."""
    try:
        return _decoder.decode(raw)
    except msgspec.DecodeError as exc:
        raise _explain(raw, exc) from None
    except RecursionError:
        # msgspec recurses once per level: a few thousand nested arrays fit well inside the size
        # limit and would otherwise escape as an unhandled error that closes the connection.
        raise ProtocolError("bad_message", "the message nests arrays or objects too deeply to read") from None


def _explain(raw: bytes | str, exc: msgspec.DecodeError) -> ProtocolError:
    try:
        loose: Any = _loose.decode(raw)
    except msgspec.DecodeError:
        return ProtocolError("bad_json", f"the message is not valid JSON: {exc}")
    except RecursionError:
        return ProtocolError("bad_message", "the message nests arrays or objects too deeply to read")
    if not isinstance(loose, dict):
        return ProtocolError("bad_message", "a message must be a JSON object")
    request_id = loose.get("id")
    request_id = request_id if isinstance(request_id, str) and 0 < len(request_id) <= 64 else None
    kind = loose.get("type")
    if not isinstance(kind, str):
        return ProtocolError("bad_message", "the message has no string field `type`", request_id, "type")
    if kind not in REQUEST_TYPES:
        return ProtocolError("unknown_type", f"unknown message type {kind!r}", request_id, "type")
    text = str(exc)
    field = None
    if "at `$." in text:
        field = text.split("at `$.", 1)[1].split("`", 1)[0]
    elif "field `" in text:
        field = text.split("field `", 1)[1].split("`", 1)[0]
    if request_id is None:
        return ProtocolError("bad_field", f"{kind}: the field `id` must be a string of 1 to 64 characters", None, "id")
    return ProtocolError("bad_field", f"{kind}: {text}", request_id, field)


__all__ = [
    "MUTATING",
    "PROTOCOL_VERSION",
    "REQUEST_TYPES",
    "ROLE_REQUESTS",
    "Acknowledge",
    "AnyRequest",
    "Book",
    "BookingCode",
    "BookingInfo",
    "Bookings",
    "CallBack",
    "CallNext",
    "CallNumber",
    "Cancel",
    "CancelBooking",
    "ChangePassword",
    "CheckIn",
    "Day",
    "DeskToken",
    "DeviceStatus",
    "Evaluate",
    "Finish",
    "ForceSignOut",
    "Hello",
    "Hold",
    "Issue",
    "NoShow",
    "Notice",
    "Number",
    "Pause",
    "Ping",
    "ProtocolError",
    "PutBack",
    "Reason",
    "Rebook",
    "Recall",
    "Report",
    "Request",
    "RequestId",
    "ResetPassword",
    "Resume",
    "Role",
    "SignOut",
    "SlotStart",
    "Slots",
    "Snapshot",
    "Start",
    "TicketInfo",
    "Transfer",
    "UnlockDesk",
    "decode",
    "encode",
]
