"""The counter program against a real server: sign-in, every action by button and by key,
buttons that follow the state, refusals in words, auto-call, warnings, a forced sign-out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import LiveHall, config_with
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
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
from hallcall.counter.app import CounterProgram
from hallcall.counter.dialogs import NumberDialog, PauseDialog, TransferDialog

pytestmark = pytest.mark.timeout(60)


def actions_in(live_hall: LiveHall, number: str) -> list[str]:
    return [step["action"] for step in journey(live_hall, number)]


def enabled(program: CounterProgram) -> set[str]:
    return {a.name for a in ACTIONS if program.screen.buttons[a.name].isEnabled()}


# -- sign-in ---------------------------------------------------------------------------------


def test_wrong_password_says_so_plainly_and_the_right_one_then_signs_in(live_hall: LiveHall, qtbot: Any) -> None:
    program = open_program(live_hall, qtbot, 1)
    page = program.sign_in
    page.name.setText("cat")
    page.password.setText("not-the-password")
    qtbot.mouseClick(page.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.message.text() == "The name or password is not correct.", timeout=8000)
    assert not program.window.signed_in_page
    assert page.password.text() == "" and page.button.isEnabled()
    sign_in(qtbot, program, "cat")
    assert program.screen.header.text() == "Counter 1 · cat"


def test_a_wrong_clerk_name_gets_the_same_words_in_chinese(live_hall: LiveHall, qtbot: Any) -> None:
    program = open_program(live_hall, qtbot, 1, lang="zh")
    program.sign_in.name.setText("nobody")
    program.sign_in.password.setText("pass1234")
    qtbot.keyClick(program.sign_in.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: program.sign_in.message.text() == "用户名或密码不正确。", timeout=8000)


def test_a_backup_clerk_signs_in_at_the_counter_they_back_up_and_others_are_told_why_not(
    live_hall: LiveHall, qtbot: Any
) -> None:
    outsider = open_program(live_hall, qtbot, 4)
    outsider.sign_in.name.setText("cat")
    outsider.sign_in.password.setText("pass1234")
    qtbot.mouseClick(outsider.sign_in.button, Qt.MouseButton.LeftButton)
    expected = "You are neither a clerk nor a backup of counter 4."
    qtbot.waitUntil(lambda: outsider.sign_in.message.text() == expected, timeout=8000)
    backup = open_program(live_hall, qtbot, 4)
    sign_in(qtbot, backup, "bob")
    assert backup.state.clerk == "bob"


def test_empty_fields_are_caught_before_anything_is_sent(live_hall: LiveHall, qtbot: Any) -> None:
    program = open_program(live_hall, qtbot, 1)
    qtbot.mouseClick(program.sign_in.button, Qt.MouseButton.LeftButton)
    assert program.sign_in.message.text() == "Enter your name and password."
    assert program.link is None


# -- every action ------------------------------------------------------------------------------


def accept(qtbot: Any, program: CounterProgram, via: str, choose: Any = None) -> None:
    """Finish the open dialog: pick with the mouse and click OK, or type and press Enter."""
    qtbot.waitUntil(lambda: program.dialog is not None and program.dialog.isVisible(), timeout=3000)
    dialog = program.dialog
    if choose is not None:
        choose(dialog)
    if via == "button":
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    else:
        dialog.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=2000)
        qtbot.keyClick(dialog.focusWidget() or dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: program.dialog is None, timeout=3000)


def number_choice(qtbot: Any, number: str, via: str) -> Any:
    """Pick the number from the dialog's lists (mouse), or type it in lower case (keyboard)."""

    def choose(dialog: NumberDialog) -> None:
        if via == "button":
            dialog.pick_buttons[number].click()
        else:
            dialog.number.clear()
            qtbot.keyClicks(dialog.number, number.lower())
        assert dialog.number.text() == number

    return choose


