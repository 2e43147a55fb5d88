"""The kiosk's rules without a screen: which services are open, how waits read, the word
table, and the command line."""

from __future__ import annotations

import argparse
import datetime as dt
import string
import subprocess
import sys
import zoneinfo
from pathlib import Path

import pytest
from conftest import ROOT
from test_views_support import typed_hall

from hallcall import hours
from hallcall import protocol as p
from hallcall.config import HallConfig, load
from hallcall.kiosk import cli
from hallcall.kiosk.line_breaks import break_lines, is_orphan, is_wide
from hallcall.kiosk.service_state import statuses
from hallcall.kiosk.text import T, wait_line, wait_text

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
HALL_TOML = """
[hall]
name = { zh = "大厅", en = "Hall" }
timezone = "Asia/Shanghai"
opening_hours = ["08:30-12:00", "13:30-17:30"]
open_days = [OPEN_DAYS]

[[services]]
id = "social"
prefix = "S"
name = { zh = "社保", en = "Social" }

[[services]]
id = "tax"
prefix = "T"
name = { zh = "税务", en = "Tax" }
issuing_hours = ["09:00-11:00"]

[[services]]
id = "consult"
prefix = "C"
name = { zh = "咨询", en = "Consult" }
priority_allowed = false

[[counters]]
number = 1
"""
EVERY_DAY = '"mon", "tue", "wed", "thu", "fri", "sat", "sun"'


def hall(tmp_path: Path, open_days: str = EVERY_DAY) -> HallConfig:
    path = tmp_path / "hall.toml"
    path.write_text(HALL_TOML.replace("OPEN_DAYS", open_days), encoding="utf-8")
    return load(path)


def summary(service: str, waiting: int = 0, estimated_wait_s: int = 0, cap_left: int | None = None) -> p.ServiceSummary:
    return p.ServiceSummary(
        service=service,
        waiting=waiting,
        priority_waiting=0,
        next=[],
        estimated_wait_s=estimated_wait_s,
        counters_open=1,
        issued=0,
        finished=0,
        cap_left=cap_left,
    )


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, 23, hour, minute, tzinfo=SHANGHAI)


def test_issuing_hours_include_the_start_and_exclude_the_end() -> None:
    spans, every_day = ["08:30-12:00", "13:30-17:30"], ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    assert hours.is_open(spans, every_day, at(8, 30))
    assert hours.is_open(spans, every_day, at(11, 59))
    assert not hours.is_open(spans, every_day, at(12, 0))
    assert not hours.is_open(spans, every_day, at(13, 29))
    assert hours.is_open(spans, every_day, at(13, 30))
    assert not hours.is_open([], every_day, at(10))
    assert not hours.is_open(spans, ["tue"], at(10))  # the 23rd is a Monday
    assert hours.open_span(spans, every_day, at(14)) == (at(13, 30), at(17, 30))


def test_the_next_opening_is_later_the_same_day_or_none() -> None:
    spans, weekdays = ["08:30-12:00", "13:30-17:30"], ["mon", "tue", "wed", "thu", "fri"]
    assert hours.next_opening(spans, weekdays, at(7)) == at(8, 30)
    assert hours.next_opening(spans, weekdays, at(12)) == at(13, 30)  # lunch
    assert hours.next_opening(spans, weekdays, at(10)) == at(13, 30)  # open now: the next span's start
    assert hours.next_opening(spans, weekdays, at(13, 30)) is None  # the last span has begun
    assert hours.next_opening(spans, weekdays, at(18)) is None
    assert hours.next_opening(list(reversed(spans)), weekdays, at(7)) == at(8, 30)  # any order
    assert hours.next_opening(spans, weekdays, at(7) + dt.timedelta(days=5)) is None  # Saturday


def test_a_closed_service_says_when_it_opens_again_today(tmp_path: Path) -> None:
    view = typed_hall(hall(tmp_path, '"mon", "tue", "wed", "thu", "fri"'))
    summaries = {"social": summary("social", waiting=4, estimated_wait_s=600)}

    def opens(moment: dt.datetime) -> dict[str, dt.datetime | None]:
        return {s.id: s.opens_at for s in statuses(view, summaries, moment) if s.state == "closed"}

    assert opens(at(8)) == {"social": at(8, 30), "tax": at(9), "consult": at(8, 30)}
    assert opens(at(10)) == {}
    assert opens(at(11, 30)) == {"tax": None}  # tax's only span is over: closed for today
    assert opens(at(12, 30)) == {"social": at(13, 30), "tax": None, "consult": at(13, 30)}
    assert opens(at(18)) == {"social": None, "tax": None, "consult": None}
    assert set(opens(at(10) + dt.timedelta(days=5)).values()) == {None}  # Saturday
    # The server refused it after all (its minute turned first): the next span, if any.
    refused = statuses(view, summaries, at(11, 59), {"social": "closed"})
    assert (refused[0].state, refused[0].opens_at) == ("closed", at(13, 30))
    assert statuses(view, summaries, at(10), {"social": "full"})[0].opens_at is None


