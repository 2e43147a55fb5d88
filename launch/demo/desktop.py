"""The desktop demo: the demo hall's programs in windows, ready to click.

A real server runs the demo hall in a fresh data folder on the wall clock, issuing at any hour
(``--ignore-hours``), so the demo works in the evening too.  One process shows a kiosk whose
virtual printer writes each ticket as a PNG, two counters with their demo clerks signed in, and
the 1F display with its voice.  Closing every window, or Ctrl-C, stops everything, the server
included, and removes the data folder.
"""

from __future__ import annotations

import logging
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from hallcall.server.child import ServerChild, ServerDidNotStart

from . import hall, layout

log = logging.getLogger("hallcall.launch.demo")

KIOSK = "kiosk-1"
DISPLAY = "display-1F"
COUNTERS = ((1, "zhang.wei"), (5, "chen.jing"))  # a comprehensive window, a social/medical one
BORDER = 4  # a window frame's side, before the window manager has said


def run(port: int, out: Path, lang: str | None = None) -> int:
    """Run until every window is closed or Ctrl-C; 0 then, 1 when the server cannot start."""
    if not 0 <= port <= 65535:
        print(f"hallcall demo: --port must be 0 to 65535, not {port}", file=sys.stderr)
        return 2
    config = hall.load()
    data = Path(tempfile.mkdtemp(prefix="hallcall-demo-data-"))
    try:
        hall.prepare(config, data)
        try:
            server = hall.start(data, port=port, options=("--ignore-hours",))
        except ServerDidNotStart as exc:
            print(f"hallcall demo: {exc}\n(another program on port {port}? try --port 0)", file=sys.stderr)
            return 1
        try:
            return _open_windows(config, server, out.resolve(), lang)
        finally:
            server.stop()
    finally:
        shutil.rmtree(data, ignore_errors=True)


def _open_windows(config: Any, server: ServerChild, tickets: Path, lang: str | None) -> int:
    from hallcall.counter.app import CounterProgram
    from hallcall.display.app import DisplayApp
    from hallcall.gui.link import HallLink
    from hallcall.gui.qtapp import make_app, quit_on_signals
    from hallcall.kiosk.app import KioskWindow

    app = make_app()
    app.setQuitOnLastWindowClosed(True)
    wake = quit_on_signals(app)
    kiosk = next(d for d in config.devices.kiosks if d.name == KIOSK)
    screen = next(d for d in config.devices.displays if d.name == DISPLAY)
    kiosk_link = HallLink(server.url, {"role": "kiosk", "token": kiosk.token, "device": kiosk.name})
    kiosk_window = KioskWindow(kiosk_link, printer=f"virtual:{tickets}", lang=lang)
    kiosk_window.setWindowTitle("hallcall kiosk · 取号机")
    counters: list[Any] = []
    display: Any = None
    try:
        for number, clerk in COUNTERS:
            program = CounterProgram(server.url, number, clerk=clerk, lang=lang)
            counters.append(program)
            program.submit_sign_in(clerk, hall.PASSWORD)
        display = DisplayApp(server.url, screen.token, lang=lang)
        display.screen.setWindowTitle("hallcall display · 显示屏")
        keeper = _tile(app, [kiosk_window, display.screen, *(p.window for p in counters)], len(counters))
        kiosk_link.start()
        display.start()
        print(_welcome(server.url, server.http_url, tickets, config.kiosk.staff_pin), flush=True)
        code = int(app.exec())
        del keeper
        return code
    finally:
        wake.stop()
        if display is not None:
            display.stop()
        for program in counters:
            program.close()
        kiosk_window.shutdown()
        kiosk_link.stop()


def _tile(app: Any, windows: list[Any], counters: int) -> Any:
    """Show the windows inside the screen's available area (layout.py): kiosk and display
    above, the last ``counters`` windows below, none running off the screen.  Each can still
    be moved, resized or maximised.  Returns the filter that keeps them inside (keep_inside.py),
    to be kept while they are open."""
    from .keep_inside import KeepInside

    keeper = KeepInside()
    for window in windows:
        window.show()
    app.processEvents()  # shown: the layouts have set their minimum sizes, the frame is known
    area = app.primaryScreen().availableGeometry()
    frame = _frame(app, windows[0])
    minimums = [(w.minimumSize().width(), w.minimumSize().height()) for w in windows]
    split = len(windows) - counters
    boxes = layout.arrange(
        layout.Box(area.x(), area.y(), area.width(), area.height()), minimums[:split], minimums[split:], frame
    )
    for window, box in zip(windows, boxes, strict=True):
        inner = layout.contents(box, frame)
        window.setGeometry(inner.x, inner.y, inner.width, inner.height)
        window.installEventFilter(keeper)
    return keeper


def _frame(app: Any, window: Any) -> layout.Frame:
    """The window manager's frame around ``window``: measured once it is shown; until the
    manager has framed it (X11 does so a moment later) the style's title bar and a border."""
    from PySide6.QtWidgets import QStyle

    outer, inner = window.frameGeometry(), window.geometry()
    measured = layout.Frame(
        inner.x() - outer.x(), inner.y() - outer.y(), outer.right() - inner.right(), outer.bottom() - inner.bottom()
    )
    if measured.height > 0:
        return measured
    title = app.style().pixelMetric(QStyle.PixelMetric.PM_TitleBarHeight)
    return layout.Frame(BORDER, title + BORDER, BORDER, BORDER)


def _welcome(url: str, http_url: str, tickets: Path, pin: str) -> str:
    clerks = ", ".join(f"{clerk} (counter {n})" for n, clerk in COUNTERS)
    return "\n".join(
        (
            f"hallcall demo: the demo hall is open on {url}",
            "  windows: a kiosk, counters 1 and 5, the 1F display (with voice)",
            f"  clerks signed in: {clerks}; every demo clerk's password is {hall.PASSWORD}",
            f"  guide desk on the kiosk: the small button in the corner, PIN {pin}",
            f"  printed tickets: {tickets}",
            f"  health and figures: {http_url}/healthz  {http_url}/metrics",
            f"  more programs: hallcall counter --server {url} --counter 2 --clerk li.na   (see README.md)",
            "  close every window, or press Ctrl-C here, to stop",
        )
    )
