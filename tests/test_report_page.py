"""The supervisor's report page (/console/report) in a real browser: Debian's Chromium driven by Playwright.

A real server on loopback (``live_hall``), real kiosk and counter clients make a morning's work;
the supervisor signs in on the report page, which shows today's report: its table equals the
server's ``report`` answer, its CSV download equals ``hallcall report --csv`` for the same range
(the CLI reads the same journal), and both charts are drawn.
docs/screenshots are drawn by ``hallcall demo --screenshots docs/screenshots``.
"""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from browser import browser_fixture, page_fixture, sign_in  # noqa: F401 (the shared fixtures)
from conftest import SUPERVISOR, TEST_HALL, LiveHall
from playwright.sync_api import Page, expect

from hallcall.server import reports

pytestmark = pytest.mark.timeout(120)
DAY = "2026-11-23"  # the live hall's manual clock starts on this Monday at 10:00
HALLCALL = str(Path(sys.executable).with_name("hallcall"))


def run(live: LiveHall, coro: Any) -> Any:
    return live.run(coro)


def morning(live: LiveHall) -> dict[str, int]:
    """Four hours of tickets issued, called, served and missed by real clients; the counts made."""
    assert live.hall is not None
    hall = live.hall
    kiosk = run(live, hall.kiosk())
    c1 = run(live, hall.counter(1, "cat"))
    c2 = run(live, hall.counter(2, "dan"))
    c3 = run(live, hall.counter(3, "bob"))
    made = {"issued": 0, "served": 0, "no_shows": 0}
    for hour in range(4):
        for service, count in (("social", 4 + hour), ("tax", 1), ("consult", 1 + hour % 2)):
            for _ in range(count):
                run(live, kiosk.request("issue", service=service))
                made["issued"] += 1
        live.clock.advance(6 * 60 + hour * 3 * 60)
        for c in (c1, c2, c1, c2):
            run(live, c.request("call_next"))
            run(live, c.request("start"))
            live.clock.advance(4 * 60)
            run(live, c.request("finish"))
            made["served"] += 1
        run(live, c3.request("call_next"))
        run(live, c3.request("no_show"))
        made["no_shows"] += 1
        live.clock.advance(60 * 60 - 6 * 60 - hour * 3 * 60 - 16 * 60)
    sue = run(live, hall.supervisor())
    for number, level in (("A001", 5), ("A002", 4), ("B001", 5), ("A003", 3)):  # paper forms
        run(live, sue.request("evaluate", number=number, level=level))
    return made


def cli_csv(live: LiveHall, by: str, lang: str) -> str:
    where = ("--config", str(TEST_HALL), "--data", str(live.data))
    out = subprocess.run(
        [HALLCALL, "report", *where, "--from", DAY, "--by", by, "--csv", "--bom", "--lang", lang],
        capture_output=True,
        check=True,
        timeout=30,
    )
    return out.stdout.decode("utf-8")


def table_cells(page: Page, selector: str) -> list[list[str]]:
    return page.eval_on_selector_all(
        f"{selector} tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.textContent))"
    )


def expected_cells(row: dict[str, Any], lang: str) -> list[str]:
    """The CLI's table cells (launch/report.py) computed from an answer's row."""
    share = lambda x: "—" if x is None else f"{x * 100:.1f}%"  # noqa: E731
    return [
        row["name"][lang],
        "—" if row["issued"] is None else str(row["issued"]),
        str(row["served"]),
        str(row["no_shows"]),
        str(row["transfers"]),
        *("—" if row[k] is None else str(row[k]) for k in ("appointments", "appointment_no_shows")),
        *(
            f"{row[k]:.1f}"
            for k in ("mean_wait_minutes", "p90_wait_minutes", "mean_handling_minutes", "p90_handling_minutes")
        ),
        share(row["within_target"]),
        *(str(n) for n in row["evaluations"]),
        share(row["satisfaction"]),
    ]


