"""``hallcall demo``: the headless morning, run as a newcomer would, and its output checked
(tests/demo_output.py, shared with the installed-wheel test); the desktop demo's windows,
closed, stop everything."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import demo_output
import psutil
import pytest

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
