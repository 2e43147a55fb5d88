"""Recorded voice packs: a call said by a real person's voice, clip after clip.

A pack is a folder with a manifest, ``pack.toml``, and WAV clips, every clip 16-bit PCM mono at
the manifest's ``sample_rate``::

    language = "zh"
    sample_rate = 16000
    [say]          # the template's own words, between its placeholders
    "请" = "say-1.wav"
    "号到" = "say-2.wav"
    "号窗口办理" = "say-3.wav"
    [characters]   # ticket-number characters, read one by one
    A = "char-A.wav"
    "0" = "char-0.wav"
    [counters]     # counter numbers, read as numbers
    "12" = "counter-12.wav"

A call is planned as tokens from the hall's phrase template (display/phrases.py
``tokens_for_call``); the template's words are matched against the ``say`` clips longest first
(so a pack with "号" and "到" also says "号到"), ignoring spaces and punctuation.  The clips are
joined as they are: a clip carries its own short silence at each end (``hallcall voice-pack
make`` leaves 40 ms), so a pack sounds the way it was recorded.

Only the standard library is used (``wave`` and ``array``; ``audioop`` is gone from Python
3.13).  Clips of another format than the manifest's are refused with the clip named; the chime
and a second language's pack of another rate are resampled to the first pack's rate when a
call is joined into one WAV.
"""

from __future__ import annotations

import functools
import math
import sys
import tomllib
import unicodedata
import wave
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import msgspec

from hallcall.assets import ROOT as ASSETS

from .phrases import Token

VOICES = ASSETS / "voices"
MANIFEST = "pack.toml"
RATES = (8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000)
GAP_SECONDS = 0.15  # between the chime and the speech, and between languages, in a joined call
FIR_TAPS = 31  # the low-pass filter before downsampling


class VoicePackError(Exception):
    """A pack that cannot be used; the message names the pack and every clip that is wrong."""


class MissingClips(Exception):
    """A call needs words the pack has no clip for; ``missing`` names them."""

    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        super().__init__("no clip for " + ", ".join(missing))


class Manifest(msgspec.Struct, forbid_unknown_fields=True):
    """``pack.toml``: the language, the clips' sample rate and which clip says what."""

    language: Literal["zh", "en"]
    sample_rate: int
    say: dict[str, str] = msgspec.field(default_factory=dict)
    characters: dict[str, str] = msgspec.field(default_factory=dict)
    counters: dict[str, str] = msgspec.field(default_factory=dict)
    description: str = ""


def pack_folder(name: str) -> Path:
    """The folder ``announce.voice_packs`` names: an absolute path, or a pack in assets/voices/."""
    path = Path(name)
    return path if path.is_absolute() else VOICES / path


def _separator(c: str) -> bool:
    """Spaces and punctuation ("，", ",", "。") between the words of a phrase: not said by a clip."""
    return c.isspace() or unicodedata.category(c)[0] in "PZ"


def trimmed(text: str) -> str:
    """A stretch of template without the spaces and punctuation at either end: ", please go to
    counter " is "please go to counter", the words a ``say`` clip says."""
    start, end = 0, len(text)
    while start < end and _separator(text[start]):
        start += 1
    while end > start and _separator(text[end - 1]):
        end -= 1
    return text[start:end]


def normalise(text: str) -> str:
    """A ``say`` key or a stretch of template as they are compared: trimmed, in lower case."""
    return trimmed(text).casefold()


def _word_char(c: str) -> bool:
    return c.isascii() and c.isalnum()


def split_words(text: str, keys: Iterable[str]) -> tuple[list[str], list[str]]:
    """Cover ``text`` with ``keys`` (normalised ``say`` keys), longest first, skipping spaces and
    punctuation: (the keys in order, the stretches no key covers).

    An English key matches whole words only ("counter" does not say the start of "counters").
    """
    wanted = sorted({k for k in keys if k}, key=len, reverse=True)
    text = text.casefold()
    found: list[str] = []
    missing: list[str] = []
    gap: int | None = None  # where the stretch no key covers began

    def close(end: int) -> None:
        nonlocal gap
        if gap is not None:
            missing.append(normalise(text[gap:end]))
            gap = None

    def match(i: int) -> str | None:
        for key in wanted:
            end = i + len(key)
            if text.startswith(key, i) and not (end < len(text) and _word_char(key[-1]) and _word_char(text[end])):
                return key
        return None

    i = 0
    while i < len(text):
        if _separator(text[i]):
            if not text[i].isspace():
                close(i)  # a stretch without a clip ends at a punctuation mark
            i += 1
        elif (key := match(i)) is not None:
            close(i)
            found.append(key)
            i += len(key)
        else:
            gap = i if gap is None else gap
            i += 1
            while _word_char(text[i - 1]) and i < len(text) and _word_char(text[i]):
                i += 1  # a whole English word
    close(len(text))
    return found, missing