@pytest.mark.parametrize("via", ["button", "key"])
def test_every_action(live_hall: LiveHall, qtbot: Any, via: str) -> None:
    issue(live_hall, "social", 5)  # A001..A005
    issue(live_hall, "consult", 1)  # C001
    program = open_program(live_hall, qtbot, 1)
    sign_in(qtbot, program)

    def act(name: str, choose: Any = None, dialog: bool = False) -> None:
        press(qtbot, program, name, via)
        if dialog:
            accept(qtbot, program, via, choose)
        settle(qtbot, program)
        assert program.screen.status.property("kind") == "info", program.screen.status.text()

    act("call_next")
    assert program.state.current.number == "A001"
    act("recall")
    assert program.state.current.recalls == 1
    act("start")
    assert program.state.current_state == "serving"
    act("finish")
    assert program.state.current is None and program.state.served[-1].number == "A001"
    assert "A001" in program.screen.served.lines()[0]

    act("call_next")
    act("no_show")
    assert program.state.no_shows == ["A002"]
    act("put_back", lambda d: d.number.text() == "A002" or pytest.fail("the last no-show is offered"), dialog=True)

    act("call_next")  # A003: A002 is in its put-back cool-down
    assert program.state.current.number == "A003"

    def to_counter_3(d: TransferDialog) -> None:
        item = next(d.counters.item(i) for i in range(d.counters.count()) if d.counters.item(i).data(256) == 3)
        d.counters.setCurrentItem(item)
        d.reason.setText("needs the consultation desk")
        shoot(d, f"counter-transfer-dialog-{via}")

    act("transfer", to_counter_3, dialog=True)
    act("call_next")
    assert program.state.current.number == "A004"
    act("hold")
    assert program.state.held == ["A004"]
    act("call_back", number_choice(qtbot, "A004", via), dialog=True)
    assert program.state.current.number == "A004"
    act("finish")
    act("call_number", number_choice(qtbot, "C001", via), dialog=True)
    assert program.state.current.number == "C001"
    act("finish")
    act("cancel", number_choice(qtbot, "A005", via), dialog=True)

    def meeting(d: PauseDialog) -> None:
        next(b for b in d.reason_buttons if b.text() == "Meeting").click()
        shoot(d, f"counter-pause-dialog-{via}")

    act("pause", meeting, dialog=True)
    assert program.state.paused and program.state.view.pause_reason == "开会"
    assert "Paused: Meeting" in program.screen.paused.text()
    assert not program.can("call_next")
    act("pause")  # the same key resumes
    assert not program.state.paused
    press(qtbot, program, "sign_out", via)
    qtbot.waitUntil(lambda: not program.window.signed_in_page, timeout=5000)
    assert program.sign_in.message.text() == "Signed out."
    assert program.sign_in.message.property("kind") == "info"  # not an error: the clerk chose it

    # The journal shows each step once: nothing lost, nothing done twice.
    assert actions_in(live_hall, "A001") == ["issue", "call", "recall", "serve", "finish"]
    assert actions_in(live_hall, "A002") == ["issue", "call", "no_show", "put_back"]
    assert actions_in(live_hall, "A003") == ["issue", "call", "transfer"]
    assert journey(live_hall, "A003")[-1]["detail"]["to_counter"] == 3
    assert journey(live_hall, "A003")[-1]["reason"] == "needs the consultation desk"
    assert actions_in(live_hall, "A004") == ["issue", "call", "hold", "call_back", "finish"]
    assert actions_in(live_hall, "C001") == ["issue", "call_number", "finish"]
    assert actions_in(live_hall, "A005") == ["issue", "cancel"]


def test_buttons_follow_the_counters_state(live_hall: LiveHall, qtbot: Any) -> None:
    issue(live_hall, "social", 1)
    program = open_program(live_hall, qtbot, 1)
    assert enabled(program) == set()  # not signed in
    sign_in(qtbot, program)
    idle = {"call_next", "call_number", "put_back", "cancel", "pause", "sign_out"}
    assert enabled(program) == idle
    press_answered(qtbot, program, "call_next", "button")
    qtbot.waitUntil(lambda: not program.state.next_numbers(), timeout=3000)  # the queue event follows
    assert enabled(program) == {"recall", "start", "finish", "no_show", "put_back", "transfer", "hold", "pause"}
    press_answered(qtbot, program, "start", "button")
    assert enabled(program) == {"finish", "put_back", "transfer", "hold", "pause"}
    press_answered(qtbot, program, "hold", "button")
    assert enabled(program) == {"call_next", "call_number", "call_back", "put_back", "pause", "sign_out"}
    program.link.request("pause", reason="meeting")  # as if from elsewhere: the screen follows the server
    qtbot.waitUntil(lambda: program.state.paused, timeout=5000)
    assert enabled(program) == {"put_back", "pause", "sign_out"}
    assert program.screen.buttons["pause"].text() == "Resume  [P]"


