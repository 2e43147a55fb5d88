"""PrintWorker: jobs run on a worker thread one at a time, results arrive on the Qt thread, and
a stuck printer never holds the Qt thread — not on submit, not while printing, not on stop."""

from __future__ import annotations

import itertools
import time

import pytest
from PySide6.QtCore import QThread, QTimer
from PySide6.QtWidgets import QApplication
from test_printing_support import PAPER_OUT, READY, TcpPrinter

from hallcall.kiosk.print_worker import PrintWorker
from hallcall.printer_spec import parse_spec

JOB = b"\x1b@S001\n\x1dVB\x00"


@pytest.fixture
def tcp_printer():
    printers: list[TcpPrinter] = []

    def make(answer: bytes | None = READY, *, reads: bool = True) -> TcpPrinter:
        printers.append(TcpPrinter(answer, reads=reads))
        return printers[-1]

    yield make
    for p in printers:
        p.close()


def test_result_arrives_on_the_qt_thread(qtbot, tcp_printer):
    fake = tcp_printer(READY)
    worker = PrintWorker(parse_spec(fake.spec), timeout=2)
    seen = []
    worker.finished.connect(lambda number, result: seen.append((number, result, QThread.currentThread())))
    with qtbot.waitSignal(worker.finished, timeout=3000):
        worker.submit("S001", JOB)
    number, result, thread = seen[0]
    assert number == "S001" and result.ok and result.state == "ok"
    assert thread is QApplication.instance().thread()
    assert fake.wait_for(lambda got: JOB in got)
    worker.stop()


def test_jobs_print_one_at_a_time_in_order(qtbot, tcp_printer):
    fake = tcp_printer(READY)
    worker = PrintWorker(parse_spec(fake.spec), timeout=2)
    order = []
    worker.finished.connect(lambda number, result: order.append(number))
    for n in ("S001", "S002", "S003"):
        worker.submit(n, JOB.replace(b"S001", n.encode()))
    qtbot.waitUntil(lambda: len(order) == 3, timeout=5000)
    assert order == ["S001", "S002", "S003"]
    jobs = fake.job_bytes()
    assert jobs.index(b"S001") < jobs.index(b"S002") < jobs.index(b"S003")
    worker.stop()


def test_a_stuck_printer_never_blocks_the_qt_thread(qtbot, tcp_printer):
    fake = tcp_printer(answer=None, reads=False)
    worker = PrintWorker(parse_spec(fake.spec), timeout=1)
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(20)
    results = []
    worker.finished.connect(lambda number, result: results.append(result))
    started = time.monotonic()
    worker.submit("S009", JOB + b"x\n" * 40_000)
    assert time.monotonic() - started < 0.05  # submit returns at once
    qtbot.waitUntil(lambda: bool(results), timeout=3000)
    timer.stop()
    assert (results[0].ok, results[0].state) == (False, "timeout")
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert len(ticks) > 20 and max(gaps) < 0.25  # the event loop kept running all along
    worker.stop()


def test_stop_returns_promptly_while_a_print_is_stuck(qtbot, tcp_printer):
    fake = tcp_printer(answer=None, reads=False)
    worker = PrintWorker(parse_spec(fake.spec), timeout=30)
    finished = []
    worker.finished.connect(lambda number, result: finished.append((number, result)))
    worker.submit("S001", JOB + b"x\n" * 40_000)
    worker.submit("S002", JOB)
    time.sleep(0.8)  # S001 is now stuck in its send
    started = time.monotonic()
    worker.stop()
    assert time.monotonic() - started < 1.5
    worker.stop()  # twice is fine
    # The queued ticket is answered as not printed, so the kiosk can show its number.
    qtbot.waitUntil(lambda: any(n == "S002" for n, _ in finished), timeout=2000)
    s002 = next(r for n, r in finished if n == "S002")
    assert not s002.ok and "shutting down" in s002.detail
    worker.submit("S003", JOB)
    assert all(n != "S003" for n, _ in finished)  # answered later, from the event loop
    qtbot.waitUntil(lambda: any(n == "S003" for n, _ in finished), timeout=1000)
    assert not next(r for n, r in finished if n == "S003").ok


def test_paper_out_result_reaches_the_ui(qtbot, tcp_printer):
    fake = tcp_printer(PAPER_OUT)
    worker = PrintWorker(parse_spec(fake.spec), timeout=2)
    with qtbot.waitSignal(worker.finished, timeout=3000) as blocker:
        worker.submit("S004", JOB)
    number, result = blocker.args
    assert number == "S004" and result.state == "paper_out" and not result.ok
    worker.stop()


def test_a_status_check_prints_nothing_and_answers_on_the_qt_thread(qtbot, tcp_printer):
    fake = tcp_printer(PAPER_OUT)
    worker = PrintWorker(parse_spec(fake.spec), timeout=2)
    seen = []
    worker.checked.connect(lambda result: seen.append((result, QThread.currentThread())))
    with qtbot.waitSignal(worker.checked, timeout=3000):
        worker.check()
    result, thread = seen[0]
    assert (result.ok, result.state, result.detail) == (False, "paper_out", "printer out of paper")
    assert thread is QApplication.instance().thread()
    assert fake.job_bytes() == b""  # only the status query went out
    worker.stop()


def test_virtual_printer_through_the_worker(qtbot, tmp_path):
    from hallcall.kiosk.virtual_printer import decode

    worker = PrintWorker(parse_spec(f"virtual:{tmp_path}"), paper_mm=58)
    with qtbot.waitSignal(worker.finished, timeout=3000) as blocker:
        worker.submit("A001", b"\x1b@A001\n\x1dVB\x00")
    assert blocker.args[1].ok
    assert decode((tmp_path / "A001.bin").read_bytes()).text == "A001"
    assert (tmp_path / "A001.png").is_file()
    worker.stop()


def test_a_layout_function_runs_on_the_worker_thread(qtbot, tcp_printer):
    fake = tcp_printer(READY)
    worker = PrintWorker(parse_spec(fake.spec), timeout=2)
    threads = []

    def layout() -> bytes:
        threads.append(QThread.currentThread())
        return JOB

    def bad_layout() -> bytes:
        raise ValueError("paper_mm 70 is not 58 or 80")

    results = {}
    worker.finished.connect(lambda number, result: results.__setitem__(number, result))
    worker.submit("S001", layout)
    worker.submit("S002", bad_layout)
    qtbot.waitUntil(lambda: len(results) == 2, timeout=5000)
    assert results["S001"].ok and fake.wait_for(lambda got: JOB in got)
    assert threads and threads[0] is not QApplication.instance().thread()
    assert not results["S002"].ok and results["S002"].state == "error"
    assert "cannot lay out the ticket: paper_mm 70" in results["S002"].detail
    worker.stop()
