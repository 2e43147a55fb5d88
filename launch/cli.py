"""The ``hallcall`` command: one entry point for the server, the admin verbs and the programs."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import importlib
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from hallcall import config as hall_config

DEFAULT_DATA = Path("hallcall-data")


def _load_config(path: str) -> hall_config.HallConfig:
    try:
        return hall_config.load(path)
    except hall_config.ConfigError as exc:
        raise SystemExit(f"hallcall: config error: {exc}") from None


def cmd_check_config(args: argparse.Namespace) -> int:
    """Load the config — the loader makes every check, printer specs included, so this verb refuses
    exactly what the server and the programs refuse — and sum up what it describes."""
    config = _load_config(args.config)
    comprehensive = sum(1 for c in config.counters if not c.services)
    print(
        f"{args.config}: OK — {config.hall.name.en} / {config.hall.name.zh}: {len(config.services)} services, "
        f"{len(config.counters)} counters ({comprehensive} comprehensive), "
        f"{len(config.devices.kiosks)} kiosks, {len(config.devices.displays)} displays"
    )
    return 0


def cmd_server(args: argparse.Namespace) -> int:
    from hallcall.server.app import database_path, run
    from hallcall.server.clock import Clock, parse_start
    from hallcall.server.storage import Storage, StorageError

    config = _load_config(args.config)
    try:
        start = parse_start(args.clock_start, config.tz) if args.clock_start else None
        clock = Clock(start, args.clock_speed)
    except ValueError as exc:
        raise SystemExit(f"hallcall: {exc}") from None
    path = database_path(args.config, args.data)
    try:
        storage = Storage(path, synchronous=config.server.synchronous)
    except StorageError as exc:
        raise SystemExit(f"hallcall: {exc}") from None
    logging.info("database %s", path)
    try:
        asyncio.run(run(config, storage, args.host, args.port, clock, enforce_hours=not args.ignore_hours))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        raise SystemExit(f"hallcall: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    return 0


def _admin_storage(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from hallcall.server.app import database_path
    from hallcall.server.storage import Storage, StorageError

    _load_config(args.config)
    try:
        return Storage(database_path(args.config, args.data), owner=False)
    except StorageError as exc:
        raise SystemExit(f"hallcall: {exc}") from None


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise SystemExit("hallcall: the passwords differ")
    return first


def cmd_admin(args: argparse.Namespace) -> int:
    from hallcall.server import auth

    storage = _admin_storage(args)
    try:
        if args.verb == "seed-clerks":
            return _seed_clerks(args, storage)
        if args.verb == "list-clerks":
            for row in storage.clerks():
                state = "active" if row["active"] else "disabled"
                print(f"{row['name']:<20} {row['display_name']:<20} {row['role']:<10} {state}")
            return 0
        existing = storage.clerk(args.name)
        if args.verb == "add-clerk" and existing is not None:
            raise SystemExit(f"hallcall: clerk {args.name!r} exists already; use set-password")
        if args.verb in ("set-password", "disable", "enable") and existing is None:
            raise SystemExit(f"hallcall: there is no clerk {args.name!r}")
        if args.verb in ("disable", "enable"):
            storage.set_clerk_active(args.name, args.verb == "enable")
            print(f"clerk {args.name} {args.verb}d")
            return 0
        try:
            digest = auth.hash_password(_password(args))
        except ValueError as exc:
            raise SystemExit(f"hallcall: {exc}") from None
        role = "supervisor" if getattr(args, "supervisor", False) else (existing or {}).get("role", "clerk")
        storage.save_clerk(args.name, digest, role=role, display_name=getattr(args, "display_name", "") or "")
        print(f"clerk {args.name} ({role}) saved")
        return 0
    finally:
        storage.close()


def _seed_clerks(args: argparse.Namespace, storage) -> int:  # type: ignore[no-untyped-def]
    """Create every clerk the config names (A and B roles) that has no account yet, all with one
    starting password: the first step of setting up a hall."""
    from hallcall.server.accounts import missing_clerks, seed_clerks

    config = _load_config(args.config)
    if not missing_clerks(config, storage):
        print("every clerk named in the config has an account")
        return 0
    try:
        added = seed_clerks(config, storage, _password(args))
    except ValueError as exc:
        raise SystemExit(f"hallcall: {exc}") from None
    print(f"added {len(added)} clerks: {', '.join(added)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hallcall", description="Queue tickets and counter calling for service halls."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    verbs = parser.add_subparsers(dest="command", required=True)

    check = verbs.add_parser("check-config", help="check a hall config file and say what is wrong")
    check.add_argument("config")
    check.set_defaults(func=cmd_check_config, extra=None)

    srv = verbs.add_parser("server", help="run the hall's queue server")
    srv.add_argument("--config", required=True, help="the hall's TOML file")
    srv.add_argument("--data", default=str(DEFAULT_DATA), help="folder for the hall's database (default: %(default)s)")
    srv.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    srv.add_argument(
        "--port", type=int, default=8765, help="port for websockets and HTTP (default: %(default)s; 0 = any)"
    )
    srv.add_argument(
        "--ignore-hours", action="store_true", help="issue tickets outside the configured hours (demos, tests)"
    )
    srv.add_argument("--clock-start", help="run a simulated clock from this local time, e.g. 2026-11-23T08:30")
    srv.add_argument(
        "--clock-speed", type=float, default=1.0, help="simulated clock speed factor (default: %(default)s)"
    )
    srv.set_defaults(func=cmd_server, extra="server")

    admin = verbs.add_parser("admin", help="manage clerks and supervisors")
    admin.add_argument("--config", required=True)
    admin.add_argument("--data", default=str(DEFAULT_DATA))
    admin_verbs = admin.add_subparsers(dest="verb", required=True)
    for verb, text in (("add-clerk", "add a clerk"), ("set-password", "set a clerk's password")):
        v = admin_verbs.add_parser(verb, help=text)
        v.add_argument("name")
        v.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
        if verb == "add-clerk":
            v.add_argument("--display-name", default="")
            v.add_argument("--supervisor", action="store_true", help="may watch the whole hall and force sign-outs")
    for verb in ("disable", "enable"):
        admin_verbs.add_parser(verb, help=f"{verb} a clerk's sign-in").add_argument("name")
    admin_verbs.add_parser("list-clerks", help="list clerks and supervisors")
    seed = admin_verbs.add_parser("seed-clerks", help="add every clerk the config names, with one starting password")
    seed.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    admin.set_defaults(func=cmd_admin, extra="server")

    for program in PROGRAMS:
        _add_program(verbs, program)
    return parser


class Program(NamedTuple):
    """A verb whose module parses its own options (``add``) and runs (``run``), importing Qt and
    its other libraries only when it runs."""

    verb: str
    module: str
    extra: str  # the optional dependencies it needs: pip install "hallcall[<extra>]"
    help: str
    add: str = "add_arguments"
    run: str = "run"


PROGRAMS = (
    Program("demo", "hallcall.launch.demo.cli", "all", "run the demo hall: on screen, or a simulated morning"),
    Program("simulate", "hallcall.launch.sim.cli", "server", "play a simulated day of a hall's config: its figures"),
    Program("report", "hallcall.launch.report", "server", "a hall's figures for a day or a range of days"),
    Program("kiosk", "hallcall.kiosk.cli", "kiosk", "run a touch kiosk that issues and prints tickets"),
    Program("counter", "hallcall.counter.cli", "counter", "run the clerk's counter program"),
    Program("display", "hallcall.display.cli", "display", "run a hall display with voice announcements"),
    Program(
        "ticket-preview",
        "hallcall.kiosk.cli",
        "kiosk",
        "print a sample ticket to files (bytes, text, PNG) for layout work",
        add="add_preview_arguments",
        run="run_preview",
    ),
)


def _add_program(verbs: argparse._SubParsersAction, program: Program) -> None:
    """The program's verb with its own options; or, when setting those up needs a library this
    install lacks, a stand-in that takes any options and says which extra to install — so that
    ``hallcall server --help`` works on a host that has the server extra alone."""
    parser = verbs.add_parser(program.verb, help=program.help)
    parser.set_defaults(extra=program.extra)
    try:
        target = importlib.import_module(program.module)
        getattr(target, program.add)(parser)
    except ModuleNotFoundError as exc:
        if not _is_missing_library(exc):
            raise
        parser.set_defaults(func=_unavailable(exc), any_options=True)
        return
    parser.set_defaults(func=getattr(target, program.run))


def _unavailable(missing: ModuleNotFoundError) -> Callable[[argparse.Namespace], int]:
    """A stand-in for a program that cannot load: it raises what was missing, for main to name."""

    def run(args: argparse.Namespace) -> int:
        raise missing

    return run


def _is_missing_library(exc: ModuleNotFoundError) -> bool:
    """A third-party library is not installed (an extra left out), rather than a hallcall or
    standard-library module missing, which no extra would bring."""
    top = (exc.name or "").partition(".")[0]
    return bool(top) and top != "hallcall" and top not in sys.stdlib_module_names


def _needs_extra(verb: str, extra: str, exc: ModuleNotFoundError) -> str:
    """What to tell someone who ran a verb whose extra is not installed: the command that fixes it."""
    library = (exc.name or "").partition(".")[0]
    return (
        f"hallcall {verb}: the Python package {library!r} is not installed here; "
        f'{verb} needs the {extra!r} extra: pip install "hallcall[{extra}]"'
    )


def main(argv: list[str] | None = None) -> int:
    """Run one verb.  A verb whose libraries are not installed ends with the pip command that
    installs its extra, not a traceback."""
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown and not getattr(args, "any_options", False):
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:  # one line per connection opened and closed is noise in a hall's log
        logging.getLogger("hallcall.websockets").setLevel(logging.WARNING)
    try:
        return int(args.func(args) or 0)
    except ModuleNotFoundError as exc:
        if args.extra is None or not _is_missing_library(exc):
            raise
        raise SystemExit(_needs_extra(args.command, args.extra, exc)) from None


if __name__ == "__main__":
    sys.exit(main())