@dataclass
class VoicePack:
    """A loaded pack: every clip's samples in memory (a pack is a few hundred kB)."""

    folder: Path
    language: str
    rate: int
    say: dict[str, bytes] = field(default_factory=dict)  # normalised key → 16-bit mono frames
    characters: dict[str, bytes] = field(default_factory=dict)
    counters: dict[int, bytes] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path) -> VoicePack:
        """Read and check a pack; raises VoicePackError naming everything that is wrong."""
        pack, problems = _read(folder)
        if problems or pack is None:
            raise VoicePackError(f"voice pack {folder}: " + "; ".join(problems))
        return pack

    def missing(self, tokens: Sequence[Token]) -> list[str]:
        """What the pack cannot say of ``tokens``, each named as in the manifest."""
        missing: list[str] = []
        for token in tokens:
            if token.kind == "say":
                missing += [f"say {m!r}" for m in split_words(token.value, self.say)[1]]
            elif token.kind == "character" and token.value not in self.characters:
                missing.append(f"character {token.value!r}")
            elif token.kind == "counter" and int(token.value) not in self.counters:
                missing.append(f"counter {token.value}")
        return list(dict.fromkeys(missing))

    def frames(self, tokens: Sequence[Token]) -> bytes:
        """The clips for ``tokens`` joined; raises MissingClips when any is lacking."""
        missing = self.missing(tokens)
        if missing:
            raise MissingClips(missing)
        out = bytearray()
        for token in tokens:
            if token.kind == "say":
                for key in split_words(token.value, self.say)[0]:
                    out += self.say[key]
            elif token.kind == "character":
                out += self.characters[token.value]
            else:
                out += self.counters[int(token.value)]
        return bytes(out)


def check(folder: Path) -> list[str]:
    """Everything wrong with a pack (empty when it can be used)."""
    return _read(folder)[1]


def _read(folder: Path) -> tuple[VoicePack | None, list[str]]:
    manifest_path = folder / MANIFEST
    if not folder.is_dir():
        return None, [f"there is no folder {folder}"]
    if not manifest_path.is_file():
        return None, [f"there is no manifest {manifest_path}"]
    try:
        manifest = msgspec.convert(tomllib.loads(manifest_path.read_text(encoding="utf-8")), Manifest)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return None, [f"{MANIFEST} is not valid TOML: {exc}"]
    except msgspec.ValidationError as exc:
        return None, [f"{MANIFEST}: {exc}"]
    problems: list[str] = []
    if manifest.sample_rate not in RATES:
        problems.append(f"{MANIFEST}: sample_rate {manifest.sample_rate} is not one of {', '.join(map(str, RATES))}")
    pack = VoicePack(folder, manifest.language, manifest.sample_rate)
    if not (manifest.say or manifest.characters or manifest.counters):
        problems.append(f"{MANIFEST} lists no clips ([say], [characters], [counters])")
    for section, clips in (("say", manifest.say), ("characters", manifest.characters), ("counters", manifest.counters)):
        for key, file in clips.items():
            name = f"{section} {key!r} ({file})"
            if section == "say" and not normalise(key):
                problems.append(f"{name}: a say key must have words, not only spaces or punctuation")
                continue
            if section == "characters" and (len(key) != 1 or key != key.upper() or _separator(key)):
                problems.append(f"{name}: a character key is one capital letter or digit")
                continue
            if section == "counters" and not (key.isdigit() and int(key) > 0):
                problems.append(f'{name}: a counter key is a counter number such as "12"')
                continue
            frames = _clip(folder, file, manifest.sample_rate, name, problems)
            if frames is None:
                continue
            if section == "say":
                pack.say[normalise(key)] = frames
            elif section == "characters":
                pack.characters[key] = frames
            else:
                pack.counters[int(key)] = frames
    return pack, problems


def _clip(folder: Path, file: str, rate: int, name: str, problems: list[str]) -> bytes | None:
    """A clip's frames, or None with the problem added (missing, not a WAV, another format)."""
    path = folder / file
    if Path(file).is_absolute() or ".." in Path(file).parts:
        problems.append(f"{name}: a clip is a file inside the pack's folder")
        return None
    if not path.is_file():
        problems.append(f"{name}: the file is missing")
        return None
    try:
        with wave.open(str(path), "rb") as w:
            params = w.getparams()
            frames = w.readframes(params.nframes)
    except (OSError, EOFError, wave.Error) as exc:
        problems.append(f"{name}: not a PCM WAV file ({exc})")
        return None
    if (params.sampwidth, params.nchannels, params.framerate) != (2, 1, rate):
        problems.append(
            f"{name}: {describe(params.framerate, params.sampwidth, params.nchannels)}, "
            f"but the pack's clips are 16-bit mono at {rate} Hz"
        )
        return None
    if not frames:
        problems.append(f"{name}: the clip is empty")
        return None
    return frames


