"""The headless demo's pictures of the web pages, taken while the morning runs.

At a chosen moment the supervisor's console, the evaluation pad of counter 1 (after its next
finish) and the status page of a ticket the kiosk screen issued are photographed at their
sizes (desktop, tablet, phone); at the end, the report page with the morning's charts.  The
browser (Debian's Chromium through Playwright, shots_web.py) runs on a thread of its own, so
Qt and the simulated hall go on meanwhile: the Qt thread asks, this thread takes the pictures.
Without Chromium or Playwright the demo says so once and skips only these pages.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import shots_web
from .camera import Camera

log = logging.getLogger("hallcall.launch.demo")

Job = Callable[[Any], None]  # given the browser


class WebMoments:
    """A browser thread that photographs the hall's web pages into ``folder`` when asked."""

    def __init__(self, base: str, folder: Path, pad_token: str) -> None:
        self.base = base
        self.camera = Camera(folder)
        self.pad_token = pad_token
        self.problems: list[str] = []
        self._jobs: queue.Queue[Job | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="web-pages", daemon=True)

    def start(self) -> None:
        self.camera.folder.mkdir(parents=True, exist_ok=True)
        self._thread.start()

    def moment(self, label: str, status_path: str | None) -> None:
        """From the Qt thread: the console, counter 1's pad after its next finish, and (given)
        a ticket's status page, named ``label-…png``."""
        self._jobs.put(lambda browser: self._moment(browser, label, status_path))

    def report(self, label: str) -> None:
        self._jobs.put(lambda browser: self._report(browser, label))

    def finish(self, seconds: float = 60.0) -> None:
        """Wait for the pictures asked for (at most ``seconds``) and close the browser."""
        self._jobs.put(None)
        self._thread.join(seconds)
        if self._thread.is_alive():
            self.problems.append(f"the web pages' pictures took longer than {seconds:.0f} s")

    @property
    def shots(self) -> list[Path]:
        return [shot.path for shot in self.camera.shots]

    def _run(self) -> None:
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as pw:
                browser = shots_web.launch(pw)
                try:
                    while (job := self._jobs.get()) is not None:
                        try:
                            job(browser)
                        except Exception as exc:  # one page failing leaves the others and the demo
                            log.exception("a web page's picture failed")
                            self.problems.append(f"a web page's picture failed: {exc!r}"[:300])
                finally:
                    browser.close()
        except Exception as exc:
            log.exception("the browser did not start")
            self.problems.append(f"the browser did not start: {exc!r}"[:300])

    def _moment(self, browser: Any, label: str, status_path: str | None) -> None:
        page = shots_web.new_page(browser, shots_web.DESKTOP)
        try:
            shots_web.sign_in(page, self.base, "/console")
            page.wait_for_selector('tr[data-counter="1"]')
            shots_web.take(self.camera, page, f"{label}-console.png")
        finally:
            page.context.close()
        pad = shots_web.new_page(browser, shots_web.TABLET)
        try:
            pad.goto(f"{self.base}/pad/1?token={self.pad_token}")
            pad.wait_for_selector("#rate", state="visible", timeout=60_000)  # counter 1's next finish
            shots_web.take(self.camera, pad, f"{label}-pad.png")
        finally:
            pad.context.close()
        if status_path:
            phone = shots_web.new_page(browser, shots_web.PHONE)
            try:
                phone.goto(f"{self.base}{status_path}")
                phone.wait_for_function("window.hallcallStatus && window.hallcallStatus.view() !== null")
                shots_web.take(self.camera, phone, f"{label}-status.png")
            finally:
                phone.context.close()

    def _report(self, browser: Any, label: str) -> None:
        page = shots_web.new_page(browser, shots_web.DESKTOP)
        try:
            shots_web.sign_in(page, self.base, "/console/report")
            page.wait_for_selector("#groups tbody tr")
            page.wait_for_function("document.getElementById('hours-chart').width > 0")
            shots_web.take(self.camera, page, f"{label}-report.png")
        finally:
            page.context.close()
