"""A label that lays its own text out so that it fits its width, whole words only.

Qt's word wrap breaks where it likes: "Household Registration & Exit-" over "Entry" on a
service button, a lone word on the last line, and a label that is simply too narrow gets its
text cut.  This label breaks its text with the kiosk's one line-breaking rule
(:mod:`.line_breaks`: at spaces and between Chinese characters, never inside a word or a
hyphenated word, no orphan on the last line, optionally balanced lines) and, when even
``max_lines`` lines do not fit, steps its font down (the style sheet's ``fit`` steps, see
:func:`.style.fit_steps`).  It is told its width by its layout and never asks for more.

``text()`` is what the label says; ``shown_text()`` is that text as laid out, with its breaks.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from hallcall.gui.qtapp import restyle

from .line_breaks import break_lines
from .style import fit_steps

BULLET = "• "  # a paragraph starting with it wraps under its text (a hanging indent)


class FittedLabel(QLabel):
    """Plain text on at most ``max_lines`` lines (None: as many as it takes), font stepped
    down only when it must be; ``balance`` evens the lines out (centred text)."""

    def __init__(
        self,
        object_name: str,
        *,
        max_lines: int | None = 2,
        balance: bool = True,
        alignment: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignCenter,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setAlignment(alignment)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(False)
        # The layout decides the width; the text follows it (never the other way round).
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.max_lines = max_lines
        self.balance = balance
        self.steps = fit_steps(object_name)
        self.step = 0
        self.setProperty("fit", "0")  # the style sheet's first size, from the first polish on
        self._source = ""
        self._fitted_for: tuple[str, int] | None = None
        self._fitting = False

    # ------------------------------------------------------------------ API
    def setText(self, text: str) -> None:
        self._source = text
        self._fit()

    def text(self) -> str:
        """What the label says, without the breaks it was laid out with."""
        return self._source

    def shown_text(self) -> str:
        return QLabel.text(self)

    # ------------------------------------------------------------------ layout
    def _fit(self) -> None:
        if self._fitting:
            return
        width = self.contentsRect().width()
        key = (self._source, width)
        if key == self._fitted_for:
            return
        self._fitting = True
        try:
            lines: list[str] = []
            for step in range(self.steps):
                self._set_step(step)
                lines = self._lay_out(width)
                if self._fits(lines, width):
                    break
            QLabel.setText(self, "\n".join(lines))
            self._fitted_for = key
        finally:
            self._fitting = False

    def _set_step(self, step: int) -> None:
        if step != self.step:
            self.step = step
            self.setProperty("fit", str(step))
            restyle(self)

    def _lay_out(self, width: int) -> list[str]:
        metrics = self.fontMetrics()
        lines: list[str] = []
        for paragraph in self._source.split("\n"):
            pad = ""
            if paragraph.startswith(BULLET):
                pad = " " * math.ceil(metrics.horizontalAdvance(BULLET) / max(metrics.horizontalAdvance(" "), 1))
            rest = width - metrics.horizontalAdvance(pad)
            first, *more = break_lines(paragraph, metrics.horizontalAdvance, width, rest, balance=self.balance)
            lines += [first, *(pad + line for line in more)]
        return lines

    def _fits(self, lines: list[str], width: int) -> bool:
        metrics = self.fontMetrics()
        if self.max_lines is not None and len(lines) > self.max_lines:
            return False
        return all(metrics.horizontalAdvance(line) <= width for line in lines)

    # ------------------------------------------------------------------ events
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._fit()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange and not self._fitting:
            self._fitted_for = None  # a new style sheet (another screen size): lay out again
            self._fit()
