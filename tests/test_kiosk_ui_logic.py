"""The kiosk's rules without a screen: which services are open, how waits read, the word
table, and the command line."""

from __future__ import annotations

import argparse
import datetime as dt
import string
import subprocess
import sys
import zoneinfo

import pytest
from conftest import ROOT

from hallcall.kiosk import cli
from hallcall.kiosk.service_state import issuing_now, statuses
from hallcall.kiosk.text import T, wait_text

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
HALL = {
    "timezone": "Asia/Shanghai",
    "opening_hours": ["08:30-12:00", "13:30-17:30"],
    "services": [
        {"id": "social", "prefix": "S", "name": {"zh": "社保", "en": "Social"}, "issuing_hours": []},
        {"id": "tax", "prefix": "T", "name": {"zh": "税务", "en": "Tax"}, "issuing_hours": ["09:00-11:00"]},
        {"id": "consult", "prefix": "C", "name": {"zh": "咨询", "en": "Consult"}, "priority_allowed": False},
    ],
}


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, 23, hour, minute, tzinfo=SHANGHAI)


def test_issuing_hours_include_the_start_and_exclude_the_end() -> None:
    spans = ["08:30-12:00", "13:30-17:30"]
    assert issuing_now(spans, at(8, 30))
    assert issuing_now(spans, at(11, 59))
    assert not issuing_now(spans, at(12, 0))
    assert not issuing_now(spans, at(13, 29))
    assert issuing_now(spans, at(13, 30))
    assert not issuing_now([], at(10))


def test_service_states_follow_hours_caps_and_refusals() -> None:
    summaries = {
        "social": {"waiting": 4, "estimated_wait_s": 600, "cap_left": None},
        "tax": {"waiting": 0, "estimated_wait_s": 0, "cap_left": 0},
    }
    by_id = {s.id: s for s in statuses(HALL, summaries, at(10))}
    assert (by_id["social"].state, by_id["social"].waiting, by_id["social"].estimated_wait_s) == ("open", 4, 600)
    assert by_id["tax"].state == "full"
    assert by_id["consult"].state == "open" and not by_id["consult"].priority_allowed
    # Outside its own hours a service is closed, whatever its cap says.
    assert {s.id: s.state for s in statuses(HALL, summaries, at(11, 30))}["tax"] == "closed"
    # The hall's hours apply to a service without its own (lunch break); a refusal wins over "open".
    assert {s.id: s.state for s in statuses(HALL, summaries, at(12, 30))}["social"] == "closed"
    refused = statuses(HALL, summaries, at(10), {"social": "full"})
    assert refused[0].state == "full"


def test_closed_days_and_a_server_that_ignores_hours() -> None:
    weekdays = HALL | {"open_days": ["mon", "tue", "wed", "thu", "fri"]}
    saturday = dt.datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI)
    assert {s.state for s in statuses(weekdays, {}, saturday)} == {"closed"}
    assert statuses(weekdays, {}, at(10))[0].state == "open"
    demo = weekdays | {"hours_enforced": False}
    assert {s.state for s in statuses(demo, {}, saturday.replace(hour=22))} == {"open"}
    assert statuses(demo, {"tax": {"cap_left": 0}}, saturday)[1].state == "full"


@pytest.mark.parametrize(
    ("seconds", "zh", "en"),
    [
        (0, "无需等候", "No wait"),
        (61, "约 2 分钟", "about 2 min"),
        (1800, "约 30 分钟", "about 30 min"),
        (3720, "约 1 小时 2 分钟", "about 1 h 2 min"),
    ],
)
def test_waits_read_as_people_say_them(seconds: int, zh: str, en: str) -> None:
    assert wait_text(seconds, "zh") == zh
    assert wait_text(seconds, "en") == en


def test_every_phrase_has_both_languages_with_the_same_fields() -> None:
    fields = string.Formatter()
    for key, (zh, en) in T.table.items():
        assert zh.strip() and en.strip(), key
        assert {f for _, f, _, _ in fields.parse(zh) if f} == {f for _, f, _, _ in fields.parse(en) if f}, key


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hallcall kiosk", exit_on_error=False)
    cli.add_arguments(p)
    return p


def test_the_command_line_names_what_is_wrong() -> None:
    args = parser().parse_args(["--server", "ws://10.0.0.2:8765", "--token", "t0ken-123", "--size", "1080x1920"])
    assert (args.server, args.token, args.size, args.printer, args.lang) == (
        "ws://10.0.0.2:8765",
        "t0ken-123",
        (1080, 1920),
        None,
        None,
    )
    with pytest.raises(argparse.ArgumentError, match="not a server address like ws://HOST:PORT"):
        parser().parse_args(["--server", "http://10.0.0.2", "--token", "x"])
    with pytest.raises(argparse.ArgumentError, match="not a window size"):
        parser().parse_args(["--server", "ws://h:1", "--token", "x", "--size", "big"])


def test_the_kiosk_command_does_not_load_qt_until_it_runs() -> None:
    code = (
        "import sys, hallcall.kiosk.cli, hallcall.launch.cli; hallcall.launch.cli.build_parser();"
        " print('PySide6' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
