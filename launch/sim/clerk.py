"""A simulated clerk at one counter: calls the next visitor, waits for them to walk up (or not),
serves them for as long as their service takes, and finishes or transfers.

The clerk acts through a ``Desk``: anything that sends a counter request and returns the
server's answer.  The simulator's own desk is a websocket connection signed in as the clerk;
the demo hands one clerk a desk that presses the real counter program instead, so its screen
shows a clerk at work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from hallcall import protocol as p
from hallcall.mirror import answer as typed_answer

from .clock import SimClock
from .plan import Visitor

log = logging.getLogger("hallcall.launch.sim")

RECALL_AFTER_SECONDS = 45.0  # a called visitor who has not come is called again after this
NO_SHOW_AFTER_SECONDS = 60.0  # and marked absent this long after the recall
IDLE_CHECK_SECONDS = 120.0  # an idle clerk looks at the queue at least this often


class Desk(Protocol):
    async def act(self, kind: str, **fields: Any) -> dict[str, Any]:
        """Send one counter request; return the answer (a result or an error), unraised."""


@dataclass
class Tally:
    """What the clerks did, counted as the simulator saw it."""

    calls: int = 0
    recalls: int = 0
    starts: int = 0
    finishes: int = 0
    no_shows: int = 0
    transfers: int = 0
    breaks: int = 0
    refusals: int = 0  # answers with an error the clerk did not expect

    def merge(self, other: Tally) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


class Clerk:
    def __init__(
        self,
        counter: int,
        desk: Desk,
        clock: SimClock,
        *,
        visitor: Callable[[str, str, int], Visitor],
        has_work: Callable[[], bool],
        work_arrived: asyncio.Event,
        rest: tuple[float, float] | None,
        break_reason: str,
    ) -> None:
        self.counter = counter
        self.desk = desk
        self.clock = clock
        self.visitor = visitor
        self.has_work = has_work
        self.work_arrived = work_arrived
        self.rest = rest  # (when, how long) the clerk takes a break; None = no break
        self.break_reason = break_reason
        self.tally = Tally()
        self.closing = False  # set by the simulator: finish the current visitor, then stop

    async def run(self) -> None:
        """Serve until told to close; a refused request is counted and the clerk carries on."""
        while not self.closing:
            if self.rest is not None and self.clock.now() >= self.rest[0]:
                await self._take_break()
                continue
            answer = await self._send("call_next", expected=frozenset({"queue_empty", "counter_busy"}))
            code = answer.get("code")
            if code == "queue_empty":
                await self._idle()
            elif code == "counter_busy":
                await self._send("finish")  # a ticket left over from before a restart
            elif answer.get("type") == "result":
                self.tally.calls += 1
                await self._serve(typed_answer("call_next", answer["data"]).ticket)
            else:
                await self.clock.sleep(30)

    async def _idle(self) -> None:
        """Wait for a ticket this counter may call, or IDLE_CHECK_SECONDS of hall time.

        When the last waiting count says there is work but the server said there is none (the
        count is a moment old, or the ticket is in a put-back cool-down), the clerk waits for
        the next count instead of asking again at once."""
        self.work_arrived.clear()
        stale = self.has_work()
        deadline = self.clock.now() + IDLE_CHECK_SECONDS
        while not self.closing and (stale or not self.has_work()) and self.clock.now() < deadline:
            real = min(1.0, (deadline - self.clock.now()) / self.clock.speed)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.work_arrived.wait(), max(0.01, real))
            if self.work_arrived.is_set():
                stale = False
            self.work_arrived.clear()

    async def _serve(self, ticket: p.TicketView) -> None:
        v = self.visitor(ticket.number, ticket.service, ticket.transfers)
        if not v.shows_up:
            await self.clock.sleep(RECALL_AFTER_SECONDS)
            if (await self._send("recall"))["type"] == "result":
                self.tally.recalls += 1
            await self.clock.sleep(NO_SHOW_AFTER_SECONDS)
            if (await self._send("no_show"))["type"] == "result":
                self.tally.no_shows += 1
            return
        await self.clock.sleep(v.walk_up_seconds)
        if (await self._send("start"))["type"] == "result":
            self.tally.starts += 1
        await self.clock.sleep(v.handle_seconds)
        if v.transfer_to is not None:
            answer = await self._send("transfer", service=v.transfer_to, reason="needs another service")
            if answer["type"] == "result":
                self.tally.transfers += 1
                return
        if (await self._send("finish"))["type"] == "result":
            self.tally.finishes += 1

    async def _take_break(self) -> None:
        assert self.rest is not None
        seconds, self.rest = self.rest[1], None
        if (await self._send("pause", reason=self.break_reason))["type"] != "result":
            return
        self.tally.breaks += 1
        end = self.clock.now() + seconds
        while not self.closing and self.clock.now() < end:
            await self.clock.sleep(min(30.0, end - self.clock.now()))
        await self._send("resume")

    async def _send(self, kind: str, *, expected: frozenset[str] = frozenset(), **fields: Any) -> dict[str, Any]:
        answer = await self.desk.act(kind, **fields)
        if answer.get("type") == "error" and answer.get("code") not in expected:
            self.tally.refusals += 1
            log.warning("counter %d: %s refused: %s %s", self.counter, kind, answer.get("code"), answer.get("message"))
        return answer
