"""Every word that reaches a clerk, a supervisor or a visitor exists in Chinese and in English.

The text tables are read as the programs read them: the ``Strings`` tables of each program (found
in the sources, so a new table is checked without being listed here), the shared catalogues of
``hallcall.i18n`` (errors, device faults, day names), the announcer's digit words and the config's
default words, and the web pages' dictionaries (``TEXTS`` and ``Object.assign(TEXTS.zh, …)``
additions in assets/web/*.js), evaluated by Chromium.  Each key has both languages, neither is
empty, and the Chinese one has Chinese characters in it, except the few listed in ``ALLOWED``
that are deliberately the same in both (a symbol, a layout of placeholders, or the name of the
other language on the switch button).  Nested dictionaries (a page's error texts) are checked key by key.
"""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import browser_fixture  # noqa: F401  (the fixture, by name)
from playwright.sync_api import Browser

from hallcall import config, i18n
from hallcall.display import phrases
from hallcall.i18n import Strings

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "assets" / "web"
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")

# (table, key) → why its Chinese text is rightly without Chinese characters (or, for a page,
# why a language may lack it).  Keep it short: each entry promises a Chinese reader understands.
ALLOWED: dict[tuple[str, str], str] = {
    ("hallcall.counter.text", "other_lang"): "the switch button names the other language",
    ("hallcall.kiosk.text", "switch_lang"): "the switch button names the other language",
    ("hallcall.server.pages", "switch"): "the switch link names the other language",
    ("assets/web/console.js", "language"): "the switch button names the other language",
    ("assets/web/pad.js", "language"): "the switch button names the other language",
    ("assets/web/report.js", "language"): "the switch button names the other language",
    ("assets/web/book.js", "switch"): "the switch link names the other language",
    ("hallcall.kiosk.text", "booking_line"): "placeholders only: '{start}–{end}  {service}  {name}'",
    ("hallcall.counter.text", "no_current"): "a dash, the same in both",
    ("hallcall.counter.text", "key_hint"): "placeholders only: '{text}  [{shortcut}]'",
    ("hallcall.counter.text", "served_line"): "placeholders only: '{time} {number} {service}'",
    ("assets/web/pad.js", "connected"): "nothing is shown while connected, in either language",
    ("assets/web/console.js", "journeyErr.unknown_ticket"): "in Chinese the server's message_zh is shown",
    ("assets/web/console.js", "journeyErr.no_number"): "says t('noNumber'), itself checked",
    ("assets/web/console.js", "journeyHead"): "placeholders only: number(day)",
}


def has_chinese(text: str) -> bool:
    return bool(CJK.search(text))


def check_pairs(table: str, pairs: dict[str, tuple[str, str]]) -> list[str]:
    """The problems of one table: key → (Chinese, English)."""
    problems = []
    for key, (zh, en) in pairs.items():
        if (table, key) in ALLOWED and (zh == en or not has_chinese(zh)):
            continue
        if not zh.strip() or not en.strip():
            problems.append(f"{table} {key!r}: empty {'Chinese' if not zh.strip() else 'English'} text")
        elif not has_chinese(zh):
            problems.append(f"{table} {key!r}: the Chinese text {zh!r} has no Chinese in it")
    return problems


# ---------------------------------------------------------------------------- the programs' tables
def strings_modules() -> list[str]:
    """Every module whose source makes a ``Strings(...)`` table, by its installed name."""
    package_dirs = {"hallcall": "hallcall", **{f"hallcall.{d}": d for d in ("server", "kiosk", "counter", "display")}}
    package_dirs |= {"hallcall.gui": "gui", "hallcall.launch": "launch"}
    found = []
    for package, folder in package_dirs.items():
        base = ROOT / folder
        files = base.glob("*.py") if package == "hallcall" else base.rglob("*.py")
        for path in sorted(files):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "Strings"]
            if calls and path.name != "i18n.py":
                found.append(".".join([package, *path.relative_to(base).with_suffix("").parts]))
    return found


STRINGS_MODULES = strings_modules()


def test_the_program_tables_are_found() -> None:
    assert {"hallcall.kiosk.text", "hallcall.counter.text", "hallcall.display.text"} <= set(STRINGS_MODULES)


@pytest.mark.parametrize("module", STRINGS_MODULES)
def test_a_programs_table_has_both_languages(module: str) -> None:
    tables = [v for v in vars(importlib.import_module(module)).values() if isinstance(v, Strings)]
    assert tables, f"{module} makes a Strings table but keeps none"
    problems = [p for t in tables for p in check_pairs(module, t.table)]
    assert problems == []


# ---------------------------------------------------------------------------- the shared catalogues
@pytest.mark.parametrize("name, catalogue", [("errors", i18n.ERRORS), ("faults", i18n.FAULTS)])
def test_the_shared_catalogues_have_both_languages(name: str, catalogue: dict[str, dict[str, str]]) -> None:
    assert all(set(words) == {"zh", "en"} for words in catalogue.values()), name
    assert check_pairs(f"hallcall.i18n {name}", {k: (w["zh"], w["en"]) for k, w in catalogue.items()}) == []


def test_day_names_digits_and_the_device_words_have_both_languages() -> None:
    pairs = {f"weekday {i}": pair for i, pair in enumerate(zip(*i18n.WEEKDAYS.values(), strict=True))}
    pairs["device refusal"] = (
        i18n.device_refusal({"code": "auth_failed"})["zh"],
        i18n.device_refusal({"code": "auth_failed"})["en"],
    )
    pairs |= {
        f"digit {i}": (zh, en) for i, (zh, en) in enumerate(zip(phrases.ZH_DIGITS, phrases.EN_DIGITS, strict=True))
    }
    assert len(phrases.ZH_DIGITS) == len(phrases.EN_DIGITS) == 10
    assert check_pairs("hallcall.i18n / display.phrases", pairs) == []


