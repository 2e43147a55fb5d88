"""Does every word on a screen fit?  A walk over a window's widgets, for the screenshots.

A picture can look right and still hide a cut-off word under a neighbour, or a label Qt has
elided to "…".  Before each screenshot (screenshots.py) every visible label and button under
the window is measured: a one-line text against its contents width with the widget's own font
(a button also keeps its style's margins), a word-wrapped label against the height its text
needs at its width.  The texts seen are kept too, so a test can check the screen speaks the
language asked for.

One cut is allowed: a one-line label that ends in "…" and carries its whole text as its tooltip
(the counter's "Recently served" lines on a narrow screen) says it was cut and where the rest is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetricsF, QTextDocumentFragment
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QListWidget,
    QPushButton,
    QStyle,
    QStyleOptionButton,
    QWidget,
)

ELLIPSIS = "…"


@dataclass
class Reading:
    """What a walk over one window found: its visible texts, and those that do not fit."""

    texts: list[str] = field(default_factory=list)
    cut: list[str] = field(default_factory=list)


def read(root: QWidget) -> Reading:
    """Every visible label's and button's text under ``root`` (``root`` included), and which
    of them are cut off or elided."""
    QApplication.processEvents()  # lay out what changed last first
    found = Reading()
    widgets = [root, *root.findChildren(QWidget)]
    for widget in widgets:
        if not widget.isVisible() or widget.width() <= 0:
            continue
        if isinstance(widget, QLabel):
            text = widget.text()
            if not text:
                continue
            if widget.textFormat() == Qt.TextFormat.RichText or text.lstrip().startswith("<"):
                found.texts.append(QTextDocumentFragment.fromHtml(text).toPlainText())  # words, not measured
                continue
            found.texts.append(text)
            if not _label_fits(widget):
                found.cut.append(f"label {widget.objectName() or type(widget).__name__}: {text!r}")
        elif isinstance(widget, QAbstractButton) and widget.text():
            found.texts.append(widget.text())
            if not _button_fits(widget):
                found.cut.append(f"button {widget.objectName() or type(widget).__name__}: {widget.text()!r}")
        elif isinstance(widget, QListWidget):  # words of a list, read; a list scrolls sideways for the rest
            found.texts += [widget.item(i).text() for i in range(widget.count())]
        elif callable(getattr(widget, "text", None)) and isinstance(text := widget.text(), str) and text:
            found.texts.append(text)  # a widget that paints its own text (the display's) or an input
            if not _painted_fits(widget, text):
                found.cut.append(f"{type(widget).__name__}: {text!r}")
    return found


def _painted_fits(widget: QWidget, text: str) -> bool:
    """A widget that draws its own text: the display's one-line labels shrink their font to
    fit (``fitted_font``) and elide below half size; its wrapping labels need a height for
    their width (``needed_height``).  A scrolling line shows all of itself in time; an input
    field's text is the user's."""
    if hasattr(widget, "needed_height"):
        return bool(widget.needed_height(widget.width()) <= widget.height())
    if hasattr(widget, "fitted_font"):
        return QFontMetricsF(widget.fitted_font()).horizontalAdvance(text) <= widget.width() + 0.5
    return True


def _label_fits(label: QLabel) -> bool:
    text = QLabel.text(label)  # as drawn: a label that lays out its own lines (kiosk) keeps them here
    if text.endswith(ELLIPSIS):
        return _cut_with_whole_in_tooltip(label, text)
    room = label.contentsRect()
    if label.wordWrap():
        return label.heightForWidth(label.width()) <= label.height()
    lines = text.split("\n")
    metrics = label.fontMetrics()
    widest = max(metrics.horizontalAdvance(line) for line in lines)
    return widest <= room.width() and metrics.height() * len(lines) <= room.height() + 2


def _cut_with_whole_in_tooltip(label: QLabel, text: str) -> bool:
    """An announced cut: the shown part, then "…", within the width, and the whole as tooltip."""
    whole = label.toolTip()
    shown = text.removesuffix(ELLIPSIS)
    fits = label.fontMetrics().horizontalAdvance(text) <= label.contentsRect().width()
    return bool(whole) and whole != text and whole.startswith(shown) and fits


def _button_fits(button: QAbstractButton) -> bool:
    text = button.text().replace("&&", "&")
    if text.endswith(ELLIPSIS):
        return False
    metrics = button.fontMetrics()
    lines = text.split("\n")
    widest = max(metrics.horizontalAdvance(line) for line in lines)
    if isinstance(button, QPushButton):
        option = QStyleOptionButton()
        button.initStyleOption(option)
        margin = button.style().pixelMetric(QStyle.PixelMetric.PM_ButtonMargin, option, button)
        room = button.contentsRect().width() - margin
    else:  # check boxes and radio buttons: the indicator comes first
        room = button.contentsRect().width() - button.style().pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth)
    return widest <= room and metrics.height() * len(lines) <= button.contentsRect().height() + 2
