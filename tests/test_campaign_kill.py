"""The kill campaign's short form: ``kill -9`` of a real server under load, five times.

bench/kill_campaign.py runs ``hallcall server`` as a child on a loopback port with kiosks,
counters and a display on the programs' own link (``HallLink``: reconnects by itself, sends an
unanswered request again with the same id), kills the server with SIGKILL at random moments
while they issue, call, start and finish, starts it again, and holds the database to every
answer the clients received.  The full campaign is
``.venv/bin/python bench/kill_campaign.py --runs 100`` (docs/reliability.md).
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import kill_campaign  # bench/ is put on the path just above

pytestmark = pytest.mark.timeout(180)


def test_kill_campaign_short(qapp: Any, tmp_path: Path) -> None:
    plan = kill_campaign.Plan(runs=5, counters=4, services=20, seed=11, time_limit=120)
    result = kill_campaign.run(plan, tmp_path)
    print(result.summary())
    assert len(result.runs) == 5, result.summary()
    assert result.zeros() == dict.fromkeys(result.zeros(), 0), result.summary()
    # The campaign did what it says: real load, requests caught in flight, every link back.
    assert result.tickets >= 100 and result.calls >= 50, result.summary()
    assert sum(r.in_flight for r in result.runs) > 0, result.summary()
    links = plan.kiosks + plan.counters + 1  # and the display
    assert all(len(r.back_s) == links for r in result.runs), result.summary()


def test_a_lost_ticket_is_found(tmp_path: Path) -> None:
    """The check itself: a database behind what a client was told is reported, not passed."""
    path = tmp_path / "hall.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE tickets (id INTEGER PRIMARY KEY, day TEXT, number TEXT, state TEXT, counter INTEGER);"
        "CREATE TABLE events (id INTEGER PRIMARY KEY, ticket_id INTEGER, number TEXT, action TEXT);"
        "CREATE TABLE answers (principal TEXT, request_id TEXT, answer TEXT);"
        "INSERT INTO tickets VALUES (1, 'd', 'A001', 'waiting', NULL);"
        "INSERT INTO events VALUES (1, 1, 'A001', 'issue');"
        """INSERT INTO answers VALUES ('k', 'r1', '{"type":"result"}');"""
    )
    db.commit()
    db.close()
    ledger = kill_campaign.Ledger()
    ticket = {"id": 1, "number": "A001", "state": "waiting"}
    ledger.take("issue", "r1", {"type": "result", "data": {"ticket": ticket}})
    ledger.take("issue", "r2", {"type": "result", "data": {"ticket": {"id": 2, "number": "A002", "state": "waiting"}}})
    ledger.take("call_next", "r3", {"type": "result", "data": {"ticket": {**ticket, "state": "called", "counter": 1}}})
    found = kill_campaign.check_database(path, ledger, settled=True, holding={1: "A001"})
    assert [f.split(" ")[0] for f in found.lost_tickets] == ["A002"]
    assert found.lost_changes == ["A001: acknowledged called, stored waiting"]
    assert sorted(f.split(":")[0] for f in found.lost_answers) == ["r1", "r2", "r3"]
    assert found.mismatched == ["counter 1: holds None, its program shows A001"]
    # Two requests answered with one number, or one ticket called by two requests: from the answers alone.
    ledger.take("issue", "r4", {"type": "result", "data": {"ticket": {**ticket, "id": 4}}})
    ledger.take("call_next", "r5", {"type": "result", "data": {"ticket": {**ticket, "state": "called", "counter": 2}}})
    assert ledger.zeros() == {"duplicate_numbers": 1, "double_calls": 1, "surprises": 0}
