"""The few ESC/POS commands a ticket needs, as bytes, and the meaning of status answers.

The ticket layout and the virtual printer's decoder both use these names, so what we emit and
what we decode cannot drift apart.  Only commands that thermal ticket printers from Epson and
the common Chinese makers (Xprinter, Rongta, HPRT, GP) agree on are used.
"""

from __future__ import annotations

from dataclasses import dataclass

from escpos.image import EscposImage
from PIL import Image

ESC = b"\x1b"
GS = b"\x1d"
FS = b"\x1c"
DLE = b"\x10"
EOT = b"\x04"
LF = b"\n"

INIT = ESC + b"@"
# FS &: the printer's two-byte (Chinese) character mode.  Chinese printers start in it, but a
# previous job or the front-panel settings may have left it off; GB18030/GBK text needs it.
CHINESE_ON = FS + b"&"

# Paper widths in printable dots at 203 dpi, and columns of the 12-dot Font A.
PAPER_DOTS = {58: 384, 80: 576}
CELL_DOTS = 12  # Font A: an ASCII character is 12 x 24 dots, a Chinese one 24 x 24
LINE_DOTS = 24


def paper_dots(paper_mm: int) -> int:
    """Printable width in dots; only the two common ticket widths exist in practice."""
    try:
        return PAPER_DOTS[paper_mm]
    except KeyError:
        raise ValueError(f"paper width {paper_mm} mm is not supported (use 58 or 80)") from None


def paper_columns(paper_mm: int) -> int:
    return paper_dots(paper_mm) // CELL_DOTS


def align(where: str) -> bytes:
    """ESC a n: 0 left, 1 centre, 2 right; applies to text and raster images alike."""
    return ESC + b"a" + bytes([{"left": 0, "center": 1, "right": 2}[where]])


def bold(on: bool) -> bytes:
    return ESC + b"E" + bytes([1 if on else 0])


def reverse(on: bool) -> bytes:
    """GS B n: white on black, used for the green-channel mark."""
    return GS + b"B" + bytes([1 if on else 0])


def size(width: int, height: int) -> bytes:
    """GS ! n: character magnification, 1-8 in each direction."""
    if not (1 <= width <= 8 and 1 <= height <= 8):
        raise ValueError(f"character size {width}x{height} is outside 1-8")
    return GS + b"!" + bytes([((width - 1) << 4) | (height - 1)])


def feed(lines: int) -> bytes:
    """ESC d n: print what is buffered and feed n lines."""
    return ESC + b"d" + bytes([lines])


# GS V 66 n: feed to the cutter, then a partial cut (leaves a hinge so tickets do not fall).
CUT = GS + b"V" + bytes([66, 0])


def raster(image: Image.Image) -> bytes:
    """GS v 0: a 1-bit raster image, black where the image is dark."""
    escpos_image = EscposImage(image)
    header = GS + b"v0" + bytes([0]) + _u16(escpos_image.width_bytes) + _u16(escpos_image.height)
    return header + escpos_image.to_raster_format()


def qr_native(payload: str, module_dots: int, ec_level: str = "M") -> bytes:
    """GS ( k: let the printer draw the QR code (model 2); a few dozen bytes instead of kilobytes."""
    data = payload.encode("ascii")
    ec = {"L": 48, "M": 49, "Q": 50, "H": 51}[ec_level]
    return (
        _qr_function(65, bytes([50, 0]))  # model 2
        + _qr_function(67, bytes([module_dots]))
        + _qr_function(69, bytes([ec]))
        + _qr_function(80, b"0" + data)  # store
        + _qr_function(81, b"0")  # print
    )


def _qr_function(fn: int, data: bytes) -> bytes:
    return GS + b"(k" + _u16(len(data) + 2) + b"1" + bytes([fn]) + data


def _u16(n: int) -> bytes:
    return bytes([n & 0xFF, (n >> 8) & 0xFF])


# --- real-time status (DLE EOT n) ---------------------------------------------------------
# All three asked at once; a printer answers each with one byte, in order, even while busy.
STATUS_QUERY = DLE + EOT + b"\x01" + DLE + EOT + b"\x02" + DLE + EOT + b"\x04"
STATUS_ANSWER_BYTES = 3


@dataclass(frozen=True)
class PrinterStatus:
    """What the printer said about itself, reduced to the states a kiosk acts on."""

    state: str  # "ok" | "paper_low" | "paper_out" | "offline"
    detail: str


def _is_status_byte(b: int) -> bool:
    # Every DLE EOT answer has bit 1 and bit 4 set and bits 0 and 7 clear.
    return b & 0b1001_0011 == 0b0001_0010


def parse_status(answer: bytes) -> PrinterStatus:
    """Turn the three answer bytes (printer, offline cause, paper sensor) into a state.

    Raises ValueError for bytes that are not a status answer, so line noise is never read as
    "paper OK"."""
    if len(answer) != STATUS_ANSWER_BYTES or not all(_is_status_byte(b) for b in answer):
        raise ValueError(f"not a status answer: {answer.hex(' ')}")
    printer, cause, paper = answer
    if paper & 0x60 or cause & 0x20:
        return PrinterStatus("paper_out", "printer out of paper")
    if printer & 0x08:
        if cause & 0x04:
            reason = "cover open"
        elif cause & 0x40:
            reason = "printer error (cutter or head)"
        else:
            reason = "offline"
        return PrinterStatus("offline", f"printer offline: {reason}")
    if paper & 0x0C:
        return PrinterStatus("paper_low", "printer paper running low")
    return PrinterStatus("ok", "printer ready")
