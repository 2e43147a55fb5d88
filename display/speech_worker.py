"""The speech process: ``python -m display.speech_worker``, one per display.

pyttsx3 runs here and nowhere else, so an engine that hangs or crashes takes only this process
down; the announcer kills and restarts it (display/announcer.py).  Each request gets a fresh
engine and is written to a WAV file with ``save_to_file`` + ``runAndWait``: reusing an engine
loses utterances on some platforms (pyttsx3 issues #419, #440) and its ``say()`` needs a sound
device.  The display plays the WAV itself.

Protocol: one JSON object per line on stdin
``{"id": 7, "text": "...", "voice": "en", "rate": 150, "volume": 1.0, "path": "/tmp/x.wav"}``,
one JSON object per line on stdout ``{"id": 7, "ok": true}`` or
``{"id": 7, "ok": false, "error": "..."}``.  On start it writes ``{"ready": true}`` (or
``{"ready": false, "error": ...}`` when there is no engine at all).
"""

from __future__ import annotations

import gc
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any, TextIO


def _replies() -> TextIO:
    """A private copy of stdout for replies; fd 1 itself is pointed at stderr.

    espeak may write to fd 1 from C code, and pyttsx3 prints "Audio saved to ..." after every
    file (dropped: a line per announcement is noise in the display's log); neither may corrupt
    the reply stream the announcer parses.
    """
    out = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    try:
        os.dup2(2, 1)
    except OSError:  # no stderr (a windowless program on Windows): fd 1 goes nowhere instead
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    return out


def _voice_id(engine: Any, wanted: str) -> str:
    """The engine's id for a configured voice name ("cmn-latn-pinyin" is "sit/cmn-latn-pinyin").

    espeak accepts an unknown voice without a word and then speaks in its default voice, which
    would read Chinese with English rules: an unknown voice is an error instead.
    """
    for voice in engine.getProperty("voices"):
        if wanted in (voice.id, voice.name) or voice.id.endswith("/" + wanted):
            return str(voice.id)
    raise LookupError(f"voice {wanted!r} is not installed")


def _rate_at_synthesis(engine: Any, rate: int) -> None:
    """Make the configured rate espeak's last word before each utterance.

    Driven as the display drives it (a fresh engine per utterance), pyttsx3's espeak driver
    spoke about one utterance in ten at its default 200 words per minute instead of the
    configured rate: every new driver sets rate 200 on the process-wide espeak when it starts,
    espeak (in the asynchronous mode pyttsx3 starts it in) applies parameters on a thread of its
    own, and the configured rate, queued through the engine, sometimes lost to the default.
    Setting the rate on espeak immediately before ``Synth`` — on this engine's driver only —
    leaves nothing between it and the utterance (tests/test_device_truth.py measures the WAVs).
    Other engines (SAPI 5, NSSS) take the rate from ``setProperty`` alone."""
    driver = getattr(getattr(engine, "proxy", None), "_driver", None)
    start = getattr(driver, "_start_synthesis", None)
    if start is None or type(driver).__module__ != "pyttsx3.drivers.espeak":
        return
    from pyttsx3.drivers import _espeak

    def start_at_rate(text: str) -> None:
        _espeak.SetParameter(_espeak.RATE, rate, 0)
        start(text)

    driver._start_synthesis = start_at_rate


def synthesise(request: dict[str, Any]) -> None:
    """Write one utterance to request["path"] with a fresh engine; raises on any failure."""
    import pyttsx3

    engine = pyttsx3.init()
    try:
        if request.get("voice"):
            engine.setProperty("voice", _voice_id(engine, str(request["voice"])))
        rate = int(request.get("rate", 150))
        engine.setProperty("rate", rate)
        _rate_at_synthesis(engine, rate)
        engine.setProperty("volume", float(request.get("volume", 1.0)))
        path = Path(request["path"])
        engine.save_to_file(str(request["text"]), str(path))
        engine.runAndWait()
    finally:
        engine.stop()
        del engine
        gc.collect()  # pyttsx3.init() hands back a cached engine while the old one is alive
    if not path.exists() or path.stat().st_size <= 44:
        raise RuntimeError(f"the speech engine wrote no audio to {path}")


def serve(requests: TextIO, replies: TextIO) -> None:
    """Answer requests until stdin closes."""
    try:
        import pyttsx3

        pyttsx3.init().stop()
    except Exception as exc:  # no engine installed, no espeak library, no driver
        replies.write(json.dumps({"ready": False, "error": f"{type(exc).__name__}: {exc}"}) + "\n")
        return
    gc.collect()
    replies.write(json.dumps({"ready": True}) + "\n")
    for line in requests:
        if not line.strip():
            continue
        request: dict[str, Any] = {}
        try:
            request = json.loads(line)
            synthesise(request)
            answer: dict[str, Any] = {"id": request.get("id"), "ok": True}
        except Exception as exc:
            answer = {"id": request.get("id"), "ok": False, "error": f"{type(exc).__name__}: {exc}"}
        replies.write(json.dumps(answer, ensure_ascii=False) + "\n")


def main() -> None:
    replies = _replies()
    # Ctrl-C in a terminal reaches the whole process group; the display ends this worker itself,
    # so the signal is not ours to act on.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    serve(sys.stdin, replies)


if __name__ == "__main__":
    main()
