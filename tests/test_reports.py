"""Supervision reports (server/reports.py, ``hallcall report``): a day played against the real
server, then the report's figures checked against the journal, by hand."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import MONDAY_10AM, TEST_HALL, Hall

from hallcall.config import load
from hallcall.launch import report as report_cli
from hallcall.server import reports
from hallcall.server.app import database_path
from hallcall.server.domain.hall import HallState
from hallcall.server.domain.model import Journal
from hallcall.server.storage import Storage

DAY = "2026-11-23"  # MONDAY_10AM's business day
MIN = 60.0
CONFIG = load(TEST_HALL)


async def play_day(hall: Hall) -> None:
    """Seven tickets: served, a no-show, a transfer, one left waiting; waits of known length."""
    kiosk = await hall.kiosk()
    c1 = await hall.counter(1, "cat")
    c2 = await hall.counter(2, "dan")
    for service in ("social", "social", "tax", "consult", "social", "tax", "social"):
        await kiosk.request("issue", service=service)
        hall.clock.advance(1 * MIN)
    hall.clock.advance(5 * MIN)
    # counter 1 serves A001 (start, then finish 4 minutes later)
    await c1.request("call_next")
    await c1.request("start")
    hall.clock.advance(4 * MIN)
    await c1.request("finish")
    # counter 2 (tax first): B003 does not come
    await c2.request("call_next")
    hall.clock.advance(2 * MIN)
    await c2.request("no_show")
    # counter 1 calls A002, transfers it to consultation; counter 2 calls B006 and finishes from the call
    await c1.request("call_next")
    await c1.request("transfer", service="consult")
    await c2.request("call_next")
    hall.clock.advance(3 * MIN)
    await c2.request("finish")
    hall.clock.advance(20 * MIN)
    await c1.request("call_next")  # counter 1 serves every service: the oldest waiting ticket
    await c1.request("start")
    hall.clock.advance(2 * MIN)
    await c1.request("finish")


def by_hand(database: Path) -> dict[str, object]:
    conn = sqlite3.connect(database)
    issued = {
        tid: (num, at)
        for tid, num, at in conn.execute("SELECT ticket_id, number, at FROM events WHERE action = 'issue'")
    }
    first: dict[int, tuple[float, int, str]] = {}
    for tid, at, counter, clerk in conn.execute(
        "SELECT ticket_id, at, counter, clerk FROM events "
        "WHERE action IN ('call', 'call_number', 'call_back') ORDER BY id"
    ):
        first.setdefault(tid, (at, counter, clerk))
    states = dict(conn.execute("SELECT id, state FROM tickets"))
    transfers = conn.execute("SELECT COUNT(*) FROM events WHERE action = 'transfer'").fetchone()[0]
    conn.close()
    waits = {tid: (at - issued[tid][1]) / 60 for tid, (at, _c, _k) in first.items()}
    return {"issued": issued, "first": first, "states": states, "waits": waits, "transfers": transfers}


async def test_a_played_day_matches_the_journal(hall: Hall) -> None:
    await play_day(hall)
    database = database_path(TEST_HALL, hall.data)
    truth = by_hand(database)
    r = reports.report_file(database, CONFIG, DAY, DAY, "service")
    states = truth["states"]
    assert r.total.issued == len(truth["issued"]) == 7
    assert r.total.served == sum(1 for s in states.values() if s == "done")
    assert r.total.no_shows == sum(1 for s in states.values() if s == "no_show") == 1
    assert r.total.transfers == truth["transfers"] == 1
    waits = sorted(truth["waits"].values())
    assert sorted(r.total.waits) == pytest.approx(waits)
    assert r.total.mean_wait == pytest.approx(sum(waits) / len(waits))
    by_service = {g.key: g for g in r.rows}
    assert [g.key for g in r.rows] == ["social", "tax", "consult"]
    assert by_service["social"].issued == 4 and by_service["tax"].issued == 2 and by_service["consult"].issued == 1
    assert by_service["tax"].no_shows == 1
    # A001: issued at 10:00, called at 10:12, target 10 minutes → not within target
    a001 = next(tid for tid, (num, _at) in truth["issued"].items() if num == "A001")
    assert truth["waits"][a001] == pytest.approx(12.0)
    within = sum(
        1 for tid, w in truth["waits"].items()
        if w <= {"A": 10, "B": 20, "C": 30}[truth["issued"][tid][0][0]]
    )  # fmt: skip
    assert r.total.within_target == pytest.approx(within / len(waits))
    # first served ticket: started then finished 4 minutes later; B006 finished straight from the call, 3 minutes
    assert 4.0 in [round(h, 6) for h in r.total.handling] and 3.0 in [round(h, 6) for h in r.total.handling]
    assert r.total.evaluations == 0 and r.total.satisfaction is None
    assert sum(h.arrivals for h in r.hours) == 7 and [h.hour for h in r.hours] == [10]

    by_counter = reports.report_file(database, CONFIG, DAY, DAY, "counter")
    rows = {g.key: g for g in by_counter.rows}
    assert rows["2"].no_shows == 1 and rows["1"].transfers == 1
    assert rows["1"].served + rows["2"].served == r.total.served
    assert all(g.issued is None for g in by_counter.rows)
    by_clerk = {g.key: g for g in reports.report_file(database, CONFIG, DAY, DAY, "clerk").rows}
    assert set(by_clerk) == {"cat", "dan"}
    assert by_clerk["dan"].no_shows == 1
    assert len(by_clerk["cat"].waits) == sum(1 for _at, _c, k in truth["first"].values() if k == "cat")

    # a day without tickets is empty, not an error
    empty = reports.report_file(database, CONFIG, "2026-11-24", "2026-11-25")
    assert empty.total.issued == 0 and empty.total.within_target is None


def _evaluated_database(tmp_path: Path) -> Path:
    """A day made by the domain core and written through Storage.apply, with evaluation journal rows
    written the same way (the rows the evaluation pad adds)."""
    path = tmp_path / "hall.sqlite3"
    storage = Storage(path)
    state = HallState(CONFIG, enforce_hours=False)
    state.roll(MONDAY_10AM)
    changes: list = []
    now = MONDAY_10AM
    changes += state.sign_in(1, "cat", "h", now)
    tickets = []
    for _ in range(4):
        t, made = state.issue("social", now)
        changes += made
        tickets.append(t)
    for level in (5, 3, 1, 4):
        now += 2 * MIN
        t, made = state.call_next(1, now)
        changes += made
        now += 3 * MIN
        t, made = state.finish(1, now)
        changes += made
        changes.append(Journal(now + 10, "evaluate", t, 1, "cat", detail={"level": level, "comment": ""}))
    storage.begin()
    storage.apply(changes, DAY)
    storage.commit()
    storage.close()
    return path


def test_evaluations_and_satisfaction(tmp_path: Path) -> None:
    path = _evaluated_database(tmp_path)
    r = reports.report_file(path, CONFIG, DAY, DAY, "clerk")
    assert r.total.levels == [1, 0, 1, 1, 1]
    assert r.total.satisfaction == pytest.approx(0.75)
    assert r.rows[0].key == "cat" and r.rows[0].levels == [1, 0, 1, 1, 1]
    assert r.total.served == 4 and r.total.handling == pytest.approx([3.0] * 4)
    text = report_cli.table(r, "en")
    assert "75.0%" in text and "cat" in text


def test_bad_ranges() -> None:
    with pytest.raises(reports.ReportError) as bad:
        reports.check_range("2026-13-01", "2026-12-01")
    assert bad.value.code == "bad_date"
    with pytest.raises(reports.ReportError) as backwards:
        reports.check_range("2026-12-02", "2026-12-01")
    assert backwards.value.code == "bad_range"
    with pytest.raises(reports.ReportError) as grouping:
        reports.check_range("2026-12-01", "2026-12-01", "zone")
    assert grouping.value.code == "bad_grouping"
    assert reports.p90([]) == 0.0 and reports.p90([float(i) for i in range(1, 11)]) == 9.0


def _cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "hallcall.launch.cli", "report", *args], capture_output=True, timeout=60
    )


async def test_cli_while_the_server_runs(hall: Hall) -> None:
    await play_day(hall)
    base = ("--config", str(TEST_HALL), "--data", str(hall.data), "--from", DAY, "--to", DAY)
    shown = _cli(*base, "--lang", "zh")
    assert shown.returncode == 0, shown.stderr.decode()
    text = shown.stdout.decode("utf-8")
    assert "社保" in text and "合计" in text and "满意率" in text
    lines = text.splitlines()
    widths = {report_cli._width(line) for line in lines[2:4]}  # header and rule: same width, CJK counted double
    assert len(widths) == 1

    as_csv = _cli(*base, "--csv", "--lang", "en", "--by", "counter")
    assert as_csv.returncode == 0, as_csv.stderr.decode()
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout.decode("utf-8"))))
    truth = reports.report_file(database_path(TEST_HALL, hall.data), CONFIG, DAY, DAY, "counter")
    assert [r["key"] for r in rows] == [g.key for g in truth.rows] + ["all"]
    assert int(rows[-1]["served"]) == truth.total.served and int(rows[-1]["no_shows"]) == 1
    assert rows[-1]["issued"] == "" and rows[-1]["satisfaction"] == ""
    with_bom = _cli(*base, "--csv", "--bom")
    assert with_bom.stdout.startswith("\ufeff".encode())


def test_cli_errors(tmp_path: Path) -> None:
    base = ("--config", str(TEST_HALL), "--data", str(tmp_path))
    bad = _cli(*base, "--from", "2026-02-30")
    assert bad.returncode != 0 and b"not a date" in bad.stderr
    backwards = _cli(*base, "--from", "2026-12-02", "--to", "2026-12-01")
    assert backwards.returncode != 0 and b"after it ends" in backwards.stderr
    missing = _cli(*base, "--from", "2026-12-01")
    assert missing.returncode != 0 and b"no hall database" in missing.stderr
    assert not any(tmp_path.iterdir())  # a report never creates a database


def test_report_as_dict_is_json() -> None:
    r = reports.Report("2026-11-23", "2026-11-23", "service", [], reports.Group("all"), [], [])
    assert json.loads(json.dumps(r.as_dict()))["total"]["satisfaction"] is None


async def test_the_report_request(hall: Hall) -> None:
    await play_day(hall)
    sue = await hall.supervisor()
    data = await sue.request("report", **{"from": DAY, "to": DAY, "by": "clerk"})
    truth = reports.report_file(database_path(TEST_HALL, hall.data), CONFIG, DAY, DAY, "clerk")
    assert data["from"] == DAY and data["by"] == "clerk"
    assert [r["key"] for r in data["rows"]] == [g.key for g in truth.rows]
    assert data["total"]["served"] == truth.total.served and data["total"]["issued"] is None
    assert data["total"]["evaluations"] == [0, 0, 0, 0, 0] and data["total"]["satisfaction"] is None
    assert data["hours"][0]["hour"] == 10 and data["hours"][0]["arrivals"] == 7
    backwards = await sue.call("report", **{"from": "2026-11-24", "to": DAY})
    assert backwards["type"] == "error" and backwards["code"] == "bad_range"
    bad = await sue.call("report", **{"from": "2026-11-31", "to": DAY})
    assert bad["code"] == "bad_date"
    grouping = await sue.call("report", **{"from": DAY, "to": DAY, "by": "zone"})
    assert grouping["code"] == "bad_field"
    clerk = await hall.counter(3, "bob")
    forbidden = await clerk.call("report", **{"from": DAY, "to": DAY})
    assert forbidden["code"] == "forbidden"


async def test_a_slow_report_does_not_hold_up_the_hall(hall: Hall, monkeypatch: pytest.MonkeyPatch) -> None:
    """The report runs in a worker thread: a kiosk is answered while a long report is being read."""
    slow = reports.report_file

    def report_file(*args: object, **kwargs: object) -> reports.Report:
        time.sleep(1.0)
        return slow(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(reports, "report_file", report_file)
    sue = await hall.supervisor()
    kiosk = await hall.kiosk()
    pending = asyncio.create_task(sue.request("report", **{"from": DAY, "to": DAY}))
    await asyncio.sleep(0.1)
    started = time.monotonic()
    await kiosk.request("issue", service="social")
    assert time.monotonic() - started < 0.5
    assert not pending.done()
    assert (await pending)["total"]["issued"] == 1
