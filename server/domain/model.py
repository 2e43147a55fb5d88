"""The queue's nouns: tickets, their states, counter sessions, and the changes an action makes.

Pure data, no I/O.  The domain core mutates these objects in memory and returns a list of
:class:`Change` records; storage turns the records into SQL and the network layer turns them
into events, so both always agree with what the core decided.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Ticket states (design.md): waiting → called → serving → done; called → no_show (may be put
# back); called/serving → held (set aside, called back later); waiting → cancelled; open at day
# end → expired.  A transfer sends a called/serving ticket back to waiting elsewhere.
WAITING = "waiting"
CALLED = "called"
SERVING = "serving"
HELD = "held"
DONE = "done"
NO_SHOW = "no_show"
CANCELLED = "cancelled"
EXPIRED = "expired"

OPEN_STATES = (WAITING, CALLED, SERVING, HELD)  # expire at day end
AT_COUNTER = (CALLED, SERVING)  # the counter's current ticket

# Priority classes, highest first.  Appointment tickets come from a booking's check-in.
NORMAL = 0
APPOINTMENT = 1
GREEN = 2
PRIORITY_NAMES = {NORMAL: "normal", APPOINTMENT: "appointment", GREEN: "green"}
PRIORITY_BY_NAME = {v: k for k, v in PRIORITY_NAMES.items()}


class QueueError(Exception):
    """An action the queue rules refuse; ``code`` is stable, registered in
    ``hallcall.protocol.errors`` and documented in protocol.md."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


@dataclass(slots=True)
class Ticket:
    id: int
    day: str
    service: str
    seq: int
    number: str
    priority: int
    state: str
    issued_at: float
    queue_key: float  # order within a queue: issue order, moved by put-back
    eligible_at: float = 0.0  # a put-back ticket waits out its cool-down
    called_at: float | None = None
    serving_at: float | None = None
    finished_at: float | None = None
    counter: int | None = None  # the counter that has it (or last had it)
    clerk: str | None = None
    recalls: int = 0
    putbacks: int = 0
    transfers: int = 0
    target_counter: int | None = None  # transferred to one counter in particular
    channel: str = "kiosk"
    device: str = ""


@dataclass(slots=True)
class Session:
    """A clerk signed in at a counter; survives disconnects and server restarts."""

    id: int
    counter: int
    clerk: str
    signed_in_at: float
    token_hash: str
    pause_reason: str | None = None
    paused_at: float | None = None
    pause_id: int | None = None


@dataclass(slots=True)
class CounterState:
    number: int
    session: Session | None = None
    current: int | None = None  # ticket id being called or served
    priority_streak: int = 0
    appointment_streak: int = 0  # appointment tickets called in a row ([appointments].max_run)
    last_signout_at: float | None = None
    served: list[int] = field(default_factory=list)  # today's finished ticket ids, newest last
    held: list[int] = field(default_factory=list)  # ticket ids set aside here, oldest first


# Changes returned by the core.  Storage persists each; the server publishes them.
@dataclass(slots=True)
class TicketSaved:
    ticket: Ticket
    new: bool = False


@dataclass(slots=True)
class Journal:
    """One append-only event: the ticket's journey, or a counter's, step by step."""

    at: float
    action: str
    ticket: Ticket | None = None
    counter: int | None = None
    clerk: str | None = None
    reason: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class SessionOpened:
    session: Session


@dataclass(slots=True)
class SessionRenewed:
    """The same clerk signed in again with the password: a new resume token."""

    session: Session


@dataclass(slots=True)
class SessionClosed:
    session: Session
    at: float
    reason: str


@dataclass(slots=True)
class PauseStarted:
    session: Session


@dataclass(slots=True)
class PauseEnded:
    session: Session
    pause_id: int
    at: float


@dataclass(slots=True)
class QueueFigures:
    """One service's queue as the screens show it: counts, the next numbers, the estimate for
    a ticket issued now, and today's totals (``cap_left`` None: no daily cap)."""

    service: str
    waiting: int
    priority_waiting: int
    next: list[str]
    estimated_wait_s: int
    counters_open: int
    issued: int
    finished: int
    cap_left: int | None
    oldest_waiting_since: float | None = None  # issue time of the ticket that has waited longest


@dataclass(slots=True)
class CounterFigures:
    """One counter as the hall sees it now: its session (None: nobody signed in), the ticket it
    calls or serves, the numbers it holds and those sent to it, and how many it finished today."""

    counter: int
    session: Session | None
    current: Ticket | None
    held: list[str]
    targeted: list[str]
    served_today: int

    @property
    def clerk(self) -> str | None:
        return self.session.clerk if self.session else None

    @property
    def paused(self) -> bool:
        return self.session is not None and self.session.paused_at is not None


Change = TicketSaved | Journal | SessionOpened | SessionRenewed | SessionClosed | PauseStarted | PauseEnded
