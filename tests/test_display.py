"""The hall display against a real server: calls appear, zones filter, reconnects redraw.

Real server (``live_hall``), real link, real widgets offscreen, real speech synthesis; only the
sound card is replaced by a recording player.  Screenshots go to build/screenshots/.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import pytest
from conftest import DISPLAY_1F, DISPLAY_2F, MONDAY_10AM, ROOT, TEST_HALL, LiveHall, config_with
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget
from test_announcer import hanging_worker

from hallcall.config import HallConfig, Names
from hallcall.display.app import DisplayApp
from hallcall.display.board import Board
from hallcall.display.cli import add_arguments
from hallcall.display.palette import colour_pairs, contrast_ratio
from hallcall.display.playback import RecordingPlayer
from hallcall.display.screen import DisplayScreen
from hallcall.server import snapshot as server_snapshot
from hallcall.server.domain.hall import HallState
from hallcall.server.views import Views

pytestmark = pytest.mark.timeout(60)

SHOTS = ROOT / "build" / "screenshots"


@pytest.fixture
def displays(qtbot: Any) -> Iterator[Callable[..., DisplayApp]]:
    made: list[DisplayApp] = []

    def make(url: str, token: str = DISPLAY_1F["token"], size: tuple[int, int] = (1920, 1080), **kw: Any) -> DisplayApp:
        kw.setdefault("player", RecordingPlayer())
        app = DisplayApp(url, token, **kw)
        made.append(app)
        app.link.min_backoff, app.link.max_backoff = 0.05, 0.3
        app.screen.resize(*size)
        app.screen.show()
        app.start()
        qtbot.waitUntil(lambda: app.link.state == "connected", timeout=5000)
        return app

    yield make
    for app in made:
        app.stop()


def issue(live_hall: LiveHall, service: str, count: int = 1) -> list[str]:
    kiosk = live_hall.run(live_hall.hall.kiosk())
    return [live_hall.run(kiosk.request("issue", service=service))["ticket"]["number"] for _ in range(count)]


def call_next(live_hall: LiveHall, counter: int, clerk: str = "cat") -> str:
    client = live_hall.run(live_hall.hall.counter(counter, clerk))
    return live_hall.run(client.request("call_next"))["ticket"]["number"]


def recall(live_hall: LiveHall, counter: int, clerk: str = "cat") -> None:
    client = live_hall.run(live_hall.hall.counter(counter, clerk))
    live_hall.run(client.request("recall"))


def shown_calls(screen: DisplayScreen) -> list[tuple[str, str]]:
    """The "now calling" rows as (number, counter name) pairs, top to bottom."""
    return [(row.number.text(), row.name.text()) for row in screen.rows if not row.isHidden()]


def waiting_lines(screen: DisplayScreen) -> list[tuple[str, str]]:
    return [(name.text(), count.text()) for name, _, count in screen.waiting_rows if name.isVisibleTo(screen)]


def recent_numbers(screen: DisplayScreen) -> list[str]:
    return [number.text() for number, _ in screen.recent_rows if number.isVisibleTo(screen)]


@dataclass(eq=False)
class Watcher:
    """A display as the server's snapshot function sees its client (``fanout.Listener``)."""

    zone: str = ""
    role: str = "display"
    counter: int | None = None
    session_id: int | None = None
    services: frozenset[str] = frozenset()


def calling(
    config: HallConfig, tickets: dict[str, int], callers: list[tuple[int, str]], *, zone: str = ""
) -> dict[str, Any]:
    """The snapshot a display of ``zone`` gets once ``tickets`` (service → how many) are issued
    and each of ``callers`` (counter, clerk) signed in and called its next ticket, a minute
    apart: made by the server's own domain, view layer and snapshot function, as decoded JSON
    (the protocol message the display's mirror takes)."""
    state, views = HallState(config, enforce_hours=False), Views(config, enforce_hours=False)
    now = MONDAY_10AM
    state.roll(now)
    for service, count in tickets.items():
        for _ in range(count):
            state.issue(service, now)
    calls = []
    for counter, clerk in callers:
        now += 60
        state.sign_in(counter, clerk, "-", now)
        calls.append(views.call(state.call_next(counter, now)[0], "call"))
    hall = server_snapshot.Hall(
        state=state, views=views, seq=1, server_time=now, clock_speed=1.0, calls=calls,
        notice=views.configured_notice, warnings=[], devices=[],
    )  # fmt: skip
    body = server_snapshot.snapshot(hall, Watcher(zone=zone), config.devices.displays[0].name)
    return {"type": "snapshot", **msgspec.to_builtins(body)}


