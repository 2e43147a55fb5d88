"""The two lists beside "now calling": the waiting count of each service and the recent calls.

Both place their entries by hand, in as many columns as the panel's width holds, at sizes
measured with the fonts (not guessed), so that every entry shown is drawn whole at its own size:

* **Waiting**: one entry per service, the name in the primary language (40 px bold, wrapped
  onto a second line rather than shrunk), the other language under it (26 px), the count on
  the right (52 px).  When the services do not all fit, the names and counts step down to 30
  and 39 px; only below that are the last services left out, and the heading says how many.
* **Recent calls**: "A001 → 3" chips (46 px), newest first, row by row.  They are the calls no
  longer on "now calling" (board.recent), so a visitor who missed a call finds it here.  An
  appointment or green-channel call has its class's mark between the number and the arrow
  (28 px: "A001 预约 → 3"); the chips are measured with it, so it cuts nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QWidget

from hallcall import protocol as p
from hallcall.i18n import other_lang

from .board import Waiting
from .palette import GREEN, NUMBER_FAMILY, SOFT, WHITE, YELLOW
from .text import T, class_mark
from .widgets import ClassMark, FitLabel, WrapLabel, pixel_font

# Sizes in pixels on a 1080p screen (the screen's ``unit`` scales them).
NAME_PX = 40
NAME2_PX = 26  # the smallest text on the screen
COUNT_PX = 52
SCALES = (1.0, 0.9, 0.8, 0.75)  # names and counts step down to 30 / 39 px before a service is left out
MIN_COLUMN_PX = 400  # a waiting column narrower than this wraps most English names: one column then
ENTRY_GAP_PX = 8  # between two entries, one under the other
COLUMN_GAP_PX = 40  # between two columns of entries: a count must not read as part of the next name
COUNT_GAP_PX = 16  # between a name and its count
RECENT_PX = 46
RECENT_MARK_PX = 28  # a recent call's class mark
CHIP_GAP_PX = 28  # between two recent-call chips in a row
TAG_GAP_PX = 12  # between a chip's number and its "→ counter"
WAITING_POOL = 24
RECENT_POOL = 20


def px(size: float, unit: float) -> int:
    return max(8, round(size * unit))


class WaitingList(QWidget):
    """The waiting entries of the zone's services, in one or two columns."""

    def __init__(self, family: str) -> None:
        super().__init__()
        self.family = family
        self.rows: list[tuple[WrapLabel, WrapLabel, FitLabel]] = []
        for _ in range(WAITING_POOL):
            name, name2 = WrapLabel(WHITE), WrapLabel(SOFT)
            count = FitLabel(GREEN, Qt.AlignmentFlag.AlignRight)
            for label in (name, name2, count):
                label.setParent(self)
                label.hide()
            self.rows.append((name, name2, count))
        self.scale = 1.0
        self.columns = 1
        self.count = 0  # services set

    def fonts(self, scale: float, unit: float) -> tuple[QFont, QFont, QFont]:
        return (
            pixel_font(self.family, NAME_PX * scale * unit, True),
            pixel_font(self.family, NAME2_PX * unit),
            pixel_font(self.family, COUNT_PX * scale * unit, True),
        )

    def set_lines(self, lines: Sequence[Waiting], lang: str) -> None:
        """Take the services to list (``show_services`` places them, ``needed_height`` measures)."""
        lang2 = other_lang(lang)
        lines = list(lines)[: len(self.rows)]
        for (name, name2, count), line in zip(self.rows, lines, strict=False):
            prefix = f"{line.prefix} " if line.prefix else ""
            name.setText(prefix + line.name.get(lang))
            name2.setText(line.name.get(lang2))
            count.setText(T("people", lang, n=line.waiting))
        self.count = len(lines)

    def show_services(self, width: int, height: int, unit: float) -> int:
        """Draw the services set last in ``width`` × ``height`` pixels, as large as they all fit;
        returns how many are shown (all, unless even the smallest sizes cannot hold them)."""
        used = self.rows[: self.count]
        placed: list[tuple[int, list[QRect]]] = []
        for scale in SCALES:
            placed = self._place(used, scale, width, height, unit)
            if len(placed) == len(used):
                break
        shown = len(placed)
        for i, (name, name2, count) in enumerate(self.rows):
            visible = i < shown
            if visible:
                _, (a, b, c) = placed[i]
                name.setGeometry(a)
                name2.setGeometry(b)
                count.setGeometry(c)
            for label in (name, name2, count):
                label.setVisible(visible)
        return shown

    def _place(
        self, used: Sequence[tuple[WrapLabel, WrapLabel, FitLabel]], scale: float, width: int, height: int, unit: float
    ) -> list[tuple[int, list[QRect]]]:
        """Set the fonts for ``scale`` and place the entries row by row; returns the rectangles
        of those that fit in the height."""
        self.scale = scale
        self.columns = 2 if width >= 2 * MIN_COLUMN_PX * unit and len(used) > 1 else 1
        name_font, name2_font, count_font = self.fonts(scale, unit)
        gap, column_gap = px(ENTRY_GAP_PX, unit), px(COLUMN_GAP_PX, unit)
        column = (width - column_gap * (self.columns - 1)) // self.columns
        counts = QFontMetricsF(count_font)
        count_width = math.ceil(max((counts.horizontalAdvance(c.text()) for _, _, c in used), default=0))
        text_width = max(1, column - count_width - px(COUNT_GAP_PX, unit))
        for name, name2, count in used:
            name.setFont(name_font)
            name2.setFont(name2_font)
            count.setFont(count_font)
        placed: list[tuple[int, list[QRect]]] = []
        top = 0
        for start in range(0, len(used), self.columns):
            row = used[start : start + self.columns]
            heights = [n.needed_height(text_width) + n2.needed_height(text_width) for n, n2, _ in row]
            row_height = max(heights)
            if top + row_height > height:
                break
            for i, (name, _, count) in enumerate(row):
                left = i * (column + column_gap)
                first = name.needed_height(text_width)
                rects = [
                    QRect(left, top, text_width, first),
                    QRect(left, top + first, text_width, heights[i] - first),
                    QRect(left + column - count_width, top, count_width, count.height()),
                ]
                placed.append((row_height, rects))
            top += row_height + gap
        return placed

    def needed_height(self, width: int, unit: float, scale: float = 1.0) -> int:
        """The height the services set take at ``scale`` (1: full size)."""
        used = self.rows[: self.count]
        if not used:
            return 0
        placed = self._place(used, scale, width, 1 << 20, unit)
        bottom = max(rects[1].bottom() for _, rects in placed)
        return bottom + 1


