"""Appointment check-in (预约签到): a booked visitor types the booking code, or the last four
digits of the phone the booking was made with, and gets the appointment ticket.

The screen only gathers what was typed and shows what the server said: whether a booking may
check in now (its day, its time window, its state) is decided once, on the server. A USB code
scanner is a keyboard to the kiosk, so a scanned booking QR code arrives as typed characters
and Enter, the same path as the on-screen keys.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from .entry_pad import EntryPad, key
from .text import T

# Booking codes use A–Z and 2–9 without the look-alikes (I, L, O; 0 and 1 are digits of phones
# only), so every character of a code is on one key that cannot be mistaken for another.
CODE_LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
PHONE_DIGITS = 4
MAX_TYPED = 12  # a scanner sending junk stops here instead of filling the screen


def takes_appointments(hall: Any) -> bool:
    """Whether the snapshot's hall has a service taking appointments (its ServiceInfo's optional
    ``appointment_slot_minutes``; a server that does not send it offers none)."""
    return any(getattr(service, "appointment_slot_minutes", 0) for service in hall.services)


def request_fields(typed: str) -> dict[str, str] | None:
    """What ``check_in`` is sent for what was typed: four digits are a phone's last four, eight
    code characters a booking code; anything else is None (the screen asks again)."""
    text = typed.strip().upper()
    if len(text) == PHONE_DIGITS and text.isdigit():
        return {"phone_last4": text}
    if len(text) == CODE_LENGTH and all(c in CODE_LETTERS or c in "23456789" for c in text):
        return {"code": text}
    return None


class CheckInScreen(EntryPad):
    """Code entry on big keys, the bookings a phone number matched, and the server's refusals;
    a visitor too late for the slot is offered a normal ticket of the booked service."""

    check_in = Signal(dict)  # the check_in request's fields: {"code"} or {"phone_last4"}
    ticket_wanted = Signal(str)  # a normal ticket of this service ("": the visitor picks it)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.typed = ""
        self.checking = False  # a request is with the server: further Enters wait for its answer
        self.service_names: dict[str, dict[str, str]] = {}  # service id → {"zh","en"}
        self.matches: list[dict[str, Any]] = []
        self.offer = False  # a too-late booking: a normal ticket is offered instead
        self.offer_service = ""  # the booking's service, when known, for that normal ticket
        self.picked_service = ""  # the service of the booking last picked from the matches

        self.title = QLabel(objectName="panelTitle", alignment=Qt.AlignmentFlag.AlignCenter)
        self.prompt = QLabel(objectName="checkInPrompt", alignment=Qt.AlignmentFlag.AlignCenter)
        self.prompt.setWordWrap(True)
        self.shown = QLabel(objectName="pinShown")
        self.message.setWordWrap(True)
        self.offer_button = key("", self, "greenAction")
        self.offer_button.clicked.connect(lambda: self.ticket_wanted.emit(self.offer_service))
        self.offer_button.hide()

        self.match_box = QVBoxLayout()
        self.match_box.setSpacing(10)
        self.match_buttons: list[QPushButton] = []

        self.keys: dict[str, QPushButton] = {}
        grid = QGridLayout()
        grid.setSpacing(8)
        for i, char in enumerate("1234567890" + CODE_LETTERS):
            self.keys[char] = key(char, self, "codeKey")
            self.keys[char].clicked.connect(lambda _=False, c=char: self.type(c))
            row, col = (0, i) if i < 10 else (1 + (i - 10) // 8, 1 + (i - 10) % 8)
            grid.addWidget(self.keys[char], row, col)
        self.back_button = key("", self, "action")
        self.clear_key = key("", self, "key")
        self.delete_key = key("", self, "key")
        self.ok_button = key("", self, "action")
        self.back_button.clicked.connect(self.cancelled)
        self.clear_key.clicked.connect(self.reset)
        self.delete_key.clicked.connect(self.delete)
        self.ok_button.clicked.connect(self.submit)
        actions = QHBoxLayout()
        for button in (self.back_button, self.clear_key, self.delete_key, self.ok_button):
            actions.addWidget(button)

        column = QVBoxLayout()
        column.setSpacing(16)
        column.addStretch(1)
        for widget in (self.title, self.prompt, self.shown, self.message):
            column.addWidget(widget)
        column.addLayout(self.match_box)
        column.addWidget(self.offer_button)
        column.addLayout(grid)
        column.addLayout(actions)
        column.addStretch(1)
        frame = QHBoxLayout(self)
        frame.setContentsMargins(40, 16, 40, 16)
        frame.addLayout(column)
        self.set_lang(self.lang)

    # ------------------------------------------------------------------ entry
    def reset(self) -> None:
        """A fresh screen: each time a visitor opens it, and on Clear."""
        self.typed = ""
        self.picked_service = ""
        self.checking = False
        self._message = None
        self.offer = False
        self.offer_service = ""
        self._set_matches([])
        self._draw()

    def type(self, char: str) -> None:
        if self.checking or len(self.typed) >= MAX_TYPED:
            return
        self.typed += char.upper()
        self._message = None
        self.offer = False
        self.offer_service = ""
        self._draw()

    def submit(self) -> None:
        """Send what was typed (through the window) if it can be a code or a phone's last four."""
        if self.checking or not self.typed:
            return
        fields = request_fields(self.typed)
        if fields is None:
            self._message = ("bad_code", {})
            self._draw()
            return
        self._ask(fields)

    def _ask(self, fields: dict[str, str]) -> None:
        self.checking = True
        self._message = ("checking_in", {})
        self.offer = False
        self.offer_service = ""
        self._draw()
        self.check_in.emit(fields)

    # ------------------------------------------------------------------ the server's answers
    def show_matches(self, bookings: list[dict[str, Any]]) -> None:
        """Several of today's bookings end in the typed digits: one button each, by slot."""
        self.checking = False
        self._message = ("pick_booking", {})
        self._set_matches(sorted(bookings, key=lambda b: (str(b.get("start", "")), str(b.get("code", "")))))
        self._draw()

    def refuse(self, code: str, details: dict[str, Any] | None = None, service: str = "") -> None:
        """The server refused the check-in; ``too_late`` offers a normal ticket of ``service``
        (the booking's, from the refusal's details or the picked match; unknown: the start
        screen, where the visitor picks it)."""
        self.checking = False
        details = dict(details or {})
        self.refused(code, details)
        self.offer = code == "too_late"
        self.offer_service = str(details.get("service") or service) if self.offer else ""
        self._draw()

    def say(self, key: str) -> None:
        """The kiosk's own words (no server, no answer in time) instead of a server's refusal."""
        self.checking = False
        self._message = (key, {})
        self._draw()

    def done(self) -> None:
        """The ticket is issued: the window moves on to the confirmation."""
        self.reset()

    def set_lang(self, lang: str) -> None:
        self.lang = lang
        self.title.setText(T("check_in_title", lang))
        self.prompt.setText(T("check_in_prompt", lang))
        self.back_button.setText(T("back", lang))
        self.clear_key.setText(T("clear", lang))
        self.delete_key.setText(T("delete", lang))
        self.ok_button.setText(T("check_in", lang))
        self._set_matches(self.matches)
        self._draw()

    # ------------------------------------------------------------------ drawing
    def _set_matches(self, bookings: list[dict[str, Any]]) -> None:
        self.matches = bookings
        for button in self.match_buttons:
            self.match_box.removeWidget(button)
            button.hide()  # gone at once, not only when the event loop deletes it
            button.deleteLater()
        self.match_buttons = []
        for booking in bookings:
            names = self.service_names.get(str(booking.get("service", "")), {})
            text = T(
                "booking_line",
                self.lang,
                start=booking.get("start", ""),
                end=booking.get("end", ""),
                service=names.get(self.lang) or booking.get("service", ""),
                name=booking.get("name_masked", ""),
            )
            button = key(text, self, "action")
            button.clicked.connect(lambda _=False, b=booking: self._pick(b))
            self.match_box.addWidget(button)
            self.match_buttons.append(button)

    def _pick(self, booking: dict[str, Any]) -> None:
        self.picked_service = str(booking.get("service", ""))
        self._ask({"code": str(booking.get("code", ""))})

    def _draw(self) -> None:
        self.shown.setText(self.typed)
        self._draw_message()
        names = self.service_names.get(self.offer_service, {})
        if self.offer_service:
            offer = T("too_late_offer", self.lang, service=names.get(self.lang) or self.offer_service)
        else:
            offer = T("too_late_pick", self.lang)
        self.offer_button.setText(offer)
        self.offer_button.setVisible(self.offer)
        self.ok_button.setEnabled(not self.checking)

    def accepts(self, char: str) -> bool:
        return char.isdigit() or char in CODE_LETTERS

    def delete(self) -> None:
        self.typed = self.typed[:-1]
        self._message = None
        self._draw()
