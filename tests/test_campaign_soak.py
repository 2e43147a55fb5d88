"""The soak: bench/soak.py's short form (3 hall days on a hand-set clock) and what it found.

The hourly pruning of stored answers ran a bare DELETE, which left sqlite3's implicit
transaction open: the next write's BEGIN failed, so after the first hour of uptime a server
could not save anything.  The pruning test runs the hourly timer's work against a real server
and then asks for a ticket.  ``python bench/soak.py --full`` runs the 30-day form.
"""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import Hall

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import soak  # bench/ is put on the path just above


async def test_hourly_pruning_leaves_no_transaction_open(hall: Hall) -> None:
    kiosk = await hall.kiosk()
    first = await kiosk.request("issue", service="social")
    answers = hall.server.storage.conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
    assert answers >= 1
    hall.clock.advance(3 * 3600)
    await hall.server._prune()  # what the server's hourly timer runs
    assert not hall.server.storage.conn.in_transaction
    second = await kiosk.request("issue", service="social")
    assert second["ticket"]["number"] != first["ticket"]["number"]
    hall.clock.advance(3 * 86400)
    await hall.server._prune()
    assert hall.server.storage.conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 0
    third = await kiosk.request("issue", service="social")
    assert third["ticket"]["number"]


def test_soak_short(tmp_path: Path) -> None:
    """Three hall days (a Monday to a Wednesday) of 300 tickets each, all through one server."""
    result = soak.run(3, 300, 1, tmp_path)
    print(result.summary())
    assert [d.open for d in result.days] == [True, True, True]
    assert result.failures == [], result.summary()
    assert result.tracebacks == 0, result.summary()
    assert not result.server_ended
    for day in result.days:
        assert day.issued >= 250, result.summary()  # a few refusals by the hall's rules at most
        assert day.served + day.no_shows >= day.issued - len(soak.COUNTERS), result.summary()
    # answers are pruned hourly to the last two days: on the third day the table stops growing
    answers = [d.rows["answers"] for d in result.days]
    assert answers[2] < answers[1] * 1.25, result.summary()
