"""The headless demo: a simulated hall morning, written to a folder.

A real server runs the demo hall on a simulated clock (a Monday from 08:15, ``speed`` times
real time).  The simulator's visitors and clerks fill it; one kiosk screen, one counter program
and one hall display run for real, offscreen, among them: the visitors tap the kiosk, whose
virtual printer writes each ticket, one simulated clerk works counter 1 through its program,
and the display announces the calls into WAV files.  At chosen moments the three screens are
photographed, their clocks set to the hall's time first; at 10:00 a browser photographs the web
pages too (web_moments.py), and the report page at the end.  At the end the morning's figures
are read from the hall's database.

Appointments (预约): a quarter of the visitors for services that take bookings have booked a
slot beforehand (the guide desk books them as the morning begins, see launch/sim/plan.py).  Those
who come on time check in on the kiosk screen when it is free (the appointment button, the
code typed key by key), elsewhere at the simulator's kiosks; the demo then prints one of them:
the booking's code, its appointment ticket and the counter that called it, from the database.

The folder holds ``screens/HHMM-{kiosk,counter,display}.png``, ``screens/1000-{console,pad,
status}.png`` and ``screens/end-report.png``, ``tickets/NUMBER.{bin,txt,png}``,
``announcements/*.wav``, ``figures.{json,txt}`` and ``summary.json`` (what the simulator did,
which tickets the kiosk screen issued, and the appointment it printed).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hallcall.i18n import Strings
from hallcall.launch.sim import plan, runner
from hallcall.launch.sim.figures import Figures, read_figures
from hallcall.server import reports
from hallcall.server.child import ServerDidNotStart
from hallcall.server.domain.model import APPOINTMENT

from . import hall

if TYPE_CHECKING:
    from .web_moments import WebMoments

log = logging.getLogger("hallcall.launch.demo")

KIOSK, KIOSK_SIZE = "kiosk-1", (1920, 1080)
DISPLAY, DISPLAY_SIZE = "display-1F", (1920, 1080)
COUNTER, CLERK, COUNTER_SIZE = 1, "zhang.wei", (1366, 800)
OPENS, ISSUING_ENDS, CLERKS_STOP = "08:30", "12:00", "12:30"
CLOCK_START = "08:15"  # the programs connect and the clerks sign in before the doors open
MOMENTS = ("08:45", "10:00", "11:15", "12:05")
WEB_MOMENT = "10:00"  # the web pages are photographed then too (and the report at the end)
KEEP_PHRASES = 6  # announcements kept as WAV files; the voice is then turned off
READY_SECONDS = 30.0


@dataclass
class Options:
    out: Path
    seed: int = 2026
    speed: float = 300.0
    profile: plan.Profile = field(default_factory=lambda: plan.Profile(booked_share=plan.BOOKED_SHARE))
    lang: str | None = None  # the programs' language; None = the hall's first


# The appointment the demo shows, in the programs' language.
WORDS = Strings(
    {
        "appointment": (
            "预约：预约码 {code}（{service}，{start} 时段）在 {device} 签到，取得预约号 {number}，"
            "{called} 由 {counter} 号窗口呼叫",
            "Appointment: booking {code} ({service}, the {start} slot) checked in at {device} as {number} "
            "(class appointment), called to counter {counter} at {called}",
        ),
        "no_appointment": (
            "本次演示没有预约签到后被呼叫。",
            "No booked visitor was checked in and called this morning.",
        ),
    }
)  # fmt: skip


def run(options: Options) -> int:
    """Play the morning; print the figures and where the output went.

    Exit status: 0 when the morning ran and its figures add up, 1 when they do not or
    something failed on the way (said on standard error), 130 when stopped by Ctrl-C."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    config = hall.load()
    options.out.mkdir(parents=True, exist_ok=True)
    data = Path(tempfile.mkdtemp(prefix="hallcall-demo-data-"))
    try:
        return _play(options, config, data)
    except ServerDidNotStart as exc:
        print(f"hallcall demo: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(data, ignore_errors=True)


def _play(options: Options, config: Any, data: Path) -> int:
    from hallcall.gui.qtapp import make_app, quit_on_signals

    out = options.out
    database = hall.prepare(config, data)
    day = plan.next_open_day(config, dt.date.today())

    def at(text: str) -> float:
        return hall.moment(config, day, text)

    started = time.monotonic()
    clock = ("--clock-start", f"{day.isoformat()}T{CLOCK_START}", "--clock-speed", str(options.speed))
    server = hall.start(data, options=clock)
    programs: _Programs | None = None
    web: WebMoments | None = None
    app = make_app()
    _quiet_offscreen_warnings()
    wake = quit_on_signals(app)
    try:
        programs = _Programs(server.url, config, out, options.lang)
        if not programs.wait_ready(app, READY_SECONDS):
            print(f"hallcall demo: the programs did not connect within {READY_SECONDS:.0f} s", file=sys.stderr)
            return 1
        settings = runner.Settings(
            config,
            server.url,
            hall.PASSWORD,
            options.seed,
            at(OPENS),
            at(ISSUING_ENDS),
            at(CLERKS_STOP),
            profile=options.profile,
            supervisor=(hall.SUPERVISOR, hall.PASSWORD),
            screen_kiosks={KIOSK: programs.kiosk_bridge.offer},
            screen_check_in=programs.kiosk_bridge.offer_check_in,
            screen_desks={COUNTER: programs.desk},
        )
        web = _web_pages(server.http_url, config, out / "screens")
        morning = _Morning(settings)
        morning.start()
        _Photographer(programs, morning, [(m, at(m)) for m in MOMENTS], out / "screens", web).run(app)
        if morning.thread.is_alive():  # Qt ended early: Ctrl-C or SIGTERM
            print("hallcall demo: stopped before the morning was over", file=sys.stderr)
            return 130
        programs.photograph(out / "screens", "end", morning.hall_time())
        if web is not None:
            web.report("end")
            web.finish()
            for problem in web.problems:
                print(f"hallcall demo: {problem}", file=sys.stderr)
    finally:
        wake.stop()
        if programs is not None:
            programs.close(app)
        server.stop()
    if morning.error is not None:
        print(f"hallcall demo: the simulation failed: {morning.error!r}", file=sys.stderr)
        return 1
    report = morning.report
    lang = options.lang or config.hall.languages[0]
    figures = read_figures(database, config, report.day, estimates=report.estimates, late=report.bookings.late)
    figures.write(out)
    # the kiosk screen's check-ins first: the one the screenshots and printed tickets show
    check_ins = [*programs.kiosk_bridge.check_ins.items(), *report.bookings.checked_in.items()]
    shown = _appointment(database, config, report.day, check_ins)
    _write_summary(out, report, programs, figures, time.monotonic() - started, web, shown)
    print(figures.table(lang))
    print()
    if shown is not None:
        name = config.service(shown["service"]).name.get(lang)
        print(WORDS("appointment", lang, **{**shown, "service": name}))
    else:
        print(WORDS("no_appointment", lang), file=sys.stderr)
    for problem in report.errors:
        print(f"hallcall demo: {problem}", file=sys.stderr)
    print(f"\nhallcall demo: the morning of {report.day} is in {out.resolve()}")
    return 0 if figures.adds_up() and not report.errors else 1


def _appointment(database: Path, config: Any, day: str, check_ins: list[tuple[str, str]]) -> dict[str, Any] | None:
    """The first of ``check_ins`` (booking code, ticket number; the kiosk screen's first) that the
    database shows as an appointment-class ticket of that booking, called at a counter: what the
    demo prints, from the server's record rather than the simulator's."""
    conn = reports.connect_read_only(database)
    try:
        first_calls = reports.first_calls(conn, day, day)
        for code, number in check_ins:
            booking = conn.execute(
                "SELECT service, start, state, ticket FROM bookings WHERE code = ? AND day = ?", (code, day)
            ).fetchone()
            ticket = conn.execute(
                "SELECT id, priority, device FROM tickets WHERE day = ? AND number = ?", (day, number)
            ).fetchone()
            if booking is None or ticket is None or booking[2:] != ("checked_in", number):
                continue
            if ticket[1] != APPOINTMENT or ticket[0] not in first_calls:
                continue
            called, counter, _clerk = first_calls[ticket[0]]
            return {
                "code": code,
                "service": booking[0],
                "start": booking[1],
                "device": ticket[2],
                "number": number,
                "priority": "appointment",
                "counter": counter,
                "called": dt.datetime.fromtimestamp(called, config.tz).strftime("%H:%M"),
            }
    except sqlite3.Error as exc:
        log.warning("the appointments could not be read: %s", exc)
    finally:
        conn.close()
    return None


def _web_pages(http_url: str, config: Any, folder: Path) -> WebMoments | None:
    """The browser that photographs the web pages, or None (said once) when Chromium or
    Playwright is not here: the demo then goes on without those pages."""
    from . import shots_web

    why = shots_web.missing()
    if why:
        print(f"hallcall demo: the web pages are not photographed: {why}", file=sys.stderr)
        return None
    from .web_moments import WebMoments

    pad = next(d for d in config.devices.pads if d.counter == COUNTER)
    web = WebMoments(http_url, folder, pad.token)
    web.start()
    return web


def _quiet_offscreen_warnings() -> None:
    """The offscreen platform warns once per window that it cannot pass size hints on; that is
    true and harmless, and it would bury the demo's own output."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(_mode: object, _context: object, message: str) -> None:
        if "propagateSizeHints" not in message:
            print(message, file=sys.stderr)

    qInstallMessageHandler(handler)


class _Morning:
    """The simulation, in a thread of its own with its own asyncio loop."""

    def __init__(self, settings: runner.Settings) -> None:
        self.simulation = runner.Simulation(settings)
        self.report = runner.Report()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="simulation", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        import asyncio

        try:
            self.report = asyncio.run(self.simulation.run())
        except BaseException as exc:  # reported on the Qt thread, which ends the demo
            log.exception("the simulation failed")
            self.error = exc

    def hall_time(self) -> float | None:
        """The hall's simulated time, once the simulator has read it from the server."""
        clock = self.simulation.clock
        return clock.now() if clock.synced else None


class _Programs:
    """The kiosk, counter and display running for real, offscreen."""

    def __init__(self, url: str, config: Any, out: Path, lang: str | None) -> None:
        from hallcall.counter.app import CounterProgram
        from hallcall.display.app import DisplayApp
        from hallcall.display.playback import FilePlayer
        from hallcall.gui.link import HallLink
        from hallcall.kiosk.app import KioskWindow

        from .bridge import ScreenDesk, ScreenKiosk

        kiosk = next(d for d in config.devices.kiosks if d.name == KIOSK)
        self.kiosk_link = HallLink(url, {"role": "kiosk", "token": kiosk.token, "device": kiosk.name})
        self.kiosk = KioskWindow(self.kiosk_link, printer=f"virtual:{out / 'tickets'}", lang=lang)
        self.kiosk.resize(*KIOSK_SIZE)
        self.kiosk.show()
        self.kiosk_bridge = ScreenKiosk(self.kiosk)
        self.kiosk_link.start()

        self.counter = CounterProgram(url, COUNTER, clerk=CLERK, lang=lang)
        self.counter.window.resize(*COUNTER_SIZE)
        self.counter.show()
        self.counter.submit_sign_in(CLERK, hall.PASSWORD)
        self.desk = ScreenDesk(self.counter)

        display = next(d for d in config.devices.displays if d.name == DISPLAY)
        self.player = FilePlayer(out / "announcements", KEEP_PHRASES)
        self.display = DisplayApp(url, display.token, player=self.player, lang=lang)
        self.display.screen.resize(*DISPLAY_SIZE)
        self.display.screen.show()
        self.display.start()
        self.clocks: dict[str, str] = {}  # the display's clock as photographed, by label

    def wait_ready(self, app: Any, seconds: float) -> bool:
        """Run Qt until all three are connected (and the clerk signed in), or give up."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            app.processEvents()
            if self.kiosk_link.connected and self.counter.signed_in and self.display.link.connected:
                return True
            time.sleep(0.02)
        return False

    def photograph(self, folder: Path, label: str, now: float | None = None) -> list[Path]:
        """Screenshots of the three screens.  A kiosk showing a visitor's ticket is photographed
        with it, then tapped back to its start screen (as the visitor would) and photographed
        again, so every moment has the service buttons with their live counts."""
        folder.mkdir(parents=True, exist_ok=True)
        self.show_hall_time(now)
        self.clocks[label] = self.display.screen.clock.text()
        paths = []
        if self.kiosk.stack.currentWidget() is self.kiosk.confirm:
            paths.append(self._grab(self.kiosk, folder / f"{label}-kiosk-ticket.png"))
            self.kiosk.confirm.done.emit()
        paths.append(self._grab(self.kiosk, folder / f"{label}-kiosk.png"))
        paths.append(self._grab(self.counter.window, folder / f"{label}-counter.png"))
        paths.append(self._grab(self.display.screen, folder / f"{label}-display.png"))
        return paths

    def latest_status_path(self) -> str | None:
        """The status page of the last ticket the kiosk screen issued (its holder still waits)."""
        numbers = self.kiosk_bridge.numbers
        return self.kiosk_bridge.status_paths.get(numbers[-1]) if numbers else None

    def show_hall_time(self, now: float | None = None) -> None:
        """Set the three screens' clocks to the hall's time ``now`` (the simulator's, read from
        the server) and redraw them.  Each program follows the server's clock from its last
        snapshot, which it took as it started, late by however long Qt took to get to it: at
        300x, half a second late is two and a half hall minutes, and a picture "at 08:45"
        showed 08:42.  They also redraw only once a real second (five hall minutes)."""
        if now is not None:
            for mirror in (self.kiosk.mirror, self.counter.state.mirror, self.display.board.mirror):
                mirror.clock.sync({"server_time": now, "clock_speed": mirror.clock.speed})
        self.kiosk._tick()
        self.counter._tick()
        self.display.screen._tick()

    @staticmethod
    def _grab(widget: Any, path: Path) -> Path:
        widget.grab().save(str(path))
        return path

    def close(self, app: Any) -> None:
        self.display.stop()
        self.counter.close()
        self.kiosk.shutdown()
        self.kiosk_link.stop()
        self.kiosk.close()
        app.processEvents()


class _Photographer:
    """Watches the hall's time from the Qt thread: photographs the screens at each moment, turns
    the voice off once enough announcements are kept, and ends Qt when the morning is over."""

    def __init__(
        self,
        programs: _Programs,
        morning: _Morning,
        moments: list[tuple[str, float]],
        folder: Path,
        web: WebMoments | None = None,
    ) -> None:
        self.programs = programs
        self.morning = morning
        self.moments = moments
        self.folder = folder
        self.web = web

    def run(self, app: Any) -> None:
        from PySide6.QtCore import QTimer

        timer = QTimer()
        timer.timeout.connect(lambda: self._tick(app))
        timer.start(50)
        app.exec()
        timer.stop()

    def _tick(self, app: Any) -> None:
        now = self.morning.hall_time()
        while now is not None and self.moments and now >= self.moments[0][1]:
            label, _ = self.moments.pop(0)
            self.programs.photograph(self.folder, label.replace(":", ""), self.morning.hall_time())
            if label == WEB_MOMENT and self.web is not None:
                self.web.moment(label.replace(":", ""), self.programs.latest_status_path())
        if self.programs.player.full:
            self.programs.display.silence()
        if not self.morning.thread.is_alive():
            app.quit()


def _write_summary(
    out: Path,
    report: runner.Report,
    programs: _Programs,
    figures: Figures,
    seconds: float,
    web: WebMoments | None,
    appointment: dict[str, Any] | None,
) -> None:
    summary = {
        "day": report.day,
        "seconds": round(seconds, 1),
        "planned_arrivals": report.planned,
        "issued_by_simulator": report.issued,
        "handed_to_kiosk_screen": report.on_screen_kiosks,
        "issued_on_kiosk_screen": programs.kiosk_bridge.numbers,
        "taps_the_kiosk_dropped": programs.kiosk_bridge.dropped,
        "refused": dict(report.refused),
        "lost": report.lost,
        "cancelled_at_guide_desk": report.cancels,
        "clerks": report.clerks.__dict__,
        "announcements": [p.name for p in programs.player.saved],
        "clocks_shown": programs.clocks,
        "web_pages": [p.name for p in web.shots] if web is not None else [],
        "web_problems": web.problems if web is not None else ["Chromium or Playwright missing"],
        "figures_add_up": figures.adds_up(),
        "estimate_accuracy": figures.total().accuracy.to_dict(),
        "bookings": report.bookings.to_dict(),
        "checked_in_on_kiosk_screen": programs.kiosk_bridge.check_ins,
        "check_ins_refused_on_kiosk_screen": programs.kiosk_bridge.check_ins_refused,
        "appointment_shown": appointment,
        "errors": report.errors,
    }
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
