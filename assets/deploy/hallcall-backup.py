"""Back up a hallcall database while the server runs, with SQLite's online backup API.

    python hallcall-backup.py DATABASE FOLDER [--keep N]

    python hallcall-backup.py /var/lib/hallcall/hall.sqlite3 /var/backups/hallcall
    .venv\\Scripts\\python assets\\deploy\\hallcall-backup.py C:\\ProgramData\\hallcall\\data\\hall.sqlite3 D:\\backup

Writes FOLDER/<name>-YYYYMMDD-HHMMSS.sqlite3, a consistent copy that includes what is still in
the write-ahead log (copying the .sqlite3 file alone while the server runs does not), checks
it, and deletes the oldest copies beyond --keep (default 30).  Run it as the user the server
runs as.  Exit status 0 when the copy is good.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from pathlib import Path


def backup(database: Path, folder: Path, keep: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{database.stem}-{time.strftime('%Y%m%d-%H%M%S')}.sqlite3"
    partial = target.with_name(target.name + ".partial")
    source = sqlite3.connect(database)
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy)
        verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        copy.close()
        source.close()
    if verdict != "ok":
        partial.unlink()
        raise RuntimeError(f"the copy failed its integrity check: {verdict}")
    partial.replace(target)
    copies = sorted(folder.glob(f"{database.stem}-*.sqlite3"))
    for old in copies[: max(0, len(copies) - keep)]:
        old.unlink()
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Back up a hallcall database while the server runs.")
    parser.add_argument("database", type=Path, help="the hall's .sqlite3 file")
    parser.add_argument("folder", type=Path, help="where the copies go")
    parser.add_argument("--keep", type=int, default=30, help="copies to keep (default: %(default)s)")
    args = parser.parse_args(argv)
    if not args.database.is_file():
        print(f"hallcall-backup: there is no database at {args.database}", file=sys.stderr)
        return 2
    try:
        target = backup(args.database, args.folder, max(1, args.keep))
    except (OSError, sqlite3.Error, RuntimeError) as exc:
        print(f"hallcall-backup: {exc}", file=sys.stderr)
        return 1
    print(f"hallcall-backup: {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
