"""The hall as the server last described it, for every client: sans-I/O, no Qt, no sockets.

A program feeds it what arrives (the snapshot after every hello, then events) and reads typed
state back: the hall as configured, each service's queue, each counter, the recent calls, the
notice, warnings and device reports.  Every fact comes from the server — a ticket's service, a
counter's callable count, opening hours, estimates, counter names, the announce settings — so
two programs can never disagree about it, and a rule lives only in the server.

The kiosk, counter, display and simulator all follow one ``HallMirror``; a browser client
follows the same steps, written down in docs/protocol.md, section 13, "Following the hall".
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from hallcall import protocol as p
from hallcall.config import Names
from hallcall.hall_clock import HallClock

RECENT_CALLS = 20  # as many as a snapshot carries


@dataclass(frozen=True, slots=True)
class Update:
    """What one message changed: its topic (``snapshot`` for a whole snapshot), its event name,
    and its typed data (None for a snapshot: read the mirror)."""

    topic: str
    name: str
    data: Any


def _convert(data: Any, shape: Any) -> Any:
    """Decoded JSON → a typed shape.  Not strict, only so that JSON's string keys of
    ``dict[int, ...]`` fields (counter numbers) become ints again."""
    return msgspec.convert(data, shape, strict=False)


def answer(kind: str, data: Mapping[str, Any]) -> Any:
    """A result's ``data`` for a request of type ``kind``, as its typed answer shape."""
    return _convert(data, p.ANSWERS[kind])


class HallMirror:
    """Snapshot + events → the current state of the hall, as typed protocol shapes."""

    def __init__(self) -> None:
        self.loaded = False
        self.seq = 0
        self.day = ""
        self.clock = HallClock()
        self.hall: p.HallView | None = None
        self.services: dict[str, p.ServiceSummary] = {}  # in config order
        self.counters: dict[int, p.CounterView] = {}  # in config order
        self.callable: dict[int, int] = {}  # counter -> tickets it could call next
        self.calls: deque[p.CallView] = deque(maxlen=RECENT_CALLS)  # oldest first
        self.notice = Names(zh="", en="")
        self.device: p.DeviceSettings | None = None
        self.warnings: dict[str, p.AnyWarning] = {}  # key -> warning
        self.devices: dict[str, p.DeviceReport] = {}  # name -> last report
        self.me: p.Me | None = None
        self._service_info: dict[str, p.ServiceInfo] = {}
        self._counter_info: dict[int, p.CounterInfo] = {}

    # -- feeding it ------------------------------------------------------------------------
    def apply(self, message: Mapping[str, Any], local_now: float | None = None) -> Update | None:
        """Fold one server message in (a snapshot or an event, as decoded JSON); other messages
        (welcome, results, errors) and events already covered by the snapshot return None."""
        kind = message.get("type")
        if kind == "snapshot":
            self.apply_snapshot(_convert(message, p.HallSnapshot), local_now)
            return Update("snapshot", "snapshot", None)
        if kind == "event":
            return self.apply_event(message)
        return None

    def apply_snapshot(self, snap: p.HallSnapshot, local_now: float | None = None) -> None:
        self.clock.sync({"server_time": snap.server_time, "clock_speed": snap.clock_speed}, local_now)
        self.seq = snap.seq
        self.day = snap.day
        self.hall = snap.hall
        self._service_info = {s.id: s for s in snap.hall.services}
        self._counter_info = {c.number: c for c in snap.hall.counters}
        self.services = {s.service: s for s in snap.services}
        self.counters = {c.counter: c for c in snap.counters}
        self.callable = dict(snap.callable)
        self.calls = deque(snap.calls, maxlen=RECENT_CALLS)
        self.notice = snap.notice
        self.device = snap.device or None
        self.warnings = {w.key: w for w in snap.warnings or []}
        self.devices = {d.device: d for d in snap.devices or []}
        self.me = snap.me or None
        self.loaded = True

    def apply_event(self, event: Mapping[str, Any]) -> Update | None:
        """Fold one event in.  An event at or below the snapshot's ``seq`` is already in it; a
        topic this version does not know is passed over (a newer server may add one)."""
        seq = int(event.get("seq", 0))
        topic, name = str(event.get("topic", "")), str(event.get("name", ""))
        shape = p.EVENTS.get(topic)
        if not self.loaded or seq <= self.seq or shape is None:
            return None
        self.seq = max(self.seq, seq)
        data = _convert(event.get("data", {}), shape)
        if isinstance(data, p.CallView):
            self.calls.append(data)
        elif isinstance(data, p.CounterView):
            self.counters[data.counter] = data
        elif isinstance(data, p.QueueUpdate):
            # It lists every service this client sees (protocol 7.4): a zoned display's list can
            # shrink (a transferred ticket called), and a service it no longer lists is gone.
            self.services = {s.service: s for s in data.services}
            self.callable.update(data.callable)
        elif isinstance(data, p.Warning):
            if name == "cleared":
                self.warnings.pop(data.key, None)
            else:  # "raised" or "acknowledged": replace by key
                self.warnings[data.key] = data
        elif isinstance(data, p.DeviceReport):
            self.devices[data.device] = data
        elif topic == "notice":
            self.notice = data
        return Update(topic, name, data)

    # -- reading it ------------------------------------------------------------------------
    def service_info(self, service: str) -> p.ServiceInfo | None:
        """A service as configured (name, prefix, materials, issuing hours)."""
        return self._service_info.get(service)

    def counter_info(self, number: int) -> p.CounterInfo | None:
        """A counter as configured (name, the services it serves, its zone)."""
        return self._counter_info.get(number)

    @property
    def first_language(self) -> str:
        """The hall's first language: a screen's default and the language reasons are stored in."""
        return self.hall.languages[0] if self.hall and self.hall.languages else "zh"

    def now(self, local_now: float | None = None) -> float:
        """The hall's time, run on from the last snapshot at the server's clock speed."""
        return self.clock.now(local_now)
