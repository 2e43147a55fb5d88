"""The counter screen's panels against a real server: the warnings summed up per service (over
vs near the limit, limits in minutes), no warning about the visitor at this very counter,
recently served lines cut with "…" and told whole in a tooltip; and the sign-in page (styled
like the screen, the hall and counter named, a refusal said once)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import LiveHall, config_with
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QLabel, QWidget
from test_counter_support import issue, open_program, press_answered, shoot, sign_in

from hallcall.counter.text import minutes
from hallcall.counter.warning_lines import NEAR, OVER

pytestmark = pytest.mark.timeout(60)

MINUTE = 60.0


def test_limits_and_long_waits_are_said_in_minutes_not_like_a_clock() -> None:
    assert minutes(15 * MINUTE, "zh") == "15 分钟" and minutes(15 * MINUTE, "en") == "15 min"
    assert minutes(22 * MINUTE + 59, "en") == "22 min"  # whole minutes waited
    assert minutes(65 * MINUTE, "zh") == "1 小时 5 分钟" and minutes(65 * MINUTE, "en") == "1 h 5 min"
    assert minutes(120 * MINUTE, "en") == "2 h"
    assert minutes(42, "zh") == "42 秒"


def test_wait_warnings_are_one_line_per_service_the_most_urgent_first(live_hall: LiveHall, qtbot: Any) -> None:
    issue(live_hall, "tax", 2)  # B001, B002: tax's limit is 20 minutes
    live_hall.clock.advance(5 * MINUTE)
    issue(live_hall, "social", 3)  # A001-A003: social's limit is 10 minutes
    program = open_program(live_hall, qtbot, 1)  # a comprehensive counter: every service
    sign_in(qtbot, program)
    live_hall.clock.advance(12 * MINUTE)  # social waited 12 min (over), tax 17 (over 80 % of 20)
    over = "Social security: 3 over the limit, oldest 12 min (limit 10 min)"
    near = "Tax: 2 near the limit, oldest 17 min (limit 20 min)"
    qtbot.waitUntil(lambda: near in program.screen.warnings.text(), timeout=5000)
    html = program.screen.warnings.text()
    assert html.count("⚠") == 2  # five tickets, two lines
    assert html.index(over) < html.index(near)  # over the limit first
    assert html.index(OVER) < html.index(over) < html.index(NEAR) < html.index(near)  # red, then amber
    assert "10:00" not in html and "20:00" not in html  # no limit that reads as a time of day
    shoot(program.window, "counter-warnings-en")

    program.toggle_lang()
    qtbot.wait(50)  # let the layout follow the new words before the picture
    html = program.screen.warnings.text()
    assert html.index("社保：3 张已超时，最久 12 分钟（时限 10 分钟）") < html.index(
        "税务：2 张接近时限，最久 17 分钟（时限 20 分钟）"
    )
    shoot(program.window, "counter-warnings-zh")

    live_hall.clock.advance(4 * MINUTE)  # tax reaches its limit: its line turns from near to over
    qtbot.waitUntil(lambda: "税务：2 张已超时" in program.screen.warnings.text(), timeout=5000)
    assert "接近时限" not in program.screen.warnings.text()


def test_the_visitor_called_to_this_counter_is_no_longer_warned_about(live_hall: LiveHall, qtbot: Any) -> None:
    issue(live_hall, "social", 2)
    program = open_program(live_hall, qtbot, 1)
    sign_in(qtbot, program)
    live_hall.clock.advance(11 * MINUTE)
    qtbot.waitUntil(lambda: "Social security: 2 over the limit" in program.screen.warnings.text(), timeout=5000)
    press_answered(qtbot, program, "call_next", "button")
    # At the answer already, not a timer tick later: the server clears the warning with the call.
    assert program.state.current is not None and program.state.current.number == "A001"
    assert "wait:A001" not in program.state.warnings and "wait:A002" in program.state.warnings
    assert "Social security: 1 over the limit" in program.screen.warnings.text()
    hub = live_hall.server.hub
    assert "wait:A001" not in live_hall.run(_open_keys(hub))
    press_answered(qtbot, program, "start", "button")
    assert "wait:A001" not in program.state.warnings


async def _open_keys(hub: Any) -> list[str]:
    return list(hub.warnings)


def test_a_dissatisfied_visitor_is_said_as_such_not_as_an_empty_counter(live_hall: LiveHall, qtbot: Any) -> None:
    issue(live_hall, "social", 1)
    program = open_program(live_hall, qtbot, 1)
    sign_in(qtbot, program)
    press_answered(qtbot, program, "call_next", "button")
    press_answered(qtbot, program, "finish", "button")
    supervisor = live_hall.run(live_hall.hall.supervisor())
    live_hall.run(supervisor.request("evaluate", number="A001", level=1, reason="slow"))  # a paper form
    said = "A001: the visitor was very dissatisfied"
    qtbot.waitUntil(lambda: said in program.screen.warnings.text(), timeout=5000)
    assert "unstaffed" not in program.screen.warnings.text()
    program.toggle_lang()
    assert "A001号：访客评价“非常不满意”" in program.screen.warnings.text()


LONG = "Social security and medical insurance"


def test_a_long_service_name_in_recently_served_ends_in_an_ellipsis(tmp_path: Path, qtbot: Any) -> None:
    config_with(tmp_path, 'en = "Social security"', f'en = "{LONG}"')
    live = LiveHall(tmp_path, tmp_path / "hall.toml")
    try:
        issue(live, "social", 1)
        program = open_program(live, qtbot, 1)
        sign_in(qtbot, program)
        press_answered(qtbot, program, "call_next", "button")
        press_answered(qtbot, program, "finish", "button")
        program.window.resize(1024, 700)
        row = program.screen.served.rows[0]
        qtbot.waitUntil(lambda: row.is_cut(), timeout=3000)
        assert row.text().endswith("…") and "A001" in row.text()
        assert row.fontMetrics().horizontalAdvance(row.text()) <= row.contentsRect().width()
        assert row.toolTip() == row.full and row.full.endswith(f"A001 {LONG}")
        assert program.screen.served.lines() == [row.full]
        shoot(program.window, "counter-served-elided-en")
        program.window.resize(2560, 900)  # room enough: the whole line, no "…"
        qtbot.waitUntil(lambda: not row.is_cut(), timeout=3000)
        assert row.text() == row.full
    finally:
        live.close()


# -- the sign-in page --------------------------------------------------------------------------


def visible_texts(page: QWidget) -> list[str]:
    return [label.text() for label in page.findChildren(QLabel) if label.isVisibleTo(page) and label.text()]


def test_a_refused_sign_in_is_said_once_on_a_page_styled_like_the_screen(live_hall: LiveHall, qtbot: Any) -> None:
    program = open_program(live_hall, qtbot, 4, lang="en", clerk="ann")
    page = program.sign_in
    page.password.setText("wrong")
    qtbot.keyClick(page.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: program.link is not None and program.link.state == "refused", timeout=8000)
    qtbot.waitUntil(lambda: page.message.text() == "The name or password is not correct.", timeout=3000)
    assert program.badge is not None and not program.badge.isVisibleTo(page)  # no second "Sign-in refused"
    texts = visible_texts(page)
    assert texts.count("The name or password is not correct.") == 1
    assert not any("refused" in t.lower() for t in texts), texts
    assert page.password.text() == ""  # the next try starts clean
    # Touch-sized fields and buttons, the screen's colours rather than Qt's default grey.
    assert min(page.name.height(), page.password.height(), page.button.height()) >= 60
    assert page.lang_button.height() >= 48 and page.lang_button.text() == "中文"
    image = page.grab().toImage()
    assert image.pixelColor(2, image.height() - 2).name() == "#f4f6f8"
    inside = page.message.mapTo(page, page.message.rect().topLeft())
    assert image.pixelColor(inside.x() + 4, inside.y() + 4).name() == "#fde7e9"  # the refusal in a red box


def test_the_sign_in_page_names_the_hall_and_counter_and_switches_language(
    live_hall: LiveHall, qtbot: Any, tmp_path: Path
) -> None:
    settings = QSettings(str(tmp_path / "counter.ini"), QSettings.Format.IniFormat)
    first = open_program(live_hall, qtbot, 1, lang="zh", settings=settings)
    assert first.sign_in.title.text() == "1号窗口" and first.sign_in.hall.text() == ""  # never signed in here
    sign_in(qtbot, first)
    press_answered(qtbot, first, "sign_out", "button")
    qtbot.waitUntil(lambda: not first.window.signed_in_page, timeout=5000)
    assert (first.sign_in.hall.text(), first.sign_in.title.text()) == ("测试大厅", "1号窗口")
    first.close()

    # The next start of the program knows the names before anyone signs in.
    program = open_program(live_hall, qtbot, 1, lang="zh", settings=settings)
    page = program.sign_in
    assert (page.hall.text(), page.title.text(), page.prompt.text()) == ("测试大厅", "1号窗口", "请登录后开始叫号")
    assert page.button.text() == "登录" and page.lang_button.text() == "English"
    qtbot.wait(50)
    shoot(program.window, "counter-sign-in-names-zh")
    qtbot.mouseClick(page.lang_button, Qt.MouseButton.LeftButton)
    assert (page.hall.text(), page.title.text(), page.prompt.text()) == (
        "Test Hall",
        "Counter 1",
        "Sign in to start calling",
    )
    assert page.name_label.text() == "Clerk name" and page.button.text() == "Sign in"
    qtbot.wait(50)
    shoot(program.window, "counter-sign-in-names-en")
