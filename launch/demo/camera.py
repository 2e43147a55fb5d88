"""Taking one screenshot: the picture, what was on the screen, and whether every word fitted.

Shared by the Qt scenes (shots_qt.py) and the web pages (shots_web.py): each picture becomes a
``Shot`` that names the file, the texts seen and any text cut off, so the command can say what
is wrong and tests/test_screenshots.py can check it without looking at pixels.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class SceneFailed(RuntimeError):
    """A scene did not reach the state it photographs (the message says which and what)."""


@dataclass
class Shot:
    name: str  # the file's name, e.g. "counter-zh.png"
    path: Path
    texts: list[str] = field(default_factory=list)
    cut: list[str] = field(default_factory=list)


@dataclass
class Camera:
    """Writes pictures into ``folder`` and keeps a ``Shot`` for each."""

    folder: Path
    shots: list[Shot] = field(default_factory=list)

    def take(self, widget: Any, name: str, hold: Callable[[], None] | None = None) -> Shot:
        """A Qt widget as it is drawn now (offscreen or not), after measuring its words;
        ``hold`` stops what moves (a scrolling line) just before the picture."""
        from .fit import read

        settle()
        reading = read(widget)
        if hold is not None:
            hold()
        path = self.folder / name
        if not widget.grab().save(str(path)):
            raise SceneFailed(f"could not save {path}")
        return self.keep(Shot(name, path, reading.texts, reading.cut))

    def keep(self, shot: Shot) -> Shot:
        self.shots.append(shot)
        return shot


def settle(seconds: float = 0.05) -> None:
    """Let Qt finish what a resize or a language switch started (deferred layouts, line breaks)."""
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.005)


def wait_until(what: str, ready: Callable[[], Any], seconds: float = 10.0) -> None:
    """Run Qt's events until ``ready()`` is true; SceneFailed naming ``what`` after ``seconds``."""
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + seconds
    while not ready():
        if time.monotonic() > deadline:
            raise SceneFailed(f"waited {seconds:.0f} s for {what}")
        QApplication.processEvents()
        time.sleep(0.01)
    QApplication.processEvents()
