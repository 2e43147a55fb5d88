"""``hallcall demo --screenshots DIR``: every picture in docs/screenshots, drawn again.

One command renders them all from the programs as they are now, so the docs cannot show a
screen that no longer exists: the kiosk, counter and display (shots_qt.py) and the web pages
(shots_web.py) against the demo hall with its clock held still (still_hall.py), plus printed
tickets.  The same tickets, times and calls every run, so tests/test_screenshots.py can draw
them into a temporary folder and compare them with the committed ones.

Also ``python -m hallcall.launch.demo.screenshots DIR``.  Exit status 0 when every picture was
drawn and every word on them fits, 1 otherwise (said on standard error); Chromium or Playwright
missing only skips the web pages, and says so.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .camera import Camera, SceneFailed, Shot

log = logging.getLogger("hallcall.launch.demo")

COMMAND = "hallcall demo --screenshots docs/screenshots"


@dataclass
class Outcome:
    shots: list[Shot] = field(default_factory=list)
    skipped: str = ""  # why the web pages were not drawn ('' when they were)
    failed: list[str] = field(default_factory=list)  # scenes that did not reach their state
    seconds: float = 0.0

    def as_json(self) -> dict[str, object]:
        shots = [{"name": x.name, "texts": x.texts, "cut": x.cut} for x in self.shots]
        return {"shots": shots, "skipped": self.skipped, "failed": self.failed, "seconds": round(self.seconds, 1)}

    @property
    def cut(self) -> list[str]:
        return [f"{shot.name}: {what}" for shot in self.shots for what in shot.cut]


def render(out: Path, web: bool = True) -> Outcome:
    """Draw every screenshot into ``out``; the Qt application is made here when there is none."""
    from hallcall.gui.qtapp import make_app

    from . import shots_qt, shots_web
    from .still_hall import StillHall

    started = time.monotonic()
    out.mkdir(parents=True, exist_ok=True)
    make_app()
    camera = Camera(out)
    outcome = Outcome()
    still = StillHall()
    counters = shots_qt.Counters(still, camera)

    def attempt(scene: str, step: Callable[[], object]) -> bool:
        """Run one scene; a scene that fails is told and the next one runs (on the same hall)."""
        try:
            step()
            return True
        except SceneFailed as exc:
            outcome.failed.append(f"{scene}: {exc}")
            return False
        except Exception as exc:  # a program or the browser failed on the way: told, not hidden
            log.exception("the %s scene failed", scene)
            outcome.failed.append(f"{scene}: {exc!r}"[:500])
            return False

    try:
        printed = Path(still.data) / "printed"
        printed.mkdir()
        attempt("kiosk", lambda: shots_qt.kiosks(still, camera, printed))
        attempt("display", lambda: shots_qt.displays(still, camera))
        attempt("busy display", lambda: shots_qt.display_busy(still, camera))
        attempt("display without speech", lambda: shots_qt.display_speech_warning(still, camera))
        working = attempt("counter 1's morning", counters.busy_morning)
        if working:
            attempt("counter 1", counters.shoot)
        attempt("refused sign-in", counters.sign_in_refused)
        attempt("tickets", lambda: shots_qt.tickets(still, camera))
        outcome.skipped = shots_web.missing() if web else "not asked for"
        if not outcome.skipped:
            ticket = still.ask(still.kiosk(), "issue", service="business")
            status = f"/t/{still.day}/{ticket['ticket']['number']}?k={ticket.get('status_key', '')}"
            attempt("web pages", lambda: shots_web.pages(still, camera, counters.transferred, status))
        still.stop_server()
        if working:
            attempt("counter offline", counters.offline)
    finally:
        counters.close()
        still.close()
    outcome.shots = camera.shots
    outcome.seconds = time.monotonic() - started
    return outcome


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m hallcall.launch.demo.screenshots", description=__doc__)
    parser.add_argument("out", type=Path, help="the folder to draw into, e.g. docs/screenshots")
    parser.add_argument("--report", type=Path, help="also write what was drawn and found as JSON (for the tests)")
    args = parser.parse_args(argv)
    return run(args.out, args.report)


def run(out: Path, report: Path | None = None) -> int:
    """The command: draw, say what was drawn, how long it took and what is wrong."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    outcome = render(out)
    if report is not None:
        report.write_text(json.dumps(outcome.as_json(), ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"hallcall demo --screenshots: {len(outcome.shots)} pictures in {out} ({outcome.seconds:.0f} s)")
    if outcome.skipped:
        print(f"hallcall demo --screenshots: the web pages were skipped: {outcome.skipped}", file=sys.stderr)
    for problem in outcome.failed:
        print(f"hallcall demo --screenshots: not drawn: {problem}", file=sys.stderr)
    for problem in outcome.cut:
        print(f"hallcall demo --screenshots: cut off: {problem}", file=sys.stderr)
    return 1 if outcome.cut or outcome.skipped or outcome.failed else 0


if __name__ == "__main__":
    sys.exit(main())
