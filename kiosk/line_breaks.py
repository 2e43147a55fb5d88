"""Where kiosk text may break into lines, and the breaks that read best.

One rule for the printed ticket (measured in printer columns) and the screen (measured in
pixels), so both break "Household Registration & Exit-Entry" the same way:

- Latin words stay whole: a break goes at a space, never inside a word, a number or a
  hyphenated word ("Exit-Entry", "12345", "2026-11-23"); Chinese may break between any two
  characters, but never before closing punctuation (，。）…) nor after opening punctuation.
- A lone symbol ("&", "·") goes down with the word after it rather than ending a line.
- The fewest lines that fit; among those, no orphan: a last line of one or two Chinese
  characters or one short word ("件", "12345") when another break leaves more on it.
- Left-aligned text keeps its lines as full as it can (only the last line may be short);
  ``balance`` (centred headings) makes the lines as even as possible.

Pure: no Qt, no printer; the caller says how wide a piece of text is.
"""

from __future__ import annotations

import bisect
import functools
import unicodedata
from collections.abc import Callable

_CLOSING = set("，。、；：？！）》」』〕】〉,.;:?!)]}")
_OPENING = set("（《「『〔【〈([{")
# A last line is an orphan when it holds at most this many words or Chinese characters and is
# at most this many columns wide (a Chinese character counts two): "件", "有）", "12345", "seller".
ORPHAN_UNITS = 2
ORPHAN_COLUMNS = 6


def is_wide(ch: str) -> bool:
    """A character of a script written without spaces (Chinese): a line may break beside it."""
    return unicodedata.east_asian_width(ch) in ("W", "F")


def tokens(text: str) -> list[str]:
    """Latin words and spaces stay whole (any whitespace becomes one " " token each); every
    wide character is a token of its own."""
    out: list[str] = []
    word = ""
    for ch in text:
        if not ch.isspace() and not is_wide(ch):
            word += ch
            continue
        if word:
            out.append(word)
            word = ""
        out.append(" " if ch.isspace() else ch)
    if word:
        out.append(word)
    return out


def is_orphan(line: str) -> bool:
    """A line too short to stand alone at the end of a paragraph: at most ``ORPHAN_UNITS``
    words or Chinese characters, at most ``ORPHAN_COLUMNS`` columns wide."""
    parts = [t for t in tokens(line.strip()) if t != " "]
    units = sum(1 for t in parts if any(ch.isalnum() for ch in t))
    span = sum(2 if is_wide(ch) else 1 for ch in line.strip())
    return units <= ORPHAN_UNITS and span <= ORPHAN_COLUMNS


def break_lines(
    text: str,
    measure: Callable[[str], float],
    width: float,
    rest_width: float | None = None,
    *,
    balance: bool = False,
) -> list[str]:
    """``text`` broken into lines: the first at most ``width`` wide, the others at most
    ``rest_width`` (default ``width``; narrower under a hanging indent), as ``measure`` counts.

    A word wider than a line is cut (there is no other way to print it).  Lines come back
    without leading or trailing spaces; an empty text is one empty line."""
    rest = width if rest_width is None else rest_width
    parts = _cut_long_words(tokens(text), measure, min(width, rest))
    starts = _break_points(parts)
    n = len(parts)

    @functools.cache
    def line(a: int, b: int) -> str:
        return "".join(parts[a:b]).strip(" ")

    @functools.cache
    def used(a: int, b: int) -> float:
        return measure(line(a, b))

    Plan = tuple[int, int, float, tuple[int, ...]]  # lines, orphan, badness, line ends

    def choose(a: int, room: float, first: bool, rest_plans: dict[int, Plan]) -> Plan:
        """The best way to lay out parts[a:] with the line starting at ``a`` ``room`` wide."""
        found: Plan | None = None
        after = bisect.bisect_right(starts, a)
        for b in starts[after:]:
            if used(a, b) > room and b > starts[after]:
                break  # wider only from here on (the first piece always goes, cut to fit)
            slack = max(room - used(a, b), 0.0)
            if b == n:
                orphan = int(not first and is_orphan(line(a, b)))
                candidate: Plan = (1, orphan, slack**2 if balance else 0.0, (b,))
            else:
                lines, orphan, badness, ends = rest_plans[b]
                candidate = (lines + 1, orphan, badness + slack**2, (b, *ends))
            if found is None or candidate[:3] < found[:3]:
                found = candidate
        assert found is not None
        return found

    def best() -> tuple[int, ...]:
        """Line ends of the best layout: from the last break back to the first (no recursion,
        so a long text cannot run out of stack)."""
        rest_plans: dict[int, Plan] = {}
        for a in reversed(starts[:-1]):
            rest_plans[a] = choose(a, rest, False, rest_plans)
        return choose(0, width, True, rest_plans)[3]

    if not any(p.strip() for p in parts):
        return [""]
    if used(0, n) <= width:
        return [line(0, n)]  # most lines: nothing to break
    ends = _greedy(starts, used, width, rest)
    if balance or (len(ends) > 1 and is_orphan(line(ends[-2], n))):
        ends = best()  # as many lines as greedy takes, only placed better
    out, a = [], 0
    for b in ends:
        out.append(line(a, b))
        a = b
    return out


def _greedy(starts: list[int], used: Callable[[int, int], float], width: float, rest: float) -> list[int]:
    """As much on each line as fits: the fewest lines (the line ends, at least two here)."""
    ends: list[int] = []
    a = 0
    while a < starts[-1]:
        room = width if not ends else rest
        b = _next_start(starts, a)
        for candidate in starts:
            if candidate > b and used(a, candidate) <= room:
                b = candidate
            elif candidate > b:
                break
        ends.append(b)
        a = b
    return ends


def _next_start(starts: list[int], a: int) -> int:
    return next(b for b in starts if b > a)


def _break_points(parts: list[str]) -> list[int]:
    """Indexes where a line may start (0 excluded) and the end, ``len(parts)``."""
    points = []
    for i in range(1, len(parts)):
        before, after = parts[i - 1], parts[i]
        if after == " ":
            continue  # break after the space instead: it then ends the line before
        if before == " ":
            word_before = next((p for p in reversed(parts[:i]) if p != " "), "")
            if word_before and not any(ch.isalnum() or is_wide(ch) for ch in word_before):
                continue  # "&", "·": it goes down with the next word
            if after[0] in _CLOSING or word_before[-1:] in _OPENING:
                continue
            points.append(i)
            continue
        if not (is_wide(before[-1]) or is_wide(after[0])) and not _cut_piece(before, after):
            continue  # inside a Latin word
        if after[0] in _CLOSING or before[-1] in _OPENING:
            continue
        points.append(i)
    points.append(len(parts))
    return points


class _Piece(str):
    """A piece of a word cut because it is wider than a line: a line may break after it."""


def _cut_piece(before: str, after: str) -> bool:
    return isinstance(before, _Piece) or isinstance(after, _Piece)


def _cut_long_words(parts: list[str], measure: Callable[[str], float], room: float) -> list[str]:
    out: list[str] = []
    for part in parts:
        if part == " " or measure(part) <= room:
            out.append(part)
            continue
        while part and measure(part) > room:
            cut = max(1, next(i for i in range(1, len(part) + 1) if measure(part[:i]) > room) - 1)
            out.append(_Piece(part[:cut]))
            part = part[cut:]
        if part:
            out.append(_Piece(part))
    return out
