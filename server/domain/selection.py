"""Which waiting ticket a counter gets when its clerk presses "next".

Order of precedence (design.md, domain.md):
1. Tickets transferred to this counter in particular: the visitor was sent here by name.
2. Priority classes, highest first (green channel, then appointments) — unless the counter has
   just called ``priority_streak_limit`` priority tickets in a row while ordinary visitors
   wait, in which case the oldest ordinary ticket goes first (the starvation guard).
   Appointments have a guard of their own: after ``appointment_limit`` appointment tickets in
   a row (``[appointments].max_run``) a waiting walk-in goes first.  Among appointments the
   earlier slot goes first (their queue key is the slot's start).
3. The counter's policy over its services: ``oldest`` takes the ticket that has waited longest
   across all of them (queue order), ``in_order`` takes the first service in the counter's list
   that has anyone waiting.
A ticket still inside its put-back cool-down is skipped, not lost.
"""

from __future__ import annotations

from .model import APPOINTMENT, NORMAL, Ticket

Queues = dict[str, dict[int, list[Ticket]]]  # service → priority class → tickets in queue order


def first_eligible(tickets: list[Ticket], now: float) -> Ticket | None:
    """The first ticket in queue order whose cool-down is over (nearly always the first)."""
    for t in tickets:
        if t.eligible_at <= now:
            return t
    return None


def _oldest(tickets: list[Ticket | None]) -> Ticket | None:
    found = [t for t in tickets if t is not None]
    return min(found, key=lambda t: t.queue_key) if found else None


def choose(
    *,
    services: list[str],
    policy: str,
    waiting: Queues,
    targeted: list[Ticket],
    streak: int,
    streak_limit: int,
    now: float,
    appointment_streak: int = 0,
    appointment_limit: int = 0,
) -> Ticket | None:
    """Pick the next ticket for a counter serving ``services`` (in the counter's order)."""
    mine = [t for t in targeted if t.eligible_at <= now]
    if mine:
        return min(mine, key=lambda t: (-t.priority, t.queue_key))

    heads: dict[int, list[Ticket | None]] = {}
    for s in services:
        for priority, tickets in waiting.get(s, {}).items():
            heads.setdefault(priority, []).append(first_eligible(tickets, now))
    normal = heads.get(NORMAL, [])
    normal_waiting = any(t is not None for t in normal)
    guard_trips = streak_limit > 0 and streak >= streak_limit and normal_waiting
    appointments_wait = appointment_limit > 0 and appointment_streak >= appointment_limit and normal_waiting
    if not guard_trips:
        for priority in sorted((p for p in heads if p > NORMAL), reverse=True):
            if priority == APPOINTMENT and appointments_wait:
                continue
            best = _oldest(heads[priority])
            if best is not None:
                return best
    if not normal_waiting:
        return None
    if policy == "in_order":
        return next(t for t in normal if t is not None)
    return _oldest(normal)
