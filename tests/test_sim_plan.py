"""hallcall.launch.sim.plan: a seeded day decided before it runs, on the demo hall and the test hall.

Everything here is pure and deterministic, so each check below uses fixed seeds: the numbers
it compares are the same on every run, and the margins only have to hold for those seeds.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import ROOT, TEST_HALL, config_with

from hallcall import config as hall_config
from hallcall.config import HallConfig
from hallcall.launch.demo import hall as demo_hall
from hallcall.launch.sim import plan

DEMO = demo_hall.load()
TEST = hall_config.load(TEST_HALL)
HALLS = {"demo": DEMO, "test": TEST}
MONDAY = dt.date(2026, 11, 23)
SUNDAY = dt.date(2026, 11, 29)
SHARES = ("green_share", "no_show_share", "transfer_share", "cancel_share")


def at(config: HallConfig, hhmm: str, day: dt.date = MONDAY) -> float:
    """Epoch seconds of a local time of ``day`` in the hall's time zone."""
    h, m = (int(x) for x in hhmm.split(":"))
    return dt.datetime(day.year, day.month, day.day, h, m, tzinfo=config.tz).timestamp()


_PLANS: dict[tuple[str, float, int], list[plan.Arrival]] = {}


def full_day(name: str, load: float, seed: int) -> list[plan.Arrival]:
    """The arrivals of 08:00-18:00 on a Monday with default shares (cached: they are pure)."""
    key = (name, load, seed)
    if key not in _PLANS:
        config = HALLS[name]
        _PLANS[key] = plan.plan_arrivals(
            config, plan.Profile(load=load), seed, at(config, "08:00"), at(config, "18:00")
        )
    return _PLANS[key]


