"""The hall screen: what a visitor sees from across the hall, in landscape or portrait.

Everything is sized for a 1080p TV read from 10 m: ticket numbers as large as "now calling"
holds them, never under 64 px (now_calling.py), nothing under 26 px, no text shrunk or cut (long
names wrap), and text/background pairs with a contrast of at least 7:1 (WCAG AAA;
``palette.colour_pairs`` lists them).  Sizes scale with the window, so a 4K set or a small test
window keep the same proportions.  Landscape puts "now calling" on the left half and the
waiting list over the recent calls on the right; portrait stacks now calling, recent calls and
waiting, "now calling" taking all the height the two lists do not need (lists.py).

Both languages are on screen at once: each heading and name in the primary language (``lang``,
larger) with the other one beside or under it.  Tapping the screen swaps them.
"""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QMouseEvent, QResizeEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from hallcall import protocol as p
from hallcall.i18n import FAULTS, MONTHS_EN, WEEKDAYS, other_lang

from . import phrases
from .board import Board
from .faults import PROBLEM_CODES
from .lists import SCALES, RecentList, WaitingList
from .now_calling import CallGrid, choose_form
from .palette import BACKGROUND, BLACK, NOTICE_BG, NUMBER_FAMILY, PANEL, SOFT, TITLE, WARN_BG, WHITE, YELLOW
from .text import T
from .widgets import FitLabel, Marquee, WrapLabel, pixel_font

QWIDGETSIZE_MAX = (1 << 24) - 1  # Qt's "no maximum" (PySide6 does not export it)
RECENT_ROWS = 10  # recent calls shown at most (fewer when the hall's display.recent_calls says so)
RECENT_LINES = 1  # lines of recent-call chips at least (landscape: more when the waiting list leaves room)
WAITING_SHARE = 0.42  # portrait: the waiting list's share of the body at most; "now calling" has the rest
FLASH_HALF_PERIOD_MS = 500


class Panel(QFrame):
    """A rounded panel with a two-language heading over what it lists.

    The panels share what is left of the screen after the header, the caption and the notice;
    what does not fit is left out (and said so) instead of pushing the window past the TV's edge.
    """

    resized = Signal()

    def __init__(self, screen: DisplayScreen, key: str) -> None:
        super().__init__()
        self.key = key
        self.setObjectName("panel")
        # The panel takes the height the screen gives it, never what its rows would like.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        self.box = QVBoxLayout(self)
        heading = QHBoxLayout()
        self.title = screen.label(TITLE, 44, bold=True)
        self.subtitle = screen.label(TITLE, 30, align=Qt.AlignmentFlag.AlignRight)
        heading.addWidget(self.title, 3)
        heading.addWidget(self.subtitle, 2)
        self.box.addLayout(heading)
        self.heading = heading
        self.wanted: int | None = None

    def hold(self, content: QWidget) -> None:
        """Take the widget that places its own entries in all the room under the heading."""
        content.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.box.addWidget(content, 1)

    def want(self, height: int | None) -> None:
        """Ask the layout for ``height`` pixels (None: take what it gives, the default)."""
        if height == self.wanted:
            return
        self.wanted = height
        policy = QSizePolicy.Policy.Ignored if height is None else QSizePolicy.Policy.Preferred
        self.setSizePolicy(QSizePolicy.Policy.Preferred, policy)
        self.updateGeometry()

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return hint if self.wanted is None else QSize(hint.width(), self.wanted)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return hint if self.wanted is None else QSize(hint.width(), 0)

    def height_for(self, room: int) -> int:
        """The panel's height when ``room`` pixels are wanted under the heading."""
        margins = self.box.contentsMargins()
        return room + margins.top() + margins.bottom() + self.title.height() + max(0, self.box.spacing())

    def room(self) -> tuple[int, int]:
        """(width, height) in pixels under the heading, inside the panel's margins."""
        margins = self.box.contentsMargins()
        spacing = max(0, self.box.spacing())
        width = self.width() - margins.left() - margins.right()
        return width, self.height() - margins.top() - margins.bottom() - self.title.height() - spacing

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.resized.emit()

    def set_lang(self, lang: str) -> None:
        self.title.setText(T(self.key, lang))
        self.subtitle.setText(T(self.key, other_lang(lang)))


