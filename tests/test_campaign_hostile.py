"""Slow and hostile clients: bench/hostile_clients.py's short form against a real server process.

Twenty displays that never read, 200 bare TCP connections and 200 websockets that never say
hello, and fifty connections flooding wrong tokens, each while the hall's own kiosk, counters and
display keep calling: every call must reach the display, every hall request be answered, the
server must close every half-open connection and log no traceback.  The latencies are figures
(``python bench/hostile_clients.py --full`` for docs/reliability.md), not asserted here.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import hostile_clients  # bench/ is put on the path just above

from hallcall.server import auth


def test_throttle_survives_a_flood() -> None:
    """Past ~1,000 failures from one address the delay's 2 ** n overflowed a float: every later
    failed hello raised OverflowError, logged a traceback and was answered at once, unslowed."""
    throttle = auth.Throttle(base=0.5, cap=8.0)
    for _ in range(5000):
        throttle.failed("addr:10.0.0.9")
    assert throttle.delay("addr:10.0.0.9", "name:display:") == 8.0


def test_hostile_clients_short(tmp_path: Path) -> None:
    result = hostile_clients.run(hostile_clients.SHORT, tmp_path)
    print(result.summary())
    assert [ph.name for ph in result.phases] == [
        "no attack",
        "slow readers",
        "half-open connections",
        "wrong-token hellos",
        "after the attacks",
    ]
    for phase in result.phases:
        assert phase.latencies_ms, f"{phase.name}: no call was timed"
    assert result.missed == 0, result.summary()
    assert result.refused == [], result.summary()
    assert result.half_open_left == 0, result.summary()
    assert result.tracebacks == 0, result.summary()
    assert not result.server_ended
    flood = result.phases[3].notes[0]
    assert "auth_failed" in flood and "0 wrong-token hellos" not in flood, flood
