"""A busy floor: every call in progress is on the display at once, large and unclipped.

A real server with a hall of 16 first-floor counters (the test hall plus thirteen generated
ones), real clerks calling, and four displays (landscape and portrait, zh and en) with the
warning line and a notice showing, which leaves the least room.  With 8 and with 12 counters calling, every
number is on screen, at no less than the smallest size readable from 10 m, not shrunk, inside
its panel and overlapping nothing; with 16, landscape shows the newest 12 and says "+4 more".
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import DISPLAY_1F, TEST_HALL, LiveHall
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QFontMetricsF
from test_display import save

from hallcall.display.app import DisplayApp
from hallcall.display.now_calling import MIN_NUMBER_PX, CallRow
from hallcall.display.playback import RecordingPlayer
from hallcall.display.screen import DisplayScreen
from hallcall.server import auth
from hallcall.server.app import database_path
from hallcall.server.storage import Storage

pytestmark = pytest.mark.timeout(90)

EXTRA = range(5, 18)  # counters 5-17, first floor, serving the two-letter "GA" service
SHAPES = (("landscape", "zh", (1920, 1080)), ("landscape", "en", (1920, 1080)))
SHAPES += (("portrait", "zh", (1080, 1920)), ("portrait", "en", (1080, 1920)))


def busy_hall_toml() -> str:
    """The test hall plus a "GA" service (the widest ticket numbers) and counters 5-17 on 1F."""
    text = TEST_HALL.read_text(encoding="utf-8")
    text += '\n[[services]]\nid = "police"\nprefix = "GA"\nname = { zh = "户籍", en = "Household" }\nzone = "1F"\n'
    for number in EXTRA:
        text += f'\n[[counters]]\nnumber = {number}\nservices = ["police"]\nzone = "1F"\nstaffed = false\n'
    return text


@pytest.fixture
def busy_hall(tmp_path: Path) -> Iterator[LiveHall]:
    config = tmp_path / "busy-hall.toml"
    config.write_text(busy_hall_toml(), encoding="utf-8")
    storage = Storage(database_path(config, tmp_path), owner=False)
    digest = auth.hash_password("pass1234")
    for number in EXTRA:
        storage.save_clerk(f"clerk{number}", digest, role="clerk")
    storage.close()
    live = LiveHall(tmp_path, config)
    yield live
    live.close()


def call(live: LiveHall, counter: int) -> str:
    clerk = {1: "cat", 3: "dan", 4: "ann"}.get(counter, f"clerk{counter}")
    client = live.run(live.hall.counter(counter, clerk))
    live.clock.advance(20)
    return live.run(client.request("call_next"))["ticket"]["number"]


def shown_numbers(screen: DisplayScreen) -> list[str]:
    return [row.number.text() for row in screen.rows if row.isVisible()]


def box(widget: Any, screen: DisplayScreen) -> QRect:
    """A widget's rectangle in the screen's coordinates."""
    return QRect(widget.mapTo(screen, QPoint(0, 0)), widget.size())


def panel_holds(screen: DisplayScreen, widget: Any) -> bool:
    """The widget is shown inside the "now calling" panel."""
    return widget.isVisible() and screen.now_panel.geometry().contains(box(widget, screen))


def assert_legible(screen: DisplayScreen, size: tuple[int, int]) -> None:
    """Every shown number and counter: big enough, drawn at its own size, inside the panel."""
    rows: list[CallRow] = [row for row in screen.rows if row.isVisible()]
    smallest = MIN_NUMBER_PX * screen.unit
    for row in rows:
        labels = [row.number, row.tag] if row.compact else [row.number]
        for label in labels:
            font = label.font()
            assert font.pixelSize() >= round(smallest), (label.text(), font.pixelSize())
            assert label.fitted_font().pixelSize() == font.pixelSize(), label.text()  # not shrunk to fit
            assert QFontMetricsF(font).horizontalAdvance(label.text()) <= label.width(), label.text()
            assert label.height() >= round(QFontMetricsF(font).height()), label.text()  # not cut at the bottom
            assert panel_holds(screen, label), label.text()
    boxes = [box(row, screen) for row in rows]
    for i, one in enumerate(boxes):
        assert not any(one.intersects(other) for other in boxes[i + 1 :]), rows[i].number.text()
    assert screen.size().toTuple() == size  # nothing pushed the window past the TV's edge


def test_every_call_in_progress_is_shown_on_a_busy_floor(busy_hall: LiveHall, qtbot: Any) -> None:
    kiosk = busy_hall.run(busy_hall.hall.kiosk())
    for service, count in (("social", 2), ("consult", 1), ("police", 13)):
        for _ in range(count):
            busy_hall.clock.advance(3)  # a visitor a few seconds after the last: the kiosk's pace
            busy_hall.run(kiosk.request("issue", service=service))
    apps: dict[tuple[str, str], DisplayApp] = {}
    try:
        for shape, lang, size in SHAPES:
            app = DisplayApp(busy_hall.url, DISPLAY_1F["token"], lang=lang, voice=False, player=RecordingPlayer())
            apps[shape, lang] = app
            app.screen.resize(*size)
            app.screen.show()
            app.start()
            # The warning line takes the most room from the panels: test with it showing.
            app.screen.set_problems({"speech": "the test's engine is off"})
        # A notice line too: with the warning line, the least room a 1080p screen leaves.
        supervisor = busy_hall.run(busy_hall.hall.supervisor())
        busy_hall.run(supervisor.request("notice", zh="请保管好随身物品。", en="Please keep your belongings with you."))
        for app in apps.values():
            qtbot.waitUntil(lambda app=app: app.screen.marquee.isVisible(), timeout=5000)
        called: list[str] = []
        for counters in ((1, 3, 4, 5, 6, 7, 8, 9), (10, 11, 12, 13), (14, 15, 16, 17)):
            called += [call(busy_hall, counter) for counter in counters]
            newest_first = called[::-1]
            for (shape, lang), app in apps.items():
                screen = app.screen
                size = (1920, 1080) if shape == "landscape" else (1080, 1920)
                fits_all = len(called) <= 12 or shape == "portrait"
                expected = newest_first if fits_all else newest_first[:12]
                qtbot.waitUntil(lambda s=screen, e=expected: shown_numbers(s) == e, timeout=5000)
                assert screen.warning.isVisible()
                screen.flash(screen.board.newest())
                assert screen.rows[0].hot and not any(row.hot for row in screen.rows[1:])
                assert_legible(screen, size)
                more = screen.more.text()
                if fits_all:
                    assert more == ""
                else:
                    left = len(called) - 12
                    assert f"+{left} more" in more and f"另有{left}个较早的呼叫" in more, more
                    label = screen.more
                    assert panel_holds(screen, label)
                    assert not screen.now_panel.subtitle.isVisible()  # "+N more" takes its place
                    # Drawn at its full size once the heading's layout has run (next event loop pass).
                    qtbot.waitUntil(lambda label=label: label.fitted_font().pixelSize() == label.font().pixelSize())
                # The counters are there too: "→ 13" in a compact cell, the name in a full row.
                top = screen.rows[0]
                assert (top.tag if top.compact else top.name).isVisible()
                assert top.tag.text() == f"→ {counters[-1]}"
                qtbot.wait(30)
                save(screen, f"busy{len(called)}-{shape}-{lang}")
    finally:
        for app in apps.values():
            app.stop()