def test_the_kiosk_and_the_server_share_one_rule_for_issuing_hours(tmp_path: Path) -> None:
    """The kiosk greys a button out exactly when the server would refuse the ticket."""
    from hallcall.server.domain import calendar

    config = hall(tmp_path, '"mon", "tue", "wed", "thu", "fri"')
    view = typed_hall(config)
    for moment in [at(h, m) for h in range(24) for m in (0, 29, 30, 59)] + [at(10) + dt.timedelta(days=5)]:
        kiosk = {s.id: s.state == "open" for s in statuses(view, {}, moment)}
        server = {s.id: calendar.issuing_open(config, s.id, moment.timestamp()) for s in config.services}
        assert kiosk == server, moment


def test_service_states_follow_hours_caps_and_refusals(tmp_path: Path) -> None:
    view = typed_hall(hall(tmp_path))
    summaries = {
        "social": summary("social", waiting=4, estimated_wait_s=600),
        "tax": summary("tax", cap_left=0),
    }
    by_id = {s.id: s for s in statuses(view, summaries, at(10))}
    assert (by_id["social"].state, by_id["social"].waiting, by_id["social"].estimated_wait_s) == ("open", 4, 600)
    assert by_id["tax"].state == "full"
    assert by_id["consult"].state == "open" and not by_id["consult"].priority_allowed
    # Outside its own hours a service is closed, whatever its cap says.
    assert {s.id: s.state for s in statuses(view, summaries, at(11, 30))}["tax"] == "closed"
    # The hall's hours apply to a service without its own (lunch break); a refusal wins over "open".
    assert {s.id: s.state for s in statuses(view, summaries, at(12, 30))}["social"] == "closed"
    refused = statuses(view, summaries, at(10), {"social": "full"})
    assert refused[0].state == "full"


def test_closed_days_and_a_server_that_ignores_hours(tmp_path: Path) -> None:
    config = hall(tmp_path, '"mon", "tue", "wed", "thu", "fri"')
    weekdays = typed_hall(config)
    saturday = dt.datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI)
    assert {s.state for s in statuses(weekdays, {}, saturday)} == {"closed"}
    assert statuses(weekdays, {}, at(10))[0].state == "open"
    demo = typed_hall(config, enforce_hours=False)
    assert {s.state for s in statuses(demo, {}, saturday.replace(hour=22))} == {"open"}
    assert statuses(demo, {"tax": summary("tax", cap_left=0)}, saturday)[1].state == "full"


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


def test_no_wait_is_said_whole_on_the_screen_and_the_ticket() -> None:
    assert wait_line(0, "en", "est_wait") == "No wait expected"
    assert wait_line(0, "zh", "ticket_wait") == "预计无需等候"
    assert wait_line(61, "en", "est_wait") == "Estimated wait: about 2 min"


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


def test_line_breaks_keep_words_whole_and_leave_no_orphan() -> None:
    """The rule the screen and the ticket share, with a made-up proportional measure (an 'i' is
    narrow, a Chinese character wide), as a screen font measures."""

    def pixels(text: str) -> float:
        return sum(24 if is_wide(ch) else 6 if ch in "il.,:;'" else 12 for ch in text)

    name = "Household Registration & Exit-Entry"
    assert break_lines(name, pixels, 300, balance=True) == ["Household Registration", "& Exit-Entry"]
    lines = break_lines(name, pixels, 150, balance=True)
    assert " ".join(lines) == name and "Exit-Entry" in lines[-1] and not any(line.endswith("&") for line in lines)
    # Left-aligned: greedy leaves "12345" alone, so "Help:" goes down with it.
    footer = "A missed number needs a new ticket · Help: 12345"
    assert break_lines(footer, pixels, pixels("A missed number needs a new ticket · Help:"))[-1] == "· Help: 12345"
    # Chinese breaks between characters, never before closing punctuation, no lone character.
    assert break_lines("不动产权证书或房屋所有权证原件", pixels, 14 * 24) == ["不动产权证书或房屋所有权", "证原件"]
    assert break_lines("医疗费用发票及费用清单（报销时）", pixels, 12 * 24)[-1] == "（报销时）"
    assert break_lines("", pixels, 100) == [""] and break_lines("  ", pixels, 100) == [""]
    assert is_orphan("件") and is_orphan("有）") and is_orphan("12345") and not is_orphan("& Guide")
    # A very long text is planned without recursion (no stack to run out of).
    long = "居民身份证原件及复印件" * 300 + "件件"
    assert "".join(break_lines(long, pixels, 14 * 24)) == long
