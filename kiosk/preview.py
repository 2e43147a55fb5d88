"""``hallcall ticket-preview``: print a sample ticket on the virtual printer, for layout work.

A hall changing its footer, paper or encoding wants to see the ticket before a visitor does,
without a printer or a running server: this renders one ticket for a service of the hall config
and writes the bytes, the decoded text and a PNG of it.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING

from hallcall.assets import DEMO_HALL

from .escpos_text import ENCODINGS
from .ticket import QR_MODES, TicketData, render

if TYPE_CHECKING:
    from hallcall.config import HallConfig, Service

DEMO_CONFIG = DEMO_HALL
SAMPLE_URL = "http://192.168.1.10:8765"


def _ahead(text: str) -> int:
    """People ahead in the sample: the ticket's number is one more, and numbers run 001-999."""
    if not text.strip().isdigit() or int(text) > 998:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of people from 0 to 998")
    return int(text)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``ticket-preview`` options; printer settings default to the config's [kiosk]."""
    parser.add_argument("--config", type=Path, default=DEMO_CONFIG, help="hall config (default: the demo hall)")
    parser.add_argument("--service", help="service id or ticket prefix (default: the first service)")
    parser.add_argument("--lang", choices=("zh", "en"), help="ticket language (default: the hall's first)")
    parser.add_argument("--paper", type=int, choices=(58, 80), help="paper width in mm")
    parser.add_argument("--encoding", choices=ENCODINGS, help="how Chinese travels to the printer")
    parser.add_argument("--qr", choices=QR_MODES, help="QR code drawn by the printer, sent as an image, or none")
    parser.add_argument("--ahead", type=_ahead, default=3, help="people ahead in the sample (default 3)")
    parser.add_argument("--green", action="store_true", help="a green-channel (priority) ticket")
    parser.add_argument("--out", type=Path, default=Path("ticket-preview"), help="folder for .bin/.txt/.png")


def run(args: argparse.Namespace) -> int:
    """Write the sample ticket; print where it went and its size.  Returns the exit code."""
    from hallcall.config import ConfigError, load

    from .virtual_printer import store_job

    try:
        config = load(args.config)
    except (ConfigError, OSError) as exc:
        print(f"ticket-preview: {exc}")
        return 2
    service = _find_service(config, args.service)
    if service is None:
        known = ", ".join(f"{s.id} ({s.prefix})" for s in config.services)
        print(f"ticket-preview: no service {args.service!r} in {args.config}; the hall has {known}")
        return 2
    kiosk = config.kiosk
    lang = args.lang or config.hall.languages[0]
    paper = args.paper or kiosk.paper_mm
    encoding = args.encoding or kiosk.encoding
    qr = args.qr or kiosk.qr
    number = f"{service.prefix}{1 + args.ahead:03d}"
    day = time.strftime("%Y-%m-%d")
    ticket = TicketData(
        hall_name={"zh": config.hall.name.zh, "en": config.hall.name.en},
        number=number,
        service_name={"zh": service.name.zh, "en": service.name.en},
        ahead=args.ahead,
        estimated_wait_s=int(args.ahead * service.default_handle_minutes * 60),
        issued_at=time.time(),
        timezone=config.hall.timezone,
        materials={"zh": list(service.materials.zh), "en": list(service.materials.en)},
        status_url=f"{(config.hall.public_url or SAMPLE_URL).rstrip('/')}/t/{day}/{number}",
        footer={"zh": kiosk.footer.zh, "en": kiosk.footer.en},
        priority="green" if args.green else "normal",
    )
    job = render(ticket, lang, paper_mm=paper, encoding=encoding, qr=qr)
    stored = store_job(args.out, f"{number}-{lang}-{paper}mm-{encoding}", job, paper)
    print(f"ticket {number} ({service.name.get(lang)}), {lang}, {paper} mm, encoding {encoding}, QR {qr}")
    print(f"{len(job)} bytes: {len(job) * 10 / 9600:.2f} s at 9600 baud, {len(job) * 10 / 115200:.2f} s at 115200")
    for path in (stored.bin, stored.txt, stored.png):
        print(f"  {path}")
    return 0


def _find_service(config: HallConfig, wanted: str | None) -> Service | None:
    if wanted is None:
        return config.services[0]
    for service in config.services:
        if wanted in (service.id, service.prefix):
            return service
    return None
