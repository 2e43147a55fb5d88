"""``hallcall appointments list|import|export``: a hall's bookings from the command line.

``list`` prints a day's bookings (name and phone masked, as every screen shows them); ``export``
writes every booking as CSV; ``import`` reads such a CSV (bookings taken by phone, or moved from
another system), checks every row by the server's own rules (domain/appointments.py: the slot
exists, its quota holds, the phone is a mobile number, the code is unused) and names every bad
row; nothing is written unless every row is good.  The import needs the server stopped: the
running server keeps the bookings in memory and would not see rows written behind its back.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from hallcall import config as hall_config
from hallcall.launch.cli import DATA_HELP, data_folder
from hallcall.server.app import database_path
from hallcall.server.clock import Clock
from hallcall.server.domain import appointments, calendar
from hallcall.server.domain.model import QueueError
from hallcall.server.storage import Storage, StorageError

COLUMNS = ("code", "service", "day", "start", "name", "phone", "state")
STATES = (appointments.BOOKED, appointments.CHECKED_IN, appointments.CANCELLED, appointments.MISSED)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, help="the hall's TOML file")
    parser.add_argument("--data", help=DATA_HELP)
    verbs = parser.add_subparsers(dest="action", required=True, metavar="{list,import,export}")
    listing = verbs.add_parser("list", help="a day's bookings, name and phone masked")
    listing.add_argument("--day", help="the business day, YYYY-MM-DD (default: today)")
    verbs.add_parser("import", help="add bookings from a CSV file (all rows or none)").add_argument(
        "file", type=Path, help=f"CSV with the columns {', '.join(COLUMNS)}"
    )
    verbs.add_parser("export", help="every booking to a CSV file").add_argument("file", type=Path)


def run(args: argparse.Namespace) -> int:
    try:
        config = hall_config.load(args.config)
    except hall_config.ConfigError as exc:
        raise SystemExit(f"hallcall: config error: {exc}") from None
    path = database_path(args.config, data_folder(args.config, args.data))
    if args.action != "import" and not path.is_file():
        raise SystemExit(f"hallcall appointments: no hall database at {path}")
    try:
        storage = Storage(path, owner=args.action == "import")
    except StorageError as exc:
        raise SystemExit(f"hallcall appointments: {exc}; stop the server to import") from None
    try:
        if args.action == "list":
            return _list(config, storage, args.day)
        if args.action == "export":
            return _export(storage, args.file)
        return _import(config, storage, args.file)
    finally:
        storage.close()


def _list(config: hall_config.HallConfig, storage: Storage, day: str | None) -> int:
    day = day or calendar.business_day(config, Clock().now())
    ledger = appointments.Ledger(config, storage.bookings())
    found = ledger.of_day(day)
    for b in found:
        shown = appointments.shape(b)
        print(
            f"{b.code}  {b.service:<10} {b.day} {b.start}-{b.end}  "
            f"{shown['name_masked']:<6} {shown['phone_masked']}  {b.state:<10} {b.ticket}"
        )
    print(f"{len(found)} booking(s) on {day} / {day} 共 {len(found)} 个预约")
    return 0


def _export(storage: Storage, file: Path) -> int:
    rows = storage.bookings()
    with file.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for b in rows:
            writer.writerow([b.code, b.service, b.day, b.start, b.name, b.phone, b.state])
    print(f"{len(rows)} booking(s) written to {file}")
    return 0


def _import(config: hall_config.HallConfig, storage: Storage, file: Path) -> int:
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SystemExit(f"hallcall appointments: cannot read {file}: {exc}") from None
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise SystemExit(f"hallcall appointments: {file} lacks the column(s) {', '.join(missing)}")
    ledger = appointments.Ledger(config, storage.bookings())
    now = Clock().now()
    saved: list[appointments.BookingSaved] = []
    problems: list[str] = []
    for line, row in enumerate(reader, start=2):  # line 1 is the header
        problem = _row_problem(ledger, row, now, saved)
        if problem:
            problems.append(f"line {line}: {problem}")
    if problems:
        print(f"hallcall appointments: {file}: nothing imported; fix these rows:", file=sys.stderr)
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        return 1
    storage.begin()
    try:
        storage.apply(saved, "")
        storage.commit()
    except BaseException:
        storage.rollback()
        raise
    print(f"{len(saved)} booking(s) imported from {file}")
    return 0


def _row_problem(
    ledger: appointments.Ledger, row: dict[str, str], now: float, saved: list[appointments.BookingSaved]
) -> str:
    """What is wrong with one CSV row ("" if nothing; then its booking joins ``saved``)."""
    code = (row.get("code") or "").strip().upper()
    state = (row.get("state") or appointments.BOOKED).strip() or appointments.BOOKED
    if state not in STATES:
        return f"state {state!r} is not one of {', '.join(STATES)}"
    if code and (len(code) != appointments.CODE_LENGTH or set(code) - set(appointments.CODE_ALPHABET)):
        return f"code {code!r} is not 8 characters of {appointments.CODE_ALPHABET}"
    if code in ledger.by_code:
        return f"code {code} is already used"
    day = (row.get("day") or "").strip()
    try:
        b, changes = ledger.book(
            (row.get("service") or "").strip(),
            day,
            (row.get("start") or "").strip(),
            row.get("name") or "",
            row.get("phone") or "",
            today=day,  # an import may carry any day: the slot and its quota are what it must fit
            now=now,
            code=code,
        )
    except QueueError as exc:
        return exc.message
    if state != appointments.BOOKED:
        b.state = state  # a checked-in row keeps no ticket: its ticket lives in the hall it came from
    saved.extend(changes)
    return ""
