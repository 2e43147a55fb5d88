"""Recorded voice packs: real WAV clips joined per call, the speech engine for what a pack lacks,
broken packs named clip by clip, ``hallcall voice-pack make/check`` and ``check-config``.

Only the sound card is replaced (``RecordingPlayer`` keeps each WAV's samples); the packs are the
shipped demo packs in assets/voices/ or copies of them broken on purpose, and the fallback is
the real speech worker (pyttsx3 + espeak-ng).
"""

from __future__ import annotations

import itertools
import logging
import math
import shutil
import subprocess
import sys
import tomllib
import wave
from array import array
from pathlib import Path

import pytest
from conftest import ROOT, TEST_HALL
from test_announcer import measure

from hallcall.assets import SOUNDS
from hallcall.config import Announce, Names
from hallcall.display.phrases import Token, tokens_for_call
from hallcall.display.playback import RecordingPlayer
from hallcall.display.voice_pack import (
    GAP_SECONDS,
    VOICES,
    VoicePack,
    VoicePackError,
    check,
    read_mono,
    resample,
    split_words,
)

pytestmark = pytest.mark.timeout(120)

PACKS = Names(zh="demo-zh", en="demo-en")


def hallcall(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hallcall.launch.cli", *args], capture_output=True, text=True, cwd=ROOT, timeout=120
    )


def clip_files(folder: Path, tokens: list[tuple[str, str]]) -> bytes:
    """The frames of the named clips read straight from the pack's manifest and files (not
    through display/voice_pack.py), joined: what a call from the pack must consist of."""
    manifest = tomllib.loads((folder / "pack.toml").read_text(encoding="utf-8"))
    out = b""
    for section, key in tokens:
        with wave.open(str(folder / manifest[section][key]), "rb") as w:
            assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 16000)
            out += w.readframes(w.getnframes())
    return out


ZH_A001_3 = [
    ("say", "请"),
    *[("characters", c) for c in "A001"],
    ("say", "号到"),
    ("counters", "3"),
    ("say", "号窗口办理"),
]
EN_A001_3 = [
    ("say", "Ticket"),
    *[("characters", c) for c in "A001"],
    ("say", "please go to counter"),
    ("counters", "3"),
]


def test_a_call_is_planned_from_the_phrase_template_and_matched_to_clips_longest_first() -> None:
    assert tokens_for_call("请{number}号到{counter}号窗口办理", "b12", 7) == [
        Token("say", "请"),
        Token("character", "B"),
        Token("character", "1"),
        Token("character", "2"),
        Token("say", "号到"),
        Token("counter", "7"),
        Token("say", "号窗口办理"),
    ]
    with pytest.raises(ValueError, match=r"\{window\}"):
        tokens_for_call("请{number}号到{window}号窗口", "A001", 3)
    # "号到" from two clips, punctuation and spaces skipped, English matched by whole words.
    assert split_words("号到", ["号", "到", "号窗口办理"]) == (["号", "到"], [])
    assert split_words(", please go to counter ", ["please go to counter", "please"]) == (["please go to counter"], [])
    assert split_words("please go to counters", ["please", "counter"]) == (["please"], ["go to counters"])


def test_a_call_from_packs_is_the_chime_then_exactly_the_expected_clips_in_one_wav(announcers: object) -> None:
    player = RecordingPlayer()
    announcer = announcers(player, Announce(voice_packs=PACKS))
    announcer.announce("A001", 3)
    assert announcer.wait_idle(30)
    (call,) = player.played
    assert (call.kind, call.rate, call.width, call.channels) == ("call", 16000, 2, 1)
    zh = clip_files(VOICES / "demo-zh", ZH_A001_3)
    en = clip_files(VOICES / "demo-en", EN_A001_3)
    chime = read_mono(SOUNDS / "chime.wav", 16000)  # the built-in chime, 22050 Hz, resampled
    gap = bytes(2 * round(GAP_SECONDS * 16000))
    assert call.frames == chime + gap + zh + gap + en
    # The same measured with sox from the WAV file: the chime, two gaps and the clips' lengths.
    expected = (len(chime) + len(zh) + len(en)) / 32000 + 2 * GAP_SECONDS
    assert call.seconds == pytest.approx(expected, abs=1e-3)
    assert 1.1 <= len(chime) / 32000 <= 1.11 and len(zh) / 32000 > 2 and len(en) / 32000 > 2
    done = announcer.done[-1]
    assert done.speech["en"] - done.speech["zh"] == pytest.approx(len(zh) / 32000 + GAP_SECONDS)
    assert announcer.problems == {}


