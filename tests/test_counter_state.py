"""The counter program's pure parts: its state folded from server messages, the action rules,
and the words it builds (times, refusals)."""

from __future__ import annotations

from typing import Any

from hallcall import protocol as p
from hallcall.config import Announce, CounterProgram, Display, Kiosk, Names
from hallcall.counter.actions import ACTIONS, BY_NAME, allowed
from hallcall.counter.state import SERVED_KEPT, CounterState
from hallcall.counter.text import T, duration, refusal_text, session_end_text


def _service(sid: str, prefix: str, zh: str, en: str) -> p.ServiceInfo:
    return p.ServiceInfo(
        id=sid,
        prefix=prefix,
        name=Names(zh, en),
        target_wait_s=1800,
        daily_cap=0,
        issuing_hours=["08:30-17:30"],
        materials=p.Materials([], []),
        priority_allowed=True,
        zone="",
    )


def _counter(number: int, services: list[str]) -> p.CounterInfo:
    return p.CounterInfo(
        number=number,
        name=Names(f"{number}号窗口", f"Counter {number}"),
        services=services,
        comprehensive=False,
        policy="oldest",
        zone="",
        clerks=[],
        backups=[],
    )


HALL = p.HallView(
    name=Names("大厅", "Hall"),
    languages=["zh", "en"],
    timezone="Asia/Shanghai",
    opening_hours=["08:30-17:30"],
    open_days=["mon"],
    hours_enforced=True,
    public_url="",
    kiosk=Kiosk(),
    display=Display(),
    announce=Announce(),
    counter_program=CounterProgram(),
    services=[_service("social", "A", "社保", "Social security"), _service("tax", "B", "税务", "Tax")],
    counters=[_counter(2, ["tax", "social"]), _counter(3, ["tax"])],
)


def ticket(number: str, service: str, state: str = "waiting", **more: Any) -> p.TicketView:
    fields: dict[str, Any] = dict(
        id=int(number[1:]),
        number=number,
        service=service,
        priority="normal",
        state=state,
        issued_at=900.0,
        called_at=None,
        serving_at=None,
        finished_at=None,
        counter=None,
        clerk=None,
        recalls=0,
        putbacks=0,
        transfers=0,
        target_counter=None,
    )
    return p.TicketView(**(fields | more))


def view(counter: int = 2, **more: Any) -> p.CounterView:
    fields: dict[str, Any] = dict(
        counter=counter,
        clerk="cat",
        clerk_name=Names("猫", "Cat"),
        signed_in_at=0.0,
        paused=False,
        pause_reason=None,
        paused_at=None,
        current=None,
        held=[],
        targeted=[],
        served_today=0,
        zone="",
        name=Names(f"{counter}号窗口", f"Counter {counter}"),
    )
    return p.CounterView(**(fields | more))


def summary(service: str, waiting: int, priority_waiting: int, nxt: list[str]) -> p.ServiceSummary:
    return p.ServiceSummary(
        service=service,
        waiting=waiting,
        priority_waiting=priority_waiting,
        next=nxt,
        estimated_wait_s=0,
        counters_open=1,
        issued=waiting,
        finished=0,
        cap_left=None,
    )


def snapshot(counter: p.CounterView | None = None, callable_: dict[int, int] | None = None) -> dict[str, Any]:
    """A counter's snapshot as the server sends it (decoded JSON), seq 10."""
    mine = counter or view()
    snap = p.HallSnapshot(
        seq=10,
        server_time=1000.0,
        clock_speed=1.0,
        day="2026-11-23",
        hall=HALL,
        services=[summary("social", 3, 1, ["A009", "A002", "A003"]), summary("tax", 1, 0, ["B001"])],
        callable=callable_ if callable_ is not None else {2: 4, 3: 1},
        counters=[mine],
        calls=[],
        notice=Names("", ""),
        warnings=[
            p.WaitWarning(
                level=1,
                key="wait:A002",
                raised_at=990.0,
                number="A002",
                service="social",
                waited_s=1500,
                target_s=1800,
                counter=None,
            )
        ],
        devices=[
            p.DeviceReport(device="kiosk-1", role="kiosk", state="ok", code="", text=Names("", ""), detail="", at=990.0)
        ],
        me=p.Me(counter=mine.counter, clerk="cat", clerk_name=Names("猫", "Cat"), served=[]),
    )
    return p.to_builtins(snap)  # type: ignore[no-any-return]


def event(topic: str, name: str, seq: int, data: Any) -> dict[str, Any]:
    return {"type": "event", "topic": topic, "name": name, "seq": seq, "data": p.to_builtins(data)}


def test_a_snapshot_sets_the_clock_and_the_queue_in_my_order() -> None:
    state = CounterState(2)
    state.apply_snapshot(snapshot(), local_now=900.0)
    assert state.server_now(local_now=910.0) == 1010.0
    assert [s.service for s in state.my_queue()] == ["tax", "social"]
    assert state.priority_numbers() == {"A009"}
    assert state.next_numbers() == ["B001", "A009", "A002", "A003"]
    assert state.waiting_total() == 4
    assert state.clerk == "cat" and state.first_language == "zh"


