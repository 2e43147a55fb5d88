"""TicketPrinter against fake devices at the hardware boundary: a serial printer through a pty
pair and a network printer on a loopback TCP port, in good health and in the faults a hall
sees (no status answer, out of paper, refused, a printer that never reads, a pulled cable)."""

from __future__ import annotations

import time

import pytest
from test_printing_support import COVER_OPEN, PAPER_LOW, PAPER_OUT, READY, PtyPrinter, TcpPrinter, free_port

from hallcall.kiosk.escpos_codes import STATUS_QUERY
from hallcall.kiosk.printer import STATUS_WAIT, TicketPrinter
from hallcall.kiosk.virtual_printer import decode
from hallcall.printer_spec import parse_spec

JOB = b"\x1b@\x1c&" + "S001 社会保障".encode("gb18030") + b"\n\x1dVB\x00"


@pytest.fixture
def pty_printer():
    printers: list[PtyPrinter] = []

    def make(answer: bytes | None = READY, baud: int = 115200) -> PtyPrinter:
        printers.append(PtyPrinter(answer, baud))
        return printers[-1]

    yield make
    for p in printers:
        p.close()


@pytest.fixture
def tcp_printer():
    printers: list[TcpPrinter] = []

    def make(answer: bytes | None = READY, **behaviour: float) -> TcpPrinter:
        printers.append(TcpPrinter(answer, **behaviour))
        return printers[-1]

    yield make
    for p in printers:
        p.close()


# --- serial through a pty ------------------------------------------------------------------


def test_serial_ready_printer_gets_status_query_then_the_job(pty_printer):
    fake = pty_printer(READY)
    printer = TicketPrinter(parse_spec(f"serial:{fake.port}:115200"), timeout=2)
    result = printer.print_job(JOB)
    assert (result.ok, result.state) == (True, "ok")
    # Asked before the job (is there paper?) and after it (did it take the ticket?).
    assert bytes(fake.received) == STATUS_QUERY + JOB + STATUS_QUERY
    assert decode(fake.job_bytes()).text == "S001 社会保障"
    # The port stays open: a second ticket goes through the same connection.
    assert printer.print_job(JOB).state == "ok"
    assert fake.wait_for(lambda got: got.count(JOB) == 2)
    printer.close()


def test_serial_printer_that_never_answers_has_printed_nothing_we_know_of(pty_printer):
    """A printer that never answers never shows it took the ticket: not printed (the visitor
    gets the on-screen fallback), after the whole deadline."""
    fake = pty_printer(answer=None)
    printer = TicketPrinter(parse_spec(f"serial:{fake.port}:115200"), timeout=1)
    started = time.monotonic()
    result = printer.print_job(JOB)
    took = time.monotonic() - started
    assert (result.ok, result.state) == (False, "timeout")
    assert "did not confirm" in result.detail
    assert 0.9 <= took < 2
    assert fake.wait_for(lambda got: JOB in got)
    status = printer.status()
    assert (status.ok, status.state) == (False, "timeout")
    printer.close()


def test_serial_paper_out_is_reported_and_nothing_printed(pty_printer):
    fake = pty_printer(PAPER_OUT)
    printer = TicketPrinter(parse_spec(f"serial:{fake.port}:115200"), timeout=2)
    result = printer.print_job(JOB)
    assert (result.ok, result.state) == (False, "paper_out")
    assert "out of paper" in result.detail
    time.sleep(0.1)
    assert fake.job_bytes() == b""
    assert printer.status().state == "paper_out"
    printer.close()


@pytest.mark.parametrize(
    ("answer", "state", "ok", "printed", "words"),
    [
        (PAPER_LOW, "paper_low", True, True, "running low"),
        (COVER_OPEN, "offline", False, False, "cover open"),
        (b"\x00\xff\x00", "unknown", True, True, "could not be read"),  # line noise is not "ready"
    ],
)
def test_serial_other_status_answers(pty_printer, answer, state, ok, printed, words):
    fake = pty_printer(answer)
    printer = TicketPrinter(parse_spec(f"serial:{fake.port}:115200"), timeout=2)
    result = printer.print_job(JOB)
    assert (result.ok, result.state) == (ok, state)
    assert words in result.detail
    if printed:
        assert fake.wait_for(lambda got: got.endswith(JOB + STATUS_QUERY))
    else:
        time.sleep(0.1)
        assert fake.job_bytes() == b""
    printer.close()


def test_serial_port_that_does_not_exist_names_the_port():
    printer = TicketPrinter(parse_spec("serial:/dev/ttyNOSUCH9:9600"), timeout=1)
    result = printer.print_job(JOB)
    assert (result.ok, result.state) == (False, "unreachable")
    assert "/dev/ttyNOSUCH9" in result.detail and "does not exist" in result.detail
    assert printer.status().state == "unreachable"


def test_serial_cable_pulled_between_tickets(pty_printer):
    fake = pty_printer(READY)
    printer = TicketPrinter(parse_spec(f"serial:{fake.port}:115200"), timeout=1)
    assert printer.print_job(JOB).ok
    fake.unplug()
    started = time.monotonic()
    result = printer.print_job(JOB)
    assert time.monotonic() - started < 2
    assert not result.ok
    assert result.state in ("unreachable", "timeout")
    assert fake.port in result.detail
    printer.close()


