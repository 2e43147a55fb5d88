"""The hall screen's layout at 1920×1080 and 1080×1920, in both languages: every text whole, at
its own size and large enough to read across the hall, and a portrait screen's "now calling"
filled rather than half empty.

The display's mirror is fed the snapshot the server's own domain, view layer and snapshot
function make for the demo hall's first-floor display (``test_display.calling``); real widgets,
offscreen.  Screenshots go to build/screenshots/display-layout-*.png.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from conftest import ROOT
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QApplication
from test_display import calling, save
from test_display_screens import CLERKS

from hallcall import config as hall_config
from hallcall.config import Names
from hallcall.display.board import Board
from hallcall.display.lists import NAME2_PX
from hallcall.display.now_calling import MIN_NUMBER_PX
from hallcall.display.screen import DisplayScreen
from hallcall.display.widgets import FitLabel, WrapLabel
from hallcall.gui.qtapp import cjk_family

pytestmark = pytest.mark.timeout(60)

DEMO = hall_config.load(ROOT / "assets" / "demo-hall.toml")
TICKETS = {"social": 7, "medical": 5, "business": 3, "consult": 2}
SHAPES = {"landscape": (1920, 1080), "portrait": (1080, 1920)}


def demo_screen(qtbot: Any, lang: str, size: tuple[int, int], calls: int) -> DisplayScreen:
    """The 1F display of the demo hall with the first ``calls`` counters calling, drawn."""
    board = Board()
    board.load(calling(DEMO, TICKETS, list(CLERKS.items())[:calls], zone="1F"))
    screen = DisplayScreen(lang, cjk_family())
    qtbot.addWidget(screen)
    screen.resize(*size)
    screen.show()
    screen.show_board(board)
    settle()
    return screen


def settle() -> None:
    """Let the layouts run (a panel's new size redraws it, which may move another)."""
    for _ in range(4):
        QApplication.processEvents()


def box(widget: Any, screen: DisplayScreen) -> QRect:
    return QRect(widget.mapTo(screen, QPoint(0, 0)), widget.size())


def shown_texts(screen: DisplayScreen) -> list[FitLabel]:
    """Every text label on screen with something in it (the scrolling notice aside)."""
    return [w for w in screen.findChildren(FitLabel) if w.isVisibleTo(screen) and w.text()]


def problems(screen: DisplayScreen) -> list[str]:
    """What a visitor across the hall could not read: text cut, shrunk, elided, too small, or
    outside the screen."""
    found = []
    floor = round(NAME2_PX * screen.unit)
    numbers = {row.number for row in screen.rows} | {row.tag for row in screen.rows if row.compact}
    whole = screen.rect()
    for label in shown_texts(screen):
        font, text = label.font(), label.text()
        if isinstance(label, WrapLabel):
            if label.needed_height(label.width()) > label.height():
                found.append(f"{text!r}: wrapped onto more lines than its height holds")
        else:
            if QFontMetricsF(font).horizontalAdvance(text) > label.width() + 0.5:
                found.append(f"{text!r}: wider than its label, shrunk or elided")
            if label.height() < round(QFontMetricsF(font).height()):
                found.append(f"{text!r}: cut at the bottom")
        smallest = round(MIN_NUMBER_PX * screen.unit) if label in numbers else floor
        if font.pixelSize() < smallest:
            found.append(f"{text!r}: {font.pixelSize()} px, under {smallest} px")
        if not whole.contains(box(label, screen)):
            found.append(f"{text!r}: outside the screen at {box(label, screen)}")
    return found


@pytest.mark.parametrize("calls", [3, 8])
@pytest.mark.parametrize("shape", ["landscape", "portrait"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_text_is_whole_and_large_enough(qtbot: Any, lang: str, shape: str, calls: int) -> None:
    screen = demo_screen(qtbot, lang, SHAPES[shape], calls)
    # The least room a screen has: the warning line and a long notice showing.
    screen.set_problems({"speech": "the engine is off"})
    screen.board.mirror.notice = Names(
        zh="请保管好随身物品，过号请重新取号。" * 3, en="Please keep your belongings with you."
    )
    screen.show_board(screen.board)
    settle()
    assert screen.size().toTuple() == SHAPES[shape]  # nothing pushed the window past the TV's edge
    assert problems(screen) == []
    # Everything the hall holds is there: every call, every service the floor's counters take.
    assert len([row for row in screen.rows if row.isVisible()]) == calls
    listed = [name.text().split()[0] for name, _, _ in screen.waiting_rows if name.isVisibleTo(screen)]
    assert listed == ["S", "M", "B", "R", "T", "GA", "C", "L"]
    assert screen.more.text() == "" and screen.more_services.text() == ""
    assert screen.caption1.text().startswith("请S003号" if lang == "zh" and calls == 3 else "")
    save(screen, f"layout-{calls}-{shape}-{lang}")


def test_names_too_long_for_one_line_wrap_at_full_size(qtbot: Any) -> None:
    """The demo's longest name, "GA Household Registration & Exit-Entry", beside a second
    column at 1920×1080: two lines at the list's size, not one line at half size."""
    screen = demo_screen(qtbot, "en", SHAPES["landscape"], 8)
    name = next(name for name, _, _ in screen.waiting_rows if name.text().startswith("GA "))
    line = QFontMetricsF(name.font()).height()
    assert name.height() >= 2 * line - 1
    assert name.font().pixelSize() >= round(0.75 * 40)
    assert problems(screen) == []


def called_area(screen: DisplayScreen) -> float:
    """How much of the "now calling" room, top to bottom, the rows take."""
    rows = [box(row, screen) for row in screen.rows if row.isVisible()]
    grid = box(screen.now_grid, screen)
    room = screen.now_panel.room()[1]
    return (max(r.bottom() for r in rows) - grid.top()) / room


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_portrait_fills_the_calling_area_with_more_rows_and_larger_numbers(qtbot: Any, lang: str) -> None:
    for calls in (3, 5, 8):
        portrait = demo_screen(qtbot, lang, SHAPES["portrait"], calls)
        landscape = demo_screen(qtbot, lang, SHAPES["landscape"], calls)
        tall, wide = portrait.now_grid.form, landscape.now_grid.form
        assert tall is not None and wide is not None
        # Numbers at least as large as on a landscape TV, never under the 88 px of the old
        # layout, and the rows reach down most of the panel.
        assert tall.number_font.pixelSize() >= max(88, wide.number_font.pixelSize()), calls
        assert called_area(portrait) >= 0.75, (calls, called_area(portrait))
        # "Now calling" has most of the body: the two lists take only what they need.
        assert portrait.now_panel.height() > portrait.waiting_panel.height() + portrait.recent_panel.height()
        if calls <= 5:
            assert not tall.compact  # one row a call, with the counter's name
        portrait.close()
        landscape.close()
    save(portrait, f"layout-fill-portrait-{lang}")


WHOLE_HALL = [*CLERKS.items(), (9, "zhou.tao"), (10, "wu.xia"), (11, "xu.qiang"), (12, "sun.hui")]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_portrait_screen_makes_room_for_every_call(qtbot: Any, lang: str) -> None:
    """All twelve counters of the demo hall calling on its portrait screen (the whole hall, no
    zone), the warning line showing: every call is on screen, the waiting list stepping down
    to its smaller sizes if that is what it takes, and the layout settles (no redraw loop)."""
    board = Board()
    tickets = {**TICKETS, "realestate": 3, "tax": 3, "police": 2, "pickup": 2}
    board.load(calling(DEMO, tickets, WHOLE_HALL, zone=""))
    screen = DisplayScreen(lang, cjk_family())
    qtbot.addWidget(screen)
    screen.resize(*SHAPES["portrait"])
    screen.show()
    screen.set_problems({"speech": "the engine is off"})
    screen.show_board(board)
    qtbot.waitUntil(lambda: len([row for row in screen.rows if row.isVisible()]) == 12, timeout=3000)
    redraws = screen.redraws
    qtbot.wait(200)
    assert screen.redraws == redraws  # settled
    assert screen.more.text() == "" and screen.more_services.text() == ""
    assert len([name for name, _, _ in screen.waiting_rows if name.isVisibleTo(screen)]) == 8
    assert problems(screen) == []
    save(screen, f"layout-12-portrait-{lang}")


def test_a_chinese_name_that_wraps_breaks_after_its_separator(qtbot: Any) -> None:
    """ "GA 公安户籍/出入境" beside a second column at 1920×1080 takes two lines; Chinese may
    break between any two characters, and the list breaks it after "/" ("GA 公安户籍/" +
    "出入境"), not into a full line and one orphaned character."""
    screen = demo_screen(qtbot, "zh", SHAPES["landscape"], 8)
    name = next(name for name, _, _ in screen.waiting_rows if name.text().startswith("GA "))
    assert name.text() == "GA 公安户籍/出入境"
    metrics = QFontMetricsF(name.font())
    assert name.height() >= 2 * metrics.height() - 1  # two lines at the list's size
    first_line = math.ceil(metrics.horizontalAdvance("GA 公安户籍/"))
    assert name.balanced_width(name.width()) == first_line
