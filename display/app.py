"""The hall display program: the link to the server, the board, the screen and the announcer.

Everything arrives through HallLink's queued signals on the Qt thread, already taken into the
link's hall mirror, which the board reads: the display shows what the server says and keeps no
facts or defaults of its own; the announcer works in
its own thread and speech in its own process, so neither the network nor a hung speech engine
can freeze the screen.  A reconnect brings a fresh snapshot and the screen is redrawn from it;
calls made while the link was down are still announced.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from hallcall import protocol as p
from hallcall.gui.link import HallLink
from hallcall.gui.qtapp import ConnectionBadge, cjk_family
from hallcall.i18n import device_refusal
from hallcall.mirror import Update

from .announcer import Announcer
from .board import Board
from .faults import sound_fault_code
from .playback import Player, default_player
from .screen import DisplayScreen
from .text import T

log = logging.getLogger("hallcall.display")

# A refused display asks again this often: nobody stands at a wall TV to restart it once the
# hall config (its token) is fixed and the server restarted.
REFUSED_RETRY_SECONDS = 30.0


class DisplayApp(QObject):
    """One hall display: build it, ``start()`` it, show ``screen``; ``stop()`` on exit."""

    # The announcer's problems, carried from its thread to the Qt thread.
    problems_changed = Signal(dict)

    def __init__(
        self,
        url: str,
        token: str,
        *,
        zone: str | None = None,
        lang: str | None = None,
        portrait: bool | None = None,
        voice: bool = True,
        player: Player | None = None,
        worker_command: list[str] | None = None,
    ) -> None:
        super().__init__()
        hello: dict[str, Any] = {"role": "display", "token": token}
        if zone is not None:
            hello["zone"] = zone
        self.link = HallLink(url, hello, self, retry_refused_after=REFUSED_RETRY_SECONDS)
        self.board = Board(self.link.mirror)
        self.lang_chosen = lang is not None
        self.screen = DisplayScreen(lang or "zh", cjk_family(), portrait)
        self.badge = ConnectionBadge(self.link, self.screen.lang)
        self.screen.add_badge(self.badge)
        self.screen.lang_changed.connect(self.badge.set_lang)
        self.announcer: Announcer | None = None
        if voice:
            self.announcer = Announcer(
                player or default_player(), worker_command=worker_command, on_status=self.problems_changed.emit
            )
        # True at start: the server may still hold a fault this display reported before it was
        # restarted, so its first status (even "no problems") is always sent.
        self._fault_reported = True
        self._stopped = False
        self.problems_changed.connect(self._on_problems)
        self.link.welcomed.connect(self._on_welcome)
        self.link.updated.connect(self._on_update)
        self.link.refused.connect(self._on_refused)

    def start(self) -> None:
        if self.announcer is not None:
            self.announcer.start()
        self.link.start()

    def stop(self) -> None:
        """Close the link, the announcer and the screen (safe twice).

        The screen is deleted through Qt (deleteLater) rather than left to Python's garbage
        collector, which would free its widgets in no particular order, at any later moment.
        """
        if self._stopped:
            return
        self._stopped = True
        self.link.stop()
        if self.announcer is not None:
            self.announcer.stop()
        self.screen.close()
        self.screen.deleteLater()

    def silence(self) -> None:
        """Announce no more calls (the screen goes on showing them): the headless demo keeps a
        few announcements and then leaves the processor to the hall."""
        if self.announcer is not None:
            self.announcer.stop()
            self.announcer = None

    @Slot(dict)
    def _on_welcome(self, welcome: dict[str, Any]) -> None:
        log.info("signed in as display %s", welcome.get("name"))
        self.screen.set_alert("refused", None)

    @Slot(dict)
    def _on_refused(self, answer: dict[str, Any]) -> None:
        """Say on screen why the server refused (a wrong token, …) and ask again later."""
        message = str(answer.get("message") or answer.get("code"))
        log.error(
            "the server refused this display: %s (%s); trying again in %.0f s",
            message,
            answer.get("code"),
            self.link.retry_refused_after,
        )
        reasons = device_refusal(answer)
        self.screen.set_alert("refused", {lang: T("refused", lang, reason=reasons[lang]) for lang in reasons})

    @Slot(object)
    def _on_update(self, update: Update) -> None:
        if update.topic == "snapshot":
            self._on_snapshot()
            return
        call = self.board.take(update)
        self.screen.show_board(self.board)
        if call is not None:
            self._called(call)

    def _on_snapshot(self) -> None:
        missed = self.board.load()
        if not self.lang_chosen and self.board.hall is not None:
            self.lang_chosen = True
            self.screen.set_lang(self.link.mirror.first_language)
        if self.announcer is not None:
            self.announcer.configure(self.board.announce)
        self.screen.show_board(self.board)
        self._check_zone()
        for call in missed:
            self._called(call)

    def _check_zone(self) -> None:
        """Warn on screen and in the log when the zone shown matches no counter of the hall."""
        unknown = self.board.unknown_zone()
        if unknown is None:
            self.screen.set_alert("zone", None)
            return
        zone, known = unknown
        log.error("zone %r has no counters in this hall (its zones: %s)", zone, ", ".join(known))
        self.screen.set_alert("zone", T.both("unknown_zone", zone=zone, known=", ".join(known)))

    def _called(self, call: p.CallView) -> None:
        self.screen.flash(call)
        if self.announcer is not None:
            self.announcer.announce(call.number, call.counter)

    @Slot(dict)
    def _on_problems(self, problems: dict[str, str]) -> None:
        """Show sound problems on screen and tell the server, so supervisors see them too."""
        self.screen.set_problems(problems)
        if problems or self._fault_reported:
            detail = "; ".join(f"{k}: {v}" for k, v in sorted(problems.items()))[:200]
            state, code = ("fault" if problems else "ok"), sound_fault_code(problems)
            self.link.request("device_status", state=state, code=code, detail=detail)
            self._fault_reported = bool(problems)