def numbers(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{i:03d}" for i in range(1, count + 1)]


# ---------------------------------------------------------------------------------- seeds


@pytest.mark.parametrize("name", ["demo", "test"])
def test_the_same_seed_gives_the_same_day(name: str) -> None:
    config = HALLS[name]
    start, end = at(config, "08:00"), at(config, "18:00")
    first = plan.plan_arrivals(config, plan.Profile(), 7, start, end)
    again = plan.plan_arrivals(config, plan.Profile(), 7, start, end)
    other = plan.plan_arrivals(config, plan.Profile(), 8, start, end)
    assert len(first) > 50
    assert first == again
    assert first != other
    assert [a.at for a in first] == sorted(a.at for a in first)
    assert all(start <= a.at < end for a in first)

    service = config.services[0]
    for number in numbers(service.prefix, 40):
        one = plan.visitor(config, plan.Profile(), 7, number, service.id)
        assert one == plan.visitor(config, plan.Profile(), 7, number, service.id)
    mine = [plan.visitor(config, plan.Profile(), 7, n, service.id) for n in numbers(service.prefix, 40)]
    theirs = [plan.visitor(config, plan.Profile(), 8, n, service.id) for n in numbers(service.prefix, 40)]
    assert sum(a != b for a, b in zip(mine, theirs, strict=True)) >= 35  # handle times are continuous


_DIGEST = """
import datetime as dt, hashlib
from hallcall.launch.demo import hall
from hallcall.launch.sim import plan
c = hall.load()
day = lambda h: dt.datetime(2026, 11, 23, h, tzinfo=c.tz).timestamp()
arrivals = plan.plan_arrivals(c, plan.Profile(), 11, day(8), day(12))
visitors = [plan.visitor(c, plan.Profile(), 11, f"S{i:03d}", "social") for i in range(1, 30)]
print(hashlib.sha256(repr((arrivals, visitors)).encode()).hexdigest())
"""


def test_a_seed_names_the_same_day_in_every_process() -> None:
    """String hashing is salted per process; the plan must not depend on it."""
    digests = set()
    for salt in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": salt}
        out = subprocess.run(
            [sys.executable, "-c", _DIGEST], cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=60
        )
        digests.add(out.stdout.strip())
    assert len(digests) == 1, digests


# ---------------------------------------------------------------------------------- the day's shape


def test_shape_at_follows_the_table() -> None:
    assert plan.shape_at(7.9) == 0.0
    assert plan.shape_at(8.0) == 0.0
    assert plan.shape_at(18.0) == 0.0
    assert plan.shape_at(19.0) == 0.0
    for hour, rate in plan.DAY_SHAPE[1:-1]:
        assert plan.shape_at(hour) == pytest.approx(rate)
    assert plan.shape_at(12.5) == pytest.approx((0.45 + 0.35) / 2)
    peak = max(rate for _, rate in plan.DAY_SHAPE)
    assert plan.shape_at(10.0) == peak


def _per_hour(arrivals: list[plan.Arrival], config: HallConfig, start: str, hours: float) -> float:
    a = at(config, start)
    return sum(1 for x in arrivals if a <= x.at < a + hours * 3600) / hours


# Whole hours of the day that do not overlap the morning peak (09:30-10:30) nor lunch
# (12:00-13:30), from after the door opening to the last full hour before the trickle at
# closing.  The first hour after opening also holds the visitors who waited at the door
# (test_those_who_come_before_opening_wait_at_the_door).
_OTHER_HOURS = ("08:45", "10:30", "11:00", "13:30", "14:00", "14:30", "15:00", "15:30", "16:00")


@pytest.mark.parametrize(("name", "load"), [("demo", 6.0), ("test", 30.0)])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_day_peaks_mid_morning_and_dips_over_lunch(name: str, load: float, seed: int) -> None:
    config = HALLS[name]
    arrivals = full_day(name, load, seed)
    peak = _per_hour(arrivals, config, "09:30", 1)
    lunch = _per_hour(arrivals, config, "12:00", 1.5)
    others = {h: _per_hour(arrivals, config, h, 1) for h in _OTHER_HOURS}
    # The table's averages: peak 1.88, the busiest other hour 1.46 (08:45-09:45), lunch 0.49,
    # the quietest other hour 0.78 (16:00-17:00); these margins hold at these loads and seeds.
    assert all(rate < 0.9 * peak for rate in others.values()), (peak, others)
    assert all(lunch < 0.8 * rate for rate in others.values()), (lunch, others)
    assert peak > 3 * lunch
    assert all(at(config, "08:00") < a.at < at(config, "18:00") for a in arrivals)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_those_who_come_before_opening_wait_at_the_door(seed: int) -> None:
    """The demo hall opens at 08:30; the day's shape brings visitors from 08:00.  They take
    their tickets in the first minutes after opening, none before."""
    arrivals = full_day("demo", 6.0, seed)
    opens = at(DEMO, "08:30")
    assert min(a.at for a in arrivals) >= opens
    door = [a for a in arrivals if a.at < opens + plan.DOOR_MINUTES * 60]
    # Half an hour of the ramp (0 to 1.7) and three minutes at 1.7: about 0.51/1.88 of a peak hour.
    assert len(door) > 0.2 * _per_hour(arrivals, DEMO, "09:30", 1)
    assert [a.at for a in arrivals] == sorted(a.at for a in arrivals)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_at_the_ordinary_load_the_peak_still_stands_out(seed: int) -> None:
    arrivals = full_day("demo", plan.Profile().load, seed)
    assert _per_hour(arrivals, DEMO, "09:30", 1) > 2.5 * _per_hour(arrivals, DEMO, "12:00", 1.5)


def test_nobody_comes_before_eight_or_after_six() -> None:
    start, end = at(DEMO, "06:00"), at(DEMO, "20:00")
    arrivals = plan.plan_arrivals(DEMO, plan.Profile(load=3), 4, start, end)
    assert arrivals
    assert all(at(DEMO, "08:00") < a.at < at(DEMO, "18:00") for a in arrivals)


@pytest.mark.parametrize(("name", "load", "seed"), [("demo", 6.0, 1), ("demo", 6.0, 2), ("test", 30.0, 3)])
def test_the_day_holds_the_expected_number_of_visitors(name: str, load: float, seed: int) -> None:
    config = HALLS[name]
    expected = plan.expected_arrivals(config, plan.Profile(load=load), at(config, "08:00"), at(config, "18:00"))
    got = len(full_day(name, load, seed))
    assert abs(got - expected) < 4 * expected**0.5, (got, expected)


# ---------------------------------------------------------------------------------- services, green, kiosks


def test_green_tickets_only_where_priority_is_allowed_and_near_the_share() -> None:
    profile = plan.Profile(load=5, green_share=0.25)
    arrivals = plan.plan_arrivals(DEMO, profile, 5, at(DEMO, "08:00"), at(DEMO, "18:00"))
    allowed = {s.id for s in DEMO.services if s.priority_allowed}
    assert "consult" not in allowed
    green = [a for a in arrivals if a.priority == "green"]
    assert {a.priority for a in arrivals} == {"green", "normal"}
    assert {a.service for a in green} <= allowed
    candidates = [a for a in arrivals if a.service in allowed]
    assert len(candidates) > 2000
    assert len(green) / len(candidates) == pytest.approx(0.25, abs=0.03)
    assert any(a.service == "consult" for a in arrivals)


@pytest.mark.parametrize("name", ["demo", "test"])
def test_green_share_at_its_limits(name: str) -> None:
    config = HALLS[name]
    allowed = {s.id for s in config.services if s.priority_allowed}
    start, end = at(config, "09:00"), at(config, "11:00")
    none = plan.plan_arrivals(config, plan.Profile(load=3, green_share=0.0), 2, start, end)
    every = plan.plan_arrivals(config, plan.Profile(load=3, green_share=1.0), 2, start, end)
    assert none and every
    assert all(a.priority == "normal" for a in none)
    assert all((a.priority == "green") == (a.service in allowed) for a in every)


def test_a_given_mix_is_followed() -> None:
    mix = {s.id: 0.0 for s in DEMO.services} | {"social": 4.0, "tax": 2.0, "pickup": 1.0, "consult": 1.0}
    weights = plan.service_weights(DEMO, mix)
    assert weights == pytest.approx({k: v / 8.0 for k, v in mix.items()})
    arrivals = plan.plan_arrivals(DEMO, plan.Profile(load=4, mix=mix), 3, at(DEMO, "08:00"), at(DEMO, "18:00"))
    counts = Counter(a.service for a in arrivals)
    assert set(counts) == {"social", "tax", "pickup", "consult"}  # a weight of 0: nobody comes
    for service, weight in mix.items():
        assert counts[service] / len(arrivals) == pytest.approx(weight / 8.0, abs=0.03), service


def test_services_left_out_of_a_mix_keep_their_own_weights() -> None:
    plain = plan.service_weights(DEMO, {})
    assert sum(plain.values()) == pytest.approx(1.0)
    mixed = plan.service_weights(DEMO, {"social": 0.5})
    rest = [s.id for s in DEMO.services if s.id != "social"]
    for a in rest:
        for b in rest:
            assert mixed[a] / mixed[b] == pytest.approx(plain[a] / plain[b])
    assert sum(mixed.values()) == pytest.approx(1.0)


def test_the_default_mix_follows_the_staffing() -> None:
    """A service with more counters per minute of handling gets more visitors."""
    weights = plan.service_weights(TEST, {})
    # social: counters 2 and 4 (5 min), consult: counter 3 (2 min), tax: counter 2 (10 min).
    assert weights["consult"] > weights["social"] > weights["tax"]
    arrivals = full_day("test", 30.0, 1)
    counts = Counter(a.service for a in arrivals)
    for service, share in weights.items():
        assert counts[service] / len(arrivals) == pytest.approx(share, abs=0.03)


@pytest.mark.parametrize("unknown", ["parking", "Social"])
def test_a_mix_naming_an_unknown_service_is_refused(unknown: str) -> None:
    profile = plan.Profile(mix={"social": 1.0, unknown: 2.0})
    with pytest.raises(ValueError, match=unknown):
        plan.service_weights(DEMO, profile.mix)
    with pytest.raises(ValueError, match=unknown):
        plan.plan_arrivals(DEMO, profile, 1, at(DEMO, "09:00"), at(DEMO, "10:00"))
    with pytest.raises(ValueError, match=unknown):
        plan.expected_arrivals(DEMO, profile, at(DEMO, "09:00"), at(DEMO, "10:00"))


def test_a_mix_that_weighs_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="weighs nothing"):
        plan.service_weights(TEST, {"social": 0.0, "tax": 0.0, "consult": 0.0})