def test_the_speech_engine_says_the_sentence_of_a_call_the_pack_lacks_a_clip_for(
    announcers: object, caplog: pytest.LogCaptureFixture
) -> None:
    player = RecordingPlayer()
    announcer = announcers(player, Announce(voice_packs=PACKS))
    with caplog.at_level(logging.WARNING, logger="hallcall.display.announcer"):
        announcer.announce("A001", 99)  # the demo packs have counters 1-12
        assert announcer.wait_idle(30)
    assert [p.kind for p in player.played] == ["chime", "speech:zh", "speech:en"]
    for speech in player.played[1:]:
        rms, loud = measure(speech)
        assert speech.rate == 22050 and 2.0 <= speech.seconds <= 10.0 and rms > 1000 and loud > 1.0, speech.kind
    said = [r.getMessage() for r in caplog.records]
    assert "voice pack demo-zh (zh) has no clip for counter 99: A001 is spoken by the speech engine" in said
    assert announcer.problems == {}  # a missing clip is check-config's to name, not a fault

    # A pack for one language only: that one from clips, the other from the engine.
    announcer.configure(Announce(voice_packs=Names(zh="demo-zh", en="")))
    announcer.announce("A001", 3)
    assert announcer.wait_idle(30)
    chime, zh, en = player.played[3:]
    assert (chime.kind, zh.kind, en.kind) == ("chime", "speech:zh", "speech:en")
    assert zh.rate == 16000 and zh.frames == clip_files(VOICES / "demo-zh", ZH_A001_3)
    rms, loud = measure(en)
    assert en.rate == 22050 and rms > 1000 and loud > 1.0


