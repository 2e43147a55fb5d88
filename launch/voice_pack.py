"""``hallcall voice-pack``: make a voice pack with the speech engine, and check a pack.

``make`` synthesises every clip a hall's calls need (the phrase's words, the ticket letters and
digits, the counter numbers) with the display's own speech worker (pyttsx3 + espeak-ng), trims
the silence around each, evens out their loudness and writes them with a manifest at the pack's
sample rate: the demo packs in assets/voices/ were made so, and a hall can make a stand-in pack
the same way before its own recordings are done.  ``check`` says whether a folder is a usable
pack and, given a hall's config, which clips that hall still needs.  ``hallcall check-config``
runs the same check for the packs a config names (``hall_pack_problems``).

docs/voice-packs.md explains the clip list and how a hall records its own voice.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import tempfile
import time
import wave
from pathlib import Path

from hallcall import config as hall_config
from hallcall.display.phrases import EN_DIGITS, ZH_DIGITS, Token, tokens_for_call
from hallcall.display.voice_pack import (
    MANIFEST,
    RATES,
    VoicePack,
    check,
    frames_of,
    normalise,
    pack_folder,
    resample,
    samples,
    trimmed,
    write_wav,
)

DIGITS = "0123456789"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DEFAULT_COUNTERS = "1-20"
TRIM_WINDOW_SECONDS = 0.01
TRIM_THRESHOLD = 0.05  # of the loudest window's RMS: quieter windows at either end are silence
PAD_SECONDS = 0.04  # silence kept at each end of a clip, so joined clips do not run together
FADE_SECONDS = 0.005
TARGET_RMS = 0.125  # of full scale (-18 dBFS), over the voiced windows
PEAK_LIMIT = 0.89  # of full scale (-1 dBFS)
SYNTHESIS_TIMEOUT = 20.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    verbs = parser.add_subparsers(dest="pack_verb", required=True)
    make = verbs.add_parser("make", help="synthesise a voice pack with the speech engine (a demo or stand-in pack)")
    make.add_argument("--lang", required=True, choices=["zh", "en"], help="the pack's language")
    make.add_argument("--out", required=True, help="the pack's folder (created; must be empty or new)")
    make.add_argument(
        "--config", help="a hall config: its phrase, ticket prefixes and counters (default: the built-in phrase)"
    )
    make.add_argument(
        "--counters",
        default=DEFAULT_COUNTERS,
        help="counter numbers without --config, e.g. 1-20 (default: %(default)s)",
    )
    make.add_argument("--letters", default=LETTERS, help="ticket letters without --config (default: A to Z)")
    make.add_argument(
        "--sample-rate", type=int, default=16000, choices=RATES, help="the clips' sample rate (default: %(default)s)"
    )
    make.add_argument("--voice", help="the speech engine's voice (default: the [announce] default for the language)")
    make.add_argument("--rate", type=int, default=150, help="words per minute (default: %(default)s)")
    check_ = verbs.add_parser("check", help="check a voice pack folder, and what a hall needs of it")
    check_.add_argument("folder", help="the pack's folder, or the name of a pack in assets/voices/")
    check_.add_argument("--config", help="a hall config: also name the clips its calls need that the pack lacks")


def run(args: argparse.Namespace) -> int:
    if args.pack_verb == "make":
        return make(args)
    folder = pack_folder(args.folder)
    problems = check(folder)
    if not problems and args.config:
        config = _load(args.config)
        pack = VoicePack.load(folder)
        problems = [f"{args.config} needs: {m}" for m in pack.missing(hall_tokens(config, pack.language))]
    if problems:
        print(f"{folder}: {len(problems)} problem{'s' if len(problems) > 1 else ''}:")
        for problem in problems:
            print(f"  {problem}")
        return 1
    print(f"{folder}: OK — {summary(folder)}")
    return 0


def _load(path: str) -> hall_config.HallConfig:
    try:
        return hall_config.load(path)
    except hall_config.ConfigError as exc:
        raise SystemExit(f"hallcall: config error: {exc}") from None


def summary(folder: Path) -> str:
    """A usable pack in one line: language, format, clips, size on disk and length."""
    pack = VoicePack.load(folder)
    clips = [*pack.say.values(), *pack.characters.values(), *pack.counters.values()]
    size = sum(p.stat().st_size for p in folder.iterdir() if p.is_file())
    seconds = sum(len(c) for c in clips) / (2 * pack.rate)
    return (
        f"{pack.language}, {pack.rate} Hz 16-bit mono, {len(pack.say)} phrases, {len(pack.characters)} characters, "
        f"{len(pack.counters)} counters; {size / 1024:.0f} kB, {seconds:.1f} s of sound"
    )


# --- what a hall needs ------------------------------------------------------------------------


def template_for(config: hall_config.HallConfig | None, lang: str) -> str:
    """The hall's phrase in ``lang``, or the built-in one (which the server uses for an empty phrase)."""
    own = config.announce.phrase.get(lang) if config is not None else ""
    return own or hall_config.Announce().phrase.get(lang)


