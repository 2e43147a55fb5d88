"""The counter program when things go wrong: two counters racing for the same visitor, the
server restarting under a clerk, a press just as the connection drops."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import LiveHall
from PySide6.QtCore import Qt
from test_counter_support import (
    issue,
    journey,
    open_program,
    press,
    press_answered,
    serving_with_dialog,
    settle,
    shoot,
    sign_in,
)

from hallcall.counter.actions import ACTIONS

pytestmark = pytest.mark.timeout(60)


def test_two_counters_racing_for_next_never_get_the_same_visitor(live_hall: LiveHall, qtbot: Any) -> None:
    issue(live_hall, "social", 1)
    one = open_program(live_hall, qtbot, 1)
    two = open_program(live_hall, qtbot, 2)
    sign_in(qtbot, one, "cat")
    sign_in(qtbot, two, "dan")
    # Both press "next" before either answer can arrive.
    press(qtbot, one, "call_next", "button")
    press(qtbot, two, "call_next", "button")
    settle(qtbot, one)
    settle(qtbot, two)
    winners = [p for p in (one, two) if p.state.current]
    losers = [p for p in (one, two) if not p.state.current]
    assert len(winners) == 1 and len(losers) == 1
    assert winners[0].state.current.number == "A001"
    assert losers[0].screen.status.text() == "Nobody is waiting."
    assert [s["action"] for s in journey(live_hall, "A001")] == ["issue", "call"]


def test_a_server_restart_while_serving_gives_the_ticket_back(live_hall: LiveHall, qtbot: Any) -> None:
    issue(live_hall, "social", 2)
    program = open_program(live_hall, qtbot, 1)
    sign_in(qtbot, program)
    press_answered(qtbot, program, "call_next", "key")
    press_answered(qtbot, program, "start", "key")
    qtbot.waitUntil(lambda: program.state.next_numbers() == ["A002"], timeout=3000)

    live_hall.stop()
    qtbot.waitUntil(lambda: program.link.state == "reconnecting", timeout=5000)
    # Offline: every action is off, and the clerk can see why.
    assert not any(program.screen.buttons[a.name].isEnabled() for a in ACTIONS)
    assert program.screen.status.property("kind") == "offline"
    assert "No connection to the server" in program.screen.status.text()
    assert program.bar.buttons["finish"].isEnabled() is False
    shoot(program.window, "counter-offline-en")

    live_hall.start()
    qtbot.waitUntil(lambda: program.connected(), timeout=10000)
    assert program.window.signed_in_page
    assert program.state.current.number == "A001"
    assert program.state.current_state == "serving"
    assert program.screen.number.text() == "A001"
    assert program.screen.status.text() == ""
    press_answered(qtbot, program, "finish", "key")
    assert [s["action"] for s in journey(live_hall, "A001")] == ["issue", "call", "serve", "finish"]


def test_a_press_as_the_connection_drops_is_done_once_after_it_returns(live_hall: LiveHall, qtbot: Any) -> None:
    issue(live_hall, "social", 2)
    program = open_program(live_hall, qtbot, 1)
    sign_in(qtbot, program)
    # The server goes away; the program has not heard of it yet (no Qt events ran), so the
    # clerk's press is accepted and sent into a connection that is already closed.
    live_hall.stop()
    assert program.can("call_next")
    press(qtbot, program, "call_next", "button")
    assert program.pending
    qtbot.waitUntil(lambda: program.link.state == "reconnecting", timeout=5000)
    assert "Will resend after reconnecting: Call next" in program.screen.status.text()
    live_hall.start()
    settle(qtbot, program)
    assert program.state.current.number == "A001"
    assert [s["action"] for s in journey(live_hall, "A001")] == ["issue", "call"]
    assert [s["action"] for s in journey(live_hall, "A002")] == ["issue"]


def test_a_press_answered_by_a_server_that_then_restarts_is_not_done_twice(live_hall: LiveHall, qtbot: Any) -> None:
    issue(live_hall, "social", 2)
    program = open_program(live_hall, qtbot, 1)
    sign_in(qtbot, program)
    press(qtbot, program, "call_next", "button")
    # Restart at once: the call may have been saved with its answer lost, or not have arrived;
    # either way the link sends it again under the same id and the server does it once.
    live_hall.restart()
    settle(qtbot, program)
    qtbot.waitUntil(lambda: program.connected(), timeout=10000)
    assert program.state.current.number == "A001"
    assert [s["action"] for s in journey(live_hall, "A001")] == ["issue", "call"]
    assert [s["action"] for s in journey(live_hall, "A002")] == ["issue"]


def test_a_session_ended_while_away_asks_for_the_password_again(live_hall: LiveHall, qtbot: Any) -> None:
    program = open_program(live_hall, qtbot, 1)
    program.link_options = {"min_backoff": 2.0, "max_backoff": 2.0}  # room to act before it is back
    sign_in(qtbot, program)
    live_hall.restart()
    # While the program waits to reconnect, a supervisor ends its session.
    sup = live_hall.run(live_hall.hall.supervisor())
    live_hall.run(sup.request("force_sign_out", counter=1, reason="day plan changed"))
    qtbot.waitUntil(lambda: not program.window.signed_in_page, timeout=10000)
    # The program resumed with its session token, which no longer opens anything: it does
    # not quietly sign the clerk in again with a remembered password.
    assert program.sign_in.message.text() == "Your sign-in has ended; please sign in again."
    assert program.link is None


def test_a_choice_confirmed_while_offline_stays_in_its_dialog_until_it_can_be_sent(
    live_hall: LiveHall, qtbot: Any
) -> None:
    program, dialog = serving_with_dialog(live_hall, qtbot, "transfer")
    dialog.services.setCurrentRow(0)
    live_hall.stop()
    qtbot.waitUntil(lambda: program.link.state == "reconnecting", timeout=5000)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    # Not dropped: the dialog stays, with the choice, and says why nothing was sent.
    assert program.dialog is dialog and dialog.isVisible() and not program.pending
    assert dialog.error.text().startswith("Not connected to the server")
    qtbot.waitUntil(lambda: dialog.error.height() >= dialog.error.heightForWidth(dialog.error.width()), timeout=2000)
    shoot(dialog, "counter-transfer-dialog-offline-en")
    live_hall.start()
    qtbot.waitUntil(program.connected, timeout=10000)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: program.dialog is None, timeout=3000)
    settle(qtbot, program)
    assert [s["action"] for s in journey(live_hall, "A001")] == ["issue", "call", "transfer"]
