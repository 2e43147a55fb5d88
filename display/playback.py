"""Playing the chime and the synthesised speech.

PySide6-Essentials has no QtMultimedia, so a WAV is played by a short-lived ``aplay -q`` (ALSA)
or sox ``play -q`` process, run from the announcer's own thread, never the Qt thread.  Each
play is bounded by the file's length plus a margin, so a stuck sound device cannot stall the
announcement queue.  A display without a sound device logs that once and keeps showing calls.

A player is anything with ``play(path, kind) -> None`` that returns when the sound is over; the
tests and the latency bench use ``RecordingPlayer`` at this boundary while synthesis stays real.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import threading
import time
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

log = logging.getLogger("hallcall.display.playback")

PLAY_MARGIN_SECONDS = 3.0


class Player(Protocol):
    def play(self, path: Path, kind: str) -> None:
        """Play one WAV file to the end; ``kind`` is "chime" or "speech:<lang>" (for records)."""


def wav_seconds(path: Path) -> float:
    """The length of a WAV file in seconds (0 when it cannot be read)."""
    try:
        with wave.open(str(path), "rb") as w:
            return w.getnframes() / float(w.getframerate() or 1)
    except (OSError, EOFError, wave.Error):
        return 0.0


def find_command() -> list[str] | None:
    """The command line prefix of an installed WAV player: aplay first, then sox's play."""
    if aplay := shutil.which("aplay"):
        return [aplay, "-q"]
    if play := shutil.which("play"):
        return [play, "-q"]
    return None


class ProcessPlayer:
    """Plays through aplay/play; says once in the log when there is no way to make a sound."""

    def __init__(self, command: list[str] | None = None, margin: float = PLAY_MARGIN_SECONDS) -> None:
        self.command = command if command is not None else find_command()
        self.margin = margin
        self.silent_reason: str | None = None
        if self.command is None:
            self._silence("no WAV player found (install alsa-utils for aplay, or sox)")

    def _silence(self, reason: str) -> None:
        if self.silent_reason is None:
            log.warning("sound is off: %s; the screen still shows every call", reason)
        self.silent_reason = reason

    def play(self, path: Path, kind: str) -> None:
        if self.command is None:
            return
        timeout = wav_seconds(path) + self.margin
        try:
            done = subprocess.run(
                [*self.command, str(path)], capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            self._silence(f"{self.command[0]} did not finish {kind} within {timeout:.1f} s")
            return
        except OSError as exc:
            self._silence(f"{self.command[0]} cannot run: {exc}")
            return
        if done.returncode != 0:
            # ALSA explains itself over many lines; the last one names the failure.
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            self._silence(f"{Path(self.command[0]).name} failed: {lines[-1] if lines else done.returncode}")
        elif self.silent_reason is not None:
            log.info("sound works again")
            self.silent_reason = None


class WinSoundPlayer:
    """Plays through Windows' own ``winsound`` (no aplay or sox there).  ``PlaySound`` blocks
    until the sound is over and cannot be bounded by a timeout; a sound device that hangs is
    rare on Windows, and the announcer's queue waits for it as it waits for aplay."""

    def __init__(self) -> None:
        import winsound  # type: ignore[import-not-found,unused-ignore]  # Windows only

        self._winsound = winsound
        self.silent_reason: str | None = None

    def play(self, path: Path, kind: str) -> None:
        try:
            self._winsound.PlaySound(str(path), self._winsound.SND_FILENAME | self._winsound.SND_NODEFAULT)
        except RuntimeError as exc:  # no sound device, or a file it cannot play
            if self.silent_reason is None:
                log.warning("sound is off: %s; the screen still shows every call", exc)
            self.silent_reason = str(exc)
        else:
            self.silent_reason = None


def default_player() -> Player:
    """aplay or sox's play where there is one; Windows' own player on Windows without them."""
    if sys.platform == "win32" and find_command() is None:
        return WinSoundPlayer()
    return ProcessPlayer()


@dataclass
class Played:
    """One sound as the recording player received it: when, what, and the samples themselves."""

    started: float  # time.monotonic() when play() was entered, i.e. when aplay would start
    ended: float  # when play() returned
    kind: str
    path: Path
    frames: bytes
    rate: int
    width: int
    channels: int

    @property
    def seconds(self) -> float:
        return len(self.frames) / float(self.rate * self.width * self.channels)


class RecordingPlayer:
    """Records each sound (time, kind, samples) instead of sending it to a sound card.

    ``realtime=True`` waits the sound's length, as a real player would, so that queueing and
    latency behave as in a hall.
    """

    def __init__(self, realtime: bool = False) -> None:
        self.realtime = realtime
        self.played: list[Played] = []
        self.changed = threading.Condition()

    def play(self, path: Path, kind: str) -> None:
        started = time.monotonic()
        with wave.open(str(path), "rb") as w:
            params = w.getparams()
            frames = w.readframes(params.nframes)
        record = Played(started, started, kind, path, frames, params.framerate, params.sampwidth, params.nchannels)
        if self.realtime:
            time.sleep(record.seconds)
        record.ended = time.monotonic()
        with self.changed:
            self.played.append(record)
            self.changed.notify_all()

    def wait_for(self, count: int, timeout: float) -> list[Played]:
        """Block until at least ``count`` sounds were played (or the timeout); returns them all."""
        with self.changed:
            self.changed.wait_for(lambda: len(self.played) >= count, timeout)
            return list(self.played)


class FilePlayer:
    """Writes what it is given to play into a folder instead of a sound card: the headless demo
    keeps the chime once and the first ``keep`` spoken phrases as WAV files.

    The announcer names its speech files ``NUMBER-LANG-….wav``, so a kept phrase is saved as
    ``NUMBER-LANG.wav`` (e.g. ``S005-zh.wav``).
    """

    def __init__(self, folder: Path, keep: int) -> None:
        self.folder = folder
        self.keep = keep
        self.saved: list[Path] = []
        folder.mkdir(parents=True, exist_ok=True)

    @property
    def full(self) -> bool:
        return len(self.saved) >= self.keep

    def play(self, path: Path, kind: str) -> None:
        if kind == "chime":
            target = self.folder / "chime.wav"
            if target.exists():
                return
        elif self.full:
            return
        else:
            target = self.folder / f"{'-'.join(path.stem.split('-')[:2])}.wav"
            if target.exists():
                return  # a recall says the same words again
        shutil.copyfile(path, target)
        if kind != "chime":
            self.saved.append(target)
