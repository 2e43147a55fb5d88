"""The counter's warnings panel: a few lines a clerk takes in at a glance.

On a busy morning the server may hold forty ``wait`` warnings for this counter's services.
One line each would flood the panel, so they are summed up per service and level — how many
tickets are over (or near) the limit and the longest wait among them — the most urgent first:
over the limit before near it, then the longest wait.  Which tickets are warned about is the
server's decision (a ticket leaves the list the moment it is called); this only words them.
"""

from __future__ import annotations

from dataclasses import dataclass

from hallcall import protocol as p
from hallcall.i18n import name_in

from .state import CounterState
from .text import T, minutes

OVER = "#b3261e"  # red: past the service's target wait
NEAR = "#b35c00"  # amber: close to it, a pause running long, an empty counter


@dataclass
class WaitGroup:
    """The wait warnings of one service at one level."""

    service: str
    level: int
    count: int
    oldest_s: float  # the longest wait among them, now
    limit_s: int  # the service's target wait


def wait_groups(warnings: list[p.WaitWarning], now: float) -> list[WaitGroup]:
    """Wait warnings summed up per (service, level), most urgent first.  A warning's figures are
    those of the moment it was raised, so its wait has grown by the time since."""
    groups: dict[tuple[str, int], WaitGroup] = {}
    for w in warnings:
        waited = w.waited_s + max(0.0, now - w.raised_at)
        group = groups.setdefault((w.service, w.level), WaitGroup(w.service, w.level, 0, 0.0, w.target_s))
        group.count += 1
        group.oldest_s = max(group.oldest_s, waited)
        group.limit_s = max(group.limit_s, w.target_s)
    return sorted(groups.values(), key=lambda g: (-g.level, -g.oldest_s, g.service))


def service_name(state: CounterState, service_id: str, lang: str) -> str:
    info = state.service_info(service_id)
    return name_in(info.name if info is not None else None, lang, service_id)


def pause_reason_text(state: CounterState, reason: str, lang: str) -> str:
    """A configured reason is shown in the screen's language, whichever language was stored."""
    for option in state.counter_program().pause_reasons:
        if reason in (option.zh, option.en):
            return name_in(option, lang, reason)
    return reason


def warning_lines(state: CounterState, lang: str, now: float) -> list[tuple[str, str]]:
    """(colour, text) per line: the waits per service, then the other warnings (the screen adds
    the devices' faults)."""
    every = list(state.warnings.values())
    lines: list[tuple[str, str]] = []
    for g in wait_groups([w for w in every if isinstance(w, p.WaitWarning)], now):
        text = T(
            "warn_over" if g.level == 2 else "warn_near",
            lang,
            service=service_name(state, g.service, lang),
            n=g.count,
            oldest=minutes(g.oldest_s, lang),
            limit=minutes(g.limit_s, lang),
        )
        lines.append((OVER if g.level == 2 else NEAR, text))
    for w in sorted(every, key=lambda w: (-w.level, w.raised_at)):
        grown = max(0.0, now - w.raised_at)
        if isinstance(w, p.PauseWarning):
            reason = pause_reason_text(state, w.reason or "", lang)
            lines.append((NEAR, T("warn_pause", lang, paused=minutes(w.paused_s + grown, lang), reason=reason)))
        elif isinstance(w, p.UnstaffedWarning):
            lines.append((NEAR, T("warn_unstaffed", lang, counter=w.counter)))
        elif isinstance(w, p.DeviceAbsentWarning):
            away = minutes(max(0.0, now - w.since), lang)
            lines.append((NEAR, T("warn_device_absent", lang, device=w.device, away=away)))
        elif isinstance(w, p.DissatisfiedWarning):
            key = "warn_dissatisfied_1" if w.evaluation <= 1 else "warn_dissatisfied_2"
            lines.append((OVER if w.level == 2 else NEAR, T(key, lang, number=w.number)))
    return lines