def test_the_waiting_total_is_the_servers_callable_count_never_a_guess_from_numbers() -> None:
    """After A002 went to consult and then to counter 3 (which serves tax only), its prefix still
    says social.  The server counts what counter 3 can call: B001 and A002.  The counter shows
    that count, and lists A002 first among the numbers it could call."""
    state = CounterState(3)
    state.apply_snapshot(snapshot(view(3, targeted=["A002"]), {2: 4, 3: 2}), local_now=0.0)
    assert state.waiting_total() == 2
    assert state.next_numbers() == ["A002", "B001"]
    # A queue event brings the server's new count, whatever the prefixes say.
    update = p.QueueUpdate(services=[summary("tax", 1, 0, ["B001"])], callable={3: 1})
    assert state.apply_event(event("queue", "queue", 11, update))
    assert state.waiting_total() == 1


def test_my_services_are_the_ones_the_server_lists_for_my_counter() -> None:
    state = CounterState(3)
    state.apply_snapshot(snapshot(view(3)), local_now=0.0)
    assert state.my_services == ["tax"]
    assert state.counter_info() is not None and state.counter_info().name.en == "Counter 3"  # type: ignore[union-attr]
    assert state.counter_program().pause_reasons[0].zh == "休息"  # the server fills in the defaults


def test_events_update_my_counter_only_and_clear_warnings() -> None:
    state = CounterState(2)
    state.apply_snapshot(snapshot(), local_now=0.0)
    assert not state.apply_event(event("counters", "counter", 11, view(3, paused=True))) and not state.paused
    assert state.apply_event(event("counters", "counter", 12, view(2, paused=True)))
    assert state.paused
    stale = event("counters", "counter", 9, view(2, paused=False))
    assert not state.apply_event(stale) and state.paused  # already in the snapshot
    cleared = event("warnings", "cleared", 13, next(iter(state.warnings.values())))
    assert state.apply_event(cleared) and state.warnings == {}
    words = Names("打印机缺纸", "Printer out of paper")
    fault = p.DeviceReport(
        device="kiosk-1", role="kiosk", state="fault", code="printer.out_of_paper", text=words, detail="x", at=1001.0
    )
    assert state.apply_event(event("devices", "device", 14, fault))
    assert [d.code for d in state.fault_devices()] == ["printer.out_of_paper"]
    assert state.clerk_shown("zh") == "猫" and state.clerk_shown("en") == "Cat"
    assert not state.apply_event(event("notice", "notice", 15, Names("", "")))  # nothing the counter shows


def test_served_keeps_the_last_ten_and_no_shows_leave_when_put_back() -> None:
    state = CounterState(2)
    state.apply_snapshot(snapshot(), local_now=0.0)

    def answered(kind: str, number: str, service: str = "social") -> None:
        state.apply_result(kind, p.TicketAnswer(ticket=ticket(number, service, "done")))

    for i in range(SERVED_KEPT + 3):
        answered("finish", f"A{i:03d}")
    assert len(state.served) == SERVED_KEPT and state.served[-1].number == "A012"
    answered("no_show", "A020")
    answered("no_show", "A021")
    answered("put_back", "A020")
    answered("call_next", "A022")
    state.apply_result("pause", p.Empty())
    assert state.no_shows == ["A021"] and state.served[-1].number == "A012"


def test_the_action_rules() -> None:
    state = CounterState(2)
    state.apply_snapshot(snapshot(), local_now=0.0)
    seq = iter(range(11, 100))

    def live() -> set[str]:
        return {a.name for a in ACTIONS if allowed(a, state, connected=True, busy=False)}

    def now(**more: Any) -> None:
        state.apply_event(event("counters", "counter", next(seq), view(2, **more)))

    assert live() == {"call_next", "call_number", "put_back", "cancel", "pause", "sign_out"}
    now(current=ticket("A009", "social", "called", counter=2))
    assert live() == {"recall", "start", "finish", "no_show", "put_back", "transfer", "hold", "cancel", "pause"}
    now(held=["A004"], paused=True)
    assert "call_back" not in live() and "call_next" not in live()
    now(held=["A004"])
    assert "call_back" in live()
    assert not allowed(BY_NAME["pause"], state, connected=False, busy=False)
    assert not allowed(BY_NAME["pause"], state, connected=True, busy=True)
    assert not any(allowed(a, CounterState(2), connected=True, busy=False) for a in ACTIONS)  # no snapshot yet
    assert len({a.key for a in ACTIONS}) == len(ACTIONS)  # one key, one action


def test_words() -> None:
    assert duration(42, "zh") == "42 秒" and duration(42, "en") == "42 s"
    assert duration(605, "en") == "10 min 05 s" and duration(3725, "en") == "1 h 02 min"
    assert duration(605, "zh") == "10 分 05 秒" and duration(3725, "zh") == "1 小时 02 分"
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
