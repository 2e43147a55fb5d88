"""The ticket layout: render() to ESC/POS bytes, decoded back by the virtual printer, must say
what the visitor needs, in Chinese or English, in every encoding, within the byte budgets."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from pathlib import Path

import msgspec
import pytest
from test_views_support import typed_hall

from hallcall import protocol as p
from hallcall.config import load
from hallcall.kiosk.escpos_codes import paper_columns, paper_dots
from hallcall.kiosk.escpos_text import columns, draw_cell_text, trim_width, wrap
from hallcall.kiosk.text import T, wait_text
from hallcall.kiosk.ticket import IMAGE_BUDGET, TEXT_BUDGET, TicketData, render, status_url, ticket_data_from_issue
from hallcall.kiosk.virtual_printer import decode

ROOT = Path(__file__).resolve().parent.parent
DEMO = load(ROOT / "assets" / "demo-hall.toml")
ISSUED = dt.datetime(2026, 11, 23, 10, 5, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")).timestamp()
FOOTER = {"zh": DEMO.kiosk.footer.zh, "en": DEMO.kiosk.footer.en}  # the demo hall's, with its "·"


def demo_ticket(service_id: str = "social", **changes: object) -> TicketData:
    service = DEMO.service(service_id)
    assert service is not None
    fields: dict[str, object] = {
        "hall_name": {"zh": DEMO.hall.name.zh, "en": DEMO.hall.name.en},
        "number": f"{service.prefix}012",
        "service_name": {"zh": service.name.zh, "en": service.name.en},
        "ahead": 11,
        "estimated_wait_s": 1500,
        "issued_at": ISSUED,
        "timezone": "Asia/Shanghai",
        "materials": {"zh": list(service.materials.zh), "en": list(service.materials.en)},
        "status_url": f"http://192.168.100.200:8765/t/2026-11-23/{service.prefix}012",
        "footer": FOOTER,
    }
    fields.update(changes)
    return TicketData(**fields)  # type: ignore[arg-type]


def unwrapped(text: str, joint: str = "") -> str:
    """Decoded text with line breaks and wrap indents removed, to find wrapped phrases
    (``joint`` " " for English, where a break replaced a space)."""
    return joint.join(part.strip() for part in text.splitlines())


SERVICES = [s.id for s in DEMO.services]


@pytest.mark.parametrize("service_id", SERVICES)
@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-8"])
def test_chinese_ticket_reads_back_exactly(service_id, encoding):
    ticket = demo_ticket(service_id)
    job = render(ticket, "zh", encoding=encoding)
    decoded = decode(job, encoding="gb18030" if encoding == "gbk" else None)
    text = decoded.text
    assert decoded.lines[0].text == DEMO.hall.name.zh
    assert ticket.number in [line.text for line in decoded.lines]
    assert ticket.service_name["zh"] in text
    assert "前面还有 11 人" in text and "预计等候约 25 分钟" in text
    assert "取号时间 2026-11-23 10:05" in text
    for item in ticket.materials["zh"]:  # the demo hall's lists all fit
        assert item in unwrapped(text)
    assert DEMO.kiosk.footer.zh in text
    assert decoded.qr_payloads == [ticket.status_url]
    assert decoded.cuts == 1
    assert decoded.images == []  # every line travelled as text
    assert "?" not in text and b"?" not in job
    assert len(job) <= TEXT_BUDGET["zh"] == 600


@pytest.mark.parametrize("service_id", SERVICES)
def test_english_ticket(service_id):
    ticket = demo_ticket(service_id)
    job = render(ticket, "en", paper_mm=80)
    decoded = decode(job)
    text = decoded.text
    assert decoded.lines[0].text == DEMO.hall.name.en
    assert ticket.number in text
    assert ticket.service_name["en"] in unwrapped(text, " ")
    for item in ticket.materials["en"]:
        assert item in unwrapped(text, " ")
    assert "11 ahead of you" in text and "Estimated wait: about 25 min" in text
    assert "Issued 2026-11-23 10:05" in text
    assert DEMO.kiosk.footer.en in unwrapped(text, " ")
    assert decoded.qr_payloads == [ticket.status_url]
    assert decoded.images == []  # the footer's "·" travels as GB18030 text
    assert len(job) <= TEXT_BUDGET["en"]


def test_english_materials_wrap_with_a_hanging_indent():
    decoded = decode(render(demo_ticket("realestate"), "en", paper_mm=58))
    lines = [line.text for line in decoded.lines]
    first = lines.index(next(line for line in lines if line.startswith("1. ")))
    assert lines[first + 1].startswith("   ") and not lines[first + 1].startswith("    ")


@pytest.mark.parametrize("paper", [58, 80])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_lines_fit_the_paper(paper, lang):
    decoded = decode(render(demo_ticket("realestate"), lang, paper_mm=paper))
    for line in decoded.lines:
        assert columns(line.text) * line.style.width <= paper_columns(paper), line
    number = next(line for line in decoded.lines if line.text == "R012")
    assert number.style.width >= 4 and number.style.height == number.style.width


@pytest.mark.parametrize("service_id", SERVICES)
@pytest.mark.parametrize("qr", ["native", "image"])
def test_image_mode_ticket_stays_within_budget(service_id, qr):
    ticket = demo_ticket(service_id, priority="green")
    job = render(ticket, "zh", encoding="image", qr=qr)
    decoded = decode(job)
    assert len(job) <= IMAGE_BUDGET == 12 * 1024
    assert all(line.text.isascii() for line in decoded.lines)  # every Chinese line is an image
    assert ticket.number in decoded.text and "2026-11-23" not in decoded.text
    assert all(image.image.width <= paper_dots(80) for image in decoded.images)
    assert decoded.qr_payloads == ([ticket.status_url] if qr == "native" else [])
    assert len(decoded.images) >= 8 + (1 if qr == "image" else 0)


def test_image_mode_images_are_the_lines_drawn_as_the_printer_would():
    ticket = demo_ticket("social")
    decoded = decode(render(ticket, "zh", encoding="image"))
    expected = trim_width(draw_cell_text("社会保障", width=2, height=2, bold=True))
    service_image = next(i.image for i in decoded.images if i.image.height == 48)
    assert service_image.crop((0, 0, expected.width, expected.height)).tobytes() == expected.tobytes()
    # Widths are trimmed to the ink (plus padding to a whole byte), not the paper.
    assert service_image.width < expected.width + 8


def test_image_mode_with_native_qr_in_all_demo_services_keeps_every_material():
    for service in DEMO.services:
        full = render(demo_ticket(service.id), "zh", encoding="image")
        decoded = decode(full)
        assert "另有" not in decoded.text
        # one image per material line at least, plus the header
        assert len(decoded.images) >= len(service.materials.zh) + 1


def test_gbk_draws_what_gbk_cannot_encode_instead_of_question_marks():
    ticket = demo_ticket("social", service_name={"zh": "㐀字测试", "en": "Test"})
    gbk_job = render(ticket, "zh", encoding="gbk")
    decoded = decode(gbk_job, encoding="gb18030")
    assert "?" not in decoded.text
    assert "㐀字测试" not in decoded.text
    assert len(decoded.images) == 1 and decoded.images[0].image.height == 48
    assert "1. 居民身份证原件及复印件" in decoded.text  # an image line switches to the image budget
    # GB18030 carries the same character as text.
    assert "㐀字测试" in decode(render(ticket, "zh", encoding="gb18030")).text


def test_chinese_punctuation_never_becomes_question_marks():
    ticket = demo_ticket("social", footer={"zh": "请保管好本票——过号作废；谢谢！", "en": "x"})
    for encoding in ("gb18030", "gbk", "utf-8"):
        job = render(ticket, "zh", encoding=encoding)
        assert "请保管好本票——过号作废；谢谢！" in decode(job, "gb18030" if encoding == "gbk" else None).text


def test_green_channel_mark_only_on_priority_tickets():
    green = decode(render(demo_ticket(priority="green"), "zh"))
    mark = next(line for line in green.lines if "绿色通道" in line.text)
    assert mark.style.reverse
    assert "绿色通道" not in decode(render(demo_ticket(), "zh")).text
    assert "Green channel" in decode(render(demo_ticket(priority="green"), "en")).text


def test_next_in_line_and_no_estimate():
    text = decode(render(demo_ticket(ahead=0, estimated_wait_s=0), "zh")).text
    assert "您是下一位" in text and "预计等候" not in text
    assert "You are next" in decode(render(demo_ticket(ahead=0, estimated_wait_s=0), "en")).text


def test_a_long_wait_reads_as_on_the_kiosk_screen():
    # 5 h 28 min, as the confirmation screen says it, not "about 328 min".
    ticket = demo_ticket(ahead=41, estimated_wait_s=19_680)
    assert "预计等候约 5 小时 28 分钟" in decode(render(ticket, "zh")).text
    assert "Estimated wait: about 5 h 28 min" in decode(render(ticket, "en")).text


def test_counter_hint_and_missing_qr_and_footer():
    ticket = demo_ticket(counter_hint="5号窗口", status_url="", footer={})
    decoded = decode(render(ticket, "zh"))
    assert "办理窗口：5号窗口" in decoded.text
    assert decoded.qr_payloads == []
    assert "过号" not in decoded.text
    assert decode(render(demo_ticket(), "zh", qr="none")).qr_payloads == []


def test_a_long_materials_list_is_cut_to_the_budget_with_a_note():
    many = [f"第{i}项材料：居民身份证原件及复印件（加盖公章）" for i in range(1, 21)]
    ticket = demo_ticket(materials={"zh": many, "en": []})
    job = render(ticket, "zh")
    text = unwrapped(decode(job).text)
    assert len(job) <= 600
    shown = [i for i in range(1, 21) if f"第{i}项材料" in text]
    assert shown == list(range(1, len(shown) + 1)) and 0 < len(shown) < 20
    assert f"另有 {20 - len(shown)} 项材料，请咨询导办台" in text


def test_half_translated_names_fall_back_to_the_other_language():
    ticket = demo_ticket(service_name={"zh": "社会保障", "en": ""}, materials={"zh": ["身份证"], "en": []})
    text = decode(render(ticket, "en")).text
    assert "社会保障" in text and "1. 身份证" in text


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"lang": "fr"}, "fr"),
        ({"encoding": "latin-1"}, "latin-1"),
        ({"paper_mm": 60}, "60"),
        ({"qr": "big"}, "big"),
    ],
)
def test_bad_settings_are_named(kwargs, words):
    args = {"lang": "zh", **kwargs}
    lang = args.pop("lang")
    with pytest.raises(ValueError, match=words):
        render(demo_ticket(), lang, **args)


def test_wrap_keeps_closing_punctuation_off_the_line_start():
    lines = wrap("一二三四五六七八九十，后面", 20)
    assert lines == ("一二三四五六七八九", "十，后面")
    assert wrap("Take a number please", 10) == ("Take a", "number", "please")  # no other way in 3
    assert wrap("abcdefghijklmnop", 6) == ("abcdef", "ghijkl", "mnop")


# A line left alone at the end of a wrapped text: one or two Chinese characters (with their
# closing punctuation) or one short word.  Judged here on its own, not by the wrapping code.
ORPHAN = re.compile(r"[\u4e00-\u9fff]{1,2}[）)。，、]?|[A-Za-z0-9&·().,:-]{1,6}")


def orphans(decoded_lines: list[str], whole: set[str]) -> list[str]:
    """Decoded lines that are orphans, except texts that are short by themselves (the number,
    a two-character service name, a feed)."""
    return [line for line in decoded_lines if line.strip() not in whole and ORPHAN.fullmatch(line.strip())]


@pytest.mark.parametrize("paper", [58, 80])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_ticket_line_is_an_orphan_character_or_word(paper, lang):
    """The demo hall printed "1. 不动产权证书或房屋所有权证原" over a lone "件", and the English
    footer's "Help:" over a lone "12345": the break moves down with it."""
    for service in DEMO.services:
        for ticket in (demo_ticket(service.id), demo_ticket(service.id, ahead=12345, priority="green")):
            decoded = decode(render(ticket, lang, paper_mm=paper))
            lines = [line.text for line in decoded.lines]
            whole = {"", ticket.number, ticket.service_name[lang], f" {T('green', lang)} ".strip()}
            assert orphans(lines, whole) == [], (service.id, lines)
            for line in decoded.lines:  # and every line still fits the paper
                assert columns(line.text) * line.style.width <= paper_columns(paper), line


