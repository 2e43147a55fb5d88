"""The ``hallcall`` command: one entry point for the server, the admin verbs and the programs."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import importlib
import logging
import sys
from pathlib import Path

from hallcall import config as hall_config

DEFAULT_DATA = Path("hallcall-data")


def _load_config(path: str) -> hall_config.HallConfig:
    try:
        return hall_config.load(path)
    except hall_config.ConfigError as exc:
        raise SystemExit(f"hallcall: config error: {exc}") from None


def cmd_check_config(args: argparse.Namespace) -> int:
    config = _load_config(args.config)
    from hallcall.kiosk.printer import PrinterSpecError, parse_spec

    printers = [("hallcall.kiosk.printer", config.kiosk.printer)]
    printers += [(f"devices.kiosks {d.name!r} printer", d.printer) for d in config.devices.kiosks if d.printer]
    for where, spec in printers:
        try:
            parse_spec(spec)
        except PrinterSpecError as exc:
            raise SystemExit(f"hallcall: config error: {args.config}: {where}: {exc}") from None
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
    check.set_defaults(func=cmd_check_config)

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
    srv.set_defaults(func=cmd_server)

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
    admin.set_defaults(func=cmd_admin)

    # The programs parse their own options; their modules import Qt only when they run.
    for verb, module, add, run, text in PROGRAMS:
        program = verbs.add_parser(verb, help=text)
        target = importlib.import_module(module)
        getattr(target, add)(program)
        program.set_defaults(func=getattr(target, run))
    return parser


PROGRAMS = (
    (
        "demo",
        "hallcall.launch.demo.cli",
        "add_arguments",
        "run",
        "run the demo hall: on screen, or a simulated morning",
    ),
    (
        "simulate",
        "hallcall.launch.sim.cli",
        "add_arguments",
        "run",
        "play a simulated day of a hall's config: its figures",
    ),
    ("kiosk", "hallcall.kiosk.cli", "add_arguments", "run", "run a touch kiosk that issues and prints tickets"),
    ("counter", "hallcall.counter.cli", "add_arguments", "run", "run the clerk's counter program"),
    ("display", "hallcall.display.cli", "add_arguments", "run", "run a hall display with voice announcements"),
    (
        "ticket-preview",
        "hallcall.kiosk.cli",
        "add_preview_arguments",
        "run_preview",
        "print a sample ticket to files (bytes, text, PNG) for layout work",
    ),
)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:  # one line per connection opened and closed is noise in a hall's log
        logging.getLogger("hallcall.websockets").setLevel(logging.WARNING)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
