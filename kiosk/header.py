"""The band across the top of every kiosk screen: hall name, clock, connection, language.

It sits above all screens so that the language switch is always one tap away and the
connection state is always visible, whatever the visitor is looking at.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QWidget

from hallcall.config import Names
from hallcall.gui.link import HallLink
from hallcall.gui.qtapp import ConnectionBadge
from hallcall.i18n import MONTHS_EN, WEEKDAYS

from .fitted_label import FittedLabel
from .text import T

LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


class Header(QWidget):
    """Hall name on the left; clock, connection badge and language switch on the right."""

    lang_toggled = Signal()

    def __init__(self, link: HallLink, lang: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("header")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._names = Names(zh="", en="")
        # Whole words, balanced lines: Qt's own wrap left "Center" alone on the English line two.
        self.hall_name = FittedLabel("hallName", max_lines=2, balance=True, alignment=LEFT)
        self.clock = QLabel(objectName="clock")
        self.badge = ConnectionBadge(link, lang)
        self.badge.setObjectName("badge")
        self.lang_button = QPushButton(objectName="langButton")
        self.lang_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.lang_button.clicked.connect(self.lang_toggled)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(32, 12, 24, 12)
        self.grid.setHorizontalSpacing(28)
        self.grid.setVerticalSpacing(8)
        self.portrait: bool | None = None
        self.set_portrait(False)
        self.set_lang(lang)

    def set_portrait(self, portrait: bool) -> None:
        """One row on a landscape screen; on a narrow portrait one, name and switch above
        clock and connection, so that nothing is squeezed."""
        if portrait == self.portrait:
            return
        self.portrait = portrait
        for widget in (self.hall_name, self.clock, self.badge, self.lang_button):
            self.grid.removeWidget(widget)
        if portrait:
            self.grid.addWidget(self.hall_name, 0, 0, 1, 2)
            self.grid.addWidget(self.lang_button, 0, 2)
            self.grid.addWidget(self.clock, 1, 0)
            self.grid.addWidget(self.badge, 1, 1, 1, 2, Qt.AlignmentFlag.AlignRight)
        else:
            self.grid.addWidget(self.hall_name, 0, 0)
            self.grid.addWidget(self.clock, 0, 1)
            self.grid.addWidget(self.badge, 0, 2, Qt.AlignmentFlag.AlignVCenter)
            self.grid.addWidget(self.lang_button, 0, 3)
        for column in range(4):
            self.grid.setColumnStretch(column, 1 if column == 0 else 0)

    def set_hall_name(self, names: Names) -> None:
        self._names = names
        self.hall_name.setText(names.get(self._lang))

    def set_lang(self, lang: str) -> None:
        self._lang = lang
        self.hall_name.setText(self._names.get(lang))
        self.badge.set_lang(lang)
        self.lang_button.setText(T("switch_lang", lang))

    def set_time(self, moment: dt.datetime) -> None:
        """Show the hall-local time; the weekday helps visitors who come on the wrong day."""
        weekday = WEEKDAYS[self._lang][moment.weekday()]
        if self._lang == "zh":
            self.clock.setText(f"{moment.month}月{moment.day}日 {weekday}  {moment:%H:%M}")
        else:
            self.clock.setText(f"{weekday[:3]} {moment.day} {MONTHS_EN[moment.month - 1]}  {moment:%H:%M}")
