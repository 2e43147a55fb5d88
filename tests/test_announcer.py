"""The announcer: real speech (pyttsx3 + espeak-ng in a worker process) measured from the samples,
order under a burst, and speech engines that hang, crash or are missing.

Only the sound card is replaced (``RecordingPlayer`` keeps each WAV's samples); a hanging or
missing engine is a small fake worker process, the hardware boundary of speech.
"""

from __future__ import annotations

import logging
import math
import sys
import time
from array import array
from pathlib import Path

import psutil
import pytest
from conftest import config_with
from test_views_support import typed_hall

from hallcall.config import Announce, Names
from hallcall.display.announcer import Announcer, chime_path
from hallcall.display.phrases import phrase, phrases_for_call, spell_number
from hallcall.display.playback import Played, ProcessPlayer, RecordingPlayer

pytestmark = pytest.mark.timeout(60)

WINDOW_S = 0.02
SILENCE_RMS = 300  # of 32768: espeak's pauses are near 0, its voiced sounds thousands


def measure(sound: Played) -> tuple[float, float]:
    """(RMS of the whole sound, seconds of 20 ms windows louder than silence), from the samples."""
    assert (sound.width, sound.channels) == (2, 1), "espeak and the chime are 16-bit mono"
    samples = array("h", sound.frames)
    assert samples, f"{sound.kind} is empty"
    rms = math.sqrt(sum(x * x for x in samples) / len(samples))
    step = int(sound.rate * WINDOW_S)
    loud = 0
    for i in range(0, len(samples), step):
        window = samples[i : i + step]
        if math.sqrt(sum(x * x for x in window) / len(window)) > SILENCE_RMS:
            loud += 1
    return rms, loud * WINDOW_S


def hanging_worker(tmp_path: Path, *, ready: bool = True) -> list[str]:
    """A fake speech worker that says it is ready (or not even that), then never answers."""
    script = tmp_path / "hang.py"
    greeting = 'print(json.dumps({"ready": True}), flush=True)\n' if ready else ""
    script.write_text("import json, sys, time\n" + greeting + "sys.stdin.readline()\ntime.sleep(3600)\n")
    return [sys.executable, str(script)]


def running_children(marker: str) -> list[psutil.Process]:
    """Child processes of this test whose command line contains ``marker``, still running."""
    found = []
    for p in psutil.Process().children(recursive=True):
        try:
            if p.status() != psutil.STATUS_ZOMBIE and marker in " ".join(p.cmdline()):
                found.append(p)
        except psutil.NoSuchProcess:  # ended while we looked: not running
            pass
    return found


def test_numbers_are_spelt_digit_by_digit_and_counters_read_as_numbers() -> None:
    assert spell_number("A001", "zh") == "A 零 零 一"
    assert spell_number("a001", "en") == "A, zero, zero, one"
    assert spell_number("GA012", "zh") == "G A 零 一 二"
    assert phrases_for_call("B012", 12, ["zh", "en"], Announce().phrase) == [
        ("zh", "请B 零 一 二号到12号窗口办理"),
        ("en", "Ticket B, zero, one, two, please go to counter 12"),
    ]
    # A language without a phrase is skipped rather than spoken in the wrong tongue.
    assert phrases_for_call("A001", 3, ["en", "fr", "zh"], Names(zh="{number}号请到{counter}号", en="")) == [
        ("zh", "A 零 零 一号请到3号")
    ]
    with pytest.raises(ValueError, match=r"\{window\}"):
        phrase("请{number}号到{window}号窗口", "A001", 3, "zh")


