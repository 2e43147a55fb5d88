"""The display's colours and the contrast check they must pass (at least 7:1, WCAG AAA).

Kept apart from the layout so that every part of the screen (the panels, the "now calling"
grid) draws from one palette, and the test reads the same pairs the screen paints.
"""

from __future__ import annotations

from dataclasses import dataclass

# Every text colour is used only on the backgrounds named with it in ``colour_pairs``.
BACKGROUND = "#0a1020"
PANEL = "#131c33"
WHITE = "#ffffff"
SOFT = "#c9d3e6"  # second-language lines
YELLOW = "#ffd84d"  # ticket numbers, the newest call
BLACK = "#000000"
GREEN = "#7cf2a8"  # waiting counts; the green-channel mark's background
APPOINTMENT = "#9cc9ff"  # the appointment mark's background
TITLE = "#9fd3ff"  # panel headings
WARN_BG = "#ffb020"
NOTICE_BG = "#1f2b4a"

# Ticket numbers in a face with a true bold: Qt does not embolden large CJK-font glyphs, and a
# thin "A001" is hard to read from the back of the hall.  Falls back to the CJK family.
NUMBER_FAMILY = "DejaVu Sans"


@dataclass(frozen=True)
class ColourPair:
    use: str
    text: str
    background: str


def colour_pairs() -> list[ColourPair]:
    """Every text colour on every background it is drawn on (tested for contrast ≥ 7:1)."""
    texts = (("text", WHITE), ("second language", SOFT), ("number", YELLOW), ("heading", TITLE), ("count", GREEN))
    pairs = [
        ColourPair(f"{name} on {bg_name}", fg, bg)
        for bg_name, bg in (("background", BACKGROUND), ("panel", PANEL))
        for name, fg in texts
    ]
    pairs += [
        ColourPair("flashing call", BLACK, YELLOW),
        ColourPair("warning", BLACK, WARN_BG),
        ColourPair("notice", WHITE, NOTICE_BG),
        ColourPair("green-channel mark", BLACK, GREEN),
        ColourPair("appointment mark", BLACK, APPOINTMENT),
    ]
    return pairs


# A ticket class's mark: black text on a pill of its own colour, which reads the same on the
# panel and on the flashing row's yellow.
MARK_BACKGROUNDS = {"appointment": APPOINTMENT, "green": GREEN}


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours (1 to 21)."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    hi, lo = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)
