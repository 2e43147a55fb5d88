"""The clerk's full window: sign-in page, then the counter screen.

The screen is drawn from a CounterState each time something changes (and once a second for
the running times); it holds no state of its own beyond its widgets, so what it shows after
a reconnect is exactly what the server's snapshot says.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from hallcall import protocol as p
from hallcall.gui.qtapp import restyle

from .actions import ACTIONS
from .served_list import ServedList
from .sign_in import SignInPage
from .state import CounterState
from .text import T, duration, minutes
from .warning_lines import pause_reason_text, service_name, warning_lines

SCREEN_STYLE = """
QWidget#screen { background: #f4f6f8; }
QFrame[panel="true"] { background: white; border: 1px solid #d0d5db; border-radius: 8px; }
QLabel { font-size: 20px; color: #1d2733; }
QLabel#header { font-size: 28px; font-weight: bold; }
QLabel#paused { font-size: 22px; color: white; background: #c77700; border-radius: 6px; padding: 2px 10px; }
QLabel#heading { font-size: 18px; color: #5a6572; font-weight: bold; }
QLabel#number { font-size: 120px; font-weight: bold; color: #0b4f8a; }
QLabel#number[state="serving"] { color: #1b7f3b; }
QLabel#number[state=""] { color: #9aa4ae; }
QLabel#ticketState { font-size: 26px; font-weight: bold; }
QLabel#marks { font-size: 22px; color: #b3261e; font-weight: bold; }
QLabel#warnings { font-size: 19px; }
QLabel#status { font-size: 20px; padding: 4px 8px; border-radius: 4px; }
QLabel#status[kind="error"] { background: #fde7e9; color: #8c1020; }
QLabel#status[kind="offline"] { background: #fff1d6; color: #7a4b00; }
QLabel#status[kind="info"] { background: #e6f1e8; color: #1b5e20; }
QPushButton { font-size: 21px; min-height: 62px; padding: 2px 8px; border-radius: 6px;
              background: #e3e8ee; border: 1px solid #b9c2cc; }
QPushButton:disabled { color: #a3abb4; background: #eef1f4; border-color: #dde2e7; }
QPushButton[main="true"] { background: #0b4f8a; color: white; font-weight: bold; border-color: #083b68; }
QPushButton[main="true"]:disabled { background: #eef1f4; color: #a3abb4; border-color: #dde2e7; font-weight: normal; }
QCheckBox { font-size: 20px; }
"""


def _panel() -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setProperty("panel", True)
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(14, 10, 14, 10)
    return frame, layout


def _heading(layout: QVBoxLayout) -> QLabel:
    label = QLabel()
    label.setObjectName("heading")
    layout.addWidget(label)
    return label


def _body(layout: QVBoxLayout, *, name: str = "") -> QLabel:
    """A panel's text: top-left, wrapping, filling the panel below its heading.

    It scrolls inside the panel instead of growing it: on a busy morning forty tickets over
    their target wait would otherwise make the window taller than the screen and push the
    buttons off it."""
    label = QLabel()
    if name:
        label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    layout.addWidget(_scrolling(label), 1)
    return label


def _scrolling(content: QWidget) -> QScrollArea:
    """``content`` in a scroll area that scrolls only up and down and is as wide as the panel."""
    scroll = QScrollArea()
    scroll.setWidget(content)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys belong to the window's shortcuts
    scroll.setStyleSheet("QScrollArea, QScrollArea > QWidget > QWidget { background: transparent; }")
    return scroll


def buttons_per_row(screen_width: int) -> int:
    """Seven buttons a row (two rows) where the screen is wide enough for them in English;
    five (three rows) on a 1024-pixel screen, which seven would overflow by a hundred pixels."""
    return 7 if screen_width >= 1280 else 5


class CounterScreen(QWidget):
    """Current ticket, my queue, warnings, recently served, and a button per action."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("screen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(SCREEN_STYLE)

        self.header = QLabel()
        self.header.setObjectName("header")
        self.served_today = QLabel()
        self.paused = QLabel()
        self.paused.setObjectName("paused")
        self.badge_slot = QHBoxLayout()
        self.lang_button = QPushButton()
        self.compact_button = QPushButton()
        for b in (self.lang_button, self.compact_button):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setStyleSheet("min-height: 40px; font-size: 18px;")
        top = QHBoxLayout()
        top.addWidget(self.header)
        top.addSpacing(16)
        top.addWidget(self.paused)
        top.addStretch(1)
        top.addWidget(self.served_today)
        top.addSpacing(16)
        top.addLayout(self.badge_slot)
        top.addWidget(self.lang_button)
        top.addWidget(self.compact_button)

        current, cl = _panel()
        self.current_heading = _heading(cl)
        self.number = QLabel()
        self.number.setObjectName("number")
        self.service = QLabel()
        self.service.setStyleSheet("font-size: 28px;")
        self.marks = QLabel()
        self.marks.setObjectName("marks")
        self.ticket_state = QLabel()
        self.ticket_state.setObjectName("ticketState")
        self.times = QLabel()
        self.times.setStyleSheet("font-size: 24px;")
        for w in (self.number, self.service, self.marks, self.ticket_state, self.times):
            cl.addWidget(w)
        cl.addStretch(1)

        queue, ql = _panel()
        self.queue_heading = _heading(ql)
        self.queue = _body(ql)

        warn, wl = _panel()
        self.warnings_heading = _heading(wl)
        self.warnings = _body(wl, name="warnings")

        served, sl = _panel()
        self.served_heading = _heading(sl)
        self.served = ServedList()
        sl.addWidget(_scrolling(self.served), 1)

        middle = QGridLayout()
        middle.addWidget(current, 0, 0, 2, 1)
        middle.addWidget(queue, 0, 1)
        middle.addWidget(warn, 1, 1)
        middle.addWidget(served, 0, 2, 2, 1)
        middle.setColumnStretch(0, 5)
        middle.setColumnStretch(1, 5)
        middle.setColumnStretch(2, 3)
        middle.setRowStretch(0, 3)  # a comprehensive counter lists every service of the hall
        middle.setRowStretch(1, 2)

        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        screen = QGuiApplication.primaryScreen()
        per_row = buttons_per_row(screen.availableGeometry().width() if screen is not None else 0)
        for i, action in enumerate(ACTIONS):
            button = QPushButton()
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys go to the window's shortcuts
            button.setProperty("main", action.main)
            self.buttons[action.name] = button
            grid.addWidget(button, i // per_row, i % per_row)
        self.auto_call = QCheckBox()
        self.auto_call.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        self.status = QLabel()
        self.status.setObjectName("status")
        self.status.setWordWrap(True)

        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.auto_call)

        outer = QVBoxLayout(self)
        outer.addLayout(top)
        outer.addLayout(middle, 1)
        outer.addLayout(grid)
        outer.addLayout(bottom)

    # -- drawing ---------------------------------------------------------------------------
    def refresh(self, state: CounterState, lang: str) -> None:
        """Redraw everything from the state (cheap: a few labels)."""
        now = state.server_now()
        self.header.setText(T("counter_clerk", lang, counter=state.number, clerk=state.clerk_shown(lang)))
        self.served_today.setText(T("served_today", lang, n=state.served_today))
        self._draw_pause(state, lang, now)
        self.current_heading.setText(T("current", lang))
        self.queue_heading.setText(T("queue", lang) + " · " + T("queue_total", lang, n=state.waiting_total()))
        self.warnings_heading.setText(T("warnings", lang))
        self.served_heading.setText(T("served", lang))
        self.lang_button.setText(T("other_lang", lang))
        self.auto_call.setText(T("auto_call", lang))
        self._draw_current(state, lang, now)
        self.queue.setText(queue_html(state, lang))
        self.warnings.setText(warnings_html(state, lang, now))
        self.served.set_lines(served_lines(state, lang))

    def tick(self, state: CounterState, lang: str) -> None:
        """The once-a-second part: running times and the pause badge."""
        now = state.server_now()
        self._draw_current(state, lang, now)
        self.warnings.setText(warnings_html(state, lang, now))
        self._draw_pause(state, lang, now)

    def _draw_pause(self, state: CounterState, lang: str, now: float) -> None:
        view = state.view
        self.paused.setVisible(state.paused)
        if view is not None and view.paused:
            since = now - (view.paused_at or now)
            reason = pause_reason_text(state, view.pause_reason or "", lang)
            self.paused.setText(T("paused_badge", lang, reason=reason, minutes=minutes(since, lang)))

    def _draw_current(self, state: CounterState, lang: str, now: float) -> None:
        cur = state.current
        self.number.setProperty("state", state.current_state)
        restyle(self.number)
        if cur is None:
            self.number.setText(T("no_current", lang))
            self.service.setText("")
            self.marks.setText("")
            self.ticket_state.setText(T("idle_hint", lang) if not state.paused else "")
            self.times.setText("")
            return
        self.number.setText(cur.number)
        self.service.setText(service_name(state, cur.service, lang))
        self.marks.setText("  ".join(ticket_marks(cur, lang)))
        self.ticket_state.setText(T("state_" + cur.state, lang) if cur.state in ("called", "serving") else "")
        called = cur.called_at or now
        lines = [T("waited", lang, t=duration(called - (cur.issued_at or called), lang))]
        if cur.state == "serving" and cur.serving_at:
            lines.append(T("serving_for", lang, t=duration(now - cur.serving_at, lang)))
        else:
            lines.append(T("called_for", lang, t=duration(now - called, lang)))
        if cur.recalls:
            lines.append(T("recalls", lang, n=cur.recalls))
        self.times.setText("\n".join(lines))

    def set_status(self, text: str, kind: str) -> None:
        self.status.setText(text)
        self.status.setProperty("kind", kind)
        self.status.setVisible(bool(text))
        restyle(self.status)


def ticket_marks(ticket: p.TicketView, lang: str) -> list[str]:
    marks = []
    if ticket.priority == "appointment":
        marks.append("★ " + T("mark_appointment", lang))
    elif ticket.priority != "normal":
        marks.append("★ " + T("mark_priority", lang))
    if ticket.transfers:
        marks.append("⇄ " + T("mark_transfer", lang))
    if ticket.putbacks:
        marks.append("↺ " + T("mark_putback", lang))
    return marks


def queue_html(state: CounterState, lang: str) -> str:
    priority = state.priority_numbers()
    rows = []
    for summary in state.my_queue():
        name = escape(service_name(state, summary.service, lang))
        nxt = " ".join(
            f'<b style="color:#b3261e">★{escape(n)}</b>' if n in priority else escape(n) for n in summary.next[:5]
        )
        count = T("queue_line", lang, name=name, n=summary.waiting)
        rows.append(f'<p style="margin:2px 0"><b>{count}</b>&nbsp;&nbsp;<span style="color:#34495e">{nxt}</span></p>')
    if state.targeted:
        rows.append(f"<p><b>⇄ {escape(T('targeted', lang, numbers=' '.join(state.targeted)))}</b></p>")
    if state.held:
        rows.append(f"<p><b>‖ {escape(T('held', lang, numbers=' '.join(state.held)))}</b></p>")
    if not rows or (state.waiting_total() == 0 and not state.held):
        rows.append(f'<p style="color:#7b8794">{escape(T("queue_empty_line", lang))}</p>')
    return "".join(rows)


def warnings_html(state: CounterState, lang: str, now: float) -> str:
    """The warnings panel: the server's warnings summed up (warning_lines), then device faults."""
    lines = warning_lines(state, lang, now)  # (colour, text)
    for d in state.fault_devices():
        lines.append(("#6a3d9a", T("warn_device", lang, device=d.device, detail=d.text.get(lang))))
    if not lines:
        return f'<span style="color:#7b8794">{escape(T("no_warnings", lang))}</span>'
    return "".join(f'<p style="margin:2px 0; color:{c}">⚠ {escape(t)}</p>' for c, t in lines)


def served_lines(state: CounterState, lang: str) -> list[str]:
    """My last finished tickets, newest first: time, number, service."""
    zone = ZoneInfo(state.hall.timezone)
    rows = []
    for t in reversed(state.served):
        clock = datetime.fromtimestamp(t.finished_at, zone).strftime("%H:%M") if t.finished_at else ""
        rows.append(T("served_line", lang, number=t.number, service=service_name(state, t.service, lang), time=clock))
    return rows or ["—"]


class MainWindow(QMainWindow):
    """Sign-in page and counter screen on one stack: the window never changes under the clerk."""

    closing = Signal()  # the clerk closed the window: the program ends

    def __init__(self, counter: int, lang: str, clerk: str = "") -> None:
        super().__init__()
        self.sign_in = SignInPage(counter, lang, clerk)
        self.screen = CounterScreen()
        self.pages = QStackedWidget()
        self.pages.addWidget(self.sign_in)
        self.pages.addWidget(self.screen)
        self.setCentralWidget(self.pages)
        self.resize(1366, 800)

    def show_sign_in(self) -> None:
        self.pages.setCurrentWidget(self.sign_in)

    def show_screen(self) -> None:
        self.pages.setCurrentWidget(self.screen)

    @property
    def signed_in_page(self) -> bool:
        return self.pages.currentWidget() is self.screen

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closing.emit()
        super().closeEvent(event)