@pytest.mark.parametrize("share", SHARES)
@pytest.mark.parametrize("value", [-0.01, 1.01, 2.0])
def test_profile_refuses_shares_outside_zero_to_one(share: str, value: float) -> None:
    with pytest.raises(ValueError, match=share):
        plan.Profile(**{share: value})


@pytest.mark.parametrize("share", SHARES)
def test_profile_takes_shares_at_the_bounds(share: str) -> None:
    assert getattr(plan.Profile(**{share: 0.0}), share) == 0.0
    assert getattr(plan.Profile(**{share: 1.0}), share) == 1.0


@pytest.mark.parametrize("load", [0.0, -0.5, float("inf"), float("nan"), 51.0])
def test_profile_refuses_a_load_of_zero_or_less_or_past_reason(load: float) -> None:
    with pytest.raises(ValueError, match="load"):
        plan.Profile(load=load)


@pytest.mark.parametrize("weight", [-1.0, float("nan"), float("inf")])
def test_profile_refuses_a_weight_that_is_not_a_number_of_0_or_more(weight: float) -> None:
    with pytest.raises(ValueError, match="social"):
        plan.Profile(mix={"social": weight})


@pytest.mark.parametrize("name", ["walk_up_seconds", "patience_minutes"])
@pytest.mark.parametrize("span", [(10.0, 5.0), (-1.0, 5.0), (1.0, float("inf")), (float("nan"), 5.0)])
def test_profile_refuses_a_range_that_is_not_low_to_high_from_zero(name: str, span: tuple[float, float]) -> None:
    with pytest.raises(ValueError, match=name):
        plan.Profile(**{name: span})


