"""What the kiosk, display and counter programs get from the server beyond the queue: their
settings in the snapshot, the supervisor's notice line, and the ticket status page."""

from __future__ import annotations

from conftest import DISPLAY_1F, DISPLAY_2F, KIOSK, collect, config_with, wait_for
from test_protocol_http import get


async def test_kiosk_snapshot_carries_its_printer_settings_and_no_pin_in_the_hall(hall):
    kiosk = await hall.kiosk()
    device = kiosk.snapshot["device"]
    assert device["name"] == KIOSK["device"]
    assert set(device) == {"name", "zone", "printer", "paper_mm", "encoding", "qr", "guide_desk"}
    assert device["encoding"] == "gb18030" and device["paper_mm"] == 80
    assert device["guide_desk"] is False  # the test hall has no guide-desk PIN (and none is ever sent)
    assert "staff_pin" not in kiosk.snapshot["hall"]["kiosk"]
    assert kiosk.snapshot["hall"]["kiosk"]["footer"]["zh"]


async def test_a_kiosk_entry_overrides_the_kiosk_section(tmp_path):
    config = config_with(
        tmp_path,
        'zone = "1F" }]',
        'zone = "1F", printer = "virtual:/tmp/t", paper_mm = 58, encoding = "image" }]',
    )
    from hallcall.server.views import Views

    device = Views(config).device("kiosk", "kiosk-1", "1F")
    assert (device.printer, device.paper_mm, device.encoding) == ("virtual:/tmp/t", 58, "image")
    assert device.qr == config.kiosk.qr


async def test_display_snapshot_names_its_zone_and_the_announcement_settings(hall):
    display = await hall.display(DISPLAY_2F)
    assert display.snapshot["device"] == {"name": DISPLAY_2F["device"], "zone": "2F"}
    announce = display.snapshot["hall"]["announce"]
    assert announce["voices"]["zh"] == "cmn-latn-pinyin"
    assert "{number}" in announce["phrase"]["zh"] and "{counter}" in announce["phrase"]["en"]
    moved = await hall.display(DISPLAY_1F, zone="2F")
    assert moved.snapshot["device"]["zone"] == "2F"


async def test_supervisor_notice_reaches_displays_persists_and_resets(hall):
    display = await hall.display()
    assert display.snapshot["notice"] == {"zh": "", "en": ""}
    seen = collect(display)
    sup = await hall.supervisor()
    data = await sup.request("notice", zh="午休时间 12:00-13:30", en="Lunch break 12:00-13:30")
    assert data["notice"]["en"] == "Lunch break 12:00-13:30"
    event = await wait_for(lambda: next((e for e in seen if e.get("topic") == "notice"), None))
    assert event["data"] == {"zh": "午休时间 12:00-13:30", "en": "Lunch break 12:00-13:30"}
    assert hall.hub.storage.last_notice() == event["data"]
    late = await hall.display()
    assert late.snapshot["notice"]["zh"] == "午休时间 12:00-13:30"
    await sup.request("notice")
    assert (await hall.display()).snapshot["notice"] == {"zh": "", "en": ""}


async def test_only_a_supervisor_may_set_the_notice(hall):
    kiosk = await hall.kiosk()
    answer = await kiosk.call("notice", zh="x")
    assert answer["code"] == "forbidden"
    sup = await hall.supervisor()
    too_long = await sup.call("notice", zh="长" * 201)
    assert too_long["code"] == "bad_field"


async def test_ticket_request_names_the_day(hall):
    kiosk = await hall.kiosk()
    issued = await kiosk.request("issue", service="social")
    found = await kiosk.request("ticket", number=issued["ticket"]["number"])
    assert found["day"] == issued["day"] == "2026-11-23"


async def test_status_page_follows_the_ticket(hall):
    kiosk = await hall.kiosk()
    first = await kiosk.request("issue", service="social")
    second = await kiosk.request("issue", service="social")
    number = second["ticket"]["number"]
    status, content_type, body = await get(hall, f"/t/2026-11-23/{number}?lang=zh")
    assert status == 200 and content_type.startswith("text/html")
    assert number in body and "等候中" in body and "前面还有" in body and "1 人" in body
    counter = await hall.counter(4, "ann")
    await counter.request("call_next")  # the first ticket
    await counter.request("finish")
    await counter.request("call_next")
    status, _, body = await get(hall, f"/t/2026-11-23/{number}?lang=en")
    assert status == 200
    assert "Please go to counter 4" in body and first["ticket"]["number"] != number


async def test_status_page_for_an_unknown_or_old_ticket(hall):
    status, _, body = await get(hall, "/t/2026-11-23/A999?lang=en")
    assert status == 404 and "There is no such ticket." in body
    status, _, body = await get(hall, "/t/2026-11-20/A001?lang=zh")
    assert status == 404 and "查不到这个号码" in body


async def test_status_page_escapes_nothing_it_did_not_make(hall):
    status, _, body = await get(hall, "/t/2026-11-23/A001?lang=<script>")
    assert status == 404 and "<script>" not in body
