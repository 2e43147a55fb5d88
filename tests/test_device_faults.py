"""Device faults reach people as coded reasons in both languages, never as a device's English.

A kiosk or display reports a registered fault code (hallcall/protocol/faults.py) with its own
words as ``detail``; the server refuses a code it does not know, words the code in Chinese and
English for counters and supervisors, and keeps the raw detail beside it.  The kiosk's printer
results and the display's sound problems map to codes at the reporting point; real printer
status bytes, a real server, a real kiosk window and a real display program show it end to end.
"""

from __future__ import annotations

from typing import Any

import pytest
from browser import browser_fixture, page_fixture, sign_in, signed_in  # noqa: F401  (fixtures by name)
from conftest import DISPLAY_1F, Hall, LiveHall, collect, wait_for
from playwright.sync_api import Page, expect
from test_kiosk_ui_support import open_kiosk
from test_printing_support import COVER_OPEN, PAPER_LOW, PAPER_OUT, TcpPrinter

from hallcall import i18n
from hallcall import protocol as p
from hallcall.client import RequestFailed
from hallcall.display.app import DisplayApp
from hallcall.display.faults import PROBLEM_CODES, sound_fault_code
from hallcall.display.playback import ProcessPlayer
from hallcall.kiosk.escpos_codes import parse_status
from hallcall.kiosk.faults import printer_fault_code
from hallcall.kiosk.printer import STATES
from hallcall.server.domain.model import Journal
from hallcall.server.views import device_report

pytestmark = pytest.mark.timeout(60)


# ---------------------------------------------------------------------------- the registry
def test_every_fault_code_has_chinese_and_english_words() -> None:
    assert set(i18n.FAULTS) == set(p.FAULT_CODES) == p.KNOWN_FAULTS
    for code, words in i18n.FAULTS.items():
        assert words["zh"] and words["en"] and words["zh"] != words["en"], code
        assert any("\u4e00" <= ch <= "\u9fff" for ch in words["zh"]), code


def test_the_codes_the_kiosk_and_display_report_are_registered() -> None:
    made = {printer_fault_code("fault", state, "") for state in STATES} | {printer_fault_code("ok", "paper_low", "")}
    made |= {printer_fault_code("fault", "offline", "printer offline: cover open")}
    made |= {printer_fault_code("fault", "offline", "printer offline: printer error (cutter or head)")}
    made |= {printer_fault_code("fault", "setting", "")} | set(PROBLEM_CODES.values())
    assert made <= p.KNOWN_FAULTS
    assert {"printer.cover_open", "printer.head_error", "printer.bad_setting", "printer.paper_low"} <= made


# ---------------------------------------------------------------------------- the kiosk's mapping
@pytest.mark.parametrize(
    "answer, code",
    [
        (PAPER_OUT, "printer.out_of_paper"),
        (COVER_OPEN, "printer.cover_open"),
        (bytes([0x1A, 0x52, 0x12]), "printer.head_error"),
    ],
)
def test_a_printers_own_status_bytes_give_the_fault_code(answer: bytes, code: str) -> None:
    status = parse_status(answer)
    assert printer_fault_code("fault", status.state, status.detail) == code


def test_an_ok_report_carries_only_the_paper_low_note() -> None:
    low = parse_status(PAPER_LOW)
    assert printer_fault_code("ok", low.state, low.detail) == "printer.paper_low"
    assert printer_fault_code("ok", "ok", "printed") == ""
    assert printer_fault_code("ok", "unknown", "ticket sent") == ""


def test_the_display_reports_its_worst_sound_problem() -> None:
    assert sound_fault_code({}) == ""
    assert sound_fault_code({"chime": "missing"}) == "sound.chime_missing"
    assert sound_fault_code({"chime": "missing", "speech": "no engine"}) == "speech.engine_failed"
    assert sound_fault_code({"voice": "zh: say-1.wav is stereo"}) == "voice.pack_broken"
    assert sound_fault_code({"voice": "zh: say-1.wav is stereo", "chime": "missing"}) == "sound.chime_missing"
    assert sound_fault_code({"speech": "x", "sound": "aplay: main:831: audio open error"}) == "sound.output_failed"


# ---------------------------------------------------------------------------- the server
async def test_a_fault_is_worded_in_both_languages_and_keeps_the_raw_detail(hall: Hall) -> None:
    sup = await hall.supervisor()
    counter = await hall.counter(1)
    seen = collect(counter)
    kiosk = await hall.kiosk()
    raw = "printer offline: cover open; ticket not printed"
    assert await kiosk.request("device_status", state="fault", code="printer.cover_open", detail=raw) == {}
    event = (await wait_for(lambda: [e for e in seen if e.get("topic") == "devices"]))[0]["data"]
    assert event["code"] == "printer.cover_open"
    assert event["text"] == {"zh": "打印机盖未关好", "en": "Printer cover open"}
    assert event["detail"] == raw  # for the supervisor and the log, not for the clerk's screen
    await sup.request("snapshot")
    assert sup.snapshot["devices"][0]["text"]["zh"] == "打印机盖未关好"


