"""``hallcall city``: the city report over every hall exported to PostgreSQL, as a page and as CSV.

The page is server-rendered HTML in the hall report page's look (console.css and report.css from
hallcall.assets), one language at a time (``?lang=zh`` / ``en``), with a form for the range,
grouping and period; ``/city.csv`` gives the same rows.  ``--csv`` prints the CSV and ends.
The figures are hallcall.server.city.report's; the columns are the hall report's (reports.HEADINGS).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import html
import importlib.resources
import io
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

from hallcall.launch.report import _cells
from hallcall.server import reports
from hallcall.server.city import report as city

CSV_COLUMNS = ("from", "to", "hall_id", *reports.CSV_COLUMNS)
# issued … within_target: Group.as_dict()'s names for them
NUMBERS = reports.CSV_COLUMNS[2 : reports.CSV_COLUMNS.index("within_target") + 1]
WORDS = {
    "zh": {
        "title": "全市报表",
        "hall": "大厅",
        "city": "全市",
        "halls": "各大厅合计",
        "lines": "明细",
        "flags": "等候最长的窗口（前15%）",
        "period": {"day": "按日", "week": "按周", "month": "按月", "range": "整段"},
        "go": "查看",
        "csv": "下载CSV",
        "other": "English",
        "period_head": "时段",
    },
    "en": {
        "title": "City report",
        "hall": "Hall",
        "city": "City",
        "halls": "Each hall's total",
        "lines": "Detail",
        "flags": "Windows of longest wait (top 15 %)",
        "period": {"day": "Daily", "week": "Weekly", "month": "Monthly", "range": "Whole range"},
        "go": "Show",
        "csv": "Download CSV",
        "other": "中文",
        "period_head": "Period",
    },
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", required=True, help="the city database, postgresql://…")
    parser.add_argument("--host", default="127.0.0.1", help="address to serve the page on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8790, help="port of the page (default: %(default)s)")
    parser.add_argument("--csv", action="store_true", help="print the CSV for --from/--to and end")
    parser.add_argument("--from", dest="first", help="with --csv: first business day, YYYY-MM-DD")
    parser.add_argument("--to", dest="last", help="with --csv: last business day (default: --from)")
    parser.add_argument("--by", choices=reports.BY, default="service")
    parser.add_argument("--period", choices=city.PERIODS, default="range")


def to_csv(result: city.CityReport, lang: str = "zh") -> str:
    """Every line (each hall's groups and total per period, the city's total) as CSV."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for line in result.lines:
        d = line.group.as_dict()
        writer.writerow(
            [line.first, line.last, line.hall_id, d["key"], line.group.name_zh if lang == "zh" else line.group.name_en]
            + ["" if d[k] is None else d[k] for k in NUMBERS]
            + [*line.group.levels, "" if d["satisfaction"] is None else d["satisfaction"]]
        )
    return buffer.getvalue()