def test_the_waiting_count_is_the_servers_after_a_transfer_changed_a_tickets_service(
    live_hall: LiveHall, qtbot: Any
) -> None:
    """A001 (social) goes to the consultation service, is called there and sent on to counter 3
    (consultation only).  Its number still looks social, and consultation's queue counts it as
    well as counter 3's sent-to list: counter 3 can call exactly one ticket, and shows 1."""
    issue(live_hall, "social", 1)
    program = open_program(live_hall, qtbot, 3)
    sign_in(qtbot, program, "bob")

    async def transfer_a001_to_counter_3() -> None:
        c1 = await live_hall.hall.counter(1, "cat")
        assert (await c1.request("call_next"))["ticket"]["number"] == "A001"
        await c1.request("transfer", service="consult")
        assert (await c1.request("call_next"))["ticket"]["number"] == "A001"  # now consultation's
        await c1.request("transfer", to_counter=3)
        await c1.close()

    live_hall.run(transfer_a001_to_counter_3())
    qtbot.waitUntil(lambda: program.state.targeted == ["A001"], timeout=5000)
    qtbot.waitUntil(lambda: program.state.mirror.services["consult"].waiting == 1, timeout=5000)
    assert program.state.waiting_total() == 1
    assert program.screen.queue_heading.text() == "My queue · 1 waiting"
    assert "Sent to this counter: A001" in program.screen.queue.text()
    program.set_compact(True)
    assert program.bar.waiting.text() == "1 waiting"
    press_answered(qtbot, program, "call_next", "key")
    assert program.state.current is not None and program.state.current.number == "A001"
    qtbot.waitUntil(lambda: program.state.waiting_total() == 0, timeout=5000)
    assert program.bar.waiting.text() == "0 waiting"


def test_a_disabled_action_does_nothing_on_its_key(live_hall: LiveHall, qtbot: Any) -> None:
    program = open_program(live_hall, qtbot, 1)
    sign_in(qtbot, program)
    program.window.activateWindow()
    qtbot.keyClick(program.window, "F")  # finish, with no ticket at the counter
    qtbot.wait(100)
    assert not program.pending
    assert program.screen.status.text() == ""


def test_refusals_are_shown_in_the_clerks_language(live_hall: LiveHall, qtbot: Any) -> None:
    issue(live_hall, "social", 1)
    program = open_program(live_hall, qtbot, 1)
    sign_in(qtbot, program)
    press_answered(qtbot, program, "call_next", "key")
    for _ in range(2):  # max_recalls = 2
        press_answered(qtbot, program, "recall", "key")
    press_answered(qtbot, program, "recall", "key")
    assert program.screen.status.text() == "Ticket A001 has been recalled the most times allowed."
    assert program.screen.status.property("kind") == "error"
    qtbot.keyClick(program.window, "l")  # the other language, one key away
    assert program.lang == "zh"
    assert program.screen.status.text() == "A001号已达重呼次数上限。"  # the line on screen said again
    press_answered(qtbot, program, "start", "key")
    assert program.screen.status.text() == "A001 开始办理"
    qtbot.keyClick(program.window, "l")
    assert program.screen.status.text() == "Serving A001"
    qtbot.keyClick(program.window, "l")
    assert program.screen.status.text() == "A001 开始办理"
    assert program.screen.buttons["call_next"].text() == "叫号  [N]"


def test_nobody_waiting_is_said_in_words(live_hall: LiveHall, qtbot: Any) -> None:
    program = open_program(live_hall, qtbot, 1)
    sign_in(qtbot, program)
    press_answered(qtbot, program, "call_next", "button")
    assert program.screen.status.text() == "Nobody is waiting."


