"""The fan-out: which connected client hears which event, as a pure function (no sockets).

``fanout.news`` turns the domain's change records into events; ``fanout.route`` picks each
event's audience from the clients' roles, zones, counters, sessions and services, and numbers
the events; ``fanout.route_queue`` splits the coalesced queue update by display zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hallcall import protocol as p
from hallcall.config import HallConfig, Names, load
from hallcall.server import fanout
from hallcall.server.domain.hall import HallState
from hallcall.server.domain.model import Journal
from hallcall.server.fanout import News
from hallcall.server.views import Views, device_report

TEST_HALL = Path(__file__).parent / "halls" / "test-hall.toml"
NOW = 1795399200.0  # Monday 2026-11-23 10:00 Asia/Shanghai


@dataclass(eq=False)
class Listener:
    """A connected client as routing sees it."""

    name: str
    role: str
    zone: str = ""
    counter: int | None = None
    session_id: int | None = None
    services: frozenset[str] = frozenset()


class Room:
    """A hall full of clients: two zoned displays and an unzoned one, a kiosk, two supervisors,
    and the programs of counters 1 (1F, every service), 2 (2F, tax and social) and 4 (social)."""

    def __init__(self) -> None:
        self.display_1f = Listener("display-1F", "display", zone="1F")
        self.display_2f = Listener("display-2F", "display", zone="2F")
        self.display_all = Listener("display-all", "display")
        self.kiosk = Listener("kiosk-1", "kiosk", zone="1F")
        self.boss = Listener("boss", "supervisor")
        self.deputy = Listener("deputy", "supervisor")
        every = frozenset({"social", "tax", "consult"})
        self.counter_1 = Listener("cat", "counter", counter=1, session_id=11, services=every)
        self.counter_2 = Listener("dan", "counter", counter=2, session_id=12, services=frozenset({"tax", "social"}))
        self.counter_4 = Listener("ann", "counter", counter=4, session_id=14, services=frozenset({"social"}))

    def everyone(self) -> list[Listener]:
        return list(vars(self).values())

    def by_role(self) -> dict[str, list[Listener]]:
        found: dict[str, list[Listener]] = {r: [] for r in ("kiosk", "display", "counter", "supervisor")}
        for c in self.everyone():
            found[c.role].append(c)
        return found


@pytest.fixture(scope="module")
def config() -> HallConfig:
    return load(TEST_HALL)


@pytest.fixture
def room() -> Room:
    return Room()


@pytest.fixture
def views(config: HallConfig) -> Views:
    return Views(config)


def heard(routed: list[tuple[p.Event[Any], list[Listener]]]) -> dict[str, set[str]]:
    """topic/name → the names of those who heard it."""
    found: dict[str, set[str]] = {}
    for message, targets in routed:
        found.setdefault(f"{message.topic}/{message.name}", set()).update(c.name for c in targets)
    return found


def call(number: str, counter: int, zone: str) -> p.CallView:
    names = Names(zh=f"{counter}号窗口", en=f"Counter {counter}")
    return p.CallView(
        number=number,
        service="social",
        counter=counter,
        counter_name=names,
        zone=zone,
        recall=0,
        priority="normal",
        at=NOW,
    )


def wait_warning(number: str, service: str, counter: int | None = None) -> p.WaitWarning:
    return p.WaitWarning(
        level=1, key=f"wait:{number}", raised_at=NOW, number=number, service=service, waited_s=480, target_s=600,
        counter=counter,
    )  # fmt: skip


# ---------------------------------------------------------------------------- calls and counters
def test_a_call_goes_to_its_zones_displays_the_supervisors_and_the_counter_itself(room: Room) -> None:
    routed, _ = fanout.route([News("calls", "called", call("A001", 4, "1F"))], room.by_role(), 0)
    assert heard(routed) == {"calls/called": {"display-1F", "display-all", "boss", "deputy", "ann"}}


def test_a_call_at_a_counter_without_zone_goes_to_every_display(room: Room) -> None:
    routed, _ = fanout.route([News("calls", "called", call("A001", 9, ""))], room.by_role(), 0)
    assert heard(routed)["calls/called"] == {"display-1F", "display-2F", "display-all", "boss", "deputy"}


def test_a_counter_view_reaches_the_same_audience_as_its_calls(room: Room, config: HallConfig, views: Views) -> None:
    state = HallState(config, enforce_hours=False)
    state.roll(NOW)
    view = views.counter(state.counter_figures(2))  # zone 2F
    routed, _ = fanout.route([News("counters", "counter", view)], room.by_role(), 0)
    assert heard(routed) == {"counters/counter": {"display-2F", "display-all", "boss", "deputy", "dan"}}


# ---------------------------------------------------------------------------- journal, notice, devices
def test_the_journal_goes_only_to_supervisors(room: Room, views: Views) -> None:
    entry = views.journal_entry(Journal(NOW, "sign_in", counter=1, clerk="cat"))
    routed, _ = fanout.route([News("journal", "sign_in", entry)], room.by_role(), 0)
    assert heard(routed) == {"journal/sign_in": {"boss", "deputy"}}


def test_the_notice_goes_to_displays_and_supervisors(room: Room, views: Views) -> None:
    notice = views.shown_notice({"zh": "今天提前下班", "en": "Closing early today"})
    routed, _ = fanout.route([News("notice", "notice", notice)], room.by_role(), 0)
    assert heard(routed) == {"notice/notice": {"display-1F", "display-2F", "display-all", "boss", "deputy"}}
    assert routed[0][0].data == Names(zh="今天提前下班", en="Closing early today")


def test_a_device_status_goes_to_counters_and_supervisors(room: Room) -> None:
    report = device_report(
        Journal(NOW, "device_fault", reason="out of paper", detail={"device": "kiosk-1", "role": "kiosk"})
    )
    assert (report.device, report.role, report.state, report.detail) == ("kiosk-1", "kiosk", "fault", "out of paper")
    routed, _ = fanout.route([News("devices", "device", report)], room.by_role(), 0)
    assert heard(routed) == {"devices/device": {"cat", "dan", "ann", "boss", "deputy"}}


# ---------------------------------------------------------------------------- warnings
def test_a_wait_warning_goes_to_the_counters_serving_its_service(room: Room) -> None:
    routed, _ = fanout.route([News("warnings", "raised", wait_warning("B001", "tax"))], room.by_role(), 0)
    assert heard(routed) == {"warnings/raised": {"cat", "dan", "boss", "deputy"}}  # ann serves social only


def test_a_warning_about_one_counter_goes_to_that_counter_only(room: Room) -> None:
    sent_to_4 = wait_warning("A003", "social", counter=4)  # transferred to counter 4 in particular
    pause = p.PauseWarning(level=1, key="pause:2", raised_at=NOW, counter=2, clerk="dan", reason="lunch", paused_s=1200)
    empty = p.UnstaffedWarning(level=1, key="unstaffed:1", raised_at=NOW, counter=1, since=NOW, backups=[])
    items = [
        News("warnings", "raised", sent_to_4),
        News("warnings", "raised", pause),
        News("warnings", "cleared", empty),
    ]
    routed, _ = fanout.route(items, room.by_role(), 0)
    assert [{c.name for c in targets} for _, targets in routed] == [
        {"ann", "boss", "deputy"},
        {"dan", "boss", "deputy"},
        {"cat", "boss", "deputy"},
    ]


# ---------------------------------------------------------------------------- sessions
def test_session_ended_goes_to_that_sign_in_which_then_hears_nothing_more(room: Room) -> None:
    ended = News("session", "ended", p.SessionEnded(counter=4, reason="day end"), session_id=14)
    items = [ended, News("calls", "called", call("A002", 4, "1F")), News("devices", "device", _ok("kiosk-1"))]
    routed, _ = fanout.route(items, room.by_role(), 0)
    assert heard(routed) == {
        "session/ended": {"ann"},
        "calls/called": {"display-1F", "display-all", "boss", "deputy"},
        "devices/device": {"cat", "dan", "boss", "deputy"},
    }


def test_session_ended_spares_a_new_sign_in_at_the_same_counter(room: Room) -> None:
    room.counter_4.session_id = 15  # a take-over: the old session (14) ended, the new one is connected
    ended = News("session", "ended", p.SessionEnded(counter=4, reason="taken over"), session_id=14)
    routed, _ = fanout.route([ended], room.by_role(), 0)
    assert routed == []


def _ok(device: str) -> p.DeviceReport:
    return p.DeviceReport(device=device, role="kiosk", state="ok", code="", text=Names(zh="", en=""), detail="", at=NOW)


# ---------------------------------------------------------------------------- numbering
def test_events_are_numbered_in_order_and_an_unheard_one_keeps_its_number(room: Room) -> None:
    only_kiosks = {"kiosk": [room.kiosk], "display": [], "counter": [], "supervisor": []}
    items = [News("journal", "issue", None), News("calls", "called", call("A001", 4, "1F"))]
    routed, seq = fanout.route(items, only_kiosks, 41)
    assert routed == [] and seq == 43
    routed, seq = fanout.route(items, room.by_role(), 41)
    assert [m.seq for m, _ in routed] == [42, 43] and seq == 43


# ---------------------------------------------------------------------------- the queue update
def test_the_queue_update_is_cut_by_display_zone(room: Room, config: HallConfig, views: Views) -> None:
    state = HallState(config, enforce_hours=False)
    state.roll(NOW)
    update = views.queue(state)
    routed = fanout.route_queue(update, room.everyone(), 7, lambda zone: views.zone_services(state, zone))
    by_group = {frozenset(c.name for c in targets): m for m, targets in routed}
    everyone_else = frozenset({"display-all", "kiosk-1", "boss", "deputy", "cat", "dan", "ann"})
    assert set(by_group) == {frozenset({"display-1F"}), frozenset({"display-2F"}), everyone_else}
    assert all(m.seq == 7 and m.topic == "queue" for m in by_group.values())
    assert [s.service for s in by_group[everyone_else].data.services] == ["social", "tax", "consult"]
    # Counter 1 (1F) serves every service, counter 2 (2F) tax and social: their floors list them.
    assert [s.service for s in by_group[frozenset({"display-1F"})].data.services] == ["social", "tax", "consult"]
    assert [s.service for s in by_group[frozenset({"display-2F"})].data.services] == ["social", "tax"]
    assert by_group[frozenset({"display-2F"})].data.callable == update.callable


# ---------------------------------------------------------------------------- from the domain's changes
def test_news_of_a_call_in_order(config: HallConfig, views: Views) -> None:
    state = HallState(config, enforce_hours=False)
    state.roll(NOW)
    changes = state.sign_in(4, "ann", "h", NOW)[1]
    changes += state.issue("social", NOW)[1]
    changes += state.call_next(4, NOW + 60)[1]
    items = fanout.news(changes, state, views)
    assert [(n.topic, n.name) for n in items] == [
        ("journal", "sign_in"),
        ("journal", "issue"),
        ("journal", "call"),
        ("calls", "called"),
        ("counters", "counter"),
    ]
    called, view = items[3].data, items[4].data
    assert (called.number, called.counter, called.zone, called.recall) == ("A001", 4, "1F", 0)
    assert (view.counter, view.clerk, view.current.number) == (4, "ann", "A001")
    quiet = fanout.news(changes, state, views, journal=False)  # no supervisor connected
    assert [n.topic for n in quiet] == ["calls", "counters"]


def test_news_of_a_forced_sign_out_ends_the_session_and_shows_the_counter(config: HallConfig, views: Views) -> None:
    state = HallState(config, enforce_hours=False)
    state.roll(NOW)
    session, _ = state.sign_in(4, "ann", "h", NOW)
    changes = state.sign_out(4, NOW + 60, "signed out by supervisor boss", force=True)
    items = fanout.news(changes, state, views, journal=False)
    assert [(n.topic, n.session_id) for n in items] == [("session", session.id), ("counters", None)]
    assert items[0].data == p.SessionEnded(counter=4, reason="signed out by supervisor boss")
    assert items[1].data.clerk is None


def test_news_of_a_new_day_shows_every_counter(config: HallConfig, views: Views) -> None:
    state = HallState(config, enforce_hours=False)
    state.roll(NOW)
    items = fanout.news([], state, views, every_counter=True)
    assert [n.data.counter for n in items] == [1, 2, 3, 4]
