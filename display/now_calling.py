"""The "now calling" rows: every call in progress of the zone at once, as large as room allows.

A floor of 8-12 counters can have all of them calling at the same moment, and a visitor whose
number was called a minute ago must still find it on the screen; a tall portrait screen with
three calls must not leave most of its panel blank.  So the rows take the largest of these
forms that shows every call, sizes measured with the fonts, not guessed:

1. **Full rows**, one column: the number, the counter's name in both languages beside it, the
   largest number from 144 px down to 64 px at which every row fits the height and the widest
   number and name fit the width.
2. **Compact cells**, two columns: the number and "→ counter", both at one size, the largest
   from 144 px down to 64 px at which every call fits.  The counter's name is left out; its
   number is what is painted over the window, and the caption spells the newest call out.

An appointment or green-channel call has its class's mark beside its number ("预约", "绿色通道",
half the number's size, at least 26 px): when any shown call has one, every row keeps a column for
it, measured with the rest, so that the mark never cuts a name or a number.  Compact cells that
have no room for the marks even at 64 px take short marks at 26 px ("绿色", "Green"), and only
failing that go without.

Full rows are taken unless the cells' numbers are over 11 % larger.  Rows that leave the panel
partly empty spread down it.  64 px (1080p) is the floor, readable from 10 m (docs/display.md
gives the reasoning).  When even 64 px cells cannot hold every call, the newest are shown and
the screen says how many older ones are left out ("+N more"); those are in "recent calls".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from hallcall.i18n import other_lang
from hallcall.protocol import CallView

from .palette import BLACK, NUMBER_FAMILY, SOFT, WHITE, YELLOW
from .text import class_mark
from .widgets import ClassMark, FitLabel, pixel_font

# Sizes in pixels on a 1080p screen; the screen's ``unit`` scales them to the window.
FULL_NUMBER_PX = 88
FULL_NAME_PX = 52
FULL_NAME2_PX = 30
MIN_NUMBER_PX = 64
MAX_NUMBER_PX = 144  # a few calls on a tall panel: numbers up to this, filling the panel
MIN_NAME2_PX = 26  # the smallest text on the screen
MARK_RATIO = 0.5  # a class mark's size, of the number's (at least MIN_NAME2_PX)
FULL_PREFERENCE = 0.9  # full rows (with names, one column) unless cells give numbers 11 % larger
COLUMNS = 2  # compact cells: two columns fit "GA001 → 12" at 64 px in a landscape panel
ROW_GAP_PX = 6
COLUMN_GAP_PX = 24
PADDING_PX = 12  # inside a row, left and right (room for the flashing row's yellow background)
TAG_GAP_PX = 16  # between the number and "→ counter"
SLACK_PX = 4  # Qt shares a row's width out in whole pixels: a little room beyond the texts
POOL = 24  # rows made once; more than fit on any screen shape at 64 px


class CallRow(QFrame):
    """One call in progress: the number large, then the counter's name (full) or "→ n" (compact)."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("callRow")
        self.line = QHBoxLayout(self)
        self.number = FitLabel(YELLOW)
        names = QVBoxLayout()
        names.setSpacing(0)
        self.name = FitLabel(WHITE)
        self.name2 = FitLabel(SOFT)
        names.addStretch(1)
        names.addWidget(self.name)
        names.addWidget(self.name2)
        names.addStretch(1)
        self.tag = FitLabel(WHITE)
        self.mark = ClassMark()
        self.line.addWidget(self.number)
        self.line.addWidget(self.mark)
        self.line.addLayout(names)
        self.line.addWidget(self.tag)
        self.call: CallView | None = None
        self.hot = False
        self.compact = False
        self.short_marks = False

    def show_call(self, call: CallView, lang: str) -> None:
        """The call's counter name is the server's (a counter without a name is already
        "N号窗口" / "Counter N" on the wire)."""
        self.call = call
        self.number.setText(call.number)
        self.name.setText(call.counter_name.get(lang))
        self.name2.setText(call.counter_name.get(other_lang(lang)))
        self.tag.setText(tag_text(call))
        self.mark.show_class(call.priority, lang, self.short_marks)

    def set_form(self, form: Form, unit: float) -> None:
        """Take the full or the compact form at the sizes ``form`` chose."""
        self.compact = form.compact
        self.short_marks = form.marks == "short"
        pad = round(PADDING_PX * unit)
        self.line.setContentsMargins(pad, 0, pad, 0)
        self.line.setSpacing(round(TAG_GAP_PX * unit))
        self.number.setFont(form.number_font)
        self.tag.setFont(form.number_font)
        self.name.setFont(form.name_font)
        self.name2.setFont(form.name2_font)
        self.mark.setFont(form.mark_font)
        self.name.setVisible(not form.compact)
        self.name2.setVisible(not form.compact)
        self.tag.setVisible(form.compact)
        self.mark.setVisible(form.mark_width > 0)  # a column for marks only when a call has one
        # In proportion to the widest number, mark, and name (full) or tag (compact) shown, so
        # every text has at least its own width.
        texts = (0, form.tag_width) if form.compact else (form.tag_width, 0)
        for index, stretch in enumerate((form.number_width, form.mark_width, *texts)):
            self.line.setStretch(index, math.ceil(stretch))

    def set_hot(self, hot: bool) -> None:
        if hot == self.hot:
            return
        self.hot = hot
        self.setStyleSheet(f"QFrame#callRow {{ background: {YELLOW}; border-radius: 10px; }}" if hot else "")
        for label, cold in ((self.number, YELLOW), (self.name, WHITE), (self.name2, SOFT), (self.tag, WHITE)):
            label.set_colour(BLACK if hot else cold)