def test_a_number_of_visitors_fixes_the_crowd_whatever_the_staffing() -> None:
    """--visitors lets two staffings be compared under one crowd: the count does not follow
    the counters the config staffs, and a span without opening hours still brings nobody."""
    start, end = at(DEMO, "08:30"), at(DEMO, "12:00")
    assert plan.expected_arrivals(DEMO, plan.Profile(visitors=300), start, end) == 300.0
    arrivals = plan.plan_arrivals(DEMO, plan.Profile(visitors=300), 1, start, end)
    assert 250 < len(arrivals) < 350
    lunch = plan.expected_arrivals(DEMO, plan.Profile(visitors=300), at(DEMO, "12:00"), at(DEMO, "13:30"))
    assert lunch == 0.0
    with pytest.raises(ValueError, match="visitors"):
        plan.Profile(visitors=-1)


@pytest.mark.parametrize("name", ["demo", "test"])
def test_expected_arrivals_scale_with_load(name: str) -> None:
    config = HALLS[name]
    start, end = at(config, "08:00"), at(config, "18:00")
    one = plan.expected_arrivals(config, plan.Profile(load=1.0), start, end)
    assert one > 0
    for load in (0.25, 0.85, 2.0, 5.0):
        assert plan.expected_arrivals(config, plan.Profile(load=load), start, end) == pytest.approx(load * one)
    light = plan.plan_arrivals(config, plan.Profile(load=1.0), 9, start, end)
    heavy = plan.plan_arrivals(config, plan.Profile(load=4.0), 9, start, end)
    assert 3.0 < len(heavy) / len(light) < 5.0


def test_expected_arrivals_count_only_opening_hours() -> None:
    """The demo hall opens 08:30-12:00 and 13:30-17:30: the capacity behind the day's visitors
    is the staffed counters over those 450 minutes."""
    profile = plan.Profile(load=1.0)
    weights = plan.service_weights(DEMO, {})
    staffed = sum(1 for c in DEMO.counters if c.staffed)
    day = plan.expected_arrivals(DEMO, profile, at(DEMO, "00:00"), at(DEMO, "23:59"))
    assert day == pytest.approx(staffed * 450 / plan.mean_handle_minutes(DEMO, weights))
    assert plan.expected_arrivals(DEMO, profile, at(DEMO, "12:00"), at(DEMO, "13:30")) == 0.0
    morning = plan.expected_arrivals(DEMO, profile, at(DEMO, "08:30"), at(DEMO, "12:00"))
    assert morning == pytest.approx(day * 210 / 450)


def test_a_closed_day_expects_nobody() -> None:
    assert plan.expected_arrivals(DEMO, plan.Profile(), at(DEMO, "08:00", SUNDAY), at(DEMO, "18:00", SUNDAY)) == 0.0


@pytest.mark.parametrize("span", [("12:00", "13:30"), ("08:00", "08:30")])
def test_a_span_outside_opening_hours_plans_nobody(span: tuple[str, str]) -> None:
    assert plan.plan_arrivals(DEMO, plan.Profile(), 1, at(DEMO, span[0]), at(DEMO, span[1])) == []


def test_a_span_outside_the_days_shape_plans_nobody() -> None:
    assert plan.plan_arrivals(DEMO, plan.Profile(), 1, at(DEMO, "19:00"), at(DEMO, "23:00")) == []
    assert plan.plan_arrivals(DEMO, plan.Profile(), 1, at(DEMO, "10:00"), at(DEMO, "10:00")) == []


