"""What the display's panels show against a real server: the caption and "now calling" agree,
"recent calls" holds the calls the "now calling" panel does not, and a zone's waiting panel
lists every service its counters serve.

Real server (``live_hall``), real link, real widgets offscreen, no voice.
"""

from __future__ import annotations

from typing import Any

import pytest
import test_display
from conftest import DISPLAY_2F, LiveHall
from test_display import call_next, issue, recent_numbers, shown_calls, waiting_lines

from hallcall.display.screen import DisplayScreen

pytestmark = pytest.mark.timeout(60)

displays = test_display.displays  # the fixture: real displays against the live hall


def finish(live_hall: LiveHall, counter: int, clerk: str = "cat") -> None:
    client = live_hall.run(live_hall.hall.counter(counter, clerk))
    live_hall.run(client.request("finish"))


def recall(live_hall: LiveHall, counter: int, clerk: str = "cat") -> None:
    client = live_hall.run(live_hall.hall.counter(counter, clerk))
    live_hall.run(client.request("recall"))


def caption(screen: DisplayScreen) -> tuple[str, str]:
    return screen.caption1.text(), screen.caption2.text()


def test_the_caption_and_now_calling_agree_after_the_last_call_ends(
    live_hall: LiveHall, displays: Any, qtbot: Any
) -> None:
    screen = displays(live_hall.url, voice=False).screen
    assert caption(screen) == ("暂无呼叫", "No calls right now") and screen.no_calls.isVisible()
    issue(live_hall, "social", 2)
    call_next(live_hall, 1, "cat")
    live_hall.clock.advance(30)
    call_next(live_hall, 4, "ann")
    qtbot.waitUntil(lambda: [n for n, _ in shown_calls(screen)] == ["A002", "A001"], timeout=3000)
    assert caption(screen) == ("请A002号到4号窗口办理", "Ticket A002, please go to counter 4")
    # The newest call ends first: the caption follows "now calling" to the call still in progress.
    finish(live_hall, 4, "ann")
    qtbot.waitUntil(lambda: shown_calls(screen) == [("A001", "1号窗口")], timeout=3000)
    assert caption(screen) == ("请A001号到1号窗口办理", "Ticket A001, please go to counter 1")
    assert screen.rows[0].call is not None and screen.rows[0].call.number == "A001"
    # The last call ends: both say so, in both languages.
    finish(live_hall, 1, "cat")
    qtbot.waitUntil(lambda: shown_calls(screen) == [], timeout=3000)
    assert screen.no_calls.isVisible() and screen.no_calls.text() == "暂无呼叫  No calls right now"
    assert caption(screen) == ("暂无呼叫", "No calls right now")
    # ... and the finished calls are in "recent calls", newest first.
    assert recent_numbers(screen) == ["A002", "A001"]


def test_recent_calls_are_the_calls_not_on_the_now_calling_panel(
    live_hall: LiveHall, displays: Any, qtbot: Any
) -> None:
    screen = displays(live_hall.url, voice=False).screen
    issue(live_hall, "social", 4)
    call_next(live_hall, 1, "cat")
    qtbot.waitUntil(lambda: shown_calls(screen) == [("A001", "1号窗口")], timeout=3000)
    assert recent_numbers(screen) == []  # A001 is on "now calling": not repeated below
    live_hall.clock.advance(30)
    recall(live_hall, 1)  # a recall of a ticket on the panel is not a recent call either
    live_hall.clock.advance(30)
    call_next(live_hall, 4, "ann")
    qtbot.waitUntil(lambda: [n for n, _ in shown_calls(screen)] == ["A002", "A001"], timeout=3000)
    assert recent_numbers(screen) == []
    finish(live_hall, 1, "cat")
    live_hall.clock.advance(30)
    call_next(live_hall, 1, "cat")  # A003 at counter 1: A001 is done, and now a recent call
    qtbot.waitUntil(lambda: [n for n, _ in shown_calls(screen)] == ["A003", "A002"], timeout=3000)
    assert recent_numbers(screen) == ["A001"]  # once, although called twice
    assert screen.recent_rows[0][1].text() == "→ 1 重呼"  # its latest call was a recall
    screen.set_lang("en")
    assert screen.recent_rows[0][1].text() == "→ 1 again"


def test_a_zones_waiting_panel_lists_every_service_its_counters_serve(
    live_hall: LiveHall, displays: Any, qtbot: Any
) -> None:
    """Counter 1 (1F) serves every service, counter 2 (2F) tax and social: each floor lists
    those, whatever zone the services are configured on; a consultation ticket transferred to
    counter 2 puts consultation on the 2F screen while it waits there, and only then."""
    first = displays(live_hall.url, voice=False).screen
    second = displays(live_hall.url, token=DISPLAY_2F["token"], voice=False).screen
    issue(live_hall, "consult", 2)
    qtbot.waitUntil(lambda: ("C 咨询", "2人") in waiting_lines(first), timeout=3000)
    assert [name for name, _ in waiting_lines(first)] == ["A 社保", "B 税务", "C 咨询"]
    assert [name for name, _ in waiting_lines(second)] == ["A 社保", "B 税务"]
    assert call_next(live_hall, 3, "dan") == "C001"
    counter3 = live_hall.run(live_hall.hall.counter(3, "dan"))
    live_hall.run(counter3.request("transfer", to_counter=2, reason="needs the tax desk"))
    qtbot.waitUntil(lambda: ("C 咨询", "2人") in waiting_lines(second), timeout=3000)
    assert [name for name, _ in waiting_lines(second)] == ["A 社保", "B 税务", "C 咨询"]
    assert waiting_lines(second)[2] == ("C 咨询", "2人")  # the service's count, as the server says
    assert call_next(live_hall, 2, "cat") == "C001"  # first in line for counter 2
    qtbot.waitUntil(lambda: shown_calls(second) == [("C001", "2号窗口")], timeout=3000)
    qtbot.waitUntil(lambda: [name for name, _ in waiting_lines(second)] == ["A 社保", "B 税务"], timeout=3000)
    qtbot.waitUntil(lambda: ("C 咨询", "1人") in waiting_lines(first), timeout=3000)