@pytest.mark.parametrize(
    "fields, detail",
    [
        ({"state": "fault", "code": "printer.on_fire", "detail": "smoke"}, "printer.on_fire"),
        ({"state": "fault", "detail": "out of paper"}, ""),  # a fault must say which
        ({"state": "ok", "code": "sound.too_loud"}, "sound.too_loud"),  # an ok's note must be known too
    ],
)
async def test_an_unknown_or_missing_fault_code_is_refused_and_nothing_is_reported(
    hall: Hall, fields: dict[str, str], detail: str
) -> None:
    sup = await hall.supervisor()
    kiosk = await hall.kiosk()
    with pytest.raises(RequestFailed) as caught:
        await kiosk.request("device_status", **fields)
    error = caught.value.answer
    assert (error["code"], error["field"], error["details"]) == ("unknown_fault", "code", {"fault": detail})
    assert error["message_zh"] == f"设备报告了未知的故障代码 {detail}。"
    await sup.request("snapshot")
    assert sup.snapshot["devices"] == []


def test_a_report_journaled_before_codes_reads_back_as_a_device_fault() -> None:
    old = device_report(Journal(1.0, "device_fault", reason="out of paper", detail={"device": "k", "role": "kiosk"}))
    assert (old.code, old.text.zh, old.detail) == ("device.fault", "设备故障", "out of paper")
    fine = device_report(Journal(2.0, "device_ok", reason="", detail={"device": "k", "role": "kiosk", "detail": ""}))
    assert (fine.state, fine.code, fine.text.zh, fine.text.en) == ("ok", "", "", "")


# ---------------------------------------------------------------------------- end to end
def test_a_kiosk_with_its_cover_open_reaches_counters_as_words(
    request: pytest.FixtureRequest, qtbot: Any, live_hall: LiveHall
) -> None:
    printer = TcpPrinter(COVER_OPEN)
    request.addfinalizer(printer.close)
    counter = live_hall.run(live_hall.hall.counter(2, "cat"))
    seen = collect(counter)
    open_kiosk(request, printer=printer.spec, lang="zh")
    qtbot.waitUntil(lambda: any(e.get("topic") == "devices" for e in seen), timeout=5000)
    report = next(e for e in seen if e.get("topic") == "devices")["data"]
    assert (report["state"], report["code"]) == ("fault", "printer.cover_open")
    assert report["text"] == {"zh": "打印机盖未关好", "en": "Printer cover open"}
    assert report["detail"] == "printer offline: cover open"


def test_a_display_that_cannot_play_sound_reports_it_in_words(qtbot: Any, live_hall: LiveHall) -> None:
    sup = live_hall.run(live_hall.hall.supervisor())
    seen = collect(sup)
    app = DisplayApp(
        live_hall.url, DISPLAY_1F["token"], player=ProcessPlayer(["false"]), worker_command=["false"]
    )  # no sound output, no speech engine
    app.link.min_backoff, app.link.max_backoff = 0.05, 0.3
    app.start()
    try:
        qtbot.waitUntil(lambda: app.link.state == "connected", timeout=5000)
        kiosk = live_hall.run(live_hall.hall.kiosk())
        live_hall.run(kiosk.request("issue", service="social"))
        clerk = live_hall.run(live_hall.hall.counter(1, "cat"))
        live_hall.run(clerk.request("call_next"))

        # No speech is noticed first (the chime still plays), then that nothing plays at all.
        def reports() -> list[dict[str, Any]]:
            return [e["data"] for e in seen if e.get("topic") == "devices"]

        qtbot.waitUntil(lambda: [r["code"] for r in reports()][-1:] == ["sound.output_failed"], timeout=15000)
        assert [r["code"] for r in reports()] == ["speech.engine_failed", "sound.output_failed"]
        report = reports()[-1]
        assert (report["device"], report["state"]) == ("display-1", "fault")
        assert report["text"] == {"zh": "无法播放声音", "en": "No sound output"}
        assert "sound: false failed" in report["detail"] and "speech:" in report["detail"]
    finally:
        app.stop()


def test_the_console_shows_the_words_and_the_raw_detail_beside_them(live_hall: LiveHall, page: Page) -> None:
    assert live_hall.hall is not None
    kiosk = live_hall.run(live_hall.hall.kiosk())
    raw = "printer offline: cover open"
    live_hall.run(kiosk.request("device_status", state="fault", code="printer.cover_open", detail=raw))
    sign_in(page, live_hall)
    signed_in(page)
    line = page.locator('#device-list li[data-device="kiosk-1"]')
    expect(line).to_contain_text("打印机盖未关好")
    expect(line.locator(".detail")).to_have_text(f" ({raw})")  # for the supervisor, small, beside the words
