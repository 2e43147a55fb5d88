"""The counter program's pure parts: its state folded from server messages, the action rules,
and the words it builds (times, refusals)."""

from __future__ import annotations

from hallcall.counter.actions import ACTIONS, BY_NAME, allowed
from hallcall.counter.state import SERVED_KEPT, CounterState
from hallcall.counter.text import T, duration, refusal_text, session_end_text

HALL = {
    "languages": ["zh", "en"],
    "services": [
        {"id": "social", "prefix": "A", "name": {"zh": "社保", "en": "Social security"}},
        {"id": "tax", "prefix": "B", "name": {"zh": "税务", "en": "Tax"}},
    ],
    "counters": [{"number": 2, "services": ["tax", "social"]}, {"number": 3, "services": ["tax"]}],
}


def snapshot(**view: object) -> dict[str, object]:
    mine = {"counter": 2, "clerk": "cat", "paused": False, "current": None, "held": [], "targeted": []}
    mine.update(view)
    return {
        "server_time": 1000.0,
        "hall": HALL,
        "counters": [mine],
        "services": [
            {"service": "social", "waiting": 3, "priority_waiting": 1, "next": ["A009", "A002", "A003"]},
            {"service": "tax", "waiting": 1, "priority_waiting": 0, "next": ["B001"]},
        ],
        "warnings": [{"kind": "wait", "level": 1, "key": "wait:A002", "number": "A002"}],
        "devices": [{"device": "kiosk-1", "state": "ok"}],
        "me": {"counter": 2, "clerk": "cat", "served": []},
    }


def test_a_snapshot_sets_the_clock_and_the_queue_in_my_order() -> None:
    state = CounterState(2)
    state.apply_snapshot(snapshot(), local_now=900.0)
    assert state.server_now(local_now=910.0) == 1010.0
    assert [s["service"] for s in state.my_queue()] == ["tax", "social"]
    assert state.priority_numbers() == {"A009"}
    assert state.next_numbers() == ["B001", "A009", "A002", "A003"]
    assert state.waiting_total() == 4


def test_tickets_sent_to_me_count_once() -> None:
    state = CounterState(3)  # serves tax only
    snap = snapshot()
    snap["counters"] = [{"counter": 3, "targeted": ["A002", "B005"]}]
    state.apply_snapshot(snap, local_now=0.0)
    # B005 is a tax ticket, already in tax's count; A002 is not one of mine, so it adds one.
    assert state.waiting_total() == 2
    assert state.next_numbers()[:2] == ["A002", "B005"]


def test_events_update_my_counter_only_and_clear_warnings() -> None:
    state = CounterState(2)
    state.apply_snapshot(snapshot(), local_now=0.0)
    other = {"topic": "counters", "data": {"counter": 3, "paused": True}}
    assert not state.apply_event(other) and not state.paused
    assert state.apply_event({"topic": "counters", "data": {"counter": 2, "paused": True}})
    assert state.paused
    cleared = {"topic": "warnings", "name": "cleared", "data": {"key": "wait:A002"}}
    assert state.apply_event(cleared) and state.warnings == {}
    fault = {"topic": "devices", "data": {"device": "kiosk-1", "state": "fault", "detail": "out of paper"}}
    state.apply_event(fault)
    assert [d["detail"] for d in state.fault_devices()] == ["out of paper"]


def test_served_keeps_the_last_ten_and_no_shows_leave_when_put_back() -> None:
    state = CounterState(2)
    state.apply_snapshot(snapshot(), local_now=0.0)
    for i in range(SERVED_KEPT + 3):
        state.apply_result("finish", {"ticket": {"number": f"A{i:03d}", "service": "social"}})
    assert len(state.served) == SERVED_KEPT and state.served[-1]["number"] == "A012"
    state.apply_result("no_show", {"ticket": {"number": "A020"}})
    state.apply_result("no_show", {"ticket": {"number": "A021"}})
    state.apply_result("put_back", {"ticket": {"number": "A020"}})
    assert state.no_shows == ["A021"]


def test_the_action_rules() -> None:
    state = CounterState(2)
    state.apply_snapshot(snapshot(), local_now=0.0)

    def live() -> set[str]:
        return {a.name for a in ACTIONS if allowed(a, state, connected=True, busy=False)}

    assert live() == {"call_next", "call_number", "put_back", "cancel", "pause", "sign_out"}
    state.view["current"] = {"number": "A009", "state": "called"}
    assert live() == {"recall", "start", "finish", "no_show", "put_back", "transfer", "hold", "cancel", "pause"}
    state.view.update(current=None, held=["A004"], paused=True)
    assert "call_back" not in live() and "call_next" not in live()
    state.view["paused"] = False
    assert "call_back" in live()
    assert not allowed(BY_NAME["pause"], state, connected=False, busy=False)
    assert not allowed(BY_NAME["pause"], state, connected=True, busy=True)
    assert len({a.key for a in ACTIONS}) == len(ACTIONS)  # one key, one action


def test_words() -> None:
    assert duration(42, "zh") == "42 秒" and duration(42, "en") == "42 s"
    assert duration(605, "en") == "10:05" and duration(3725, "en") == "1:02:05"
    refusal = {"code": "counter_busy", "message": "counter 2 still has A001", "details": {"number": "A001"}}
    refusal["message_zh"] = "请先办结或标记过号：A001。"
    assert refusal_text(refusal, "zh") == "请先办结或标记过号：A001。"
    assert refusal_text(refusal, "en") == "Finish ticket A001 or mark it a no-show first."
    unknown = {"code": "brand_new", "message": "something new"}
    assert refusal_text(unknown, "en") == "something new"
    assert T("queue_total", "zh", n=3) == "共 3 人等候"


def test_why_a_session_ended_in_both_languages() -> None:
    assert session_end_text("day end", "zh") == "营业日结束"
    assert session_end_text("taken over by bob", "en") == "bob took over this counter"
    assert session_end_text("moved to counter 3", "zh") == "您已在3号窗口登录"
    assert session_end_text("signed out by supervisor sue", "en") == "supervisor sue signed you out"
    assert session_end_text("called back to the department", "zh") == "called back to the department"


def test_buttons_take_two_rows_on_a_wide_screen_and_three_on_a_narrow_one() -> None:
    from hallcall.counter.main_window import buttons_per_row

    assert buttons_per_row(1366) == 7 and buttons_per_row(1920) == 7
    assert buttons_per_row(1024) == 5 and buttons_per_row(0) == 5
