"""Helpers the kiosk program's tests share: a kiosk window against a real server, halls with
changed settings, another kiosk to issue tickets, screenshots and a check for cut-off text.
(The fake printers are the printing tests': tests/test_printing_support.py.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import KIOSK, TEST_HALL, LiveHall
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from hallcall.client import HallClient
from hallcall.gui.link import HallLink
from hallcall.kiosk.app import KioskWindow
from hallcall.kiosk.fitted_label import FittedLabel
from hallcall.kiosk.line_breaks import is_wide

SCREENSHOTS = Path(__file__).resolve().parent.parent / "build" / "screenshots"
FAST = {"min_backoff": 0.05, "max_backoff": 0.3}


@dataclass
class Kiosk:
    window: KioskWindow
    link: HallLink
    hall: LiveHall
    printed: Path  # the virtual printer's folder (empty when another printer is used)
    results: list[tuple[str, Any]] = field(default_factory=list)  # (number, PrintResult), in order


def hall_config(tmp_path: Path, *, replace: dict[str, str] | None = None, append: str = "") -> Path:
    """The test hall with some text replaced and some TOML appended, written to tmp_path."""
    text = TEST_HALL.read_text(encoding="utf-8")
    for old, new in (replace or {}).items():
        assert text.count(old) == 1, f"{old!r} is not once in the test hall"
        text = text.replace(old, new)
    path = tmp_path / "kiosk-hall.toml"
    path.write_text(text + "\n" + append, encoding="utf-8")
    return path


VIRTUAL = "virtual printer in tmp_path"


def open_kiosk(
    request: pytest.FixtureRequest,
    printer: str | None = VIRTUAL,
    lang: str | None = "zh",
    config: Path | None = None,
    token: str = KIOSK["token"],
    **window: Any,
) -> Kiosk:
    """A kiosk window (offscreen, 1920x1080) connected to a hall, closed when the test ends.

    ``printer`` defaults to a virtual printer in tmp_path (None: the hall config's); ``config`` (a hall file, e.g. from
    :func:`hall_config`) starts a hall of its own instead of using the live_hall fixture, and
    ``token`` names the kiosk in it."""
    qtbot = request.getfixturevalue("qtbot")
    tmp_path: Path = request.getfixturevalue("tmp_path")
    if config is None:
        hall = request.getfixturevalue("live_hall")
    else:
        hall = LiveHall(tmp_path / f"data-{config.stem}", config)
        request.addfinalizer(hall.close)
    printed = tmp_path / f"printed-{len(list(tmp_path.glob('printed-*')))}"
    printed.mkdir()
    link = HallLink(hall.url, {"role": "kiosk", "token": token}, **FAST)
    w = KioskWindow(link, printer=f"virtual:{printed}" if printer == VIRTUAL else printer, lang=lang, **window)
    w.confirm.tap_grace_ms = 0
    qtbot.addWidget(w)
    kiosk = Kiosk(w, link, hall, printed)
    w.print_done.connect(lambda number, result: kiosk.results.append((number, result)))

    def close() -> None:
        w.shutdown()
        link.stop()

    request.addfinalizer(close)
    w.resize(1920, 1080)
    w.show()
    link.start()
    qtbot.waitUntil(lambda: link.connected and bool(w.start_screen.buttons), timeout=8000)
    return kiosk


def tap(qtbot: Any, widget: Any) -> None:
    """A finger on a widget: a left click at its centre."""
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def tap_service(qtbot: Any, kiosk: Kiosk, service: str) -> None:
    tap(qtbot, kiosk.window.service_button(service))


def wait_printed(qtbot: Any, kiosk: Kiosk, number: str, times: int = 1) -> Any:
    """Wait until the window has heard the printer's outcome for ``number`` ``times`` times;
    returns the latest PrintResult for it."""

    def outcomes() -> list[Any]:
        return [result for n, result in kiosk.results if n == number]

    qtbot.waitUntil(lambda: len(outcomes()) >= times, timeout=8000)
    return outcomes()[-1]


def other_kiosk(hall: LiveHall) -> HallClient:
    """A second kiosk client (protocol level), to change the queue behind the window's back."""
    return hall.run(hall.hall.kiosk())


def issue(hall: LiveHall, client: HallClient, service: str, priority: str = "normal") -> dict[str, Any]:
    return hall.run(client.request("issue", service=service, priority=priority))


def server_ticket(hall: LiveHall, number: str) -> dict[str, Any]:
    """The server's own view of a ticket (asked by a fresh kiosk connection)."""
    client = other_kiosk(hall)
    return hall.run(client.request("ticket", number=number))["ticket"]


def shoot(widget: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    assert widget.grab().save(str(path)), f"could not save {path}"
    return path


def clipped_labels(root: Any) -> list[str]:
    """The texts of visible labels under ``root`` that do not fit their label (cut-off words):
    each line's QFontMetrics width against the label's contents rect, the lines' height (or the
    word-wrapped height) against the height the label was given."""
    QApplication.processEvents()  # lay out what changed last (a label's new text) first
    out = []
    for label in root.findChildren(QLabel):
        shown = QLabel.text(label)  # as laid out (a FittedLabel's text() is without its breaks)
        if not label.isVisible() or not shown or label.textFormat() == Qt.TextFormat.RichText:
            continue
        room = label.contentsRect()
        if label.wordWrap():
            fits = label.heightForWidth(label.width()) <= label.height()
        else:
            lines = shown.split("\n")
            metrics = label.fontMetrics()
            fits = max(metrics.horizontalAdvance(line) for line in lines) <= room.width()
            fits = fits and metrics.height() * len(lines) <= room.height() + 2
        if not fits:
            out.append(shown)
    return out


def split_words(root: Any) -> list[str]:
    """Lines of fitted labels under ``root`` that break inside a word: every word shown must be
    a whole word of what the label says ("Exit-" over "Entry" is not)."""
    QApplication.processEvents()
    out = []
    for label in root.findChildren(FittedLabel):
        if not label.isVisible():
            continue
        text = label.text()
        out += [line for line in label.shown_text().split("\n") if not all(_whole(w, text) for w in line.split())]
    return out


def _whole(word: str, text: str) -> bool:
    """A whole word of ``text``; Chinese may break between any two characters, so a piece of
    it is whole enough."""
    return word in text.split() or (any(is_wide(ch) for ch in word) and word in text)