def tag_text(call: CallView) -> str:
    """The counter in a compact cell: an arrow and its number, the same in both languages."""
    return f"→ {call.counter}"


@dataclass(frozen=True)
class Form:
    """How the rows are drawn: compact or not, columns, the fonts and how many calls fit."""

    compact: bool
    columns: int
    capacity: int
    number_font: QFont
    name_font: QFont
    name2_font: QFont
    number_width: float = 0.0
    tag_width: float = 0.0  # compact: the widest "→ n"; full: the widest counter name
    row_height: int = 0
    mark_font: QFont = field(default_factory=QFont)
    mark_width: float = 0.0  # the widest class mark shown; 0: no call shown has one (or "none")
    marks: str = "full"  # the class marks: "full", "short" (compact cells, 26 px) or "none"


def mark_font(family: str, number_size: float, unit: float) -> QFont:
    """A class mark's font beside a number of ``number_size`` pixels."""
    return pixel_font(family, max(MIN_NAME2_PX * unit, number_size * MARK_RATIO), True)


def marks_width(calls: Sequence[CallView], font: QFont, lang: str, short: bool = False) -> float:
    """The widest class mark of ``calls`` in ``font`` (0 when none has one)."""
    return max((ClassMark.needed_width(font, class_mark(c.priority, lang, short)) for c in calls), default=0.0)


def line_height(font: QFont) -> int:
    """A FitLabel's height in this font (it fixes its height to the font's line)."""
    return round(QFontMetricsF(font).height())


def choose_form(calls: Sequence[CallView], width: int, height: int, unit: float, family: str, lang: str = "zh") -> Form:
    """The form that shows every call in ``width`` × ``height`` pixels at the largest size
    (see the module doc); ``lang``: the primary language, whose counter names are measured."""
    full = _largest_full(calls, width, height, unit, family, lang)
    compact = _largest_compact(calls, width, height, unit, family, lang)
    if full is not None and (not compact.fits or full.number_font.pixelSize() >= FULL_PREFERENCE * compact.size):
        return full
    return compact.form


def _largest(unit: float, attempt: Callable[[int], Form | None]) -> tuple[int, Form] | None:
    """The largest number size from MAX_NUMBER_PX down to MIN_NUMBER_PX (scaled, whole pixels)
    at which ``attempt`` gives a form, and that form; None if none.  A larger size never fits
    where a smaller one does not, so the sizes are bisected: a redraw tries 7, not 80."""
    low, high = max(8, round(MIN_NUMBER_PX * unit)), max(8, round(MAX_NUMBER_PX * unit))
    found = attempt(low)
    if found is None:
        return None
    best = (low, found)
    low += 1
    while low <= high:
        middle = (low + high) // 2
        form = attempt(middle)
        if form is None:
            high = middle - 1
        else:
            best, low = (middle, form), middle + 1
    return best


def _largest_full(
    calls: Sequence[CallView], width: int, height: int, unit: float, family: str, lang: str
) -> Form | None:
    """Full rows at the largest number size at which they all fit, names measured; None if
    they do not fit even at the floor."""
    gap = round(ROW_GAP_PX * unit)
    room = width - 2 * round(PADDING_PX * unit) - round(TAG_GAP_PX * unit) - SLACK_PX
    lang2 = other_lang(lang)

    def attempt(size: int) -> Form | None:
        number_font = pixel_font(family, size, True, NUMBER_FAMILY)
        name_font = pixel_font(family, size * FULL_NAME_PX / FULL_NUMBER_PX, True)
        name2_font = pixel_font(family, max(MIN_NAME2_PX * unit, size * FULL_NAME2_PX / FULL_NUMBER_PX))
        marks = mark_font(family, size, unit)
        row = max(line_height(number_font), line_height(name_font) + line_height(name2_font), line_height(marks))
        if len(calls) * (row + gap) - gap > height:
            return None
        numbers, names, names2 = (QFontMetricsF(f) for f in (number_font, name_font, name2_font))
        number_width = max(numbers.horizontalAdvance(c.number) for c in calls)
        name_width = max(
            max(names.horizontalAdvance(c.counter_name.get(lang)), names2.horizontalAdvance(c.counter_name.get(lang2)))
            for c in calls
        )
        mark_width = marks_width(calls, marks, lang)
        mark_room = mark_width + round(TAG_GAP_PX * unit) if mark_width else 0
        if number_width + mark_room + name_width > room:
            return None
        capacity = min(len(calls), POOL)
        return Form(
            False, 1, capacity, number_font, name_font, name2_font, number_width, name_width, row, marks, mark_width
        )

    found = _largest(unit, attempt)
    return None if found is None else found[1]


