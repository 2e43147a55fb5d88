"""The visitor's five-level evaluation (好差评): 5 very satisfied, 4 satisfied, 3 basically
satisfied, 2 dissatisfied, 1 very dissatisfied.

Pure rules, no I/O.  One evaluation per ticket, only of a ticket that was served (``done``), and
recorded with the counter and clerk that finished it.  An evaluation pad evaluates its counter's
most recently finished ticket, within ``[evaluation] pad_window_seconds`` of the finish.  The
ticket's holder evaluates it from its status page (channel ``qr``): the QR link printed on the
ticket carries the ticket's key (:func:`ticket_key`), which a guessed status address lacks.
Level 2 and 1 need one of the configured reason codes and raise a ``dissatisfied`` warning.

Each evaluation is one journal entry (action ``evaluate``; reason = the reason code; detail
``{"level", "channel", "note"}``): the journal is the record, and the evaluated tickets are read
back from it at start, so a second evaluation is refused after a restart too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field

from .hall import HallState
from .model import DONE, Change, Journal, QueueError, Ticket
from .supervision import Dissatisfied

LEVELS = {5: "very_satisfied", 4: "satisfied", 3: "basically_satisfied", 2: "dissatisfied", 1: "very_dissatisfied"}
LOW = 2  # this level and below need a reason and raise a warning
KEY_BYTES = 9  # a ticket's key: 72 bits of HMAC-SHA256, 12 URL-safe characters in the QR code


def ticket_key(secret: str, day: str, number: str) -> str:
    """The key of ticket ``number`` of ``day``: a truncated HMAC under the hall's secret, so
    only the server can make it and the printed QR link is the only place a visitor finds it."""
    digest = hmac.new(secret.encode(), f"{day}|{number}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:KEY_BYTES]).decode()


def key_matches(secret: str, day: str, number: str, key: str | None) -> bool:
    """Whether ``key`` is the ticket's key (compared in constant time)."""
    return bool(key) and hmac.compare_digest(ticket_key(secret, day, number).encode(), (key or "").encode())


@dataclass(slots=True)
class Evaluations:
    """Today's evaluations as the hub holds them: the evaluated ticket ids, and the low ones
    (each a ``dissatisfied`` alert, shown for ``[evaluation] warning_minutes``)."""

    done: set[int] = field(default_factory=set)
    low: dict[int, Dissatisfied] = field(default_factory=dict)  # ticket id → alert

    def record(self, ticket_id: int, alert: Dissatisfied | None) -> None:
        self.done.add(ticket_id)
        if alert is not None:
            self.low[ticket_id] = alert


def awaiting(state: HallState, evaluations: Evaluations, counter: int, now: float) -> Ticket | None:
    """The counter's last finished ticket, if a pad may still evaluate it now."""
    c = state.counters.get(counter)
    if c is None or not c.served:
        return None
    t = state.tickets[c.served[-1]]
    window = state.config.evaluation.pad_window_seconds
    if t.id in evaluations.done or t.finished_at is None or now - t.finished_at > window:
        return None
    return t


def check_reason(state: HallState, level: int, reason: str | None) -> str:
    """The reason code to record: required at level 2 and 1, and always one of the config's."""
    codes = {r.code for r in state.config.evaluation.reasons}
    if level not in LEVELS:
        raise QueueError("bad_field", "level must be 1 to 5", field="level")
    if not reason:
        if level <= LOW:
            raise QueueError("reason_required", f"level {level} needs a reason", field="reason", codes=sorted(codes))
        return ""
    if reason not in codes:
        raise QueueError("unknown_reason", f"{reason!r} is not one of the hall's reasons", field="reason")
    return reason


def evaluate(
    state: HallState,
    evaluations: Evaluations,
    counter: int,
    level: int,
    reason: str | None,
    note: str,
    now: float,
    *,
    channel: str,
) -> tuple[Ticket, list[Change]]:
    """Evaluate ``counter``'s most recently finished ticket (a pad's request)."""
    c = state.counters.get(counter)
    if c is None or not c.served:
        raise QueueError("nothing_to_evaluate", f"counter {counter} has finished no ticket today", counter=counter)
    t = state.tickets[c.served[-1]]
    if t.id in evaluations.done:
        raise QueueError("already_evaluated", f"ticket {t.number} has already been evaluated", number=t.number)
    window = state.config.evaluation.pad_window_seconds
    if t.state != DONE or t.finished_at is None or now - t.finished_at > window:
        message = f"counter {counter} finished no ticket in the last {window} s"
        raise QueueError("nothing_to_evaluate", message, counter=counter)
    return record(state, evaluations, t, level, reason, note, now, channel=channel)


def by_holder(
    state: HallState, evaluations: Evaluations, t: Ticket, level: int, reason: str | None, note: str, now: float
) -> tuple[Ticket, list[Change]]:
    """The ticket holder's evaluation of their own ticket ``t`` from its status page: only once
    it was served, once; no window (the key, not the moment, says who is evaluating)."""
    if t.state != DONE:
        raise QueueError(
            "nothing_to_evaluate", f"ticket {t.number} has not been served yet", number=t.number, state=t.state
        )
    return record(state, evaluations, t, level, reason, note, now, channel="qr")


def record(
    state: HallState,
    evaluations: Evaluations,
    t: Ticket,
    level: int,
    reason: str | None,
    note: str,
    now: float,
    *,
    channel: str,
    by: str | None = None,
) -> tuple[Ticket, list[Change]]:
    """Record one evaluation of a served ticket ``t`` (checked: done, not yet evaluated);
    ``by``: the supervisor who entered it from a paper form (kept in the detail)."""
    if t.state != DONE:
        raise QueueError("wrong_state", f"ticket {t.number} was not served", number=t.number, state=t.state)
    if t.id in evaluations.done:
        raise QueueError("already_evaluated", f"ticket {t.number} has already been evaluated", number=t.number)
    code = check_reason(state, level, reason)
    detail: dict[str, object] = {"level": level, "channel": channel, "note": note}
    if by is not None:
        detail["by"] = by
    journal = Journal(now, "evaluate", t, counter=t.counter, clerk=t.clerk, reason=code, detail=detail)
    evaluations.record(t.id, alert_of(t.id, t.number, t.counter, t.clerk, level, code, note, now))
    return t, [journal]


def alert_of(
    ticket_id: int, number: str, counter: int | None, clerk: str | None, level: int, reason: str, note: str, at: float
) -> Dissatisfied | None:
    """The ``dissatisfied`` alert of a low evaluation (level 2: warning level 1; level 1: level 2)."""
    if level > LOW:
        return None
    return Dissatisfied(ticket_id, number, counter, clerk, level, reason, note, at, level=3 - level)


__all__ = [
    "KEY_BYTES",
    "LEVELS",
    "LOW",
    "Evaluations",
    "alert_of",
    "awaiting",
    "by_holder",
    "check_reason",
    "evaluate",
    "key_matches",
    "record",
    "ticket_key",
]
