"""What the announcer says for a call, as text a speech engine reads right.

A ticket number is read character by character ("A001" is "A, zero, zero, one", never "A one"),
because a visitor compares it with the paper in their hand.  The counter number is read as a
number ("counter 12", "12号窗口"), as it is painted on the sign above the window.

espeak-ng's Mandarin voice ``cmn-latn-pinyin`` reads "A001" as one number ("A 零零一" run
together); written as "A 零 零 一" with spaces it reads every digit as its own syllable.  The
English voice needs commas between the characters to pause between them.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from hallcall.config import Names

ZH_DIGITS = "零一二三四五六七八九"
EN_DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def spell_number(number: str, lang: str) -> str:
    """The ticket number with its characters read one by one in ``lang``."""
    chars = [c for c in number.strip().upper() if not c.isspace()]
    if lang == "zh":
        return " ".join(ZH_DIGITS[int(c)] if c.isdigit() else c for c in chars)
    return ", ".join(EN_DIGITS[int(c)] if c.isdigit() else c for c in chars)


def phrase(template: str, number: str, counter: int, lang: str) -> str:
    """Fill a configured phrase (with ``{number}`` and ``{counter}``) for speaking in ``lang``.

    Raises ValueError naming the template when it has a placeholder other than those two, so a
    typo in the hall config shows up as a clear message in the log instead of a silent call.
    """
    try:
        return template.format(number=spell_number(number, lang), counter=counter)
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(f"announce phrase {template!r} ({lang}) cannot be filled: {exc!r}") from exc


def template_in(templates: Names, lang: str) -> str:
    """The hall's phrase in ``lang`` ("" for a language the hall has no phrase in)."""
    return templates.zh if lang == "zh" else templates.en if lang == "en" else ""


def phrases_for_call(number: str, counter: int, languages: Sequence[str], templates: Names) -> list[tuple[str, str]]:
    """(language, text) for each configured language, in the configured order.

    ``templates`` is the hall's ``announce.phrase`` as the server sends it (the config fills
    in its default); a language that has no phrase is skipped rather than spoken in the wrong
    tongue.
    """
    out = []
    for lang in languages:
        template = template_in(templates, lang)
        if template:
            out.append((lang, phrase(template, number, counter, lang)))
    return out


@dataclass(frozen=True)
class Token:
    """One piece of a call as a recorded voice pack says it (display/voice_pack.py).

    ``say`` is a stretch of the template's own words between its placeholders ("请", "号到",
    "号窗口办理"), ``character`` one character of the ticket number ("A", "0"), ``counter`` the
    counter number, read as a number ("12").  The plan comes from the very template the caption
    and the speech engine use, so what is heard from clips is what is written on screen.
    """

    kind: Literal["say", "character", "counter"]
    value: str


def tokens_for_call(template: str, number: str, counter: int) -> list[Token]:
    """The template as a sequence of tokens: its words, the number's characters, the counter.

    Raises ValueError naming the template when it has a placeholder other than ``{number}`` and
    ``{counter}``, as ``phrase`` does.
    """
    tokens: list[Token] = []
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(f"announce phrase {template!r} cannot be filled: {exc!r}") from exc
    for literal, field, _, _ in parts:
        if literal.strip():
            tokens.append(Token("say", literal))
        if field is None:
            continue
        if field == "number":
            tokens.extend(Token("character", c) for c in number.strip().upper() if not c.isspace())
        elif field == "counter":
            tokens.append(Token("counter", str(counter)))
        else:
            raise ValueError(f"announce phrase {template!r} cannot be filled: unknown placeholder {{{field}}}")
    return tokens


def caption(template: str, number: str, counter: int) -> str:
    """The phrase as written on screen (the number as printed, not spelt out)."""
    try:
        return template.format(number=number, counter=counter)
    except (KeyError, IndexError, ValueError):
        return f"{number} → {counter}"
