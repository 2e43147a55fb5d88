"""``hallcall demo``: the headless morning, run as a newcomer would, and its output checked
(tests/demo_output.py, shared with the installed-wheel test); the desktop demo's windows,
closed, stop everything."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import demo_output
import psutil
import pytest

from hallcall.launch.demo import hall, layout

ROOT = Path(__file__).resolve().parent.parent
Morning = tuple[Path, subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def morning(tmp_path_factory: pytest.TempPathFactory) -> Morning:
    out = tmp_path_factory.mktemp("demo") / "out"
    return out, demo_output.run_headless_demo([sys.executable, "-m", "hallcall.launch.cli"], out, cwd=ROOT)


@pytest.mark.timeout(300)
def test_the_headless_demo_ends_well_and_says_where_its_output_is(morning: Morning) -> None:
    demo_output.check_it_ended_well(*morning)


@pytest.mark.timeout(300)
def test_the_screenshots_show_screens_not_blank_images(morning: Morning) -> None:
    demo_output.check_screenshots(morning[0])


@pytest.mark.timeout(300)
def test_the_screens_clocks_show_the_moment_they_were_photographed(morning: Morning) -> None:
    demo_output.check_clocks(morning[0])


@pytest.mark.timeout(300)
def test_the_web_pages_are_photographed_at_their_sizes(morning: Morning) -> None:
    demo_output.check_web_pages(morning[0])


@pytest.mark.timeout(300)
def test_the_screens_show_the_hall_at_work(morning: Morning) -> None:
    demo_output.check_the_hall_at_work(morning[0])


@pytest.mark.timeout(300)
def test_the_printed_tickets_decode_to_the_numbers_the_kiosk_issued(morning: Morning) -> None:
    demo_output.check_tickets(morning[0])


@pytest.mark.timeout(300)
def test_the_announcements_hold_sound(morning: Morning) -> None:
    demo_output.check_announcements(morning[0])


@pytest.mark.timeout(300)
def test_the_figures_add_up(morning: Morning) -> None:
    demo_output.check_figures(*morning)


@pytest.mark.timeout(300)
def test_a_booked_visitor_checks_in_at_the_kiosk_screen_and_is_called(morning: Morning) -> None:
    """The demo prints one appointment: its booking code, the appointment ticket the kiosk screen
    issued for it (printed like any ticket) and the counter that called it; the figures count the
    morning's bookings, and the kiosk screen refused nobody who came on time."""
    out, done = morning
    s = demo_output.summary(out)
    shown = s["appointment_shown"]
    assert shown is not None, done.stderr[-3000:]
    line = re.search(
        r"预约：预约码 ([A-Z2-9]{8})（(.+)，(\d\d:\d\d) 时段）在 (\S+) 签到，取得预约号 ([A-Z]+\d{3})，"
        r"(\d\d:\d\d) 由 (\d+) 号窗口呼叫",
        done.stdout,
    )
    assert line is not None, done.stdout[-2000:]
    code, service, start, device, number, called, counter = line.groups()
    assert (code, start, device, number, called, int(counter)) == (
        shown["code"],
        shown["start"],
        "kiosk-1",
        shown["number"],
        shown["called"],
        shown["counter"],
    )
    assert shown["priority"] == "appointment"
    assert s["checked_in_on_kiosk_screen"][code] == number  # the screen's own record of its check-in
    assert s["check_ins_refused_on_kiosk_screen"] == {}
    assert number in s["issued_on_kiosk_screen"] and (out / "tickets" / f"{number}.bin").exists()
    config = hall.load()
    assert service == config.service(shown["service"]).name.zh
    assert int(counter) in {c.number for c in config.counters if not c.services or shown["service"] in c.services}
    minutes = {t: int(t[:2]) * 60 + int(t[3:]) for t in (start, called)}
    assert minutes[called] >= minutes[start] - config.appointments.early_minutes  # not before check-in opened
    booked = json.loads((out / "figures.json").read_text(encoding="utf-8"))["appointments"]
    assert booked["booked"] == s["bookings"]["made"] == s["bookings"]["planned"] > 0
    assert booked["checked_in"] == s["bookings"]["checked_in"] + len(s["checked_in_on_kiosk_screen"])
    assert f"预约 {booked['booked']} 个：签到 {booked['checked_in']}" in done.stdout


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


