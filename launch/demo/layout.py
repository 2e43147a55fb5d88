"""Where the desktop demo's windows go: all of them inside the screen's available area.

A half-screen grid is not enough: a counter window will not shrink below its layout's minimum
(about 880 × 590 on a 1080p screen, more once a clerk is signed in), and a window manager adds a
title bar, so on a 1920 × 1080 screen the bottom row ran off the screen and hid the counters'
status line and auto-call box.  Here the counters' row is as tall as their minimum needs, the
kiosk and the display (which scale their type to any size) share the rest, and any window that
still cannot have its cell keeps its minimum size and is moved back inside the area, overlapping
a neighbour rather than leaving the screen.  Pure arithmetic on rectangles, so it is tested
without a screen.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Box:
    """A rectangle in screen pixels: a window's frame, or the screen's available area."""

    x: int
    y: int
    width: int
    height: int

    @property
    def right(self) -> int:
        return self.x + self.width

    @property
    def bottom(self) -> int:
        return self.y + self.height

    def overlaps(self, other: Box) -> bool:
        return self.x < other.right and other.x < self.right and self.y < other.bottom and other.y < self.bottom

    def holds(self, other: Box) -> bool:
        return self.x <= other.x and self.y <= other.y and other.right <= self.right and other.bottom <= self.bottom


@dataclass(frozen=True)
class Frame:
    """What the window manager adds around a window's contents (title bar and borders)."""

    left: int = 0
    top: int = 0
    right: int = 0
    bottom: int = 0

    @property
    def width(self) -> int:
        return self.left + self.right

    @property
    def height(self) -> int:
        return self.top + self.bottom


TOP_ROW_SHARE = 0.4  # the kiosk and display keep at least this share of the height


def arrange(area: Box, top: list[tuple[int, int]], bottom: list[tuple[int, int]], frame: Frame) -> list[Box]:
    """Frames (outer rectangles, title bar included) for two rows of windows inside ``area``:
    ``top`` and ``bottom`` give each window's minimum contents size (width, height).  The
    bottom row gets the height its tallest minimum needs (at most 1 - TOP_ROW_SHARE of the
    area); each row splits the width evenly.  A window whose minimum does not fit its cell
    keeps its minimum, moved back inside the area; one larger than the whole area is cut to it
    (there is no better answer)."""
    need = max((h for _, h in bottom), default=0) + frame.height
    bottom_h = min(max(need, area.height // 2), round(area.height * (1 - TOP_ROW_SHARE))) if bottom else 0
    rows = [(top, area.y, area.height - bottom_h), (bottom, area.y + area.height - bottom_h, bottom_h)]
    boxes = []
    for windows, y, height in rows:
        for i, (min_w, min_h) in enumerate(windows):
            x0 = area.x + area.width * i // len(windows)
            x1 = area.x + area.width * (i + 1) // len(windows)
            cell = Box(x0, y, x1 - x0, height)
            boxes.append(_inside(area, cell, min_w + frame.width, min_h + frame.height))
    return boxes


def _inside(area: Box, cell: Box, min_w: int, min_h: int) -> Box:
    """The cell grown to the window's minimum (at most the area), then moved back inside the area."""
    width = min(max(cell.width, min_w), area.width)
    height = min(max(cell.height, min_h), area.height)
    x = min(max(cell.x, area.x), area.right - width)
    y = min(max(cell.y, area.y), area.bottom - height)
    return Box(x, y, width, height)


def contents(box: Box, frame: Frame) -> Box:
    """The contents rectangle of a window whose frame is ``box``."""
    return Box(box.x + frame.left, box.y + frame.top, box.width - frame.width, box.height - frame.height)
