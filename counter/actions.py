"""The clerk's actions: one row each, with its key and the rule for when it is allowed.

The rules mirror docs/queue-rules.md so that a button the server would refuse is greyed out
before the clerk presses it; the server stays the judge, and its refusals are still shown.
Every action is off while the program is not connected or while another action of the
clerk's waits for its answer (a second press must not become a second call).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .state import CounterState


@dataclass(frozen=True)
class Action:
    """A clerk's action: ``name`` is also its text key, and the request type where it has one."""

    name: str
    key: str
    allowed: Callable[[CounterState], bool]
    main: bool = False  # one of the compact bar's buttons


def _idle(s: CounterState) -> bool:
    return not s.current_state


def _can_call(s: CounterState) -> bool:
    return _idle(s) and not s.paused


ACTIONS: tuple[Action, ...] = (
    Action("call_next", "N", _can_call, main=True),
    Action("recall", "R", lambda s: s.current_state == "called", main=True),
    Action("start", "S", lambda s: s.current_state == "called"),
    Action("finish", "F", lambda s: s.current_state in ("called", "serving"), main=True),
    Action("no_show", "X", lambda s: s.current_state == "called", main=True),
    Action("put_back", "B", lambda s: True),
    Action("transfer", "T", lambda s: s.current_state in ("called", "serving")),
    Action("hold", "H", lambda s: s.current_state in ("called", "serving")),
    Action("call_back", "C", lambda s: _can_call(s) and bool(s.held)),
    Action("call_number", "G", _can_call),
    Action("cancel", "K", lambda s: bool(s.next_numbers())),
    Action("pause", "P", lambda s: True),  # pause or resume, whichever applies
    Action("sign_out", "Q", _idle),
)

BY_NAME = {a.name: a for a in ACTIONS}


def allowed(action: Action, state: CounterState, *, connected: bool, busy: bool) -> bool:
    """Whether the action's button and key are live now."""
    return connected and not busy and state.loaded and action.allowed(state)
