"""The sign-in page: name, password, and one plain line for what went wrong.

A refused sign-in shows the server's own words (wrong name or password is one sentence,
whichever it was), and the password field is cleared so the next try starts clean.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from hallcall.gui.qtapp import restyle

from .text import T

SIGN_IN_STYLE = """
QLabel#title { font-size: 40px; font-weight: bold; }
QLabel#message { font-size: 22px; color: #b00020; }
QLabel#message[kind="info"] { color: #333333; }
QLineEdit { font-size: 26px; min-height: 52px; min-width: 420px; }
QPushButton { font-size: 24px; min-height: 56px; padding: 4px 24px; }
QLabel { font-size: 22px; }
"""


class SignInPage(QWidget):
    """Emits ``submitted(name, password)``; the program decides what to do with it."""

    submitted = Signal(str, str)
    lang_toggled = Signal()

    def __init__(self, counter: int, lang: str, clerk: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counter = counter
        self.setStyleSheet(SIGN_IN_STYLE)
        self.title = QLabel()
        self.title.setObjectName("title")
        self.name_label = QLabel()
        self.name = QLineEdit(clerk)
        self.password_label = QLabel()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.button = QPushButton()
        self.lang_button = QPushButton()
        self.lang_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.message = QLabel("")
        self.message.setObjectName("message")
        self.message.setWordWrap(True)

        self.name.returnPressed.connect(self.password.setFocus)
        self.password.returnPressed.connect(self._submit)
        self.button.clicked.connect(self._submit)
        self.lang_button.clicked.connect(self.lang_toggled)

        form = QVBoxLayout()
        form.addWidget(self.title)
        form.addSpacing(24)
        form.addWidget(self.name_label)
        form.addWidget(self.name)
        form.addWidget(self.password_label)
        form.addWidget(self.password)
        form.addSpacing(12)
        form.addWidget(self.button)
        form.addWidget(self.message)
        self.status_row = QHBoxLayout()  # the connection badge goes here once a link exists
        form.addLayout(self.status_row)
        top = QHBoxLayout()
        top.addStretch(1)
        top.addWidget(self.lang_button)
        centre = QHBoxLayout()
        centre.addStretch(1)
        centre.addLayout(form)
        centre.addStretch(1)
        outer = QVBoxLayout(self)
        outer.addLayout(top)
        outer.addStretch(1)
        outer.addLayout(centre)
        outer.addStretch(2)
        self.set_lang(lang)

    def showEvent(self, event: QShowEvent) -> None:
        """Put the cursor where the clerk types next (the password when the name is known);
        done on show, since focus given to a widget not yet on screen can be lost."""
        super().showEvent(event)
        (self.password if self.name.text() else self.name).setFocus()

    def set_lang(self, lang: str) -> None:
        self.lang = lang
        self.title.setText(T("sign_in_title", lang, counter=self.counter))
        self.name_label.setText(T("clerk_name", lang))
        self.password_label.setText(T("password", lang))
        self.button.setText(T("sign_in", lang))
        self.lang_button.setText(T("other_lang", lang))

    def show_message(self, text: str, *, error: bool = True) -> None:
        self.message.setProperty("kind", "error" if error else "info")
        self.message.setText(text)
        restyle(self.message)

    def set_waiting(self, waiting: bool) -> None:
        """While a sign-in is on its way the button is off, so one press is one attempt."""
        self.button.setEnabled(not waiting)
        if waiting:
            self.show_message(T("signing_in", self.lang), error=False)

    def reset(self, message: str = "", *, error: bool = True) -> None:
        """Back to a clean form (after a refusal or a sign-out), keeping the name."""
        self.password.clear()
        self.set_waiting(False)
        self.show_message(message, error=error)
        (self.password if self.name.text() else self.name).setFocus()

    def _submit(self) -> None:
        name, password = self.name.text().strip(), self.password.text()
        if not name or not password:
            self.show_message(T("need_name_password", self.lang))
            return
        self.submitted.emit(name, password)
