"""The visitor's first screen: one large button per service, with its queue and wait.

A button that would only be refused (closed service, numbers used up, no server) is drawn
grey and cannot be pressed, and says why in words rather than just looking dead.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from hallcall.gui.qtapp import restyle

from .fitted_label import FittedLabel
from .service_state import ServiceStatus
from .text import T, wait_text


class ServiceButton(QPushButton):
    """A service's name big, and under it how many wait and how long, or why it is off."""

    def __init__(self, service_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service_id = service_id
        self.setObjectName("service")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMaximumHeight(340)
        # A long name ("Household Registration & Exit-Entry") goes on two balanced lines or a
        # size smaller, whole words only; the line under it likewise.
        self.name = FittedLabel("serviceName", max_lines=2)
        self.info = FittedLabel("serviceInfo", max_lines=2)
        for label in (self.name, self.info):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        column = QVBoxLayout(self)
        column.setContentsMargins(20, 16, 20, 16)
        column.addStretch(1)
        column.addWidget(self.name)
        column.addWidget(self.info)
        column.addStretch(1)
        self.status: ServiceStatus | None = None

    def show_status(self, status: ServiceStatus, lang: str, online: bool) -> None:
        self.status = status
        self.name.setText(status.name.get(lang))
        if status.state == "closed":
            # When it issues again, never an estimate: nobody is served from a closed queue.
            opens = status.opens_at
            info = T("opens_at", lang, t=f"{opens:%H:%M}") if opens else T("closed_today", lang)
        elif status.state == "full":
            info = T("cap_reached", lang)
        else:
            info = f"{T('waiting', lang, n=status.waiting)}  ·  {wait_text(status.estimated_wait_s, lang)}"
        self.info.setText(info)
        enabled = online and status.state == "open"
        self.setEnabled(enabled)
        off = "false" if enabled else "true"
        for label in (self.name, self.info):
            if label.property("off") != off:
                label.setProperty("off", off)
                restyle(label)


class StartScreen(QWidget):
    """Prompt, service grid, a message banner, and a quiet staff corner."""

    service_tapped = Signal(str)
    staff_tapped = Signal()
    appointment_tapped = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lang = "zh"
        self.online = False
        self.statuses: list[ServiceStatus] = []
        self.buttons: dict[str, ServiceButton] = {}
        self._banner: tuple[dict[str, str], str] | None = None
        self._staff_line: dict[str, str] | None = None
        self._columns = 0

        self.prompt = QLabel(objectName="prompt", alignment=Qt.AlignmentFlag.AlignCenter)
        self.grid = QGridLayout()
        self.grid.setSpacing(24)
        self.banner = FittedLabel("banner", max_lines=None)
        self.banner.hide()
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        self.staff_line = FittedLabel("staffLine", max_lines=None, balance=False, alignment=left)
        self.staff_button = QPushButton(objectName="staffButton")
        self.staff_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.staff_button.clicked.connect(self.staff_tapped)
        self.staff_button.hide()
        # Shown only when the hall takes appointments: a booked visitor checks in here.
        self.appointment_button = QPushButton(objectName="action")
        self.appointment_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.appointment_button.clicked.connect(self.appointment_tapped)
        self.appointment_button.hide()

        bottom = QHBoxLayout()
        bottom.addWidget(self.staff_line, 1)
        bottom.addWidget(self.staff_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(40, 24, 40, 16)
        column.setSpacing(20)
        self.prompt.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        column.addWidget(self.prompt)
        column.addLayout(self.grid, 1)
        column.addStretch(0)  # what the capped buttons leave goes below them, not above
        column.addWidget(self.appointment_button)
        column.addWidget(self.banner)
        column.addLayout(bottom)
        self.set_lang(self.lang)

    # ------------------------------------------------------------------ content
    def set_services(self, statuses: list[ServiceStatus]) -> None:
        if [s.id for s in statuses] != [s.id for s in self.statuses]:
            self._rebuild([s.id for s in statuses])
        self.statuses = statuses
        self._refresh()

    def set_online(self, online: bool) -> None:
        self.online = online
        self._refresh()

    def set_banner(self, message: dict[str, str] | None, kind: str = "info") -> None:
        """A message across the screen (``kind``: info, warn, error); None hides it."""
        self._banner = (message, kind) if message else None
        self._show_banner()

    def set_staff_line(self, message: dict[str, str] | None) -> None:
        """A small line for staff (printer settings and faults), deliberately unobtrusive."""
        self._staff_line = message
        self.staff_line.setText(message[self.lang] if message else "")

    def set_staff_button_visible(self, visible: bool) -> None:
        self.staff_button.setVisible(visible)

    def set_appointments(self, offered: bool) -> None:
        """Show the 我有预约 / I have an appointment button (the hall takes appointments)."""
        self.appointment_button.setVisible(offered)

    def set_lang(self, lang: str) -> None:
        self.lang = lang
        self.staff_button.setText(T("staff", lang))
        self.appointment_button.setText(T("have_appointment", lang))
        self.set_staff_line(self._staff_line)
        self._show_banner()
        self._refresh()

    def service_button(self, service_id: str) -> ServiceButton:
        """The button of a service, e.g. for a bench or a test to click it."""
        return self.buttons[service_id]

    # ------------------------------------------------------------------ drawing
    def _refresh(self) -> None:
        nothing_offered = self.online and not self.statuses
        self.prompt.setText(T("no_services" if nothing_offered else "take_ticket", self.lang))
        for status in self.statuses:
            self.buttons[status.id].show_status(status, self.lang, self.online)

    def _show_banner(self) -> None:
        if self._banner is None:
            self.banner.hide()
            return
        message, kind = self._banner
        self.banner.setText(message[self.lang])
        if self.banner.property("kind") != kind:
            self.banner.setProperty("kind", kind)
            restyle(self.banner)
        self.banner.show()

    def _rebuild(self, ids: list[str]) -> None:
        for button in self.buttons.values():
            self.grid.removeWidget(button)
            button.deleteLater()
        self.buttons = {}
        for sid in ids:
            button = ServiceButton(sid, self)
            button.clicked.connect(lambda _=False, sid=sid: self.service_tapped.emit(sid))
            self.buttons[sid] = button
        self._columns = 0
        self._place()

    def _place(self) -> None:
        """Lay the buttons out: wider screens take more columns, a portrait screen fewer."""
        count = len(self.buttons)
        portrait = self.height() > self.width()
        # One more column past each of these service counts, so every button keeps its height.
        limits = (5, 16) if portrait else (2, 4, 12)
        columns = 1 + sum(count > n for n in limits)
        if columns == self._columns:
            return
        self._columns = columns
        for button in self.buttons.values():
            self.grid.removeWidget(button)
        for i, button in enumerate(self.buttons.values()):
            self.grid.addWidget(button, i // columns, i % columns)
        for c in range(self.grid.columnCount()):
            self.grid.setColumnStretch(c, 1 if c < columns else 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place()
