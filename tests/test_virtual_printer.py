"""The virtual printer: decoding ESC/POS bytes (ours, and python-escpos' own output for the same
commands), refusing bytes it does not understand, and drawing a legible PNG of the ticket."""

from __future__ import annotations

from pathlib import Path

import pytest
from escpos.printer import Dummy
from PIL import Image
from test_printing_ticket import demo_ticket

from hallcall.kiosk import escpos_codes as codes
from hallcall.kiosk.escpos_text import cjk_font_path, draw_cell_text
from hallcall.kiosk.printer import TicketPrinter
from hallcall.kiosk.ticket import render
from hallcall.kiosk.virtual_printer import DecodeError, decode, render_png
from hallcall.printer_spec import parse_spec

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "build" / "screenshots"


def test_decodes_styles_per_line():
    job = (
        codes.INIT
        + codes.CHINESE_ON
        + codes.align("center")
        + codes.bold(True)
        + "大厅".encode("gb18030")
        + codes.LF
        + codes.size(3, 3)
        + b"A001\n"
        + codes.size(1, 1)
        + codes.bold(False)
        + codes.align("left")
        + "请带身份证。".encode("gb18030")
        + codes.LF
        + codes.feed(2)
        + codes.CUT
    )
    decoded = decode(job)
    assert decoded.encoding == "gb18030" and decoded.chinese_mode
    assert [(line.text, line.style.align, line.style.bold, line.style.width) for line in decoded.lines] == [
        ("大厅", "center", True, 1),
        ("A001", "center", True, 3),
        ("请带身份证。", "left", False, 1),
    ]
    assert decoded.cuts == 1
    assert "-- cut --" in decoded.describe().replace("-" * 24 + " cut " + "-" * 24, "-- cut --")


def test_matches_python_escpos_for_qr_and_raster():
    """Our QR and raster commands read the same as the library's, so a job built either way decodes."""
    library = Dummy()
    library.qr("http://10.0.0.5:8765/t/2026-11-23/A001", native=True, size=6, ec=1)
    ours = codes.qr_native("http://10.0.0.5:8765/t/2026-11-23/A001", 6, "M")
    assert library.output == ours
    decoded = decode(library.output)
    assert decoded.qr_payloads == ["http://10.0.0.5:8765/t/2026-11-23/A001"]
    assert decoded.items[0].module_dots == 6 and decoded.items[0].ec_level == "M"

    image = draw_cell_text("取号", bold=True)
    library = Dummy()
    library.image(image.convert("RGB"), impl="bitImageRaster")
    assert library.output == codes.raster(image)
    back = decode(library.output).images[0].image
    assert back.crop((0, 0, image.width, image.height)).tobytes() == image.tobytes()


@pytest.mark.parametrize(
    ("job", "words"),
    [
        (b"\x1b@\x1bZ", "byte 2: unknown command ESC"),
        (b"\x1b@\x1dv0\x00\x10\x00\x10\x00\xff", "cut short"),
        (b"\x1b@\x07", "control byte 0x07"),
        (b"\x1b@\xc7\xe0\n", "not valid utf-8"),  # GB bytes without FS & and no encoding given
        (b"\x1d(k\x03\x001Q0", "QR print without stored data"),
    ],
)
def test_refuses_bytes_it_does_not_understand(job, words):
    with pytest.raises(DecodeError, match=words):
        decode(job)


def test_gbk_job_decodes_with_the_printers_encoding():
    job = codes.INIT + "社会保障".encode("gbk") + codes.LF
    assert decode(job, "gbk").text == "社会保障"


def test_cjk_font_is_installed_and_draws_chinese():
    font = cjk_font_path()
    assert Path(font).is_file()
    zhong, guo = draw_cell_text("中"), draw_cell_text("国")
    assert zhong.tobytes() != guo.tobytes()
    assert zhong.size == (24, 24) and draw_cell_text("A").size == (12, 24)
    ink = zhong.histogram()[0]  # black dots
    assert 40 < ink < 300  # a glyph, not an empty cell or a filled box


@pytest.mark.parametrize(
    ("lang", "paper", "encoding"),
    [("zh", 80, "gb18030"), ("en", 80, "gb18030"), ("zh", 58, "gb18030"), ("zh", 80, "image")],
)
def test_png_of_a_ticket(lang, paper, encoding):
    job = render(demo_ticket("realestate", priority="green"), lang, paper_mm=paper, encoding=encoding)
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = render_png(decode(job), SHOTS / f"ticket-{lang}-{paper}mm-{encoding}.png", paper)
    image = Image.open(path)
    assert image.width == codes.paper_dots(paper) + 32
    assert 500 < image.height < 1400
    # The hall name line, drawn where the PNG puts it, has the same dots as the glyphs alone.
    name = demo_ticket().hall_name[lang]
    expected = draw_cell_text(name if paper == 80 or lang == "zh" else name.split()[0], bold=True)
    assert _contains(image.convert("1"), expected)


def _contains(page: Image.Image, piece: Image.Image) -> bool:
    """Whether ``piece`` appears in the first rows of ``page`` at some x (text is centred)."""
    band = page.crop((0, 16, page.width, 16 + piece.height))
    target = piece.tobytes()
    for x in range(0, page.width - piece.width + 1):
        if band.crop((x, 0, x + piece.width, piece.height)).tobytes() == target:
            return True
    return False


def test_virtual_printer_writes_bin_txt_png_and_never_overwrites(tmp_path):
    job = render(demo_ticket(), "zh")
    printer = TicketPrinter(parse_spec(f"virtual:{tmp_path / 'out'}"), paper_mm=80)
    first = printer.print_job(job, name="S012")
    second = printer.print_job(job, name="S012")
    third = printer.print_job(job)
    assert first.ok and second.ok and third.ok
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == sorted(f"{stem}.{ext}" for stem in ("S012", "S012-2", "job-0003") for ext in ("bin", "txt", "png"))
    assert (tmp_path / "out" / "S012.bin").read_bytes() == job
    text = (tmp_path / "out" / "S012.txt").read_text(encoding="utf-8")
    assert "S012" in text and "社会保障" in text and "[QR http://192.168.100.200:8765/t/2026-11-23/S012]" in text
    assert printer.status().state == "ok"


def test_virtual_printer_reports_a_job_it_cannot_read(tmp_path):
    printer = TicketPrinter(parse_spec(f"virtual:{tmp_path}"))
    result = printer.print_job(b"\x1b@\x1bZ")
    assert (result.ok, result.state) == (False, "error")
    assert "unknown command" in result.detail


def test_virtual_printer_folder_that_cannot_be_made(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = TicketPrinter(parse_spec(f"virtual:{blocker}/sub")).print_job(render(demo_ticket(), "zh"))
    assert (result.ok, result.state) == (False, "error")
    assert str(blocker) in result.detail