def test_settings_are_the_halls_announce_section_as_the_server_sends_it(tmp_path: Path) -> None:
    section = """[announce]
languages = ["en"]
repeats = 2
rate = 170
volume = 0.5
chime = "/tmp/x.wav"
voices = { zh = "cmn-latn-pinyin", en = "en-us" }
speech_timeout_seconds = 3
phrase = { zh = "请{number}号到{counter}号窗口办理", en = "Number {number}, desk {counter}" }

[server]"""
    s = typed_hall(config_with(tmp_path, "[server]", section)).announce
    assert (s.languages, s.repeats, s.rate, s.volume, s.speech_timeout_seconds) == (["en"], 2, 170, 0.5, 3.0)
    assert chime_path(s.chime) == Path("/tmp/x.wav") and s.voices == Names(zh="cmn-latn-pinyin", en="en-us")
    assert s.phrase.en == "Number {number}, desk {counter}"
    # A hall that says nothing gets the config's defaults, filled in by the server.
    assert typed_hall(config_with(tmp_path, "[server]", "[server]")).announce == Announce()
    assert chime_path(Announce().chime).is_file() and chime_path("") == chime_path("chime.wav")


def test_a_call_is_a_chime_then_real_chinese_and_english_speech(announcers: object) -> None:
    player = RecordingPlayer()
    statuses: list[dict[str, str]] = []
    announcer = announcers(player, on_status=statuses.append)
    announcer.announce("A001", 3)
    played = player.wait_for(3, timeout=20)
    assert [p.kind for p in played] == ["chime", "speech:zh", "speech:en"]
    chime, zh, en = played
    rms, loud = measure(chime)
    assert 1.0 <= chime.seconds <= 1.3 and rms > 2000 and loud > 0.8
    for speech in (zh, en):
        rms, loud = measure(speech)
        # "请A 零 零 一号到3号窗口办理" / "Ticket A, zero, zero, one, please go to counter 3" at
        # 150 words a minute: a few seconds of voice, with pauses between the spelt digits.
        assert 2.0 <= speech.seconds <= 10.0, (speech.kind, speech.seconds)
        assert 1.5 <= loud < speech.seconds, (speech.kind, loud)
        assert rms > 800, (speech.kind, rms)
    assert zh.frames != en.frames
    assert statuses[-1] == {}  # no problem was reported
    assert announcer.wait_idle(5)
    assert not list(announcer._tmp.iterdir())  # every synthesised WAV was removed after playing


def test_repeats_languages_and_switching_off_follow_the_settings(announcers: object) -> None:
    player = RecordingPlayer()
    announcer = announcers(player, Announce(languages=["en"], repeats=2))
    announcer.announce("C007", 2)
    assert announcer.wait_idle(20)
    assert [p.kind for p in player.played] == ["chime", "speech:en", "speech:en"]
    announcer.configure(Announce(enabled=False))
    announcer.announce("C008", 2)
    assert announcer.wait_idle(5)
    assert len(player.played) == 3


def test_a_burst_of_ten_calls_is_announced_in_order_without_overlap(announcers: object) -> None:
    player = RecordingPlayer()
    announcer = announcers(player)
    numbers = [f"A{n:03d}" for n in range(1, 11)]
    for i, number in enumerate(numbers):
        announcer.announce(number, i % 4 + 1)
    assert announcer.wait_idle(45)
    assert [a.number for a in announcer.done] == numbers
    assert [p.kind for p in player.played] == ["chime", "speech:zh", "speech:en"] * 10
    for before, after in zip(player.played, player.played[1:], strict=False):
        assert after.started >= before.ended  # one sound at a time
    for announced in announcer.done:
        assert announced.chime is not None and announced.chime <= announced.speech["zh"] <= announced.speech["en"]


def test_a_hanging_engine_is_killed_and_the_queue_goes_on_with_chimes(announcers: object, tmp_path: Path) -> None:
    command = hanging_worker(tmp_path)
    player = RecordingPlayer()
    statuses: list[dict[str, str]] = []
    announcer = announcers(
        player, Announce(speech_timeout_seconds=1.0), worker_command=command, on_status=statuses.append
    )
    start = time.monotonic()
    for number in ("A001", "A002", "A003"):
        announcer.announce(number, 1)
    assert announcer.wait_idle(10)
    took = time.monotonic() - start
    assert [p.kind for p in player.played] == ["chime", "chime", "chime"]
    assert took < 3.0, f"the queue waited {took:.1f} s behind a hung engine"
    assert "did not answer" in announcer.problems["speech"]
    assert any("speech" in s for s in statuses)
    assert running_children(command[1]) == []  # killed, not left hanging