SCREEN_1080P = {
    "synchronousWindowSystemEvents": False,
    "windowFrameMargins": True,  # a frame around each window, as a window manager draws one
    "screens": [{"name": "hd", "x": 0, "y": 0, "width": 1920, "height": 1080, "logicalDpiX": 96, "logicalDpiY": 96}],
}
# Run in a process of its own: the screen's size is fixed when Qt starts.
FRAMES_OF_THE_DESKTOP_DEMO = """
import json, sys
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from hallcall.gui.qtapp import make_app
from hallcall.launch.demo import desktop

make_app()  # the timer below needs the application the demo then uses
seen = {}

def look_and_close():
    app = QApplication.instance()
    area = app.primaryScreen().availableGeometry()
    seen["area"] = area.getRect()
    seen["frames"] = {
        w.windowTitle(): w.frameGeometry().getRect() for w in QApplication.topLevelWidgets() if w.isVisible()
    }
    for w in QApplication.topLevelWidgets():
        w.close()

QTimer.singleShot(4000, look_and_close)
code = desktop.run(port=0, out=Path(sys.argv[1]))
print(json.dumps({"code": code, **seen}))
"""


@pytest.mark.timeout(120)
def test_the_desktop_demos_windows_lie_within_a_1080p_screen(tmp_path: Path) -> None:
    """On a 1920 × 1080 screen whose windows have frames, every window of the desktop demo (the
    counters with their status line and auto-call box at the bottom) lies within the screen."""
    config = tmp_path / "screen.json"
    config.write_text(json.dumps(SCREEN_1080P), encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}"}
    command = [sys.executable, "-c", FRAMES_OF_THE_DESKTOP_DEMO, str(tmp_path / "tickets")]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["code"] == 0
    assert seen["area"] == [0, 0, 1920, 1080]
    area = layout.Box(*seen["area"])
    assert len(seen["frames"]) == 4, seen["frames"]
    for title, rect in seen["frames"].items():
        assert area.holds(layout.Box(*rect)), f"{title}: {rect} is not within {seen['area']}"
    counters = [layout.Box(*r) for t, r in seen["frames"].items() if "counter" in t.lower() or "窗口" in t]
    assert len(counters) == 2, seen["frames"]
    assert not counters[0].overlaps(counters[1])


@pytest.mark.parametrize(
    ("area", "frame"),
    [
        (layout.Box(0, 0, 1920, 1040), layout.Frame(4, 30, 4, 4)),  # 1080p with a task bar
        (layout.Box(0, 32, 1920, 1048), layout.Frame(1, 37, 1, 1)),  # a panel at the top
        (layout.Box(0, 0, 1366, 728), layout.Frame(4, 30, 4, 4)),  # a laptop: counters must overlap
        (layout.Box(1920, 0, 1280, 1024), layout.Frame()),  # a second screen, no frames
    ],
)
def test_the_layout_keeps_every_window_inside_the_area(area: layout.Box, frame: layout.Frame) -> None:
    counter, kiosk, display = (880, 586), (0, 0), (51, 65)
    boxes = layout.arrange(area, [kiosk, display], [counter, counter], frame)
    assert len(boxes) == 4
    for box in boxes:
        assert area.holds(box), (box, area)
    for box in boxes[2:]:  # the counters keep their minimum, frame included
        assert box.width >= counter[0] + frame.width and box.height >= counter[1] + frame.height
    if area.width >= 2 * (counter[0] + frame.width):
        assert not boxes[2].overlaps(boxes[3])
    assert not boxes[0].overlaps(boxes[1])
