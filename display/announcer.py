"""The announcement queue: chime, then the phrase in each language, one call at a time.

Calls are queued and announced strictly in order by one thread, so two announcements never
overlap and a burst of calls loses none.  Speech is made by a separate process
(display/speech_worker.py) watched by a timeout: an engine that hangs is killed, the display
says "chime only" and tries a fresh engine again later.  Nothing here touches Qt; the display
hears about problems through the ``on_status`` callback (called from the announcer thread).

What to say and how (languages, phrases, voices, rate, chime …) is the hall's ``[announce]``
section as the snapshot carries it, a ``hallcall.config.Announce`` with the config's defaults
filled in by the server: the announcer keeps no defaults of its own.

For the best latency the speech for a call is requested first, then the chime plays while the
worker synthesises, and the speech plays as soon as the chime is over.  A language with a
recorded voice pack (``announce.voice_packs``, display/voice_pack.py) needs no synthesis: its
clips are joined at once, and when every language has one the chime and the speech are one WAV.
"""

from __future__ import annotations

import collections
import contextlib
import json
import logging
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hallcall.assets import SOUNDS
from hallcall.config import Announce

from .phrases import phrases_for_call, template_in, tokens_for_call
from .playback import Player, wav_seconds
from .voice_pack import MissingClips, VoicePack, VoicePackError, join, pack_folder, read_mono, write_wav

log = logging.getLogger("hallcall.display.announcer")

BUILT_IN_CHIME = SOUNDS / "chime.wav"
WORKER_COMMAND = [sys.executable, "-m", "hallcall.display.speech_worker"]
RETRY_SECONDS = 60.0
PREPARE = "prepare"  # queued by configure(): load the voice packs before the next call comes


def chime_path(chime: str) -> Path:
    """The file ``announce.chime`` names: an absolute path, or a file in assets/sounds/."""
    if not chime:
        return BUILT_IN_CHIME
    path = Path(chime)
    return path if path.is_absolute() else SOUNDS / path


@dataclass
class Announced:
    """When one call was queued, when its chime started, when each language's WAV was ready and
    when its speech started (time.monotonic()); the latency bench and the tests read these."""

    number: str
    counter: int
    queued: float
    chime: float | None = None
    ready: dict[str, float] = field(default_factory=dict)
    speech: dict[str, float] = field(default_factory=dict)


class SpeechUnavailable(Exception):
    """The speech process is missing, broken or too slow; the reason is the message."""


class SpeechProcess:
    """One running speech worker and the replies it has sent (read by a thread of its own)."""

    def __init__(self, command: list[str], timeout: float) -> None:
        self._ids = 0
        self._replies: queue.Queue[dict[str, Any] | None] = queue.Queue()
        try:
            self.proc = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                bufsize=1,
            )
        except OSError as exc:
            raise SpeechUnavailable(f"cannot start the speech process: {exc}") from exc
        threading.Thread(target=self._read, name="speech-replies", daemon=True).start()
        ready = self._next(time.monotonic() + timeout)
        if not ready.get("ready"):
            self.kill()
            raise SpeechUnavailable(f"no speech engine: {ready.get('error', 'unknown error')}")

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                reply = json.loads(line)
                reply["received"] = time.monotonic()  # when synthesis ended, for the bench
                self._replies.put(reply)
            except json.JSONDecodeError:
                log.warning("speech process wrote something that is not JSON: %r", line[:200])
        self._replies.put(None)

    def _next(self, deadline: float) -> dict[str, Any]:
        try:
            reply = self._replies.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            self.kill()
            raise SpeechUnavailable("the speech engine did not answer in time (killed)") from None
        if reply is None:
            self.kill()
            raise SpeechUnavailable(f"the speech process ended (exit code {self.proc.returncode})")
        return reply

    def submit(self, text: str, voice: str, rate: int, volume: float, path: Path) -> int:
        """Ask for one utterance; the answer is collected with ``result``."""
        self._ids += 1
        request = {"id": self._ids, "text": text, "voice": voice, "rate": rate, "volume": volume, "path": str(path)}
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps(request, ensure_ascii=False) + "\n")
            self.proc.stdin.flush()
        except OSError as exc:
            self.kill()
            raise SpeechUnavailable(f"the speech process is gone: {exc}") from exc
        return self._ids

    def result(self, request_id: int, deadline: float) -> tuple[str | None, float]:
        """Wait for a request's answer: (None when the WAV is written, else the engine's error;
        when the answer came).  Raises SpeechUnavailable when there is none by ``deadline``.
        """
        while True:
            reply = self._next(deadline)
            if reply.get("id") == request_id:
                return (None if reply.get("ok") else str(reply.get("error"))), float(reply["received"])

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(5)
        for pipe in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError):
                if pipe is not None:
                    pipe.close()