def test_the_configs_default_words_have_both_languages() -> None:
    """What a hall says when its config leaves the words out: evaluation reasons, pause reasons,
    the ticket's footer and the announcement."""
    pairs = {f"reason {r.code}": (r.zh, r.en) for r in config.Evaluation().reasons}
    pairs |= {f"pause {n.en}": (n.zh, n.en) for n in config.CounterProgram().pause_reasons}
    pairs["footer"] = (config.Kiosk().footer.zh, config.Kiosk().footer.en)
    pairs["phrase"] = (config.Announce().phrase.zh, config.Announce().phrase.en)
    assert check_pairs("hallcall.config defaults", pairs) == []


# ---------------------------------------------------------------------------- the web pages
def _skip_literal(src: str, i: int) -> int:
    """The index after the string, template or comment starting at ``src[i]`` (i itself if none)."""
    ch = src[i]
    if src.startswith("//", i):
        return src.index("\n", i)
    if src.startswith("/*", i):
        return src.index("*/", i) + 2
    if ch in "'\"":
        j = i + 1
        while src[j] != ch:
            j += 2 if src[j] == "\\" else 1
        return j + 1
    if ch == "`":
        j = i + 1
        while src[j] != "`":
            if src[j] == "\\":
                j += 2
            elif src.startswith("${", j):
                j = _matching(src, j + 1) + 1
            else:
                j += 1
        return j + 1
    return i


def _matching(src: str, start: int) -> int:
    """The index of the brace closing the one at ``src[start]``."""
    depth, i = 0, start
    while True:
        after = _skip_literal(src, i)
        if after != i:
            i = after
            continue
        if src[i] == "{":
            depth += 1
        elif src[i] == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1


def dictionaries(source: str) -> Iterator[tuple[str, str, str]]:
    """(name, language or "", object literal) of each top-level ``const …TEXTS = {…}`` and each
    ``Object.assign(…TEXTS.zh|en, {…})`` in a page script."""
    for m in re.finditer(r"^const (\w*TEXTS) = \{", source, re.M):
        yield m.group(1), "", source[m.end() - 1 : _matching(source, m.end() - 1) + 1]
    for m in re.finditer(r"^Object\.assign\((\w*TEXTS)\.(zh|en), \{", source, re.M):
        yield m.group(1), m.group(2), source[m.end() - 1 : _matching(source, m.end() - 1) + 1]


PAGE_SCRIPTS = sorted(p for p in WEB.glob("*.js") if list(dictionaries(p.read_text(encoding="utf-8"))))

# Each value as text: a string as it is, a function as its source (its words are in it).
FLATTEN = """literal => {
  const text = (v) => (typeof v === "function" ? v.toString() : String(v));
  const flat = (o, at = "") => Object.assign({}, ...Object.entries(o).map(([k, v]) =>
    v && typeof v === "object" ? flat(v, at + k + ".") : { [at + k]: text(v) }));
  const d = eval("(" + literal + ")");
  return "zh" in d && "en" in d ? { zh: flat(d.zh), en: flat(d.en) } : flat(d);
}"""


def test_the_page_dictionaries_are_found() -> None:
    assert {"console.js", "pad.js", "report.js"} <= {p.name for p in PAGE_SCRIPTS}


@pytest.fixture(scope="module")
def evaluate(browser: Browser) -> Iterator[Callable[[str], Any]]:
    page = browser.new_page()
    yield lambda literal: page.evaluate(FLATTEN, literal)
    page.close()


@pytest.mark.parametrize("script", PAGE_SCRIPTS, ids=lambda p: p.name)
def test_a_pages_dictionaries_have_both_languages(script: Path, evaluate: Callable[[str], Any]) -> None:
    merged: dict[str, dict[str, dict[str, str]]] = {}
    for name, lang, literal in dictionaries(script.read_text(encoding="utf-8")):
        words = evaluate(literal)
        table = merged.setdefault(name, {"zh": {}, "en": {}})
        for language in ("zh", "en"):
            table[language].update(words[language] if not lang else words if lang == language else {})
    problems = []
    for name, table in merged.items():
        zh, en = table["zh"], table["en"]
        where = f"assets/web/{script.name}"
        problems += [f"{where} {name}: {k!r} has no English" for k in sorted(zh.keys() - en.keys())]
        problems += [
            f"{where} {name}: {k!r} has no Chinese" for k in sorted(en.keys() - zh.keys()) if (where, k) not in ALLOWED
        ]
        problems += check_pairs(where, {k: (zh[k], en[k]) for k in zh.keys() & en.keys()})
    assert problems == []


def test_a_missing_or_untranslated_entry_is_caught(evaluate: Callable[[str], Any]) -> None:
    """The checks above find what they are for: a key in one language only, an empty text, a
    Chinese entry left in English."""
    words = evaluate(
        '{ zh: { a: "好", b: "Save", c: (n) => `${n} 人` }, en: { a: "Good", b: "Save", c: (n) => `${n}`, d: "x" } }'
    )
    assert words["zh"]["c"].endswith("`${n} 人`")
    assert set(words["en"]) - set(words["zh"]) == {"d"}
    assert check_pairs("t", {"b": (words["zh"]["b"], words["en"]["b"])}) == [
        "t 'b': the Chinese text 'Save' has no Chinese in it"
    ]
    assert check_pairs("t", {"e": ("", "Empty")}) == ["t 'e': empty Chinese text"]
