"""The server's sense of time: the wall clock, or a simulated one for demos and the simulator.

A simulated clock starts at a chosen instant (a Monday 08:30, say) and runs ``speed`` times
faster than real time, so a hall's morning can be played in minutes with true waits, opening
hours and warnings.
"""

from __future__ import annotations

import datetime as dt
import time


class Clock:
    def __init__(self, start: float | None = None, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError("the clock speed must be above 0")
        self._origin_real = time.time()
        self._origin = start if start is not None else self._origin_real
        self.speed = speed

    def now(self) -> float:
        return self._origin + (time.time() - self._origin_real) * self.speed


def parse_start(text: str, tz: dt.tzinfo) -> float:
    """'2026-11-23T08:30' in the hall's time zone → epoch seconds; ValueError names the text."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"--clock-start {text!r} is not an ISO date and time such as 2026-11-23T08:30") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.timestamp()