def test_serial_timeout_allows_for_the_time_bytes_take_at_9600_baud(pty_printer):
    fake = pty_printer(READY, baud=9600)
    printer = TicketPrinter(parse_spec(f"serial:{fake.port}:9600"), timeout=0.2)
    job = JOB + b"\x1b@" + b"x\n" * 2000  # 4 KB: about 4 s on a real 9600 baud line
    assert printer._travel_time(len(job)) == pytest.approx(len(job) * 10 / 9600)
    assert printer.print_job(job).ok
    assert fake.wait_for(lambda got: got.endswith(job + STATUS_QUERY))
    printer.close()


# --- network through a loopback TCP server -----------------------------------------------


def test_network_ready_printer(tcp_printer):
    fake = tcp_printer(READY)
    printer = TicketPrinter(parse_spec(fake.spec), timeout=2)
    result = printer.print_job(JOB)
    assert (result.ok, result.state) == (True, "ok")
    assert fake.wait_for(lambda got: got == STATUS_QUERY + JOB + STATUS_QUERY)
    assert printer.status().state == "ok"


def test_network_printer_without_status_answers(tcp_printer):
    fake = tcp_printer(answer=None)
    printer = TicketPrinter(parse_spec(fake.spec), timeout=1)
    result = printer.print_job(JOB)
    assert (result.ok, result.state) == (False, "timeout")
    assert fake.wait_for(lambda got: JOB in got)


def test_network_late_status_answer_does_not_cut_the_ticket(tcp_printer):
    """An answer landing unread in our socket as we close would make the kernel reset the
    connection, and the slow printer would lose the rest of the ticket."""
    fake = tcp_printer(READY, answer_delay=STATUS_WAIT + 0.1, read_delay=0.03)
    printer = TicketPrinter(parse_spec(fake.spec), timeout=2)
    job = JOB + b"\x1b@" + b"y\n" * 3000
    result = printer.print_job(job)
    # The late answer to the first query and the answer to the one after the job both came.
    assert (result.ok, result.state) == (True, "ok")
    assert fake.wait_for(lambda got: got == STATUS_QUERY + job + STATUS_QUERY)


def test_network_paper_out(tcp_printer):
    fake = tcp_printer(PAPER_OUT)
    printer = TicketPrinter(parse_spec(fake.spec), timeout=2)
    result = printer.print_job(JOB)
    assert (result.ok, result.state) == (False, "paper_out")
    time.sleep(0.1)
    assert fake.job_bytes() == b""


def test_network_connection_refused_names_the_address():
    port = free_port()
    printer = TicketPrinter(parse_spec(f"network:127.0.0.1:{port}"), timeout=1)
    result = printer.print_job(JOB)
    assert (result.ok, result.state) == (False, "unreachable")
    assert f"127.0.0.1:{port}" in result.detail and "refused" in result.detail


def test_network_unknown_host_names_the_host():
    printer = TicketPrinter(parse_spec("network:no-such-printer.invalid"), timeout=1)
    result = printer.print_job(JOB)
    assert (result.ok, result.state) == (False, "unreachable")
    assert "no-such-printer.invalid" in result.detail


def test_network_printer_that_accepts_and_never_reads_times_out(tcp_printer):
    fake = tcp_printer(answer=None, reads=False)
    printer = TicketPrinter(parse_spec(fake.spec), timeout=1)
    big_job = JOB + b"\x1b@" + b"x\n" * 40_000  # an image-heavy ticket: more than any buffer holds
    started = time.monotonic()
    result = printer.print_job(big_job)
    took = time.monotonic() - started
    assert (result.ok, result.state) == (False, "timeout")
    assert fake.spec.removeprefix("network:") in result.detail
    assert took < 1.5


def test_abort_ends_a_stuck_send_at_once(tcp_printer):
    import threading

    fake = tcp_printer(answer=None, reads=False)
    printer = TicketPrinter(parse_spec(fake.spec), timeout=30)
    results = []
    worker = threading.Thread(target=lambda: results.append(printer.print_job(JOB + b"x\n" * 40_000)))
    worker.start()
    time.sleep(STATUS_WAIT + 0.3)  # past the status wait, into the stuck send
    printer.abort()
    worker.join(2)
    assert not worker.is_alive()
    assert not results[0].ok


# --- file, USB, none -----------------------------------------------------------------------


def test_file_printer_appends_jobs(tmp_path):
    target = tmp_path / "jobs.bin"
    printer = TicketPrinter(parse_spec(f"file:{target}"), timeout=1)
    assert printer.print_job(JOB).state == "ok"
    assert printer.print_job(JOB).state == "ok"
    assert target.read_bytes() == JOB + JOB


def test_file_printer_in_a_missing_folder(tmp_path):
    result = TicketPrinter(parse_spec(f"file:{tmp_path}/nope/lp0"), timeout=1).print_job(JOB)
    assert (result.ok, result.state) == (False, "unreachable")
    assert "nope/lp0" in result.detail


def test_usb_printer_that_is_not_there_gives_a_clear_result():
    result = TicketPrinter(parse_spec("usb:04b8:0202"), timeout=1).print_job(JOB)
    assert not result.ok
    assert result.state in ("unreachable", "error")
    assert "04b8:0202" in result.detail


def test_no_printer():
    printer = TicketPrinter(parse_spec("none"))
    result = printer.print_job(JOB)
    assert (result.ok, result.state) == (False, "none")
    assert printer.status().state == "none"
