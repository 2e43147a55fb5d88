"""The hall's time as the server keeps it, followed by a program between snapshots.

Every snapshot carries the server's ``server_time`` and ``clock_speed``.  A program's clock
(the kiosk's header, the display's clock, the counter's "waited" and "serving" times) runs
from the last snapshot at that speed, so it shows the hall's time even when the PC's own clock
is wrong, and keeps step with a server on a simulated clock (the demo runs one at 300 times
real time; a hall's server always runs at 1).
"""

from __future__ import annotations

import time
from typing import Any


class HallClock:
    def __init__(self) -> None:
        self._server = self._local = time.time()
        self.speed = 1.0

    def sync(self, snapshot: dict[str, Any], local_now: float | None = None) -> None:
        """Take a snapshot's time and speed; ``local_now`` stands in for this PC's clock (tests)."""
        self._local = time.time() if local_now is None else local_now
        self._server = float(snapshot.get("server_time", self._local))
        self.speed = float(snapshot.get("clock_speed", 1.0)) or 1.0

    def now(self, local_now: float | None = None) -> float:
        local = time.time() if local_now is None else local_now
        return self._server + (local - self._local) * self.speed
