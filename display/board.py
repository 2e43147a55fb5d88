"""What the hall display shows, read from the hall mirror: the calls, the counters and the
waiting counts of its zone.

Pure data, no Qt: the mirror (``hallcall.mirror.HallMirror``, kept by the link) holds the hall
as the server last described it, and the board only reads it the way the screen needs it.
The server already filters all of this by the display's zone (protocol 7.5) and fills in every
name and setting (a counter without a name is "N号窗口" / "Counter N" on the wire), so the
board keeps no defaults and decides no facts of its own.

"Calls now in progress" are the counters whose current ticket is ``called`` or ``serving``
(from the counter views), newest call first: a row goes away when the clerk finishes or marks
a no-show, which the plain list of calls cannot tell.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from hallcall import protocol as p
from hallcall.config import Announce, Display, Names
from hallcall.mirror import HallMirror, Update

CallKey = tuple[str, int, int, float | None]


def call_key(call: p.CallView) -> CallKey:
    """What tells two calls apart (a recall has its own count, the same ``at``)."""
    return (call.number, call.counter, call.recall, call.at)


@dataclass(frozen=True)
class Waiting:
    """One service's line on the waiting panel."""

    service: str
    name: Names
    prefix: str
    waiting: int
    next: list[str]


class Board:
    """The display's view of one ``HallMirror`` (its own when none is given: tests)."""

    def __init__(self, mirror: HallMirror | None = None) -> None:
        self.mirror = mirror if mirror is not None else HallMirror()
        self._known: set[CallKey] = set()  # the calls seen so far (announced or history)
        self._loaded = False

    # -- following the mirror ----------------------------------------------------------------
    def load(self, snapshot: Mapping[str, Any] | None = None) -> list[p.CallView]:
        """After a (re)connect snapshot (fed to the mirror here when given, else by the link):
        returns the calls it has that this board missed.

        After a reconnect, calls made while the link was down are in the snapshot's list; they
        are returned so the display can still announce them.  On the first snapshot nothing is
        returned: those calls are history, announced long ago.
        """
        if snapshot is not None:
            self.mirror.apply(snapshot)
        first = not self._loaded
        missed = [] if first else [c for c in self.mirror.calls if call_key(c) not in self._known]
        self._known = {call_key(c) for c in self.mirror.calls}
        self._loaded = True
        return missed

    def take(self, update: Update) -> p.CallView | None:
        """An event the mirror took in; returns the call when it is a new call (to flash and
        announce)."""
        if isinstance(update.data, p.CallView):
            self._known.add(call_key(update.data))
            return update.data
        return None

    def apply(self, event: Mapping[str, Any]) -> p.CallView | None:
        """Feed one event (decoded JSON) to the mirror and take it (tests, or a board of its own)."""
        update = self.mirror.apply(event)
        return None if update is None else self.take(update)

    # -- reading it --------------------------------------------------------------------------
    @property
    def hall(self) -> p.HallView | None:
        return self.mirror.hall

    @property
    def display(self) -> Display:
        """The hall's ``[display]`` settings (the config's defaults until the first snapshot)."""
        return self.hall.display if self.hall is not None else Display()

    @property
    def announce(self) -> Announce:
        """The hall's ``[announce]`` settings (the config's defaults until the first snapshot)."""
        return self.hall.announce if self.hall is not None else Announce()

    @property
    def name(self) -> Names:
        return self.hall.name if self.hall is not None else Names(zh="", en="")

    @property
    def notice(self) -> Names:
        return self.mirror.notice

    @property
    def calls(self) -> list[p.CallView]:
        """The recent calls, oldest first."""
        return list(self.mirror.calls)

    def in_progress(self) -> list[p.CallView]:
        """Counters with a ticket called or being served, newest call first.

        "Newest" is the order of the call list, where a recall is a new entry: a recall keeps
        its ticket's original ``at`` (protocol 5.2), yet it is the call the caption shows and
        the row that flashes, so it must come to the top rather than stay below rows that do
        not fit.  Tickets called before the list began (a server restart) follow, by ``at``.
        """
        latest = {(c.number, c.counter): (i, c) for i, c in enumerate(self.mirror.calls)}
        out = []
        for view in self.mirror.counters.values():
            ticket = view.current
            if ticket is None or ticket.state not in ("called", "serving"):
                continue
            rank, call = latest.get((ticket.number, view.counter), (-1, None))
            if call is None:  # called before the server's call list began (e.g. a restart)
                call = p.CallView(
                    number=ticket.number,
                    service=ticket.service,
                    counter=view.counter,
                    counter_name=view.name,
                    zone=view.zone,
                    recall=ticket.recalls,
                    priority=ticket.priority,
                    at=ticket.called_at,
                )
            out.append((call.at or 0.0, rank, call))
        return [call for _, _, call in sorted(out, key=lambda t: (t[1], t[0]), reverse=True)]

    def newest(self) -> p.CallView | None:
        """The call now in progress that was made last (what the caption says and the row that
        flashes), or None when no counter is calling.

        Read off ``in_progress`` like the "now calling" rows, so the caption and the rows can
        never disagree: once the clerk finishes the last ticket, both say "no calls".
        """
        current = self.in_progress()
        return current[0] if current else None

    def unknown_zone(self) -> tuple[str, list[str]] | None:
        """(the zone shown, the hall's zones) when the display's zone matches no counter.

        The server accepts any zone in hello, so a typo ("2f" for "2F") makes a screen that
        stays empty all day; the hall config in the snapshot is not filtered and can tell.
        """
        device, hall = self.mirror.device, self.hall
        zone = device.zone if device is not None else ""
        items = [*hall.counters, *hall.services] if hall is not None else []
        known = sorted({item.zone for item in items} - {""})
        return (zone, known) if zone and known and zone not in known else None

    def recent(self, limit: int, shown: Collection[p.CallView] = ()) -> list[p.CallView]:
        """The last ``limit`` tickets called, newest first, each once (its latest call, so a
        recall says so), leaving out the tickets in ``shown``: those already on the "now
        calling" panel.  "Recent calls" is where a visitor looks for a number the panel no
        longer has (finished, no-show, or one of the "+N more")."""
        skip = {call.number for call in shown}
        out: list[p.CallView] = []
        for call in reversed(self.mirror.calls):
            if call.number not in skip:
                skip.add(call.number)
                out.append(call)
                if len(out) == limit:
                    break
        return out

    def waiting(self) -> list[Waiting]:
        """Waiting counts per service of this zone, in the hall's order."""
        out = []
        for summary in self.mirror.services.values():
            info = self.mirror.service_info(summary.service)
            out.append(
                Waiting(
                    service=summary.service,
                    name=info.name if info else Names(zh=summary.service, en=summary.service),
                    prefix=info.prefix if info else "",
                    waiting=summary.waiting,
                    next=list(summary.next),
                )
            )
        return out