def download(page: Page, which: str) -> str:
    """A CSV download's text (CRLF kept, as the CLI writes it); it starts with a UTF-8 byte-order
    mark, as ``--bom`` writes it, so Excel reads the Chinese right; its file name says the days
    as YYYY-MM-DD."""
    with page.expect_download() as info:
        page.click(f'button[data-csv="{which}"]')
    raw = Path(info.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "a UTF-8 byte-order mark"
    assert re.fullmatch(
        rf"hallcall-report-{which}-\d{{4}}-\d{{2}}-\d{{2}}_\d{{4}}-\d{{2}}-\d{{2}}-\w+\.csv",
        info.value.suggested_filename,
    )
    return raw.decode("utf-8")


def painted(page: Page, canvas: str) -> int:
    """How many pixels of a canvas are not blank (drawn by Chart.js)."""
    return page.evaluate(
        """id => { const c = document.getElementById(id);
           const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
           let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }""",
        canvas,
    )


def test_report_files_are_served_and_the_chart_library_ships_with_the_project(live_hall: LiveHall) -> None:
    for path, kind in [
        ("/console/report", "text/html"),
        ("/console/report.js", "text/javascript"),
        ("/console/report.css", "text/css"),
        ("/console/report-columns.js", "text/javascript"),
        ("/console/vendor/chart.umd.js", "text/javascript"),
    ]:
        with urllib.request.urlopen(live_hall.http_url + path, timeout=5) as r:
            assert r.status == 200 and r.headers["Content-Type"].startswith(kind), path
            body = r.read().decode()
        if "vendor" not in path:  # the page loads nothing from elsewhere
            assert "http://" not in body and "https://" not in body, path
        else:
            assert body.startswith("/*!\n * Chart.js v4.5.1"), "the pinned version in docs/decisions.md"
    # one definition of the columns: the page's script is generated from the CLI's lists
    with urllib.request.urlopen(live_hall.http_url + "/console/report-columns.js", timeout=5) as r:
        assert r.read().decode() == reports.columns_js()
    from hallcall.launch import report as cli

    assert cli._CSV_COLUMNS is reports.CSV_COLUMNS and cli._HEAD is reports.HEADINGS


def test_todays_report_in_the_browser(live_hall: LiveHall, page: Page, tmp_path: Path) -> None:
    made = morning(live_hall)
    assert live_hall.hall is not None
    sup = run(live_hall, live_hall.hall.supervisor())
    answer = run(live_hall, sup.request("report", **{"from": DAY, "to": DAY, "by": "service"}))
    assert answer["total"]["issued"] == made["issued"] and answer["total"]["served"] == made["served"]
    assert answer["total"]["no_shows"] == made["no_shows"]

    sign_in(page, live_hall, path="/console/report")
    expect(page.locator("#who")).to_have_text(SUPERVISOR)
    expect(page.locator("#from")).to_have_value(DAY)  # today, the hall's business day
    rows = [*answer["rows"], answer["total"]]
    expect(page.locator("#groups tbody tr")).to_have_count(len(rows))
    assert table_cells(page, "#groups") == [expected_cells(r, "zh") for r in rows]
    assert [c[1] for c in table_cells(page, "#hours")] == [str(h["arrivals"]) for h in answer["hours"]]
    assert sum(int(c[1]) for c in table_cells(page, "#hours")) == made["issued"]

    # the CSV download is the CLI's CSV (--bom) for the same range, byte for byte
    assert download(page, "groups") == cli_csv(live_hall, "service", "zh")
    hours_csv = download(page, "hours").splitlines()
    assert hours_csv[0] == "\ufeffhour,arrivals,mean_wait_minutes" and len(hours_csv) == len(answer["hours"]) + 1
    counters_csv = download(page, "counters").splitlines()
    assert counters_csv[0] == "\ufeffkey,served,mean_handling_minutes"
    assert sum(int(line.split(",")[1]) for line in counters_csv[1:]) == made["served"]

    # both charts are drawn
    page.wait_for_function("document.getElementById('hours-chart').width > 0")
    assert painted(page, "hours-chart") > 2000
    assert painted(page, "counters-chart") > 2000

    out = tmp_path
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out / "report-zh.png"))
    assert (out / "report-zh.png").stat().st_size > 30_000

    # by counter, in English: the table and the CSV follow
    page.click("#lang")
    page.select_option("#by", "counter")
    by_counter = run(live_hall, sup.request("report", **{"from": DAY, "to": DAY, "by": "counter"}))
    rows = [*by_counter["rows"], by_counter["total"]]
    expect(page.locator("#groups thead th").first).to_have_text("Counter")
    expect(page.locator("#groups tbody tr")).to_have_count(len(rows))
    assert table_cells(page, "#groups") == [expected_cells(r, "en") for r in rows]
    assert download(page, "groups") == cli_csv(live_hall, "counter", "en")

    # printed: no buttons or pickers, the tables and charts on the page
    page.emulate_media(media="print")
    expect(page.locator("#report-form")).to_be_hidden()
    expect(page.locator("button.csv").first).to_be_hidden()
    expect(page.locator("#groups")).to_be_visible()
    expect(page.locator("#hours-chart")).to_be_visible()
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") <= 3


def test_a_range_is_checked_by_the_server(live_hall: LiveHall, page: Page) -> None:
    sign_in(page, live_hall, path="/console/report")
    expect(page.locator("#from")).to_have_value(DAY)
    page.fill("#from", "2026-11-30")
    page.fill("#to", "2026-11-01")
    page.click("#show")
    expect(page.locator("#status")).not_to_have_text("")
    expect(page.locator("#status")).not_to_have_text("正在查询…")
