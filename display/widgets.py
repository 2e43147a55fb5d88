"""The small widgets the hall screen is built from: a label that fits its text, a ticket class's
mark, and a marquee.

A hall TV shows names whose length nobody controls (a counter called "Counter 12 · Real Estate
Registration").  A clipped name is worse than a slightly smaller one, so ``FitLabel`` shrinks
its font to fit and elides only below half its size.  ``Marquee`` scrolls one line at ~30 fps,
repainting itself alone: the rest of the window is redrawn only when its data changes.
"""

from __future__ import annotations

import math
import time

from PySide6.QtCore import QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from .palette import BLACK, MARK_BACKGROUNDS
from .text import class_mark


def pixel_font(family: str, px: float, bold: bool = False, latin: str = "") -> QFont:
    """A font ``px`` pixels tall; ``latin`` first (if installed) for letters and digits."""
    font = QFont(family) if family else QFont()
    if latin:
        font.setFamilies([latin, *([family] if family else [])])
    font.setPixelSize(max(8, round(px)))
    font.setBold(bold)
    return font


class FitLabel(QWidget):
    """One line of text in one colour, shrunk to fit the width (never below half size)."""

    def __init__(self, colour: str, align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft, parent=None) -> None:
        super().__init__(parent)
        self._text = ""
        self.colour = QColor(colour)
        self.align = align | Qt.AlignmentFlag.AlignVCenter
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self.update()

    def set_colour(self, colour: str) -> None:
        if QColor(colour) != self.colour:
            self.colour = QColor(colour)
            self.update()

    def setFont(self, font: QFont) -> None:
        super().setFont(font)
        self.setFixedHeight(round(QFontMetricsF(font).height()))

    def sizeHint(self) -> QSize:
        return QSize(round(QFontMetricsF(self.font()).horizontalAdvance(self._text)), self.height())

    def fitted_font(self) -> QFont:
        """The font the text is drawn in: the label's own, or smaller so that it fits."""
        font = QFont(self.font())
        width = QFontMetricsF(font).horizontalAdvance(self._text)
        if width > self.width() > 0:
            font.setPixelSize(max(8, int(font.pixelSize() * max(0.5, self.width() / width))))
        return font

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self._text:
            return
        painter = QPainter(self)
        font = self.fitted_font()
        painter.setFont(font)
        painter.setPen(self.colour)
        text = QFontMetricsF(font).elidedText(self._text, Qt.TextElideMode.ElideRight, self.width())
        painter.drawText(QRectF(self.rect()), int(self.align), text)


MARK_PADDING = 0.3  # of the mark's font size, left and right of its text inside the pill


class ClassMark(FitLabel):
    """A ticket class's mark beside its number ("预约", "绿色通道"): black text on a pill of the
    class's colour, so a visitor with an appointment or a green-channel ticket sees from across
    the hall that the call is theirs to heed.  Empty for an ordinary ticket (its room is kept,
    so the rows' names stay in line).  Whoever places it gives it ``needed_width``: it is drawn
    whole, not shrunk."""

    def __init__(self, parent=None) -> None:
        super().__init__(BLACK, Qt.AlignmentFlag.AlignLeft, parent)
        self.kind = "normal"

    def show_class(self, priority: str, lang: str, short: bool = False) -> None:
        self.kind = priority
        self.setText(class_mark(priority, lang, short))

    @staticmethod
    def needed_width(font: QFont, text: str) -> float:
        """The pill's width for ``text`` in ``font`` (0 for no text)."""
        if not text:
            return 0.0
        return QFontMetricsF(font).horizontalAdvance(text) + 2 * MARK_PADDING * font.pixelSize()

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self._text:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = self.fitted_font()
        width = min(float(self.width()), self.needed_width(font, self._text))
        pill = QRectF(0, 0, width, self.height())
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(MARK_BACKGROUNDS.get(self.kind, BLACK)))
        radius = self.height() * 0.2
        painter.drawRoundedRect(pill, radius, radius)
        painter.setFont(font)
        painter.setPen(self.colour)
        painter.drawText(pill, int(Qt.AlignmentFlag.AlignCenter), self._text)

    def fitted_font(self) -> QFont:
        font = QFont(self.font())
        needed = self.needed_width(font, self._text)
        if needed > self.width() > 0:
            font.setPixelSize(max(8, int(font.pixelSize() * max(0.5, self.width() / needed))))
        return font