class DisplayScreen(QWidget):
    """The whole hall screen; ``show_board`` draws it, ``flash`` highlights the newest call."""

    lang_changed = Signal(str)

    def __init__(self, lang: str = "zh", family: str = "", portrait: bool | None = None) -> None:
        super().__init__()
        self.setObjectName("hallScreen")
        self.lang = lang
        self.family = family
        self.forced_portrait = portrait
        self.portrait = bool(portrait)
        self.unit = 1.0
        self.board = Board()
        self.recent_limit = self.board.display.recent_calls  # the hall's, once a snapshot came
        self.flash_seconds = float(self.board.display.flash_seconds)
        self.timezone = ""  # the hall's, as the board last had it
        self.tz: dt.tzinfo | None = None
        self.problems: dict[str, str] = {}
        self.alerts: dict[str, dict[str, str]] = {}
        self._sized: list[tuple[QWidget, float, bool, bool]] = []
        self._wrapped: list[WrapLabel] = []
        self._flash_until = 0.0
        self._drawing = False  # inside show_board: a panel resized meanwhile is redrawn after it
        self._redraw = False
        self.redraws = 0  # redraws a drawing asked for (the layout test checks they settle)
        self._flash_on = False
        self.setStyleSheet(
            f"QWidget#hallScreen {{ background: {BACKGROUND}; }}"
            f"QFrame#panel, QFrame#caption {{ background: {PANEL}; border-radius: 14px; }}"
            f"QFrame#warning {{ background: {WARN_BG}; border-radius: 10px; }}"
            f"QLabel#badge {{ color: {WHITE}; }}"
        )
        self._build()
        self._flash_timer = QTimer(self)
        self._flash_timer.setInterval(FLASH_HALF_PERIOD_MS)
        self._flash_timer.timeout.connect(self._blink)
        self._clock_timer = QTimer(self)
        self._clock_timer.setInterval(1000)
        self._clock_timer.timeout.connect(self._tick)
        self._clock_timer.start()
        self._relayout()
        self.set_lang(lang)  # draws the empty board and the clock

    # --- building ---------------------------------------------------------------------------

    def label(
        self,
        colour: str,
        px: float,
        bold: bool = False,
        align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft,
        number: bool = False,
    ) -> FitLabel:
        """A text line whose size follows the window (``px`` at 1080p); ``number``: a ticket number."""
        label = FitLabel(colour, align)
        self.sized(label, px, bold, number)
        return label

    def wrapped(
        self, colour: str, px: float, bold: bool = False, align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft
    ) -> WrapLabel:
        """Like ``label``, for text nobody keeps short (the hall's name, the caption, warnings):
        it goes on to a second line at full size rather than shrink (``_fit_wrapped``)."""
        label = WrapLabel(colour, align)
        self.sized(label, px, bold)
        self._wrapped.append(label)
        return label

    def _fit_wrapped(self) -> None:
        """Each wrapping label as tall as its text needs at its present width."""
        for label in self._wrapped:
            height = label.needed_height(label.width())
            if label.height() != height or label.minimumHeight() != height:
                label.setFixedHeight(height)

    def sized(self, widget: QWidget, px: float, bold: bool = False, number: bool = False) -> None:
        self._sized.append((widget, px, bold, number))
        widget.setFont(self._font(px, bold, number))

    def _font(self, px: float, bold: bool, number: bool) -> QFont:
        return pixel_font(self.family, px * self.unit, bold, NUMBER_FAMILY if number else "")

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        self.outer = outer
        # Header: hall name (both languages), date, clock, connection.
        header = QHBoxLayout()
        self.header = header
        names = QVBoxLayout()
        names.setSpacing(0)
        self.hall_name = self.wrapped(WHITE, 58, bold=True)
        self.hall_name2 = self.wrapped(SOFT, 30)
        names.addWidget(self.hall_name)
        names.addWidget(self.hall_name2)
        header.addLayout(names, 5)
        when = QVBoxLayout()
        when.setSpacing(0)
        self.clock = self.label(WHITE, 64, bold=True, align=Qt.AlignmentFlag.AlignRight)
        self.date = self.label(SOFT, 30, align=Qt.AlignmentFlag.AlignRight)
        when.addWidget(self.clock)
        when.addWidget(self.date)
        header.addLayout(when, 3)
        # The connection badge: beside the clock (landscape, where height is short), or under
        # the date (portrait, where the hall's name needs the width).
        self.badge: QLabel | None = None
        self.badge_beside = QVBoxLayout()
        header.addLayout(self.badge_beside, 0)
        self.badge_under = QVBoxLayout()
        when.addLayout(self.badge_under)
        outer.addLayout(header)
        # Caption: the newest call written out, for visitors who cannot hear it.
        self.caption = QFrame()
        self.caption.setObjectName("caption")
        cap = QVBoxLayout(self.caption)
        self.caption1 = self.wrapped(YELLOW, 76, bold=True, align=Qt.AlignmentFlag.AlignCenter)
        self.caption2 = self.wrapped(WHITE, 44, align=Qt.AlignmentFlag.AlignCenter)
        cap.addWidget(self.caption1)
        cap.addWidget(self.caption2)
        outer.addWidget(self.caption)
        # Body: three panels, arranged by _relayout.
        self.body = QGridLayout()
        outer.addLayout(self.body, 1)
        self.side = QVBoxLayout()  # the two lists, beside (landscape) or under (portrait) "now calling"
        self.side.setContentsMargins(0, 0, 0, 0)
        self.now_panel = Panel(self, "now_calling")
        self.recent_panel = Panel(self, "recent")
        self.waiting_panel = Panel(self, "waiting")
        for panel in (self.now_panel, self.recent_panel, self.waiting_panel):
            panel.resized.connect(self._refit)
        # "+N more" when even the compact cells cannot show every call in progress.
        self.more = self.label(YELLOW, 30, bold=True, align=Qt.AlignmentFlag.AlignCenter)
        self.now_panel.heading.insertWidget(1, self.more, 3)
        self.now_grid = CallGrid(self.family)
        self.rows = self.now_grid.rows
        self.now_panel.box.addWidget(self.now_grid)
        self.no_calls = self.label(SOFT, 44, align=Qt.AlignmentFlag.AlignCenter)
        self.now_panel.box.addWidget(self.no_calls)
        self.now_panel.box.addStretch(1)
        self.recent_list = RecentList(self.family)
        self.recent_rows = self.recent_list.rows
        self.recent_panel.hold(self.recent_list)
        self.waiting_list = WaitingList(self.family)
        self.waiting_rows = self.waiting_list.rows
        self.waiting_panel.hold(self.waiting_list)
        # "+N more" on the waiting panel, when even its smallest sizes cannot list every service.
        self.more_services = self.label(YELLOW, 30, bold=True, align=Qt.AlignmentFlag.AlignRight)
        self.waiting_panel.heading.insertWidget(1, self.more_services, 3)
        # Warnings (speech or sound unavailable), hidden while all is well.
        self.warning = QFrame()
        self.warning.setObjectName("warning")
        warn = QVBoxLayout(self.warning)
        self.warning_text = self.wrapped(BLACK, 34, bold=True, align=Qt.AlignmentFlag.AlignCenter)
        warn.addWidget(self.warning_text)
        self.warning.hide()
        outer.addWidget(self.warning)
        # Notice line.
        self.marquee = Marquee(WHITE, NOTICE_BG)
        self.sized(self.marquee, 44)
        outer.addWidget(self.marquee)

    def add_badge(self, badge: QLabel) -> None:
        """Put the link's connection badge in the header (the app makes it; it needs the link)."""
        badge.setObjectName("badge")
        self.sized(badge, 28)
        self.badge = badge
        self._place_badge()

    def _place_badge(self) -> None:
        if self.badge is None:
            return
        self.badge_beside.removeWidget(self.badge)
        self.badge_under.removeWidget(self.badge)
        if self.portrait:
            self.badge_under.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignRight)
        else:
            self.badge_beside.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignRight)

    def _relayout(self) -> None:
        """Arrange the panels for the window's shape and scale every font to its size."""
        w, h = max(self.width(), 1), max(self.height(), 1)
        portrait = self.forced_portrait if self.forced_portrait is not None else h > w
        unit = min(w / 1080, h / 1920) if portrait else min(w / 1920, h / 1080)
        if portrait != self.portrait or not self.body.count():
            self.portrait = portrait
            self.body.removeWidget(self.now_panel)
            self.body.removeItem(self.side)
            for i in range(3):
                self.body.setColumnStretch(i, 0)
                self.body.setRowStretch(i, 0)
            self.header.setStretch(0, 9 if portrait else 5)  # a long hall name needs the width
            self._place_badge()
            self.side.removeWidget(self.recent_panel)
            self.side.removeWidget(self.waiting_panel)
            if portrait:
                # "Now calling" takes every pixel the two lists under it do not need.
                self.body.addWidget(self.now_panel, 0, 0)
                self.body.addLayout(self.side, 1, 0)
                self.side.addWidget(self.recent_panel)
                self.side.addWidget(self.waiting_panel)
                self.body.setRowStretch(0, 1)
                self.body.setColumnStretch(0, 1)
            else:
                # "Now calling" on the left half (two columns of "GA001 → 12" at 64 px need
                # it), the waiting list over the recent calls on the right.
                self.body.addWidget(self.now_panel, 0, 0)
                self.body.addLayout(self.side, 0, 1)
                self.side.addWidget(self.waiting_panel)
                self.side.addWidget(self.recent_panel, 1)
                self.body.setRowStretch(0, 1)
                self.body.setColumnStretch(0, 1)
                self.body.setColumnStretch(1, 1)
        if abs(unit - self.unit) > 0.01:
            self.unit = unit
            for widget, px, bold, number in self._sized:
                widget.setFont(self._font(px, bold, number))
            self.marquee.set_speed(120 * unit)
            margin = round(18 * unit)
            self.outer.setContentsMargins(margin, margin, margin, margin)
            self.outer.setSpacing(margin)
            self.body.setSpacing(margin)
            self.side.setSpacing(margin)
            self._tick()  # the time and date take their width at the new size
        # Recent calls: one line of chips under "now calling" (portrait); beside it, at least one
        # line and whatever the waiting list leaves (landscape).
        line = self.recent_panel.height_for(self.recent_list.lines_height(RECENT_LINES, unit))
        self._fix_height(self.recent_panel, line, None if portrait else QWIDGETSIZE_MAX)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._relayout()

    def _refit(self) -> None:
        """A panel changed size: show as many rows as now fit.  A size changed by the drawing
        itself (a panel asking for the height its list needs) is redrawn once it is done, not
        from inside it."""
        if self._drawing:
            self._redraw = True
            return
        self.show_board(self.board)

    @staticmethod
    def _fix_height(panel: Panel, low: int, high: int | None = None) -> None:
        """Keep the panel between ``low`` and ``high`` pixels tall (``high`` None: exactly ``low``)."""
        high = low if high is None else high
        if panel.minimumHeight() != low or panel.maximumHeight() != high:
            panel.setMinimumHeight(low)
            panel.setMaximumHeight(high)
            # A box layout counts an Ignored item at its size hint: a fixed panel must say Fixed.
            policy = QSizePolicy.Policy.Ignored if high > low else QSizePolicy.Policy.Fixed
            panel.setSizePolicy(QSizePolicy.Policy.Preferred, policy)

    def _fit_waiting_panel(self, current: list[p.CallView]) -> None:
        """The waiting panel asks for the height its services need at full size, so that "now
        calling" (portrait) or the recent calls (landscape) get all the rest; the layout gives it
        less when the screen has less.  In portrait it takes at most WAITING_SHARE of the body,
        and only what its smallest sizes need when the calls in progress would not all fit
        beside its full size: a call on screen matters more than a larger service name."""
        width = self.waiting_list.width() or self.waiting_panel.room()[0]
        wanted = self.waiting_panel.height_for(max(self.waiting_list.needed_height(width, self.unit), 1))
        if self.portrait:
            # The body's height, from what its three panels have now (the grid's own geometry
            # is empty while it is being laid out).
            spacing = 2 * max(0, self.body.spacing())
            body = self.now_panel.height() + self.recent_panel.height() + self.waiting_panel.height() + spacing
            wanted = min(wanted, round(WAITING_SHARE * body))
            if current:
                room = body - spacing - self.recent_panel.height() - wanted - self.now_panel.height_for(0)
                form = choose_form(current, self.now_panel.room()[0], room, self.unit, self.family, self.lang)
                if form.capacity < len(current):
                    least = self.waiting_list.needed_height(width, self.unit, SCALES[-1])
                    wanted = min(wanted, self.waiting_panel.height_for(max(least, 1)))
        self.waiting_panel.want(wanted)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """A tap swaps the primary language (a visitor who reads the other one)."""
        self.set_lang(other_lang(self.lang))

    # --- drawing ----------------------------------------------------------------------------

    def set_lang(self, lang: str) -> None:
        """Redraw everything in ``lang`` (after a tap, or once the hall's first language is
        known); ``lang_changed`` lets what the screen does not draw, the connection badge, follow."""
        self.lang = lang
        for panel in (self.now_panel, self.recent_panel, self.waiting_panel):
            panel.set_lang(lang)
        self.show_board(self.board)
        self._tick()
        self.lang_changed.emit(lang)

    def _follow_timezone(self, timezone: str) -> None:
        """Show the hall's time (the mirror's clock) in the hall's time zone."""
        if timezone == self.timezone:
            return
        self.timezone = timezone
        try:
            self.tz = zoneinfo.ZoneInfo(timezone) if timezone else None
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            self.tz = None
        self._tick()

    def _tick(self) -> None:
        now = dt.datetime.fromtimestamp(self.board.mirror.now(), self.tz)
        self.clock.setText(now.strftime("%H:%M"))
        weekday = now.weekday()
        self.date.setText(
            T(
                "date",
                self.lang,
                y=now.year,
                m=now.month,
                d=now.day,
                month=MONTHS_EN[now.month - 1],
                weekday=WEEKDAYS[self.lang][weekday],
            )
        )
        # The time and the date keep their width; the hall's name beside them wraps instead.
        for label in (self.clock, self.date):
            if label.minimumWidth() != label.sizeHint().width():
                label.setMinimumWidth(label.sizeHint().width())

    def show_board(self, board: Board) -> None:
        """Redraw everything from the board (a snapshot or an event changed it)."""
        self._drawing = True
        try:
            self._draw(board)
        finally:
            self._drawing = False
        if self._redraw:
            self._redraw = False
            self.redraws += 1
            QTimer.singleShot(0, self._refit)

    def _draw(self, board: Board) -> None:
        self.board = board
        lang, lang2 = self.lang, other_lang(self.lang)
        display = board.display
        self.recent_limit = max(1, min(RECENT_ROWS, display.recent_calls))
        self.flash_seconds = float(display.flash_seconds)
        self.hall_name.setText(board.name.get(lang))
        self.hall_name2.setText(board.name.get(lang2))
        if board.hall is not None:
            self._follow_timezone(board.hall.timezone)
        # One source for the caption and "now calling": the counters' calls in progress (after
        # a server restart the call list is empty, but counters still call).
        current = board.in_progress()
        self._show_caption(current[0] if current else None)
        shown = self._show_now_calling(current)
        self.no_calls.setText(f"{T('no_calls', lang)}  {T('no_calls', lang2)}")
        recent = board.recent(self.recent_limit, current[:shown])
        self.recent_list.show_calls(recent, lang, self.recent_list.width(), self.recent_list.height(), self.unit)
        waiting = board.waiting()
        self.waiting_list.set_lines(waiting, lang)
        self._fit_waiting_panel(current)
        listed = self.waiting_list.show_services(self.waiting_list.width(), self.waiting_list.height(), self.unit)
        left_out = len(waiting) - listed
        more = f"{T('more_services', lang, n=left_out)} · {T('more_services', lang2, n=left_out)}"
        self.more_services.setText(more if left_out else "")
        self.waiting_panel.subtitle.setVisible(not left_out)
        notice = board.notice
        self.marquee.setText("        ".join(t for t in (notice.get(lang), notice.get(lang2)) if t))
        self.marquee.setVisible(bool(self.marquee.text()))
        self._show_problems()

    def _show_now_calling(self, current: list[p.CallView]) -> int:
        """Every call in progress, as large as fits; "+N more" for the oldest that cannot.
        Returns how many are shown (the others belong in "recent calls")."""
        lang, lang2 = self.lang, other_lang(self.lang)
        width, height = self.now_panel.room()
        shown = self.now_grid.show_calls(current, lang, width, height, self.unit)
        self._paint_rows()
        left_out = len(current) - shown
        self.more.setText(f"{T('more', lang, n=left_out)} · {T('more', lang2, n=left_out)}" if left_out else "")
        # "+N more" takes the second-language heading's place: both fit at full size that way.
        self.now_panel.subtitle.setVisible(not left_out)
        self.no_calls.setVisible(not current)
        return shown

    def _show_caption(self, call: p.CallView | None) -> None:
        if call is None:
            self.caption1.setText(T("no_calls", self.lang))
            self.caption2.setText(T("no_calls", other_lang(self.lang)))
            return
        templates = self.board.announce.phrase  # the hall's, as the server sends it
        for label, lang in ((self.caption1, self.lang), (self.caption2, other_lang(self.lang))):
            label.setText(phrases.caption(phrases.template_in(templates, lang), call.number, call.counter))

    def flash(self, call: p.CallView) -> None:
        """Highlight the newest call (caption and its row) for the hall's flash_seconds (0: not at all)."""
        if self.flash_seconds <= 0:
            return
        self._flash_until = time.monotonic() + self.flash_seconds
        self._flash_on = True
        self._paint_flash()
        self._flash_timer.start()

    def flashing(self) -> bool:
        return self._flash_timer.isActive()

    def _blink(self) -> None:
        if time.monotonic() >= self._flash_until:
            self._flash_timer.stop()
            self._flash_on = False
        else:
            self._flash_on = not self._flash_on
        self._paint_flash()

    def _paint_flash(self) -> None:
        hot = self._flash_on
        self.caption.setStyleSheet(f"QFrame#caption {{ background: {YELLOW}; }}" if hot else "")
        self.caption1.set_colour(BLACK if hot else YELLOW)
        self.caption2.set_colour(BLACK if hot else WHITE)
        self._paint_rows()

    def _paint_rows(self) -> None:
        """The newest call's row flashes with the caption."""
        newest = self.board.newest()
        for row in self.rows:
            is_newest = row.call is not None and newest is not None and row.call.number == newest.number
            row.set_hot(self._flash_on and is_newest)

    def set_problems(self, problems: dict[str, str]) -> None:
        """Show what is wrong with the sound (the details are in the log)."""
        self.problems = dict(problems)
        self._show_problems()

    def set_alert(self, name: str, text: dict[str, str] | None) -> None:
        """Show (or, with None, clear) a warning of the display's own, as {"zh", "en"} text:
        a refused sign-in or a zone that matches no counter, which the installer must see."""
        if text is None:
            self.alerts.pop(name, None)
        else:
            self.alerts[name] = dict(text)
        self._show_problems()

    def _show_problems(self) -> None:
        # the announcer's problems in the words the counters and supervisors read for their codes
        texts = [FAULTS[code] for problem, code in PROBLEM_CODES.items() if problem in self.problems]
        texts += list(self.alerts.values())
        lines = [f"{t.get(self.lang, '')}  ·  {t.get(other_lang(self.lang), '')}" for t in texts]
        self.warning_text.setText("    ".join(lines))
        self.warning.setVisible(bool(lines))
        self._fit_wrapped()
