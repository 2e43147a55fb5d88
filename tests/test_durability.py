"""Durability: what the server acknowledged survives ``kill -9``, and a hall has one server.

The server runs as a real subprocess (``hallcall server``) on a data folder; it is killed with
SIGKILL right after the last answer arrives — no graceful shutdown, no chance to flush anything
— and started again on the same folder.  Every acknowledged ticket, journal entry, counter
session and stored answer must be there, numbering must go on where it stopped, and a request id
answered before the kill must get the same answer after it.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conftest import KIOSK, PASSWORD, ROOT, TEST_HALL, config_with

from hallcall import protocol as p
from hallcall.client import HallClient
from hallcall.config import Names
from hallcall.server.app import database_path
from hallcall.server.child import ServerChild
from hallcall.server.clock import Clock
from hallcall.server.domain.model import Journal
from hallcall.server.hub import Hub
from hallcall.server.storage import Storage


async def _connect(sp: ServerChild, role: str, **hello: Any) -> tuple[HallClient, dict[str, Any]]:
    c = HallClient(sp.url)
    await c.connect()
    welcome = await c.hello(role, **hello)
    return c, welcome


def _kill(sp: ServerChild) -> None:
    """SIGKILL: the process gets no chance to close, flush or checkpoint anything."""
    sp.proc.kill()
    assert sp.proc.wait(10) == -9


async def _drop(*clients: HallClient) -> None:
    """Forget client links to a dead server (their sockets are already broken)."""
    for c in clients:
        if c._reader is not None:
            c._reader.cancel()
        if c.ws is not None:
            c.ws.transport.abort()
    await asyncio.gather(*(c._reader for c in clients if c._reader is not None), return_exceptions=True)


def _ok(answer: dict[str, Any]) -> dict[str, Any]:
    assert answer["type"] == "result", answer
    return answer["data"]


async def test_kill_9_keeps_every_acknowledged_change(
    server_process: Callable[..., ServerChild], tmp_path: Path
) -> None:
    sp = server_process()
    db_path = database_path(TEST_HALL, tmp_path)
    counter, welcome = await _connect(sp, "counter", counter=1, clerk="cat", password=PASSWORD)
    token = welcome["session_token"]
    kiosk, _ = await _connect(sp, "kiosk", **KIOSK)

    kiosk_answers: dict[str, dict[str, Any]] = {}  # every acknowledged answer, by request id
    counter_answers: dict[str, dict[str, Any]] = {}
    state_of: dict[str, str] = {}  # ticket number -> state as last acknowledged
    journal: Counter[str] = Counter({"sign_in": 1})  # acknowledged journal entries by action
    steps: Counter[tuple[str, str]] = Counter()  # acknowledged (ticket, action) journal entries

    n = 50
    for i in range(n):  # 45 social (A001-A045) and 5 consult (C001-C005), interleaved
        rid = f"issue-{i:02d}"
        answer = await kiosk.call("issue", request_id=rid, service="consult" if i % 10 == 9 else "social")
        t = _ok(answer)["ticket"]
        kiosk_answers[rid] = answer
        state_of[t["number"]] = t["state"]
        journal["issue"] += 1
        steps[t["number"], "issue"] += 1
    assert sorted(state_of) == [f"A{s:03d}" for s in range(1, 46)] + [f"C{s:03d}" for s in range(1, 6)]

    async def act(rid: str, kind: str, action: str) -> dict[str, Any]:
        answer = await counter.call(kind, request_id=rid)
        t = _ok(answer)["ticket"]
        counter_answers[rid] = answer
        state_of[t["number"]] = t["state"]
        journal[action] += 1
        steps[t["number"], action] += 1
        return t

    for j in range(5):  # A001-A005: called and finished
        assert (await act(f"next-{j}", "call_next", "call"))["number"] == f"A{j + 1:03d}"
        assert (await act(f"finish-{j}", "finish", "finish"))["state"] == "done"
    assert (await act("next-5", "call_next", "call"))["number"] == "A006"
    assert (await act("no-show-5", "no_show", "no_show"))["state"] == "no_show"
    assert (await act("next-6", "call_next", "call"))["number"] == "A007"
    serving = await act("start-6", "start", "serve")  # the last acknowledgement ...
    _kill(sp)  # ... and the kill, with nothing in between
    assert serving["number"] == "A007" and serving["state"] == "serving"
    await _drop(counter, kiosk)

    # ---- the file as the dead server left it (its WAL included): read with plain sqlite3
    db = sqlite3.connect(db_path)
    try:
        rows = dict(db.execute("SELECT number, state FROM tickets").fetchall())
        assert rows == state_of, "every acknowledged ticket must be stored in its acknowledged state"
        events = Counter(dict(db.execute("SELECT action, COUNT(*) FROM events GROUP BY action").fetchall()))
        assert events == journal, "the journal must hold every acknowledged event, and no other"
        found = Counter(db.execute("SELECT number, action FROM events WHERE number IS NOT NULL").fetchall())
        assert found == steps, "each ticket's journey must hold every acknowledged step"
        journey = db.execute("SELECT action FROM events WHERE number = 'A006' ORDER BY id").fetchall()
        assert journey == [("issue",), ("call",), ("no_show",)]
        sessions = db.execute("SELECT counter, clerk, signed_out_at FROM counter_sessions").fetchall()
        assert sessions == [(1, "cat", None)]
        stored = dict(db.execute("SELECT principal || ' ' || request_id, answer FROM answers").fetchall())
        for rid, answer in kiosk_answers.items():
            assert stored[f"kiosk:kiosk-1 {rid}"].encode() == p.encode(answer)
        for rid, answer in counter_answers.items():
            assert stored[f"clerk:cat {rid}"].encode() == p.encode(answer)
    finally:
        db.close()

    # ---- start again on the same data
    sp2 = server_process()
    counter, welcome2 = await _connect(sp2, "counter", counter=1, clerk="cat", session_token=token)
    assert welcome2["counter"] == 1 and welcome2["name"] == "cat"
    assert counter.snapshot is not None
    me = next(c for c in counter.snapshot["counters"] if c["counter"] == 1)
    assert me["clerk"] == "cat"
    assert me["current"] is not None, "the counter's serving ticket must be recovered"
    assert (me["current"]["number"], me["current"]["state"]) == ("A007", "serving")
    assert me["served_today"] == 5
    assert counter.snapshot["me"]["served"][-1]["number"] == "A005"

    for number, state in state_of.items():
        data = await counter.request("ticket", number=number)
        assert data["ticket"]["state"] == state, number
    a006 = await counter.request("ticket", number="A006")
    assert [step["action"] for step in a006["journey"]] == ["issue", "call", "no_show"]

    # A request id answered before the kill gets the same answer after the restart.
    kiosk, _ = await _connect(sp2, "kiosk", **KIOSK)
    for rid in ("issue-00", "issue-09", f"issue-{n - 1:02d}"):
        service = _ok(kiosk_answers[rid])["ticket"]["service"]
        assert await kiosk.call("issue", request_id=rid, service=service) == kiosk_answers[rid], rid
    for rid, kind in (("next-0", "call_next"), ("finish-4", "finish"), ("no-show-5", "no_show"), ("start-6", "start")):
        assert await counter.call(kind, request_id=rid) == counter_answers[rid], rid

    # Numbering goes on where it stopped: the next social ticket is A046, the next consult C006.
    assert _ok(await kiosk.call("issue", request_id="after-1", service="social"))["ticket"]["number"] == "A046"
    assert _ok(await kiosk.call("issue", request_id="after-2", service="consult"))["ticket"]["number"] == "C006"

    # The recovered session works: the clerk finishes the ticket being served and calls the next.
    assert _ok(await counter.call("finish", request_id="finish-6"))["ticket"]["number"] == "A007"
    assert _ok(await counter.call("call_next", request_id="next-7"))["ticket"]["number"] == "A008"
    await counter.close()
    await kiosk.close()


async def test_kill_9_with_requests_in_flight(server_process: Callable[..., ServerChild], tmp_path: Path) -> None:
    """Killed while a kiosk's pipelined requests are still being handled: what was acknowledged
    is kept, what was not may or may not have been stored — and retrying every id afterwards
    gives each one exactly one ticket, numbered without gaps or repeats."""
    sp = server_process()
    kiosk, _ = await _connect(sp, "kiosk", **KIOSK)
    total, kill_after = 30, 10
    answers: dict[str, dict[str, Any]] = {}

    def hear(message: dict[str, Any]) -> None:
        if message.get("type") in ("result", "error") and str(message.get("re", "")).startswith("burst-"):
            answers.setdefault(message["re"], message)
            if len(answers) == kill_after:
                sp.proc.kill()  # inside the read loop: the very moment the 10th answer arrives

    kiosk.listeners.append(hear)
    for i in range(total):
        await kiosk.send_raw(p.encode({"type": "issue", "id": f"burst-{i:02d}", "service": "social"}))
    for _ in range(200):  # bounded wait for the kill
        if sp.proc.poll() is not None:
            break
        await asyncio.sleep(0.05)
    assert sp.proc.wait(10) == -9
    await _drop(kiosk)
    acknowledged = dict(answers)
    assert len(acknowledged) >= kill_after
    for rid, answer in acknowledged.items():
        assert _ok(answer)["ticket"]["number"] == f"A{int(rid.split('-')[1]) + 1:03d}"

    db = sqlite3.connect(database_path(TEST_HALL, tmp_path))
    try:
        seqs = [s for (s,) in db.execute("SELECT seq FROM tickets ORDER BY seq")]
        assert seqs == list(range(1, len(seqs) + 1)), "stored numbers have gaps"
        assert len(seqs) >= len(acknowledged), "an acknowledged ticket is missing"
        stored = dict(db.execute("SELECT request_id, answer FROM answers").fetchall())
        assert len(stored) == len(seqs), "every stored ticket has its stored answer, and only those"
        for rid, answer in acknowledged.items():
            assert stored[rid].encode() == p.encode(answer)
    finally:
        db.close()

    sp2 = server_process()
    kiosk, _ = await _connect(sp2, "kiosk", **KIOSK)
    after = {}
    for i in range(total):
        rid = f"burst-{i:02d}"
        after[rid] = await kiosk.call("issue", request_id=rid, service="social")
    for rid, answer in acknowledged.items():
        assert after[rid] == answer, f"{rid} was answered before the kill and must be answered the same"
    numbers = sorted(_ok(a)["ticket"]["number"] for a in after.values())
    assert numbers == [f"A{s:03d}" for s in range(1, total + 1)]
    await kiosk.close()


async def test_second_server_on_the_same_data_is_refused(
    server_process: Callable[..., ServerChild], tmp_path: Path
) -> None:
    sp = server_process()
    kiosk, _ = await _connect(sp, "kiosk", **KIOSK)
    _ok(await kiosk.call("issue", request_id="before", service="social"))

    cmd = [sys.executable, "-m", "hallcall.launch.cli", "server", "--config", str(TEST_HALL), "--data", str(tmp_path)]
    second = await asyncio.to_thread(
        subprocess.run, [*cmd, "--port", "0"], capture_output=True, text=True, timeout=30, cwd=ROOT
    )
    assert second.returncode != 0, "a second server on the same data must not start"
    said = second.stderr + second.stdout
    assert "in use" in said, said
    assert str(database_path(TEST_HALL, tmp_path)) in said or database_path(TEST_HALL, tmp_path).name in said, said

    # The first server goes on undisturbed.
    assert sp.proc.poll() is None
    again = await kiosk.call("issue", request_id="before", service="social")
    assert _ok(again)["ticket"]["number"] == "A001"
    assert _ok(await kiosk.call("issue", request_id="after", service="social"))["ticket"]["number"] == "A002"
    await kiosk.close()


async def test_device_faults_and_the_notice_survive_a_restart(server_process: Callable[..., ServerChild]) -> None:
    sp = server_process()
    kiosk, _ = await _connect(sp, "kiosk", **KIOSK)
    await kiosk.request("device_status", state="fault", code="printer.out_of_paper", detail="printer out of paper")
    sup, _ = await _connect(sp, "supervisor", clerk="sue", password=PASSWORD)
    await sup.request("notice", zh="系统维护", en="Maintenance")
    _kill(sp)
    await _drop(kiosk, sup)

    again = server_process(sp.port)
    sup, _ = await _connect(again, "supervisor", clerk="sue", password=PASSWORD)
    devices = {d["device"]: d for d in sup.snapshot["devices"]}
    assert devices[KIOSK["device"]]["state"] == "fault"
    assert devices[KIOSK["device"]]["detail"] == "printer out of paper"
    assert devices[KIOSK["device"]]["text"] == {"zh": "打印机缺纸", "en": "Printer out of paper"}
    assert devices[KIOSK["device"]]["role"] == "kiosk"
    assert sup.snapshot["notice"] == {"zh": "系统维护", "en": "Maintenance"}
    await sup.close()


def test_a_cleared_notice_follows_the_config_after_a_restart(tmp_path: Path) -> None:
    """A supervisor who clears the notice hands the line back to the config: an edit to
    ``[display] notice`` made later shows after the restart, not the text of the day it was cleared."""
    storage = Storage(tmp_path / "hall.sqlite3")
    try:
        set_then_cleared = [
            Journal(1.0, "notice", clerk="sue", reason="系统维护", detail={"zh": "系统维护", "en": "Maintenance"}),
            Journal(2.0, "notice", clerk="sue", reason="", detail={"zh": "", "en": ""}),
        ]
        storage.begin()
        storage.apply(set_then_cleared, "2026-11-23")
        storage.commit()
        notice = '\n[display]\nnotice = { zh = "新通知", en = "New notice" }\n'
        edited = config_with(tmp_path, "[server]\n", notice + "\n[server]\n")
        assert Hub(edited, storage, Clock()).notice == Names(zh="新通知", en="New notice")
    finally:
        storage.close()
