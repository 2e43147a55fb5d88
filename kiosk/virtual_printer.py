"""A printer in software: ESC/POS bytes back into the text and a picture of the ticket.

No Python ESC/POS renderer handles Chinese, so this decodes exactly the commands hallcall's
tickets use (kiosk.escpos_codes): encoded text with its style, GS v 0 raster images, GS ( k
native QR codes, feeds and cuts.  Anything else is a DecodeError naming the byte offset, so a
layout change that emits a new command cannot slip past the tests unnoticed.

It serves the demo (``--printer virtual:DIR``), ``hallcall ticket-preview``, and the tests that
read what a ticket says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw

from .escpos_codes import CELL_DOTS, LINE_DOTS, paper_dots
from .escpos_text import columns, draw_cell_text


class DecodeError(ValueError):
    """Bytes that are not a job hallcall would send; the message gives the offset."""


@dataclass(frozen=True)
class Style:
    align: str = "left"
    bold: bool = False
    width: int = 1
    height: int = 1
    reverse: bool = False


@dataclass(frozen=True)
class TextLine:
    text: str
    style: Style


@dataclass(frozen=True)
class RasterImage:
    image: Image.Image  # mode "1", black = ink
    align: str


@dataclass(frozen=True)
class QRCode:
    payload: str
    module_dots: int
    ec_level: str


@dataclass(frozen=True)
class Feed:
    lines: int


@dataclass(frozen=True)
class Cut:
    pass


Item = TextLine | RasterImage | QRCode | Feed | Cut


@dataclass
class DecodedTicket:
    """A decoded job, in print order."""

    items: list[Item] = field(default_factory=list)
    encoding: str = ""
    chinese_mode: bool = False

    @property
    def lines(self) -> list[TextLine]:
        return [i for i in self.items if isinstance(i, TextLine)]

    @property
    def text(self) -> str:
        """The text lines, one per line (images and QR codes are not text)."""
        return "\n".join(line.text for line in self.lines)

    @property
    def images(self) -> list[RasterImage]:
        return [i for i in self.items if isinstance(i, RasterImage)]

    @property
    def qr_payloads(self) -> list[str]:
        return [i.payload for i in self.items if isinstance(i, QRCode)]

    @property
    def cuts(self) -> int:
        return sum(isinstance(i, Cut) for i in self.items)

    def describe(self) -> str:
        """A text rendering of the whole job, for the .txt file a virtual printer writes."""
        out = []
        for item in self.items:
            if isinstance(item, TextLine):
                out.append(item.text)
            elif isinstance(item, RasterImage):
                out.append(f"[image {item.image.width}x{item.image.height}]")
            elif isinstance(item, QRCode):
                out.append(f"[QR {item.payload}]")
            elif isinstance(item, Feed):
                out.extend([""] * item.lines)
            else:
                out.append("-" * 24 + " cut " + "-" * 24)
        return "\n".join(out) + "\n"


def decode(job: bytes, encoding: str | None = None) -> DecodedTicket:
    """Decode a job.  ``encoding`` is the printer's text encoding; None means: GB18030 when the
    job switches Chinese mode on (FS &), otherwise UTF-8 (ASCII-only jobs read the same)."""
    return _Decoder(job, encoding).run()


class _Decoder:
    def __init__(self, job: bytes, encoding: str | None) -> None:
        self.job = job
        self.pos = 0
        self.start = 0  # where the command being read began, for error messages
        self.style = Style()
        self.pending = bytearray()
        self.encoding = encoding
        self.result = DecodedTicket()
        self.qr_module = 3
        self.qr_ec = "L"
        self.qr_data: bytes | None = None

    def run(self) -> DecodedTicket:
        job = self.job
        while self.pos < len(job):
            self.start = self.pos
            b = job[self.pos]
            if b == 0x0A:
                self.pos += 1
                self._flush_line()
            elif b == 0x1B:
                self._esc()
            elif b == 0x1D:
                self._gs()
            elif b == 0x1C:
                self._fs()
            elif b == 0x0D:
                self.pos += 1
            elif b < 0x20:
                self._fail(f"unexpected control byte 0x{b:02x}")
            else:
                self.pending.append(b)
                self.pos += 1
        if self.pending:
            self._flush_line()
        self.result.encoding = self._encoding()
        return self.result

    def _fail(self, problem: str) -> None:
        raise DecodeError(f"byte {self.start}: {problem}")

    def _take(self, n: int) -> bytes:
        if self.pos + n > len(self.job):
            self._fail(f"command cut short (needs {n} more bytes)")
        data = self.job[self.pos : self.pos + n]
        self.pos += n
        return data

    def _encoding(self) -> str:
        if self.encoding:
            return self.encoding
        return "gb18030" if self.result.chinese_mode else "utf-8"

    def _flush_line(self) -> None:
        """End the current text line (LF, or a command that prints what is buffered); an LF
        with nothing buffered is an empty line."""
        raw = bytes(self.pending)
        self.pending.clear()
        try:
            text = raw.decode(self._encoding())
        except UnicodeDecodeError as exc:
            self._fail(f"text is not valid {self._encoding()}: {exc.reason} in {raw!r}")
        self.result.items.append(TextLine(text, self.style))

    def _restyle(self, **changes: object) -> None:
        if self.pending:  # a style change inside a line: keep the text so far with the old style
            self._flush_line()
        self.style = Style(**{**self.style.__dict__, **changes})

    def _esc(self) -> None:
        command = self._take(2)[1:2]
        if command == b"@":
            self.pending.clear()
            self.style = Style()
        elif command == b"a":
            self._restyle(
                align={0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}.get(
                    self._take(1)[0], "left"
                )
            )
        elif command == b"E":
            self._restyle(bold=bool(self._take(1)[0] & 1))
        elif command == b"d":
            lines = self._take(1)[0]
            if self.pending:
                self._flush_line()
                lines -= 1
            if lines > 0:
                self.result.items.append(Feed(lines))
        else:
            self._fail(f"unknown command ESC {command!r}")

    def _gs(self) -> None:
        command = self._take(2)[1:2]
        if command == b"!":
            n = self._take(1)[0]
            self._restyle(width=(n >> 4) + 1, height=(n & 0x0F) + 1)
        elif command == b"B":
            self._restyle(reverse=bool(self._take(1)[0] & 1))
        elif command == b"V":
            self._cut()
        elif command == b"v":
            self._raster()
        elif command == b"(":
            self._two_d_code()
        else:
            self._fail(f"unknown command GS {command!r}")

    def _fs(self) -> None:
        command = self._take(2)[1:2]
        if command == b"&":
            self.result.chinese_mode = True
        elif command == b".":
            self.result.chinese_mode = False
        else:
            self._fail(f"unknown command FS {command!r}")

    def _cut(self) -> None:
        mode = self._take(1)[0]
        if mode in (65, 66, 97, 98):  # function B/C/D: a feed amount follows
            self._take(1)
        elif mode not in (0, 1, 48, 49):
            self._fail(f"unknown cut mode {mode}")
        if self.pending:
            self._flush_line()
        self.result.items.append(Cut())

    def _raster(self) -> None:
        if self._take(1) != b"0":
            self._fail("only GS v 0 raster images are understood")
        self._take(1)  # density
        header = self._take(4)
        width_bytes = header[0] | header[1] << 8
        height = header[2] | header[3] << 8
        if width_bytes == 0 or height == 0:
            self._fail("empty raster image")
        data = self._take(width_bytes * height)
        if self.pending:
            self._flush_line()
        # Raster bits: 1 = ink.  PIL's mode "1" stores 1 = white, so invert on the way in.
        ink = Image.frombytes("1", (width_bytes * 8, height), data)
        image = Image.eval(ink.convert("L"), lambda v: 255 - v).convert("1")
        self.result.items.append(RasterImage(image, self.style.align))

    def _two_d_code(self) -> None:
        if self._take(1) != b"k":
            self._fail("only GS ( k (QR code) is understood after GS (")
        size = int.from_bytes(self._take(2), "little")
        body = self._take(size)
        if len(body) < 2 or body[0] != ord("1"):
            self._fail("only QR codes (cn = 49) are understood")
        fn, data = body[1], body[2:]
        if fn == 65:  # model
            pass
        elif fn == 67:
            self.qr_module = data[0]
        elif fn == 69:
            self.qr_ec = {48: "L", 49: "M", 50: "Q", 51: "H"}.get(data[0], "L")
        elif fn == 80:
            self.qr_data = data[1:]
        elif fn == 81:
            if self.qr_data is None:
                self._fail("QR print without stored data")
            payload = self.qr_data.decode("utf-8")
            self.result.items.append(QRCode(payload, self.qr_module, self.qr_ec))
        else:
            self._fail(f"unknown QR function {fn}")


# --- picture -------------------------------------------------------------------------------

_MARGIN = 16


def render_png(decoded: DecodedTicket, path: str | Path, paper_mm: int = 80) -> Path:
    """Draw the ticket as the printer would (203 dpi, 1 dot = 1 pixel) and save a PNG."""
    width = paper_dots(paper_mm)
    pieces: list[tuple[Image.Image, str]] = []
    for item in decoded.items:
        if isinstance(item, TextLine):
            pieces.append((_text_image(item, width), item.style.align))
        elif isinstance(item, RasterImage):
            pieces.append((item.image, item.align))
        elif isinstance(item, QRCode):
            pieces.append((_qr_image(item), "center"))
        elif isinstance(item, Feed):
            pieces.append((Image.new("1", (1, LINE_DOTS * item.lines), 1), "left"))
        else:
            pieces.append((_cut_mark(width), "left"))
    height = sum(p.height for p, _ in pieces) + 2 * _MARGIN
    page = Image.new("1", (width + 2 * _MARGIN, height), 1)
    y = _MARGIN
    for piece, where in pieces:
        x = {"left": 0, "center": (width - piece.width) // 2, "right": width - piece.width}[where]
        page.paste(piece, (_MARGIN + max(x, 0), y))
        y += piece.height
    out = Path(path)
    page.save(out)
    return out


def _text_image(line: TextLine, paper_width: int) -> Image.Image:
    style = line.style
    if not line.text:
        return Image.new("1", (1, LINE_DOTS * style.height), 1)
    image = draw_cell_text(line.text, width=style.width, height=style.height, bold=style.bold)
    if style.reverse:
        image = Image.eval(image.convert("L"), lambda v: 255 - v).convert("1")
    # The printer wraps a line wider than the paper; ours never are, but crop rather than spill.
    cells_width = columns(line.text) * CELL_DOTS * style.width
    return image.crop((0, 0, min(cells_width, paper_width) or 1, image.height))


def _qr_image(code: QRCode) -> Image.Image:
    level = {
        "L": qrcode.constants.ERROR_CORRECT_L,
        "M": qrcode.constants.ERROR_CORRECT_M,
        "Q": qrcode.constants.ERROR_CORRECT_Q,
        "H": qrcode.constants.ERROR_CORRECT_H,
    }[code.ec_level]
    qr = qrcode.QRCode(error_correction=level, box_size=code.module_dots, border=1)
    qr.add_data(code.payload)
    qr.make(fit=True)
    return qr.make_image().get_image().convert("1")


def _cut_mark(width: int) -> Image.Image:
    mark = Image.new("1", (width, LINE_DOTS), 1)
    draw = ImageDraw.Draw(mark)
    for x in range(0, width, 12):
        draw.line((x, LINE_DOTS // 2, x + 6, LINE_DOTS // 2), fill=0)
    return mark


# --- the virtual printer's folder ----------------------------------------------------------


@dataclass(frozen=True)
class StoredJob:
    bin: Path
    txt: Path
    png: Path


def store_job(folder: Path, name: str, job: bytes, paper_mm: int = 80, encoding: str | None = None) -> StoredJob:
    """Write ``name``.bin (the bytes), .txt (decoded) and .png (the picture) into ``folder``.
    A name used before gets a suffix (-2, -3 …) so a reprint never overwrites a ticket."""
    decoded = decode(job, encoding)
    folder.mkdir(parents=True, exist_ok=True)
    stem = _safe_name(name)
    candidate, n = stem, 1
    while (folder / f"{candidate}.bin").exists():
        n += 1
        candidate = f"{stem}-{n}"
    paths = StoredJob(folder / f"{candidate}.bin", folder / f"{candidate}.txt", folder / f"{candidate}.png")
    paths.bin.write_bytes(job)
    paths.txt.write_text(decoded.describe(), encoding="utf-8")
    render_png(decoded, paths.png, paper_mm)
    return paths


def _safe_name(name: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)
    return cleaned or "job"
