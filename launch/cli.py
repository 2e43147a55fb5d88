"""The ``hallcall`` command: one entry point for the server, the admin verbs and the programs."""

from __future__ import annotations

import argparse
import asyncio
import difflib
import getpass
import importlib
import json
import logging
import shutil
import ssl
import subprocess
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from hallcall import config as hall_config

# The one default data folder of every verb that opens the hall's database (server, admin,
# report): beside the config file, so that every verb given the same --config finds the same
# database whatever folder it runs from (docs/operations.md, "The data folder").
DATA_FOLDER_NAME = "hallcall-data"
DATA_HELP = f"the hall's data folder (default: {DATA_FOLDER_NAME}/ beside the config file; give every verb the same)"


def data_folder(config_path: str | Path, data: str | Path | None) -> Path:
    """The data folder a verb uses: ``--data`` when given, else ``hallcall-data`` beside the config."""
    return Path(data) if data else Path(config_path).resolve().parent / DATA_FOLDER_NAME


def _load_config(path: str) -> hall_config.HallConfig:
    try:
        return hall_config.load(path)
    except hall_config.ConfigError as exc:
        raise SystemExit(f"hallcall: config error: {exc}") from None


def _count(n: int, word: str) -> str:
    """``1 kiosk``, ``2 kiosks``: the summary counts as a person writes."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def cmd_check_config(args: argparse.Namespace) -> int:
    """Load the config — the loader makes every check, printer specs included, so this verb refuses
    exactly what the server and the programs refuse — then check the announcement voices against
    this machine's speech engine (which only a display uses, so only this verb asks), and sum up
    what it describes."""
    config = _load_config(args.config)
    from hallcall.launch.voice_pack import hall_pack_problems

    if packs := hall_pack_problems(config):  # the folders a display reads: docs/voice-packs.md
        raise SystemExit(f"hallcall: config error: {args.config}: voice packs:\n  " + "\n  ".join(packs))
    voices = None if args.skip_voices else _check_voices(args.config, config)
    comprehensive = sum(1 for c in config.counters if not c.services)
    print(
        f"{args.config}: OK — {config.hall.name.en} / {config.hall.name.zh}: "
        f"{_count(len(config.services), 'service')}, "
        f"{_count(len(config.counters), 'counter')} ({comprehensive} comprehensive), "
        f"{_count(len(config.devices.kiosks), 'kiosk')}, {_count(len(config.devices.displays), 'display')}"
    )
    if voices:
        print(voices)
    if warning := hall_config.public_url_warning(config):
        print(f"hallcall: warning: {warning['en']}\nhallcall: 警告：{warning['zh']}", file=sys.stderr)
    return 0


def _spoken_voices(config: hall_config.HallConfig) -> dict[str, str]:
    """The speech engine's voice of each language a display speaks with it: none when
    announcements are off; not a language whose phrase is empty (it is not spoken) or that has a
    recorded voice pack (the pack speaks it)."""
    a = config.announce
    return {
        lang: a.voices.get(lang)
        for lang in a.languages
        if a.enabled and a.phrase.get(lang) and not a.voice_packs.get(lang)
    }


def _check_voices(config_path: str, config: hall_config.HallConfig) -> str:
    """Each spoken language's voice, checked against the speech engine of this machine by the
    display's own matching rule (an unknown voice would only show up on the display PC, as a
    warning line and a language left unspoken); with no engine here, at least its form.  Ends the
    command with the voices there are when one is missing; returns what was checked."""
    from hallcall.display.speech_worker import _voice_id

    wanted = _spoken_voices(config)
    if not wanted:
        return ""
    line = _line_of(config_path, "voices")
    where = f"{config_path}:{line}" if line else config_path
    for lang, voice in wanted.items():
        if not voice or voice != voice.strip() or any(ch < " " for ch in voice):
            raise SystemExit(f"hallcall: config error: {where}: announce.voices.{lang} {voice!r} is not a voice name")
    engine, voices = _engine_voices()
    if engine == "":
        return "voices: not checked (no speech engine here: pyttsx3 or espeak-ng); check-config on a display PC does"
    lister = _VoiceList(voices)
    for lang, voice in wanted.items():
        try:
            _voice_id(lister, voice)
        except LookupError:
            short = sorted({_short_voice(i, n) for i, n in voices})
            close = difflib.get_close_matches(voice, short, n=3)
            hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            raise SystemExit(
                f"hallcall: config error: {where}: announce.voices.{lang} {voice!r} is not a voice of this "
                f"machine's speech engine ({engine}){hint}\n  the voices it has: {', '.join(short)}\n"
                "  (a display PC with another system has other voices: run check-config there, "
                "or pass --skip-voices here)"
            ) from None
    listed = ", ".join(f"{lang} {voice!r}" for lang, voice in wanted.items())
    return f"voices: {listed} installed here ({engine})"


class _VoiceList:
    """The engine stand-in the display's voice matcher asks: ``getProperty("voices")``."""

    def __init__(self, voices: list[tuple[str, str]]) -> None:
        self.voices = [types.SimpleNamespace(id=i, name=n) for i, n in voices]

    def getProperty(self, name: str) -> list[types.SimpleNamespace]:  # pyttsx3's name
        return self.voices if name == "voices" else []


