"""The business day's end for a server that was not running at the rollover.

A running server ends each day with :meth:`HallState.roll`, at the first warnings tick or
request after ``rollover_hour``.  A server started after the day changed must end the days the
database still holds open by that very rule, or a day's journal would depend on whether the
server happened to be up at 03:00.  So the rule is not written again here: what earlier days
left open is loaded into a :class:`HallState` of its own, rolled to today, and the change
records are stored through :meth:`Storage.apply` like any live change.
"""

from __future__ import annotations

from hallcall.config import HallConfig

from .domain import calendar
from .domain.appointments import Ledger
from .domain.hall import HallState
from .domain.model import Session
from .storage import Storage


def close_earlier_days(config: HallConfig, storage: Storage, now: float) -> None:
    """End every business day before ``now``'s that the database still holds open, as a live
    rollover at ``now`` would have; nothing is written when nothing is left open."""
    today = calendar.business_day(config, now)
    left = _left_open(config, storage, today)
    changes = left.roll(now)
    if not changes:
        return
    storage.begin()
    try:
        storage.apply(changes, today)  # the day a live hub passes: the one the roll began
        storage.commit()
    except BaseException:
        storage.rollback()
        raise


def mark_missed_bookings(config: HallConfig, storage: Storage, now: float) -> None:
    """The bookings of the days before ``now``'s never checked in become ``missed``, by the
    live roll's rule (Ledger.day_end): a server stopped over a day end marks them at start."""
    today = calendar.business_day(config, now)
    changes = Ledger(config, storage.bookings()).day_end(today, now)
    if not changes:
        return
    storage.begin()
    try:
        storage.apply(changes, today)
        storage.commit()
    except BaseException:
        storage.rollback()
        raise


def _left_open(config: HallConfig, storage: Storage, today: str) -> HallState:
    """The hall as the database last knew it, as far as a day end concerns it: the open tickets
    and the sessions of the days before ``today`` (several days, if the server was stopped with
    a database that several days had left open).  With nothing left its day is ``today``, and
    the roll has nothing to do."""
    tickets = storage.open_tickets_before(today)
    sessions = [s for s in storage.open_sessions() if _signed_in_day(config, s) < today]
    days = [t.day for t in tickets] + [_signed_in_day(config, s) for s in sessions]
    state = HallState(config)
    state.load(
        day=max(days, default=today),
        tickets=tickets,
        sessions=sessions,
        last_signout=storage.last_signouts(),
        next_ids=storage.next_ids(),
    )
    return state


def _signed_in_day(config: HallConfig, session: Session) -> str:
    """The business day a session began on: a session of an earlier day ends with that day."""
    return calendar.business_day(config, session.signed_in_at)
