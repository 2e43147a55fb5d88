"""``hallcall kiosk`` and ``hallcall ticket-preview``: arguments and start-up.

Qt is imported only inside ``run``, so that ``hallcall server`` (which builds every
sub-command's parser) starts on a machine without a display or without PySide6 at all.
"""

from __future__ import annotations

import argparse
import logging
import re
from typing import Any

from hallcall.args import CA_HELP, ca_file, server_url
from hallcall.client import use_hall_ca

log = logging.getLogger("hallcall.kiosk")


def _size(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d{3,5})x(\d{3,5})", text.strip())
    if not m:
        raise argparse.ArgumentTypeError(f"{text!r} is not a window size like 1920x1080")
    return int(m.group(1)), int(m.group(2))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--server", required=True, type=server_url, help="the hall server, ws://HOST:PORT (wss:// with TLS)"
    )
    parser.add_argument("--ca", type=ca_file, help=CA_HELP)
    parser.add_argument("--token", required=True, help="this kiosk's device token from the hall config")
    parser.add_argument("--device", help="this kiosk's device name (optional: the token alone picks it)")
    parser.add_argument(
        "--printer",
        help="printer spec overriding the hall config's, e.g. serial:/dev/ttyUSB0:9600, network:10.0.0.7, "
        "virtual:DIR, or none (on-screen tickets only)",
    )
    parser.add_argument("--lang", choices=("zh", "en"), help="starting language (default: the hall's first)")
    parser.add_argument("--windowed", action="store_true", help="a window instead of full screen (for testing)")
    parser.add_argument(
        "--size", type=_size, default=(1920, 1080), help="window size with --windowed, e.g. 1080x1920 (portrait)"
    )


def run(args: argparse.Namespace) -> int:
    """Run the kiosk until its window is closed, Ctrl-C or SIGTERM; returns the exit code."""

    from PySide6.QtCore import Qt

    from hallcall.gui.link import HallLink
    from hallcall.gui.qtapp import make_app, quit_on_signals, show_full_screen

    from .app import KioskWindow

    use_hall_ca(args.ca)
    app = make_app()
    hello: dict[str, Any] = {"role": "kiosk", "token": args.token, "device": args.device}
    # Nobody stands at a kiosk to restart it once its token is fixed: it asks again by itself.
    link = HallLink(args.server, hello, retry_refused_after=30.0)
    window = KioskWindow(link, printer=args.printer, lang=args.lang)
    wakeup = quit_on_signals(app)
    if args.windowed:
        window.resize(*args.size)
        window.show()
    else:
        window.setCursor(Qt.CursorShape.BlankCursor)  # a touch screen: no arrow left where the last finger was
        show_full_screen(window)
    link.start()
    log.info("kiosk started: server %s", args.server)
    try:
        return app.exec()
    finally:
        wakeup.stop()
        window.shutdown()
        link.stop()


def add_preview_arguments(parser: argparse.ArgumentParser) -> None:
    """``hallcall ticket-preview``: see kiosk/preview.py."""
    from .preview import add_arguments as add

    add(parser)


def run_preview(args: argparse.Namespace) -> int:
    from .preview import run as run_it

    return run_it(args)