def test_english_ticket_lines_break_only_between_words():
    """No word, number or hyphenated word is split ("Exit-Entry", "12345", "online-filed"):
    every word printed is a whole word of what the ticket says."""
    for service in DEMO.services:
        ticket = demo_ticket(service.id, ahead=12345)
        said = [
            ticket.number,
            ticket.hall_name["en"],
            ticket.service_name["en"],
            T("ahead", "en", n=12345),
            T("ticket_wait", "en", wait=wait_text(ticket.estimated_wait_s, "en")),
            T("ticket_issued", "en", t="2026-11-23 10:05"),
            T("ticket_materials", "en"),
            *(f"{i}. {item}" for i, item in enumerate(ticket.materials["en"], start=1)),
            T("qr_hint", "en"),
            FOOTER["en"],
        ]
        words = {word for text in said for word in text.split()}
        for paper in (58, 80):
            decoded = decode(render(ticket, "en", paper_mm=paper))
            assert [w for line in decoded.lines for w in line.text.split() if w not in words] == [], paper
            assert "Help: 12345" in unwrapped(decoded.text, " ")


@pytest.mark.parametrize(
    ("text", "width", "kwargs", "lines"),
    [
        # left-aligned: only as much moves down as the last line needs
        (
            "2. Original resident ID cards of buyer and seller",
            44,
            {},
            ("2. Original resident ID cards of buyer", "and seller"),
        ),
        ("1. 不动产权证书或房屋所有权证原件", 32, {"rest_width": 29}, ("1. 不动产权证书或房屋所有权", "证原件")),
        (
            "A missed number needs a new ticket · Help: 12345",
            48,
            {},
            ("A missed number needs a new ticket", "· Help: 12345"),
        ),
        # a centred heading is balanced, and a lone "&" goes down with its word
        ("Consultation & Guide", 16, {"balance": True}, ("Consultation", "& Guide")),
        ("Household Registration & Exit-Entry", 24, {"balance": True}, ("Household Registration", "& Exit-Entry")),
        # a number or a hyphenated word is never split
        ("前面还有 12345 人", 12, {}, ("前面还有", "12345 人")),
        ("Proof (online-filed version)", 14, {}, ("Proof", "(online-filed", "version)")),
    ],
)
def test_wrap_rebalances_instead_of_leaving_an_orphan(text, width, kwargs, lines):
    assert wrap(text, width, **kwargs) == lines
    assert all(columns(line) <= (width if i == 0 else kwargs.get("rest_width", width)) for i, line in enumerate(lines))