def needed_tokens(template: str, letters: str, counters: list[int]) -> list[Token]:
    """Every token a hall's calls can need: the phrase's words, each ticket character, each counter."""
    words = [t for t in tokens_for_call(template, "", 0) if t.kind == "say"]
    characters = [Token("character", c) for c in dict.fromkeys(letters.upper() + DIGITS)]
    return words + characters + [Token("counter", str(n)) for n in counters]


def hall_tokens(config: hall_config.HallConfig, lang: str) -> list[Token]:
    letters = "".join(s.prefix for s in config.services)
    return needed_tokens(template_for(config, lang), letters, sorted({c.number for c in config.counters}))


def hall_pack_problems(config: hall_config.HallConfig) -> list[str]:
    """What is wrong with the voice packs a config names: a missing folder or manifest, a broken
    clip, a pack in the wrong language, a clip the hall's calls need.  Empty when all is well."""
    problems: list[str] = []
    for lang in ("zh", "en"):
        name = config.announce.voice_packs.get(lang)
        if not name:
            continue
        folder = pack_folder(name)
        where = f"announce.voice_packs.{lang} {name!r} ({folder})"
        found = check(folder)
        if found:
            problems += [f"{where}: {p}" for p in found]
            continue
        pack = VoicePack.load(folder)
        if pack.language != lang:
            problems.append(f"{where}: the pack's language is {pack.language!r}, not {lang!r}")
            continue
        missing = pack.missing(hall_tokens(config, lang))
        if missing:
            problems.append(f"{where} has no clip for: {', '.join(missing)}")
    return problems


# --- making a pack ----------------------------------------------------------------------------


def parse_counters(text: str) -> list[int]:
    """ "1-20" or "1,2,5-8" as counter numbers; SystemExit naming the part that is not one."""
    numbers: set[int] = set()
    for part in text.split(","):
        low, _, high = part.strip().partition("-")
        try:
            first, last = int(low), int(high or low)
        except ValueError:
            raise SystemExit(f"hallcall voice-pack: --counters {part.strip()!r} is not a number or a range") from None
        if not 0 < first <= last:
            raise SystemExit(f"hallcall voice-pack: --counters {part.strip()!r}: counters are numbered from 1")
        numbers.update(range(first, last + 1))
    return sorted(numbers)


def spoken_text(token: Token, lang: str) -> str:
    """What the speech engine is given for one clip: the words, a character as it is read in a
    ticket number ("零", "zero"), a counter number as a number."""
    if token.kind == "character" and token.value.isdigit():
        digits = ZH_DIGITS if lang == "zh" else EN_DIGITS
        return digits[int(token.value)]
    return trimmed(token.value)


def clip_name(token: Token, index: int) -> str:
    """An ASCII file name for a clip (the key may be Chinese)."""
    if token.kind == "say":
        return f"say-{index}.wav"
    return f"{'char' if token.kind == 'character' else 'counter'}-{token.value}.wav"