def broken_copy(tmp_path: Path) -> Path:
    """The demo zh pack with one clip unreadable, one missing and one of another format."""
    folder = tmp_path / "broken-zh"
    shutil.copytree(VOICES / "demo-zh", folder)
    (folder / "char-A.wav").write_text("not a wav")
    (folder / "counter-3.wav").unlink()
    with wave.open(str(folder / "say-1.wav"), "rb") as w:
        mono = w.readframes(w.getnframes())
    with wave.open(str(folder / "say-1.wav"), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(22050)
        w.writeframes(b"".join(mono[i : i + 2] * 2 for i in range(0, len(mono), 2)))
    return folder


def test_a_broken_pack_is_refused_naming_each_clip_and_the_engine_speaks_instead(
    announcers: object, tmp_path: Path
) -> None:
    folder = broken_copy(tmp_path)
    problems = check(folder)
    assert problems == [
        "say '请' (say-1.wav): 22050 Hz 16-bit stereo, but the pack's clips are 16-bit mono at 16000 Hz",
        "characters 'A' (char-A.wav): not a PCM WAV file (file does not start with RIFF id)",
        "counters '3' (counter-3.wav): the file is missing",
    ]
    with pytest.raises(VoicePackError, match=r"char-A\.wav.*counter-3\.wav"):
        VoicePack.load(folder)
    player = RecordingPlayer()
    statuses: list[dict[str, str]] = []
    settings = Announce(languages=["zh"], voice_packs=Names(zh=str(folder), en=""))
    announcer = announcers(player, settings, on_status=statuses.append)
    announcer.announce("A001", 3)
    assert announcer.wait_idle(30)
    assert [p.kind for p in player.played] == ["chime", "speech:zh"]
    rms, loud = measure(player.played[1])
    assert player.played[1].rate == 22050 and rms > 1000 and loud > 1.0
    assert "counters '3' (counter-3.wav): the file is missing" in announcer.problems["voice"]
    assert statuses[-1] == announcer.problems


@pytest.mark.parametrize(
    ("manifest", "problem"),
    [
        (None, "there is no manifest"),
        ('language = "zh"\nsample_rate = 16000\n[say]\n"请" = 3\n', "Expected `str`, got `int` - at `$.say[...]`"),
        ('language = "fr"\nsample_rate = 16000\n', "Invalid enum value 'fr' - at `$.language`"),
        ('language = "zh"\nsample_rate = 16001\n[counters]\n"x" = "a.wav"\n', "sample_rate 16001 is not one of"),
        ('language = "zh"\nsample_rate = 16000\n[counters]\n"x" = "a.wav"\n', "a counter key is a counter number"),
        ('language = "zh"\nsample_rate = 16000\n[say]\n"请" = "../a.wav"\n', "a file inside the pack's folder"),
        ('language = "zh"\nsample_rate = 16000\n', "lists no clips"),
        ("language = zh", "not valid TOML"),
    ],
)
def test_a_manifest_that_cannot_be_used_is_named(tmp_path: Path, manifest: str | None, problem: str) -> None:
    if manifest is not None:
        (tmp_path / "pack.toml").write_text(manifest, encoding="utf-8")
    found = "; ".join(check(tmp_path))
    assert problem in found, found
    assert check(tmp_path / "nowhere") == [f"there is no folder {tmp_path / 'nowhere'}"]


def test_resampling_keeps_the_length_and_the_pitch() -> None:
    tone = array("h", (round(10000 * math.sin(2 * math.pi * 440 * i / 22050)) for i in range(22050)))
    down = array("h", resample(tone.tobytes(), 22050, 16000))
    assert len(down) == 16000
    crossings = sum(1 for a, b in itertools.pairwise(down) if a < 0 <= b)
    assert abs(crossings - 440) <= 1
    assert 9000 <= max(down) <= 10500  # passed, not filtered out


def test_the_shipped_demo_packs_check_and_cover_the_test_hall() -> None:
    for lang in ("zh", "en"):
        done = hallcall("voice-pack", "check", f"demo-{lang}", "--config", str(TEST_HALL))
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"OK — {lang}, 16000 Hz 16-bit mono" in done.stdout
    size = sum(p.stat().st_size for p in VOICES.rglob("*") if p.is_file())
    assert size < 1_200_000  # small enough to ship in the wheel (docs/voice-packs.md says the size)


def test_check_config_names_what_the_configured_packs_lack(tmp_path: Path) -> None:
    text = TEST_HALL.read_text(encoding="utf-8")
    good = tmp_path / "good.toml"
    good.write_text(
        text.replace("[server]", '[announce]\nvoice_packs = { zh = "demo-zh", en = "demo-en" }\n\n[server]')
    )
    done = hallcall("check-config", str(good), "--skip-voices")
    assert done.returncode == 0 and ": OK — " in done.stdout, done.stdout + done.stderr

    bad = tmp_path / "bad.toml"
    bad_text = text.replace('prefix = "C"', 'prefix = "Z"').replace("number = 4", "number = 13")
    packs = f'[announce]\nvoice_packs = {{ zh = "{broken_copy(tmp_path)}", en = "demo-en" }}\n\n[server]'
    bad.write_text(bad_text.replace("[server]", packs))
    done = hallcall("check-config", str(bad), "--skip-voices")
    assert done.returncode == 1
    assert (
        "announce.voice_packs.zh" in done.stderr and "counters '3' (counter-3.wav): the file is missing" in done.stderr
    )
    assert "announce.voice_packs.en 'demo-en'" in done.stderr
    assert "has no clip for: character 'Z', counter 13" in done.stderr

    wrong = tmp_path / "wrong.toml"
    wrong.write_text(text.replace("[server]", '[announce]\nvoice_packs = { zh = "demo-en", en = "" }\n\n[server]'))
    done = hallcall("check-config", str(wrong), "--skip-voices")
    assert done.returncode == 1 and "the pack's language is 'en', not 'zh'" in done.stderr


def test_voice_pack_make_synthesises_trims_and_levels_a_pack_that_announces(tmp_path: Path, announcers: object) -> None:
    out = tmp_path / "mine-en"
    done = hallcall("voice-pack", "make", "--lang", "en", "--out", str(out), "--counters", "1-2", "--letters", "AB")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "en, 16000 Hz 16-bit mono, 2 phrases, 12 characters, 2 counters" in done.stdout
    assert check(out) == []
    pack = VoicePack.load(out)
    for frames in [*pack.characters.values(), *pack.counters.values()]:
        values = array("h", frames)
        voiced, peak = _voiced_rms(values), max(abs(x) for x in values)
        edge = round(0.02 * 16000)  # trimmed: the first and last 20 ms are the quiet pad kept
        assert _rms(values[:edge]) < 0.1 * voiced and _rms(values[-edge:]) < 0.1 * voiced
        assert 0.15 < len(values) / 16000 < 1.5
        # Levelled: the voiced part at -18 dBFS, unless that would push the peaks over -1 dBFS.
        assert abs(voiced - 4096) < 400 or abs(peak - 29160) < 1500, (voiced, peak)
    again = hallcall("voice-pack", "make", "--lang", "en", "--out", str(out))
    assert again.returncode == 1 and "is not empty" in again.stderr

    player = RecordingPlayer()
    announcer = announcers(player, Announce(languages=["en"], voice_packs=Names(zh="", en=str(out))))
    announcer.announce("B100", 2)
    assert announcer.wait_idle(30)
    (call,) = player.played
    assert call.kind == "call" and call.frames.endswith(pack.frames(tokens_for_call(Announce().phrase.en, "B100", 2)))


def _rms(values: array[int]) -> float:
    return math.sqrt(sum(x * x for x in values) / len(values))


def _voiced_rms(values: array[int]) -> float:
    """The RMS of the 10 ms windows louder than 5 % of the loudest one (as the make command)."""
    windows = [_rms(values[i : i + 160]) for i in range(0, len(values) - 159, 160)]
    voiced = [r for r in windows if r >= 0.05 * max(windows)]
    return math.sqrt(sum(r * r for r in voiced) / len(voiced))
