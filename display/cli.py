"""``hallcall display``: the arguments and the run loop of the hall display.

Imports nothing from Qt at module level, so ``hallcall server`` starts on machines without it.
"""

from __future__ import annotations

import argparse

from hallcall.args import CA_HELP, ca_file, server_url
from hallcall.client import use_hall_ca


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--server",
        required=True,
        type=server_url,
        help="the hall server, e.g. ws://192.168.1.10:8765 (wss:// with TLS)",
    )
    parser.add_argument("--ca", type=ca_file, help=CA_HELP)
    parser.add_argument("--token", required=True, help="this display's token from the hall config [devices]")
    parser.add_argument(
        "--zone", default=None, help="show only this zone's counters and services (default: the device's zone)"
    )
    parser.add_argument(
        "--lang", choices=("zh", "en"), default=None, help="primary language (default: the hall's first language)"
    )
    parser.add_argument("--windowed", action="store_true", help="a window instead of full screen")
    parser.add_argument("--portrait", action="store_true", help="portrait layout (9:16), e.g. on a landscape monitor")
    parser.add_argument("--no-voice", action="store_true", help="no chime and no spoken announcements")


def run(args: argparse.Namespace) -> int:
    from PySide6.QtCore import Qt

    from hallcall.gui.qtapp import make_app, quit_on_signals, show_full_screen

    from .app import DisplayApp

    use_hall_ca(args.ca)
    app = make_app()
    display = DisplayApp(
        args.server,
        args.token,
        zone=args.zone,
        lang=args.lang,
        portrait=True if args.portrait else None,
        voice=not args.no_voice,
    )
    screen = display.screen
    screen.setWindowTitle("hallcall display")
    if args.windowed:
        screen.resize(540, 960) if args.portrait else screen.resize(1280, 720)
        screen.show()
    else:
        screen.setCursor(Qt.CursorShape.BlankCursor)
        show_full_screen(screen)
    app.aboutToQuit.connect(display.stop)
    wake = quit_on_signals(app)
    display.start()
    try:
        return int(app.exec())
    finally:
        wake.stop()
