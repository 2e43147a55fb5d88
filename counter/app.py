"""The counter program: sign-in, the clerk's actions, and what the server says back.

``CounterProgram`` owns the link to the server, the state rebuilt from its messages, and the
two windows (full and compact).  Every clerk's action becomes one request with its own id;
the link keeps it through a lost connection and sends it again under the same id, so the
server does it exactly once.  While an action waits for its answer, or the server cannot be
reached, the buttons and keys are off, which is how a double press or a press into the void
cannot become a second call.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import msgspec
from PySide6.QtCore import QObject, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QDialog, QPushButton

from hallcall import protocol as p
from hallcall.gui.link import HallLink
from hallcall.gui.qtapp import ConnectionBadge
from hallcall.i18n import error_text, name_in, other_lang
from hallcall.mirror import answer as result

from .actions import ACTIONS, BY_NAME, allowed
from .compact_bar import CompactBar
from .dialogs import NumberDialog, PauseDialog, TransferDialog
from .main_window import MainWindow
from .password_dialog import PasswordDialog
from .remembered import NameMemory
from .state import CounterState
from .text import T, refusal_text, session_end_text

LANG_KEY = "L"
COMPACT_KEY = "M"


class CounterProgram(QObject):
    """One counter's program: build it, ``show()`` it, ``close()`` it on exit."""

    def __init__(
        self,
        url: str,
        counter: int,
        *,
        lang: str | None = None,
        clerk: str = "",
        compact: bool = False,
        link_options: dict[str, Any] | None = None,
        settings: QSettings | None = None,
    ) -> None:
        """``settings``: where the hall's and counter's names are kept for the next sign-in page
        (None: not kept)."""
        super().__init__()
        self.url = url
        self.number = counter
        self.lang = lang or "zh"
        self.lang_chosen = lang is not None  # else the hall's first language, once known
        self.want_compact = compact
        self.link_options = link_options or {}
        self.state = CounterState(counter)
        self.link: HallLink | None = None
        self.badge: ConnectionBadge | None = None
        self.signed_in = False
        self.auto_call_set = False
        self.pending: dict[str, str] = {}  # request id -> action, until answered
        self.said: tuple[str | Callable[[str], str], str] = ("", "info")  # the status line, in any language
        self.auto_rid = ""  # the request id of the last auto-call
        self.dialog: QDialog | None = None
        self.compact = False
        self.closed = False

        self.window = MainWindow(counter, self.lang, clerk)
        self.screen = self.window.screen
        self.sign_in = self.window.sign_in
        self.names = NameMemory(settings, url, counter)
        self.sign_in.set_names(*self.names.recall())
        self.bar = CompactBar()
        self.window.closing.connect(self.close)

        self.qactions: dict[str, QAction] = {}
        for action in ACTIONS:
            qa = self._shortcut(action.key, partial(self.do, action.name))
            self.qactions[action.name] = qa
            self.screen.buttons[action.name].clicked.connect(qa.trigger)
            if action.name in self.bar.buttons:
                self.bar.buttons[action.name].clicked.connect(qa.trigger)
        self._shortcut(LANG_KEY, self.toggle_lang)
        self.compact_action = self._shortcut(COMPACT_KEY, lambda: self.set_compact(not self.compact))
        self.sign_in.submitted.connect(self.submit_sign_in)
        self.sign_in.lang_toggled.connect(self.toggle_lang)
        self.screen.lang_button.clicked.connect(self.toggle_lang)
        self.screen.compact_button.clicked.connect(self.compact_action.trigger)
        self.bar.expand.clicked.connect(self.compact_action.trigger)
        self.must_change_password = False  # signed in with a one-time password: a new one first
        self.password_button = QPushButton()  # the clerk's own password (password_dialog.py)
        self.password_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.password_button.setStyleSheet("min-height: 40px; font-size: 18px;")
        self.password_button.clicked.connect(lambda: self.ask_password())
        self.screen.badge_slot.insertWidget(0, self.password_button)

        self.clock = QTimer(self)
        self.clock.setInterval(1000)
        self.clock.timeout.connect(self._tick)
        self.clock.start()
        self._refresh()

    def _shortcut(self, key: str, slot: Any) -> QAction:
        """A single-key action live in both windows (not in dialogs, not in text fields)."""
        qa = QAction(self)
        qa.setShortcut(QKeySequence(key))
        qa.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        qa.triggered.connect(slot)
        self.window.addAction(qa)
        self.bar.addAction(qa)
        return qa

    # -- life cycle -----------------------------------------------------------------------
    def show(self) -> None:
        self.window.show()
        self.window.activateWindow()

    def close(self) -> None:
        """Stop the link and close both windows; safe to call twice."""
        if self.closed:
            return
        self.closed = True
        self.clock.stop()
        if self.link is not None:
            self.link.blockSignals(True)
            self.link.stop()
            self.link = None
        self.bar.close()
        self.window.close()

    # -- sign-in and sessions -------------------------------------------------------------
    def submit_sign_in(self, clerk: str, password: str) -> None:
        self.sign_in.set_waiting(True)
        if self.link is None:
            hello = {"role": "counter", "counter": self.number, "clerk": clerk, "password": password}
            self.link = HallLink(self.url, hello, self, **self.link_options)
            self.link.state_changed.connect(self._on_link_state)
            self.link.welcomed.connect(self._on_welcome)
            self.link.snapshot_received.connect(self._on_snapshot)
            self.link.event_received.connect(self._on_event)
            self.link.answered.connect(self._on_answer)
            self.link.refused.connect(self._on_refused)
            self.badge = ConnectionBadge(self.link, self.lang)
            self.badge.setStyleSheet("font-size: 20px;")
            self.sign_in.status_row.addWidget(self.badge)
            self._show_badge()
            self.link.start()
        else:  # the last try was refused, or the server is not reachable yet: try these now
            self.link.set_hello(clerk=clerk, password=password, session_token=None)
            self.link.retry()

    def _on_welcome(self, welcome: dict[str, Any]) -> None:
        self.signed_in = True
        said = msgspec.convert(welcome, p.Welcome, strict=False)
        self.state.clerk = said.name
        self.must_change_password = said.must_change_password is True

    def _on_snapshot(self, snapshot: dict[str, Any]) -> None:
        if not self.signed_in:
            return
        first = not self.window.signed_in_page and not self.compact
        self.state.apply_snapshot(snapshot)
        info = self.state.counter_info()
        self.sign_in.set_names(self.state.hall.name, info.name if info is not None else None)
        self.names.keep(self.state.hall.name, info.name if info is not None else None)
        if not self.lang_chosen:
            self.lang_chosen = True
            self._set_lang(self.state.first_language)
        if not self.auto_call_set:  # the hall's default once; after that it is the clerk's switch
            self.auto_call_set = True
            self.screen.auto_call.setChecked(self.state.counter_program().auto_call)
        if first:
            self.sign_in.reset()
            self._status("", "info")
            if self.badge is not None:
                self.screen.badge_slot.addWidget(self.badge)
            self.window.show_screen()
            self._show_badge()
            if self.want_compact and not self.must_change_password:
                self.set_compact(True)
            if self.must_change_password:  # before anything else: the clerk's own password
                self.ask_password(forced=True)
        self._refresh()

    def _on_refused(self, answer: dict[str, Any]) -> None:
        if self.signed_in:  # the session ended while we were away (its token opens nothing now)
            self._session_over(error_text("session_ended", self.lang))
            return
        self.sign_in.reset(refusal_text(answer, self.lang))

    def _session_over(self, message: str, *, error: bool = True) -> None:
        """Back to the sign-in page with the reason; the old connection is closed."""
        self.signed_in = False
        self.must_change_password = False
        self.pending.clear()
        if self.dialog is not None:
            self.dialog.reject()
        old, self.link = self.link, None
        if old is not None:
            old.blockSignals(True)  # nothing more from the old session reaches the screen
            QTimer.singleShot(0, partial(_retire, old))
        if self.badge is not None:
            self.badge.setParent(None)
            self.badge.deleteLater()
            self.badge = None
        self.state = CounterState(self.number)
        self.set_compact(False)
        self.window.show_sign_in()
        self.sign_in.reset(message, error=error)
        self._refresh()

    def _on_link_state(self, link_state: str) -> None:
        if not self.signed_in and link_state == "reconnecting":
            self.sign_in.set_waiting(False)  # not reachable: let the clerk correct and retry
        self._show_badge()
        self._refresh()

    def _show_badge(self) -> None:
        """The connection badge: always on the counter screen; on the sign-in page only while
        the server is being reached (a refusal is said once, by the page's message)."""
        if self.badge is None or self.link is None:
            return
        reaching = self.link.state in ("connecting", "reconnecting")
        self.badge.setVisible(self.window.signed_in_page or reaching)

    # -- the server's messages ------------------------------------------------------------
    def _on_event(self, event: dict[str, Any]) -> None:
        if event.get("topic") == "session" and event.get("name") == "ended":
            reason = msgspec.convert(event.get("data") or {}, p.SessionEnded).reason
            if reason == "signed out":  # the clerk's own sign-out
                self._session_over(T("signed_out", self.lang), error=False)
            else:
                self._session_over(T("session_ended", self.lang, reason=session_end_text(reason, self.lang)))
            return
        if self.state.apply_event(event):
            self._refresh()

    def _on_answer(self, rid: str, answer: dict[str, Any]) -> None:
        kind = self.pending.pop(rid, None)
        if kind is None:
            return
        if kind == "change_password" and answer.get("code") != "session_ended":
            self._password_answered(answer)
            self._refresh()
            return
        if answer.get("type") == "error":
            if answer.get("code") == "session_ended":
                self._session_over(error_text("session_ended", self.lang))
                return
            if rid == self.auto_rid and answer.get("code") == "queue_empty":
                self._status(partial(T, "auto_empty"), "info")  # nothing went wrong: nobody waits
            else:
                self._status(partial(refusal_text, answer), "error")
        else:
            reply = result(kind, answer.get("data") or {})
            self.state.apply_result(kind, reply)
            ticket = getattr(reply, "ticket", None)  # the ticket the action was done to, if any
            number = ticket.number if ticket is not None else ""
            done = "done_called" if kind in ("call_next", "call_number", "call_back") else f"done_{kind}"
            self._status(lambda lang: T(done, lang, number=number), "info")
            if kind == "finish" and self.screen.auto_call.isChecked() and not self.state.paused:
                self.auto_rid = self.send("call_next")
        self._refresh()

    # -- actions --------------------------------------------------------------------------
    def connected(self) -> bool:
        return self.signed_in and self.link is not None and self.link.connected

    def can(self, name: str) -> bool:
        busy = bool(self.pending) or self.must_change_password
        return allowed(BY_NAME[name], self.state, connected=self.connected(), busy=busy)

    def do(self, name: str) -> None:
        """A button or key: send at once, or ask first for what the request needs."""
        if not self.can(name):
            return
        if name == "pause" and self.state.paused:
            self.send("resume")
            return
        state = self.state
        if name == "put_back":
            self._ask_number(name, "pick_no_show", list(reversed(state.no_shows)), prefill=True)
        elif name == "call_back":
            self._ask_number(name, "pick_held", state.held, prefill=True)
        elif name in ("call_number", "cancel"):
            self._ask_number(name, "pick_next", state.next_numbers(), with_reason=name == "cancel")
        elif name == "transfer":
            self._ask_transfer()
        elif name == "pause":
            self._ask_pause()
        else:
            self.send(name)

    def send(self, kind: str, **fields: Any) -> str:
        assert self.link is not None
        rid = self.link.request(kind, **fields)
        self.pending[rid] = kind
        self._status(lambda lang: T("sending", lang, action=T(kind, lang)), "info")
        self._refresh()
        return rid

    def _open(self, dialog: QDialog, kind: str) -> None:
        """Show a choice dialog; when accepted, send ``kind`` with what was chosen."""
        self.dialog = dialog
        dialog.ready = self.connected  # type: ignore[attr-defined]
        dialog.accepted.connect(lambda: self.send(kind, **dialog.fields()))  # type: ignore[attr-defined]
        dialog.finished.connect(lambda _: self._dialog_closed(dialog))
        dialog.open()

    def _dialog_closed(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def _parent(self) -> Any:
        return self.bar if self.compact else self.window

    def _ask_number(
        self, kind: str, pick: str, numbers: list[str], *, prefill: bool = False, with_reason: bool = False
    ) -> None:
        """Ask for the ticket number ``kind`` needs, offering ``numbers`` to pick (the first one
        filled in with ``prefill``: the ticket the clerk most likely means)."""
        first = numbers[0] if prefill and numbers else ""
        dialog = NumberDialog(
            T(kind, self.lang), self.lang, pick, numbers, prefill=first, with_reason=with_reason, parent=self._parent()
        )
        self._open(dialog, kind)

    def _ask_transfer(self) -> None:
        cur = self.state.current
        services = [s for s in self.state.hall.services if cur is None or s.id != cur.service]
        counters = [c for c in self.state.hall.counters if c.number != self.number]
        self._open(TransferDialog(T("transfer", self.lang), self.lang, services, counters, self._parent()), "transfer")

    def ask_password(self, *, forced: bool = False) -> None:
        """The clerk's own password (protocol 6.25): the dialog stays open until the server has
        answered.  ``forced`` after a supervisor's reset: nothing else can be done meanwhile, and
        its other button signs the clerk out."""
        if not self.signed_in or isinstance(self.dialog, PasswordDialog):
            return
        if self.dialog is not None:
            self.dialog.reject()
        dialog = PasswordDialog(self.lang, forced=forced, parent=self._parent())
        self.dialog = dialog
        dialog.ready = self.connected  # type: ignore[method-assign]
        dialog.submitted.connect(lambda fields: self.send("change_password", **fields))
        if forced:
            dialog.rejected.connect(lambda: self.send("sign_out") if self.connected() else None)
        dialog.finished.connect(lambda _: self._dialog_closed(dialog))
        dialog.open()

    def _password_answered(self, answer: dict[str, Any]) -> None:
        dialog = self.dialog if isinstance(self.dialog, PasswordDialog) else None
        if answer.get("type") == "error":
            text = refusal_text(answer, self.lang)
            if dialog is not None:
                dialog.refused(text)
            else:
                self._status(partial(refusal_text, answer), "error")
            return
        self.must_change_password = False
        if dialog is not None:
            dialog.accept()
        self._status(partial(T, "done_change_password"), "info")

    def _ask_pause(self) -> None:
        reasons = self.state.counter_program().pause_reasons
        dialog = PauseDialog(T("pause", self.lang), self.lang, reasons, self.state.first_language, self._parent())
        self._open(dialog, "pause")

    # -- language, compact mode, drawing --------------------------------------------------
    def toggle_lang(self) -> None:
        self._set_lang(other_lang(self.lang))

    def _set_lang(self, lang: str) -> None:
        self.lang = lang
        self._status(*self.said)
        self.sign_in.set_lang(lang)
        if self.badge is not None:
            self.badge.set_lang(lang)
        self._refresh()

    def set_compact(self, on: bool) -> None:
        if on and not self.signed_in:
            return
        self.compact = on
        if on:
            screen = QGuiApplication.primaryScreen().availableGeometry()
            width = min(screen.width(), max(self.bar.sizeHint().width(), screen.width() // 2))
            self.bar.setGeometry(screen.x() + (screen.width() - width) // 2, screen.y(), width, self.bar.height())
            self.window.hide()
            self.bar.show()
            self.bar.activateWindow()
        else:
            self.bar.hide()
            self.window.show()
            self.window.activateWindow()
        self._refresh()

    def _refresh(self) -> None:
        lang = self.lang
        connected = self.connected()
        busy = bool(self.pending)
        self.password_button.setText(T("change_password", lang))
        self.password_button.setEnabled(connected and not busy)
        for action in ACTIONS:  # with a one-time password, none until the clerk has set their own
            on = allowed(action, self.state, connected=connected, busy=busy or self.must_change_password)
            self.qactions[action.name].setEnabled(on)
            word = "resume" if action.name == "pause" and self.state.paused else action.name
            label = T("key_hint", lang, text=T(word, lang), shortcut=action.key)
            for button in (self.screen.buttons[action.name], self.bar.buttons.get(action.name)):
                if button is not None:
                    button.setText(label)
                    button.setEnabled(on)
        self.screen.compact_button.setText(T("key_hint", lang, text=T("compact", lang), shortcut=COMPACT_KEY))
        link_state = self.link.state if self.link is not None else "stopped"
        if self.signed_in and not connected:
            text = T("waiting_answer", lang, action=T(next(iter(self.pending.values())), lang)) if busy else ""
            self._status(T("offline", lang) + (" " + text if text else ""), "offline")
        elif self.screen.status.property("kind") == "offline":
            self._status("", "info")
        if self.state.loaded:
            self.screen.refresh(self.state, lang)
            self.bar.refresh(self.state, lang, link_state)
        info = self.state.counter_info()
        if not self.signed_in:
            title = T("sign_in_title", lang, counter=self.number)
        elif info is not None:  # the counter's name as the server gives it (its default included)
            title = name_in(info.name, lang)
        else:  # welcomed, and the snapshot describing the hall not here yet
            title = T("title", lang, counter=self.number)
        self.window.setWindowTitle(title)
        self.bar.setWindowTitle(title)

    def _status(self, say: str | Callable[[str], str], kind: str) -> None:
        """The status line of both windows: what was done, what was refused, or that we are offline.

        Given as words for a language, not as words, so that switching the language says the
        same line again in the other one (an English screen must not keep "S006 开始办理")."""
        self.said = (say, kind)
        text = say if isinstance(say, str) else say(self.lang)
        self.screen.set_status(text, kind)
        self.bar.set_status(text, kind)

    def _tick(self) -> None:
        if self.state.loaded and self.signed_in:
            self.screen.tick(self.state, self.lang)


def _retire(link: HallLink) -> None:
    """Close a finished session's link (outside the slot its own signal called)."""
    link.stop()
    link.deleteLater()