class WrapLabel(FitLabel):
    """Text in one colour that wraps onto as many lines as its width needs, never shrunk.

    For names nobody keeps short ("GA Household Registration & Exit-Entry"): a second line at
    full size reads better from across the hall than one line at half size.  Whoever places it
    asks ``needed_height`` for a width and gives it that height.
    """

    FLAGS = Qt.TextFlag.TextWordWrap

    def setFont(self, font: QFont) -> None:
        QWidget.setFont(self, font)  # not FitLabel's: the height depends on the width

    def needed_height(self, width: int) -> int:
        """The height the text takes wrapped to ``width`` pixels (one line when empty)."""
        metrics = QFontMetricsF(self.font())
        if not self._text or width <= 0:
            return round(metrics.height())
        box = metrics.boundingRect(QRectF(0, 0, width, 1e6), int(self.align | self.FLAGS), self._text)
        return math.ceil(box.height())

    def fitted_font(self) -> QFont:
        return QFont(self.font())

    SEPARATORS = " /·&、，,-"  # where a name reads best broken (Chinese may break anywhere)

    def balanced_width(self, width: int) -> int:
        """The width to wrap the text at: as few lines as ``width`` gives, coming out even
        rather than a full line and an orphan ("公安户籍/出入" + "境"), and broken after a
        separator where one keeps the lines that few ("GA 公安户籍/" + "出入境")."""
        height = self.needed_height(width)
        low, high = max(1, width // 2), width
        while low < high:
            middle = (low + high) // 2
            if self.needed_height(middle) > height:
                low = middle + 1
            else:
                high = middle
        metrics = QFontMetricsF(self.font())
        at_separators = (
            math.ceil(metrics.horizontalAdvance(self._text[: i + 1]))
            for i, char in enumerate(self._text)
            if char in self.SEPARATORS
        )
        fits = [w for w in at_separators if high <= w <= width and self.needed_height(w) == height]
        return min(fits, default=high)

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self._text:
            return
        painter = QPainter(self)
        painter.setFont(self.font())
        painter.setPen(self.colour)
        width = self.balanced_width(self.width())
        left = (self.width() - width) / 2 if self.align & Qt.AlignmentFlag.AlignHCenter else 0.0
        painter.drawText(QRectF(left, 0, width, self.height()), int(self.align | self.FLAGS), self._text)


class Marquee(QWidget):
    """A notice line that scrolls right to left when it is wider than the screen."""

    FRAME_MS = 33  # ~30 fps: smooth enough at a distance, a small fraction of a core
    GAP = 3.0  # space between the end of the text and its next start, in font heights

    def __init__(self, colour: str, background: str, parent=None) -> None:
        super().__init__(parent)
        self._text = ""
        self.colour = QColor(colour)
        self.background = QColor(background)
        self.speed = 120.0  # px per second at 1080p; set_speed scales it
        self.offset = 0.0
        self._last = time.monotonic()
        self.timer = QTimer(self)
        self.timer.setInterval(self.FRAME_MS)
        self.timer.timeout.connect(self._step)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.frames = 0  # painted frames, for the CPU test

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self.offset = 0.0
            self._update_timer()
            self.update()

    def setFont(self, font: QFont) -> None:
        super().setFont(font)
        self.setFixedHeight(round(QFontMetricsF(font).height() * 1.4))
        self._update_timer()

    def set_speed(self, px_per_second: float) -> None:
        self.speed = px_per_second

    def scrolling(self) -> bool:
        return self.timer.isActive()

    def _text_width(self) -> float:
        return QFontMetricsF(self.font()).horizontalAdvance(self._text)

    def _update_timer(self) -> None:
        """Scroll only when the text does not fit; a still line costs nothing."""
        needed = bool(self._text) and self._text_width() > self.width() and self.isVisible()
        if needed and not self.timer.isActive():
            self._last = time.monotonic()
            self.timer.start()
        elif not needed and self.timer.isActive():
            self.timer.stop()
            self.offset = 0.0

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._update_timer()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._update_timer()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self.timer.stop()

    def _step(self) -> None:
        now = time.monotonic()
        period = self._text_width() + self.GAP * QFontMetricsF(self.font()).height()
        self.offset = (self.offset + self.speed * (now - self._last)) % max(period, 1.0)
        self._last = now
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        self.frames += 1
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.background)
        if not self._text:
            return
        painter.setFont(self.font())
        painter.setPen(self.colour)
        rect = QRectF(self.rect())
        if not self.timer.isActive():
            painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), self._text)
            return
        period = self._text_width() + self.GAP * QFontMetricsF(self.font()).height()
        x = -self.offset
        while x < rect.width():
            painter.drawText(QRectF(x, 0, period, rect.height()), int(Qt.AlignmentFlag.AlignVCenter), self._text)
            x += period
