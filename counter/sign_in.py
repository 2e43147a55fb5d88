"""The sign-in page: which hall and counter this is, name, password, and one plain line for
what went wrong.

It looks like the counter screen behind it (the same background, a white panel, large fields
and buttons a finger can hit) and names the hall and the counter as the server last described
them, so a clerk can tell at a glance they are at the right desk.  A refused sign-in is said
once, in the server's own words (wrong name or password is one sentence, whichever it was),
and the password field is cleared so the next try starts clean.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from hallcall.config import Names
from hallcall.gui.qtapp import restyle
from hallcall.i18n import name_in

from .text import T

SIGN_IN_STYLE = """
QWidget#signIn { background: #f4f6f8; }
QFrame#card { background: white; border: 1px solid #d0d5db; border-radius: 10px; }
QLabel { font-size: 22px; color: #1d2733; }
QLabel#hall { font-size: 28px; font-weight: bold; }
QLabel#title { font-size: 44px; font-weight: bold; color: #0b4f8a; }
QLabel#prompt { font-size: 22px; color: #5a6572; }
QLabel#fieldLabel { font-size: 20px; color: #5a6572; font-weight: bold; }
QLineEdit { font-size: 28px; min-height: 64px; padding: 0 14px; border: 1px solid #b9c2cc; border-radius: 6px;
            background: white; color: #1d2733; }
QLineEdit:focus { border: 2px solid #0b4f8a; }
QPushButton#submit { font-size: 26px; font-weight: bold; min-height: 68px; border-radius: 6px; color: white;
                     background: #0b4f8a; border: 1px solid #083b68; }
QPushButton#submit:disabled { color: #a3abb4; background: #eef1f4; border-color: #dde2e7; font-weight: normal; }
QPushButton#lang { font-size: 20px; min-height: 52px; min-width: 120px; padding: 0 16px; border-radius: 6px;
                   background: #e3e8ee; border: 1px solid #b9c2cc; color: #1d2733; }
QLabel#message { font-size: 22px; padding: 8px 12px; border-radius: 6px; }
QLabel#message[kind="error"] { background: #fde7e9; color: #8c1020; }
QLabel#message[kind="info"] { background: #e6f1e8; color: #1b5e20; }
"""

CARD_WIDTH = 560


class SignInPage(QWidget):
    """Emits ``submitted(name, password)``; the program decides what to do with it."""

    submitted = Signal(str, str)
    lang_toggled = Signal()

    def __init__(self, counter: int, lang: str, clerk: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counter = counter
        self.hall_name: Names | None = None
        self.counter_name: Names | None = None
        self.setObjectName("signIn")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(SIGN_IN_STYLE)
        self.hall = QLabel()
        self.hall.setObjectName("hall")
        self.title = QLabel()
        self.title.setObjectName("title")
        self.title.setWordWrap(True)
        self.prompt = QLabel()
        self.prompt.setObjectName("prompt")
        self.name_label = QLabel()
        self.name = QLineEdit(clerk)
        self.password_label = QLabel()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        for label, field in ((self.name_label, self.name), (self.password_label, self.password)):
            label.setObjectName("fieldLabel")
            label.setBuddy(field)
        self.button = QPushButton()
        self.button.setObjectName("submit")
        self.lang_button = QPushButton()
        self.lang_button.setObjectName("lang")
        self.lang_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.message = QLabel("")
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.setVisible(False)

        self.name.returnPressed.connect(self.password.setFocus)
        self.password.returnPressed.connect(self._submit)
        self.button.clicked.connect(self._submit)
        self.lang_button.clicked.connect(self.lang_toggled)

        card = QFrame()
        card.setObjectName("card")
        card.setFixedWidth(CARD_WIDTH)
        form = QVBoxLayout(card)
        form.setContentsMargins(36, 28, 36, 28)
        form.setSpacing(8)
        form.addWidget(self.title)
        form.addWidget(self.prompt)
        form.addSpacing(16)
        form.addWidget(self.name_label)
        form.addWidget(self.name)
        form.addSpacing(8)
        form.addWidget(self.password_label)
        form.addWidget(self.password)
        form.addSpacing(16)
        form.addWidget(self.button)
        form.addWidget(self.message)
        self.status_row = QHBoxLayout()  # the connection badge goes here once a link exists
        form.addLayout(self.status_row)

        top = QHBoxLayout()
        top.addWidget(self.hall)
        top.addStretch(1)
        top.addWidget(self.lang_button)
        centre = QHBoxLayout()
        centre.addStretch(1)
        centre.addWidget(card)
        centre.addStretch(1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 12)
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

    def set_names(self, hall: Names | None, counter: Names | None) -> None:
        """The hall's and this counter's names, as the server gave them (None: not known yet)."""
        self.hall_name, self.counter_name = hall, counter
        self.set_lang(self.lang)

    def set_lang(self, lang: str) -> None:
        self.lang = lang
        self.hall.setText(name_in(self.hall_name, lang))
        self.title.setText(name_in(self.counter_name, lang) or T("counter_n", lang, counter=self.counter))
        self.prompt.setText(T("sign_in_prompt", lang))
        self.name_label.setText(T("clerk_name", lang))
        self.password_label.setText(T("password", lang))
        self.button.setText(T("sign_in", lang))
        self.lang_button.setText(T("other_lang", lang))

    def show_message(self, text: str, *, error: bool = True) -> None:
        self.message.setProperty("kind", "error" if error else "info")
        self.message.setText(text)
        self.message.setVisible(bool(text))
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
