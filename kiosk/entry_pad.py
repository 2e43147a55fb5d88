"""What the kiosk's two typing screens share: the staff PIN pad and the appointment check-in.

Both are typed on big on-screen keys (a kiosk has no keyboard), and both also take a real
keyboard, which is what a USB code scanner is: characters, then Enter.  Both show one message
line that is either the kiosk's own words or the server's refusal in its words for the error
code, so a refusal reads the same here as on a counter or the console.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from hallcall.i18n import error_text

from .text import T


def key(text: str, parent: QWidget, name: str = "key") -> QPushButton:
    """A touch key that never takes the keyboard focus from its screen (typed keys and a
    scanner's characters keep going to the screen, not to the last key touched)."""
    button = QPushButton(text, parent, objectName=name)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return button


class EntryPad(QWidget):
    """A screen that gathers typed characters and hands them on with ``submit``.

    Subclasses say which characters they take (``accepts``), and what typing, submitting and
    deleting do; this class routes a keyboard to them and draws the message line.
    """

    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lang = "zh"
        # (the kiosk's text key, its fields), or ("", {"code", "details"}) for a server's refusal
        self._message: tuple[str, dict[str, Any]] | None = None
        self.message = QLabel(objectName="pinMessage", alignment=Qt.AlignmentFlag.AlignCenter)
        self.message.setMinimumHeight(48)

    def accepts(self, char: str) -> bool:
        raise NotImplementedError

    def type(self, char: str) -> None:
        raise NotImplementedError

    def submit(self) -> None:
        raise NotImplementedError

    def delete(self) -> None:
        raise NotImplementedError

    def refused(self, code: str, details: dict[str, Any]) -> None:
        """Show a server's refusal in its words for ``code`` (hallcall.i18n)."""
        self._message = ("", {"code": code, "details": details})

    def _draw_message(self) -> None:
        key_, fields = self._message or ("", {})
        if key_:
            text = T(key_, self.lang, **fields)
        elif "code" in fields:
            text = error_text(fields["code"], self.lang, fields["details"])
        else:
            text = ""
        self.message.setText(text)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text().upper()
        if len(text) == 1 and self.accepts(text):
            self.type(text)
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.submit()
        elif event.key() == Qt.Key.Key_Backspace:
            self.delete()
        elif event.key() == Qt.Key.Key_Escape:
            self.cancelled.emit()
        else:
            super().keyPressEvent(event)
