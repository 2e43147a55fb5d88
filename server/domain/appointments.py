"""Appointments (预约): slots, quota, check-in window and day-end no-shows.

Pure: no I/O and no clock of its own.  The server holds one :class:`Ledger` per hall, loads it
from storage at start and persists every :class:`BookingSaved` it returns, the same way the
queue core (hall.py) works, so the rules live here once and storage only records them.

A slot is a ``slot_minutes`` span inside the service's issuing hours of a day (or a special
date's hours from ``[appointments].days``); it holds ``appointment_quota`` bookings.  A booked
visitor checks in at the kiosk from ``early_minutes`` before the slot until ``late_minutes``
after its start; later, the kiosk offers an ordinary ticket.  At day end a booking of the day
never checked in becomes ``missed`` (an appointment no-show in the reports).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from hallcall.config import WEEKDAYS, HallConfig, Service, parse_hours

from .model import QueueError

BOOKED = "booked"
CHECKED_IN = "checked_in"
CANCELLED = "cancelled"
MISSED = "missed"
HOLDING = (BOOKED, CHECKED_IN)  # states that take a place in their slot

# Codes are read aloud and typed at a kiosk: no 0/O, 1/I/L look-alikes.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
_PHONE = re.compile(r"^1[3-9]\d{9}$")  # a mainland mobile number, 11 digits


@dataclass(frozen=True, slots=True)
class Slot:
    start: str  # "HH:MM", hall-local
    end: str


@dataclass(slots=True)
class Booking:
    code: str
    service: str
    day: str  # ISO date
    start: str
    end: str
    name: str
    phone: str  # kept whole: check-in matches its last four digits; never shown or sent whole
    state: str = BOOKED
    ticket: str = ""  # the ticket number issued at check-in
    booked_at: float = 0.0
    changed_at: float = 0.0


@dataclass(slots=True)
class BookingSaved:
    """A booking to write (new or changed); storage upserts it, the hub publishes it."""

    booking: Booking
    new: bool = False


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def takes_appointments(config: HallConfig, service: Service) -> bool:
    return config.appointments.enabled and service.appointment_slot_minutes > 0 and service.appointment_quota > 0


def day_hours(config: HallConfig, service: Service, day: dt.date) -> list[str]:
    """The spans a service issues on ``day``: a special date's own hours, else its issuing hours
    (or the hall's) on an open weekday, else none."""
    for special in config.appointments.days:
        if special.date == day.isoformat():
            return [h for h in special.hours if h]
    if WEEKDAYS[day.weekday()] not in config.hall.open_days:
        return []
    return list(service.issuing_hours or config.hall.opening_hours)


def appointment_only(config: HallConfig, day: str) -> bool:
    """A special date open for booked visitors only (walk-ins get no ticket that day)."""
    return any(d.date == day and d.appointment_only for d in config.appointments.days)


def slots(config: HallConfig, service: Service, day: dt.date) -> list[Slot]:
    """The bookable slots of ``service`` on ``day``: whole ``slot_minutes`` spans inside each span."""
    if not takes_appointments(config, service):
        return []
    size = service.appointment_slot_minutes
    found: list[Slot] = []
    for span in day_hours(config, service, day):
        start, end = parse_hours(span)
        while start + size <= end:
            found.append(Slot(_hhmm(start), _hhmm(start + size)))
            start += size
    return found


def check_phone(phone: str) -> str:
    """The phone as stored: digits only (spaces and dashes dropped); a clear error otherwise."""
    digits = re.sub(r"[\s-]", "", phone or "")
    if not _PHONE.match(digits):
        raise QueueError("bad_phone", "the phone is not an 11-digit mobile number", phone=mask_phone(digits))
    return digits


def check_name(name: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned or len(cleaned) > 40:
        raise QueueError("bad_field", "name must be 1 to 40 characters", field="name")
    return cleaned


def mask_phone(phone: str) -> str:
    """ "138****5678": enough for the visitor to recognise, not enough to call."""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_name(name: str) -> str:
    """ "张*" / "J***": the first character only."""
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


def new_code(taken: Callable[[str], bool], token: Callable[[str], str] | None = None) -> str:
    """A fresh 8-character code not yet ``taken``."""
    pick = token or (lambda alphabet: secrets.choice(alphabet))
    while True:
        code = "".join(pick(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not taken(code):
            return code


def slot_start(config: HallConfig, day: str, start: str) -> dt.datetime:
    """The hall-local moment a slot starts."""
    hour, minute = start.split(":")
    offset = dt.timedelta(hours=int(hour), minutes=int(minute))
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(), config.tz) + offset


def check_in_window(config: HallConfig, booking: Booking, now_local: dt.datetime) -> None:
    """Refuse a check-in outside the window: ``too_early`` says when it opens; ``too_late``
    lets the kiosk offer an ordinary ticket instead."""
    begins = slot_start(config, booking.day, booking.start)
    opens = begins - dt.timedelta(minutes=config.appointments.early_minutes)
    closes = begins + dt.timedelta(minutes=config.appointments.late_minutes)
    if now_local < opens:
        raise QueueError(
            "too_early",
            f"check-in for {booking.code} opens at {opens:%H:%M}",
            booking=booking.code,
            opens_at=f"{opens:%H:%M}",
        )
    if now_local > closes:
        raise QueueError(
            "too_late",
            f"check-in for {booking.code} closed at {closes:%H:%M}",
            booking=booking.code,
            service=booking.service,
        )


class Ledger:
    """Every booking the hall knows, with the rules that change them.  Each method returns the
    :class:`BookingSaved` records storage writes in one transaction (all or nothing)."""

    def __init__(self, config: HallConfig, bookings: list[Booking] | None = None) -> None:
        self.config = config
        self.by_code: dict[str, Booking] = {b.code: b for b in bookings or []}
        # by day: a slot's count reads its own day's bookings, not a year of history
        self._days: dict[str, dict[str, Booking]] = {}
        for b in self.by_code.values():
            self._days.setdefault(b.day, {})[b.code] = b

    # -------------------------------------------------------------- lookups
    def get(self, code: str) -> Booking:
        b = self.by_code.get((code or "").strip().upper())
        if b is None:
            raise QueueError("unknown_booking", f"there is no booking {code!r}", booking=code)
        return b

    def booked(self, service: str, day: str, start: str) -> int:
        return sum(
            1
            for b in self._days.get(day, {}).values()
            if b.service == service and b.start == start and b.state in HOLDING
        )

    def of_day(self, day: str) -> list[Booking]:
        return sorted(self._days.get(day, {}).values(), key=lambda b: (b.start, b.service, b.code))

    def slot_table(self, service_id: str, day: str) -> list[dict[str, object]]:
        """The ``slots`` answer: each slot with its quota, places taken and places free."""
        service = self._service(service_id)
        quota = service.appointment_quota
        table = []
        for s in slots(self.config, service, parse_day(day)):
            n = self.booked(service_id, day, s.start)
            table.append({"start": s.start, "end": s.end, "quota": quota, "booked": n, "free": max(0, quota - n)})
        return table

    def today_by_phone(self, last4: str, day: str) -> list[Booking]:
        return [b for b in self.of_day(day) if b.phone.endswith(last4) and b.state in (BOOKED, CHECKED_IN)]

    # -------------------------------------------------------------- rules
    def _service(self, service_id: str) -> Service:
        if not self.config.appointments.enabled:
            raise QueueError("appointments_off", "this hall takes no appointments")
        service = self.config.service(service_id)
        if service is None:
            raise QueueError("unknown_service", f"there is no service {service_id!r}", service=service_id)
        if not takes_appointments(self.config, service):
            raise QueueError("appointments_off", f"service {service_id!r} takes no appointments", service=service_id)
        return service

    def _place(self, service_id: str, day: str, start: str, today: str, *, moving: Booking | None = None) -> Slot:
        service = self._service(service_id)
        when = parse_day(day)
        first = parse_day(today)
        if when < first or (when - first).days >= self.config.appointments.days_ahead:
            raise QueueError(
                "too_far_ahead",
                f"{day} is not within the {self.config.appointments.days_ahead} days open for booking",
                day=day,
            )
        slot = next((s for s in slots(self.config, service, when) if s.start == start), None)
        if slot is None:
            raise QueueError("no_such_slot", f"service {service_id!r} has no slot at {start} on {day}", start=start)
        taken = self.booked(service_id, day, start)
        if moving is not None and (moving.service, moving.day, moving.start) == (service_id, day, start):
            taken -= 1
        if taken >= service.appointment_quota:
            raise QueueError("slot_full", f"the {start} slot on {day} is full", start=start, day=day)
        return slot

    def book(
        self, service: str, day: str, start: str, name: str, phone: str, *, today: str, now: float, code: str = ""
    ) -> tuple[Booking, list[BookingSaved]]:
        phone = check_phone(phone)
        name = check_name(name)
        slot = self._place(service, day, start, today)
        code = code or new_code(lambda c: c in self.by_code)
        b = Booking(code, service, day, slot.start, slot.end, name, phone, booked_at=now, changed_at=now)
        self.by_code[code] = b
        self._days.setdefault(day, {})[code] = b
        return b, [BookingSaved(b, new=True)]

    def cancel(self, code: str, now: float) -> tuple[Booking, list[BookingSaved]]:
        b = self.get(code)
        if b.state == CANCELLED:
            return b, []
        if b.state != BOOKED:
            raise QueueError("already_checked_in", f"booking {b.code} is {b.state}", booking=b.code, state=b.state)
        b.state = CANCELLED
        b.changed_at = now
        return b, [BookingSaved(b)]

    def rebook(self, code: str, day: str, start: str, *, today: str, now: float) -> tuple[Booking, list[BookingSaved]]:
        """Same code, new slot; the old place is freed in the same step."""
        b = self.get(code)
        if b.state == CANCELLED:
            raise QueueError("booking_cancelled", f"booking {b.code} was cancelled", booking=b.code)
        if b.state != BOOKED:
            raise QueueError("already_checked_in", f"booking {b.code} is {b.state}", booking=b.code, state=b.state)
        slot = self._place(b.service, day, start, today, moving=b)
        del self._days[b.day][b.code]
        self._days.setdefault(day, {})[b.code] = b
        b.day, b.start, b.end = day, slot.start, slot.end
        b.changed_at = now
        return b, [BookingSaved(b)]

    def can_check_in(self, code: str, today: str, now_local: dt.datetime) -> Booking:
        """The booking if it may check in now; otherwise the error the kiosk shows."""
        b = self.get(code)
        if b.state == CANCELLED:
            raise QueueError("booking_cancelled", f"booking {b.code} was cancelled", booking=b.code)
        if b.state == CHECKED_IN:
            raise QueueError(
                "already_checked_in", f"booking {b.code} has ticket {b.ticket}", booking=b.code, ticket=b.ticket
            )
        if b.day != today or b.state == MISSED:
            raise QueueError("not_today", f"booking {b.code} is for {b.day}", booking=b.code, day=b.day)
        check_in_window(self.config, b, now_local)
        return b

    def checked_in(self, code: str, ticket: str, now: float) -> list[BookingSaved]:
        """Record the ticket issued for a booking that :meth:`can_check_in` allowed."""
        b = self.get(code)
        if b.state != BOOKED:
            raise QueueError("already_checked_in", f"booking {b.code} is {b.state}", booking=b.code, ticket=b.ticket)
        b.state = CHECKED_IN
        b.ticket = ticket
        b.changed_at = now
        return [BookingSaved(b)]

    def day_end(self, today: str, now: float) -> list[BookingSaved]:
        """Bookings of the days before ``today`` never checked in become ``missed`` (run at each
        roll of the business day, and at start for the days a stopped server did not end)."""
        changes = []
        for b in self.by_code.values():
            if b.state == BOOKED and b.day < today:
                b.state = MISSED
                b.changed_at = now
                changes.append(BookingSaved(b))
        return changes


def shape(b: Booking) -> dict[str, str]:
    """A booking as it is shown or sent: name and phone masked, never whole."""
    return {
        "code": b.code,
        "service": b.service,
        "day": b.day,
        "start": b.start,
        "end": b.end,
        "name_masked": mask_name(b.name),
        "phone_masked": mask_phone(b.phone),
        "state": b.state,
        "ticket": b.ticket,
    }


def parse_day(day: str) -> dt.date:
    try:
        return dt.date.fromisoformat(day)
    except (TypeError, ValueError):
        raise QueueError("bad_date", f"{day!r} is not a date (YYYY-MM-DD)", field="day") from None
