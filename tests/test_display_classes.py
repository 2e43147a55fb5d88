"""The wall display marks an appointment call (预约 / Appt) and a green-channel call (绿色通道 /
Green channel) beside its number, on "now calling" and under "recent calls", each whole at a size
read from across the hall: a real server (tests/classes.py's hall: guide desk and appointments),
the tickets made the way a hall makes them, the display offscreen."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from classes import classes_hall_file, issue_each_class
from conftest import LiveHall
from PySide6.QtGui import QFontMetricsF
from test_display import displays, save, shown_calls  # noqa: F401 (the fixture)

from hallcall.config import Names
from hallcall.display.lists import RecentList
from hallcall.display.now_calling import MIN_NAME2_PX, CallGrid
from hallcall.display.screen import DisplayScreen
from hallcall.display.text import T
from hallcall.display.widgets import ClassMark, FitLabel
from hallcall.protocol import CallView

pytestmark = pytest.mark.timeout(90)


def call_number(live: LiveHall, counter: int, clerk: str, number: str) -> None:
    client = live.run(live.hall.counter(counter, clerk))
    live.clock.advance(30)
    live.run(client.request("call_number", number=number))


def fits(label: FitLabel) -> bool:
    """The label's text is drawn whole at its own size (a FitLabel shrinks what does not fit)."""
    needed = (
        ClassMark.needed_width(label.font(), label.text())
        if isinstance(label, ClassMark)
        else QFontMetricsF(label.font()).horizontalAdvance(label.text())
    )
    return label.width() >= math.floor(needed)


def now_marks(screen: DisplayScreen) -> dict[str, tuple[str, str]]:
    """number → (its mark's text, the mark's class) on "now calling", every text checked whole."""
    out = {}
    for row in screen.rows:
        if row.isHidden():
            continue
        texts = [row.number, row.mark, row.tag if row.compact else row.name]
        assert all(fits(label) for label in texts), [(t.text(), t.width()) for t in texts]
        if row.mark.text():
            assert row.mark.font().pixelSize() >= MIN_NAME2_PX * screen.unit - 1  # never tiny
        out[row.number.text()] = (row.mark.text(), row.mark.kind)
    return out


def recent_marks(recent: RecentList) -> dict[str, str]:
    out = {}
    for (number, tag), mark in zip(recent.rows, recent.marks, strict=True):
        if number.isVisibleTo(recent):
            assert fits(number) and fits(tag) and (not mark.isVisibleTo(recent) or fits(mark))
            out[number.text()] = mark.text() if mark.isVisibleTo(recent) else ""
    return out


def test_appointment_and_green_calls_carry_their_own_marks(tmp_path: Path, displays: Any, qtbot: Any) -> None:  # noqa: F811
    live = LiveHall(tmp_path, classes_hall_file(tmp_path))
    try:
        numbers = live.run(issue_each_class(live.hall))
        kiosk = live.run(live.hall.kiosk())
        consult = live.run(kiosk.request("issue", service="consult"))["ticket"]["number"]
        green, appointment, normal = numbers["green"], numbers["appointment"], numbers["normal"]
        call_number(live, 1, "cat", green)
        call_number(live, 4, "ann", appointment)
        call_number(live, 3, "dan", consult)
        expected = {green: ("绿色通道", "green"), appointment: ("预约", "appointment"), consult: ("", "normal")}
        for size in ((1920, 1080), (1080, 1920)):
            app = displays(live.url, size=size, voice=False)
            qtbot.waitUntil(lambda app=app: len(shown_calls(app.screen)) == 3, timeout=3000)
            assert now_marks(app.screen) == expected
            save(app.screen, f"classes-zh-{size[0]}x{size[1]}")
        # Counter 1 finishes the green-channel ticket and calls the walk-in: the green call goes
        # to "recent calls" with its mark; the English screen says "Appt" and "Green channel".
        client = live.run(live.hall.counter(1, "cat"))
        live.run(client.request("finish"))
        call_number(live, 1, "cat", normal)
        english = displays(live.url, lang="en", voice=False)
        screen = english.screen
        qtbot.waitUntil(lambda: green in recent_marks(screen.recent_list), timeout=3000)
        assert recent_marks(screen.recent_list)[green] == "Green channel"
        assert now_marks(screen) == {
            normal: ("", "normal"),
            appointment: ("Appt", "appointment"),
            consult: ("", "normal"),
        }
        save(screen, "classes-en")
    finally:
        live.close()


def test_a_small_screen_keeps_the_marks_whole(tmp_path: Path, displays: Any, qtbot: Any) -> None:  # noqa: F811
    live = LiveHall(tmp_path, classes_hall_file(tmp_path))
    try:
        numbers = live.run(issue_each_class(live.hall))
        call_number(live, 1, "cat", numbers["green"])
        call_number(live, 4, "ann", numbers["appointment"])
        app = displays(live.url, size=(800, 480), lang="en", voice=False)
        qtbot.waitUntil(lambda: len(shown_calls(app.screen)) == 2, timeout=3000)
        marks = now_marks(app.screen)
        assert marks == {numbers["green"]: ("Green channel", "green"), numbers["appointment"]: ("Appt", "appointment")}
        save(app.screen, "classes-en-small")
    finally:
        live.close()


def test_a_full_floor_of_marked_calls_takes_compact_cells_with_the_marks_whole(qtbot: Any) -> None:
    """Twelve calls, every other one marked, in a landscape panel: compact cells, two columns,
    every number, mark and "→ counter" drawn whole; where "Green channel" leaves no room, the
    short marks ("绿色" / "Green") at the smallest size; a roomier panel keeps the full ones."""
    grid = CallGrid("")
    qtbot.addWidget(grid)
    classes = ("green", "normal", "appointment", "normal")
    calls = [
        CallView(
            number=f"GA{n:03d}", service="social", counter=n, counter_name=Names(zh=f"{n}号窗口", en=f"Counter {n}"),
            zone="1F", recall=0, priority=classes[n % 4], at=float(n),  # type: ignore[arg-type]
        )
        for n in range(1, 13)
    ]  # fmt: skip
    cases = [
        ("zh", 1300, "绿色通道"),
        ("en", 1600, "Green channel"),
        ("zh", 1100, "绿色"),
        ("en", 1200, "Green"),
        ("en", 1000, None),
    ]
    for lang, width, green in cases:
        grid.resize(width, 800)
        grid.show()
        shown = grid.show_calls(calls, lang, width, 800, 1.0)
        qtbot.waitUntil(lambda width=width: grid.rows[0].width() > width // 3, timeout=2000)
        assert shown == 12 and grid.form is not None and grid.form.compact and grid.form.columns == 2
        rows = [row for row in grid.rows if not row.isHidden()]
        labels = [x for row in rows for x in (row.number, row.mark, row.tag) if not x.isHidden()]
        qtbot.waitUntil(lambda labels=labels: all(fits(x) for x in labels), timeout=2000)
        if green is None:  # no room for even the short marks: the numbers go first
            assert all(row.mark.isHidden() for row in rows) and grid.form.number_font.pixelSize() >= 64
            continue
        short = green in ("绿色", "Green")
        appointment = T("mark_appointment_short" if short else "mark_appointment", lang)
        assert {row.mark.text() for row in rows} == {green, "", appointment}
        assert min(row.mark.font().pixelSize() for row in rows) >= MIN_NAME2_PX