def test_typing_a_number_never_fires_an_action(live_hall: LiveHall, qtbot: Any) -> None:
    issue(live_hall, "consult", 1)
    program = open_program(live_hall, qtbot, 1)
    sign_in(qtbot, program)
    press(qtbot, program, "call_number", "key")
    qtbot.waitUntil(lambda: program.dialog is not None, timeout=3000)
    dialog = program.dialog
    dialog.activateWindow()
    qtbot.keyClicks(dialog.number, "c001")  # C is call back, and N would call the next
    assert dialog.number.text() == "C001"
    assert not program.pending
    qtbot.keyClick(dialog.number, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: program.dialog is None, timeout=3000)
    assert not program.pending and program.state.current is None


def test_a_number_that_is_not_one_is_refused_in_the_dialog(live_hall: LiveHall, qtbot: Any) -> None:
    program = open_program(live_hall, qtbot, 1)
    sign_in(qtbot, program)
    press(qtbot, program, "call_number", "button")
    qtbot.waitUntil(lambda: program.dialog is not None, timeout=3000)
    program.dialog.number.setText("A1")
    qtbot.mouseClick(program.dialog.ok_button, Qt.MouseButton.LeftButton)
    assert program.dialog.isVisible()
    assert program.dialog.error.text() == "Not a ticket number; it looks like A012."
    assert not program.pending


def test_auto_call_calls_the_next_ticket_after_finish(live_hall: LiveHall, qtbot: Any) -> None:
    issue(live_hall, "social", 2)
    program = open_program(live_hall, qtbot, 1)
    sign_in(qtbot, program)
    assert not program.screen.auto_call.isChecked()  # the hall's default
    program.screen.auto_call.setChecked(True)
    press_answered(qtbot, program, "call_next", "key")
    press(qtbot, program, "finish", "key")
    qtbot.waitUntil(lambda: program.state.current is not None and program.state.current.number == "A002", timeout=5000)
    settle(qtbot, program)
    assert actions_in(live_hall, "A002") == ["issue", "call"]


def test_warnings_and_device_faults_concern_this_counter(live_hall: LiveHall, qtbot: Any) -> None:
    issue(live_hall, "social", 1)
    program = open_program(live_hall, qtbot, 1)
    sign_in(qtbot, program)
    live_hall.clock.advance(9 * 60)  # 90 % of social's 10-minute target wait
    near = "Social security: 1 near the limit, oldest 9 min (limit 10 min)"
    qtbot.waitUntil(lambda: near in program.screen.warnings.text(), timeout=5000)
    k = live_hall.run(live_hall.hall.kiosk())
    live_hall.run(k.request("device_status", state="fault", code="printer.out_of_paper", detail="paper sensor 0x60"))
    qtbot.waitUntil(lambda: "kiosk-1 fault: Printer out of paper" in program.screen.warnings.text(), timeout=5000)
    assert "0x60" not in program.screen.warnings.text()  # the device's own words are not for the clerk


def test_a_forced_sign_out_returns_to_sign_in_with_the_reason(live_hall: LiveHall, qtbot: Any) -> None:
    program = open_program(live_hall, qtbot, 1)
    sign_in(qtbot, program)
    sup = live_hall.run(live_hall.hall.supervisor())
    live_hall.run(sup.request("force_sign_out", counter=1, reason="called back to the department"))
    qtbot.waitUntil(lambda: not program.window.signed_in_page, timeout=5000)
    assert program.sign_in.message.text() == "You were signed out: called back to the department"
    assert program.link is None
    sign_in(qtbot, program)  # and signing in again works


def test_signing_in_elsewhere_ends_this_session_with_the_reason_in_chinese(live_hall: LiveHall, qtbot: Any) -> None:
    program = open_program(live_hall, qtbot, 1, lang="zh")
    sign_in(qtbot, program, "cat")
    live_hall.run(live_hall.hall.counter(2, "cat"))  # cat moves to counter 2
    qtbot.waitUntil(lambda: not program.window.signed_in_page, timeout=5000)
    assert program.sign_in.message.text() == "您已退出登录：您已在2号窗口登录"


