"""How the queue looks on the wire: the dictionaries events, answers and snapshots carry.

Kept apart from the hub so every message that shows a ticket, a call or a counter is built in
one place and reads the same everywhere (docs/protocol.md describes these shapes).
"""

from __future__ import annotations

from typing import Any

import msgspec

from hallcall.config import HallConfig

from .domain.hall import HallState
from .domain.model import Journal, Ticket


class Views:
    def __init__(self, config: HallConfig, *, enforce_hours: bool = True) -> None:
        self.config = config
        self.enforce_hours = enforce_hours
        self._hall: dict[str, Any] | None = None
        self._zones = {s.id: s.zone for s in config.services}
        self._counter_names = {
            c.number: {"zh": c.name.zh, "en": c.name.en}
            if c.name
            else {"zh": f"{c.number}号窗口", "en": f"Counter {c.number}"}
            for c in config.counters
        }

    def service_zone(self, service: str) -> str:
        return self._zones.get(service, "")

    def hall(self) -> dict[str, Any]:
        """The hall as configured: names, services and counters, for drawing a screen.  Built
        once: the config does not change while the server runs, and every snapshot carries it."""
        if self._hall is None:
            self._hall = self._build_hall()
        return self._hall

    def _build_hall(self) -> dict[str, Any]:
        c = self.config
        return {
            "name": {"zh": c.hall.name.zh, "en": c.hall.name.en},
            "languages": list(c.hall.languages),
            "timezone": c.hall.timezone,
            "opening_hours": list(c.hall.opening_hours),
            "open_days": list(c.hall.open_days),
            "hours_enforced": self.enforce_hours,
            "public_url": c.hall.public_url,
            "kiosk": msgspec.to_builtins(c.kiosk) | {"staff_pin": ""},
            "display": msgspec.to_builtins(c.display),
            "announce": msgspec.to_builtins(c.announce),
            "counter_program": msgspec.to_builtins(c.counter_program),
            "services": [
                {
                    "id": s.id,
                    "prefix": s.prefix,
                    "name": {"zh": s.name.zh, "en": s.name.en},
                    "target_wait_s": s.target_wait_minutes * 60,
                    "daily_cap": s.daily_cap,
                    "issuing_hours": list(s.issuing_hours or c.hall.opening_hours),
                    "materials": {"zh": list(s.materials.zh), "en": list(s.materials.en)},
                    "priority_allowed": s.priority_allowed,
                    "zone": s.zone,
                }
                for s in c.services
            ],
            "counters": [
                {
                    "number": k.number,
                    "name": self._counter_names[k.number],
                    "services": c.counter_services(k),
                    "comprehensive": not k.services,
                    "policy": k.policy,
                    "zone": k.zone,
                    "clerks": list(k.clerks),
                    "backups": list(k.backups),
                }
                for k in c.counters
            ],
        }

    def device(self, role: str, name: str) -> dict[str, Any]:
        """A kiosk's or display's own settings: its config entry over the [kiosk] defaults."""
        devices = self.config.devices.kiosks if role == "kiosk" else self.config.devices.displays
        d = next(x for x in devices if x.name == name)
        if role != "kiosk":
            return {"name": d.name, "zone": d.zone}
        k = self.config.kiosk
        return {
            "name": d.name,
            "zone": d.zone,
            "printer": k.printer if d.printer is None else d.printer,
            "paper_mm": d.paper_mm or k.paper_mm,
            "encoding": d.encoding or k.encoding,
            "qr": d.qr or k.qr,
            "staff_pin": k.staff_pin,
        }

    def ticket(self, state: HallState, t: Ticket) -> dict[str, Any]:
        data = t.public()
        if t.state == "waiting":
            ahead = state.ahead_of(t)
            seconds, opened = state.estimate(t.service, ahead)
            data.update(ahead=ahead, estimated_wait_s=round(seconds), counters_open=opened)
        return data

    def issued(self, state: HallState, t: Ticket) -> dict[str, Any]:
        data = self.ticket(state, t)
        return {"ticket": data, "ahead": data["ahead"], "estimated_wait_s": data["estimated_wait_s"], "day": t.day}

    def call(self, t: Ticket, action: str) -> dict[str, Any]:
        counter = t.counter or 0
        conf = self.config.counter(counter)
        return {
            "number": t.number,
            "service": t.service,
            "counter": counter,
            "counter_name": self._counter_names.get(counter),
            "zone": conf.zone if conf else "",
            "recall": t.recalls if action == "recall" else 0,
            "priority": t.priority > 0,
            "at": t.called_at,
        }

    def counter(self, state: HallState, number: int) -> dict[str, Any]:
        view = state.counter_view(number)
        conf = self.config.counter(number)
        view["zone"] = conf.zone if conf else ""
        view["name"] = self._counter_names[number]
        return view

    def journal(self, j: Journal) -> dict[str, Any]:
        return {
            "at": j.at,
            "action": j.action,
            "number": j.ticket.number if j.ticket else None,
            "service": j.ticket.service if j.ticket else None,
            "counter": j.counter,
            "clerk": j.clerk,
            "reason": j.reason,
            "detail": j.detail,
        }
