"""Ticket printing figures: bytes per ticket, time on the wire, and tap → first byte.

1. Bytes of a ticket for every service of the demo hall (assets/demo-hall.toml, its [kiosk]
   footer), in zh and en, 80 mm paper, in three modes: text (GB18030 + the printer's own QR
   code), image (Chinese lines as 1-bit images + native QR), image+QR image.  The time those
   bytes take on a serial line is *computed*: 10 bits a byte (start, 8 data, stop) ÷ baud.
   Then the time render() takes for each mode.
2. Write time *measured* through the code path a kiosk uses (TicketPrinter: status query, then
   the job) into a pty at 9600 and 115200 baud and into a loopback TCP printer.  A pty does not
   pace bytes at its baud rate, so these are the software's own cost, not the line's.
3. Tap → first byte at the printer, over the kiosk's real path:
   a. render() + PrintWorker.submit() → first byte at a loopback TCP printer / a pty (the
      fake printers run in child processes, like a real device outside the kiosk's process);
   b. through a real server: HallLink ``issue`` request → answer (on the Qt thread) →
      ticket_data_from_issue → render → PrintWorker.submit → first byte at a TCP printer.
      Starts ``hallcall server`` on the demo hall (``--ignore-hours``) in a temporary folder.

Run: ``.venv/bin/python bench/ticket_bytes.py`` (about 20 s; ``--rounds`` to change the samples).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QEventLoop  # noqa: E402
from test_printing_support import READY, PtyPrinter, TcpPrinter  # noqa: E402

from hallcall.config import load  # noqa: E402
from hallcall.kiosk.escpos_codes import STATUS_QUERY  # noqa: E402
from hallcall.kiosk.print_worker import PrintWorker  # noqa: E402
from hallcall.kiosk.printer import TicketPrinter  # noqa: E402
from hallcall.kiosk.ticket import TicketData, render, ticket_data_from_issue  # noqa: E402
from hallcall.mirror import answer as typed_answer  # noqa: E402
from hallcall.printer_spec import parse_spec  # noqa: E402

DEMO = ROOT / "assets" / "demo-hall.toml"
MODES = {"text": ("gb18030", "native"), "image": ("image", "native"), "image+QR image": ("image", "image")}


def demo_tickets() -> list[TicketData]:
    config = load(DEMO)
    return [
        TicketData(
            hall_name={"zh": config.hall.name.zh, "en": config.hall.name.en},
            number=f"{s.prefix}123",
            service_name={"zh": s.name.zh, "en": s.name.en},
            ahead=23,
            estimated_wait_s=2460,
            issued_at=time.time(),
            timezone=config.hall.timezone,
            materials={"zh": list(s.materials.zh), "en": list(s.materials.en)},
            status_url=f"http://192.168.100.200:8765/t/2026-11-23/{s.prefix}123",
            footer={"zh": config.kiosk.footer.zh, "en": config.kiosk.footer.en},
            priority="green",
        )
        for s in config.services
    ]


def bytes_table(tickets: list[TicketData]) -> dict[tuple[str, str], list[int]]:
    print("1. Bytes per ticket, demo hall, 80 mm, green-channel tickets with all their materials")
    print("   (8 services; min / median / max), and the computed time on a serial line at the max")
    print(f"   {'lang':4} {'mode':15} {'min':>6} {'median':>7} {'max':>6} {'9600 baud':>10} {'115200 baud':>12}")
    sizes: dict[tuple[str, str], list[int]] = {}
    for lang in ("zh", "en"):
        for mode, (encoding, qr) in MODES.items():
            got = [len(render(t, lang, encoding=encoding, qr=qr)) for t in tickets]
            sizes[(lang, mode)] = got
            top = max(got)
            print(
                f"   {lang:4} {mode:15} {min(got):6} {statistics.median(got):7.0f} {top:6}"
                f" {top * 10 / 9600:9.2f}s {top * 10 / 115200:11.3f}s"
            )
    return sizes


def timed(fn: Callable[[], object], rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:6.1f} ms, max {max(values) * 1000:6.1f} ms"


def render_times(ticket: TicketData, rounds: int) -> None:
    print("\n   render() time, zh (image mode draws every Chinese line with the font), n =", rounds)
    for mode, (encoding, qr) in MODES.items():
        print(f"   zh {mode:15} {ms(timed(lambda e=encoding, q=qr: render(ticket, 'zh', encoding=e, qr=q), rounds))}")


def write_times(ticket: TicketData, rounds: int) -> None:
    print("\n2. Write time measured through TicketPrinter.print_job (status query + job), n =", rounds)
    for mode, (encoding, qr) in MODES.items():
        job = render(ticket, "zh", encoding=encoding, qr=qr)
        for baud in (9600, 115200):
            fake = PtyPrinter(READY, baud)
            printer = TicketPrinter(parse_spec(f"serial:{fake.port}:{baud}"), timeout=3)
            times = timed(lambda p=printer, j=job: p.print_job(j), rounds)
            fake.wait_for(lambda got, n=rounds, j=job: got.count(j) == n)
            printer.close()
            fake.close()
            print(f"   zh {mode:15} {len(job):6} B  pty {baud:6} baud: {ms(times)}")
        fake = TcpPrinter(READY)
        printer = TicketPrinter(parse_spec(fake.spec), timeout=3)
        times = timed(lambda p=printer, j=job: p.print_job(j), rounds)
        fake.close()
        print(f"   zh {mode:15} {len(job):6} B  TCP loopback    : {ms(times)}")


def wait_until(app: QCoreApplication, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("benchmark step did not finish")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)


class PrinterProcess:
    """A fake printer (TCP or pty) in a process of its own, so its threads do not queue for our
    GIL and its arrival times (time.perf_counter: CLOCK_MONOTONIC, the same in every process)
    are what a separate device would see."""

    def __init__(self, kind: str) -> None:
        self.conn, child = mp.Pipe()
        self.process = mp.get_context("fork").Process(target=_serve_printer, args=(child, kind), daemon=True)
        self.process.start()
        self.spec: str = self.conn.recv()
        self.seen = 0

    def arrivals(self, job: bytes) -> tuple[float, float]:
        """Wait for the next status query + ``job``; when their first bytes arrived."""
        self.conn.send((self.seen, len(STATUS_QUERY) + len(job)))
        first, first_job = self.conn.recv()
        self.seen += len(STATUS_QUERY) + len(job)
        return first, first_job

    def close(self) -> None:
        self.conn.send(None)
        self.process.join(5)


def _serve_printer(conn: Connection, kind: str) -> None:
    fake = TcpPrinter(READY) if kind == "tcp" else PtyPrinter(READY, 115200)
    conn.send(fake.spec if kind == "tcp" else f"serial:{fake.port}:115200")
    while (asked := conn.recv()) is not None:
        start, size = asked
        fake.wait_for(lambda got, end=start + size: len(got) >= end, timeout=10)
        conn.send((fake.arrival_of(start), fake.arrival_of(start + len(STATUS_QUERY))))
    fake.close()


def tap_to_first_byte(
    app: QCoreApplication, printers: dict[str, PrinterProcess], ticket: TicketData, rounds: int
) -> None:
    print("\n3a. render() + PrintWorker.submit() → first byte at the printer (zh, text mode), n =", rounds)
    print("    (the fake printers run in processes of their own)")
    for name, printer in (("TCP loopback", printers["tcp"]), ("pty 115200", printers["pty"])):
        first_any, first_job = [], []
        worker = PrintWorker(parse_spec(printer.spec), timeout=3)
        done: list[str] = []
        worker.finished.connect(lambda number, result, d=done: d.append(number))
        for i in range(rounds):
            tapped = time.perf_counter()
            job = render(ticket, "zh")
            worker.submit(f"T{i}", job)
            wait_until(app, lambda d=done, n=i + 1: len(d) == n)
            first, first_ticket = printer.arrivals(job)
            first_any.append(first - tapped)
            first_job.append(first_ticket - tapped)
        worker.stop()
        print(f"   {name:13} first byte (status query): {ms(first_any)}")
        print(f"   {name:13} first ticket byte        : {ms(first_job)}")


def through_server(app: QCoreApplication, printer: PrinterProcess, rounds: int) -> None:
    from hallcall.gui.link import HallLink

    print("\n3b. Tap through a real server: issue → answer → render → worker → first byte (TCP printer)")
    config = load(DEMO)
    token = config.devices.kiosks[0].token
    with tempfile.TemporaryDirectory() as data:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hallcall.launch.cli",
                "server",
                "--config",
                str(DEMO),
                "--data",
                data,
                "--port",
                "0",
                "--ignore-hours",
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            url = _read_url(server)
            link = HallLink(url, {"role": "kiosk", "token": token})
            link.start()
            wait_until(app, lambda: link.snapshot is not None, 10)
            worker = PrintWorker(parse_spec(printer.spec), timeout=3)
            answers: dict[str, dict] = {}
            link.answered.connect(lambda rid, answer: answers.__setitem__(rid, answer))
            printed: list[str] = []
            worker.finished.connect(lambda number, result: printed.append(number))
            answer_times, first_bytes = [], []
            for i in range(rounds):
                tapped = time.perf_counter()
                rid = link.request("issue", service="social")
                wait_until(app, lambda r=rid: r in answers)
                answered_at = time.perf_counter()
                issued = typed_answer("issue", answers[rid]["data"])
                ticket = ticket_data_from_issue(link.mirror.hall, issued, url)
                job = render(ticket, "zh")
                worker.submit(ticket.number, job)
                wait_until(app, lambda n=i + 1: len(printed) == n)
                first, _ = printer.arrivals(job)
                answer_times.append(answered_at - tapped)
                first_bytes.append(first - tapped)
            worker.stop()
            link.stop()
            print(f"   issue answered on the Qt thread : {ms(answer_times)}")
            print(f"   first byte at the printer       : {ms(first_bytes)}  (n = {rounds})")
        finally:
            server.terminate()
            server.wait(10)


def _read_url(server: subprocess.Popen) -> str:
    assert server.stdout is not None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = server.stdout.readline()
        found = re.search(r"(ws://[\d.]+:\d+)", line)
        if found:
            return found.group(1)
        if not line and server.poll() is not None:
            break
    raise RuntimeError("the server did not say where it listens")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    printers = {"tcp": PrinterProcess("tcp"), "pty": PrinterProcess("pty")}  # forked before Qt starts
    app = QCoreApplication.instance() or QCoreApplication([])
    tickets = demo_tickets()
    try:
        bytes_table(tickets)
        render_times(tickets[0], args.rounds)
        write_times(tickets[0], args.rounds)
        tap_to_first_byte(app, printers, tickets[0], args.rounds)
        through_server(app, printers["tcp"], args.rounds)
    finally:
        for printer in printers.values():
            printer.close()


if __name__ == "__main__":
    main()
