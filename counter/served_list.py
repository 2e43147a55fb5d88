"""The "recently served" panel: one line per finished ticket, cut with "…" when too long.

A narrow column cannot hold "10:42 A012 Social security and medical insurance" in English;
a line cut mid-word with no mark reads as a different, shorter name.  Each line is elided to
the width it is given (QFontMetrics.elidedText, again on every resize) and carries its
whole text as a tooltip.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget


class ElidedLine(QLabel):
    """A single line of plain text, cut at its end with "…" to fit; the whole of it is the tooltip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.full = ""
        self.setTextFormat(Qt.TextFormat.PlainText)
        # Its width is the column's, never the text's: a long name must not widen the window.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

    def set_full(self, text: str) -> None:
        self.full = text
        self.setToolTip(text)
        self._elide()

    def is_cut(self) -> bool:
        return self.text() != self.full

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        self.ensurePolished()  # the style sheet's font, not the default one, decides the cut
        width = self.contentsRect().width()
        self.setText(self.fontMetrics().elidedText(self.full, Qt.TextElideMode.ElideRight, width))


class ServedList(QWidget):
    """The panel's lines, newest first (the caller's order), top-aligned."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[ElidedLine] = []
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self._layout.addStretch(1)

    def set_lines(self, lines: list[str]) -> None:
        while len(self.rows) < len(lines):
            row = ElidedLine(self)
            self._layout.insertWidget(len(self.rows), row)
            self.rows.append(row)
        for i, row in enumerate(self.rows):
            row.setVisible(i < len(lines))
            row.set_full(lines[i] if i < len(lines) else "")

    def lines(self) -> list[str]:
        """The whole lines shown (uncut), for reading back."""
        return [row.full for row in self.rows if not row.isHidden()]
