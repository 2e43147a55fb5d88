"""The pure appointments rules (server/domain/appointments.py) and the calling order among
green, appointment and ordinary tickets (server/domain/selection.py via HallState).

No sockets, no database: the test hall with [appointments] switched on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hallcall.config import ConfigError, HallConfig, load
from hallcall.server.domain import appointments as ap
from hallcall.server.domain.hall import HallState
from hallcall.server.domain.model import APPOINTMENT, GREEN, QueueError

TEST_HALL = Path(__file__).parent / "halls" / "test-hall.toml"
NOW = 1795399200.0  # Monday 2026-11-23 10:00 Asia/Shanghai
TODAY = "2026-11-23"
APPOINTMENTS = """
[appointments]
enabled = true
days_ahead = 7
early_minutes = 30
late_minutes = 15
max_run = 2
days = [{ date = "2026-11-28", hours = ["09:00-10:00"], appointment_only = true },
        { date = "2026-11-25", hours = [""] }]
"""
TAX_KEYS = 'daily_cap = 5\nissuing_hours = ["09:00-12:00", "13:00-14:00"]\n'
TAX_KEYS += "appointment_slot_minutes = 30\nappointment_quota = 2\n"
SOCIAL_KEYS = 'zone = "1F"\nappointment_slot_minutes = 60\nappointment_quota = 1\n'


def hall_text(extra: str = APPOINTMENTS) -> str:
    text = TEST_HALL.read_text(encoding="utf-8")
    text = text.replace("daily_cap = 5\n", TAX_KEYS, 1)
    text = text.replace('zone = "1F"\n', SOCIAL_KEYS, 1)
    return text + extra


def write(tmp_path: Path, text: str) -> HallConfig:
    path = tmp_path / "hall.toml"
    path.write_text(text, encoding="utf-8")
    return load(path)


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> HallConfig:
    return write(tmp_path_factory.mktemp("ap"), hall_text())


def refused(action: Callable[..., object], *args: object, **kwargs: object) -> QueueError:
    with pytest.raises(QueueError) as caught:
        action(*args, **kwargs)
    return caught.value


def local(config: HallConfig, day: str, hhmm: str) -> dt.datetime:
    return ap.slot_start(config, day, hhmm)


def test_slots_follow_the_issuing_hours(config: HallConfig) -> None:
    tax = config.service("tax")
    assert tax is not None
    got = ap.slots(config, tax, dt.date(2026, 11, 23))
    starts = [s.start for s in got]
    assert starts == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "13:00", "13:30"]
    assert got[-1] == ap.Slot("13:30", "14:00")


def test_special_dates_have_their_own_hours(config: HallConfig) -> None:
    tax = config.service("tax")
    assert tax is not None
    assert [s.start for s in ap.slots(config, tax, dt.date(2026, 11, 28))] == ["09:00", "09:30"]
    assert ap.slots(config, tax, dt.date(2026, 11, 25)) == []  # "" hours = closed
    assert ap.appointment_only(config, "2026-11-28") and not ap.appointment_only(config, TODAY)


def test_a_service_without_keys_takes_none(config: HallConfig) -> None:
    consult = config.service("consult")
    assert consult is not None
    assert ap.slots(config, consult, dt.date(2026, 11, 23)) == []
    err = refused(ap.Ledger(config).slot_table, "consult", TODAY)
    assert err.code == "appointments_off"


def test_quota_and_slot_table(config: HallConfig) -> None:
    led = ap.Ledger(config)
    led.book("tax", TODAY, "10:00", "张三", "13812345678", today=TODAY, now=NOW)
    led.book("tax", TODAY, "10:00", "李四", "139 1234 0000", today=TODAY, now=NOW)
    err = refused(led.book, "tax", TODAY, "10:00", "王五", "13700000000", today=TODAY, now=NOW)
    assert err.code == "slot_full"
    row = next(r for r in led.slot_table("tax", TODAY) if r["start"] == "10:00")
    assert row == {"start": "10:00", "end": "10:30", "quota": 2, "booked": 2, "free": 0}


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("tax", TODAY, "10:15", "张三", "13812345678"), "no_such_slot"),
        (("tax", "2026-11-30", "10:00", "张三", "13812345678"), "too_far_ahead"),
        (("tax", "2026-11-22", "10:00", "张三", "13812345678"), "too_far_ahead"),
        (("tax", TODAY, "10:00", "张三", "12345"), "bad_phone"),
        (("consult", TODAY, "10:00", "张三", "13812345678"), "appointments_off"),
        (("tax", "2026-11-25", "10:00", "张三", "13812345678"), "no_such_slot"),
    ],
)
def test_booking_refusals(config: HallConfig, args: tuple[str, ...], code: str) -> None:
    led = ap.Ledger(config)
    err = refused(led.book, *args, today=TODAY, now=NOW)
    assert err.code == code
    assert led.by_code == {}


def test_hall_without_appointments_refuses(tmp_path: Path) -> None:
    config = write(tmp_path, hall_text(""))
    err = refused(ap.Ledger(config).book, "tax", TODAY, "10:00", "张三", "13812345678", today=TODAY, now=NOW)
    assert err.code == "appointments_off"


def test_masks_and_codes(config: HallConfig) -> None:
    led = ap.Ledger(config)
    b, changes = led.book("tax", TODAY, "09:00", "张三丰", "13812345678", today=TODAY, now=NOW)
    assert changes[0].new and changes[0].booking is b
    assert len(b.code) == 8 and set(b.code) <= set(ap.CODE_ALPHABET)
    assert not set("01OIL") & set(ap.CODE_ALPHABET)
    shown = ap.shape(b)
    assert shown["name_masked"] == "张**" and shown["phone_masked"] == "138****5678"
    assert "13812345678" not in str(shown) and "张三丰" not in str(shown)
    assert led.get(b.code.lower()) is b  # typed at a kiosk in any case


def test_check_in_window(config: HallConfig) -> None:
    led = ap.Ledger(config)
    b, _ = led.book("tax", TODAY, "11:00", "张三", "13812345678", today=TODAY, now=NOW)
    early = refused(led.can_check_in, b.code, TODAY, local(config, TODAY, "10:29"))
    assert early.code == "too_early" and early.details["opens_at"] == "10:30"
    assert led.can_check_in(b.code, TODAY, local(config, TODAY, "10:30")) is b
    assert led.can_check_in(b.code, TODAY, local(config, TODAY, "11:15")) is b
    late = refused(led.can_check_in, b.code, TODAY, local(config, TODAY, "11:16"))
    assert late.code == "too_late"
    other = refused(led.can_check_in, b.code, "2026-11-24", local(config, "2026-11-24", "11:00"))
    assert other.code == "not_today"
    led.checked_in(b.code, "B001", NOW)
    again = refused(led.can_check_in, b.code, TODAY, local(config, TODAY, "11:00"))
    assert again.code == "already_checked_in" and again.details["ticket"] == "B001"


def test_cancel_rebook_and_day_end(config: HallConfig) -> None:
    led = ap.Ledger(config)
    a, _ = led.book("tax", TODAY, "09:00", "张三", "13812345678", today=TODAY, now=NOW)
    b, _ = led.book("tax", TODAY, "09:00", "李四", "13812340000", today=TODAY, now=NOW)
    # rebooking into the same slot keeps its own place; into a full one is refused
    assert led.rebook(a.code, TODAY, "09:00", today=TODAY, now=NOW)[0].start == "09:00"
    led.book("tax", TODAY, "09:30", "王五", "13700000000", today=TODAY, now=NOW)
    led.book("tax", TODAY, "09:30", "赵六", "13700000001", today=TODAY, now=NOW)
    assert refused(led.rebook, a.code, TODAY, "09:30", today=TODAY, now=NOW).code == "slot_full"
    moved, _ = led.rebook(a.code, "2026-11-24", "13:00", today=TODAY, now=NOW)
    assert (moved.code, moved.day, moved.start, moved.end) == (a.code, "2026-11-24", "13:00", "13:30")
    assert led.booked("tax", TODAY, "09:00") == 1  # the old place is free
    led.cancel(b.code, NOW)
    assert led.booked("tax", TODAY, "09:00") == 0
    err = refused(led.can_check_in, b.code, TODAY, local(config, TODAY, "09:00"))
    assert err.code == "booking_cancelled"
    assert [m.booking.state for m in led.day_end("2026-11-24", NOW)] == ["missed", "missed"]
    assert led.get(a.code).state == "booked"  # tomorrow's stays booked
    assert refused(led.get, "NOPE2345").code == "unknown_booking"


def test_phone_last4_matches_todays_bookings(config: HallConfig) -> None:
    led = ap.Ledger(config)
    a, _ = led.book("tax", TODAY, "09:00", "张三", "13812345678", today=TODAY, now=NOW)
    b, _ = led.book("social", TODAY, "10:00", "张三", "13912345678", today=TODAY, now=NOW)
    led.book("tax", "2026-11-24", "09:00", "张三", "13812345678", today=TODAY, now=NOW)
    assert {x.code for x in led.today_by_phone("5678", TODAY)} == {a.code, b.code}


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ("[appointments]\nmax_run = -1\n", "appointments.max_run must not be negative"),
        ("[appointments]\ndays_ahead = 0\n", "days_ahead must be at least 1"),
        ('[appointments]\ndays = [{ date = "2026-13-01" }]\n', "is not a date"),
        ('[appointments]\ndays = [{ date = "2026-12-01", hours = ["10:00-09:00"] }]\n', "end before they start"),
    ],
)
def test_config_check(tmp_path: Path, extra: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        write(tmp_path, hall_text(extra))


# ---------------------------------------------------------------- calling order


def test_order_green_then_appointments_then_walk_ins(config: HallConfig) -> None:
    hall = HallState(config, enforce_hours=False)
    hall.roll(NOW)
    _signed(hall)
    n1, _ = hall.issue("tax", NOW)
    n2, _ = hall.issue("tax", NOW)
    late, _ = hall.issue("tax", NOW, priority=APPOINTMENT, queue_key=2000.0)  # the 11:00 slot
    early, _ = hall.issue("tax", NOW, priority=APPOINTMENT, queue_key=1000.0)  # the 09:00 slot
    third, _ = hall.issue("tax", NOW, priority=APPOINTMENT, queue_key=3000.0)
    green, _ = hall.issue("social", NOW, priority=GREEN)
    order = [_next(hall) for _ in range(6)]
    # green first, then appointments by slot; the hall's priority guard (priority_streak_limit =
    # 2, counting green and appointment calls alike) lets a walk-in in after two priority calls
    assert order == [green.number, early.number, n1.number, late.number, third.number, n2.number]


def test_max_run_holds_appointments_back(tmp_path: Path) -> None:
    config = write(tmp_path, hall_text().replace("priority_streak_limit = 2", "priority_streak_limit = 9"))
    hall = HallState(config, enforce_hours=False)
    hall.roll(NOW)
    _signed(hall)
    n1, _ = hall.issue("tax", NOW)
    n2, _ = hall.issue("tax", NOW)
    a = [hall.issue("tax", NOW, priority=APPOINTMENT, queue_key=float(k))[0] for k in (1, 2, 3)]
    # at most max_run = 2 appointment tickets in a row while a walk-in waits
    assert [_next(hall) for _ in range(5)] == [a[0].number, a[1].number, n1.number, a[2].number, n2.number]


def test_appointment_run_unguarded_without_walk_ins(config: HallConfig) -> None:
    hall = HallState(config, enforce_hours=False)
    hall.roll(NOW)
    _signed(hall)
    tickets = [hall.issue("tax", NOW, priority=APPOINTMENT, queue_key=float(k))[0] for k in (3, 1, 2)]
    assert [_next(hall) for _ in range(3)] == [tickets[1].number, tickets[2].number, tickets[0].number]


def _signed(hall: HallState) -> None:
    hall.sign_in(2, "zhang", "hash-zhang", NOW)


def _next(hall: HallState) -> str:
    t, _ = hall.call_next(2, NOW)
    hall.finish(2, NOW)
    return t.number


# ---------------------------------------------------------------- property


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["book", "cancel", "rebook", "check_in", "day_end"]),
            st.integers(0, 20),  # which booking
            st.sampled_from(["09:00", "09:30", "10:00"]),
            st.sampled_from([TODAY, "2026-11-24"]),
        ),
        max_size=60,
    )
)
def test_never_over_quota_never_checked_in_twice(config: HallConfig, steps: list[tuple[str, int, str, str]]) -> None:
    led = ap.Ledger(config)
    codes: list[str] = []
    tickets: list[str] = []
    for i, (action, which, start, day) in enumerate(steps):
        code = codes[which % len(codes)] if codes else "NONE2345"
        try:
            if action == "book":
                b, _ = led.book("tax", day, start, "张三", f"138{i:08d}", today=TODAY, now=NOW)
                codes.append(b.code)
            elif action == "cancel":
                led.cancel(code, NOW)
            elif action == "rebook":
                led.rebook(code, day, start, today=TODAY, now=NOW)
            elif action == "check_in":
                b = led.can_check_in(code, TODAY, local(config, TODAY, "09:40"))
                tickets.append(b.code)
                led.checked_in(b.code, f"B{i:03d}", NOW)
            else:
                led.day_end("2026-11-24", NOW)
        except QueueError:
            pass
        for d in (TODAY, "2026-11-24"):
            for s in ("09:00", "09:30", "10:00"):
                assert led.booked("tax", d, s) <= 2
    assert len(tickets) == len(set(tickets))
    assert sum(1 for b in led.by_code.values() if b.state == ap.CHECKED_IN) == len(tickets)
