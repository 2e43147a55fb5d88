"""The clerk's own password: the current one and the new one twice (protocol.md 6.25).

Unlike the other dialogs it stays open until the server has answered: a wrong current password
or a new one the server's rule refuses is said in the dialog, in the server's words, and the
clerk corrects it there.  The rule itself lives on the server (docs/security.md "Passwords");
the dialog only checks what the server cannot see, that the new password was typed the same
twice.  After a supervisor's reset the dialog is ``forced``: it opens before anything else, and
its other button signs the clerk out instead of going back to the counter.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from .dialogs import _Base
from .text import T


class PasswordDialog(_Base):
    """Emits ``submitted(fields)`` with ``{"current", "new"}``; the program sends them and calls
    ``refused(text)`` or ``accept()`` when the server answers."""

    submitted = Signal(dict)

    def __init__(self, lang: str, *, forced: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(T("set_password" if forced else "change_password", lang), lang, parent)
        self.forced = forced
        if forced:
            note = QLabel(T("password_must_change", lang))
            note.setWordWrap(True)
            self.body.addWidget(note)
            self.cancel_button.setText(T("sign_out", lang))
        self.current = self._field("current_password")
        self.new = self._field("new_password")
        self.again = self._field("new_password_again")
        self.current.returnPressed.connect(self.new.setFocus)
        self.new.returnPressed.connect(self.again.setFocus)
        self.again.returnPressed.connect(self._try_accept)
        self.current.setFocus()

    def _field(self, label: str) -> QLineEdit:
        field = QLineEdit()
        field.setEchoMode(QLineEdit.EchoMode.Password)
        field.setMaxLength(128)  # the protocol's limit
        caption = QLabel(T(label, self.lang))
        caption.setBuddy(field)
        self.body.addWidget(caption)
        self.body.addWidget(field)
        return field

    def problem(self) -> str:
        if not self.current.text() or not self.new.text():
            return "need_passwords"
        if self.new.text() != self.again.text():
            return "passwords_differ"
        return ""

    def fields(self) -> dict[str, Any]:
        return {"current": self.current.text(), "new": self.new.text()}

    def _try_accept(self) -> None:
        """Check the typing, then hand the passwords to the program and wait for the server."""
        if not self.ok_button.isEnabled():
            return
        problem = self.problem() or ("" if self.ready() else "offline_dialog")
        if problem:
            self._say(T(problem, self.lang))
            return
        self._say(T("password_checking", self.lang))
        self.ok_button.setEnabled(False)
        self.submitted.emit(self.fields())

    def refused(self, text: str) -> None:
        """The server said no: its words, and the fields to correct (the typed-twice new one cleared)."""
        self.ok_button.setEnabled(True)
        self._say(text)
        self.new.clear()
        self.again.clear()
        self.new.setFocus()

    def _say(self, text: str) -> None:
        self.error.setText(text)
        self.error.setMinimumHeight(self.error.heightForWidth(max(self.error.width(), 400)))