class RecentList(QWidget):
    """Recent calls as "A001 → 3" chips, newest first, row by row."""

    def __init__(self, family: str) -> None:
        super().__init__()
        self.family = family
        self.rows: list[tuple[FitLabel, FitLabel]] = []
        self.marks: list[ClassMark] = []  # each chip's class mark, beside ``rows``
        for _ in range(RECENT_POOL):
            number, tag, mark = FitLabel(YELLOW), FitLabel(WHITE), ClassMark()
            for label in (number, tag, mark):
                label.setParent(self)
                label.hide()
            self.rows.append((number, tag))
            self.marks.append(mark)

    def chip_font(self, unit: float) -> QFont:
        return pixel_font(self.family, RECENT_PX * unit, True, NUMBER_FAMILY)

    def line_height(self, unit: float) -> int:
        return round(QFontMetricsF(self.chip_font(unit)).height())

    def lines_height(self, lines: int, unit: float) -> int:
        """The height ``lines`` lines of chips take."""
        return lines * self.line_height(unit) + (lines - 1) * px(ENTRY_GAP_PX, unit)

    def show_calls(self, calls: Sequence[p.CallView], lang: str, width: int, height: int, unit: float) -> int:
        """Draw as many of ``calls`` (newest first) as fit; returns how many are shown."""
        font = self.chip_font(unit)
        metrics = QFontMetricsF(font)
        line = self.line_height(unit)
        gap, tag_gap = px(CHIP_GAP_PX, unit), px(TAG_GAP_PX, unit)
        calls = list(calls)[: len(self.rows)]
        tags = [tag_text(call, lang) for call in calls]
        number_width = math.ceil(max((metrics.horizontalAdvance(c.number) for c in calls), default=0))
        tag_width = math.ceil(max((metrics.horizontalAdvance(t) for t in tags), default=0))
        mark_font = pixel_font(self.family, RECENT_MARK_PX * unit, True)
        marks = [class_mark(call.priority, lang) for call in calls]
        mark_width = math.ceil(max((ClassMark.needed_width(mark_font, m) for m in marks), default=0))
        mark_room = mark_width + tag_gap if mark_width else 0  # a column for marks when a chip has one
        chip = number_width + mark_room + tag_gap + tag_width
        columns = max(1, (width + gap) // (chip + gap)) if chip else 1
        rows = max(0, (height + px(ENTRY_GAP_PX, unit)) // (line + px(ENTRY_GAP_PX, unit)))
        shown = min(len(calls), columns * rows)
        for i, ((number, tag), mark) in enumerate(zip(self.rows, self.marks, strict=True)):
            visible = i < shown
            if visible:
                number.setFont(font)
                tag.setFont(font)
                mark.setFont(mark_font)
                number.setText(calls[i].number)
                tag.setText(tags[i])
                mark.show_class(calls[i].priority, lang)
                left = (i % columns) * (chip + gap)
                top = (i // columns) * (line + px(ENTRY_GAP_PX, unit))
                number.setGeometry(left, top, number_width, line)
                mark_top = top + (line - mark.height()) // 2
                mark.setGeometry(left + number_width + tag_gap, mark_top, mark_width, mark.height())
                tag.setGeometry(left + number_width + mark_room + tag_gap, top, tag_width, line)
            number.setVisible(visible)
            tag.setVisible(visible)
            mark.setVisible(visible and bool(mark.text()))
        return shown


def tag_text(call: p.CallView, lang: str) -> str:
    """A recent call's counter, "→ 3", and "again" when that call was a recall."""
    return f"→ {call.counter}" + (f" {T('recall', lang)}" if call.recall else "")
