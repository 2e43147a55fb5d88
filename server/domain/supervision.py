"""Electronic supervision: the warnings a hall's supervision office wants before it is too late.

* ``wait``: a waiting ticket has reached ``wait_warn_fraction`` (level 1) or all (level 2) of its
  service's target wait.  Cleared when the ticket leaves the queue.
* ``pause_long``: a counter has been paused longer than ``pause_limit_minutes``.
* ``unstaffed``: during opening hours, a counter that should be staffed has had nobody signed in
  for ``unstaffed_grace_minutes`` (the A/B backup rule failing in practice).
* ``dissatisfied``: a visitor gave level 2 or 1 (domain/evaluation.py); shown for
  ``[evaluation] warning_minutes``.
* ``device_absent``: during opening hours, a kiosk, display or pad of the hall config has had
  no connection for ``device_absent_minutes`` (a PC switched off, a cable pulled: visitors get
  no tickets there, or calls are neither shown nor heard).  Cleared when it connects again or
  the opening span ends.

The set is recomputed from the queue state on a timer; the server diffs it against the
previous set to raise and clear warnings.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from . import calendar
from .hall import HallState


@dataclass(frozen=True, slots=True)
class LongWait:
    """A waiting ticket near (level 1) or past (level 2) its service's target wait."""

    kind: ClassVar[str] = "wait"
    level: int
    number: str
    service: str
    waited_s: int
    target_s: int
    counter: int | None  # the counter it was transferred to, if any


@dataclass(frozen=True, slots=True)
class LongPause:
    """A counter paused longer than the limit."""

    kind: ClassVar[str] = "pause_long"
    counter: int
    clerk: str
    reason: str | None
    paused_s: int
    level: int = 1


@dataclass(frozen=True, slots=True)
class Unstaffed:
    """A counter that should be staffed, with nobody signed in since ``since``."""

    kind: ClassVar[str] = "unstaffed"
    counter: int
    since: float
    backups: tuple[str, ...]
    level: int = 1


@dataclass(frozen=True, slots=True)
class Dissatisfied:
    """A visitor's evaluation of level 2 (warning level 1) or 1 (warning level 2)."""

    kind: ClassVar[str] = "dissatisfied"
    ticket_id: int
    number: str
    counter: int | None
    clerk: str | None
    evaluation: int
    reason: str
    note: str
    at: float
    level: int = 1


@dataclass(frozen=True, slots=True)
class DeviceAbsent:
    """A configured device with no connection since ``since`` (or since the opening span or the
    server started, whichever is later)."""

    kind: ClassVar[str] = "device_absent"
    device: str
    role: str
    since: float
    level: int = 1


@dataclass(frozen=True, slots=True)
class Away:
    """What the server knows of one configured device's connection: ``since`` is when it went
    away, or None when it has not connected since the server started (``started``)."""

    device: str
    role: str
    connected: bool
    since: float | None


Alert = LongWait | LongPause | Unstaffed | Dissatisfied | DeviceAbsent
KINDS: dict[str, type[Alert]] = {cls.kind: cls for cls in (LongWait, LongPause, Unstaffed, Dissatisfied, DeviceAbsent)}


def as_record(alert: Alert) -> dict[str, Any]:
    """An alert as plain data, ``kind`` first (how storage keeps it)."""
    return {"kind": alert.kind, **{f.name: getattr(alert, f.name) for f in dataclasses.fields(alert)}}


def from_record(record: dict[str, Any]) -> Alert:
    """The alert ``as_record`` made (read back from the database at start)."""
    cls = KINDS[record["kind"]]
    values = {f.name: record[f.name] for f in dataclasses.fields(cls) if f.name in record}
    if cls is Unstaffed:
        values["backups"] = tuple(values.get("backups", ()))
    return cls(**values)


def current_warnings(
    state: HallState,
    now: float,
    dissatisfied: Iterable[Dissatisfied] = (),
    devices: Iterable[Away] = (),
    started: float = 0.0,
) -> dict[str, Alert]:
    """key → alert; the key identifies what the alert is about, so it can be cleared.
    ``dissatisfied``: today's low evaluations, each shown for ``[evaluation] warning_minutes``;
    ``devices``: the configured devices' connections, ``started`` when the server started."""
    config = state.config
    found: dict[str, Alert] = {}
    shown = config.evaluation.warning_minutes * 60
    for d in dissatisfied:
        if now - d.at < shown:
            found[f"dissatisfied:{d.ticket_id}"] = d
    fraction = config.supervision.wait_warn_fraction
    for service in config.services:
        target = service.target_wait_minutes * 60
        queues = [t for q in state.waiting[service.id].values() for t in q]
        queues += [t for q in state.targeted.values() for t in q if t.service == service.id]
        for t in queues:
            waited = now - t.issued_at
            if waited < fraction * target:
                continue
            level = 2 if waited >= target else 1
            found[f"wait:{t.number}"] = LongWait(level, t.number, t.service, round(waited), target, t.target_counter)
    limit = config.supervision.pause_limit_minutes * 60
    opening = calendar.hall_open(config, now)
    grace = config.supervision.unstaffed_grace_minutes * 60
    for number, c in state.counters.items():
        session = c.session
        if session is not None and session.paused_at is not None and now - session.paused_at >= limit:
            found[f"pause:{number}"] = LongPause(
                number, session.clerk, session.pause_reason, round(now - session.paused_at)
            )
        conf = config.counter(number)
        if session is None and opening is not None and conf is not None and conf.staffed:
            since = max(opening[0], c.last_signout_at or 0.0)
            if now - since >= grace:
                found[f"unstaffed:{number}"] = Unstaffed(number, since, tuple(conf.backups))
    absent_limit = config.supervision.device_absent_minutes * 60
    if opening is not None and absent_limit > 0:
        for d in devices:
            if d.connected:
                continue
            since = max(opening[0], started if d.since is None else d.since)
            if now - since >= absent_limit:
                found[f"device_absent:{d.device}"] = DeviceAbsent(d.device, d.role, since)
    return found
