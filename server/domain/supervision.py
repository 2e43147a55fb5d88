"""Electronic supervision: the warnings a hall's supervision office wants before it is too late.

* ``wait``: a waiting ticket has reached ``wait_warn_fraction`` (level 1) or all (level 2) of its
  service's target wait.  Cleared when the ticket leaves the queue.
* ``pause_long``: a counter has been paused longer than ``pause_limit_minutes``.
* ``unstaffed``: during opening hours, a counter that should be staffed has had nobody signed in
  for ``unstaffed_grace_minutes`` (the A/B backup rule failing in practice).

The set is recomputed from the queue state on a timer; the server diffs it against the
previous set to raise and clear warnings.
"""

from __future__ import annotations

from typing import Any

from . import calendar
from .hall import HallState

Warning_ = dict[str, Any]


def current_warnings(state: HallState, now: float) -> dict[str, Warning_]:
    """key → warning; the key identifies what the warning is about, so it can be cleared."""
    config = state.config
    found: dict[str, Warning_] = {}
    fraction = config.supervision.wait_warn_fraction
    for service in config.services:
        target = service.target_wait_minutes * 60
        queues = [t for q in state.waiting[service.id].values() for t in q]
        queues += [t for q in state.targeted.values() for t in q if t.service == service.id]
        for t in queues:
            waited = now - t.issued_at
            if waited < fraction * target:
                continue
            level = 2 if waited >= target else 1
            found[f"wait:{t.number}"] = {
                "kind": "wait",
                "level": level,
                "number": t.number,
                "service": t.service,
                "waited_s": round(waited),
                "target_s": target,
                "counter": t.target_counter,
            }
    limit = config.supervision.pause_limit_minutes * 60
    opening = calendar.hall_open(config, now)
    grace = config.supervision.unstaffed_grace_minutes * 60
    for number, c in state.counters.items():
        session = c.session
        if session is not None and session.paused_at is not None and now - session.paused_at >= limit:
            found[f"pause:{number}"] = {
                "kind": "pause_long",
                "level": 1,
                "counter": number,
                "clerk": session.clerk,
                "reason": session.pause_reason,
                "paused_s": round(now - session.paused_at),
            }
        conf = config.counter(number)
        if session is None and opening is not None and conf is not None and conf.staffed:
            since = max(opening[0], c.last_signout_at or 0.0)
            if now - since >= grace:
                found[f"unstaffed:{number}"] = {
                    "kind": "unstaffed",
                    "level": 1,
                    "counter": number,
                    "since": since,
                    "backups": list(conf.backups),
                }
    return found
