"""Who hears what: the events a list of committed changes makes, and which clients get each.

Pure functions, no I/O: ``news`` turns the domain's change records into the events' data
(built by the view layer), ``route`` picks each event's audience from the connected clients'
roles, zones, counters and services, and ``route_queue`` splits the coalesced queue update by
display zone.  The hub encodes each message once and sends it to its recipients.

The audience rules (docs/protocol.md section 7):

* a call and a counter's view go to the displays of the counter's zone (every display when the
  counter or the display has no zone), the supervisors, that counter's own program and its
  evaluation pads;
* the journal goes to the supervisors only;
* the notice goes to the displays and the supervisors;
* a device's status goes to the counters and the supervisors;
* a warning goes to the supervisors, and to a counter when it is about that counter or (a wait
  warning of a ticket not sent to a counter) about one of its services;
* "session ended" goes to the programs signed in with that session, which hear nothing more
  of the same list (the hub detaches them: they must say hello again);
* a visitor (a phone following one ticket) hears none of the above and no queue update: only
  ``route_visitors``' event about its own ticket, when that ticket's view changed since it last
  heard it (computed with the coalesced queue update, once per followed ticket).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from hallcall import protocol as p

from .domain.appointments import BookingSaved
from .domain.hall import HallState
from .domain.model import (
    Change,
    Journal,
    PauseEnded,
    PauseStarted,
    SessionClosed,
    SessionOpened,
    SessionRenewed,
    TicketSaved,
)
from .views import Views, device_report, event
from .views import booking as booking_view

CALL_ACTIONS = frozenset({"call", "call_number", "call_back", "recall"})
_SESSION_CHANGES = (SessionOpened, SessionRenewed, PauseStarted, PauseEnded)


class Listener(Protocol):
    """What routing needs to know of a connected client."""

    role: str
    zone: str
    counter: int | None
    session_id: int | None
    services: frozenset[str]


class Follower(Protocol):
    """What visitor routing needs to know of a visitor's connection: the ticket it follows
    (day, number) and the view it last heard (None: only its snapshot's, or nothing)."""

    follows: tuple[str, str] | None
    heard: p.VisitorView | None


L = TypeVar("L", bound=Listener)
F = TypeVar("F", bound=Follower)
Routed = list[tuple[p.Event[Any], list[L]]]


@dataclass(slots=True)
class News:
    """One event to publish, before its ``seq`` is known: ``data`` has the EVENTS shape of
    ``topic``; ``session_id`` names the sign-in a ``session`` event is about."""

    topic: str
    name: str
    data: Any
    session_id: int | None = None


def news(
    changes: Iterable[Change | BookingSaved],
    state: HallState,
    views: Views,
    *,
    every_counter: bool = False,
    journal: bool = True,
) -> list[News]:
    """The events a committed list of changes makes, in order: for each change its session end,
    journal entry, notice, device status and call; then the view of every counter the changes
    touched (of every counter on a new business day, ``every_counter``).  ``journal`` False
    leaves the journal out (nobody who could hear it is connected)."""
    found: list[News] = []
    counters: set[int] = set(state.counters) if every_counter else set()
    for change in changes:  # the commonest first: every request journals, most save a ticket
        if isinstance(change, Journal):
            if change.counter is not None:
                counters.add(change.counter)
            action = change.action
            if journal:
                found.append(News("journal", action, views.journal_entry(change)))
            if action in CALL_ACTIONS:
                if change.ticket is not None:
                    found.append(News("calls", "called", views.call(change.ticket, action)))
            elif action == "notice":
                found.append(News("notice", "notice", views.shown_notice(change.detail)))
            elif action.startswith("device_"):
                found.append(News("devices", "device", device_report(change)))
        elif isinstance(change, TicketSaved):
            if change.ticket.target_counter is not None:
                counters.add(change.ticket.target_counter)
        elif isinstance(change, SessionClosed):
            counters.add(change.session.counter)
            ended = p.SessionEnded(counter=change.session.counter, reason=change.reason)
            found.append(News("session", "ended", ended, change.session.id))
        elif isinstance(change, _SESSION_CHANGES):
            counters.add(change.session.counter)
        elif isinstance(change, BookingSaved) and journal:  # the console's bookings view, live
            found.append(News("bookings", "booking", booking_view(change.booking)))
    if counters:
        found += [News("counters", "counter", view) for view in views.counters(state, sorted(counters))]
    return found


def route(items: Iterable[News], audience: Mapping[str, Collection[L]], seq: int) -> tuple[Routed[L], int]:
    """(event, recipients) for each item that anyone hears, numbered from ``seq`` + 1 (an event
    nobody hears still takes its number), and the last number used.  ``audience``: the
    connected clients by role."""
    out: Routed[L] = []
    ended: set[int] = set()  # id() of the programs told their session ended
    for item in items:
        seq += 1
        targets = recipients(item, audience)
        if ended:
            targets = [c for c in targets if id(c) not in ended]
        if item.topic == "session":
            ended.update(id(c) for c in targets)
        if targets:
            out.append((event(item.topic, item.name, seq, item.data), targets))
    return out, seq


def recipients(item: News, audience: Mapping[str, Collection[L]]) -> list[L]:
    """Who hears one event (see the module's rules)."""
    topic, data = item.topic, item.data
    if topic in ("calls", "counters"):
        return watching(data.counter, data.zone, audience)
    if topic in ("journal", "bookings"):
        return list(audience["supervisor"])
    if topic == "notice":
        return [*audience["display"], *audience["supervisor"]]
    if topic == "devices":
        return [*audience["counter"], *audience["supervisor"]]
    if topic == "warnings":
        return [c for role in ("counter", "supervisor") for c in audience[role] if warned(c, data)]
    if topic == "session":
        return [c for c in audience["counter"] if c.session_id == item.session_id]
    raise ValueError(f"no audience rule for topic {topic!r}")


def watching(counter: int, zone: str, audience: Mapping[str, Collection[L]]) -> list[L]:
    """Who hears about one counter's calls and state: the displays of its zone (all, if the
    counter has none), the supervisors, and the counter's own program."""
    found = [c for c in audience["display"] if not c.zone or not zone or c.zone == zone]
    found += audience["supervisor"]
    found += [c for c in audience["counter"] if c.counter == counter]
    found += [c for c in audience.get("pad", ()) if c.counter == counter]
    return found


def warned(client: Listener, w: p.AnyWarning) -> bool:
    """Whether a client hears of a warning (and finds it in its snapshot)."""
    if client.role == "supervisor":
        return True
    if client.role != "counter":
        return False
    if isinstance(w, p.DeviceAbsentWarning):  # like a device's fault: every counter hears of it
        return True
    if w.counter is not None:
        return w.counter == client.counter
    return isinstance(w, p.WaitWarning) and w.service in client.services


def route_queue(
    update: p.QueueUpdate, listeners: Iterable[L], seq: int, zone_services: Callable[[str], Collection[str]]
) -> list[tuple[p.Event[Any], list[L]]]:
    """The coalesced queue update numbered ``seq``: the whole of it to everyone but a zoned
    display, which gets only the services its zone lists (``zone_services``: Views.zone_services)."""
    by_zone: dict[str, list[L]] = {}
    for c in listeners:
        if c.role in ("visitor", "booking"):  # a visitor hears only its own ticket (route_visitors)
            continue
        by_zone.setdefault(c.zone if c.role == "display" else "", []).append(c)
    out: list[tuple[p.Event[Any], list[L]]] = []
    for zone, clients in by_zone.items():
        if zone:
            listed = zone_services(zone)
            mine = [s for s in update.services if s.service in listed]
            data = p.QueueUpdate(services=mine, callable=update.callable)
        else:
            data = update
        out.append((event("queue", "queue", seq, data), clients))
    return out


def route_visitors(
    fresh: Mapping[tuple[str, str], p.VisitorView], visitors: Iterable[F], seq: int
) -> tuple[list[tuple[p.Event[Any], list[F]]], int]:
    """The ``visitor`` events after a queue update: for each followed ticket (``fresh``: its view
    now, by (day, number)) whose view differs from what one of its visitors last heard, one event
    numbered after ``seq`` to those visitors only; and the last number used.  A visitor never
    hears another ticket, and hears nothing when its own ticket's view did not change."""
    changed: dict[tuple[str, str], list[F]] = {}
    for c in visitors:
        if c.follows is None:
            continue
        view = fresh.get(c.follows)
        if view is not None and view != c.heard:
            changed.setdefault(c.follows, []).append(c)
    out: list[tuple[p.Event[Any], list[F]]] = []
    for key, clients in changed.items():
        seq += 1
        out.append((event("visitor", "ticket", seq, fresh[key]), clients))
    return out, seq


__all__ = [
    "CALL_ACTIONS",
    "Follower",
    "Listener",
    "News",
    "news",
    "recipients",
    "route",
    "route_queue",
    "route_visitors",
    "warned",
    "watching",
]
