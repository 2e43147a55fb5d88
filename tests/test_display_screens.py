"""The demo hall's first-floor display on a busy morning, in every shape and language.

These are the screenshots in docs/screenshots/: a real server with assets/demo-hall.toml, real
clerks calling at all eight first-floor counters, the configured notice scrolling.  The checks make sure the
screens show what the hall holds; the PNGs are for a person to look at.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, LiveHall
from test_display import save, shown_calls, waiting_lines

from hallcall.display.app import DisplayApp
from hallcall.launch.demo import hall
from hallcall.server import auth
from hallcall.server.app import database_path
from hallcall.server.storage import Storage

pytestmark = pytest.mark.timeout(90)

DEMO = ROOT / "assets" / "demo-hall.toml"
DISPLAY_1F = "demo-display-1f-3c9e71a4d820"
EVERY_1F = ["S", "M", "B", "R", "T", "GA", "C", "L"]  # the prefixes of every service 1F's counters serve
KIOSK = "demo-kiosk-1-7f3a9c21e4b0"
# Counter → its A clerk in the demo hall (AB岗: only they or their backups may sign in there).
CLERKS = hall.a_clerks(hall.load(), "1F")


@pytest.fixture
def demo_hall(tmp_path: Path) -> Any:
    storage = Storage(database_path(DEMO, tmp_path), owner=False)
    digest = auth.hash_password("demo1234")
    for clerk in CLERKS.values():
        storage.save_clerk(clerk, digest, role="clerk")
    storage.close()
    live = LiveHall(tmp_path, DEMO)
    yield live
    live.close()


def busy_morning(live: LiveHall) -> list[str]:
    """Tickets for the first-floor services, then a call at each of the eight counters, 25 s apart."""
    from hallcall.client import HallClient

    async def issue() -> None:
        kiosk = HallClient(live.url)
        await kiosk.connect()
        await kiosk.hello("kiosk", token=KIOSK)
        for service, count in (("social", 7), ("medical", 5), ("business", 3), ("consult", 2)):
            for _ in range(count):
                live.clock.advance(3)  # a visitor a few seconds after the last: the kiosk's pace
                await kiosk.request("issue", service=service)
        await kiosk.close()

    async def call(counter: int) -> str:
        clerk = HallClient(live.url)
        await clerk.connect()
        await clerk.hello("counter", counter=counter, clerk=CLERKS[counter], password="demo1234")
        number = (await clerk.request("call_next"))["ticket"]["number"]
        await clerk.close()
        return number

    live.run(issue())
    called = []
    for counter in CLERKS:
        live.clock.advance(25)
        called.append(live.run(call(counter)))
    return called


def test_demo_hall_screens(demo_hall: LiveHall, qtbot: Any) -> None:
    called = busy_morning(demo_hall)
    for lang, size in (("zh", (1920, 1080)), ("en", (1920, 1080)), ("zh", (1080, 1920)), ("en", (1080, 1920))):
        app = DisplayApp(demo_hall.url, DISPLAY_1F, lang=lang, voice=False)
        try:
            app.screen.resize(*size)
            app.screen.show()
            app.start()
            screen = app.screen
            qtbot.waitUntil(lambda screen=screen: screen.marquee.isVisible(), timeout=5000)
            # Every one of the eight calls, newest first (compact cells in two columns), none
            # left out.
            qtbot.waitUntil(lambda screen=screen: len(shown_calls(screen)) == 8, timeout=5000)
            assert [number for number, _ in shown_calls(screen)] == called[::-1]
            assert screen.more.text() == ""
            assert screen.marquee.text().startswith("请携带有效身份证件" if lang == "zh" else "Please bring valid ID")
            # Counters 1-4 on 1F take every service: the 1F screen lists all eight, not only
            # the four configured on 1F.
            qtbot.waitUntil(lambda s=screen: [n.split()[0] for n, _ in waiting_lines(s)] == EVERY_1F, timeout=5000)
            screen.flash(screen.board.newest())
            qtbot.wait(100)
            shape = "landscape" if size[0] > size[1] else "portrait"
            assert screen.size().toTuple() == size  # everything fits: the window did not grow
            save(screen, f"demo-{shape}-{lang}")
        finally:
            app.stop()
