"""Prometheus metrics at ``/metrics``: what a hall's monitoring wants to graph and alert on.

Counts of issued, finished and waiting tickets are read from the queue state at scrape time,
so they are right after a restart (they are today's figures, from the database) rather than
counters that restart at zero.  Request latency is a histogram per request type.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric

if TYPE_CHECKING:
    from .hub import Hub


class _HallCollector:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def collect(self) -> Iterator[Metric]:
        state = self.hub.state
        issued = GaugeMetricFamily("hallcall_tickets_issued", "Tickets issued today", labels=["service"])
        finished = GaugeMetricFamily("hallcall_tickets_served", "Tickets finished today", labels=["service"])
        waiting = GaugeMetricFamily("hallcall_tickets_waiting", "Tickets waiting now", labels=["service"])
        for s in self.hub.config.services:
            issued.add_metric([s.id], state.issued[s.id])
            finished.add_metric([s.id], state.finished[s.id])
            waiting.add_metric([s.id], state.waiting_count(s.id))
        clients = GaugeMetricFamily("hallcall_connected_clients", "Authenticated connections", labels=["role"])
        roles = dict.fromkeys(self.hub.by_role, 0)  # every role, pads and visitors too
        for c in self.hub.clients:
            roles[c.role] += 1
        for role, n in roles.items():
            clients.add_metric([role], n)
        signed_in = GaugeMetricFamily("hallcall_counters_signed_in", "Counters with a clerk signed in")
        signed_in.add_metric([], sum(1 for c in state.counters.values() if c.session is not None))
        warnings = GaugeMetricFamily("hallcall_warnings", "Active supervision warnings", labels=["kind"])
        kinds: dict[str, int] = {"wait": 0, "pause_long": 0, "unstaffed": 0, "device_absent": 0}
        for w in self.hub.warnings.values():
            kind = type(w).__struct_config__.tag
            kinds[kind] = kinds.get(kind, 0) + 1
        for kind, n in kinds.items():
            warnings.add_metric([kind], n)
        yield from (issued, finished, waiting, clients, signed_in, warnings, *self._devices())

    def _devices(self) -> Iterator[Metric]:
        """Device health: each device's reported fault or note (paper low, out of paper, no speech,
        no sound) by its code, and how long each configured kiosk, display and pad has been away."""
        faults = GaugeMetricFamily(
            "hallcall_device_faults",
            "Devices whose last report is a fault (or an ok with a note, e.g. paper low), by fault code",
            labels=["device", "role", "state", "code"],
        )
        for d in self.hub.devices.values():
            if d.state == "fault" or d.code:
                faults.add_metric([d.device, d.role, d.state, d.code], 1)
        absent = GaugeMetricFamily(
            "hallcall_device_absent_seconds",
            "Seconds a configured kiosk, display or pad has had no connection (since it went away, or "
            "since the server started if it has not connected since); 0 while connected",
            labels=["device", "role"],
        )
        now = self.hub.clock.now()
        for d in self.hub.presence.values():
            gone = 0.0 if d.connected else now - (d.since if d.since is not None else self.hub.started_at)
            absent.add_metric([d.device, d.role], max(0.0, gone))
        yield from (faults, absent)


class Metrics:
    def __init__(self, hub: Hub) -> None:
        self.registry = CollectorRegistry()
        self.registry.register(_HallCollector(hub))  # type: ignore[arg-type]
        self.latency = Histogram(
            "hallcall_request_seconds",
            "Time from receiving a request to sending its answer",
            ["type"],
            registry=self.registry,
            buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
        )

        self.never_shown = Counter(
            "hallcall_tickets_never_shown",
            "Kiosk tickets cancelled because no visitor was shown them ([kiosk] unshown_cancel_minutes)",
            ["service"],
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