def save(screen: DisplayScreen, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"display-{name}.png"
    assert screen.grab().save(str(path)), path
    return path


def test_a_counters_call_appears_flashes_and_is_announced(live_hall: LiveHall, displays: Any, qtbot: Any) -> None:
    player = RecordingPlayer()
    app = displays(live_hall.url, player=player)
    screen = app.screen
    assert screen.hall_name.text() == "测试大厅" and screen.hall_name2.text() == "Test Hall"
    assert shown_calls(screen) == []
    issue(live_hall, "social", 3)
    qtbot.waitUntil(lambda: ("A 社保", "3人") in waiting_lines(screen), timeout=3000)
    number = call_next(live_hall, 1)
    assert number == "A001"
    qtbot.waitUntil(lambda: shown_calls(screen) == [("A001", "1号窗口")], timeout=3000)
    assert screen.caption1.text() == "请A001号到1号窗口办理"
    assert screen.caption2.text() == "Ticket A001, please go to counter 1"
    assert screen.flashing()
    assert recent_numbers(screen) == []  # A001 is on "now calling", not repeated under "recent calls"
    qtbot.waitUntil(lambda: ("A 社保", "2人") in waiting_lines(screen), timeout=3000)
    played = player.wait_for(3, timeout=10)
    assert [p.kind for p in played] == ["chime", "speech:zh", "speech:en"]
    # A recall is shown and announced again.
    live_hall.clock.advance(60)
    recall(live_hall, 1)
    qtbot.waitUntil(lambda: app.board.calls[-1].recall == 1, timeout=3000)
    assert shown_calls(screen) == [("A001", "1号窗口")]
    assert screen.flashing()
    played = player.wait_for(6, timeout=10)
    assert [p.kind for p in played[3:]] == ["chime", "speech:zh", "speech:en"]


def test_a_recalled_ticket_comes_to_the_top_of_now_calling(live_hall: LiveHall, displays: Any, qtbot: Any) -> None:
    app = displays(live_hall.url, voice=False)
    screen = app.screen
    issue(live_hall, "social", 3)
    issue(live_hall, "consult", 2)
    called = []
    for counter, clerk in ((1, "cat"), (3, "dan"), (4, "ann")):
        live_hall.clock.advance(40)
        called.append(call_next(live_hall, counter, clerk))
    assert called[0] == "A001"
    qtbot.waitUntil(lambda: [n for n, _ in shown_calls(screen)] == called[::-1], timeout=3000)
    # A recall keeps the ticket's first call time, yet it is the newest call: its row goes on
    # top (where it flashes), not at the bottom where a busy hall's screen has no room for it.
    live_hall.clock.advance(60)
    recall(live_hall, 1)
    expected = ["A001", called[2], called[1]]
    qtbot.waitUntil(lambda: [n for n, _ in shown_calls(screen)] == expected, timeout=3000)
    assert screen.caption1.text() == "请A001号到1号窗口办理"
    assert screen.rows[0].hot and not screen.rows[1].hot


def test_screenshots_landscape_and_portrait_in_both_languages(live_hall: LiveHall, displays: Any, qtbot: Any) -> None:
    issue(live_hall, "social", 6)
    issue(live_hall, "consult", 2)
    for counter, clerk in ((1, "cat"), (3, "dan"), (4, "ann")):
        live_hall.clock.advance(40)
        call_next(live_hall, counter, clerk)
    for lang, (w, h) in (("zh", (1920, 1080)), ("en", (1920, 1080)), ("zh", (1080, 1920)), ("en", (1080, 1920))):
        app = displays(live_hall.url, size=(w, h), lang=lang, voice=False)
        screen = app.screen
        qtbot.waitUntil(lambda screen=screen: len(shown_calls(screen)) == 3, timeout=3000)
        screen.board.mirror.notice = Names(
            zh="请保管好随身物品，过号请重新取号。",
            en="Please keep your belongings with you.",
        )
        screen.show_board(screen.board)
        screen.flash(screen.board.newest())
        shape = "landscape" if w > h else "portrait"
        assert screen.portrait == (shape == "portrait")
        qtbot.wait(50)
        path = save(screen, f"{shape}-{lang}")
        assert path.stat().st_size > 20_000  # a drawn screen, not a blank one
        app.stop()
    # The newest call (A002 at counter 4) is on top, and it is what the caption says.
    assert shown_calls(screen)[0] == ("A002", "Counter 4")
    assert screen.caption1.text() == "Ticket A002, please go to counter 4"


def test_zone_filter_hides_other_floors(live_hall: LiveHall, displays: Any, qtbot: Any) -> None:
    first = displays(live_hall.url, token=DISPLAY_1F["token"], voice=False)
    second = displays(live_hall.url, token=DISPLAY_2F["token"], voice=False)
    overridden = displays(live_hall.url, token=DISPLAY_1F["token"], zone="2F", voice=False)
    issue(live_hall, "social")
    issue(live_hall, "tax")
    assert call_next(live_hall, 2, "cat") == "B001"  # counter 2 is on 2F and serves tax first
    qtbot.waitUntil(lambda: shown_calls(second.screen) == [("B001", "2号窗口")], timeout=3000)
    qtbot.waitUntil(lambda: shown_calls(overridden.screen) == [("B001", "2号窗口")], timeout=3000)
    assert call_next(live_hall, 1, "dan") == "A001"  # counter 1 is on 1F
    qtbot.waitUntil(lambda: shown_calls(first.screen) == [("A001", "1号窗口")], timeout=3000)
    assert shown_calls(second.screen) == [("B001", "2号窗口")]
    assert recent_numbers(first.screen) == []  # A001 is in "now calling", and 2F's B001 is nowhere on 1F
    # Each floor lists the services its counters serve: 1F's counter 1 serves all three, 2F's
    # counter 2 tax and social (test_display_panels.py has the transfers).
    assert [name for name, _ in waiting_lines(first.screen)] == ["A 社保", "B 税务", "C 咨询"]
    assert [name for name, _ in waiting_lines(second.screen)] == ["A 社保", "B 税务"]
    assert [name for name, _ in waiting_lines(overridden.screen)] == ["A 社保", "B 税务"]


def test_reconnects_after_a_server_restart_and_redraws(live_hall: LiveHall, displays: Any, qtbot: Any) -> None:
    app = displays(live_hall.url, voice=False)
    states: list[str] = []
    app.link.state_changed.connect(states.append)
    issue(live_hall, "social", 2)
    call_next(live_hall, 1, "cat")
    qtbot.waitUntil(lambda: shown_calls(app.screen) == [("A001", "1号窗口")], timeout=3000)
    live_hall.stop()
    qtbot.waitUntil(lambda: app.link.state == "reconnecting", timeout=5000)
    assert "重连" in app.badge.text()
    live_hall.start()
    qtbot.waitUntil(lambda: app.link.state == "connected", timeout=8000)
    # The counter still has A001 (stored); the in-memory call list started empty again.
    assert shown_calls(app.screen) == [("A001", "1号窗口")]
    assert app.screen.caption1.text() == "请A001号到1号窗口办理"  # not "no calls yet"
    assert ("A 社保", "1人") in waiting_lines(app.screen)
    assert call_next(live_hall, 4, "ann") == "A002"
    qtbot.waitUntil(lambda: [n for n, _ in shown_calls(app.screen)] == ["A002", "A001"], timeout=3000)
    assert "reconnecting" in states and states[-1] == "connected"


def test_a_refused_display_says_why_on_screen_and_asks_again(live_hall: LiveHall, qtbot: Any) -> None:
    app = DisplayApp(live_hall.url, "no-such-token", voice=False)
    try:
        app.link.retry_refused_after = 0.3
        refusals: list[dict[str, Any]] = []
        app.link.refused.connect(refusals.append)
        app.screen.resize(1920, 1080)
        app.screen.show()
        app.start()
        qtbot.waitUntil(lambda: app.screen.warning.isVisible(), timeout=5000)
        text = app.screen.warning_text.text()
        assert "服务器拒绝本屏登录" in text and "The server refused this display: " in text, text
        assert "设备令牌" in text and "device token" in text, text  # not "name or password"
        qtbot.waitUntil(lambda: len(refusals) >= 2, timeout=5000)  # it asked again by itself
        # The token is put right (in a hall: the config, then a server restart): the next try
        # signs in and the warning goes.
        app.link.set_hello(token=DISPLAY_1F["token"])
        qtbot.waitUntil(lambda: app.link.state == "connected", timeout=5000)
        qtbot.waitUntil(lambda: not app.screen.warning.isVisible(), timeout=3000)
    finally:
        app.stop()


def test_a_zone_with_no_counters_is_a_warning_not_a_silent_empty_screen(
    live_hall: LiveHall, displays: Any, qtbot: Any
) -> None:
    app = displays(live_hall.url, zone="2f", voice=False)  # the hall's zones are 1F and 2F
    qtbot.waitUntil(lambda: app.screen.warning.isVisible(), timeout=3000)
    text = app.screen.warning_text.text()
    assert "区域“2f”没有窗口（本厅区域：1F, 2F）" in text and 'Zone "2f" has no counters' in text, text
    right = displays(live_hall.url, zone="2F", voice=False)
    assert not right.screen.warning.isVisible()


@pytest.mark.parametrize("address", ["127.0.0.1:8765", "http://127.0.0.1:8765", "ws://127.0.0.1:87x5"])
def test_a_server_address_that_is_not_a_websocket_is_refused_at_once(
    address: str, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    with pytest.raises(SystemExit):
        parser.parse_args(["--server", address, "--token", "t"])
    assert f"argument --server: {address!r}" in capsys.readouterr().err
    assert parser.parse_args(["--server", "ws://10.0.0.5:8765", "--token", "t"]).server == "ws://10.0.0.5:8765"


def test_every_text_colour_has_a_contrast_of_at_least_7_to_1() -> None:
    pairs = colour_pairs()
    assert len(pairs) >= 10
    low = [(p.use, round(contrast_ratio(p.text, p.background), 2)) for p in pairs]
    assert all(ratio >= 7.0 for _, ratio in low), low
    assert round(contrast_ratio("#ffffff", "#000000"), 1) == 21.0  # the formula itself
    assert round(contrast_ratio("#777777", "#ffffff"), 2) == 4.48


def test_a_supervisors_notice_scrolls_without_repainting_the_screen(
    live_hall: LiveHall, displays: Any, qtbot: Any
) -> None:
    app = displays(live_hall.url, voice=False)
    marquee = app.screen.marquee
    assert marquee.isHidden()  # the test hall configures no notice
    supervisor = live_hall.run(live_hall.hall.supervisor())
    long_zh = "今天下午三点至四点系统维护，社保业务暂停办理，请提前取号。" * 2
    live_hall.run(supervisor.request("notice", zh=long_zh, en="System maintenance from 3 to 4 pm."))
    qtbot.waitUntil(lambda: marquee.text().startswith(long_zh), timeout=3000)
    assert marquee.isVisible() and marquee.scrolling()
    painted = PaintCounter(app.screen.hall_name)
    frames, offset = marquee.frames, marquee.offset
    qtbot.wait(1000)
    assert 5 <= marquee.frames - frames <= 45  # ~30 frames a second, no more (fewer on a busy machine)
    assert marquee.offset != offset
    assert painted.count <= 2  # the rest of the window is not redrawn by the marquee
    live_hall.run(supervisor.request("notice", zh="欢迎", en="Welcome"))
    qtbot.waitUntil(lambda: marquee.text() == "欢迎        Welcome", timeout=3000)
    assert not marquee.scrolling()  # a line that fits stands still and costs nothing


class PaintCounter(QObject):
    """Counts the paint events a widget receives."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def test_a_hung_speech_engine_never_freezes_the_screen(tmp_path: Path, qtbot: Any, displays: Any) -> None:
    config = tmp_path / "hall.toml"
    config.write_text(TEST_HALL.read_text(encoding="utf-8") + "\n[announce]\nspeech_timeout_seconds = 4.0\n")
    live = LiveHall(tmp_path, config)
    app: DisplayApp | None = None
    try:
        player = RecordingPlayer()
        app = displays(live.url, player=player, worker_command=hanging_worker(tmp_path))
        issue(live, "social", 2)
        call_next(live, 1, "cat")
        qtbot.waitUntil(lambda: [n for n, _ in shown_calls(app.screen)] == ["A001"], timeout=3000)
        # The announcer now waits on the hung engine (4 s); the screen takes the next call meanwhile.
        live.clock.advance(30)
        call_next(live, 4, "ann")
        qtbot.waitUntil(lambda: [n for n, _ in shown_calls(app.screen)] == ["A002", "A001"], timeout=3000)
        assert app.announcer is not None and not app.announcer.wait_idle(0)  # still stuck on A001
        assert not app.screen.warning.isVisible()
        qtbot.waitUntil(lambda: app.screen.warning.isVisible(), timeout=10000)
        assert "仅播放提示音" in app.screen.warning_text.text()
        assert "chime only" in app.screen.warning_text.text()
        assert app.announcer is not None and app.announcer.wait_idle(5)
        assert [p.kind for p in player.played] == ["chime", "chime"]
        # The fault reached the server, so supervisors see it in their device list.
        supervisor = live.run(live.hall.supervisor())
        devices = {d["device"]: d for d in supervisor.snapshot["devices"]}
        assert devices["display-1"]["state"] == "fault"
        assert "did not answer" in devices["display-1"]["detail"]
        save(app.screen, "speech-warning")
    finally:
        if app is not None:
            app.stop()  # before its server goes away
        live.close()


def test_hallcall_display_runs_signs_in_and_stops_on_sigterm(server_process: Any, tmp_path: Path) -> None:
    server = server_process()
    log = tmp_path / "display.log"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    command = [sys.executable, "-m", "hallcall.launch.cli", "display", "--server", server.url]
    command += ["--token", DISPLAY_2F["token"], "--windowed", "--portrait", "--lang", "en"]
    with log.open("w") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 20
        while "signed in as display display-2" not in log.read_text() and time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            time.sleep(0.1)
        assert "signed in as display display-2" in log.read_text()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)


def test_portrait_can_be_forced_on_a_landscape_window(qtbot: Any) -> None:
    screen = DisplayScreen("zh", portrait=True)
    qtbot.addWidget(screen)
    screen.resize(960, 540)
    screen.show()
    qtbot.waitUntil(lambda: screen.now_panel.width() > 0)
    assert screen.portrait
    # "Now calling" spans the width above the recent calls, and those above the waiting list.
    now, recent, waiting = (
        screen.now_panel.geometry(),
        screen.recent_panel.geometry(),
        screen.waiting_panel.geometry(),
    )
    assert now.bottom() < recent.top() and recent.bottom() < waiting.top()
    assert now.width() == recent.width() == waiting.width()
    screen.forced_portrait = None
    screen.resize(961, 540)
    qtbot.waitUntil(lambda: not screen.portrait)
    # Side by side again once the layout has run: the two lists on the right, waiting on top.
    qtbot.waitUntil(lambda: screen.now_panel.geometry().top() == screen.waiting_panel.geometry().top())
    assert screen.waiting_panel.geometry().bottom() < screen.recent_panel.geometry().top()
    assert screen.now_panel.geometry().right() < screen.recent_panel.geometry().left()


def test_flash_seconds_zero_means_no_flashing(qtbot: Any, tmp_path: Path) -> None:
    screen = DisplayScreen("zh")
    qtbot.addWidget(screen)
    for seconds, flashes in ((0, False), (5, True)):
        config = config_with(tmp_path, "[server]", f"[display]\nflash_seconds = {seconds}\n\n[server]")
        board = Board()
        board.load(calling(config, {"social": 1}, [(1, "cat")]))
        assert board.display.flash_seconds == seconds
        screen.show_board(board)
        screen.flash(board.calls[-1])
        assert screen.flashing() is flashes
        assert screen.caption1.text() == "请A001号到1号窗口办理"  # shown either way


def test_every_sound_problem_and_alert_is_on_the_warning_line_in_both_languages(qtbot: Any) -> None:
    screen = DisplayScreen("en")
    qtbot.addWidget(screen)
    screen.show()
    assert not screen.warning.isVisible()
    problems = {"speech": "hung", "sound": "no card", "chime": "/x/ding.wav missing", "voice": "zh: say-1.wav"}
    screen.set_problems(problems)
    screen.set_alert("zone", {"zh": "区域“3F”没有窗口", "en": 'Zone "3F" has no counters'})
    text = screen.warning_text.text()
    words_of_each = ("chime only", "仅播放提示音", "No sound output", "无法播放声音", "built-in chime", "默认提示音")
    for words in (*words_of_each, "Recorded voice pack unusable", "录音语音包无法使用"):
        assert words in text, (words, text)
    assert 'Zone "3F" has no counters  ·  区域“3F”没有窗口' in text
    screen.set_problems({})
    screen.set_alert("zone", None)
    assert not screen.warning.isVisible()


def test_counter_names_are_shown_exactly_as_the_server_sends_them(tmp_path: Path, qtbot: Any, displays: Any) -> None:
    """Counter 1 has a name of its own, counter 4 none: the display shows the server's names
    (its "4号窗口" / "Counter 4" for the one without), from the calls and, after a restart
    empties the call list, from the counter views."""
    config = tmp_path / "hall.toml"
    text = TEST_HALL.read_text(encoding="utf-8")
    config.write_text(text.replace('{ zh = "1号窗口", en = "Counter 1" }', '{ zh = "综合服务台", en = "Help desk" }'))
    live = LiveHall(tmp_path, config)
    app: DisplayApp | None = None
    try:
        app = displays(live.url, voice=False)
        screen = app.screen
        issue(live, "social", 2)
        call_next(live, 1, "cat")
        live.clock.advance(30)
        call_next(live, 4, "ann")
        expected_zh = [("A002", "4号窗口"), ("A001", "综合服务台")]
        qtbot.waitUntil(lambda: shown_calls(screen) == expected_zh, timeout=3000)
        mirror = app.link.mirror
        assert [c.counter_name for c in mirror.calls] == [
            mirror.counter_info(1).name,  # type: ignore[union-attr]
            mirror.counter_info(4).name,  # type: ignore[union-attr]
        ]
        assert mirror.counter_info(4).name == Names(zh="4号窗口", en="Counter 4")  # type: ignore[union-attr]
        assert [row.name2.text() for row in screen.rows if not row.isHidden()] == ["Counter 4", "Help desk"]
        screen.set_lang("en")
        assert shown_calls(screen) == [("A002", "Counter 4"), ("A001", "Help desk")]
        live.restart()
        qtbot.waitUntil(lambda: app.link.state == "connected" and not app.link.mirror.calls, timeout=8000)
        assert shown_calls(screen) == [("A002", "Counter 4"), ("A001", "Help desk")]
    finally:
        if app is not None:
            app.stop()
        live.close()
