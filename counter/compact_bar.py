"""The compact mode: a thin always-on-top bar beside the clerk's other work.

Counter, current number, how many wait, and the four actions a clerk presses all day; every
other action's key still works while the bar has focus, and one button opens the full window.
The bar has no title bar (it would take a third of its height), so it is dragged by itself.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from hallcall.gui.qtapp import restyle

from .actions import ACTIONS
from .state import CounterState
from .text import T

BAR_HEIGHT = 60
BAR_STYLE = """
QWidget#bar { background: #1d2733; }
QLabel { color: white; font-size: 20px; }
QLabel#number { font-size: 34px; font-weight: bold; color: #ffd54f; min-width: 110px; }
QLabel#number[state="serving"] { color: #7ee787; }
QLabel#dot { font-size: 18px; }
QLabel#status { font-size: 16px; color: #c9d1d9; }
QLabel#status[kind="error"] { color: #ff938a; }
QLabel#status[kind="offline"] { color: #f2cc60; }
QPushButton { font-size: 18px; min-height: 44px; max-height: 44px; padding: 0 10px; border-radius: 5px;
              background: #2f81f7; color: white; border: none; }
QPushButton:disabled { background: #3a4654; color: #8b98a5; }
QPushButton#expand { background: #3a4654; }
"""
DOT_COLOURS = {"connected": "#3fb950", "connecting": "#d29922", "reconnecting": "#f85149", "refused": "#f85149"}


class CompactBar(QWidget):
    """A frameless, always-on-top strip; ``buttons`` holds the main actions' buttons."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("bar")
        self.setWindowFlags(
            Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint
        )
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(BAR_STYLE)
        self.setFixedHeight(BAR_HEIGHT)
        self.dot = QLabel("●")
        self.dot.setObjectName("dot")
        self.counter = QLabel()
        self.number = QLabel()
        self.number.setObjectName("number")
        self.number.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.waiting = QLabel()
        self.status = QLabel()  # the last answer or refusal, as on the full window's status line
        self.status.setObjectName("status")
        self.status.setMaximumWidth(360)
        self.buttons: dict[str, QPushButton] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 10, 4)
        layout.addWidget(self.dot)
        layout.addWidget(self.counter)
        layout.addWidget(self.number)
        layout.addWidget(self.waiting)
        layout.addSpacing(8)
        layout.addWidget(self.status, 1)
        for action in ACTIONS:
            if action.main:
                button = QPushButton()
                button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                self.buttons[action.name] = button
                layout.addWidget(button)
        self.expand = QPushButton()
        self.expand.setObjectName("expand")
        self.expand.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout.addWidget(self.expand)
        self._drag_from: QPoint | None = None

    def refresh(self, state: CounterState, lang: str, link_state: str) -> None:
        self.dot.setStyleSheet(f"color: {DOT_COLOURS.get(link_state, '#8b98a5')};")
        self.dot.setToolTip(link_state)
        self.counter.setText(T("counter_clerk", lang, counter=state.number, clerk=state.clerk_shown(lang)))
        cur = state.current
        self.number.setText(cur.number if cur is not None else "—")
        self.number.setProperty("state", state.current_state)
        restyle(self.number)
        waiting = T("queue_total", lang, n=state.waiting_total())
        self.waiting.setText(waiting + (" · " + T("pause", lang) if state.paused else ""))
        self.expand.setText(T("expand", lang))

    def set_status(self, text: str, kind: str) -> None:
        """Show a status in the space left, cut with an ellipsis; the whole text is the tooltip."""
        metrics = self.status.fontMetrics()
        self.status.setText(metrics.elidedText(text, Qt.TextElideMode.ElideRight, self.status.maximumWidth()))
        self.status.setToolTip(text)
        self.status.setProperty("kind", kind)
        restyle(self.status)

    # Frameless: let the clerk move the bar by dragging it anywhere but a button.
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag_from = event.globalPosition().toPoint() - self.frameGeometry().topLeft()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is not None and event.buttons() & Qt.MouseButton.LeftButton:
            self.move(event.globalPosition().toPoint() - self._drag_from)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag_from = None
        super().mouseReleaseEvent(event)
