"""Keeps the desktop demo's windows on the screen after they are laid out (layout.py): a window
that grows past the screen's edge — a counter's minimum grows once its clerk is signed in and
the queue is drawn — is moved back inside the available area, so its bottom row stays in sight."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


class KeepInside(QObject):
    """An event filter for top-level windows; install it on each with ``installEventFilter``."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and isinstance(watched, QWidget) and watched.isWindow():
            # Moved once the resize is done: not from inside the layout pass that is resizing it.
            QTimer.singleShot(0, watched, partial(_move_inside, watched))
        return False


def _move_inside(window: QWidget) -> None:
    screen = QWidget.screen(window)  # unbound: a counter window has a `screen` attribute of its own
    if screen is None:
        return
    area, outer = screen.availableGeometry(), window.frameGeometry()
    if area.contains(outer) or outer.width() > area.width() or outer.height() > area.height():
        return  # inside already, or too big to be inside: moving it would not help
    x = max(area.x(), min(outer.x(), area.x() + area.width() - outer.width()))
    y = max(area.y(), min(outer.y(), area.y() + area.height() - outer.height()))
    if (x, y) != (outer.x(), outer.y()):
        window.move(x, y)
