"""``hallcall demo``: the headless morning, run as a newcomer would, and its output checked;
the desktop demo's windows, closed, stop everything."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import wave
from array import array
from pathlib import Path
from typing import Any

import psutil
import pytest
from PySide6.QtGui import QImage

from hallcall.kiosk.virtual_printer import decode
from hallcall.launch.demo import hall
from hallcall.launch.demo.headless import MOMENTS

ROOT = Path(__file__).resolve().parent.parent
SCREENS = ("kiosk", "counter", "display")


@pytest.fixture(scope="module")
def morning(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = tmp_path_factory.mktemp("demo") / "out"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "hallcall.launch.cli", "demo", "--headless", "--out", str(out), "--seed", "7"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    return out, done


def _summary(out: Path) -> dict[str, Any]:
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


@pytest.mark.timeout(300)
def test_the_headless_demo_ends_well_and_says_where_its_output_is(morning: tuple[Path, Any]) -> None:
    out, done = morning
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert f"is in {out.resolve()}" in done.stdout
    assert "Traceback" not in done.stderr
    assert _summary(out)["seconds"] < 120


@pytest.mark.timeout(300)
def test_the_screenshots_show_screens_not_blank_images(morning: tuple[Path, Any]) -> None:
    out, _ = morning
    labels = [m.replace(":", "") for m in MOMENTS] + ["end"]
    for label in labels:
        for screen in SCREENS:
            path = out / "screens" / f"{label}-{screen}.png"
            image = QImage(str(path))
            assert not image.isNull(), path
            assert image.width() >= 1000 and image.height() >= 700, path
            assert _colours(image) >= 8, f"{path} is nearly one colour"


def _colours(image: QImage) -> int:
    """Distinct colours on a coarse grid of the image: a blank or failed grab has one or two."""
    seen = set()
    for y in range(0, image.height(), 12):
        for x in range(0, image.width(), 12):
            seen.add(image.pixel(x, y))
    return len(seen)


@pytest.mark.timeout(300)
def test_the_screens_show_the_hall_at_work(morning: tuple[Path, Any]) -> None:
    """By 10:00 the kiosk has issued on screen, the counter's clerk has called, and the display
    has calls: checked on the programs' own records, the screenshots being pictures."""
    out, _ = morning
    summary = _summary(out)
    assert len(summary["issued_on_kiosk_screen"]) >= 20
    assert summary["clerks"]["calls"] > 100
    assert summary["clerks"]["refusals"] == 0
    assert summary["lost"] == 0
    assert summary["errors"] == []
    assert summary["taps_the_kiosk_dropped"] == 0
    # A tap in the last hall seconds before noon may reach the server after its services close.
    assert 0 <= summary["handed_to_kiosk_screen"] - len(summary["issued_on_kiosk_screen"]) <= 3


@pytest.mark.timeout(300)
def test_the_printed_tickets_decode_to_the_numbers_the_kiosk_issued(morning: tuple[Path, Any]) -> None:
    out, _ = morning
    issued = _summary(out)["issued_on_kiosk_screen"]
    printed = sorted((out / "tickets").glob("*.bin"))
    assert {p.stem for p in printed} == set(issued)
    config = hall.load()
    names = {s.prefix: s.name.zh for s in config.services}
    for path in printed:
        ticket = decode(path.read_bytes())
        number, text = path.stem, ticket.text
        assert re.search(rf"(?m)^\s*{number}\s*$", text), f"{path.name} does not print {number}:\n{text}"
        assert [q.rsplit("/", 1)[-1] for q in ticket.qr_payloads] == [number]
        assert names[number.rstrip("0123456789")] in text, path.name
        assert (out / "tickets" / f"{number}.png").stat().st_size > 2000


@pytest.mark.timeout(300)
def test_the_announcements_hold_sound(morning: tuple[Path, Any]) -> None:
    out, _ = morning
    spoken = _summary(out)["announcements"]
    assert len(spoken) >= 4
    assert {name.split("-")[1] for name in spoken} == {"zh.wav", "en.wav"}
    for name in [*spoken, "chime.wav"]:
        with wave.open(str(out / "announcements" / name), "rb") as w:
            assert w.getsampwidth() == 2, name
            seconds = w.getnframes() / w.getframerate()
            samples = array("h", w.readframes(w.getnframes()))
        assert seconds > 0.3, name
        assert max(abs(s) for s in samples) > 2000, f"{name} is silent"


@pytest.mark.timeout(300)
def test_the_figures_add_up(morning: tuple[Path, Any]) -> None:
    out, done = morning
    figures = json.loads((out / "figures.json").read_text(encoding="utf-8"))
    summary = _summary(out)
    assert figures["adds_up"] is True
    for s in [*figures["services"], figures["total"]]:
        assert s["issued"] == s["served"] + s["no_show"] + s["cancelled"] + s["waiting"] + s["other"], s
        assert s["other"] == 0, s  # the clerks finish whoever is at their counter before they go
    total = figures["total"]
    assert total["issued"] == summary["issued_by_simulator"] + len(summary["issued_on_kiosk_screen"])
    assert total["no_show"] == summary["clerks"]["no_shows"]
    assert total["cancelled"] == summary["cancelled_at_guide_desk"]
    assert total["issued"] == sum(s["issued"] for s in figures["services"])
    assert total["served"] > 0.8 * total["issued"]
    assert "取号 = 办结 + 过号 + 取消 + 等候（+ 未结）：核对无误" in done.stdout  # the hall's first language
    both = (out / "figures.txt").read_text(encoding="utf-8")
    assert "核对无误" in both and "issued = served + no-show + cancelled + waiting (+ open): OK" in both


@pytest.mark.timeout(120)
def test_closing_the_desktop_demos_windows_stops_everything(tmp_path: Path, qapp: Any) -> None:
    """The desktop demo's windows (offscreen here) all closed: the demo returns, its server child
    ends, and the demo's data folder is removed."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from hallcall.launch.demo import desktop

    seen: dict[str, Any] = {}

    def close_all() -> None:
        me = psutil.Process()
        seen["children"] = [c for c in me.children(recursive=True) if "server" in c.cmdline()]
        command = seen["children"][0].cmdline() if seen["children"] else []
        seen["data"] = Path(command[command.index("--data") + 1]) if "--data" in command else None
        seen["windows"] = [w.windowTitle() for w in QApplication.topLevelWidgets() if w.isVisible()]
        for window in QApplication.topLevelWidgets():
            window.close()

    QTimer.singleShot(4000, close_all)
    assert desktop.run(port=0, out=tmp_path / "tickets") == 0
    assert len(seen["children"]) == 1
    assert len(seen["windows"]) == 4, seen["windows"]
    psutil.wait_procs(seen["children"], timeout=10)
    assert not any(c.is_running() and c.status() != psutil.STATUS_ZOMBIE for c in seen["children"])
    assert seen["data"] is not None and not seen["data"].exists()
