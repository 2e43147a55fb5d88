"""The snapshot: everything a freshly (re)connected client needs to draw its screen from nothing
(docs/protocol.md 4.3), cut to what its role and zone see.  A pure function of the hall as the
hub knows it; the shapes come from the view layer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hallcall import protocol as p
from hallcall.config import Names

from .domain.hall import HallState
from .fanout import Listener, warned
from .views import Views


@dataclass(slots=True)
class Hall:
    """What the hub knows besides the queue: what a snapshot shows of it."""

    state: HallState
    views: Views
    seq: int
    server_time: float
    clock_speed: float
    calls: Iterable[p.CallView]  # the recent calls, oldest first
    notice: Names
    warnings: Iterable[p.AnyWarning]
    devices: Iterable[p.DeviceReport]


def snapshot(hall: Hall, client: Listener, name: str) -> p.HallSnapshot:
    """The snapshot for ``client`` (``name``: its device or clerk name)."""
    state, views = hall.state, hall.views
    zone = client.zone if client.role == "display" else ""
    visitor = client.role == "visitor"  # its own ticket only (``visitor``, added by the hub), no staff names
    services = [] if visitor else views.services(state)
    every = [c.number for c in views.config.counters]
    counters = views.counters(state, every) if client.role not in ("kiosk", "visitor") else []
    calls = [] if visitor else list(hall.calls)
    if zone:
        listed = views.zone_services(state, zone)
        services = [x for x in services if x.service in listed]
        counters = [x for x in counters if x.zone in ("", zone)]
        calls = [x for x in calls if x.zone in ("", zone)]
    body = p.HallSnapshot(
        seq=hall.seq,
        server_time=hall.server_time,
        clock_speed=hall.clock_speed,
        day=state.day,
        hall=views.public_hall() if visitor else views.hall(),
        services=services,
        callable={} if visitor else state.callable_counts(),
        counters=counters,
        calls=calls,
        notice=hall.notice,
    )
    if client.role in ("kiosk", "display"):
        body.device = views.device(client.role, name, client.zone)
    if client.role in ("counter", "supervisor"):
        body.warnings = [w for w in hall.warnings if warned(client, w)]
        body.devices = list(hall.devices)
    if client.role == "counter" and client.counter is not None:
        body.me = views.me(state, client.counter, name)
    return body


__all__ = ["Hall", "snapshot"]
