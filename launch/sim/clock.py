"""The simulator's clock: the hall's time, as the programs follow it, plus waiting in it.

The server runs its clock from a chosen instant at ``speed`` times real time (``hallcall server
--clock-start --clock-speed``).  The simulator takes the server's time and speed from its first
snapshot and runs from there, so "wait eight minutes" becomes an ``asyncio.sleep`` of eight
minutes divided by the speed, and both sides agree on what time it is in the hall.
"""

from __future__ import annotations

import asyncio
from typing import Any

from hallcall.hall_clock import HallClock


class SimClock(HallClock):
    def __init__(self) -> None:
        super().__init__()
        self.synced = False  # until the server's time is known, "now" is the wall clock

    def sync(self, snapshot: dict[str, Any], local_now: float | None = None) -> None:
        super().sync(snapshot, local_now)
        self.synced = True

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of hall time."""
        if seconds > 0:
            await asyncio.sleep(seconds / self.speed)

    async def sleep_until(self, moment: float) -> None:
        await self.sleep(moment - self.now())