def test_a_killed_engine_is_tried_again_later_and_speech_comes_back(announcers: object, tmp_path: Path) -> None:
    flag = tmp_path / "hung-once"
    script = tmp_path / "flaky.py"
    script.write_text(
        "import json, os, pathlib, sys, time\n"
        f"flag = pathlib.Path({str(flag)!r})\n"
        "if not flag.exists():\n"
        "    flag.touch()\n"
        '    print(json.dumps({"ready": True}), flush=True)\n'
        "    sys.stdin.readline()\n"
        "    time.sleep(3600)\n"
        'os.execv(sys.executable, [sys.executable, "-m", "hallcall.display.speech_worker"])\n'
    )
    player = RecordingPlayer()
    statuses: list[dict[str, str]] = []
    announcer = announcers(
        player,
        Announce(speech_timeout_seconds=1.0, languages=["en"]),
        worker_command=[sys.executable, str(script)],
        on_status=statuses.append,
        retry_seconds=0.5,
    )
    announcer.announce("A001", 1)
    assert announcer.wait_idle(10)
    assert "speech" in announcer.problems
    time.sleep(0.6)
    announcer.announce("A002", 1)
    assert announcer.wait_idle(15)
    assert [p.kind for p in player.played] == ["chime", "chime", "speech:en"]
    assert announcer.problems == {} and statuses[-1] == {}


@pytest.mark.parametrize(
    "case",
    ["never ready", "no engine", "crashes"],
)
def test_a_missing_or_broken_engine_means_chime_only_and_a_warning(
    announcers: object, tmp_path: Path, case: str
) -> None:
    if case == "never ready":
        command = hanging_worker(tmp_path, ready=False)
    elif case == "no engine":
        command = [sys.executable, "-c", 'print(\'{"ready": false, "error": "OSError: libespeak-ng.so.1"}\')']
    else:
        command = [sys.executable, "-c", "import sys; sys.exit(3)"]
    player = RecordingPlayer()
    announcer = announcers(player, Announce(speech_timeout_seconds=1.0), worker_command=command)
    announcer.announce("A001", 1)
    assert announcer.wait_idle(10)
    assert [p.kind for p in player.played] == ["chime"]
    problem = announcer.problems["speech"]
    expected = {"never ready": "did not answer", "no engine": "libespeak-ng", "crashes": "ended"}[case]
    assert expected in problem, problem


CHIME = chime_path(Announce().chime)


def fake_player(tmp_path: Path, body: str) -> list[str]:
    """A stand-in for aplay at the sound-device boundary: a script run with the WAV's path."""
    script = tmp_path / "fake_aplay.py"
    script.write_text("import pathlib, sys, time\n" + body)
    return [sys.executable, str(script)]


