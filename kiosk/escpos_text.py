"""Text for a ticket printer: encode it ourselves, measure it in printer columns, wrap it,
and draw it as a 1-bit image when the printer cannot print it as text.

python-escpos' own encoder has no GB18030/GBK code page and turns Chinese punctuation into
"?" (see docs/printing.md), so text is encoded here with the encoding the hall configured and
sent raw.  A line the encoding cannot carry is drawn as an image instead: nothing is ever
replaced by "?".
"""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from .escpos_codes import CELL_DOTS, LINE_DOTS
from .line_breaks import break_lines

ENCODINGS = ("gb18030", "gbk", "utf-8", "image")  # "image": only ASCII travels as text

# Where Debian, Windows and macOS keep a font with Chinese glyphs, tried after fontconfig.
_KNOWN_CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
    "/System/Library/Fonts/PingFang.ttc",
)


class NoCJKFontError(RuntimeError):
    """No font with Chinese glyphs is installed; images of Chinese text would be empty boxes."""


@functools.cache
def cjk_font_path() -> str:
    """A font file that has Chinese glyphs: fontconfig's answer first, then known paths."""
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", "WenQuanYi Micro Hei:lang=zh-cn"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        found = ""
    candidates = [found] if found else []
    candidates += list(_KNOWN_CJK_FONTS)
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and _has_chinese(candidate):
            return candidate
    raise NoCJKFontError("no font with Chinese glyphs found; install one (Debian: apt-get install fonts-wqy-microhei)")


def _has_chinese(path: str) -> bool:
    font = ImageFont.truetype(path, LINE_DOTS)
    # A font without these glyphs draws its .notdef box for both, so the two look the same.
    return bytes(font.getmask("中")) != bytes(font.getmask("国"))


@functools.cache
def cjk_font(pixel_size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(cjk_font_path(), pixel_size)


def check_encoding(encoding: str) -> str:
    if encoding not in ENCODINGS:
        raise ValueError(f"printer encoding {encoding!r} is not one of {', '.join(ENCODINGS)}")
    return encoding


def encode(text: str, encoding: str) -> bytes | None:
    """The bytes of ``text`` in the printer's encoding, or None when it cannot carry every
    character (the caller then prints the line as an image).  "image" carries ASCII only."""
    codec = "ascii" if encoding == "image" else encoding
    try:
        return text.encode(codec)
    except UnicodeEncodeError:
        return None


def char_columns(ch: str) -> int:
    """Columns a character takes on the printer: one for a single-byte character, two for any
    other (the printer draws every multi-byte character from its 24-dot Chinese font)."""
    return 1 if ch.isascii() else 2


def columns(text: str) -> int:
    return sum(char_columns(ch) for ch in text)


@functools.lru_cache(maxsize=1024)  # a ticket cut to its byte budget wraps the same lines again
def wrap(text: str, width: int, rest_width: int | None = None, *, balance: bool = False) -> tuple[str, ...]:
    """Break ``text`` into lines of at most ``width`` columns (``rest_width`` after the first,
    under a hanging indent) by the kiosk's one line-breaking rule (:mod:`.line_breaks`):
    between words for Latin text, between Chinese characters but never before closing
    punctuation, and no orphan of a character or a short word on the last line; ``balance``
    evens the lines out (a centred heading)."""
    if min(width, width if rest_width is None else rest_width) < 2:
        raise ValueError("wrap width must be at least 2 columns")
    return tuple(break_lines(text, columns, width, rest_width, balance=balance))


def draw_cell_text(text: str, *, width: int = 1, height: int = 1, bold: bool = False) -> Image.Image:
    """Draw ``text`` as the printer would: on its grid of 12 x 24 dot cells (24 x 24 for
    Chinese), magnified ``width`` x ``height``.  Mode "1", black ink on white.

    The virtual printer draws text lines with this, and image-mode tickets print lines drawn
    by it, so a ticket looks the same whichever way its Chinese travelled."""
    font = cjk_font(_GLYPH_PX)
    cells = columns(text)
    canvas = Image.new("L", (max(cells, 1) * CELL_DOTS, LINE_DOTS), 255)
    x = 0
    for ch in text:
        cell_w = char_columns(ch) * CELL_DOTS
        if not ch.isspace():
            glyph = _glyph(font, ch, cell_w, bold)
            canvas.paste(glyph, (x, 0))
        x += cell_w
    if (width, height) != (1, 1):
        canvas = canvas.resize((canvas.width * width, canvas.height * height), Image.Resampling.NEAREST)
    return canvas.point(lambda v: 0 if v < 128 else 255, mode="1")


# Glyph size and baseline that keep Chinese glyphs and Latin descenders inside a 24-dot cell.
_GLYPH_PX = 22
_GLYPH_Y = -2


def _glyph(font: ImageFont.FreeTypeFont, ch: str, cell_w: int, bold: bool) -> Image.Image:
    left, _top, right, _bottom = font.getbbox(ch)
    ink_w = max(right - left, 1)
    image = Image.new("L", (max(ink_w, cell_w), LINE_DOTS), 255)
    draw = ImageDraw.Draw(image)
    offset_x = (image.width - ink_w) // 2 - left
    draw.text((offset_x, _GLYPH_Y), ch, font=font, fill=0)
    if bold:  # like the printer's emphasised mode: the same glyph again, one dot to the right
        draw.text((offset_x + 1, _GLYPH_Y), ch, font=font, fill=0)
    if image.width > cell_w:  # a wide Latin glyph (M, W) is squeezed into its cell
        image = image.resize((cell_w, LINE_DOTS), Image.Resampling.LANCZOS)
    return image


def trim_width(image: Image.Image) -> Image.Image:
    """Cut white columns from both sides: an image line costs bytes per dot of width."""
    box = Image.eval(image.convert("L"), lambda v: 255 - v).getbbox()
    if box is None:
        return image.crop((0, 0, 8, image.height))
    return image.crop((box[0], 0, box[2], image.height))
