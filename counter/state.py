"""What the counter program knows: the hall's one mirror, and what is its counter's own.

Pure Python, no Qt.  The hall — my counter's view, the queues, how many tickets I could call,
warnings, device reports, the hall as configured — is a ``HallMirror`` (hallcall.mirror) fed
the snapshot and events, exactly as every other client follows it, so the counter shows what
the server says and never works a fact out for itself.  This adds only what the counter
alone knows: its number, the clerk, and the tickets it finished and marked absent, from its
own answers.  The server stays the truth — after a reconnect the next snapshot replaces all
of this, so nothing here needs to survive a restart of the program.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hallcall import protocol as p
from hallcall.config import CounterProgram as CounterProgramSection
from hallcall.mirror import HallMirror

SERVED_KEPT = 10
SHOWN_TOPICS = frozenset({"queue", "warnings", "devices"})  # besides my own counter's view


@dataclass
class CounterState:
    """My counter, read from the hall's mirror, plus the last tickets served and my no-shows."""

    number: int
    mirror: HallMirror = field(default_factory=HallMirror)
    served: list[p.TicketView] = field(default_factory=list)  # oldest first
    no_shows: list[str] = field(default_factory=list)  # my no-shows this session, newest last
    clerk: str = ""

    # -- feeding it ------------------------------------------------------------------------
    def apply_snapshot(self, snap: Mapping[str, Any], local_now: float | None = None) -> None:
        self.mirror.apply(snap, local_now)
        me = self.mirror.me
        view = self.view
        self.served = list(me.served)[-SERVED_KEPT:] if me is not None else []
        self.clerk = (me.clerk if me is not None else "") or (view.clerk if view else None) or self.clerk

    def apply_event(self, event: Mapping[str, Any]) -> bool:
        """Fold one event in; True when it changed something the screen shows."""
        update = self.mirror.apply_event(event)
        if update is None:
            return False
        if isinstance(update.data, p.CounterView):
            return update.data.counter == self.number
        return update.topic in SHOWN_TOPICS

    def apply_result(self, kind: str, reply: Any) -> None:
        """Remember what only our own answers tell: tickets finished and no-shows.  ``reply`` is
        the typed answer to a request of type ``kind`` (``hallcall.mirror.answer``)."""
        if not isinstance(reply, p.TicketAnswer):
            return
        ticket = reply.ticket
        number = ticket.number
        if kind == "finish":
            self.served = [*[t for t in self.served if t.number != number][-(SERVED_KEPT - 1) :], ticket]
        elif kind == "no_show":
            self.no_shows = [n for n in self.no_shows if n != number] + [number]
        elif kind == "put_back":
            self.no_shows = [n for n in self.no_shows if n != number]

    # -- reading it: the hall, as the server describes it ------------------------------------
    @property
    def loaded(self) -> bool:
        return self.mirror.loaded

    @property
    def hall(self) -> p.HallView:
        """The hall as configured (only once a snapshot came: see ``loaded``)."""
        assert self.mirror.hall is not None, "no snapshot yet"
        return self.mirror.hall

    def server_now(self, local_now: float | None = None) -> float:
        return self.mirror.now(local_now)

    @property
    def first_language(self) -> str:
        """The hall's first language: the screen's default and the one pause reasons are stored in."""
        return self.mirror.first_language

    @property
    def warnings(self) -> dict[str, p.AnyWarning]:
        return self.mirror.warnings

    @property
    def devices(self) -> dict[str, p.DeviceReport]:
        return self.mirror.devices

    def fault_devices(self) -> list[p.DeviceReport]:
        return [d for d in self.devices.values() if d.state == "fault"]

    def clerk_shown(self, lang: str) -> str:
        """The signed-in clerk as the server names them (the ``[[clerks]]`` display name, else
        the login id), in ``lang``; "—" when nobody is signed in."""
        for shown in (self.view, self.mirror.me):
            if shown is not None and shown.clerk == self.clerk and shown.clerk_name is not None:
                return shown.clerk_name.get(lang) or self.clerk
        return self.clerk or "—"

    def counter_info(self) -> p.CounterInfo | None:
        """My counter as configured: its name and the services it serves."""
        return self.mirror.counter_info(self.number)

    def service_info(self, service_id: str) -> p.ServiceInfo | None:
        return self.mirror.service_info(service_id)

    def counter_program(self) -> CounterProgramSection:
        """The hall's [counter_program] section (auto-call default, pause reasons), as the
        server sends it, with the config's defaults filled in."""
        return self.hall.counter_program

    # -- reading it: my counter ----------------------------------------------------------------
    @property
    def view(self) -> p.CounterView | None:
        """My counter as the hall sees it now (protocol 5.3)."""
        return self.mirror.counters.get(self.number)

    @property
    def current(self) -> p.TicketView | None:
        view = self.view
        return view.current if view is not None else None

    @property
    def current_state(self) -> str:
        """``called``, ``serving`` or "" when the counter has no ticket."""
        cur = self.current
        return cur.state if cur is not None else ""

    @property
    def paused(self) -> bool:
        view = self.view
        return view is not None and view.paused

    @property
    def held(self) -> list[str]:
        view = self.view
        return list(view.held) if view is not None else []

    @property
    def targeted(self) -> list[str]:
        view = self.view
        return list(view.targeted) if view is not None else []

    @property
    def served_today(self) -> int:
        view = self.view
        return view.served_today if view is not None else 0

    @property
    def my_services(self) -> list[str]:
        """The services my counter serves, in its order (every service for a comprehensive
        window: the server resolves that)."""
        info = self.counter_info()
        return list(info.services) if info is not None else []

    def my_queue(self) -> list[p.ServiceSummary]:
        """Service summaries of my services, in my counter's order."""
        services = self.mirror.services
        return [services[s] for s in self.my_services if s in services]

    def waiting_total(self) -> int:
        """Visitors this counter could call (its services' queues and tickets sent to it), as
        the server counts them: only it knows each ticket's service after a transfer."""
        return self.mirror.callable.get(self.number, 0)

    def next_numbers(self) -> list[str]:
        """Numbers I could call next, as the server lists them (targeted first)."""
        seen: list[str] = list(self.targeted)
        for summary in self.my_queue():
            seen += [n for n in summary.next if n not in seen]
        return seen

    def priority_numbers(self) -> set[str]:
        """The numbers of ``next`` lists that are priority tickets: the server lists those first."""
        marked: set[str] = set()
        for summary in self.my_queue():
            marked.update(summary.next[: summary.priority_waiting])
        return marked
