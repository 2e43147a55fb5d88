"""Tickets no visitor has seen: issued at a kiosk that promised to confirm them, never confirmed.

A kiosk asks for a ticket with ``confirm: true`` (protocol 6.4) and names it in a
``device_status`` once the visitor has the number, printed or on its screen (6.5).  A ticket it
never names was seen by nobody: the kiosk gave up waiting for the answer (its request timed out
while the server did issue), or it crashed before showing it.  Left waiting, such a ticket would
be called at a counter for nobody, and everyone behind it would wait for a no-show.  After
``[kiosk] unshown_cancel_minutes`` the server cancels it, with reason ``never_shown`` in the
journal, and counts it (``hallcall_tickets_never_shown_total`` in /metrics).

The set lives in memory and is rebuilt from the journal at start: a waiting kiosk ticket whose
``issue`` entry says ``confirm`` and that has no ``device_ok``/``device_fault`` entry naming it.
So a server restarted in between still cancels it on time (counted from its issue time).
The wait is real minutes: on a simulated clock faster than real time the hub scales it by the
clock's speed, since a kiosk and its printer take real seconds to show a ticket.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .domain.hall import HallState
from .domain.model import WAITING, Change, Journal, QueueError, Ticket

REASON = "never_shown"


class Unshown:
    """Today's tickets waiting for their kiosk's confirmation: (day, number) → issued at."""

    def __init__(self) -> None:
        self.waiting: dict[tuple[str, str], float] = {}

    def rebuild(self, tickets: Iterable[Ticket], journey: Callable[[int], list[Journal]]) -> None:
        """After a start: every waiting kiosk ticket issued with ``confirm`` that no device named."""
        self.waiting.clear()
        for t in tickets:
            if t.state != WAITING or t.channel != "kiosk":
                continue
            steps = journey(t.id)
            promised = any(j.action == "issue" and j.detail.get("confirm") for j in steps)
            if promised and not any(j.action.startswith("device_") for j in steps):
                self.waiting[(t.day, t.number)] = t.issued_at

    def expect(self, ticket: Ticket) -> None:
        self.waiting[(ticket.day, ticket.number)] = ticket.issued_at

    def confirmed(self, ticket: Ticket) -> None:
        self.waiting.pop((ticket.day, ticket.number), None)

    def sweep(self, state: HallState, now: float, minutes: float) -> tuple[list[Change], list[Ticket]]:
        """Cancel the tickets unconfirmed for ``minutes`` (0: never): their changes, and the
        tickets cancelled.  A ticket of an earlier day, or one no longer waiting (called out of
        turn, cancelled by a clerk), is only forgotten."""
        changes: list[Change] = []
        cancelled: list[Ticket] = []
        if minutes <= 0:
            return changes, cancelled
        for key, issued_at in list(self.waiting.items()):
            day, number = key
            if day != state.day:
                del self.waiting[key]
                continue
            if now - issued_at < minutes * 60:
                continue
            del self.waiting[key]
            try:
                ticket, more = state.cancel(number, now, reason=REASON)
            except QueueError:  # no longer waiting: someone has dealt with it
                continue
            changes += more
            cancelled.append(ticket)
        return changes, cancelled
