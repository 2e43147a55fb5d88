"""What the hall display knows: the calls, the counters and the waiting counts of its zone.

Pure data, no Qt: a snapshot sets it whole, events change it, and the screen draws from it.
The server already filters all of this by the display's zone (protocol 7.5), so the board
keeps what it is sent.

"Calls now in progress" are the counters whose current ticket is ``called`` or ``serving``
(from the counter views), newest call first: a row goes away when the clerk finishes or marks
a no-show, which the plain list of calls cannot tell.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass
from typing import Any

CALLS_KEPT = 20  # as many as the server's snapshot carries


@dataclass(frozen=True)
class Call:
    """One call as the screen and the announcer need it."""

    number: str
    counter: int
    counter_name: dict[str, str]
    recall: int
    priority: bool
    at: float

    @property
    def key(self) -> tuple[str, int, int, float]:
        """What tells two calls apart (a recall has its own count, the same ``at``)."""
        return (self.number, self.counter, self.recall, self.at)

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> Call:
        counter = int(data["counter"])
        name = data.get("counter_name") or {"zh": f"{counter}号窗口", "en": f"Counter {counter}"}
        return cls(
            number=str(data["number"]),
            counter=counter,
            counter_name=dict(name),
            recall=int(data.get("recall", 0)),
            priority=bool(data.get("priority", False)),
            at=float(data.get("at", 0.0)),
        )


@dataclass(frozen=True)
class Waiting:
    """One service's line on the waiting panel."""

    service: str
    name: dict[str, str]
    prefix: str
    waiting: int
    next: list[str]


class Board:
    def __init__(self) -> None:
        self.hall: dict[str, Any] = {}
        self.device: dict[str, Any] = {}
        self.notice: dict[str, str] = {"zh": "", "en": ""}
        self.calls: collections.deque[Call] = collections.deque(maxlen=CALLS_KEPT)
        self.counters: dict[int, dict[str, Any]] = {}
        self.services: list[dict[str, Any]] = []
        self.loaded = False

    def load(self, snapshot: dict[str, Any]) -> list[Call]:
        """Take a (re)connect snapshot whole; returns the calls it has that this board missed.

        After a reconnect, calls made while the link was down are in the snapshot's list; they
        are returned so the display can still announce them.  On the first snapshot nothing is
        returned: those calls are history, announced long ago.
        """
        first = not self.loaded
        known = {c.key for c in self.calls}
        self.hall = dict(snapshot.get("hall") or {})
        self.device = dict(snapshot.get("device") or {})
        self.notice = dict(snapshot.get("notice") or (self.hall.get("display") or {}).get("notice") or self.notice)
        self.calls.clear()
        self.calls.extend(Call.from_wire(c) for c in snapshot.get("calls", []))
        self.counters = {int(v["counter"]): v for v in snapshot.get("counters", [])}
        self.services = list(snapshot.get("services", []))
        self.loaded = True
        if first:
            return []
        return [c for c in self.calls if c.key not in known]

    def apply(self, event: dict[str, Any]) -> Call | None:
        """Take one event; returns the call when it is a new call (to flash and announce)."""
        topic, data = event.get("topic"), event.get("data") or {}
        if topic == "calls":
            call = Call.from_wire(data)
            self.calls.append(call)
            return call
        if topic == "counters":
            self.counters[int(data["counter"])] = data
        elif topic == "queue":
            self.services = list(data.get("services", []))
        elif topic == "notice":
            self.notice = {"zh": str(data.get("zh", "")), "en": str(data.get("en", ""))}
        return None

    def in_progress(self) -> list[Call]:
        """Counters with a ticket called or being served, newest call first.

        "Newest" is the order of the call list, where a recall is a new entry: a recall keeps
        its ticket's original ``at`` (protocol 5.2), yet it is the call the caption shows and
        the row that flashes, so it must come to the top rather than stay below rows that do
        not fit.  Tickets called before the list began (a server restart) follow, by ``at``.
        """
        latest = {(c.number, c.counter): (i, c) for i, c in enumerate(self.calls)}
        out = []
        for view in self.counters.values():
            ticket = view.get("current")
            if not ticket or ticket.get("state") not in ("called", "serving"):
                continue
            rank, call = latest.get((ticket["number"], int(view["counter"])), (-1, None))
            if call is None:  # called before the server's call list began (e.g. a restart)
                call = Call(
                    number=ticket["number"],
                    counter=int(view["counter"]),
                    counter_name=dict(view.get("name") or {}),
                    recall=int(ticket.get("recalls", 0)),
                    priority=ticket.get("priority", "normal") != "normal",
                    at=float(ticket.get("called_at") or 0.0),
                )
            out.append((call.at, rank, call))
        return [call for _, _, call in sorted(out, key=lambda t: (t[1], t[0]), reverse=True)]

    def newest(self) -> Call | None:
        return self.calls[-1] if self.calls else None

    def unknown_zone(self) -> tuple[str, list[str]] | None:
        """(the zone shown, the hall's zones) when the display's zone matches no counter.

        The server accepts any zone in hello, so a typo ("2f" for "2F") makes a screen that
        stays empty all day; the hall config in the snapshot is not filtered and can tell.
        """
        zone = str(self.device.get("zone") or "")
        items = [*self.hall.get("counters", []), *self.hall.get("services", [])]
        known = sorted({str(item.get("zone") or "") for item in items} - {""})
        return (zone, known) if zone and known and zone not in known else None

    def recent(self, limit: int) -> list[Call]:
        """The last ``limit`` calls, newest first (recalls included)."""
        return list(reversed(self.calls))[:limit]

    def waiting(self) -> list[Waiting]:
        """Waiting counts per service of this zone, in the hall's order."""
        config = {s["id"]: s for s in self.hall.get("services", [])}
        out = []
        for summary in self.services:
            service = config.get(summary["service"], {})
            out.append(
                Waiting(
                    service=summary["service"],
                    name=dict(service.get("name") or {"zh": summary["service"], "en": summary["service"]}),
                    prefix=str(service.get("prefix", "")),
                    waiting=int(summary.get("waiting", 0)),
                    next=list(summary.get("next", [])),
                )
            )
        return out

    def section(self, name: str) -> dict[str, Any]:
        """A hall config section (``display``, ``announce``) as the snapshot carries it."""
        return dict(self.hall.get(name) or {})