def _short_voice(voice_id: str, name: str) -> str:
    """What a hall writes for a voice: espeak's ``sit/cmn-latn-pinyin`` as ``cmn-latn-pinyin``,
    a SAPI5 voice by its name."""
    return voice_id.rpartition("/")[2] if "/" in voice_id else name


def _engine_voices() -> tuple[str, list[tuple[str, str]]]:
    """The voices this machine's speech engine offers, as (id, name): pyttsx3's, as the display
    asks them (in a child process: an engine may print or hang), else espeak-ng's own list;
    ("", []) when there is neither."""
    code = "import json, pyttsx3; print(json.dumps([[v.id, v.name] for v in pyttsx3.init().getProperty('voices')]))"
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
        if done.returncode == 0 and done.stdout.strip():
            return "pyttsx3", [(str(i), str(n)) for i, n in json.loads(done.stdout.strip().splitlines()[-1])]
    except (OSError, subprocess.TimeoutExpired, ValueError):
        pass
    espeak = shutil.which("espeak-ng")
    if espeak:
        try:
            done = subprocess.run([espeak, "--voices"], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return "", []
        rows = [line.split() for line in done.stdout.splitlines()[1:]]
        # Pty Language Age/Gender VoiceName File [Other languages]: the file is the voice's id, in
        # lower case as pyttsx3 gives it to the display (sit/cmn-Latn-pinyin → sit/cmn-latn-pinyin)
        return "espeak-ng", [(row[4].lower(), row[3].replace("_", " ")) for row in rows if len(row) >= 5]
    return "", []


def _line_of(config_path: str, key: str) -> int | None:
    """The line of ``key =`` in the config file (the loader's own finder), for messages that point at it."""
    try:
        return hall_config._line_of_key(Path(config_path).read_text(encoding="utf-8"), key)
    except (OSError, UnicodeDecodeError):
        return None


def cmd_new_config(args: argparse.Namespace) -> int:
    """Start a hall's config from the demo hall's commented file, with fresh random device tokens
    (the demo's are published, so a hall must not keep them); never overwrites a file."""
    import re
    import secrets

    from hallcall.assets import DEMO_HALL

    target = Path(args.config)
    if target.exists():
        raise SystemExit(f"hallcall: {target} exists already; give another file name")
    text = re.sub(
        r'^(\s*token\s*=\s*)"[^"]*"',
        lambda m: f'{m.group(1)}"{secrets.token_hex(12)}"',
        DEMO_HALL.read_text(encoding="utf-8"),
        flags=re.MULTILINE,
    )
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise SystemExit(f"hallcall: cannot write {target}: {exc.strerror or exc}") from None
    print(f"wrote {target}: the demo hall with new device tokens; edit it (docs/configuration.md), then check-config")
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
    context = _tls_context(args)
    path = database_path(args.config, data_folder(args.config, args.data))
    try:
        storage = Storage(path, synchronous=config.server.synchronous)
    except StorageError as exc:
        raise SystemExit(f"hallcall: {exc}") from None
    logging.info("database %s", path)
    try:
        asyncio.run(
            run(
                config,
                storage,
                args.host,
                args.port,
                clock,
                enforce_hours=not args.ignore_hours,
                tls_context=context,
            )
        )
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        raise SystemExit(f"hallcall: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    return 0


def _tls_context(args: argparse.Namespace) -> ssl.SSLContext | None:
    """The server's TLS context from --tls-cert and --tls-key (both or neither), or None."""
    if not args.tls_cert and not args.tls_key:
        return None
    if not (args.tls_cert and args.tls_key):
        raise SystemExit("hallcall: give --tls-cert and --tls-key together (made by `hallcall admin make-cert`)")
    from hallcall.server import tls

    try:
        context = tls.server_context(args.tls_cert, args.tls_key)
        summary, soon = tls.certificate_summary(args.tls_cert)
    except tls.TLSError as exc:
        raise SystemExit(f"hallcall: {exc}") from None
    if soon:
        logging.warning("%s: renew it with `hallcall admin make-cert` (docs/deployment.md)", summary)
    else:
        logging.info("%s", summary)
    return context


def cmd_make_cert(args: argparse.Namespace) -> int:
    """Make (or re-use) the hall CA in --out and a server certificate for --names signed by it."""
    from hallcall.server import tls

    try:
        made = tls.make_cert(args.names, args.out)
    except tls.TLSError as exc:
        raise SystemExit(f"hallcall: {exc}") from None
    ca = "re-used the hall CA" if made.ca_reused else "made a new hall CA"
    print(
        f"{ca} {made.ca_cert} (key {made.ca_key}; SHA-256 {made.ca_fingerprint})\n"
        f"wrote {made.cert} and {made.key} for {', '.join(made.names)}, valid until {made.not_after:%Y-%m-%d}\n"
        f"server:   hallcall server ... --tls-cert {made.cert} --tls-key {made.key}\n"
        f"programs: --server wss://{made.names[0]}:8765 --ca {made.ca_cert}  (browsers: install {made.ca_cert.name})"
    )
    return 0


def _admin_storage(args: argparse.Namespace, config: hall_config.HallConfig):  # type: ignore[no-untyped-def]
    from hallcall.server.app import database_path
    from hallcall.server.storage import Storage, StorageError

    try:
        return Storage(database_path(args.config, data_folder(args.config, args.data)), owner=False)
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

    if args.verb == "make-cert":  # certificates need no hall config or database
        return cmd_make_cert(args)
    if not args.config:
        raise SystemExit(f"hallcall admin {args.verb}: give the hall's config: hallcall admin --config HALL.toml ...")
    config = _load_config(args.config)
    storage = _admin_storage(args, config)
    try:
        if args.verb == "seed-clerks":
            return _seed_clerks(args, config, storage)
        if args.verb == "list-clerks":
            print(_clerk_table(args, storage.clerks()))
            return 0
        if args.verb in ("rotate-token", "revoke-token"):
            return _device_token(args, config, storage)
        if args.verb == "reset-password":
            return _reset_password(args, storage)
        existing = storage.clerk(args.name)
        if args.verb == "add-clerk" and existing is not None:
            raise SystemExit(f"hallcall: clerk {args.name!r} exists already; use set-password")
        if args.verb in ("set-password", "disable", "enable") and existing is None:
            raise SystemExit(f"hallcall: there is no clerk {args.name!r}")
        if args.verb in ("disable", "enable"):
            storage.set_clerk_active(args.name, args.verb == "enable")
            print(f"clerk {args.name} {args.verb}d")
            return 0
        if args.verb == "add-clerk" and not args.supervisor:
            _warn_unknown_clerk(args, config)
        try:
            password = _password(args)
            auth.check_password(password, args.name)
            digest = auth.hash_password(password)
        except ValueError as exc:
            raise SystemExit(f"hallcall: {exc}") from None
        role = "supervisor" if getattr(args, "supervisor", False) else (existing or {}).get("role", "clerk")
        storage.save_clerk(args.name, digest, role=role, display_name=getattr(args, "display_name", "") or "")
        print(f"clerk {args.name} ({role}) saved")
        return 0
    finally:
        storage.close()


def _reset_password(args: argparse.Namespace, storage) -> int:  # type: ignore[no-untyped-def]
    """``reset-password NAME``: a one-time password for a clerk who forgot theirs (printed once,
    stored only as a hash); the counter asks for a new one at the next sign-in.  The same as the
    console's reset (protocol.md 6.26); a running server's lock-outs of the account stay until
    they run out."""
    from hallcall.server import auth

    record = storage.clerk(args.name)
    if record is None:
        raise SystemExit(f"hallcall: there is no clerk {args.name!r}")
    if record["role"] != "clerk":
        raise SystemExit(f"hallcall: {args.name} is a {record['role']}: give them a new password with set-password")
    word = auth.one_time_password()
    storage.save_clerk(args.name, auth.hash_password(word), role="clerk", must_change=True)
    print(f"one-time password for {args.name}: {word}\n(they choose their own at the next sign-in)")
    return 0


def _device_token(args: argparse.Namespace, config: hall_config.HallConfig, storage) -> int:  # type: ignore[no-untyped-def]
    """``rotate-token``: a new token for a device, printed once (only its hash is stored, and it
    overrides the config's); ``revoke-token``: the device may not sign in at all.  A running
    server notices within seconds and disconnects the device if it is connected."""
    from hallcall.server import auth

    try:
        if args.verb == "revoke-token":
            auth.revoke_device_token(config, storage, args.device, time.time())
            print(f"the token of {args.device} is revoked; it is refused from now on (rotate-token gives it a new one)")
            return 0
        token = auth.rotate_device_token(config, storage, args.device, time.time())
    except ValueError as exc:
        raise SystemExit(f"hallcall: {exc}") from None
    print(token)
    print(
        f"the new token of {args.device}, shown only this once: start the device with --token {token} "
        "(its earlier token, and the config's, are refused from now on)",
        file=sys.stderr,
    )
    return 0


def _clerk_table(args: argparse.Namespace, rows: list[dict]) -> str:  # type: ignore[type-arg]
    """``list-clerks``: a header and one aligned row per account (Chinese names take two columns
    each), or a sentence saying there is none yet and how to add them — never nothing."""
    from hallcall.launch.sim.figures import _pad, _width

    if not rows:
        return (
            f"no clerks or supervisors in {data_folder(args.config, args.data)} yet: add them with "
            f"`hallcall admin --config {args.config} seed-clerks` or `... add-clerk NAME`"
        )
    table = [("name", "display name", "role", "state")]
    table += [(r["name"], r["display_name"], r["role"], "active" if r["active"] else "disabled") for r in rows]
    widths = [max(_width(row[i]) for row in table) for i in range(len(table[0]))]
    return "\n".join("  ".join(_pad(cell, widths[i], 0) for i, cell in enumerate(row)).rstrip() for row in table)


def _warn_unknown_clerk(args: argparse.Namespace, config: hall_config.HallConfig) -> None:
    """A clerk name no counter lists, in a hall whose counters do list clerks, is most often a
    typo (``li.na`` for ``lina``): the account would sign in only where any clerk may.  Say so
    before asking for the password; the account is still made, as a new clerk may be added to
    the config next."""
    from hallcall.server.accounts import configured_clerks

    known = configured_clerks(config)
    if not known or args.name in known:
        return
    close = difflib.get_close_matches(args.name, known, n=3)
    hint = f" (did you mean {', '.join(repr(n) for n in close)}?)" if close else ""
    anywhere = [str(c.number) for c in config.counters if c.open_to_any_clerk]
    where = f"only at counters open to any clerk: {', '.join(anywhere)}" if anywhere else "at no counter"
    print(
        f"hallcall: warning: no counter in {args.config} names clerk {args.name!r} as an A or B clerk{hint}; "
        f"they can sign in {where} until the config lists them",
        file=sys.stderr,
    )


def _seed_clerks(args: argparse.Namespace, config: hall_config.HallConfig, storage) -> int:  # type: ignore[no-untyped-def]
    """Create every clerk the config names (A and B roles) that has no account yet, all with one
    starting password: the first step of setting up a hall."""
    from hallcall.server.accounts import configured_clerks, missing_clerks, seed_clerks

    if not configured_clerks(config):
        print(
            f"{args.config} names no clerks at its counters (any clerk may sign in anywhere): add them with add-clerk"
        )
        return 0
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
    check.add_argument(
        "--skip-voices", action="store_true", help="do not check [announce] voices against this machine's speech engine"
    )
    check.set_defaults(func=cmd_check_config, extra=None)

    new = verbs.add_parser("new-config", help="write a starting hall config (the demo hall, new device tokens)")
    new.add_argument("config", help="the file to write, e.g. hall.toml")
    new.set_defaults(func=cmd_new_config, extra=None)

    srv = verbs.add_parser("server", help="run the hall's queue server")
    srv.add_argument("--config", required=True, help="the hall's TOML file")
    srv.add_argument("--data", help=DATA_HELP)
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
    srv.add_argument("--tls-cert", help="serve wss:// and https:// with this certificate (PEM; admin make-cert)")
    srv.add_argument("--tls-key", help="the private key of --tls-cert (PEM)")
    srv.set_defaults(func=cmd_server, extra="server")

    admin = verbs.add_parser(
        "admin", help="manage clerks, supervisors and device tokens; make the hall's TLS certificates"
    )
    admin.add_argument("--config", help="the hall's TOML file (every verb but make-cert)")
    admin.add_argument("--data", help=DATA_HELP)
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
    admin_verbs.add_parser(
        "reset-password", help="give a clerk a one-time password; they set their own at the next sign-in"
    ).add_argument("name")
    admin_verbs.add_parser("list-clerks", help="list clerks and supervisors")
    for verb, text in (
        ("rotate-token", "give a kiosk, display or pad a new token, printed once (the old one is refused)"),
        ("revoke-token", "refuse a kiosk's, display's or pad's token until rotate-token gives it a new one"),
    ):
        admin_verbs.add_parser(verb, help=text).add_argument("device", help="the device's name in the hall config")
    seed = admin_verbs.add_parser("seed-clerks", help="add every clerk the config names, with one starting password")
    seed.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    cert = admin_verbs.add_parser(
        "make-cert", help="make a hall CA (once, then re-used) and a server certificate signed by it"
    )
    cert.add_argument(
        "--names", required=True, help="the server's host names and IP addresses, e.g. hall.local,192.168.1.10"
    )
    cert.add_argument("--out", required=True, type=Path, help="the folder for the CA and the certificates")
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
    Program("appointments", "hallcall.launch.appointments", "server", "list, import or export a hall's bookings"),
    Program("export", "hallcall.launch.export", "city", "ship a hall's journal to the city's PostgreSQL"),
    Program("city", "hallcall.launch.city", "city", "the city report over every exported hall: page and CSV"),
    Program("kiosk", "hallcall.kiosk.cli", "kiosk", "run a touch kiosk that issues and prints tickets"),
    Program("counter", "hallcall.counter.cli", "counter", "run the clerk's counter program"),
    Program("display", "hallcall.display.cli", "display", "run a hall display with voice announcements"),
    Program("voice-pack", "hallcall.launch.voice_pack", "display", "make or check a recorded voice pack"),
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