@dataclass(frozen=True)
class _Compact:
    form: Form
    size: int
    fits: bool


def _largest_compact(
    calls: Sequence[CallView], width: int, height: int, unit: float, family: str, lang: str
) -> _Compact:
    """Compact cells at the largest size at which every call fits; failing that, the floor's
    size with as many as fit (``fits`` False)."""
    gap = round(ROW_GAP_PX * unit)
    cell = (width - round(COLUMN_GAP_PX * unit) * (COLUMNS - 1)) / COLUMNS
    room = cell - 2 * round(PADDING_PX * unit) - round(TAG_GAP_PX * unit)
    name_font = pixel_font(family, FULL_NAME_PX * unit, True)
    name2_font = pixel_font(family, FULL_NAME2_PX * unit)

    def cells(size: int, style: str) -> tuple[Form, bool, bool]:
        """The cells at ``size`` with ``style`` marks: (form, every call fits, the widths fit)."""
        font = pixel_font(family, size, True, NUMBER_FAMILY)
        rows = max(1, (height + gap) // (line_height(font) + gap))
        capacity = min(rows * COLUMNS, POOL)
        metrics = QFontMetricsF(font)
        shown = calls[:capacity]
        number_width = max(metrics.horizontalAdvance(c.number) for c in shown)
        tag_width = max(metrics.horizontalAdvance(tag_text(c)) for c in shown)
        marks = mark_font(family, size, unit) if style == "full" else pixel_font(family, MIN_NAME2_PX * unit, True)
        mark_width = 0.0 if style == "none" else marks_width(shown, marks, lang, short=style == "short")
        mark_room = mark_width + round(TAG_GAP_PX * unit) if mark_width else 0
        form = Form(
            True, COLUMNS, capacity, font, name_font, name2_font, number_width, tag_width, line_height(font),
            marks, mark_width, style,
        )  # fmt: skip
        return form, capacity >= len(calls), number_width + mark_room + tag_width + SLACK_PX <= room

    def every_call(size: int, style: str) -> Form | None:
        form, all_fit, widths_fit = cells(size, style)
        return form if all_fit and widths_fit else None

    for style in ("full", "short", "none"):
        found = _largest(unit, lambda size, style=style: every_call(size, style))
        if found is not None:
            return _Compact(found[1], found[0], True)
    # Too many calls even at the floor: as many as fit, with the fullest marks their width allows.
    floor = max(8, round(MIN_NUMBER_PX * unit))
    for style in ("full", "short"):
        form, _, widths_fit = cells(floor, style)
        if widths_fit:
            return _Compact(form, floor, False)
    return _Compact(cells(floor, "none")[0], floor, False)


class CallGrid(QWidget):
    """The rows of "now calling", laid out in one column (full) or two (compact)."""

    def __init__(self, family: str) -> None:
        super().__init__()
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.rows = [CallRow() for _ in range(POOL)]
        for row in self.rows:
            row.setParent(self)
            row.hide()
        self.family = family
        self.form: Form | None = None
        self._placed: tuple[int, int, int] | None = None

    def show_calls(self, calls: Sequence[CallView], lang: str, width: int, height: int, unit: float) -> int:
        """Draw the calls (newest first) in the room given; returns how many are shown.

        Compact cells read down the first column, then the second, like a printed list.
        """
        form = choose_form(calls, width, height, unit, self.family, lang) if calls else None
        shown = list(calls[: form.capacity]) if form else []
        if form is not None and form != self.form:
            for row in self.rows:
                row.set_form(form, unit)
        self.form = form
        per_column = math.ceil(len(shown) / form.columns) if form else 0
        columns = form.columns if form else 1
        spacing = self._spacing(form, per_column, height, unit)
        if self._placed != (columns, per_column, spacing):
            self._place(columns, per_column, spacing, unit)
        for i, row in enumerate(self.rows):
            if i < len(shown):
                row.show_call(shown[i], lang)
            row.setVisible(i < len(shown))
        return len(shown)

    @staticmethod
    def _spacing(form: Form | None, per_column: int, height: int, unit: float) -> int:
        """The gap between rows: the rows spread down the panel when they leave it part empty
        (up to half a row between two), so that a tall screen is filled, not half blank."""
        gap = round(ROW_GAP_PX * unit)
        if form is None or per_column < 2:
            return gap
        row = form.row_height
        spare = height - per_column * row - (per_column - 1) * gap
        return gap + max(0, min(spare // per_column, row // 2))

    def _place(self, columns: int, per_column: int, spacing: int, unit: float) -> None:
        for row in self.rows:
            self.grid.removeWidget(row)
        for column in range(COLUMNS):
            self.grid.setColumnStretch(column, 1 if column < columns else 0)
        self.grid.setHorizontalSpacing(round(COLUMN_GAP_PX * unit))
        self.grid.setVerticalSpacing(spacing)
        for i, row in enumerate(self.rows):
            if per_column and i < per_column * columns:
                self.grid.addWidget(row, i % per_column, i // per_column)
        self._placed = (columns, per_column, spacing)
