"""From a real server's issue answer to paper and back: the ticket a kiosk prints carries the
number the server gave, and its QR code opens that ticket's status page on the same server."""

from __future__ import annotations

import urllib.request

from test_printing_support import READY, TcpPrinter
from test_views_support import mirror_of

from hallcall.kiosk.escpos_codes import STATUS_QUERY
from hallcall.kiosk.printer import TicketPrinter
from hallcall.kiosk.ticket import render, ticket_data_from_issue
from hallcall.kiosk.virtual_printer import decode
from hallcall.mirror import answer as typed_answer
from hallcall.printer_spec import parse_spec


def test_issued_ticket_prints_and_its_qr_code_opens_the_status_page(desk_live_hall):
    live_hall = desk_live_hall  # green channel: the guide desk, opened with its PIN
    kiosk, desk = live_hall.run(live_hall.hall.desk())
    answer = live_hall.run(kiosk.request("issue", service="social", priority="green", desk=desk))
    hall = mirror_of(kiosk.snapshot).hall
    assert hall is not None
    ticket = ticket_data_from_issue(hall, typed_answer("issue", answer), live_hall.url)
    number = answer["ticket"]["number"]
    assert ticket.number == number and ticket.priority == "green"
    key = answer["status_key"]  # the QR link carries the ticket's key: its holder may evaluate
    assert ticket.status_url == f"{live_hall.http_url}/t/{answer['day']}/{number}?k={key}"

    fake = TcpPrinter(READY)
    printer = TicketPrinter(parse_spec(fake.spec), timeout=2)
    try:
        for lang, service, material in (("zh", "社保", "身份证"), ("en", "Social security", "ID card")):
            job = render(ticket, lang)
            before = len(fake.job_bytes())
            result = printer.print_job(job)
            assert result.ok and result.state == "ok"
            # the job, then the status query that shows the printer alive after it
            assert fake.wait_for(lambda got, j=job: got.replace(STATUS_QUERY, b"").endswith(j))
            decoded = decode(fake.job_bytes()[before:])  # what reached the printer, read back
            assert number in [line.text for line in decoded.lines]
            assert service in decoded.text and material in decoded.text
            assert decoded.qr_payloads == [ticket.status_url]
    finally:
        fake.close()

    with urllib.request.urlopen(decoded.qr_payloads[0], timeout=5) as page:
        assert page.status == 200
        body = page.read().decode("utf-8")
        assert number in body and f'data-key="{key}"' in body  # the holder's page: it may evaluate
    live_hall.run(kiosk.close())