def _table(head: list[str], lines: list[city.Line], lang: str, with_period: bool) -> str:
    words = WORDS[lang]
    cols = ([words["period_head"]] if with_period else []) + [words["hall"], *head]
    out = ["<table><thead><tr>", *(f"<th>{html.escape(c)}</th>" for c in cols), "</tr></thead><tbody>"]
    for line in lines:
        total = line.group.key == "all"
        cells = ([f"{line.first}…{line.last}"] if with_period else []) + [line.hall_id or words["city"]]
        cells += _cells(line.group, lang)
        row = '<tr class="total">' if total else "<tr>"
        out.append(row + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def page(result: city.CityReport, lang: str) -> str:
    """The city report as one HTML page in ``lang``."""
    words, head = WORDS[lang], reports.HEADINGS[lang]
    query = {"from": result.first, "to": result.last, "by": result.by, "period": result.period}
    other = "en" if lang == "zh" else "zh"
    by_options = "".join(
        f"<option value='{b}'{' selected' if b == result.by else ''}>{head[b]}</option>" for b in reports.BY
    )
    period_options = "".join(
        f"<option value='{p}'{' selected' if p == result.period else ''}>{words['period'][p]}</option>"
        for p in city.PERIODS
    )
    cols = list(head["cols"])
    totals = [*result.halls] + ([city.Line(result.first, result.last, "", result.total)] if result.total else [])
    return f"""<!doctype html>
<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">
<title>{words["title"]}</title>
<link rel="stylesheet" href="/console.css"><link rel="stylesheet" href="/report.css"></head>
<body class="report-page"><header><h1>{words["title"]}</h1>
<a class="lang no-print" href="/?{urlencode({**query, "lang": other})}">{words["other"]}</a></header>
<main><form class="pick no-print" method="get" action="/">
<input type="hidden" name="lang" value="{lang}">
<input type="date" name="from" value="{result.first}"> <input type="date" name="to" value="{result.last}">
<select name="by">{by_options}</select> <select name="period">{period_options}</select>
<button type="submit">{words["go"]}</button>
<a class="csv" href="/city.csv?{urlencode({**query, "lang": lang})}">{words["csv"]}</a></form>
<h2 class="range">{html.escape(head["title"].format(first=result.first, last=result.last, by=head[result.by]))}</h2>
<section class="block"><h3>{words["halls"]}</h3>{_table(cols, totals, lang, False)}</section>
<section class="block"><h3>{words["flags"]}</h3>{_table(cols, result.red_flags, lang, False)}</section>
<section class="block"><h3>{words["lines"]}</h3>{_table(cols, result.lines, lang, True)}</section>
</main></body></html>
"""


def _web(name: str) -> bytes:
    return importlib.resources.files("hallcall.assets").joinpath("web", name).read_bytes()


def serve(dsn: str, host: str, port: int) -> ThreadingHTTPServer:
    """The page's HTTP server (not started); one PostgreSQL connection per request."""
    import psycopg  # the city extra

    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlparse(self.path)
            if url.path in ("/console.css", "/report.css"):
                return self._send(200, "text/css; charset=utf-8", _web(url.path[1:]))
            if url.path not in ("/", "/city.csv"):
                return self._send(404, "text/plain; charset=utf-8", b"not found")
            q = {k: v[-1] for k, v in parse_qs(url.query).items()}
            lang = q.get("lang", "zh") if q.get("lang") in ("zh", "en") else "zh"
            today = dt.date.today().isoformat()
            try:
                with lock, psycopg.connect(dsn, connect_timeout=10, autocommit=True) as pg:
                    result = city.city_report(
                        pg, q.get("from", today), q.get("to", q.get("from", today)), q.get("by", "service"),
                        q.get("period", "range"),
                    )  # fmt: skip
            except reports.ReportError as exc:
                return self._send(400, "text/plain; charset=utf-8", str(exc).encode())
            except psycopg.OperationalError as exc:
                return self._send(503, "text/plain; charset=utf-8", f"city database unavailable: {exc}".encode())
            if url.path == "/city.csv":
                return self._send(200, "text/csv; charset=utf-8", to_csv(result, lang).encode("utf-8"))
            return self._send(200, "text/html; charset=utf-8", page(result, lang).encode("utf-8"))

        def _send(self, status: int, kind: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return ThreadingHTTPServer((host, port), Handler)


def run(args: argparse.Namespace) -> int:
    if not args.db.startswith(("postgresql://", "postgres://")):
        raise SystemExit("hallcall city: give the city database as --db postgresql://…")
    if args.csv:
        import psycopg

        try:
            with psycopg.connect(args.db, connect_timeout=10, autocommit=True) as pg:
                result = city.city_report(pg, args.first or "", args.last or args.first or "", args.by, args.period)
        except reports.ReportError as exc:
            raise SystemExit(f"hallcall city: {exc}") from None
        sys.stdout.buffer.write(to_csv(result).encode("utf-8"))
        return 0
    server = serve(args.db, args.host, args.port)
    print(f"city report on http://{args.host}:{server.server_address[1]}/", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0
