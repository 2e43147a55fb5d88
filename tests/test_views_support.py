"""Snapshots as the server makes them, without a running server, for the display's and the
kiosk's tests that draw a screen from a hall of their own: the hall part is built by the
server's own view layer, so it carries exactly what the server would send (counter names
with their default, issuing hours resolved, every config default filled in)."""

from __future__ import annotations

from typing import Any

import msgspec
from conftest import MONDAY_10AM

from hallcall import protocol as p
from hallcall.config import HallConfig
from hallcall.mirror import HallMirror
from hallcall.server.views import Views


def hall_view(config: HallConfig, *, enforce_hours: bool = True) -> dict[str, Any]:
    """The snapshot's ``hall``, as decoded JSON."""
    return dict(msgspec.to_builtins(Views(config, enforce_hours=enforce_hours).hall()))


def typed_hall(config: HallConfig, *, enforce_hours: bool = True) -> p.HallView:
    return msgspec.convert(hall_view(config, enforce_hours=enforce_hours), p.HallView)


def call(
    config: HallConfig, number: str, counter: int, *, recall: int = 0, at: float = 1.0, priority: str = "normal"
) -> dict[str, Any]:
    """A call as the server shows it (its counter's name as the server has it; ``priority``: the
    ticket's class, "normal", "appointment" or "green")."""
    info = next(c for c in hall_view(config)["counters"] if c["number"] == counter)
    service = next(s for s in config.services if number.startswith(s.prefix))
    return {
        "number": number,
        "service": service.id,
        "counter": counter,
        "counter_name": info["name"],
        "zone": info["zone"],
        "recall": recall,
        "priority": priority,
        "at": at,
    }


def snapshot(
    config: HallConfig,
    *,
    calls: list[dict[str, Any]] | None = None,
    device: dict[str, Any] | None = None,
    seq: int = 1,
    server_time: float = MONDAY_10AM,
) -> dict[str, Any]:
    """A display's snapshot of ``config``'s hall, as decoded JSON (no queue, no counters)."""
    return {
        "type": "snapshot",
        "seq": seq,
        "server_time": server_time,
        "clock_speed": 1.0,
        "day": "2026-11-23",
        "hall": hall_view(config),
        "services": [],
        "callable": {},
        "counters": [],
        "calls": calls or [],
        "notice": {"zh": "", "en": ""},
        "device": device or {"name": "display-1", "zone": ""},
    }


def mirror_of(message: dict[str, Any]) -> HallMirror:
    mirror = HallMirror()
    mirror.apply(message)
    return mirror
