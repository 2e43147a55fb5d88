"""The guide desk's sessions and the issuing rate limit: privileges a kiosk token alone does not give.

A kiosk's token lets it issue ordinary tickets.  A green-channel ticket, or any ticket issued
from the guide desk (导办台), also needs the guide-desk PIN, checked by the server: the kiosk
sends the PIN once (``unlock_desk``), and the server answers with a short-lived desk token that
the kiosk sends with each desk request.  The token is bound to the device it was given to and
lapses after ``DESK_IDLE_S`` without use, so a kiosk left at the desk does not stay privileged.
The kiosk never learns the PIN itself (docs/security.md, "Tokens and privileges").

Each device's issuing is also limited to what a person could do (a token bucket per device), so
a stolen token or a runaway program cannot empty a day's numbers.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from .auth import same, token_hash

DESK_IDLE_S = 300.0  # a desk token lapses five minutes after its last use
DESK_TOKENS_PER_DEVICE = 4  # older ones lapse when a device unlocks again and again


@dataclass(slots=True)
class _Desk:
    device: str
    expires: float  # time.monotonic()


class DeskSessions:
    """Desk tokens the server handed out, by hash (a token is never kept in the clear), in
    real time: a desk session is about a person standing at the desk, whatever the hall clock."""

    def __init__(self, idle_s: float = DESK_IDLE_S) -> None:
        self.idle_s = idle_s
        self._desks: dict[str, _Desk] = {}

    def grant(self, device: str) -> str:
        """A new desk token for ``device``; its oldest ones lapse beyond the few it may hold."""
        now = time.monotonic()
        self._desks = {h: d for h, d in self._desks.items() if d.expires > now}
        own = sorted((d.expires, h) for h, d in self._desks.items() if d.device == device)
        for _, h in own[: max(0, len(own) - DESK_TOKENS_PER_DEVICE + 1)]:
            del self._desks[h]
        token = secrets.token_urlsafe(18)
        self._desks[token_hash(token)] = _Desk(device, now + self.idle_s)
        return token

    def use(self, device: str, token: str | None) -> bool:
        """Whether ``token`` is a live desk token of ``device``; a use keeps it alive another
        ``idle_s``."""
        if not token:
            return False
        desk = self._desks.get(token_hash(token))
        now = time.monotonic()
        if desk is None or desk.expires <= now or not same(desk.device, device):
            return False
        desk.expires = now + self.idle_s
        return True

    def end_device(self, device: str) -> None:
        """Every desk token of ``device`` lapses (its device token was revoked or rotated)."""
        self._desks = {h: d for h, d in self._desks.items() if d.device != device}


class IssueLimiter:
    """A token bucket per device: ``burst`` tickets at once, then ``per_minute`` a minute.

    Counted in the hall clock's time (a test moves it by hand); the hub lifts the limit on a
    simulated clock faster than real time.  ``per_minute`` 0 means no limit (a load test's own
    config)."""

    def __init__(self, per_minute: float, burst: int) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(max(1, burst))
        self._buckets: dict[str, tuple[float, float]] = {}  # device → (tokens, at)

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, device: str, now: float) -> float:
        """Take one ticket's worth for ``device`` at hall time ``now``: 0.0 if it may issue,
        else the seconds until it may (nothing is taken then)."""
        if not self.enabled:
            return 0.0
        tokens, at = self._buckets.get(device, (self.burst, now))
        tokens = min(self.burst, tokens + max(0.0, now - at) * self.rate)
        if tokens >= 1.0:
            self._buckets[device] = (tokens - 1.0, now)
            return 0.0
        self._buckets[device] = (tokens, now)
        return (1.0 - tokens) / self.rate


__all__ = ["DESK_IDLE_S", "DeskSessions", "IssueLimiter"]