def test_visitors_use_a_kiosk_on_their_services_floor() -> None:
    zones = {k.name: k.zone for k in DEMO.devices.kiosks}
    assert sorted(zones.values()) == ["1F", "2F"]
    by_id = {s.id: s for s in DEMO.services}
    arrivals = full_day("demo", 6.0, 1)
    assert all(zones[a.kiosk] == by_id[a.service].zone for a in arrivals)
    assert set(Counter(a.kiosk for a in arrivals)) == {"kiosk-1", "kiosk-2"}


def test_without_a_kiosk_on_their_floor_visitors_use_any(tmp_path: Path) -> None:
    config = config_with(
        tmp_path,
        'kiosks = [{ name = "kiosk-1", token = "kiosk-token-1", zone = "1F" }]',
        'kiosks = [{ name = "kiosk-1", token = "kiosk-token-1", zone = "1F" },\n'
        '          { name = "kiosk-3", token = "kiosk-token-3", zone = "3F" }]',
    )
    profile = plan.Profile(load=20)
    arrivals = plan.plan_arrivals(config, profile, 2, at(config, "08:00"), at(config, "18:00"))
    kiosks = {s: Counter(a.kiosk for a in arrivals if a.service == s) for s in ("social", "consult", "tax")}
    assert set(kiosks["social"]) == {"kiosk-1"}  # 1F: the 1F kiosk only
    assert set(kiosks["consult"]) == {"kiosk-1"}
    assert set(kiosks["tax"]) == {"kiosk-1", "kiosk-3"}  # 2F has no kiosk: either one
    assert min(kiosks["tax"].values()) > 0.3 * sum(kiosks["tax"].values())


# ---------------------------------------------------------------------------------- visitors


@pytest.mark.parametrize("share", [0.06, 0.3])
def test_no_shows_come_at_their_share(share: float) -> None:
    profile = plan.Profile(no_show_share=share)
    people = [plan.visitor(DEMO, profile, 3, n, "social") for n in numbers("S", 999)]
    people += [plan.visitor(DEMO, profile, 3, n, "tax") for n in numbers("T", 999)]
    absent = sum(not v.shows_up for v in people) / len(people)
    assert absent == pytest.approx(share, abs=0.025)


def test_no_show_share_at_its_limits() -> None:
    assert all(plan.visitor(TEST, plan.Profile(no_show_share=0.0), 1, n, "social").shows_up for n in numbers("A", 300))
    assert not any(
        plan.visitor(TEST, plan.Profile(no_show_share=1.0), 1, n, "social").shows_up for n in numbers("A", 300)
    )


def test_transfers_and_leavers_come_at_their_shares() -> None:
    profile = plan.Profile(transfer_share=0.2, cancel_share=0.1)
    people = [plan.visitor(DEMO, profile, 8, n, "business") for n in numbers("B", 999)]
    people += [plan.visitor(DEMO, profile, 8, n, "police") for n in numbers("GA", 999)]
    assert sum(v.transfer_to is not None for v in people) / len(people) == pytest.approx(0.2, abs=0.025)
    leavers = [v.leaves_after_seconds for v in people if v.leaves_after_seconds is not None]
    assert len(leavers) / len(people) == pytest.approx(0.1, abs=0.025)
    assert all(20 * 60 <= s <= 60 * 60 for s in leavers)
    hasty = plan.Profile(transfer_share=0.2, cancel_share=0.1, patience_minutes=(2.0, 5.0))
    again = [plan.visitor(DEMO, hasty, 8, n, "business") for n in numbers("B", 999)]
    assert [v.leaves_after_seconds is None for v in again] == [v.leaves_after_seconds is None for v in people[:999]]
    assert all(2 * 60 <= v.leaves_after_seconds <= 5 * 60 for v in again if v.leaves_after_seconds is not None)


def test_a_transfer_goes_to_another_service_of_the_hall() -> None:
    profile = plan.Profile(transfer_share=1.0)
    ids = {s.id for s in DEMO.services}
    targets = Counter()
    for n in numbers("M", 500):
        v = plan.visitor(DEMO, profile, 4, n, "medical")
        assert v.transfer_to in ids - {"medical"}
        targets[v.transfer_to] += 1
    assert len(targets) == len(ids) - 1


ONE_SERVICE_HALL = """
[hall]
name = { zh = "小厅", en = "Small hall" }
languages = ["zh", "en"]
timezone = "Asia/Shanghai"
opening_hours = ["00:00-24:00"]
open_days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

[[services]]
id = "social"
prefix = "A"
name = { zh = "社保", en = "Social security" }

[[counters]]
number = 1

[devices]
kiosks = [{ name = "kiosk-1", token = "kiosk-token-1" }]
"""


