"""The guide desk (导办台) behind a staff PIN: green-channel tickets, tickets on a visitor's
behalf, and reprints by number.

The kiosk does not know the PIN: the pad hands what staff typed to the window, which asks the
server (``unlock_desk``); the server answers with a desk token, or refuses a wrong PIN and locks
the kiosk out after repeated ones, and the pad shows what it said (docs/security.md).

Everything is typed on the screen with big keys, because a kiosk has no keyboard; a
physical keyboard works too, for a desk that has one.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QScroller,
    QVBoxLayout,
    QWidget,
)

from .entry_pad import EntryPad, key
from .service_state import ServiceStatus
from .text import T


class PinPad(EntryPad):
    """Digits, masked; what was typed goes to the server (``pin_entered``), whose refusal of a
    wrong PIN, or of repeated ones, the pad shows in words (``refuse``)."""

    pin_entered = Signal(str)  # the typed PIN, for the window to send to the server

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._typed = ""
        self.checking = False  # a PIN is with the server: further OKs wait for its answer
        self.title = QLabel(objectName="panelTitle", alignment=Qt.AlignmentFlag.AlignCenter)
        self.shown = QLabel(objectName="pinShown")
        keys = QGridLayout()
        keys.setSpacing(14)
        self.digit_keys: dict[str, QPushButton] = {}
        for i, digit in enumerate("123456789"):
            self.digit_keys[digit] = key(digit, self)
            keys.addWidget(self.digit_keys[digit], i // 3, i % 3)
        self.clear_key = key("", self)
        self.digit_keys["0"] = key("0", self)
        self.delete_key = key("", self)
        keys.addWidget(self.clear_key, 3, 0)
        keys.addWidget(self.digit_keys["0"], 3, 1)
        keys.addWidget(self.delete_key, 3, 2)
        for digit, button in self.digit_keys.items():
            button.clicked.connect(lambda _=False, d=digit: self.type(d))
        self.clear_key.clicked.connect(self.reset)
        self.delete_key.clicked.connect(self.delete)
        self.cancel_button = key("", self, "action")
        self.ok_button = key("", self, "action")
        self.cancel_button.clicked.connect(self.cancelled)
        self.ok_button.clicked.connect(self.submit)
        actions = QHBoxLayout()
        actions.addWidget(self.cancel_button)
        actions.addWidget(self.ok_button)

        column = QVBoxLayout()
        column.setSpacing(18)
        column.addStretch(1)
        column.addWidget(self.title)
        column.addWidget(self.shown)
        column.addWidget(self.message)
        column.addLayout(keys)
        column.addLayout(actions)
        column.addStretch(1)
        frame = QHBoxLayout(self)
        frame.addStretch(1)
        frame.addLayout(column, 2)
        frame.addStretch(1)
        self.set_lang(self.lang)

    def reset(self) -> None:
        """Empty the entry and the message (each time the pad is opened, and on Clear)."""
        self._typed = ""
        self._message = None
        self.checking = False
        self._draw()

    def accepts(self, char: str) -> bool:
        return char.isdigit()

    def type(self, char: str) -> None:
        if len(self._typed) < 12:
            self._typed += char
            self._message = None
            self._draw()

    def submit(self) -> None:
        """Hand the typed PIN to the server (through the window) and clear the entry."""
        if self.checking or not self._typed:
            return
        self.checking = True
        typed, self._typed = self._typed, ""
        self._message = ("checking_pin", {})
        self._draw()
        self.pin_entered.emit(typed)

    def delete(self) -> None:
        self._typed = self._typed[:-1]
        self._draw()

    def refuse(self, code: str, details: dict[str, Any] | None = None) -> None:
        """The server refused: a wrong PIN, too many of them (and for how long), or another
        reason in its own words (the desk lapsed, the hall has no desk, the link dropped)."""
        self.checking = False
        details = details or {}
        if code in ("wrong_pin", "offline", "refused"):  # the kiosk's own words for these
            self._message = (code, {})
        elif code == "pin_locked":
            self._message = ("pin_locked", {"s": int(details.get("retry_after", 0)) or 1})
        else:
            self.refused(code, details)
        self._draw()

    def set_lang(self, lang: str) -> None:
        self.lang = lang
        self.title.setText(T("enter_pin", lang))
        self.clear_key.setText(T("clear", lang))
        self.delete_key.setText(T("delete", lang))
        self.cancel_button.setText(T("cancel", lang))
        self.ok_button.setText(T("ok", lang))
        self._draw()

    def _draw(self) -> None:
        self.shown.setText("●" * len(self._typed))
        self._draw_message()


class ServiceRow(QWidget):
    """One service at the guide desk: its name, an ordinary ticket, a green-channel ticket."""

    def __init__(self, service_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service_id = service_id
        self.name = QLabel(objectName="deskService")
        self.name.setWordWrap(True)
        self.issue_button = key("", self, "action")
        self.green_button = key("", self, "greenAction")
        keep = self.green_button.sizePolicy()
        keep.setRetainSizeWhenHidden(True)  # the issue buttons stay in one column
        self.green_button.setSizePolicy(keep)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.name, 1)
        row.addWidget(self.issue_button)
        row.addWidget(self.green_button)

    def show_status(self, status: ServiceStatus, lang: str, online: bool) -> None:
        self.name.setText(status.name.get(lang))
        self.issue_button.setText(T("issue_for", lang))
        self.green_button.setText(T("issue_green", lang))
        self.issue_button.setEnabled(online and status.state == "open")
        self.green_button.setEnabled(online and status.state == "open" and status.priority_allowed)
        self.green_button.setVisible(status.priority_allowed)


class GuideDesk(QWidget):
    """The staff panel; the window closes it after a minute without a touch."""

    issue_requested = Signal(str, str)  # service id, priority ("normal" | "green")
    reprint_requested = Signal(str)  # ticket number
    exit_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lang = "zh"
        self.online = False
        self.statuses: list[ServiceStatus] = []
        self.rows: dict[str, ServiceRow] = {}
        self._status: dict[str, str] | None = None

        self.title = QLabel(objectName="panelTitle")
        self.status = QLabel(objectName="deskStatus")
        self.status.setWordWrap(True)
        self.rows_box = QVBoxLayout()
        self.rows_box.setSpacing(14)

        self.reprint_title = QLabel(objectName="panelTitle")
        self.number_entry = QLineEdit(objectName="numberEntry")
        self.number_entry.setMaxLength(8)
        self.number_entry.returnPressed.connect(self._reprint)
        self.letter_keys = QHBoxLayout()
        self.letter_keys.setSpacing(10)
        digits = QGridLayout()
        digits.setSpacing(10)
        for i, digit in enumerate("1234567890"):
            button = key(digit, self)
            button.clicked.connect(lambda _=False, d=digit: self._type(d))
            digits.addWidget(button, i // 5, i % 5)
        self.delete_key = key("", self)
        self.delete_key.setMinimumWidth(200)
        self.delete_key.clicked.connect(lambda: self.number_entry.backspace())
        self.reprint_button = key("", self, "action")
        self.reprint_button.clicked.connect(self._reprint)
        entry_row = QHBoxLayout()
        entry_row.addWidget(self.number_entry, 1)
        entry_row.addWidget(self.delete_key)
        reprint = QVBoxLayout()
        reprint.setSpacing(14)
        reprint.addWidget(self.reprint_title)
        reprint.addLayout(entry_row)
        reprint.addLayout(self.letter_keys)
        reprint.addLayout(digits)
        reprint.addWidget(self.reprint_button)
        reprint.addStretch(1)

        # A hall with many services scrolls this list (by finger: a drag scrolls, as on a phone).
        rows = QWidget()
        rows_column = QVBoxLayout(rows)
        rows_column.setContentsMargins(0, 0, 16, 0)
        rows_column.addLayout(self.rows_box)
        rows_column.addStretch(1)
        services = QScrollArea(objectName="deskServices")
        services.setWidget(rows)
        services.setWidgetResizable(True)
        services.setFrameShape(QFrame.Shape.NoFrame)
        services.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        QScroller.grabGesture(services.viewport(), QScroller.ScrollerGestureType.LeftMouseButtonGesture)
        self.body = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.body.setSpacing(60)
        self.body.addWidget(services, 3)
        self.body.addLayout(reprint, 2)
        self.exit_button = key("", self, "action")
        self.exit_button.clicked.connect(self.exit_requested)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.exit_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(40, 24, 40, 24)
        column.setSpacing(20)
        column.addLayout(top)
        column.addWidget(self.status)
        column.addLayout(self.body, 1)
        self.set_lang(self.lang)

    def set_services(self, statuses: list[ServiceStatus]) -> None:
        if [s.id for s in statuses] != [s.id for s in self.statuses]:
            self._rebuild(statuses)
        self.statuses = statuses
        self._refresh()

    def set_online(self, online: bool) -> None:
        self.online = online
        self._refresh()

    def set_status(self, message: dict[str, str] | None) -> None:
        """The outcome of the last action (issued, reprinted, refused), in both languages."""
        self._status = message
        self.status.setText(message[self.lang] if message else "")

    def reset(self) -> None:
        self.number_entry.clear()
        self.set_status(None)

    def set_lang(self, lang: str) -> None:
        self.lang = lang
        self.title.setText(T("guide_desk", lang))
        self.reprint_title.setText(T("reprint", lang))
        self.number_entry.setPlaceholderText(T("ticket_number", lang))
        self.delete_key.setText(T("delete", lang))
        self.reprint_button.setText(T("reprint_button", lang))
        self.exit_button.setText(T("exit", lang))
        self.set_status(self._status)
        self._refresh()

    def row(self, service_id: str) -> ServiceRow:
        return self.rows[service_id]

    def _refresh(self) -> None:
        for status in self.statuses:
            self.rows[status.id].show_status(status, self.lang, self.online)
        self.reprint_button.setEnabled(self.online)

    def _rebuild(self, statuses: list[ServiceStatus]) -> None:
        for layout in (self.rows_box, self.letter_keys):
            while layout.count():
                item = layout.takeAt(0)
                if item.widget() is not None:
                    item.widget().deleteLater()
        self.rows = {}
        for status in statuses:
            row = ServiceRow(status.id, self)
            row.issue_button.clicked.connect(lambda _=False, s=status.id: self.issue_requested.emit(s, "normal"))
            row.green_button.clicked.connect(lambda _=False, s=status.id: self.issue_requested.emit(s, "green"))
            self.rows[status.id] = row
            self.rows_box.addWidget(row)
        for prefix in dict.fromkeys(s.prefix for s in statuses if s.prefix):
            button = key(prefix, self)
            button.clicked.connect(lambda _=False, p=prefix: self._type(p))
            self.letter_keys.addWidget(button)

    def _type(self, text: str) -> None:
        self.number_entry.insert(text)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        portrait = self.height() > self.width()
        self.body.setDirection(QBoxLayout.Direction.TopToBottom if portrait else QBoxLayout.Direction.LeftToRight)

    def _reprint(self) -> None:
        number = self.number_entry.text().strip().upper()
        if len(number) >= 2:
            self.reprint_requested.emit(number)
