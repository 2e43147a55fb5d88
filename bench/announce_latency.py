#!/usr/bin/env python3
"""Announcement latency: from a call event reaching the hall display to the chime and the speech.

It prints figures; it is not a pass/fail test.  One run:

1. starts a real hall server in this process (a thread with its own asyncio loop, a one-counter
   hall written to a temporary folder, one clerk seeded), and a real hall display
   (``display.app.DisplayApp``: HallLink, screen offscreen, announcer, speech worker process
   with pyttsx3 + espeak-ng);
2. for each language setting (``zh`` alone, ``en`` alone, then ``zh`` + ``en`` as a hall
   configures it by default), makes ``--calls`` calls one after another from a real counter
   client, each after the previous announcement has finished;
3. prints, per setting, the median and the worst of:

   * event → chime: from the moment the display's Qt thread handles the ``calls`` event (the
     announcer's ``announce()``, time.monotonic) to the moment the chime is handed to the
     player, i.e. when ``aplay`` would be started with the chime WAV;
   * event → WAV ready: to the moment the speech worker's answer that the WAV is written
     arrived (synthesis runs in parallel with the chime);
   * event → speech: to the moment each language's speech WAV is handed to the player;
   * call → event: from the counter sending ``call_next`` to the display handling the event;

4. then, with no calls, measures this process's CPU for ``--idle-seconds`` while the screen
   (1920×1080, offscreen) ticks its clock and scrolls the notice line.

With ``--voice-pack`` every setting is run twice: spoken by the speech engine, then from
recorded voice packs (the demo packs in assets/voices/, or the two named), where "WAV ready" is
when the clips and the chime are joined into one WAV and "speech" when each language is heard
in it (docs/voice-packs.md).

The player is ``RecordingPlayer(realtime=True)``: it waits each sound's length as aplay would,
without a sound card (this machine has none).  ``--aplay`` uses the real aplay player instead.

Run: ``.venv/bin/python bench/announce_latency.py --calls 10 [--voice-pack]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, QTimer

from hallcall import config as hall_config
from hallcall.client import HallClient
from hallcall.display.app import DisplayApp
from hallcall.display.playback import ProcessPlayer, RecordingPlayer
from hallcall.gui.qtapp import make_app
from hallcall.server import auth
from hallcall.server.app import HallServer, database_path
from hallcall.server.storage import Storage

HALL = """
[hall]
name = { zh = "延迟测试大厅", en = "Latency Hall" }
opening_hours = ["00:00-24:00"]
open_days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

[[services]]
id = "social"
prefix = "A"
name = { zh = "社保", en = "Social security" }

[[counters]]
number = 3
staffed = false

[devices]
kiosks = [{ name = "kiosk-bench", token = "bench-kiosk-token" }]
displays = [{ name = "display-bench", token = "bench-display-token" }]

[server]
issue_rate_per_minute = 0  # the bench's kiosk issues every ticket it calls at once (no person's pace)

[display.notice]
zh = "请携带有效身份证件，保持安静，有序排队。中午十二点至一点半暂停服务。"
en = "Please bring valid ID, keep quiet and wait for your number. No service from 12:00 to 13:30."
"""


class ServerThread:
    """A hall server on a loopback port, on a loop of its own, driven from the main thread."""

    def __init__(self, folder: Path) -> None:
        path = folder / "hall.toml"
        path.write_text(HALL, encoding="utf-8")
        seed = Storage(database_path(path, folder), owner=False)
        seed.save_clerk("bench", auth.hash_password("bench-pass"), role="clerk")
        seed.close()
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

        async def start() -> int:  # the storage belongs to the loop's thread (SQLite's rule)
            self.storage = Storage(database_path(path, folder))
            self.server = HallServer(hall_config.load(path), self.storage)
            return await self.server.start("127.0.0.1", 0)

        self.port: int = self.run(start())

    def run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)

    def close(self) -> None:
        async def stop() -> None:
            await self.server.stop()
            self.storage.close()

        self.run(stop())
        self.loop.call_soon_threadsafe(self.loop.stop)


def spin(app: Any, until: Any, timeout: float) -> bool:
    """Run Qt's event loop until ``until()`` is true (or the timeout)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        app.processEvents()
        if until():
            return True
        time.sleep(0.002)
    return False


def ms(values: list[float]) -> str:
    if not values:
        return "      —      "
    return f"{statistics.median(values) * 1000:7.1f} / {max(values) * 1000:7.1f}"


