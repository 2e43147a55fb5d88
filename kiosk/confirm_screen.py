"""The screen after a tap: the visitor's number, big, with what they need to know.

It shows at once, without waiting for the printer.  If the printer fails (or there is none),
the same screen turns into the fallback: the number stays up with a QR code of the ticket's
status page to photograph, and it stays longer, because the number is still valid and the
visitor must leave with it.
"""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent, QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from hallcall.gui.qtapp import restyle

from .fitted_label import FittedLabel
from .qr_pixmap import qr_pixmap
from .text import T, wait_line
from .ticket import TicketData

# A tap this soon after the screen appeared is the second half of a double tap on the service
# button, not a wish to leave.
TAP_GRACE_MS = 1000
FALLBACK_MIN_SECONDS = 30
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop


class ConfirmScreen(QWidget):
    """Number, service, people ahead, wait, materials; the print state; back after a while."""

    done = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lang = "zh"
        self.ticket: TicketData | None = None
        self.print_state = "printing"
        self._left = 0
        self._seconds = 0
        self.tap_grace_ms = TAP_GRACE_MS
        self._shown_for = QElapsedTimer()
        self._tick = QTimer(self, interval=1000)
        self._tick.timeout.connect(self._count_down)

        self.your_number = QLabel(objectName="yourNumber", alignment=Qt.AlignmentFlag.AlignCenter)
        self.number = QLabel(objectName="bigNumber", alignment=Qt.AlignmentFlag.AlignCenter)
        # Text that can run long in English is laid out whole-word by FittedLabel: the service
        # on two balanced lines or a size smaller, the rest on as many lines as it takes.
        self.service = FittedLabel("ticketService", max_lines=2)
        self.green = QLabel(objectName="greenTag", alignment=Qt.AlignmentFlag.AlignCenter)
        self.ahead = FittedLabel("ticketFact", max_lines=None)
        self.wait = FittedLabel("ticketFact", max_lines=None)
        self.print_line = FittedLabel("printState", max_lines=None)
        self.materials_title = FittedLabel("materialsTitle", max_lines=None, balance=False, alignment=LEFT)
        self.materials = FittedLabel("materials", max_lines=None, balance=False, alignment=LEFT)
        self.qr = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.qr_hint = FittedLabel("qrHint", max_lines=None)
        self.countdown = QLabel(objectName="countdown", alignment=Qt.AlignmentFlag.AlignCenter)

        left = QVBoxLayout()
        left.setSpacing(10)
        left.addWidget(self.your_number)
        left.addWidget(self.number)
        left.addWidget(self.service)
        left.addWidget(self.green, 0, Qt.AlignmentFlag.AlignHCenter)
        left.addWidget(self.ahead)
        left.addWidget(self.wait)
        left.addSpacing(16)
        left.addWidget(self.print_line)
        right = QVBoxLayout()
        right.setSpacing(12)
        right.addWidget(self.materials_title)
        right.addWidget(self.materials)
        right.addSpacing(16)
        right.addWidget(self.qr)
        right.addWidget(self.qr_hint)
        right.addStretch(1)  # keeps the materials up beside the number
        self.body = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.body.setSpacing(48)
        self.body.addLayout(left, 3)
        self.body.addLayout(right, 2)
        bottom = QHBoxLayout()
        bottom.addWidget(self.countdown)
        column = QVBoxLayout(self)
        column.setContentsMargins(48, 24, 48, 24)
        column.addStretch(1)
        column.addLayout(self.body)
        column.addStretch(1)
        column.addLayout(bottom)

    # ------------------------------------------------------------------ API
    def show_ticket(self, ticket: TicketData, lang: str, print_state: str, seconds: int) -> None:
        """Show a fresh ticket; ``print_state`` is printing, printed, none (no printer) or fault."""
        self.ticket = ticket
        self.lang = lang
        self.print_state = print_state
        self._left = self._hold_for(seconds)
        self._seconds = seconds
        self._shown_for.start()
        self._tick.start()
        self._draw()

    def set_print_state(self, print_state: str) -> None:
        """The printer's outcome for the ticket on screen; a fault keeps the number up longer."""
        if self.ticket is None:
            return
        self.print_state = print_state
        if print_state in ("fault", "none"):
            self._left = max(self._left, self._hold_for(self._seconds))
        self._draw()

    def set_lang(self, lang: str) -> None:
        self.lang = lang
        if self.ticket is not None:
            self._draw()

    def stop(self) -> None:
        """Leave the screen: no more countdown (the window shows another screen)."""
        self._tick.stop()
        self.ticket = None

    # ------------------------------------------------------------------ drawing
    def _hold_for(self, seconds: int) -> int:
        if self.print_state in ("fault", "none"):
            return max(seconds * 3, FALLBACK_MIN_SECONDS)
        return seconds

    def _draw(self) -> None:
        t, lang = self.ticket, self.lang
        assert t is not None
        self.your_number.setText(T("your_number", lang))
        self.number.setText(t.number)
        self.service.setText(t.service_name.get(lang, ""))
        marked = t.priority in ("green", "appointment")
        self.green.setText(T(t.priority, lang) if marked else "")
        self.green.setVisible(marked)
        if self.green.property("kind") != t.priority:  # an appointment's tag is blue, not green
            self.green.setProperty("kind", t.priority)
            restyle(self.green)
        self.ahead.setText(T("ahead", lang, n=t.ahead) if t.ahead else T("ahead_none", lang))
        self.wait.setText(wait_line(t.estimated_wait_s, lang, "est_wait"))
        materials = t.materials.get(lang) or []
        self.materials_title.setVisible(bool(materials))
        self.materials_title.setText(T("materials", lang))
        self.materials.setVisible(bool(materials))
        self.materials.setText("\n".join(f"• {m}" for m in materials))
        key, kind = {
            "printing": ("printing", "info"),
            "printed": ("take_ticket_below", "info"),
            "none": ("no_printer", "info"),
            "fault": ("print_fault", "warn"),
        }[self.print_state]
        self.print_line.setText(T(key, lang))
        if self.print_line.property("kind") != kind:
            self.print_line.setProperty("kind", kind)
            restyle(self.print_line)
        fallback = self.print_state in ("fault", "none")
        if fallback and (self.qr.pixmap().isNull() or self.qr.property("url") != t.status_url):
            self.qr.setPixmap(qr_pixmap(t.status_url, 320))
            self.qr.setProperty("url", t.status_url)
        self.qr.setVisible(fallback)
        self.qr_hint.setVisible(fallback)
        self.qr_hint.setText(T("qr_hint", lang))
        self._show_countdown()

    def _show_countdown(self) -> None:
        self.countdown.setText(f"{T('tap_to_finish', self.lang)}  ({self._left})")

    def _count_down(self) -> None:
        self._left -= 1
        if self._left <= 0:
            self._tick.stop()
            self.done.emit()
            return
        self._show_countdown()

    # ------------------------------------------------------------------ input
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.ticket is not None and self._shown_for.elapsed() >= self.tap_grace_ms:
            self._tick.stop()
            self.done.emit()
        event.accept()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        portrait = self.height() > self.width()
        self.body.setDirection(QBoxLayout.Direction.TopToBottom if portrait else QBoxLayout.Direction.LeftToRight)
