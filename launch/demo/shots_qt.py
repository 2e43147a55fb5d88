"""The screenshots of the kiosk, counter and display programs, and of printed tickets.

Every scene runs the real program, offscreen, against the still demo hall (still_hall.py) and
brings it to the state the docs show by the program's own means (a tap, a key, a sign-in) or
by other real clients of the hall (a kiosk issuing, a clerk calling).  The scenes run in a
fixed order on one hall, so ticket numbers and times come out the same on every run.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from . import hall
from .camera import Camera, SceneFailed, Shot, wait_until
from .still_hall import PUBLIC_URL, StillHall

KIOSK_TOKEN_NAME = "kiosk-1"
DISPLAY = "display-1F"
LANDSCAPE, PORTRAIT = (1920, 1080), (1080, 1920)
COUNTER_SIZE = (1366, 800)
FIRST_FLOOR = hall.a_clerks(hall.load(), "1F")  # the first-floor counters and their A clerks


def kiosks(still: StillHall, camera: Camera, tickets: Path) -> None:
    """The kiosk's start and confirmation screens in both languages and shapes, the guide desk,
    and a printer that cannot be reached (the number and its QR code stay on the screen)."""
    kiosk_client = still.kiosk()
    for service in ("social", "social", "medical", "tax", "tax", "tax", "business"):
        still.issue(kiosk_client, service)
    window = _kiosk_window(still, f"virtual:{tickets}", "zh")
    try:
        wait_until("the kiosk's tax button to count 3 waiting", lambda: "3" in window.service_button("tax").info.text())
        for size, langs in ((LANDSCAPE, ("zh", "en")), (PORTRAIT, ("zh",))):
            window.resize(*size)
            for lang in langs:
                window.set_lang(lang)
                camera.take(window, f"kiosk-start-{lang}-{size[0]}x{size[1]}.png")
        for size, lang in ((LANDSCAPE, "zh"), (LANDSCAPE, "en"), (PORTRAIT, "en")):
            window.resize(*size)
            window.set_lang(lang)
            _issue_on_screen(window, "social")
            camera.take(window, f"kiosk-confirm-{lang}-{size[0]}x{size[1]}.png")
            window.confirm.done.emit()
        window.resize(*LANDSCAPE)
        window.set_lang("zh")
        window.open_pin_pad()
        for digit in still.config.kiosk.staff_pin:
            window.pin_pad.digit_keys[digit].click()
        window.pin_pad.ok_button.click()
        wait_until("the guide desk to open", lambda: window.stack.currentWidget() is window.desk)
        camera.take(window, "kiosk-guide-desk-zh-1920x1080.png")
        window.close_desk()
        _check_in(still, camera, window)
    finally:
        _close_kiosk(window)
    # A printer on the network that does not answer: the visitor keeps the number on screen.
    window = _kiosk_window(still, "network:127.0.0.1:9", "en")
    try:
        _issue_on_screen(window, "social", printed=False)
        wait_until("the kiosk to give up on its printer", lambda: window.confirm.print_state == "fault", 20)
        camera.take(window, "kiosk-fallback-en-1920x1080.png")
        window.confirm.done.emit()
    finally:
        _close_kiosk(window)


def _check_in(still: StillHall, camera: Camera, window: Any) -> None:
    """Appointment check-in: a phone's last four digits matching two of today's bookings (zh),
    and a booking whose check-in has not opened yet (en)."""
    sup = still.supervisor()
    for name, phone in (("陈静", "13800135678"), ("林涛", "13912345678")):
        still.ask(sup, "book", service="tax", day=still.day, start="10:00", name=name, phone=phone)
    later = still.ask(sup, "book", service="tax", day=still.day, start="11:30", name="周敏", phone="13700001111")
    screen = window.check_in
    window.set_lang("zh")
    wait_until("the check-in button", window.start_screen.appointment_button.isVisible)
    window.start_screen.appointment_button.click()
    for digit in "5678":
        screen.keys[digit].click()
    screen.ok_button.click()
    wait_until("the two bookings to pick from", lambda: len(screen.match_buttons) == 2)
    camera.take(window, "kiosk-check-in-zh-1920x1080.png")
    window.set_lang("en")
    screen.reset()
    for char in later["booking"]["code"]:
        screen.keys[char].click()
    screen.ok_button.click()
    wait_until("check-in to be refused as too early", lambda: not screen.checking and "11:00" in screen.message.text())
    camera.take(window, "kiosk-check-in-en-1920x1080.png")
    screen.cancelled.emit()


def _kiosk_window(still: StillHall, printer: str, lang: str) -> Any:
    from hallcall.gui.link import HallLink
    from hallcall.kiosk.app import KioskWindow

    device = next(d for d in still.config.devices.kiosks if d.name == KIOSK_TOKEN_NAME)
    link = HallLink(still.url, {"role": "kiosk", "token": device.token, "device": device.name})
    window = KioskWindow(link, printer=printer, lang=lang)
    window.resize(*LANDSCAPE)
    window.show()
    link.start()
    wait_until("the kiosk to connect", lambda: link.connected and bool(window.start_screen.buttons))
    return window


def _issue_on_screen(window: Any, service: str, printed: bool = True) -> None:
    """A visitor's tap on a service: the confirmation screen with the server's number (and,
    with a working printer, the ticket printed)."""
    outcomes: list[str] = []
    window.print_done.connect(lambda number, _result: outcomes.append(number))
    window.issue(service)
    wait_until("the kiosk's ticket", lambda: window.confirm.ticket is not None and window.issuing is None)
    if printed:
        wait_until("the ticket to be printed", lambda: bool(outcomes))


def _close_kiosk(window: Any) -> None:
    window.shutdown()
    window.link.stop()
    window.close()


def displays(still: StillHall, camera: Camera) -> list[str]:
    """The first-floor display with a call at each of its eight counters, 25 s apart, in both
    shapes and languages; returns the numbers called, oldest first."""
    kiosk = still.kiosk()
    for service, count in (("social", 5), ("medical", 4), ("business", 3), ("consult", 2)):
        still.issue(kiosk, service, count)
    called = []
    for number, clerk in FIRST_FLOOR.items():
        still.clock.advance(25)
        counter = still.counter(number, clerk)
        called.append(still.ask(counter, "call_next")["ticket"]["number"])
    device = next(d for d in still.config.devices.displays if d.name == DISPLAY)
    for lang, size, name in (
        ("zh", LANDSCAPE, "display-landscape-zh.png"),
        ("en", LANDSCAPE, "display-landscape-en.png"),
        ("zh", PORTRAIT, "display-portrait-zh.png"),
        ("en", PORTRAIT, "display-portrait-en.png"),
    ):
        _display_shot(still, camera, device.token, lang, size, name, len(called))
    return called


def _display_shot(
    still: StillHall, camera: Camera, token: str, lang: str, size: tuple[int, int], name: str, calls: int
) -> None:
    from hallcall.display.app import DisplayApp

    app = DisplayApp(still.url, token, lang=lang, voice=False)
    try:
        screen = app.screen
        screen.resize(*size)
        screen.show()
        app.start()
        wait_until("the display's calls", lambda: sum(1 for r in screen.rows if not r.isHidden()) == calls)
        wait_until("the display's notice line", lambda: screen.marquee.isVisible())
        screen.flash(screen.board.newest())
        camera.take(screen, name, hold=lambda: _still_marquee(screen))
    finally:
        app.stop()
        app.screen.close()


def _still_marquee(screen: Any) -> None:
    """The notice line from its start: a scrolling line would be somewhere else each time."""
    screen.marquee.timer.stop()
    screen.marquee.offset = 0.0
    screen.marquee.update()


def display_speech_warning(still: StillHall, camera: Camera) -> None:
    """The display whose speech engine will not start: calls still show, with a warning that
    only the chime sounds (and the fault goes to the server)."""
    from hallcall.display.app import DisplayApp
    from hallcall.display.playback import RecordingPlayer

    device = next(d for d in still.config.devices.displays if d.name == DISPLAY)
    broken = [sys.executable, "-c", "raise SystemExit('no speech engine here')"]
    app = DisplayApp(still.url, device.token, lang="zh", player=RecordingPlayer(), worker_command=broken)
    try:
        screen = app.screen
        screen.resize(*LANDSCAPE)
        screen.show()
        app.start()
        wait_until("the display's speech warning", lambda: screen.warning.isVisible(), 20)
        wait_until("the display's calls", lambda: any(not r.isHidden() for r in screen.rows))
        camera.take(screen, "display-speech-warning.png", hold=lambda: _still_marquee(screen))
    finally:
        app.stop()
        app.screen.close()


def display_busy(still: StillHall, camera: Camera) -> None:
    """The first floor busier: recalls and calls on top of the eight, in English, landscape."""
    kiosk = still.kiosk()
    still.issue(kiosk, "consult", 3)
    for number in (1, 2, 3):
        still.clock.advance(20)
        counter = still.counter(number, FIRST_FLOOR[number])
        still.ask(counter, "no_show")
        still.ask(counter, "call_next")
    device = next(d for d in still.config.devices.displays if d.name == DISPLAY)
    from hallcall.display.app import DisplayApp

    app = DisplayApp(still.url, device.token, lang="en", voice=False)
    try:
        screen = app.screen
        screen.resize(*LANDSCAPE)
        screen.show()
        app.start()
        wait_until("the busy display's calls", lambda: sum(1 for r in screen.rows if not r.isHidden()) >= 8)
        screen.flash(screen.board.newest())
        camera.take(screen, "display-busy-landscape-en.png", hold=lambda: _still_marquee(screen))
    finally:
        app.stop()
        app.screen.close()


class Counters:
    """Counter 1's clerk on a busy morning: the main window in both languages, the compact
    bar, a 1024 × 768 screen, the transfer dialog; another counter's refused sign-in; and, once
    the server is gone, the offline screen."""

    def __init__(self, still: StillHall, camera: Camera) -> None:
        self.still = still
        self.camera = camera
        self.program: Any = None
        self.transferred = ""  # the ticket counter 3 sent to counter 1: its journey has long gaps

    def busy_morning(self) -> None:
        from hallcall.counter.app import CounterProgram

        still = self.still
        kiosk = still.kiosk()
        still.issue(kiosk, "pickup", 2)
        desk = still.ask(kiosk, "unlock_desk", pin=still.config.kiosk.staff_pin)["desk"]
        still.issue(kiosk, "pickup", 1, priority="green", desk=desk)  # the guide desk's green channel
        still.issue(kiosk, "tax", 1)
        still.issue(kiosk, "consult", 1)
        program = self.program = CounterProgram(still.url, 1, clerk=FIRST_FLOOR[1], lang="zh")
        program.window.resize(*COUNTER_SIZE)
        program.show()
        program.submit_sign_in(FIRST_FLOOR[1], hall.PASSWORD)
        wait_until("counter 1's clerk to sign in", lambda: program.connected() and program.state.loaded)
        for kind in ("finish", "call_next", "start", "finish", "call_next", "hold"):
            still.clock.advance(90)
            self.act(kind)
        other = still.counter(3, FIRST_FLOOR[3])
        still.ask(other, "finish")
        self.transferred = still.ask(other, "call_next")["ticket"]["number"]
        still.ask(other, "transfer", to_counter=1, reason="需核对社保缴费记录")
        still.clock.advance(9 * 60)
        self.act("call_next")
        self.act("start")
        still.clock.advance(4 * 60 + 12)
        still.ask(kiosk, "device_status", state="fault", code="printer.out_of_paper", detail="out of paper")
        program.link.request("snapshot")  # a fresh snapshot also sets the program's clock
        wait_until("the kiosk's fault on counter 1", lambda: "kiosk-1" in program.screen.warnings.text())
        program._tick()

    def act(self, kind: str) -> None:
        program = self.program
        program.send(kind)
        wait_until(f"counter 1's {kind} to be answered", lambda: not program.pending)

    def shoot(self) -> None:
        program, camera = self.program, self.camera
        for lang in ("zh", "en"):
            if program.lang != lang:
                program.toggle_lang()
            program._tick()
            camera.take(program.window, f"counter-{lang}.png")
            program.set_compact(True)
            wait_until("the compact bar", lambda: program.bar.isVisible())
            camera.take(program.bar, f"counter-compact-{lang}.png")
            program.set_compact(False)
            wait_until("the counter window", lambda: program.window.isVisible())
        program.window.resize(1024, 700)
        camera.take(program.window, "counter-1024-en.png")
        program.window.resize(*COUNTER_SIZE)
        program.do("transfer")
        wait_until("the transfer dialog", lambda: program.dialog is not None and program.dialog.isVisible())
        dialog = program.dialog
        dialog.resize(640, 480)
        counters = dialog.counters
        item = next(counters.item(i) for i in range(counters.count()) if counters.item(i).data(256) == 3)
        counters.setCurrentItem(item)
        dialog.reason.setText("needs the consultation desk")
        camera.take(dialog, "counter-transfer-en.png")
        dialog.reject()

    def sign_in_refused(self) -> None:
        from hallcall.counter.app import CounterProgram

        program = CounterProgram(self.still.url, 4, clerk=FIRST_FLOOR[4], lang="zh")
        try:
            program.window.resize(*COUNTER_SIZE)
            program.show()
            program.sign_in.password.setText("wrong-password")
            program.sign_in.button.click()
            wait_until("the refused sign-in", lambda: program.link is not None and program.link.state == "refused")
            wait_until("the sign-in page's message", lambda: program.sign_in.message.text() != "")
            self.camera.take(program.window, "counter-sign-in-zh.png")
        finally:
            program.close()

    def offline(self) -> None:
        """After the server has stopped (still.stop_server): every action off, and why."""
        program = self.program
        wait_until("counter 1 to see the server gone", lambda: program.link.state == "reconnecting", 15)
        program._tick()
        self.camera.take(program.window, "counter-offline-en.png")

    def close(self) -> None:
        if self.program is not None:
            self.program.close()


def tickets(still: StillHall, camera: Camera) -> None:
    """Printed tickets as the virtual printer draws them: a green-channel real-estate ticket in
    Chinese and English on 80 mm paper, and in Chinese on 58 mm."""
    from hallcall.kiosk.ticket import TicketData, render
    from hallcall.kiosk.virtual_printer import decode, render_png

    config = still.config
    service = next(s for s in config.services if s.id == "realestate")
    ticket = TicketData(
        hall_name={"zh": config.hall.name.zh, "en": config.hall.name.en},
        number=f"{service.prefix}012",
        service_name={"zh": service.name.zh, "en": service.name.en},
        ahead=11,
        estimated_wait_s=1500,
        issued_at=still.clock.now(),
        timezone=config.hall.timezone,
        materials={"zh": list(service.materials.zh), "en": list(service.materials.en)},
        status_url=f"{PUBLIC_URL}/t/{still.day}/{service.prefix}012",
        footer={"zh": config.kiosk.footer.zh, "en": config.kiosk.footer.en},
        priority="green",
    )
    for lang, paper in (("zh", 80), ("en", 80), ("zh", 58)):
        decoded = decode(render(ticket, lang, paper_mm=paper, encoding=config.kiosk.encoding))
        name = f"ticket-{lang}-{paper}mm.png"
        path = render_png(decoded, camera.folder / name, paper)
        camera.keep(Shot(name, path, decoded.text.splitlines()))


__all__ = ["Counters", "SceneFailed", "display_busy", "display_speech_warning", "displays", "kiosks", "tickets"]
