"""``hallcall demo``: the demo hall on screen, or (with no screen, or ``--headless``) a
simulated morning written to a folder.  Qt is imported only when it runs."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--headless", action="store_true", help="play a simulated morning and write it to a folder (no windows)"
    )
    parser.add_argument("--out", type=Path, help="folder for the headless demo's output (default: a new one)")
    parser.add_argument("--seed", type=int, default=2026, help="the simulated morning's seed (default: %(default)s)")
    parser.add_argument(
        "--speed", type=float, default=300.0, help="how many times faster than real time (default: %(default)s)"
    )
    parser.add_argument(
        "--lang", choices=("zh", "en"), help="the programs' language (default: the hall's first, Chinese)"
    )
    parser.add_argument(
        "--port", type=int, default=8765, help="the desktop demo's server port (default: %(default)s; 0 = any)"
    )
    parser.add_argument(
        "--screenshots",
        type=Path,
        metavar="DIR",
        help="draw every screenshot of the docs into DIR (e.g. docs/screenshots) and stop",
    )


def has_screen() -> bool:
    """Whether windows can be shown: always on Windows and macOS, on Linux with X or Wayland."""
    if not sys.platform.startswith("linux"):
        return True
    if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        return False
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run(args: argparse.Namespace) -> int:
    if args.screenshots is not None:
        from .screenshots import run as run_screenshots

        return run_screenshots(args.screenshots)
    if args.speed <= 0 or args.speed > 1000:
        print(f"hallcall demo: --speed must be above 0 and at most 1000, not {args.speed}", file=sys.stderr)
        return 2
    if args.headless or not has_screen():
        from .headless import Options
        from .headless import run as run_headless

        out = args.out or Path(f"hallcall-demo-{dt.datetime.now():%Y%m%d-%H%M%S}")
        return run_headless(Options(out, seed=args.seed, speed=args.speed, lang=args.lang))
    from .desktop import run as run_desktop

    return run_desktop(port=args.port, out=args.out or Path("hallcall-demo-tickets"), lang=args.lang)