def describe(rate: int, width: int, channels: int) -> str:
    """A WAV format in words: "22050 Hz 16-bit stereo"."""
    return (
        f"{rate} Hz {8 * width}-bit {'mono' if channels == 1 else 'stereo' if channels == 2 else f'{channels}-channel'}"
    )


# --- samples --------------------------------------------------------------------------------


def samples(frames: bytes) -> array[int]:
    """16-bit little-endian frames as numbers."""
    out = array("h", frames)
    if sys.byteorder == "big":
        out.byteswap()
    return out


def frames_of(values: Iterable[float]) -> bytes:
    """Numbers back to 16-bit little-endian frames, clipped to the 16-bit range."""
    out = array("h", (max(-32768, min(32767, round(v))) for v in values))
    if sys.byteorder == "big":
        out.byteswap()
    return out.tobytes()


def _low_pass(values: Sequence[float], cutoff: float) -> list[float]:
    """A windowed-sinc FIR low-pass (``cutoff`` in cycles per sample), so that downsampling does
    not fold the upper band back as noise."""
    mid = FIR_TAPS // 2
    taps = []
    for n in range(FIR_TAPS):
        x = n - mid
        sinc = 2 * cutoff if x == 0 else math.sin(2 * math.pi * cutoff * x) / (math.pi * x)
        taps.append(sinc * (0.54 - 0.46 * math.cos(2 * math.pi * n / (FIR_TAPS - 1))))
    total = sum(taps)
    padded = [0.0] * mid + list(values) + [0.0] * mid
    out = [0.0] * len(values)
    for k, tap in enumerate(taps):
        weight = tap / total
        shifted = padded[k : k + len(values)]
        out = [o + weight * s for o, s in zip(out, shifted, strict=True)]
    return out


def resample(frames: bytes, src: int, dst: int) -> bytes:
    """16-bit mono frames from ``src`` Hz to ``dst`` Hz (low-pass when going down, then linear
    interpolation): good enough for speech and a chime."""
    if src == dst or not frames:
        return frames
    values: Sequence[float] = samples(frames)
    if dst < src:
        values = _low_pass(values, 0.45 * dst / src)
    count = max(1, round(len(values) * dst / src))
    last = len(values) - 1
    out = []
    for j in range(count):
        pos = j * src / dst
        i = int(pos)
        frac = pos - i
        nxt = values[i + 1] if i < last else values[last]
        out.append(values[min(i, last)] * (1 - frac) + nxt * frac)
    return frames_of(out)


def read_mono(path: Path, rate: int) -> bytes:
    """Any 16-bit PCM WAV (mono or stereo) as 16-bit mono frames at ``rate`` (the chime)."""
    stamp = path.stat()
    return _read_mono(str(path), stamp.st_mtime_ns, stamp.st_size, rate)


@functools.lru_cache(maxsize=16)
def _read_mono(path: str, _mtime: int, _size: int, rate: int) -> bytes:
    with wave.open(path, "rb") as w:
        params = w.getparams()
        frames = w.readframes(params.nframes)
    if params.sampwidth != 2 or params.nchannels not in (1, 2):
        raise VoicePackError(
            f"{path} is {describe(params.framerate, params.sampwidth, params.nchannels)}: "
            "only 16-bit mono or stereo WAV files can be joined with a voice pack"
        )
    if params.nchannels == 2:
        both = samples(frames)
        frames = frames_of((both[i] + both[i + 1]) / 2 for i in range(0, len(both) - 1, 2))
    return resample(frames, params.framerate, rate)


def silence(seconds: float, rate: int) -> bytes:
    return bytes(2 * round(seconds * rate))


def write_wav(path: Path, frames: bytes, rate: int) -> None:
    """16-bit mono frames to a WAV file."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)


def join(
    pieces: Sequence[tuple[str, bytes, int]], rate: int, gap: float = GAP_SECONDS
) -> tuple[bytes, dict[str, float]]:
    """Join (name, frames, their rate) into one stretch at ``rate``, ``gap`` seconds of silence
    between pieces: (the frames, the second at which each name is first heard)."""
    out = bytearray()
    starts: dict[str, float] = {}
    for i, (name, frames, their_rate) in enumerate(pieces):
        if i:
            out += silence(gap, rate)
        starts.setdefault(name, len(out) / (2 * rate))
        out += resample(frames, their_rate, rate)
    return bytes(out), starts
