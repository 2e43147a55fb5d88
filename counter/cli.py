"""``hallcall counter``: the arguments and the run loop of the clerk's program.

No Qt import at module level: ``hallcall server`` builds the same parser, and must start on a
machine without a screen or without PySide6's libraries.
"""

from __future__ import annotations

import argparse
import logging
import sys

from hallcall.args import CA_HELP, ca_file, server_url
from hallcall.client import use_hall_ca

log = logging.getLogger("hallcall.counter")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--server",
        required=True,
        type=server_url,
        help="the hall server, e.g. ws://192.168.1.10:8765 (wss:// with TLS)",
    )
    parser.add_argument("--ca", type=ca_file, help=CA_HELP)
    parser.add_argument("--counter", required=True, type=int, help="this counter's number (窗口号)")
    parser.add_argument(
        "--lang", choices=("zh", "en"), default=None, help="screen language (default: the hall's first language)"
    )
    parser.add_argument("--clerk", default="", help="fill in this clerk name on the sign-in page")
    parser.add_argument("--compact", action="store_true", help="start as a thin always-on-top bar")


def check(args: argparse.Namespace) -> str:
    """What is wrong with the arguments, in one sentence, or ""."""
    if args.counter < 1:
        return f"--counter must be a counter number (1 or more), not {args.counter}"
    return ""


def run(args: argparse.Namespace) -> int:
    problem = check(args)
    if problem:
        print(f"hallcall counter: {problem}", file=sys.stderr)
        return 2
    from PySide6.QtCore import QSettings, QTimer

    from hallcall.gui.qtapp import make_app, quit_on_signals

    from .app import CounterProgram

    use_hall_ca(args.ca)
    app = make_app()
    # The hall's and counter's names for the next sign-in page (~/.config/hallcall/counter.ini).
    settings = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "hallcall", "counter")
    program = CounterProgram(
        args.server, args.counter, lang=args.lang, clerk=args.clerk, compact=args.compact, settings=settings
    )
    program.show()
    wake = quit_on_signals(app)
    QTimer.singleShot(0, lambda: log.info("counter %d: program open, server %s", args.counter, args.server))
    try:
        return int(app.exec())
    finally:
        wake.stop()
        program.close()
