"""Protocol fuzzing: hostile frames get a documented error and the connection stays usable.

The deep-nesting test is the regression test of a real fault: a frame of a few thousand nested
arrays (well under ``max_message_bytes``) made the decoder raise RecursionError, which closed the
connection with 1011 and logged a traceback.  The campaign test runs bench/fuzz_protocol.py's
short form (a few thousand hypothesis-made frames against a ``hallcall server`` process) and
asserts its zeros; ``python bench/fuzz_protocol.py --full`` runs the 100,000-input form.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pytest
from conftest import Hall, collect, wait_for

from hallcall import protocol as p

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import fuzz_protocol  # bench/ is put on the path just above


@pytest.mark.parametrize("depth", [1000, 3000, 5000])
def test_decode_names_deep_nesting(depth: int) -> None:
    nested = '{"type":"ping","id":"deep","x":' + "[" * depth + "]" * depth + "}"
    for raw in (nested, "[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth):
        with pytest.raises(p.ProtocolError) as caught:
            p.decode(raw)
        assert caught.value.code == "bad_message"
        assert "too deeply" in caught.value.message


async def test_deeply_nested_frame_is_answered_and_connection_stays(
    hall: Hall, caplog: pytest.LogCaptureFixture
) -> None:
    kiosk = await hall.kiosk()
    seen = collect(kiosk)
    depth = 4000  # 8 KB: under the test hall's max_message_bytes, deep enough to exhaust the stack
    frame = '{"type":"issue","id":"n1","service":' + "[" * depth + "]" * depth + "}"
    assert len(frame) < hall.server.config.server.max_message_bytes
    with caplog.at_level(logging.ERROR):
        await kiosk.send_raw(frame)
        answer = await wait_for(lambda: next((m for m in seen if m.get("type") == "error"), None))
    assert answer["code"] == "bad_message", answer
    assert "too deeply" in answer["message"]
    assert answer["message_zh"]
    assert json.loads(json.dumps(answer))["re"] is None
    assert await kiosk.request("ping") == {"server_time": hall.clock.now()}
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


def test_fuzz_campaign_short(tmp_path: Path) -> None:
    """A few thousand frames of every kind on every role's connection: the campaign's zeros."""
    result = fuzz_protocol.run(fuzz_protocol.Plan(inputs=3000, seed=7), tmp_path)
    print(result.summary())
    assert result.sent >= 3000
    assert result.crashes == 0, result.summary()
    assert result.tracebacks == 0, result.summary()
    assert result.undocumented == [], result.summary()
    assert result.unanswered == [], result.summary()
    assert result.unusable == [], result.summary()
    assert set(result.by_role) >= {"none", "kiosk", "display", "counter", "supervisor", "pad", "visitor"}
