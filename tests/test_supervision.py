"""Electronic supervision (server/domain/supervision.py): wait warnings before the target is
passed, counters paused too long, and staffed counters with nobody signed in."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import config_with

from hallcall.config import HallConfig, load
from hallcall.server.domain.hall import HallState
from hallcall.server.domain.model import GREEN
from hallcall.server.domain.supervision import LongPause, LongWait, Unstaffed, current_warnings

TEST_HALL = Path(__file__).parent / "halls" / "test-hall.toml"
NOW = 1795399200.0  # Monday 2026-11-23 10:00 Asia/Shanghai
MIN = 60.0
MIDNIGHT = NOW - 10 * 3600  # Monday 00:00 local: the test hall opens "00:00-24:00"


@pytest.fixture(scope="module")
def config() -> HallConfig:
    return load(TEST_HALL)


def new_state(config: HallConfig) -> HallState:
    state = HallState(config, enforce_hours=False)
    state.roll(NOW)
    return state


@pytest.fixture
def hall(config: HallConfig) -> HallState:
    return new_state(config)


def kinds(warnings: dict[str, dict]) -> dict[str, str]:
    return {key: w.kind for key, w in warnings.items()}


def staff_everything(state: HallState, now: float = NOW) -> None:
    """Sign someone in at counter 4 (the only staffed counter) so only the warnings under test show."""
    state.sign_in(4, "ann", "h", now)


# ---------------------------------------------------------------------------- waits


def test_no_warnings_for_a_quiet_staffed_hall(hall: HallState) -> None:
    staff_everything(hall)
    assert current_warnings(hall, NOW) == {}
    hall.issue("social", NOW)
    assert current_warnings(hall, NOW) == {}


def test_wait_warning_levels(hall: HallState) -> None:
    staff_everything(hall)
    t, _ = hall.issue("social", NOW)  # target 10 min, warn at 80 % = 8 min
    assert current_warnings(hall, NOW + 8 * MIN - 1) == {}
    warnings = current_warnings(hall, NOW + 8 * MIN)
    assert warnings == {
        "wait:A001": LongWait(level=1, number="A001", service="social", waited_s=480, target_s=600, counter=None)
    }
    assert current_warnings(hall, NOW + 10 * MIN - 1)["wait:A001"].level == 1
    at_target = current_warnings(hall, NOW + 10 * MIN)["wait:A001"]
    assert (at_target.level, at_target.waited_s) == (2, 600)
    assert current_warnings(hall, NOW + 60 * MIN)["wait:A001"].level == 2
    assert t.number == "A001"


def test_wait_warning_uses_each_services_target(hall: HallState) -> None:
    staff_everything(hall)
    hall.issue("social", NOW)  # 10 min target
    hall.issue("tax", NOW)  # 20 min target
    hall.issue("consult", NOW)  # default 30 min target
    levels = {k: w.level for k, w in current_warnings(hall, NOW + 16 * MIN).items()}
    assert levels == {"wait:A001": 2, "wait:B001": 1}
    levels = {k: w.level for k, w in current_warnings(hall, NOW + 24 * MIN).items()}
    assert levels == {"wait:A001": 2, "wait:B001": 2, "wait:C001": 1}
    assert current_warnings(hall, NOW + 24 * MIN)["wait:C001"].target_s == 1800


def test_wait_warning_cleared_when_called(hall: HallState) -> None:
    staff_everything(hall)
    hall.issue("social", NOW)
    hall.issue("social", NOW + 2 * MIN)
    later = NOW + 9 * MIN
    assert set(current_warnings(hall, later)) == {"wait:A001"}  # A002 has waited 7 min: not yet
    hall.call_next(4, later)
    assert "wait:A001" not in current_warnings(hall, later)
    assert set(current_warnings(hall, NOW + 10 * MIN)) == {"wait:A002"}


def test_wait_warning_cleared_when_cancelled_and_for_held_ticket(hall: HallState) -> None:
    staff_everything(hall)
    hall.issue("social", NOW)
    hall.issue("social", NOW)
    hall.cancel("A002", NOW + MIN)
    hall.call_next(4, NOW + MIN)
    hall.hold(4, NOW + 2 * MIN)
    # the held visitor is at the window's side, not in the queue: no wait warning
    assert current_warnings(hall, NOW + 30 * MIN) == {}


def test_wait_warning_for_priority_and_targeted_tickets(hall: HallState) -> None:
    staff_everything(hall)
    hall.issue("social", NOW, priority=GREEN)
    hall.issue("social", NOW)
    hall.sign_in(1, "cat", "h", NOW)
    hall.call_number(1, "A002", NOW + MIN)
    hall.transfer(1, NOW + MIN, to_counter=3)  # waits for counter 3 in particular
    warnings = current_warnings(hall, NOW + 10 * MIN)
    assert set(warnings) == {"wait:A001", "wait:A002"}
    assert warnings["wait:A002"].counter == 3 and warnings["wait:A002"].level == 2
    assert warnings["wait:A001"].counter is None
    # the wait counts from the original issue time, not the transfer
    assert warnings["wait:A002"].waited_s == 600


def test_wait_warning_for_put_back_ticket(hall: HallState) -> None:
    staff_everything(hall)
    hall.issue("social", NOW)
    hall.call_next(4, NOW)
    hall.no_show(4, NOW + MIN)
    assert current_warnings(hall, NOW + 9 * MIN) == {}  # a no-show is not waiting
    hall.put_back("A001", NOW + 2 * MIN)
    assert current_warnings(hall, NOW + 9 * MIN)["wait:A001"].level == 1


# ---------------------------------------------------------------------------- pauses


def test_pause_long(hall: HallState) -> None:
    staff_everything(hall)
    hall.sign_in(2, "dan", "h", NOW)
    hall.pause(2, "meeting", NOW)
    assert current_warnings(hall, NOW + 20 * MIN - 1) == {}
    warnings = current_warnings(hall, NOW + 20 * MIN)
    assert warnings == {"pause:2": LongPause(counter=2, clerk="dan", reason="meeting", paused_s=1200, level=1)}
    assert current_warnings(hall, NOW + 45 * MIN)["pause:2"].paused_s == 2700
    hall.resume(2, NOW + 45 * MIN)
    assert current_warnings(hall, NOW + 45 * MIN) == {}
    hall.pause(2, "phone", NOW + 50 * MIN)  # a new pause counts from its own start
    assert current_warnings(hall, NOW + 69 * MIN) == {}
    assert "pause:2" in current_warnings(hall, NOW + 70 * MIN)


def test_pause_long_cleared_by_sign_out(hall: HallState) -> None:
    staff_everything(hall)
    hall.sign_in(1, "cat", "h", NOW)
    hall.pause(1, "lunch", NOW)
    assert set(current_warnings(hall, NOW + 30 * MIN)) == {"pause:1"}
    hall.sign_out(1, NOW + 30 * MIN)
    assert current_warnings(hall, NOW + 30 * MIN) == {}  # counter 1 is not a staffed counter


# ---------------------------------------------------------------------------- unstaffed counters


def test_unstaffed_staffed_counter_during_opening_hours(hall: HallState) -> None:
    warnings = current_warnings(hall, NOW)
    # counters 1-3 are staffed = false; counter 4 (ann, backup bob) should have a clerk
    assert kinds(warnings) == {"unstaffed:4": "unstaffed"}
    assert warnings["unstaffed:4"] == Unstaffed(
        counter=4,
        since=MIDNIGHT,  # the test hall opened at 00:00
        backups=("bob",),
        level=1,
    )


def test_unstaffed_cleared_when_someone_signs_in(hall: HallState) -> None:
    hall.sign_in(4, "bob", "h", NOW)  # the backup counts as staffing it
    assert current_warnings(hall, NOW) == {}
    hall.pause(4, "phone", NOW)  # paused is still signed in: not unstaffed
    assert "unstaffed:4" not in current_warnings(hall, NOW + 5 * MIN)


def test_unstaffed_after_sign_out_waits_for_the_grace_period(hall: HallState) -> None:
    hall.sign_in(4, "ann", "h", NOW)
    hall.sign_out(4, NOW + 10 * MIN)
    assert current_warnings(hall, NOW + 10 * MIN) == {}
    assert current_warnings(hall, NOW + 15 * MIN - 1) == {}  # grace: 5 minutes
    warnings = current_warnings(hall, NOW + 15 * MIN)
    assert kinds(warnings) == {"unstaffed:4": "unstaffed"}
    assert warnings["unstaffed:4"].since == NOW + 10 * MIN


def test_unstaffed_grace_after_opening(tmp_path: Path) -> None:
    config = config_with(tmp_path, 'opening_hours = ["00:00-24:00"]', 'opening_hours = ["09:58-12:00"]')
    state = new_state(config)
    opening = NOW - 2 * MIN
    assert current_warnings(state, NOW) == {}  # open for 2 minutes: still within the grace
    assert current_warnings(state, opening + 5 * MIN - 1) == {}
    warnings = current_warnings(state, opening + 5 * MIN)
    assert kinds(warnings) == {"unstaffed:4": "unstaffed"}
    assert warnings["unstaffed:4"].since == opening


def test_unstaffed_sign_out_before_opening_counts_from_opening(tmp_path: Path) -> None:
    config = config_with(tmp_path, 'opening_hours = ["00:00-24:00"]', 'opening_hours = ["09:58-12:00"]')
    state = new_state(config)
    state.sign_in(4, "ann", "h", NOW - 60 * MIN)
    state.sign_out(4, NOW - 30 * MIN)  # 09:30, before opening
    assert current_warnings(state, NOW) == {}
    assert current_warnings(state, NOW + 3 * MIN)["unstaffed:4"].since == NOW - 2 * MIN


def test_no_unstaffed_warning_outside_opening_hours(tmp_path: Path) -> None:
    config = config_with(tmp_path, 'opening_hours = ["00:00-24:00"]', 'opening_hours = ["08:30-09:30", "13:30-17:30"]')
    state = new_state(config)
    assert current_warnings(state, NOW) == {}  # 10:00: the lunch-time gap
    assert current_warnings(state, NOW - 88 * MIN) == {}  # 08:32, within the grace
    morning = current_warnings(state, NOW - 60 * MIN)  # 09:00, open for 30 min
    assert morning["unstaffed:4"].since == NOW - 90 * MIN
    assert current_warnings(state, NOW - 30 * MIN) == {}  # 09:30: the morning span has ended
    assert "unstaffed:4" in current_warnings(state, NOW + 4 * 60 * MIN)  # 14:00


def test_no_unstaffed_warning_on_a_closed_day(tmp_path: Path) -> None:
    config = config_with(tmp_path, '"mon", "tue"', '"tue"')
    state = new_state(config)
    assert current_warnings(state, NOW) == {}  # Monday: closed
    assert "unstaffed:4" in current_warnings(state, NOW + 24 * 60 * MIN)  # Tuesday 10:00


def test_unstaffed_only_for_staffed_counters(tmp_path: Path) -> None:
    config = config_with(tmp_path, 'services = ["consult"]\nzone = "1F"\nstaffed = false', 'services = ["consult"]')
    state = new_state(config)
    warnings = current_warnings(state, NOW)
    assert set(warnings) == {"unstaffed:3", "unstaffed:4"}
    assert warnings["unstaffed:3"].backups == ()


def test_warnings_combine(hall: HallState) -> None:
    hall.issue("tax", NOW)
    hall.sign_in(1, "cat", "h", NOW)
    hall.pause(1, "meeting", NOW)
    assert set(current_warnings(hall, NOW + 20 * MIN)) == {"wait:B001", "pause:1", "unstaffed:4"}