def test_the_halls_counter_program_settings_apply(tmp_path: Path, qtbot: Any) -> None:
    section = '[counter_program]\nauto_call = true\npause_reasons = [{ zh = "午休", en = "Lunch" }]\n\n[server]'
    config_with(tmp_path, "[server]", section)
    live = LiveHall(tmp_path, tmp_path / "hall.toml")
    try:
        program = open_program(live, qtbot, 1)
        sign_in(qtbot, program)
        assert program.screen.auto_call.isChecked()
        press(qtbot, program, "pause", "button")
        qtbot.waitUntil(lambda: program.dialog is not None, timeout=3000)
        assert [b.text() for b in program.dialog.reason_buttons] == ["Lunch"]
        program.dialog.reject()
    finally:
        live.close()


def test_a_counter_in_use_is_not_taken_and_the_second_clerk_is_told(live_hall: LiveHall, qtbot: Any) -> None:
    first = open_program(live_hall, qtbot, 1)
    sign_in(qtbot, first, "cat")
    second = open_program(live_hall, qtbot, 1)
    second.sign_in.name.setText("dan")
    second.sign_in.password.setText("pass1234")
    qtbot.mouseClick(second.sign_in.button, Qt.MouseButton.LeftButton)
    expected = "Someone is already signed in at counter 1."
    qtbot.waitUntil(lambda: second.sign_in.message.text() == expected, timeout=8000)
    assert first.connected() and first.window.signed_in_page


def test_a_reason_clicked_then_enter_pauses(live_hall: LiveHall, qtbot: Any) -> None:
    program = open_program(live_hall, qtbot, 1)
    sign_in(qtbot, program)
    press(qtbot, program, "pause", "key")
    qtbot.waitUntil(lambda: program.dialog is not None and program.dialog.isVisible(), timeout=3000)
    dialog = program.dialog
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=2000)
    meeting = next(b for b in dialog.reason_buttons if b.text() == "Meeting")
    qtbot.mouseClick(meeting, Qt.MouseButton.LeftButton)  # a real click: the button takes the focus
    qtbot.keyClick(dialog.focusWidget() or dialog, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: program.dialog is None, timeout=3000)
    settle(qtbot, program)
    assert program.state.paused and program.state.view.pause_reason == "开会"


def test_a_transfer_target_chosen_with_the_arrow_keys_replaces_a_clicked_one(live_hall: LiveHall, qtbot: Any) -> None:
    _program, dialog = serving_with_dialog(live_hall, qtbot, "transfer")
    rect = dialog.services.visualItemRect(dialog.services.item(0))
    qtbot.mouseClick(dialog.services.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert dialog.services.selectedItems()
    dialog.counters.setFocus()
    qtbot.keyClick(dialog.counters, Qt.Key.Key_Down)  # the clerk changes their mind: a counter
    assert dialog.counters.selectedItems() and not dialog.services.selectedItems()
    assert "service" not in dialog.fields() and dialog.fields()["to_counter"] != 1
    dialog.reject()


def test_auto_call_with_nobody_waiting_says_so_without_alarm(live_hall: LiveHall, qtbot: Any) -> None:
    issue(live_hall, "social", 1)
    program = open_program(live_hall, qtbot, 1)
    sign_in(qtbot, program)
    program.screen.auto_call.setChecked(True)
    press_answered(qtbot, program, "call_next", "key")
    press(qtbot, program, "finish", "key")
    qtbot.waitUntil(lambda: program.screen.status.text() == "Auto-call: nobody is waiting.", timeout=5000)
    assert program.screen.status.property("kind") == "info"
    assert program.state.current is None


def test_after_a_dialog_the_keys_work_again_without_a_click(live_hall: LiveHall, qtbot: Any) -> None:
    issue(live_hall, "social", 1)
    program = open_program(live_hall, qtbot, 1)
    sign_in(qtbot, program)
    press(qtbot, program, "call_number", "key")
    qtbot.waitUntil(lambda: program.dialog is not None and program.dialog.isVisible(), timeout=3000)
    dialog = program.dialog
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=2000)
    qtbot.keyClick(dialog.number, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: program.dialog is None, timeout=3000)
    # No window manager hands the focus back (the offscreen platform has none either).
    qtbot.waitUntil(lambda: QApplication.activeWindow() is program.window, timeout=2000)
    qtbot.keyClick(program.window, "N")
    settle(qtbot, program)
    assert program.state.current.number == "A001"