def test_status_url_uses_public_url_or_the_servers_address():
    assert status_url("", "ws://10.0.0.5:8765", "2026-11-23", "S001") == ("http://10.0.0.5:8765/t/2026-11-23/S001")
    assert status_url("https://hall.example.gov.cn/", "ws://x:1", "2026-11-23", "GA012") == (
        "https://hall.example.gov.cn/t/2026-11-23/GA012"
    )
    assert status_url("", "wss://hall:443", "d", "A1").startswith("https://hall:443/")


def ticket_view(number: str, service: str, **changes: object) -> p.TicketView:
    fields: dict[str, object] = {
        "id": 3,
        "number": number,
        "service": service,
        "priority": "normal",
        "state": "waiting",
        "issued_at": ISSUED,
        "called_at": None,
        "serving_at": None,
        "finished_at": None,
        "counter": None,
        "clerk": None,
        "recalls": 0,
        "putbacks": 0,
        "transfers": 0,
        "target_counter": None,
    }
    return msgspec.convert(fields | changes, p.TicketView)


def test_ticket_data_from_an_issue_answer():
    hall = typed_hall(DEMO)  # as the server sends it
    social = DEMO.service("social")
    assert social is not None
    issued = p.IssueAnswer(
        ticket=ticket_view("S003", "social", priority="green", ahead=2, estimated_wait_s=600),
        ahead=2,
        estimated_wait_s=600,
        day="2026-11-23",
    )
    data = ticket_data_from_issue(hall, issued, "ws://127.0.0.1:9000", "2026-11-22")
    assert data.number == "S003" and data.priority == "green"
    assert data.hall_name == {"zh": DEMO.hall.name.zh, "en": DEMO.hall.name.en}
    assert data.service_name == {"zh": social.name.zh, "en": social.name.en}
    assert (data.ahead, data.estimated_wait_s, data.issued_at, data.timezone) == (2, 600, ISSUED, DEMO.hall.timezone)
    base = DEMO.hall.public_url.rstrip("/") or "http://127.0.0.1:9000"
    assert data.status_url == f"{base}/t/2026-11-23/S003"  # the answer's day, not the snapshot's
    assert data.materials == {"zh": list(social.materials.zh), "en": list(social.materials.en)}
    assert data.footer == FOOTER
    # A reprint: a ticket lookup carries its figures in the ticket while it waits, and the
    # snapshot's day stands in when the answer names none.
    found = p.TicketAnswer(ticket=ticket_view("S003", "social", ahead=1, estimated_wait_s=300))
    again = ticket_data_from_issue(hall, found, "ws://127.0.0.1:9000", "2026-11-22")
    assert (again.ahead, again.estimated_wait_s) == (1, 300)
    assert again.status_url == f"{base}/t/2026-11-22/S003"
    called = p.TicketAnswer(ticket=ticket_view("S003", "social", state="called"), day="2026-11-23")
    assert ticket_data_from_issue(hall, called, "ws://h:1").ahead == 0
