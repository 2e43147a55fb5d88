"""A queue ticket laid out as one complete ESC/POS print job.

The layout is fixed here so that every kiosk in a hall prints the same ticket: hall name, the
number as large as the paper allows, the service, people ahead and the estimated wait, the time,
the materials to bring ("one-time notification"), a QR code to the ticket's status page, and the
hall's footer.  Text goes out in the printer's own encoding; a line that encoding cannot carry
(or every non-ASCII line, in "image" mode) is drawn as a narrow 1-bit image instead.

A slow serial printer must still print a ticket in about a second, so the job has a byte budget
(:data:`TEXT_BUDGET` / :data:`IMAGE_BUDGET`).  The materials list is the only part that can
grow without bound; when the whole list would bust the budget, the ticket prints as many
materials as fit and one line saying how many more there are.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import qrcode
from msgspec import UNSET
from PIL import Image, ImageOps

from hallcall import protocol as p
from hallcall.config import Names
from hallcall.i18n import name_in, other_lang

from . import escpos_codes as codes
from .escpos_text import check_encoding, draw_cell_text, encode, trim_width, wrap
from .text import T, wait_line

# Bytes a ticket may take when its text travels as text: 600 for Chinese (the issue's limit,
# 0.6 s at 9600 baud); English spends about twice the bytes on the same words, and 960 bytes
# still print within a second at 9600 baud.
TEXT_BUDGET = {"zh": 600, "en": 960}
IMAGE_BUDGET = 12 * 1024  # bytes: a ticket whose Chinese travels as images
QR_MODES = ("native", "image", "none")


@dataclass(frozen=True)
class TicketData:
    """Everything printed on one ticket, in both languages where it is words."""

    hall_name: dict[str, str]  # {"zh","en"}
    number: str  # "S001"
    service_name: dict[str, str]
    ahead: int
    estimated_wait_s: int
    issued_at: float  # epoch seconds
    timezone: str  # IANA, from snapshot hall.timezone
    materials: dict[str, list[str]]  # {"zh":[…],"en":[…]}
    status_url: str  # goes into the QR code
    footer: dict[str, str]
    priority: str = "normal"  # "green" / "appointment" print a 绿色通道 / 预约 mark
    counter_hint: str = ""  # optional, e.g. "5号窗口" / "Counter 5"


@dataclass(frozen=True)
class _Line:
    text: str
    align: str = "left"
    bold: bool = False
    width: int = 1
    height: int = 1
    reverse: bool = False
    indent: int = 0  # columns before each wrapped continuation line


@dataclass(frozen=True)
class _QR:
    payload: str


@dataclass(frozen=True)
class _Feed:
    lines: int


_Block = _Line | _QR | _Feed


def render(
    ticket: TicketData, lang: str, *, paper_mm: int = 80, encoding: str = "gb18030", qr: str = "native"
) -> bytes:
    """The complete ESC/POS job for ``ticket`` in ``lang``: initialise … cut.

    Raises ValueError for a paper width, encoding, QR mode or language we do not know."""
    if lang not in ("zh", "en"):
        raise ValueError(f"ticket language {lang!r} is not zh or en")
    if qr not in QR_MODES:
        raise ValueError(f"QR mode {qr!r} is not one of {', '.join(QR_MODES)}")
    check_encoding(encoding)
    codes.paper_dots(paper_mm)
    materials = ticket.materials.get(lang) or ticket.materials.get(other_lang(lang)) or []
    job = b""
    # Fewer and fewer materials until the job fits; with none left it prints regardless.
    for shown in range(len(materials), -1, -1):
        encoder = _Encoder(paper_mm, encoding, qr)
        job = encoder.encode(_layout(ticket, lang, paper_mm, qr, materials, shown))
        # A job carrying images (image mode, an image QR code, or a line the encoding could
        # not carry) gets the image budget.
        budget = IMAGE_BUDGET if encoder.images else TEXT_BUDGET[lang]
        if len(job) <= budget:
            break
    return job


def _layout(ticket: TicketData, lang: str, paper_mm: int, qr: str, materials: list[str], shown: int) -> list[_Block]:
    blocks: list[_Block] = [
        _Line(name_in(ticket.hall_name, lang), align="center", bold=True),
        _Feed(1),
    ]
    if ticket.priority in ("green", "appointment"):
        blocks.append(_Line(f" {T(ticket.priority, lang)} ", align="center", width=2, height=2, reverse=True))
    magnify = _number_magnification(ticket.number, paper_mm)
    blocks.append(_Line(ticket.number, align="center", bold=True, width=magnify, height=magnify))
    blocks.append(_Line(name_in(ticket.service_name, lang), align="center", bold=True, width=2, height=2))
    if ticket.counter_hint:
        blocks.append(_Line(T("ticket_counter", lang, hint=ticket.counter_hint), align="center"))
    blocks.append(_Feed(1))
    blocks.append(_Line(T("ahead", lang, n=ticket.ahead) if ticket.ahead > 0 else T("ticket_next", lang)))
    if ticket.estimated_wait_s > 0:
        # The same words as the kiosk's screen: "about 5 h 28 min", not "about 328 min".
        blocks.append(_Line(wait_line(ticket.estimated_wait_s, lang, "ticket_wait")))
    blocks.append(_Line(T("ticket_issued", lang, t=_local_time(ticket.issued_at, ticket.timezone))))
    if materials:
        blocks.append(_Line(T("ticket_materials", lang), bold=True))
        blocks += [_Line(f"{i}. {item}", indent=len(f"{i}. ")) for i, item in enumerate(materials[:shown], start=1)]
        if shown < len(materials):
            blocks.append(_Line(T("ticket_more_materials", lang, n=len(materials) - shown)))
    if qr != "none" and ticket.status_url:
        blocks += [_Feed(1), _QR(ticket.status_url), _Line(T("qr_hint", lang), align="center")]
    footer = name_in(ticket.footer, lang)
    if footer:
        blocks += [_Feed(1), _Line(footer, align="center", bold=True)]
    return blocks


def _number_magnification(number: str, paper_mm: int) -> int:
    """As large as the paper allows, up to 6x (about 18 mm tall at 80 mm paper)."""
    fits = codes.paper_columns(paper_mm) // max(len(number), 1)
    return max(1, min(6, fits))


def _local_time(epoch: float, timezone: str) -> str:
    return dt.datetime.fromtimestamp(epoch, zoneinfo.ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


class _Encoder:
    """Turns layout blocks into bytes, sending a style command only when the style changes."""

    def __init__(self, paper_mm: int, encoding: str, qr: str) -> None:
        self.paper_mm = paper_mm
        self.encoding = encoding
        self.qr = qr
        self.style: tuple[str, bool, int, int, bool] = ("left", False, 1, 1, False)
        self.images = 0  # raster images emitted so far

    def encode(self, blocks: list[_Block]) -> bytes:
        out = bytearray(codes.INIT)
        if self.encoding in ("gb18030", "gbk"):
            out += codes.CHINESE_ON
        for block in blocks:
            out += b"".join(self._block(block))
        out += codes.CUT
        return bytes(out)

    def _block(self, block: _Block) -> Iterator[bytes]:
        if isinstance(block, _Feed):
            yield codes.feed(block.lines)
        elif isinstance(block, _QR):
            yield self._set_style(_Line("", align="center"))
            yield self._qr(block.payload)
        else:
            yield self._set_style(block)
            for piece in _wrap_indented(block, codes.paper_columns(self.paper_mm) // block.width):
                encoded = encode(piece, self.encoding)
                if encoded is not None:
                    yield encoded + codes.LF
                else:
                    self.images += 1
                    yield codes.raster(_line_image(piece, block))

    def _set_style(self, line: _Line) -> bytes:
        old_align, old_bold, old_w, old_h, old_rev = self.style
        out = b""
        if line.align != old_align:
            out += codes.align(line.align)
        if line.bold != old_bold:
            out += codes.bold(line.bold)
        if (line.width, line.height) != (old_w, old_h):
            out += codes.size(line.width, line.height)
        if line.reverse != old_rev:
            out += codes.reverse(line.reverse)
        self.style = (line.align, line.bold, line.width, line.height, line.reverse)
        return out

    def _qr(self, payload: str) -> bytes:
        module_dots = 6 if self.paper_mm == 80 else 5
        if self.qr == "native":
            return codes.qr_native(payload, module_dots) + codes.LF
        # 4-dot (0.5 mm) modules: still easy for a phone, and a third fewer bytes than 5.
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=4, border=1)
        code.add_data(payload)
        code.make(fit=True)
        self.images += 1
        return codes.raster(code.make_image().get_image().convert("1"))


def _wrap_indented(line: _Line, width: int) -> list[str]:
    """Wrap ``line``; continuation lines start ``indent`` columns in (under the item's text).
    A centred line is balanced (no "Consultation &" over a lone "Guide")."""
    first, *rest = wrap(line.text, width, width - line.indent, balance=line.align == "center")
    pad = " " * line.indent
    return [first, *(pad + piece for piece in rest)]


def _line_image(text: str, line: _Line) -> Image.Image:
    """A line the printer cannot print as text, drawn as it would have printed it."""
    image = draw_cell_text(text, width=line.width, height=line.height, bold=line.bold)
    if line.reverse:
        return ImageOps.invert(image.convert("L")).convert("1")
    # A left-aligned line keeps its left edge so it lines up with the text lines around it.
    trimmed = trim_width(image)
    if line.align == "left":
        return image.crop((0, 0, trimmed.width + _ink_left(image), image.height))
    return trimmed


def _ink_left(image: Image.Image) -> int:
    box = ImageOps.invert(image.convert("L")).getbbox()
    return box[0] if box else 0


# --- from the server's answer to the ticket ------------------------------------------------


def status_url(public_url: str, ws_url: str, day: str, number: str, key: str = "") -> str:
    """The ticket's status page: ``<base>/t/<day>/<number>``, base = the hall's public_url, or
    the server's own address when the hall leaves it empty; ``?k=<key>`` with the ticket's key
    from the server (only this printed link lets its holder evaluate the service)."""
    base = public_url.rstrip("/")
    if not base:
        parts = urlsplit(ws_url)
        scheme = "https" if parts.scheme == "wss" else "http"
        base = f"{scheme}://{parts.netloc}"
    return f"{base}/t/{quote(day)}/{quote(number)}" + (f"?k={quote(key)}" if key else "")


def ticket_data_from_issue(
    hall: p.HallView, answer: p.IssueAnswer | p.TicketAnswer, ws_url: str, day: str = ""
) -> TicketData:
    """A TicketData from the hall (the snapshot's) and the answer to an ``issue`` request, or
    to a ``ticket`` lookup for a reprint.

    An issue answer carries the figures printed on the ticket (people ahead, the estimated
    wait) and the ticket's day; a lookup carries them in the ticket while it waits, and
    ``day`` (the snapshot's) stands in when it names no day.  The hall name, time zone,
    materials and footer are the hall's, as the server sends them."""
    t = answer.ticket
    if isinstance(answer, p.IssueAnswer):
        ahead, wait, day = answer.ahead, answer.estimated_wait_s, answer.day
    else:
        ahead = t.ahead if t.ahead is not UNSET else 0
        wait = t.estimated_wait_s if t.estimated_wait_s is not UNSET else 0
        day = answer.day if answer.day is not UNSET and answer.day else day
    service = next((s for s in hall.services if s.id == t.service), None)
    materials = service.materials if service else p.Materials(zh=[], en=[])
    return TicketData(
        hall_name=_both(hall.name),
        number=t.number,
        service_name=_both(service.name) if service else {"zh": t.service, "en": t.service},
        ahead=ahead,
        estimated_wait_s=wait,
        issued_at=t.issued_at,
        timezone=hall.timezone,
        materials={"zh": list(materials.zh), "en": list(materials.en)},
        status_url=status_url(hall.public_url, ws_url, day, t.number, answer.status_key or "") if day else "",
        footer=_both(hall.kiosk.footer),
        priority=t.priority,
    )


def _both(names: Names) -> dict[str, str]:
    return {"zh": names.zh, "en": names.en}
