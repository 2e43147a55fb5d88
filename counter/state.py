"""What the counter program knows about its counter, rebuilt from the server's messages.

Pure Python, no Qt: the snapshot sets everything, events update it, and the widgets only
read it.  The server stays the truth — after a reconnect the next snapshot replaces all of
this, so nothing here needs to survive a restart of the program.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hallcall.hall_clock import HallClock

SERVED_KEPT = 10


@dataclass
class CounterState:
    """The counter's view, its queue, warnings, device faults and the last tickets served."""

    number: int
    hall: dict[str, Any] = field(default_factory=dict)
    view: dict[str, Any] = field(default_factory=dict)  # my counter view (protocol 5.3)
    services: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> service summary
    warnings: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> warning
    devices: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> last status
    served: list[dict[str, Any]] = field(default_factory=list)
    no_shows: list[str] = field(default_factory=list)  # my no-shows this session, newest last
    clerk: str = ""
    clock: HallClock = field(default_factory=HallClock)  # the hall's time, from the snapshots
    loaded: bool = False

    # -- feeding it ------------------------------------------------------------------------
    def apply_snapshot(self, snap: dict[str, Any], local_now: float | None = None) -> None:
        self.clock.sync(snap, local_now)
        self.hall = snap.get("hall") or {}
        self.view = next((c for c in snap.get("counters", []) if c.get("counter") == self.number), {})
        self.services = {s["service"]: s for s in snap.get("services", [])}
        self.warnings = {w["key"]: w for w in snap.get("warnings", [])}
        self.devices = {d["device"]: d for d in snap.get("devices", [])}
        me = snap.get("me") or {}
        self.served = list(me.get("served", []))[-SERVED_KEPT:]
        self.clerk = me.get("clerk") or self.view.get("clerk") or self.clerk
        self.loaded = True

    def apply_event(self, event: dict[str, Any]) -> bool:
        """Fold one event in; True when it changed something the screen shows."""
        topic, data = event.get("topic"), event.get("data") or {}
        if topic == "counters" and data.get("counter") == self.number:
            self.view = data
            return True
        if topic == "queue":
            self.services.update({s["service"]: s for s in data.get("services", [])})
            return True
        if topic == "warnings" and "key" in data:
            if event.get("name") == "cleared":
                self.warnings.pop(data["key"], None)
            else:
                self.warnings[data["key"]] = data
            return True
        if topic == "devices" and "device" in data:
            self.devices[data["device"]] = data
            return True
        return False

    def apply_result(self, kind: str, data: dict[str, Any]) -> None:
        """Remember what only our own answers tell: tickets finished and no-shows."""
        ticket = data.get("ticket") or {}
        number = ticket.get("number")
        if not number:
            return
        if kind == "finish":
            self.served = [*[t for t in self.served if t.get("number") != number][-(SERVED_KEPT - 1) :], ticket]
        elif kind == "no_show":
            self.no_shows = [n for n in self.no_shows if n != number] + [number]
        elif kind == "put_back":
            self.no_shows = [n for n in self.no_shows if n != number]

    # -- reading it ------------------------------------------------------------------------
    def server_now(self, local_now: float | None = None) -> float:
        return self.clock.now(local_now)

    @property
    def current(self) -> dict[str, Any] | None:
        return self.view.get("current")

    @property
    def current_state(self) -> str:
        """``called``, ``serving`` or "" when the counter has no ticket."""
        cur = self.current
        return str(cur.get("state", "")) if cur else ""

    @property
    def paused(self) -> bool:
        return bool(self.view.get("paused"))

    @property
    def held(self) -> list[str]:
        return list(self.view.get("held") or [])

    @property
    def targeted(self) -> list[str]:
        return list(self.view.get("targeted") or [])

    @property
    def first_language(self) -> str:
        """The hall's first language: the screen's default and the one pause reasons are stored in."""
        return str((self.hall.get("languages") or ["zh"])[0])

    def counter_config(self) -> dict[str, Any]:
        return next((c for c in self.hall.get("counters", []) if c.get("number") == self.number), {})

    def service_config(self, service_id: str) -> dict[str, Any]:
        return next((s for s in self.hall.get("services", []) if s.get("id") == service_id), {})

    @property
    def my_services(self) -> list[str]:
        return list(self.counter_config().get("services") or [])

    def my_queue(self) -> list[dict[str, Any]]:
        """Service summaries of my services, in my counter's order."""
        return [self.services[s] for s in self.my_services if s in self.services]

    def waiting_total(self) -> int:
        """Visitors this counter could call: its services' queues, plus tickets sent to it."""
        ordinary = sum(int(s.get("waiting", 0)) for s in self.my_queue())
        mine = set(self.my_services)
        # Tickets transferred to me for a service I do not serve are not in those counts.
        return ordinary + sum(1 for n in self.targeted if not self._counted_in(n, mine))

    def _counted_in(self, number: str, services: set[str]) -> bool:
        prefix = number.rstrip("0123456789")
        return any(self.service_config(s).get("prefix") == prefix for s in services)

    def next_numbers(self) -> list[str]:
        """Numbers I could call next, as the server lists them (targeted first)."""
        seen: list[str] = list(self.targeted)
        for summary in self.my_queue():
            seen += [n for n in summary.get("next", []) if n not in seen]
        return seen

    def priority_numbers(self) -> set[str]:
        """The numbers of ``next`` lists that are priority tickets: the server lists those first."""
        marked: set[str] = set()
        for summary in self.my_queue():
            marked.update(summary.get("next", [])[: int(summary.get("priority_waiting", 0))])
        return marked

    def fault_devices(self) -> list[dict[str, Any]]:
        return [d for d in self.devices.values() if d.get("state") == "fault"]

    def counter_program(self) -> dict[str, Any]:
        """The hall's [counter_program] section (auto-call default, pause reasons).

        The server always sends it with the config's defaults filled in; the fallback only keeps
        a program talking to an older server usable (no preset reasons: the clerk types one)."""
        section = dict(self.hall.get("counter_program") or {})
        section.setdefault("auto_call", False)
        section.setdefault("pause_reasons", [])
        return section