class Announcer:
    """Announces calls one after another in a thread of its own.

    ``on_status(problems)`` is called (from the announcer thread) whenever the set of problems
    changes: ``{"speech": reason}`` while speech is unavailable (chime only), ``{"sound":
    reason}`` while the player cannot make a sound, ``{"chime": reason}`` while the configured
    chime cannot be read (the built-in one plays), ``{"voice": reason}`` while a configured voice
    pack cannot be used (the speech engine says that language); ``{}`` when all is well.
    """

    def __init__(
        self,
        player: Player,
        settings: Announce | None = None,
        *,
        worker_command: list[str] | None = None,
        on_status: Callable[[dict[str, str]], None] | None = None,
        retry_seconds: float = RETRY_SECONDS,
    ) -> None:
        self.player = player
        self.settings = settings if settings is not None else Announce()
        self.worker_command = worker_command or WORKER_COMMAND
        self.on_status = on_status
        self.retry_seconds = retry_seconds
        self.done: collections.deque[Announced] = collections.deque(maxlen=200)
        self._queue: queue.Queue[Announced | str | None] = queue.Queue()
        self._speech: SpeechProcess | None = None
        self._retry_at = 0.0
        self._problems: dict[str, str] = {}
        self._packs: dict[str, VoicePack | str] = {}  # configured name → pack, or why it cannot be used
        self._missing_logged: set[tuple[str, str]] = set()
        self._tmp = Path(tempfile.mkdtemp(prefix="hallcall-speech-"))
        self._reported: dict[str, str] | None = None
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="announcer", daemon=True)
        self._unfinished = 0
        self._idle = threading.Condition()

    @property
    def problems(self) -> dict[str, str]:
        return dict(self._problems)

    def start(self) -> None:
        self._thread.start()

    def configure(self, settings: Announce) -> None:
        """New settings (from a fresh snapshot); they apply from the next announcement on, voice
        packs read again from disk."""
        self.settings = settings
        self._packs = {}
        self._queue.put(PREPARE)  # the thread loads the new packs now, not at the next call

    def announce(self, number: str, counter: int) -> None:
        """Queue a call; returns at once (safe from any thread)."""
        with self._idle:
            self._unfinished += 1
        self._queue.put(Announced(number, counter, time.monotonic()))

    def wait_idle(self, timeout: float) -> bool:
        """Block until every queued call has been announced (tests, bench, clean exit)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._unfinished == 0, timeout)

    def stop(self) -> None:
        """Drop what is queued, end the speech process, and wait for the sound playing now."""
        self._stopping = True
        with contextlib.suppress(queue.Empty):
            while True:
                self._queue.get_nowait()
        self._queue.put(None)
        speech = self._speech
        if speech is not None:
            speech.kill()  # a synthesis in progress ends at once
        if self._thread.is_alive():
            self._thread.join(30)
        if self._speech is not None:  # one started while we were stopping
            self._speech.kill()
        shutil.rmtree(self._tmp, ignore_errors=True)

    # --- the announcer thread -------------------------------------------------------------

    def _run(self) -> None:
        self._ensure_speech()
        if silent := getattr(self.player, "silent_reason", None):  # e.g. no WAV player installed
            self._problems["sound"] = silent  # known before any call: the first report says so
        self._report()
        while True:
            self._prepare()
            item = self._queue.get()
            if item is None:
                return
            if isinstance(item, str):  # PREPARE
                continue
            try:
                self._announce(item)
            except Exception:  # one bad call (a broken phrase, a vanished file) must not end the queue
                log.exception("announcing %s failed", item.number)
            self.done.append(item)
            self._report()
            with self._idle:
                self._unfinished -= 1
                self._idle.notify_all()

    def _ensure_speech(self) -> SpeechProcess | None:
        """The running speech process, starting one unless the last failure is too recent."""
        if self._speech is not None and self._speech.alive():
            return self._speech
        if self._speech is not None:
            self._drop_speech("the speech process ended")
            return None
        if time.monotonic() < self._retry_at:
            return None
        try:
            self._speech = SpeechProcess(self.worker_command, self.settings.speech_timeout_seconds)
        except SpeechUnavailable as exc:
            self._drop_speech(str(exc))
            return None
        if self._problems.pop("speech", None) is not None:
            log.info("speech is available again")
        return self._speech

    def _drop_speech(self, reason: str) -> None:
        if self._stopping:
            return
        if self._speech is not None:
            self._speech.kill()
        self._speech = None
        self._retry_at = time.monotonic() + self.retry_seconds
        message = "speech unavailable, chime only: %s (next try in %.0f s)"
        self._set_problem("speech", reason, message, self.retry_seconds)
        self._report()

    def _announce(self, item: Announced) -> None:
        s = self.settings
        if not s.enabled:
            return
        texts = phrases_for_call(item.number, item.counter, s.languages, s.phrase)
        recorded = self._recorded(item, texts)
        spoken = [(lang, text) for lang, text in texts if lang not in recorded]
        if texts and not spoken:
            self._announce_recorded(item, [(lang, recorded[lang]) for lang, _ in texts])
            return
        speech = self._ensure_speech() if spoken else None
        pending: list[tuple[str, Path, int]] = []
        if speech is not None:
            try:
                for lang, text in spoken:
                    path = self._tmp / f"{item.number}-{lang}-{time.monotonic_ns()}.wav"
                    pending.append((lang, path, speech.submit(text, s.voices.get(lang), s.rate, s.volume, path)))
            except SpeechUnavailable as exc:
                self._drop_speech(str(exc))
                pending = []
        sounds: dict[str, Path] = {}
        for lang, (frames, rate) in recorded.items():  # ready at once: written while nothing plays
            path = self._tmp / f"{item.number}-{lang}-{time.monotonic_ns()}.wav"
            write_wav(path, frames, rate)
            item.ready[lang] = time.monotonic()
            sounds[lang] = path
        chime = self._chime(chime_path(s.chime))
        item.chime = time.monotonic()
        self._play(chime, "chime")
        if pending and self._speech is not None:
            sounds.update(self._collect(item, pending))
        for _ in range(s.repeats):
            for lang, _ in texts:
                if lang in sounds:
                    item.speech.setdefault(lang, time.monotonic())
                    self._play(sounds[lang], f"speech:{lang}")
        for path in sounds.values():
            path.unlink(missing_ok=True)
        for _, path, _ in pending:
            path.unlink(missing_ok=True)

    def _collect(self, item: Announced, pending: list[tuple[str, Path, int]]) -> dict[str, Path]:
        """The speech engine's WAVs for ``pending`` as they come (the chime has played meanwhile)."""
        assert self._speech is not None
        deadline = time.monotonic() + self.settings.speech_timeout_seconds
        ready: dict[str, Path] = {}
        errors: list[str] = []
        try:
            for lang, path, request_id in pending:
                error, received = self._speech.result(request_id, deadline)
                if error is None:
                    item.ready[lang] = received
                    ready[lang] = path
                else:
                    errors.append(f"{lang}: {error}")
        except SpeechUnavailable as exc:
            self._drop_speech(str(exc))
        else:
            # The engine runs but cannot say everything (e.g. a voice that is not installed):
            # the other languages are spoken, and the screen says what is missing.
            if errors:
                self._set_problem("speech", "; ".join(errors), "speech incomplete: %s")
            else:
                self._problems.pop("speech", None)
        return ready

    # --- recorded voice packs --------------------------------------------------------------

    def _recorded(self, item: Announced, texts: list[tuple[str, str]]) -> dict[str, tuple[bytes, int]]:
        """(frames, rate) for each language a voice pack can say whole; the others are left to the
        speech engine.  A call the pack lacks a clip for is spoken by the engine in that language
        as a whole sentence (one voice per sentence is easier to follow than a robot word in a
        person's sentence); that is logged once per missing clip, and ``check-config`` names it."""
        s = self.settings
        out: dict[str, tuple[bytes, int]] = {}
        broken: list[str] = []
        for lang, _ in texts:
            name = s.voice_packs.get(lang)
            if not name:
                continue
            pack = self._pack(name, lang)
            if isinstance(pack, str):
                broken.append(pack)
                continue
            tokens = tokens_for_call(template_in(s.phrase, lang), item.number, item.counter)
            try:
                out[lang] = (pack.frames(tokens), pack.rate)
            except MissingClips as exc:
                new = [m for m in exc.missing if (name, m) not in self._missing_logged]
                if new:
                    log.warning(
                        "voice pack %s (%s) has no clip for %s: %s is spoken by the speech engine",
                        name,
                        lang,
                        ", ".join(new),
                        item.number,
                    )
                    self._missing_logged.update((name, m) for m in new)
        if broken:
            self._set_problem("voice", "; ".join(broken), "voice pack unusable, speech engine used: %s")
        else:
            self._problems.pop("voice", None)
        return out

    def _prepare(self) -> None:
        """Load the configured voice packs and join-ready chime before a call comes, so that a
        call spoken from packs waits for nothing but joining its clips."""
        s = self.settings
        rates = []
        for lang in s.languages:
            name = s.voice_packs.get(lang)
            pack = self._pack(name, lang) if name else None
            if isinstance(pack, VoicePack):
                rates.append(pack.rate)
        if rates:
            with contextlib.suppress(OSError, EOFError, wave.Error, VoicePackError):
                read_mono(self._chime(chime_path(s.chime)), rates[0])

    def _pack(self, name: str, lang: str) -> VoicePack | str:
        """The configured pack, loaded once per configuration; a reason when it cannot be used."""
        packs = self._packs
        if name not in packs:
            try:
                pack = VoicePack.load(pack_folder(name))
            except VoicePackError as exc:
                packs[name] = str(exc)
            else:
                wrong = pack.language != lang
                packs[name] = f"voice pack {name} is in {pack.language!r}, not {lang!r}" if wrong else pack
        return packs[name]

    def _announce_recorded(self, item: Announced, recorded: list[tuple[str, tuple[bytes, int]]]) -> None:
        """Every language from a pack: the chime and the speech joined into one WAV, played at
        once (no wait for synthesis, no gap for a second player to start)."""
        s = self.settings
        rate = recorded[0][1][1]
        chime = chime_path(s.chime)
        try:
            chime_frames = read_mono(self._chime(chime), rate)
        except (OSError, EOFError, wave.Error, VoicePackError) as exc:
            self._set_problem("chime", f"the chime {chime} cannot be joined ({exc}); playing the built-in one", "%s")
            chime_frames = read_mono(BUILT_IN_CHIME, rate)
        pieces = [("chime", chime_frames, rate)]
        pieces += [(lang, frames, their_rate) for _ in range(s.repeats) for lang, (frames, their_rate) in recorded]
        frames, starts = join(pieces, rate)
        path = self._tmp / f"{item.number}-call-{time.monotonic_ns()}.wav"
        write_wav(path, frames, rate)
        ready = time.monotonic()
        for lang, _ in recorded:
            item.ready[lang] = ready
        item.chime = time.monotonic()
        for lang, _ in recorded:  # when each language will be heard, the player started now
            item.speech[lang] = item.chime + starts[lang]
        self._play(path, "call")
        path.unlink(missing_ok=True)

    def _chime(self, path: Path) -> Path:
        """The configured chime, or the built-in one when that cannot be read.

        The server does not check ``announce.chime`` (the file is on the display's PC), so a
        typo would otherwise mean calls without a chime and a player failing at every call.
        """
        if wav_seconds(path) > 0:
            self._problems.pop("chime", None)
            return path
        self._set_problem("chime", f"the chime {path} is missing or not a WAV file; playing the built-in one", "%s")
        return BUILT_IN_CHIME

    def _set_problem(self, name: str, reason: str, message: str, *args: object) -> None:
        """Record a problem; log it only when it is new or its reason changed, not at every call.
        ``message`` has the reason as its first ``%s``, then ``args``."""
        if self._problems.get(name) != reason:
            log.warning(message, reason, *args)
        self._problems[name] = reason

    def _play(self, path: Path, kind: str) -> None:
        if self._stopping:
            return
        self.player.play(path, kind)
        silent = getattr(self.player, "silent_reason", None)
        if silent:
            self._problems["sound"] = silent
        else:
            self._problems.pop("sound", None)

    def _report(self) -> None:
        current = dict(self._problems)
        if current != self._reported and not self._stopping:
            self._reported = current
            if self.on_status is not None:
                self.on_status(current)