def trim_and_level(frames: bytes, rate: int) -> bytes:
    """Cut the silence before and after the voice, so that each end keeps ``PAD_SECONDS`` of
    quiet (silence is added where the engine's sound starts or ends at once, and the cut edges
    fade over 5 ms: no click), and scale the clip so that its voiced part is as loud as every
    other clip's, its peaks below -1 dBFS."""
    values = samples(frames)
    step = max(1, round(rate * TRIM_WINDOW_SECONDS))
    windows = [values[i : i + step] for i in range(0, len(values), step)]
    rms = [math.sqrt(sum(x * x for x in w) / len(w)) for w in windows]
    if not rms or max(rms) == 0:
        raise ValueError("the speech engine wrote only silence")
    loud = [i for i, r in enumerate(rms) if r >= TRIM_THRESHOLD * max(rms)]
    pad = round(rate * PAD_SECONDS)
    start, end = loud[0] * step - pad, (loud[-1] + 1) * step + pad
    kept = [float(x) for x in values[max(0, start) : min(len(values), end)]]
    fade = min(round(rate * FADE_SECONDS), len(kept) // 2)
    for i in range(fade):
        kept[i] *= i / fade
        kept[-1 - i] *= i / fade
    voiced = math.sqrt(sum(rms[i] ** 2 for i in loud) / len(loud))
    peak = max(abs(x) for x in kept)
    gain = min(TARGET_RMS * 32767 / voiced, PEAK_LIMIT * 32767 / peak)
    lead, tail = [0.0] * max(0, -start), [0.0] * max(0, end - len(values))
    return frames_of([*lead, *(x * gain for x in kept), *tail])


def make(args: argparse.Namespace) -> int:
    from hallcall.display.announcer import WORKER_COMMAND, SpeechProcess, SpeechUnavailable

    out = Path(args.out)
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"hallcall voice-pack: {out} is not empty; give a new folder")
    if args.config:
        config = _load(args.config)
        tokens = hall_tokens(config, args.lang)
    else:
        config = None
        tokens = needed_tokens(template_for(None, args.lang), args.letters, parse_counters(args.counters))
    voice = args.voice or hall_config.Announce().voices.get(args.lang)
    out.mkdir(parents=True, exist_ok=True)
    sections: dict[str, dict[str, str]] = {"say": {}, "characters": {}, "counters": {}}
    section_of = {"say": "say", "character": "characters", "counter": "counters"}
    tmp = Path(tempfile.mkdtemp(prefix="hallcall-voice-pack-"))
    try:
        speech = SpeechProcess(WORKER_COMMAND, SYNTHESIS_TIMEOUT)
    except SpeechUnavailable as exc:
        raise SystemExit(f"hallcall voice-pack: {exc}") from None
    try:
        for index, token in enumerate(tokens, start=1):
            key = normalise(token.value) if token.kind == "say" else token.value
            if token.kind == "say" and key in sections["say"]:
                continue
            raw = tmp / f"{index}.wav"
            request = speech.submit(spoken_text(token, args.lang), voice, args.rate, 1.0, raw)
            error, _ = speech.result(request, _deadline())
            if error is not None:
                raise SystemExit(f"hallcall voice-pack: the speech engine cannot say {token.value!r}: {error}")
            with wave.open(str(raw), "rb") as w:
                rate, frames = w.getframerate(), w.readframes(w.getnframes())
            try:
                clip = resample(trim_and_level(frames, rate), rate, args.sample_rate)
            except ValueError as exc:
                raise SystemExit(f"hallcall voice-pack: {token.value!r}: {exc}") from None
            name = clip_name(token, index)
            write_wav(out / name, clip, args.sample_rate)
            sections[section_of[token.kind]][trimmed(token.value) if token.kind == "say" else key] = name
    except SpeechUnavailable as exc:
        raise SystemExit(f"hallcall voice-pack: {exc}") from None
    finally:
        speech.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    source = f"{args.config}'s phrase and counters" if config is not None else "the built-in phrase"
    (out / MANIFEST).write_text(manifest_text(args.lang, args.sample_rate, voice, source, sections), encoding="utf-8")
    problems = check(out)
    if problems:  # a bug of this command, not of the hall: say it plainly
        raise SystemExit(f"hallcall voice-pack: the pack made in {out} does not check: {'; '.join(problems)}")
    print(f"{out}: made — {summary(out)}")
    return 0


def _deadline() -> float:
    return time.monotonic() + SYNTHESIS_TIMEOUT


def manifest_text(lang: str, rate: int, voice: str, source: str, sections: dict[str, dict[str, str]]) -> str:
    """``pack.toml`` for a made pack (TOML basic strings are JSON strings, so json.dumps quotes)."""
    lines = [
        f"# A voice pack made by `hallcall voice-pack make` from {source}, voice {voice!r} (espeak-ng).",
        "# Clips are 16-bit mono WAV at sample_rate; docs/voice-packs.md says how to record your own.",
        f"language = {json.dumps(lang)}",
        f"sample_rate = {rate}",
        f"description = {json.dumps(f'synthesised with espeak-ng voice {voice}', ensure_ascii=False)}",
    ]
    for section, clips in sections.items():
        lines += ["", f"[{section}]"]
        lines += [f"{json.dumps(key, ensure_ascii=False)} = {json.dumps(file)}" for key, file in clips.items()]
    return "\n".join(lines) + "\n"