def test_no_sound_device_is_logged_once_reported_and_recovers(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    flag = tmp_path / "card-plugged-in"
    command = fake_player(
        tmp_path,
        f"if not pathlib.Path({str(flag)!r}).exists():\n"
        "    sys.stderr.write('ALSA lib pcm.c: Unknown PCM default\\n')\n"
        "    sys.stderr.write('aplay: main:831: audio open error: No such file\\n')\n"
        "    sys.exit(1)\n",
    )
    player = ProcessPlayer(command)
    with caplog.at_level(logging.WARNING, logger="hallcall.display.playback"):
        player.play(CHIME, "chime")
        player.play(CHIME, "chime")
    # The last line of ALSA's many names the failure.
    assert (player.silent_reason or "").endswith(" failed: aplay: main:831: audio open error: No such file")
    assert len([r for r in caplog.records if "sound is off" in r.getMessage()]) == 1
    flag.touch()
    player.play(CHIME, "chime")
    assert player.silent_reason is None


def test_a_player_that_hangs_is_cut_off_after_the_sound_s_length(tmp_path: Path) -> None:
    player = ProcessPlayer(fake_player(tmp_path, "time.sleep(60)\n"), margin=0.3)
    start = time.monotonic()
    player.play(CHIME, "chime")
    took = time.monotonic() - start
    assert 1.3 <= took < 3.0, took  # the chime's 1.1 s plus the margin, not a minute
    assert "did not finish chime" in (player.silent_reason or "")


def test_no_player_installed_means_silence_with_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    player = ProcessPlayer()
    assert player.command is None and "no WAV player found" in (player.silent_reason or "")
    player.play(CHIME, "chime")  # nothing to do, and no error


def test_the_announcer_reports_a_silent_player_as_a_sound_problem(announcers: object, tmp_path: Path) -> None:
    command = fake_player(tmp_path, "sys.stderr.write('no soundcards found\\n'); sys.exit(1)\n")
    statuses: list[dict[str, str]] = []
    announcer = announcers(ProcessPlayer(command), Announce(languages=["en"]), on_status=statuses.append)
    announcer.announce("A001", 1)
    assert announcer.wait_idle(20)
    assert announcer.problems["sound"].endswith(" failed: no soundcards found")
    assert "speech" not in announcer.problems
    assert statuses[-1] == announcer.problems
    assert announcer.done[-1].speech  # speech was made and handed to the player all the same


def test_a_chime_file_that_cannot_be_read_is_reported_and_the_built_in_one_plays(
    announcers: object, tmp_path: Path
) -> None:
    broken = tmp_path / "ding.wav"
    broken.write_text("not a wav")
    player = RecordingPlayer()
    statuses: list[dict[str, str]] = []
    for chime in (tmp_path / "no-such-chime.wav", broken):
        announcer = announcers(player, Announce(chime=str(chime), languages=["en"]), on_status=statuses.append)
        announcer.announce("A001", 1)
        assert announcer.wait_idle(20)
        chime_played, speech_played = player.played[-2:]
        assert (chime_played.kind, chime_played.path, speech_played.kind) == ("chime", CHIME, "speech:en")
        assert str(chime) in announcer.problems["chime"] and statuses[-1] == announcer.problems
    announcer.configure(Announce(languages=["en"]))  # the config is fixed
    announcer.announce("A002", 1)
    assert announcer.wait_idle(20)
    assert announcer.problems == {} and statuses[-1] == {}


def test_a_voice_that_is_not_installed_is_reported_and_the_other_language_still_spoken(
    announcers: object,
) -> None:
    player = RecordingPlayer()
    settings = Announce(voices=Names(zh="cmn-latn-pinyin", en="no-such-voice"))
    announcer = announcers(player, settings)
    announcer.announce("A001", 3)
    assert announcer.wait_idle(20)
    assert [p.kind for p in player.played] == ["chime", "speech:zh"]
    assert announcer.problems["speech"] == "en: LookupError: voice 'no-such-voice' is not installed"
    announcer.configure(Announce())  # the config is fixed: the warning goes away
    announcer.announce("A002", 3)
    assert announcer.wait_idle(20)
    assert [p.kind for p in player.played[2:]] == ["chime", "speech:zh", "speech:en"]
    assert announcer.problems == {}


def test_stopping_ends_the_speech_process_even_while_it_starts() -> None:
    for _ in range(3):
        announcer = Announcer(RecordingPlayer())
        announcer.start()
        announcer.stop()  # at once, while the worker may still be starting
    announcer = Announcer(RecordingPlayer())
    announcer.start()
    announcer.announce("A001", 1)
    announcer.stop()  # while it speaks
    assert running_children("hallcall.display.speech_worker") == []