def test_a_hall_of_one_service_transfers_nobody(tmp_path: Path) -> None:
    path = tmp_path / "one.toml"
    path.write_text(ONE_SERVICE_HALL, encoding="utf-8")
    config = hall_config.load(path)
    profile = plan.Profile(transfer_share=1.0)
    assert all(plan.visitor(config, profile, 1, n, "social").transfer_to is None for n in numbers("A", 100))
    arrivals = plan.plan_arrivals(config, plan.Profile(load=3), 1, at(config, "09:00"), at(config, "11:00"))
    assert arrivals and {(a.service, a.kiosk) for a in arrivals} == {("social", "kiosk-1")}


@pytest.mark.parametrize("name", ["demo", "test"])
def test_a_transferred_visitor_shows_up_and_stays(name: str) -> None:
    config = HALLS[name]
    profile = plan.Profile(no_show_share=1.0, transfer_share=1.0, cancel_share=1.0)
    service = config.services[0]
    for number in numbers(service.prefix, 300):
        first = plan.visitor(config, profile, 6, number, service.id)
        assert not first.shows_up and first.transfer_to is not None and first.leaves_after_seconds is not None
        later = plan.visitor(config, profile, 6, number, first.transfer_to, transfers=1)
        assert later.shows_up
        assert later.transfer_to is None
        assert later.leaves_after_seconds is None
        assert plan.visitor(config, profile, 6, number, service.id, transfers=2).shows_up


@pytest.mark.parametrize(("name", "service"), [("demo", "social"), ("demo", "consult"), ("demo", "realestate")])
def test_handle_times_have_the_configured_mean(name: str, service: str) -> None:
    config = HALLS[name]
    conf = next(s for s in config.services if s.id == service)
    profile = plan.Profile()
    seconds = [plan.visitor(config, profile, 12, n, service).handle_seconds for n in numbers(conf.prefix, 999)]
    seconds += [plan.visitor(config, profile, 13, n, service).handle_seconds for n in numbers(conf.prefix, 999)]
    assert statistics.fmean(seconds) == pytest.approx(conf.default_handle_minutes * 60, rel=0.05)
    assert min(seconds) >= 30.0
    # log-normal with sigma 0.45: the spread is about half the mean
    assert 0.35 < statistics.pstdev(seconds) / statistics.fmean(seconds) < 0.6


def test_handle_times_follow_the_spread() -> None:
    narrow = plan.Profile(handle_spread=0.05)
    seconds = [plan.visitor(TEST, narrow, 1, n, "tax").handle_seconds for n in numbers("B", 500)]
    assert statistics.fmean(seconds) == pytest.approx(600, rel=0.02)
    assert all(500 < s < 720 for s in seconds)


def test_walk_up_times_stay_in_their_range() -> None:
    profile = plan.Profile(walk_up_seconds=(10.0, 20.0))
    walks = [plan.visitor(TEST, profile, 1, n, "social").walk_up_seconds for n in numbers("A", 500)]
    assert all(10.0 <= w <= 20.0 for w in walks)
    assert max(walks) - min(walks) > 8.0


# ---------------------------------------------------------------------------------- clerks' breaks


def test_a_clerk_breaks_once_in_the_middle_half() -> None:
    start, end = at(DEMO, "08:30"), at(DEMO, "12:00")
    profile = plan.Profile(break_minutes=(5.0, 12.0))
    moments = []
    for seed in (1, 2, 3):
        for counter in range(1, 13):
            rest = plan.clerk_break(seed, counter, profile, start, end)
            assert rest is not None
            when, seconds = rest
            assert start + 0.25 * (end - start) <= when <= start + 0.75 * (end - start)
            assert 5 * 60 <= seconds <= 12 * 60
            assert rest == plan.clerk_break(seed, counter, profile, start, end)
            moments.append(when)
    assert len(set(moments)) == len(moments)  # counters do not all break at once


@pytest.mark.parametrize("minutes", [(0.0, 0.0), (5.0, 0.0)])
def test_no_break_when_the_longest_break_is_zero(minutes: tuple[float, float]) -> None:
    profile = plan.Profile(break_minutes=minutes)
    assert all(plan.clerk_break(1, c, profile, at(DEMO, "08:30"), at(DEMO, "12:00")) is None for c in range(1, 13))
