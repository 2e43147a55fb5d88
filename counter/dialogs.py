"""The small choices some actions need: which number, where to transfer, why to pause.

Each is a window-modal dialog opened with ``open()`` (never ``exec()``), so the program keeps
receiving calls and events while the clerk chooses.  A number can be typed or picked from
the lists the clerk would otherwise read off the screen; typing into the field never fires
the counter's single-key actions, because those belong to the main window.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hallcall import protocol as p
from hallcall.config import Names
from hallcall.i18n import name_in

from .text import T

NUMBER_RE = re.compile(r"^[A-Z]{1,2}\d{3}$")
# Complete in itself: a dialog opened from the compact bar would otherwise inherit the bar's
# white text and blue buttons (style sheets cascade to child windows), leaving white labels on
# a light dialog and a chosen reason that looks like the others.
DIALOG_STYLE = """
QDialog { background: #f4f6f8; }
QLabel { font-size: 19px; color: #1d2733; }
QPushButton { min-height: 48px; padding: 4px 14px; font-size: 20px; color: #1d2733; background: #e3e8ee;
              border: 1px solid #b9c2cc; border-radius: 6px; }
QPushButton:default { border: 2px solid #0b4f8a; }
QPushButton:checked { background: #0b4f8a; color: white; font-weight: bold; border-color: #083b68; }
QLineEdit { min-height: 44px; font-size: 24px; color: #1d2733; background: white; }
QListWidget { font-size: 20px; color: #1d2733; background: white; }
QListWidget::item { min-height: 44px; padding-left: 6px; }
QListWidget::item:selected { background: #0b4f8a; color: white; }
QLabel#error { color: #b00020; }
"""


class _Base(QDialog):
    """Title, body, an error line and OK/Cancel: what every choice dialog shares."""

    def __init__(self, title: str, lang: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.lang = lang
        # Whether the choice can be sent now; the program points this at its connection, so a
        # choice made while the server is away is not dropped on OK but kept in the dialog.
        self.ready: Callable[[], bool] = lambda: True
        self.setWindowTitle(title)
        self.setStyleSheet(DIALOG_STYLE)
        self.setMinimumWidth(480)
        self.body = QVBoxLayout()
        self.error = QLabel("")
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.ok_button = QPushButton(T("ok", lang))
        self.ok_button.setDefault(True)
        self.cancel_button = QPushButton(T("cancel_dialog", lang))
        self.ok_button.clicked.connect(self._try_accept)
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.ok_button)
        outer = QVBoxLayout(self)
        heading = QLabel(title)
        heading.setStyleSheet("font-size: 24px; font-weight: bold;")
        outer.addWidget(heading)
        outer.addLayout(self.body)
        outer.addWidget(self.error)
        outer.addLayout(buttons)

    def _try_accept(self) -> None:
        problem = self.problem() or ("" if self.ready() else "offline_dialog")
        if problem:
            self.error.setText(T(problem, self.lang))
            # A window does not grow for a wrapped line by itself: give the label its height.
            self.error.setMinimumHeight(self.error.heightForWidth(self.error.width()))
            return
        self.accept()

    def done(self, result: int) -> None:
        """Close, and hand the keyboard back to the window the dialog came from.

        Without a window manager (a counter PC started straight into the program) nothing
        else does, and the clerk's single keys would be dead until a click on the window."""
        was_active = self.isActiveWindow()
        super().done(result)
        owner = self.parentWidget()
        if was_active and owner is not None and owner.isVisible():
            owner.window().activateWindow()

    def problem(self) -> str:
        """The text key of what is missing or wrong, or "" when the choice can be sent."""
        return ""

    def fields(self) -> dict[str, Any]:
        """The request fields the clerk chose."""
        raise NotImplementedError


class NumberDialog(_Base):
    """A ticket number: typed (A012, a012) or picked from a list such as held or waiting
    (``pick`` is the list's text key)."""

    def __init__(
        self,
        title: str,
        lang: str,
        pick: str,
        numbers: list[str],
        *,
        prefill: str = "",
        with_reason: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(title, lang, parent)
        self.number = QLineEdit(prefill)
        self.number.setPlaceholderText(T("number_hint", lang))
        self.number.setValidator(QRegularExpressionValidator(QRegularExpression(r"[A-Za-z]{1,2}[0-9]{0,3}")))
        self.number.textEdited.connect(lambda text: self.number.setText(text.upper()))
        self.body.addWidget(QLabel(T("number", lang)))
        self.body.addWidget(self.number)
        self.pick_buttons: dict[str, QPushButton] = {}
        self.body.addWidget(QLabel(T(pick, lang)))
        row = QGridLayout()
        for i, n in enumerate(numbers[:12]):
            button = QPushButton(n)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _=False, n=n: self.number.setText(n))
            self.pick_buttons.setdefault(n, button)
            row.addWidget(button, i // 6, i % 6)
        if not numbers:
            row.addWidget(QLabel(T("pick_none", lang)), 0, 0)
        self.body.addLayout(row)
        self.reason: QLineEdit | None = None
        if with_reason:
            self.reason = QLineEdit()
            self.reason.setMaxLength(200)
            self.body.addWidget(QLabel(T("reason", lang)))
            self.body.addWidget(self.reason)
        self.number.setFocus()

    def problem(self) -> str:
        return "" if NUMBER_RE.match(self.number.text().strip().upper()) else "bad_number"

    def fields(self) -> dict[str, Any]:
        out: dict[str, Any] = {"number": self.number.text().strip().upper()}
        if self.reason is not None:
            out["reason"] = self.reason.text().strip()
        return out


class TransferDialog(_Base):
    """Where the current ticket goes: one service's queue, or one other counter, and why."""

    def __init__(
        self,
        title: str,
        lang: str,
        services: list[p.ServiceInfo],
        counters: list[p.CounterInfo],
        parent: QWidget,
    ) -> None:
        super().__init__(title, lang, parent)
        self.services = QListWidget()
        self.counters = QListWidget()
        for s in services:
            item = QListWidgetItem(f"{s.prefix}  {name_in(s.name, lang, s.id)}")
            item.setData(Qt.ItemDataRole.UserRole, s.id)
            self.services.addItem(item)
        for c in counters:  # by the names the server gives them (its default "Counter N" included)
            item = QListWidgetItem(name_in(c.name, lang, str(c.number)))
            item.setData(Qt.ItemDataRole.UserRole, c.number)
            self.counters.addItem(item)
        # Choosing in one list clears the other (by mouse or by arrow keys): a transfer names
        # exactly one target.
        self.services.itemSelectionChanged.connect(lambda: self._only(self.services, self.counters))
        self.counters.itemSelectionChanged.connect(lambda: self._only(self.counters, self.services))
        lists = QGridLayout()
        lists.addWidget(QLabel(T("to_service", lang)), 0, 0)
        lists.addWidget(QLabel(T("to_counter", lang)), 0, 1)
        lists.addWidget(self.services, 1, 0)
        lists.addWidget(self.counters, 1, 1)
        self.body.addLayout(lists)
        self.reason = QLineEdit()
        self.reason.setMaxLength(200)
        self.body.addWidget(QLabel(T("reason", lang)))
        self.body.addWidget(self.reason)
        self.resize(640, 480)

    @staticmethod
    def _only(chosen: QListWidget, other: QListWidget) -> None:
        if chosen.selectedItems():
            other.clearSelection()

    def problem(self) -> str:
        return "" if self.services.selectedItems() or self.counters.selectedItems() else "pick_target"

    def fields(self) -> dict[str, Any]:
        out: dict[str, Any] = {"reason": self.reason.text().strip()}
        chosen = self.services.selectedItems()
        if chosen:
            out["service"] = chosen[0].data(Qt.ItemDataRole.UserRole)
        else:
            out["to_counter"] = self.counters.selectedItems()[0].data(Qt.ItemDataRole.UserRole)
        return out


class PauseDialog(_Base):
    """Why the counter pauses: one of the hall's reasons, or words of the clerk's own."""

    def __init__(self, title: str, lang: str, reasons: list[Names], record_lang: str, parent: QWidget) -> None:
        super().__init__(title, lang, parent)
        self.record_lang = record_lang
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.reason_buttons: list[QPushButton] = []
        grid = QGridLayout()
        for i, reason in enumerate(reasons):
            button = QPushButton(name_in(reason, lang))
            button.setCheckable(True)
            # A clicked reason takes the focus; without this, Enter would press the reason again
            # (a dialog's focused button is its default) instead of OK.
            button.setAutoDefault(False)
            button.setProperty("reason", name_in(reason, record_lang))
            self.group.addButton(button)
            self.reason_buttons.append(button)
            grid.addWidget(button, i // 2, i % 2)
        self.body.addWidget(QLabel(T("pick_reason", lang)))
        self.body.addLayout(grid)
        self.own = QLineEdit()
        self.own.setMaxLength(200)
        self.own.textEdited.connect(lambda _: self._uncheck())
        self.body.addWidget(QLabel(T("own_reason", lang)))
        self.body.addWidget(self.own)

    def _uncheck(self) -> None:
        checked = self.group.checkedButton()
        if checked is not None:
            self.group.setExclusive(False)
            checked.setChecked(False)
            self.group.setExclusive(True)

    def problem(self) -> str:
        return "" if self.reason_text() else "reason_needed"

    def reason_text(self) -> str:
        """Typed words win; else the chosen button's reason, in the hall's first language."""
        own = self.own.text().strip()
        checked = self.group.checkedButton()
        return own or (str(checked.property("reason")) if checked is not None else "")

    def fields(self) -> dict[str, Any]:
        return {"reason": self.reason_text()}
