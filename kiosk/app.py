"""The kiosk window: screens, the server link and the printer, wired together.

Everything slow happens elsewhere: the link talks to the server from its own thread, the
print worker talks to the printer from its own, and this window only reacts to their signals.
A ticket is shown the moment the server answers; the printer's outcome arrives later and can
only turn the confirmation into the on-screen fallback, never take the number away.

What the window shows of the hall it reads from the link's hall mirror (``link.mirror``): the
services as configured, their queues, the kiosk's own settings (``device``, resolved by the
server) and the hall's ``[kiosk]`` section; an issue answer is read as the typed
``IssueAnswer``.  The kiosk decides no fact of its own: whether a service issues now is the
server's own rule (``hallcall.hours``) applied to the hours the server sent.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import urllib.parse
from dataclasses import dataclass
from typing import Any

from msgspec import UNSET
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QApplication, QLayout, QStackedWidget, QVBoxLayout, QWidget

from hallcall import protocol as p
from hallcall.config import Kiosk
from hallcall.gui.link import HallLink
from hallcall.i18n import device_refusal, error_text
from hallcall.mirror import Update, answer
from hallcall.printer_spec import PrinterSpecError, parse_spec

from .check_in_screen import CheckInScreen, takes_appointments
from .confirm_screen import ConfirmScreen
from .faults import printer_fault_code
from .guide_desk import GuideDesk, PinPad
from .header import Header
from .print_worker import PrintWorker
from .printer import PrintResult
from .service_state import State, hall_time, statuses
from .start_screen import StartScreen
from .style import screen_scale, sheet
from .text import T
from .ticket import TicketData, render, ticket_data_from_issue

log = logging.getLogger("hallcall.kiosk")

MESSAGE_SECONDS = 6
GUIDE_IDLE_SECONDS = 60.0
# A visitor who switched the language and walked away leaves it for the next one only this
# long (untouched start screen); one who took a ticket leaves it not at all.
LANG_IDLE_SECONDS = 60.0
# A visitor will not stand in front of a kiosk much longer than this for a ticket; after it
# the request is dropped (not sent again on a reconnect) and the visitor is told to tap again.
ISSUE_TIMEOUT_MS = 15_000


@dataclass(frozen=True)
class Pending:
    """A request this window waits for, and what to do with its answer."""

    kind: str  # "issue" | "check_in" | "reprint" | "unlock" (the guide-desk PIN, checked by the server)
    lang: str  # the language at tap time: the confirmation and the ticket use it
    from_desk: bool
    service: str = ""


class KioskWindow(QWidget):
    """The whole kiosk program on one window (full screen in a hall, windowed for testing)."""

    issued = Signal(object)  # every successful issue answer, a p.IssueAnswer (for benches and tests)
    print_done = Signal(str, object)  # (number, PrintResult) after the window has handled it

    def __init__(
        self,
        link: HallLink,
        *,
        printer: str | None = None,
        lang: str | None = None,
        guide_idle_seconds: float = GUIDE_IDLE_SECONDS,
        lang_idle_seconds: float = LANG_IDLE_SECONDS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("kiosk")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.scale = 1.0
        self.setStyleSheet(sheet(self.scale))
        self.setWindowTitle("hallcall kiosk")
        self.link = link
        self.printer_override = printer
        self.lang = lang or "zh"
        self._lang_given = lang is not None  # else the hall's first language, once known
        self.default_lang = self.lang  # what each new visitor starts with
        self.mirror = link.mirror  # the hall as the server last described it
        self.desk_enabled = False  # the hall has a guide desk (the server checks its PIN)
        self.desk_token: str | None = None  # the server's token for the open desk's requests
        self.refused: dict[str, State] = {}  # service → what the server said when it refused
        self.pending: dict[str, Pending] = {}  # request id → what it was for
        self.issue_timeout_ms = ISSUE_TIMEOUT_MS
        self.issuing: str | None = None  # the request id of the ticket being issued
        self.printing: dict[str, Pending] = {}  # ticket number → the job's purpose
        self.worker: PrintWorker | None = None
        self.printer_spec: str | None = None
        self.printer_problem: str = ""  # a printer setting that cannot work, for staff
        self.reported: dict[str, str] | None = None  # last device_status sent: state, code, detail
        self.fault_cause = ""  # the PrintResult state behind the reported fault ("setting": the spec)
        self._minute = -1
        self._desk_open = False
        self._desk_return = False
        self._message: tuple[dict[str, str], str] | None = None

        self.header = Header(link, self.lang)
        self.start_screen = StartScreen()
        self.confirm = ConfirmScreen()
        self.pin_pad = PinPad()
        self.desk = GuideDesk()
        self.check_in = CheckInScreen()
        self.stack = QStackedWidget()
        for screen in (self.start_screen, self.confirm, self.pin_pad, self.desk, self.check_in):
            self.stack.addWidget(screen)
        column = QVBoxLayout(self)
        # The screen's size rules, not the widgets' wishes: the header re-lays itself for a
        # portrait screen only after it has been given the narrow width (see resizeEvent).
        column.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.header)
        column.addWidget(self.stack, 1)

        self.header.lang_toggled.connect(self.toggle_lang)
        self.start_screen.service_tapped.connect(self.issue)
        self.start_screen.staff_tapped.connect(self.open_pin_pad)
        self.start_screen.appointment_tapped.connect(self.open_check_in)
        self.check_in.check_in.connect(self._send_check_in)
        self.check_in.ticket_wanted.connect(self._late_ticket)
        self.check_in.cancelled.connect(self._leave_check_in)
        self.confirm.done.connect(self._confirm_done)
        self.pin_pad.pin_entered.connect(self._unlock)
        self.pin_pad.cancelled.connect(self.close_desk)
        self.desk.issue_requested.connect(lambda sid, prio: self.issue(sid, prio, from_desk=True))
        self.desk.reprint_requested.connect(self.reprint)
        self.desk.exit_requested.connect(self.close_desk)

        link.state_changed.connect(self._on_state)
        link.updated.connect(self._on_update)
        link.answered.connect(self._on_answer)
        link.refused.connect(self._on_refused)

        self._clock = QTimer(self, interval=1000)
        self._clock.timeout.connect(self._tick)
        self._clock.start()
        # While idle the kiosk asks its printer how it is ([kiosk] printer_check_seconds), so a
        # printer unplugged or emptied between visitors is reported at once, not at the next tap.
        self._printer_check = QTimer(self)
        self._printer_check.timeout.connect(self._check_printer)
        self._message_timer = QTimer(self, singleShot=True, interval=MESSAGE_SECONDS * 1000)
        self._message_timer.timeout.connect(lambda: self._set_message(None))
        self._idle = QTimer(self, singleShot=True, interval=int(guide_idle_seconds * 1000))
        self._idle.timeout.connect(self.close_desk)
        self._lang_idle = QTimer(self, singleShot=True, interval=int(lang_idle_seconds * 1000))
        self._lang_idle.timeout.connect(self._lang_idle_over)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)  # touches land on child widgets; see them all

        self.set_lang(self.lang)
        self._on_state(link.state)
        if self.mirror.loaded:
            self._on_snapshot()

    # ------------------------------------------------------------------ language
    def toggle_lang(self) -> None:
        self.set_lang("en" if self.lang == "zh" else "zh")

    def set_lang(self, lang: str) -> None:
        self.lang = lang
        for part in (self.header, self.start_screen, self.confirm, self.pin_pad, self.desk, self.check_in):
            part.set_lang(lang)
        if lang == self.default_lang:
            self._lang_idle.stop()
        else:
            self._lang_idle.start()
        self._tick()

    def _lang_idle_over(self) -> None:
        """Nobody has touched the kiosk for a while: back to the hall's language, unless a
        ticket is on its way or on screen, or staff are at the desk (then wait another round)."""
        if self.stack.currentWidget() is self.start_screen and self.issuing is None:
            self.set_lang(self.default_lang)
        else:
            self._lang_idle.start()

    # ------------------------------------------------------------------ server
    def _on_state(self, state: str) -> None:
        self._enable_issuing()
        self._show_banner()

    def _enable_issuing(self) -> None:
        """Service buttons work only while connected and no ticket is on its way."""
        enabled = self.link.connected and self.issuing is None
        self.start_screen.set_online(enabled)
        self.desk.set_online(enabled)

    def _on_refused(self, answer: dict[str, Any]) -> None:
        log.error("the server refused this kiosk: %s", answer.get("message"))
        self.start_screen.set_staff_line(device_refusal(answer))

    def _on_update(self, update: Update) -> None:
        """The mirror took in a snapshot or an event: redraw what it changed."""
        if update.topic == "snapshot":
            self._on_snapshot()
        elif update.topic == "queue":
            self._refresh_services()

    def _on_snapshot(self) -> None:
        hall = self.mirror.hall
        assert hall is not None
        self.refused.clear()
        if not self._lang_given:
            self._lang_given = True  # a visitor's choice is not undone by a reconnect
            self.default_lang = self.mirror.first_language
            self.set_lang(self.default_lang)
        self.header.set_hall_name(hall.name)
        self.desk_enabled = bool(self._setting("guide_desk"))
        self.start_screen.set_staff_button_visible(self.desk_enabled)
        self.start_screen.set_appointments(takes_appointments(hall))
        self.check_in.service_names = {s.id: {"zh": s.name.zh, "en": s.name.en} for s in hall.services}
        if not self.desk_enabled and self.stack.currentWidget() in (self.pin_pad, self.desk):
            self.close_desk()
        if self.reported is not None:
            # Say it again on every (re)connect: a server started on a fresh database (a new
            # machine, a restore) would otherwise not know of this printer's fault; one that
            # kept its journal has it already, and the repeat costs one journal line.
            self.link.request("device_status", **self.reported)
        self._setup_printer()
        self._refresh_services()
        self._tick()

    def _refresh_services(self) -> None:
        hall = self.mirror.hall
        if hall is None:
            return
        now = hall_time(hall, self.mirror.now())
        shown = statuses(hall, self.mirror.services, now, self.refused)
        self.start_screen.set_services(shown)
        self.desk.set_services(shown)

    def _tick(self) -> None:
        """Once a second: the clock; once a minute: which services are open now."""
        hall = self.mirror.hall
        if hall is None:
            return
        now = hall_time(hall, self.mirror.now())
        self.header.set_time(now)
        if now.minute != self._minute:
            self._minute = now.minute
            self.refused.clear()  # let the visitor try again; the server is the judge
            self._refresh_services()

    # ------------------------------------------------------------------ issuing
    def service_button(self, service_id: str) -> QWidget:
        """The start screen's button for a service: click it to issue as a visitor would."""
        return self.start_screen.service_button(service_id)

    def issue(self, service_id: str, priority: str = "normal", from_desk: bool = False) -> None:
        """Ask the server for a ticket; a second tap while one is on its way is ignored."""
        if self.issuing is not None or not self.link.connected:
            return
        # confirm: this kiosk names the ticket in a device_status once the visitor has it; one it
        # never names (this request timed out here, the kiosk crashed) the server cancels later.
        fields: dict[str, Any] = {"service": service_id, "confirm": True}
        if priority != "normal":
            fields["priority"] = priority
        if from_desk and self.desk_token is not None:
            fields["desk"] = self.desk_token  # the server checks the desk, not this kiosk
        rid = self.link.request("issue", **fields)
        self.issuing = rid
        self.pending[rid] = Pending("issue", self.lang, from_desk, service=service_id)
        self._enable_issuing()
        self._set_message((T.both("issuing"), "info"), seconds=0)
        QTimer.singleShot(self.issue_timeout_ms, lambda: self._issue_timed_out(rid))

    # ------------------------------------------------------------------ appointments
    def open_check_in(self) -> None:
        """The 我有预约 / I have an appointment button: the code entry, empty."""
        self.check_in.reset()
        self.stack.setCurrentWidget(self.check_in)
        self.check_in.setFocus()  # a USB code scanner types into the screen that has focus

    def _leave_check_in(self) -> None:
        self.check_in.reset()
        self.stack.setCurrentWidget(self.start_screen)

    def _send_check_in(self, fields: dict[str, str]) -> None:
        """Ask the server to check a booking in (mutating: a retried request id gets the same
        answer and one ticket); its ticket is printed like any other."""
        if self.issuing is not None or not self.link.connected:
            self.check_in.say("offline")
            return
        rid = self.link.request("check_in", **fields)
        self.issuing = rid
        self.pending[rid] = Pending("check_in", self.lang, False, service=self.check_in.picked_service)
        self._enable_issuing()
        QTimer.singleShot(self.issue_timeout_ms, lambda: self._check_in_timed_out(rid))

    def _check_in_timed_out(self, rid: str) -> None:
        if self.issuing != rid:
            return
        self.link.forget(rid)
        self.pending.pop(rid, None)
        self.issuing = None
        self._enable_issuing()
        self.check_in.say("issue_timed_out")

    def _checked_in(self, job: Pending, reply: dict[str, Any]) -> None:
        data = reply.get("data", {})
        if reply.get("type") == "error":
            self.check_in.refuse(reply.get("code", ""), reply.get("details"), service=job.service)
        elif "matches" in data:
            self.check_in.show_matches(list(data["matches"]))
        else:
            self.check_in.done()
            self._issued(job, answer("issue", {k: v for k, v in data.items() if k != "booking"}))

    def _late_ticket(self, service_id: str) -> None:
        """Too late for the booked slot: a normal ticket of the same service, as any visitor's
        (the service unknown: the start screen, where the visitor taps it)."""
        self.check_in.reset()
        self.stack.setCurrentWidget(self.start_screen)
        if service_id:
            self.issue(service_id)

    def _issue_timed_out(self, rid: str) -> None:
        """The server has not answered a tap in time (it went away mid-request): give up on it,
        so a ticket is never printed long after the visitor has left."""
        if self.issuing != rid:
            return
        log.warning("no answer to an issue request in %d ms; dropped", self.issue_timeout_ms)
        self.link.forget(rid)
        job = self.pending.pop(rid)
        self.issuing = None
        self._enable_issuing()
        if job.from_desk:
            self.desk.set_status(T.both("issue_timed_out"))
        else:
            self._set_message((T.both("issue_timed_out"), "error"))

    def reprint(self, number: str) -> None:
        if not self.link.connected:
            return
        desk = {"desk": self.desk_token} if self.desk_token is not None else {}
        rid = self.link.request("ticket", number=number, **desk)  # the desk token: the QR link's key
        self.pending[rid] = Pending("reprint", self.lang, True)
        self.desk.set_status(T.both("reprinting", number=number))

    def _on_answer(self, rid: str, reply: dict[str, Any]) -> None:
        job = self.pending.pop(rid, None)
        if job is None:
            return  # a device_status report, or a request this window gave up on
        if job.kind in ("issue", "check_in"):
            self.issuing = None
            self._enable_issuing()
            self._set_message(None)
        if job.kind == "unlock":
            self._unlocked(reply)
        elif job.kind == "check_in":
            self._checked_in(job, reply)
        elif reply.get("type") == "error":
            self._refusal(job, reply)
        elif job.kind == "issue":
            self._issued(job, answer("issue", reply.get("data", {})))
        else:
            self._reprint_answer(job, answer("ticket", reply.get("data", {})))

    def _refusal(self, job: Pending, reply: dict[str, Any]) -> None:
        code = reply.get("code", "")
        message = {
            "zh": reply.get("message_zh") or error_text(code, "zh", reply.get("details")),
            "en": error_text(code, "en", reply.get("details")),
        }
        log.info("%s refused: %s %s", job.kind, code, reply.get("message"))
        if code == "desk_required" and job.from_desk:  # the desk lapsed on the server: the PIN again
            self.open_pin_pad()
            self.pin_pad.refuse(code)
            return
        if code == "service_closed":
            self.refused[job.service] = "closed"
        elif code == "daily_cap_reached":
            self.refused[job.service] = "full"
        self._refresh_services()
        if job.from_desk:
            self.desk.set_status({lang: T("request_failed", lang, message=message[lang]) for lang in message})
        else:
            self._set_message((message, "error"))

    def _issued(self, job: Pending, issued: p.IssueAnswer) -> None:
        self.issued.emit(issued)
        ticket = self._ticket_data(issued)
        if job.from_desk:
            self.desk.set_status(
                {
                    lang: T("issued_for", lang, number=ticket.number, service=ticket.service_name[lang])
                    for lang in ("zh", "en")
                }
            )
        state = "printing" if self.worker is not None else "fault" if self.printer_problem else "none"
        self._desk_return = job.from_desk
        self.confirm.show_ticket(ticket, job.lang, state, self._hall_kiosk().confirm_seconds)
        self.stack.setCurrentWidget(self.confirm)
        if self.worker is None:  # on screen only: the visitor has the number now
            self._confirm_shown(ticket.number)
        self._print(ticket, job)

    def _reprint_answer(self, job: Pending, found: p.TicketAnswer) -> None:
        ticket = self._ticket_data(found)
        if self.worker is None:
            if self.printer_problem:
                self.desk.set_status(T.both("reprint_failed", number=ticket.number, detail=self.printer_problem))
            else:
                self.desk.set_status(T.both("no_printer_staff"))
            return
        self._print(ticket, job)

    def _ticket_data(self, found: p.IssueAnswer | p.TicketAnswer) -> TicketData:
        """The printable ticket for an issue or ticket answer (a reprint has no top-level
        figures; its day is the snapshot's when the answer names none)."""
        assert self.mirror.hall is not None
        return ticket_data_from_issue(self.mirror.hall, found, self.link.url, self.mirror.day)

    def _confirm_done(self) -> None:
        self.confirm.stop()
        if self._desk_return and self._desk_open:
            self.stack.setCurrentWidget(self.desk)
        else:
            self.stack.setCurrentWidget(self.start_screen)
            self.set_lang(self.default_lang)  # this visitor is done; the next starts afresh

    # ------------------------------------------------------------------ printing
    def _setting(self, name: str) -> Any:
        """One of this kiosk's own settings (printer, paper_mm, encoding, qr, guide_desk) as the
        server resolved them: its ``[[devices.kiosks]]`` entry over the hall's ``[kiosk]``.
        The server sends every one of them to a kiosk."""
        value = getattr(self.mirror.device, name, UNSET)
        if value is UNSET:
            raise LookupError(f"the server's snapshot has no kiosk setting {name!r}")
        return value

    def _hall_kiosk(self) -> Kiosk:
        """The hall's ``[kiosk]`` section (confirmation and print timeouts, the footer)."""
        assert self.mirror.hall is not None
        return self.mirror.hall.kiosk

    def _setup_printer(self) -> None:
        """(Re)start the print worker when the printer setting is new; a bad one is shown to staff."""
        spec = self.printer_override if self.printer_override is not None else str(self._setting("printer"))
        spec = spec.strip()
        if spec == self.printer_spec:
            return
        self.printer_spec = spec
        if self.worker is not None:
            self.worker.stop()
            self.worker = None
        self.printer_problem = ""
        try:
            parsed = parse_spec(spec)
        except PrinterSpecError as exc:
            self.printer_problem = str(exc)
            log.error("%s; tickets are shown on screen only", exc)
            self._report("fault", str(exc), cause="setting")
            self._show_staff_line()
            return
        if parsed.kind != "none":
            self.worker = PrintWorker(
                parsed,
                timeout=self._hall_kiosk().print_timeout_seconds,
                paper_mm=int(self._setting("paper_mm")),
            )
            self.worker.finished.connect(self._on_printed)
            self.worker.checked.connect(self._checked)
            self.worker.check()  # a missing or unreachable printer is named before the first visitor
        self._schedule_checks()
        self._show_staff_line()

    def _schedule_checks(self) -> None:
        """(Re)start the idle printer check at the hall's interval; none without a printer."""
        seconds = float(self._hall_kiosk().printer_check_seconds)
        if self.worker is None or seconds <= 0:
            self._printer_check.stop()
        elif self._printer_check.interval() != int(seconds * 1000) or not self._printer_check.isActive():
            self._printer_check.start(int(seconds * 1000))

    def _check_printer(self) -> None:
        """Ask the printer for its status, unless a ticket is on its way to it (that print's
        outcome says the same, and the query would only delay the ticket)."""
        if self.worker is not None and self.worker.idle and not self.printing:
            self.worker.check()

    def _checked(self, result: PrintResult) -> None:
        """A status query's outcome: news for the server and staff only when the printer's
        state changed (a paper-out printer is not re-reported every few seconds)."""
        self._printer_outcome(result, changes_only=True)

    def _print(self, ticket: TicketData, job: Pending) -> None:
        """Hand the ticket to the print worker, which lays it out and prints it off the Qt
        thread; the outcome comes to _on_printed."""
        if self.worker is None:
            return
        self.printing[ticket.number] = job
        layout = functools.partial(
            render,
            ticket,
            job.lang,
            paper_mm=int(self._setting("paper_mm")),
            encoding=str(self._setting("encoding")),
            qr=str(self._setting("qr")),
        )
        self.worker.submit(ticket.number, layout)

    def _on_printed(self, number: str, result: PrintResult) -> None:
        job = self.printing.pop(number, None)
        # An issued ticket's outcome names it: printed, or on screen (the fallback) - either way
        # the visitor has the number, and the server knows which.
        self._printer_outcome(result, ticket=number if job is not None and job.kind == "issue" else None)
        if self.confirm.ticket is not None and self.confirm.ticket.number == number:
            self.confirm.set_print_state("printed" if result.ok else "fault")
        if job is not None and job.kind == "reprint":
            key = "reprinted" if result.ok else "reprint_failed"
            self.desk.set_status(T.both(key, number=number, detail=result.detail or result.state))
        self.print_done.emit(number, result)

    def _printer_outcome(self, result: PrintResult, *, changes_only: bool = False, ticket: str | None = None) -> None:
        """What a print, or a status query, says about the printer, for the server and staff.
        ``changes_only``: a status query repeats what is known; only a new state or code is news.
        ``ticket``: the issued ticket the print was for; its report is sent whatever it says."""
        if result.state == "unknown":
            # The printer (a device file) cannot say anything about itself, which is no news, and
            # never "OK": a fault it reported (out of paper, offline) stands.  Only a fault of the
            # connection is disproved when a whole ticket got through it; and a kiosk that has
            # reported nothing yet (just started) says "ok" once, so a fault the server kept from
            # before the restart does not stand for a printer that now opens fine.
            if (result.ok and self.fault_cause in ("unreachable", "timeout", "error")) or self.reported is None:
                self._report("ok", result.detail, ticket=ticket)
                self._show_staff_line()
            elif ticket is not None:
                self._confirm_shown(ticket)
            return
        if result.ok:
            note = "" if result.state == "ok" else result.detail  # e.g. paper running low
            if self._report("ok", note, cause=result.state, changes_only=changes_only, ticket=ticket):
                self._show_staff_line(note=note)
        elif self._report(
            "fault", result.detail or result.state, cause=result.state, changes_only=changes_only, ticket=ticket
        ):
            self._show_staff_line(result.detail or result.state)

    def _report(
        self, state: str, detail: str, cause: str = "", *, changes_only: bool = False, ticket: str | None = None
    ) -> bool:
        """Tell the server about the printer when that changes (it shows counters and
        supervisors); ``cause`` is the PrintResult state behind a fault.  With ``changes_only``
        a report of the same state and code as the last is not sent.  A report naming a
        ``ticket`` is sent even when nothing changed (it tells the server the visitor has that
        number).  True when the printer's state was news."""
        fields = {"state": state, "code": printer_fault_code(state, cause, detail), "detail": detail[:200]}
        last = self.reported
        same = last == fields or bool(
            changes_only and last and (last["state"], last["code"]) == (state, fields["code"])
        )
        if same and ticket is None:
            return False
        if not same:
            self.fault_cause = cause if state == "fault" else ""
            self.reported = fields
        self.link.request("device_status", **fields, **({"ticket": ticket} if ticket else {}))
        return not same

    def _confirm_shown(self, number: str) -> None:
        """Name a ticket to the server with what is known of the printer (a plain "ok" when
        nothing is): the visitor has its number, on paper or on screen (protocol 6.5)."""
        fields = self.reported or {"state": "ok", "code": "", "detail": ""}
        self.link.request("device_status", **fields, ticket=number)

    def _show_staff_line(self, fault: str = "", note: str = "") -> None:
        if self.printer_problem:
            self.start_screen.set_staff_line(T.both("printer_config", detail=self.printer_problem))
        elif fault:
            self.start_screen.set_staff_line(T.both("printer_fault_staff", detail=fault))
        elif note:
            self.start_screen.set_staff_line(T.both("printer_note", detail=note))
        else:
            host = self._local_qr_host()
            self.start_screen.set_staff_line(T.both("qr_link_local", host=host) if host else None)

    def _local_qr_host(self) -> str:
        """The loopback host a ticket's QR link would carry ("" when it is fine): with no
        ``public_url`` the link uses the address this kiosk reaches the server at, and a phone
        cannot open 127.0.0.1."""
        hall = self.mirror.hall
        if hall is None or hall.public_url.strip():
            return ""
        host = urllib.parse.urlsplit(self.link.url).hostname or ""
        try:
            local = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            local = False
        return host if local else ""

    # ------------------------------------------------------------------ messages
    def _set_message(self, message: tuple[dict[str, str], str] | None, seconds: int = MESSAGE_SECONDS) -> None:
        """A passing message (a refusal, "issuing…"); the connection state outranks it."""
        self._message = message
        self._message_timer.stop()
        if message is not None and seconds:
            self._message_timer.start(seconds * 1000)
        self._show_banner()

    def _show_banner(self) -> None:
        state = self.link.state
        if state == "refused":
            self.start_screen.set_banner(T.both("refused"), "error")
        elif state == "connecting" and not self.mirror.loaded:
            self.start_screen.set_banner(T.both("connecting"), "info")
        elif state != "connected":
            self.start_screen.set_banner(T.both("offline"), "warn")
        elif self._message is not None:
            self.start_screen.set_banner(*self._message)
        else:
            self.start_screen.set_banner(None)

    # ------------------------------------------------------------------ guide desk
    def open_pin_pad(self) -> None:
        if not self.desk_enabled:
            return
        self.pin_pad.reset()
        self.stack.setCurrentWidget(self.pin_pad)
        self.pin_pad.setFocus()
        self._idle.start()

    def _unlock(self, pin: str) -> None:
        """Send the PIN staff typed to the server, which alone knows the right one."""
        if not self.link.connected:
            self.pin_pad.refuse("refused" if self.link.state == "refused" else "offline")
            return
        rid = self.link.request("unlock_desk", pin=pin)
        self.pending[rid] = Pending("unlock", self.lang, True)

    def _unlocked(self, reply: dict[str, Any]) -> None:
        """The server's answer to the PIN: the desk opens with its token, or the pad says why not."""
        if self.stack.currentWidget() is not self.pin_pad:
            return  # staff left the pad (or it timed out) before the answer came
        if reply.get("type") == "error":
            self.pin_pad.refuse(reply.get("code", ""), reply.get("details"))
            return
        self.desk_token = answer("unlock_desk", reply.get("data", {})).desk
        self.pin_pad.reset()
        self._open_desk()

    def _open_desk(self) -> None:
        self._desk_open = True
        self.desk.reset()
        self.stack.setCurrentWidget(self.desk)
        self._idle.start()

    def close_desk(self) -> None:
        """Back to the visitor screen; the PIN is asked again next time (the desk token is
        dropped: it lapses on the server by itself)."""
        self._desk_open = False
        self.desk_token = None
        self._idle.stop()
        self.pin_pad.reset()
        self.desk.reset()
        if self.stack.currentWidget() in (self.pin_pad, self.desk):
            self.stack.setCurrentWidget(self.start_screen)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Any touch or key while the staff screens are up keeps them open another minute,
        and keeps a visitor's language as long."""
        if event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin, QEvent.Type.KeyPress):
            for timer in (self._idle, self._lang_idle):
                if timer.isActive():
                    timer.start()
        return False

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.header.set_portrait(self.height() > self.width())
        scale = screen_scale(self.width(), self.height())
        if abs(scale - self.scale) > 0.02:
            self.scale = scale
            self.setStyleSheet(sheet(scale))

    # ------------------------------------------------------------------ shutdown
    def shutdown(self) -> None:
        """Stop the timers and the print worker (the caller stops the link it made)."""
        self._clock.stop()
        self._printer_check.stop()
        self._idle.stop()
        self._lang_idle.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        if self.worker is not None:
            self.worker.stop()
            self.worker = None
