"""What ``hallcall demo --headless`` must leave behind, checked the same way whether the demo ran
from the tree (tests/test_demo.py) or from a wheel installed in a fresh environment
(tests/test_install.py): one set of checks, so the two cannot drift apart."""

from __future__ import annotations

import json
import os
import re
import subprocess
import wave
from array import array
from pathlib import Path
from typing import Any

from PySide6.QtGui import QImage

from hallcall.kiosk.virtual_printer import decode
from hallcall.launch.demo import hall
from hallcall.launch.demo.headless import MOMENTS

SCREENS = ("kiosk", "counter", "display")
DEMO_SECONDS = 240  # the morning takes about a minute; a stuck demo must not hold the suite


def run_headless_demo(hallcall: list[str], out: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``hallcall demo --headless`` (``hallcall`` is the command: a script or python -m)
    offscreen, the way a newcomer would, writing to ``out``."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    command = [*hallcall, "demo", "--headless", "--out", str(out), "--seed", "7"]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=DEMO_SECONDS)


def summary(out: Path) -> dict[str, Any]:
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def check_it_ended_well(out: Path, done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert f"is in {out.resolve()}" in done.stdout
    assert "Traceback" not in done.stderr
    assert summary(out)["seconds"] < 120


def check_screenshots(out: Path) -> None:
    """Every moment's screenshot of every program is a screen, not a blank image."""
    labels = [m.replace(":", "") for m in MOMENTS] + ["end"]
    for label in labels:
        for screen in SCREENS:
            path = out / "screens" / f"{label}-{screen}.png"
            image = QImage(str(path))
            assert not image.isNull(), path
            assert image.width() >= 1000 and image.height() >= 700, path
            assert _colours(image) >= 8, f"{path} is nearly one colour"


def check_clocks(out: Path) -> None:
    """The screens photographed "at 08:45" show 08:45: their clocks are redrawn from the hall's
    time before each picture (at 300x a redraw once a real second lagged up to five minutes)."""
    shown = summary(out)["clocks_shown"]
    for moment in MOMENTS:
        hh, mm = map(int, shown[moment.replace(":", "")].split(":"))
        late = hh * 60 + mm - (int(moment[:2]) * 60 + int(moment[3:]))
        assert 0 <= late <= 2, f"photographed at {moment}, the display showed {shown[moment.replace(':', '')]}"


def check_web_pages(out: Path) -> None:
    """The web pages photographed at 10:00 at their sizes (the console, counter 1's pad after a
    finish, the status page of a ticket the kiosk screen issued) and the report at the end."""
    s = summary(out)
    assert s["web_problems"] == []
    sizes = {"1000-console.png": (1920, 1080), "1000-pad.png": (1280, 800), "1000-status.png": (390, 844)}
    sizes["end-report.png"] = (1920, 1080)
    assert sorted(s["web_pages"]) == sorted(sizes)
    for name, size in sizes.items():
        image = QImage(str(out / "screens" / name))
        assert (image.width(), image.height()) == size, name
        assert _colours(image) >= 8, f"{name} is nearly one colour"


def _colours(image: QImage) -> int:
    """Distinct colours on a coarse grid of the image: a blank or failed grab has one or two."""
    seen = set()
    for y in range(0, image.height(), 12):
        for x in range(0, image.width(), 12):
            seen.add(image.pixel(x, y))
    return len(seen)


def check_the_hall_at_work(out: Path) -> None:
    """By 10:00 the kiosk has issued on screen, the counter's clerk has called, and the display
    has calls: checked on the programs' own records, the screenshots being pictures."""
    s = summary(out)
    assert len(s["issued_on_kiosk_screen"]) >= 20
    assert s["clerks"]["calls"] > 100
    assert s["clerks"]["refusals"] == 0
    assert s["lost"] == 0
    assert s["errors"] == []
    assert s["taps_the_kiosk_dropped"] == 0
    # A tap in the last hall seconds before noon may reach the server after its services close.
    assert 0 <= s["handed_to_kiosk_screen"] - len(s["issued_on_kiosk_screen"]) <= 3


def check_tickets(out: Path) -> None:
    """The printed tickets decode to the numbers the kiosk issued, with their service and QR code."""
    issued = summary(out)["issued_on_kiosk_screen"]
    printed = sorted((out / "tickets").glob("*.bin"))
    assert {p.stem for p in printed} == set(issued)
    config = hall.load()
    names = {s.prefix: s.name.zh for s in config.services}
    for path in printed:
        ticket = decode(path.read_bytes())
        number, text = path.stem, ticket.text
        assert re.search(rf"(?m)^\s*{number}\s*$", text), f"{path.name} does not print {number}:\n{text}"
        # the QR link is the ticket's status page: /t/DAY/NUMBER?k=KEY (its key lets its holder evaluate)
        assert [q.split("?", 1)[0].rsplit("/", 1)[-1] for q in ticket.qr_payloads] == [number]
        assert all("?k=" in q for q in ticket.qr_payloads), ticket.qr_payloads
        assert names[number.rstrip("0123456789")] in text, path.name
        assert (out / "tickets" / f"{number}.png").stat().st_size > 2000


def check_announcements(out: Path) -> None:
    """The announcements and the chime hold sound in both languages."""
    spoken = summary(out)["announcements"]
    assert len(spoken) >= 4
    assert {name.split("-")[1] for name in spoken} == {"zh.wav", "en.wav"}
    for name in [*spoken, "chime.wav"]:
        with wave.open(str(out / "announcements" / name), "rb") as w:
            assert w.getsampwidth() == 2, name
            seconds = w.getnframes() / w.getframerate()
            samples = array("h", w.readframes(w.getnframes()))
        assert seconds > 0.3, name
        assert max(abs(s) for s in samples) > 2000, f"{name} is silent"


def check_figures(out: Path, done: subprocess.CompletedProcess[str]) -> None:
    """The day's figures add up, agree with what the demo's programs did, and are told in both languages."""
    figures = json.loads((out / "figures.json").read_text(encoding="utf-8"))
    s = summary(out)
    assert figures["adds_up"] is True
    for service in [*figures["services"], figures["total"]]:
        ends = ("served", "no_show", "cancelled", "waiting", "other")
        assert service["issued"] == sum(service[end] for end in ends), service
        assert service["other"] == 0, service  # the clerks finish whoever is at their counter before they go
    total = figures["total"]
    assert total["issued"] == s["issued_by_simulator"] + len(s["issued_on_kiosk_screen"])
    assert total["no_show"] == s["clerks"]["no_shows"]
    assert total["cancelled"] == s["cancelled_at_guide_desk"]
    assert total["issued"] == sum(service["issued"] for service in figures["services"])
    assert total["served"] > 0.8 * total["issued"]
    assert "取号 = 办结 + 过号 + 取消 + 等候（+ 未结）：核对无误" in done.stdout  # the hall's first language
    both = (out / "figures.txt").read_text(encoding="utf-8")
    assert "核对无误" in both and "issued = served + no-show + cancelled + waiting (+ open): OK" in both


def check_everything(out: Path, done: subprocess.CompletedProcess[str]) -> None:
    """All of the above, for a run that is checked in one test."""
    check_it_ended_well(out, done)
    check_screenshots(out)
    check_clocks(out)
    if summary(out)["web_pages"]:
        check_web_pages(out)
    else:  # a fresh environment without Playwright: the demo says so and skips only those pages
        assert "the web pages are not photographed: Playwright is not installed" in done.stderr
    check_the_hall_at_work(out)
    check_tickets(out)
    check_announcements(out)
    check_figures(out, done)
