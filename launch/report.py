"""``hallcall report``: a hall's figures for a range of business days, as a terminal table or CSV.

Reads the hall's database read-only, so it works while the server runs (the server owns the file
and its lock; a report only reads).  The figures come from :mod:`hallcall.server.reports`; the
table uses the simulator's CJK-width helpers.  CSV goes to standard output in UTF-8 with a header
row and no byte-order mark; ``--bom`` adds one for Excel on Windows.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys

from hallcall import config as hall_config
from hallcall.launch.cli import DATA_HELP, data_folder
from hallcall.launch.sim.figures import _pad, _width
from hallcall.server import reports
from hallcall.server.app import database_path

_HEAD = reports.HEADINGS  # one definition of the columns, shared with the report page (/console/report)
_CSV_COLUMNS = reports.CSV_COLUMNS

DASH = "—"


def _share(value: float | None) -> str:
    return DASH if value is None else f"{value * 100:.1f}%"


def _count(value: int | None) -> str:
    """A count the grouping has, or a dash where it has none (issued by counter, say)."""
    return DASH if value is None else str(value)


def _blank(value: object) -> object:
    """A CSV field: empty where there is nothing to count."""
    return "" if value is None else value


def _cells(g: reports.Group, lang: str) -> list[str]:
    return [
        g.name_zh if lang == "zh" else g.name_en,
        _count(g.issued),
        str(g.served),
        str(g.no_shows),
        str(g.transfers),
        _count(g.appointments),
        _count(g.appointment_no_shows),
        *(f"{v:.1f}" for v in (g.mean_wait, g.p90_wait, g.mean_handling, g.p90_handling)),
        _share(g.within_target),
        *(str(n) for n in g.levels),
        _share(g.satisfaction),
    ]


def _table(rows: list[list[str]], total_last: bool) -> list[str]:
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(_pad(cell, widths[i], i) for i, cell in enumerate(r)) for r in rows]
    rule = "-" * max(_width(line) for line in lines)
    lines.insert(1, rule)
    if total_last:
        lines.insert(len(lines) - 1, rule)
    return lines


def table(report: reports.Report, lang: str = "zh") -> str:
    """The report as terminal tables in one language: the groups and the total, the hours, the counters."""
    words = _HEAD[lang]
    out = [words["title"].format(first=report.first, last=report.last, by=words[report.by]), ""]
    out += _table(
        [[words[report.by], *words["cols"]], *(_cells(g, lang) for g in report.rows), _cells(report.total, lang)],
        total_last=True,
    )
    if report.hours:
        out.append("")
        out += _table(
            [list(words["hours"])]
            + [[f"{h.hour:02d}:00", str(h.arrivals), f"{h.mean_wait:.1f}"] for h in report.hours],
            total_last=False,
        )
    if report.counters and report.by != "counter":
        out.append("")
        out += _table(
            [list(words["counters"])] + [[g.key, str(g.served), f"{g.mean_handling:.1f}"] for g in report.counters],
            total_last=False,
        )
    return "\n".join(out)


def to_csv(report: reports.Report, lang: str = "zh") -> str:
    """The groups and the total as CSV (header row; shares 0–1, empty where there is nothing to count)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(_CSV_COLUMNS)
    for g in [*report.rows, report.total]:
        d = g.as_dict()
        writer.writerow(
            [
                d["key"],
                g.name_zh if lang == "zh" else g.name_en,
                _blank(g.issued),
                g.served,
                g.no_shows,
                g.transfers,
                _blank(g.appointments),
                _blank(g.appointment_no_shows),
                d["mean_wait_minutes"],
                d["p90_wait_minutes"],
                d["mean_handling_minutes"],
                d["p90_handling_minutes"],
                _blank(d["within_target"]),
                *g.levels,
                _blank(d["satisfaction"]),
            ]
        )
    return buffer.getvalue()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, help="the hall's TOML file")
    parser.add_argument("--data", help=DATA_HELP)
    parser.add_argument("--from", dest="first", required=True, help="first business day, YYYY-MM-DD")
    parser.add_argument("--to", dest="last", help="last business day, YYYY-MM-DD (default: --from)")
    parser.add_argument("--by", choices=reports.BY, default="service", help="group rows (default: %(default)s)")
    parser.add_argument("--csv", action="store_true", help="CSV on standard output instead of a table")
    parser.add_argument("--bom", action="store_true", help="with --csv: start with a UTF-8 byte-order mark (Excel)")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="names and headings (default: %(default)s)")


def run(args: argparse.Namespace) -> int:
    try:
        config = hall_config.load(args.config)
    except hall_config.ConfigError as exc:
        raise SystemExit(f"hallcall: config error: {exc}") from None
    try:
        first, last = reports.check_range(args.first, args.last or args.first, args.by)
    except reports.ReportError as exc:
        raise SystemExit(f"hallcall report: {exc}") from None
    folder = data_folder(args.config, args.data)
    path = database_path(args.config, folder)
    if not path.is_file():
        raise SystemExit(f"hallcall report: no hall database in {folder} (looked for {path.name})")
    try:
        result = reports.report_file(path, config, first, last, args.by)
    except Exception as exc:  # an unreadable file: say so, no traceback
        if isinstance(exc, (SystemExit, KeyboardInterrupt)):
            raise
        raise SystemExit(f"hallcall report: cannot read {path}: {exc}") from None
    if args.csv:
        text = to_csv(result, args.lang)
        sys.stdout.buffer.write((("\ufeff" if args.bom else "") + text).encode("utf-8"))
        sys.stdout.flush()
    else:
        sys.stdout.buffer.write((table(result, args.lang) + "\n").encode("utf-8"))
        sys.stdout.flush()
    return 0