def idle_cpu(qt: Any, display: DisplayApp, seconds: float) -> None:
    """CPU of this process between calls: the clock ticking and the notice scrolling.

    The figure includes the server's thread (its once-a-second timers), so it is an upper bound
    for the display alone.
    """
    screen = display.screen
    screen.resize(1920, 1080)
    screen.show()
    loop = QEventLoop()
    QTimer.singleShot(500, loop.quit)  # let the layout settle
    loop.exec()
    frames, cpu, wall = screen.marquee.frames, time.process_time(), time.monotonic()
    QTimer.singleShot(round(seconds * 1000), loop.quit)
    loop.exec()
    cpu, wall = time.process_time() - cpu, time.monotonic() - wall
    print(
        f"\nidle display, 1920x1080 offscreen, notice scrolling: {100 * cpu / wall:.1f} % of one core "
        f"over {wall:.0f} s, marquee {(screen.marquee.frames - frames) / wall:.0f} frames/s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=10, help="calls per language setting (default: %(default)s)")
    parser.add_argument("--aplay", action="store_true", help="play through aplay (needs a sound card)")
    parser.add_argument(
        "--voice-pack",
        nargs="?",
        const="demo-zh,demo-en",
        metavar="ZH,EN",
        help="also announce from recorded voice packs: the zh and en packs (names in assets/voices/ or "
        "folders), default when given alone: %(const)s",
    )
    parser.add_argument(
        "--idle-seconds", type=float, default=10.0, help="how long to measure the idle CPU (default: %(default)s)"
    )
    args = parser.parse_args()

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    qt = make_app()
    with tempfile.TemporaryDirectory(prefix="hallcall-bench-") as tmp:
        hall = ServerThread(Path(tmp))
        url = f"ws://127.0.0.1:{hall.port}"
        player = ProcessPlayer() if args.aplay else RecordingPlayer(realtime=True)
        display = DisplayApp(url, "bench-display-token", player=player)
        display.start()
        announcer = display.announcer
        assert announcer is not None
        if not spin(qt, lambda: display.link.state == "connected", 10):
            print("the display did not connect", file=sys.stderr)
            return 1
        spin(qt, lambda: announcer.wait_idle(0), 10)  # the speech worker has started

        async def counter_client() -> HallClient:
            client = HallClient(url)
            await client.connect()
            await client.hello("counter", counter=3, clerk="bench", password="bench-pass")
            return client

        counter = hall.run(counter_client())

        async def issue(count: int) -> None:
            kiosk = HallClient(url)
            await kiosk.connect()
            await kiosk.hello("kiosk", token="bench-kiosk-token")
            for _ in range(count):
                await kiosk.request("issue", service="social")
            await kiosk.close()

        voices: list[tuple[str, hall_config.Names]] = [("espeak-ng", hall_config.Names(zh="", en=""))]
        if args.voice_pack:
            zh, _, en = args.voice_pack.partition(",")
            voices.append(("pack", hall_config.Names(zh=zh, en=en or zh)))
        hall.run(issue(args.calls * 3 * len(voices)))

        print(
            f"hallcall announcement latency — {platform.node()}, {platform.python_version()}, "
            f"{os.cpu_count()} cores, player: {'aplay' if args.aplay else 'recording (real time)'}"
        )
        print(f"{args.calls} calls per setting; median / worst in ms\n")
        header = (
            f"{'voice':<10} {'languages':<10} {'call → event':>17} {'event → chime':>17} {'lang':>5} "
            f"{'event → WAV ready':>19} {'event → speech':>17}"
        )
        print(header)
        print("-" * len(header))
        settings = [(v, langs) for v in voices for langs in (("zh",), ("en",), ("zh", "en"))]
        for (voice, packs), languages in settings:
            announcer.configure(hall_config.Announce(languages=list(languages), voice_packs=packs))
            first = len(announcer.done)
            sent: list[float] = []
            for n in range(1, args.calls + 1):
                if sent:
                    hall.run(counter.request("finish"))
                sent.append(time.monotonic())
                hall.run(counter.request("call_next"))
                spin(qt, lambda target=first + n: len(announcer.done) >= target and announcer.wait_idle(0), 60)
            done = list(announcer.done)[first:]
            to_event = [d.queued - s for d, s in zip(done, sent, strict=True)]
            to_chime = [d.chime - d.queued for d in done if d.chime is not None]
            for i, lang in enumerate(languages):
                ready = [d.ready[lang] - d.queued for d in done if lang in d.ready]
                speech = [d.speech[lang] - d.queued for d in done if lang in d.speech]
                label = f"{voice:<10} {'+'.join(languages):<10}" if i == 0 else " " * 21
                head = f"{ms(to_event):>17} {ms(to_chime):>17}" if i == 0 else " " * 35
                print(f"{label} {head} {lang:>5} {ms(ready):>19} {ms(speech):>17}")
            hall.run(counter.request("finish"))
        problems = announcer.problems
        if problems:
            print(f"\nproblems during the run: {problems}")
        idle_cpu(qt, display, args.idle_seconds)
        display.stop()
        hall.run(counter.close())
        hall.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
