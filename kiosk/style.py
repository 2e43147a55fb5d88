"""The kiosk's look: one style sheet, drawn for a 1080p touch screen read from a few metres.

Sizes are written in pixels for 1920×1080 (or 1080×1920 upright) and scaled to the screen the
kiosk really has, so a 1024×768 or 1280×1024 kiosk gets the same layout smaller instead of
labels piled on each other. Contrast is high (white on deep blue, black on light grey) and at
1080p every touch target is at least 80 px tall.
"""

from __future__ import annotations

import re

BLUE = "#0b3d91"
BLUE_PRESSED = "#072a66"
GREEN = "#1b7a3a"
AMBER = "#a85d00"
RED = "#b00020"
GREY_BG = "#eef1f5"
GREY_OFF = "#b9c0c9"
INK = "#101418"

SHEET = f"""
QWidget#kiosk, QScrollArea#deskServices > QWidget > QWidget {{ background: {GREY_BG}; color: {INK}; }}
QWidget#header {{ background: {BLUE}; }}
QLabel#hallName {{ color: white; font-size: 40px; font-weight: bold; }}
QLabel#clock {{ color: white; font-size: 40px; font-weight: bold; }}
QLabel#badge {{ background: white; color: {INK}; font-size: 26px; border-radius: 10px; padding: 8px 14px; }}
QPushButton#langButton {{
    background: white; color: {BLUE}; font-size: 32px; font-weight: bold;
    border-radius: 12px; min-height: 80px; min-width: 180px; padding: 0 20px;
}}
QPushButton#langButton:pressed {{ background: {GREY_OFF}; }}

QLabel#prompt {{ font-size: 40px; font-weight: bold; color: {INK}; }}
QPushButton#service {{ background: {BLUE}; border-radius: 18px; min-height: 170px; }}
QPushButton#service:pressed {{ background: {BLUE_PRESSED}; }}
QPushButton#service:disabled {{ background: {GREY_OFF}; }}
QLabel#serviceName {{ color: white; font-weight: bold; }}
QLabel#serviceInfo {{ color: white; }}
QLabel#serviceName[off="true"], QLabel#serviceInfo[off="true"] {{ color: #2b3038; }}

QLabel#banner {{ font-size: 32px; font-weight: bold; padding: 14px; border-radius: 10px; }}
QLabel#banner[kind="info"] {{ background: white; color: {BLUE}; }}
QLabel#banner[kind="warn"] {{ background: {AMBER}; color: white; }}
QLabel#banner[kind="error"] {{ background: {RED}; color: white; }}
QLabel#staffLine {{ font-size: 20px; color: #5a6270; }}
QPushButton#staffButton {{
    background: transparent; color: #8a929e; font-size: 20px; border: 1px solid #c8ced6;
    border-radius: 10px; min-height: 80px; min-width: 120px;
}}

QLabel#yourNumber {{ font-size: 44px; color: {INK}; }}
QLabel#bigNumber {{ font-size: 220px; font-weight: bold; color: {BLUE}; }}
QLabel#ticketService {{ font-weight: bold; color: {INK}; }}
QLabel#greenTag {{ font-size: 36px; font-weight: bold; color: white; background: {GREEN};
    border-radius: 10px; padding: 6px 18px; }}
QLabel#greenTag[kind="appointment"] {{ background: {BLUE}; }}
QLabel#ticketFact {{ font-size: 40px; color: {INK}; }}
QLabel#printState {{ font-size: 34px; font-weight: bold; padding: 12px; border-radius: 10px; }}
QLabel#printState[kind="info"] {{ color: {GREEN}; background: white; }}
QLabel#printState[kind="warn"] {{ color: white; background: {AMBER}; }}
QLabel#materialsTitle {{ font-size: 36px; font-weight: bold; color: {INK}; }}
QLabel#materials {{ font-size: 32px; color: {INK}; }}
QLabel#qrHint {{ font-size: 28px; color: {INK}; }}
QLabel#countdown {{ font-size: 28px; color: #5a6270; }}

QLabel#panelTitle {{ font-size: 40px; font-weight: bold; color: {INK}; }}
QLabel#pinShown {{ font-size: 56px; font-weight: bold; letter-spacing: 12px; background: white;
    border-radius: 10px; min-height: 90px; qproperty-alignment: AlignCenter; }}
QLabel#pinMessage {{ font-size: 30px; font-weight: bold; color: {RED}; }}
QPushButton#key {{ background: white; color: {INK}; font-size: 44px; font-weight: bold;
    border: 2px solid {GREY_OFF}; border-radius: 14px; min-height: 96px; min-width: 120px; }}
QPushButton#key:pressed {{ background: {GREY_OFF}; }}
QPushButton#codeKey {{ background: white; color: {INK}; font-size: 34px; font-weight: bold;
    border: 2px solid {GREY_OFF}; border-radius: 10px; min-height: 80px; min-width: 64px; }}
QPushButton#codeKey:pressed {{ background: {GREY_OFF}; }}
QLabel#checkInPrompt {{ font-size: 30px; color: {INK}; }}
QPushButton#action {{ background: {BLUE}; color: white; font-size: 32px; font-weight: bold;
    border-radius: 14px; min-height: 88px; padding: 0 24px; }}
QPushButton#action:pressed {{ background: {BLUE_PRESSED}; }}
QPushButton#action:disabled {{ background: {GREY_OFF}; color: #4a515c; }}
QPushButton#greenAction {{ background: {GREEN}; color: white; font-size: 32px; font-weight: bold;
    border-radius: 14px; min-height: 88px; padding: 0 24px; }}
QPushButton#greenAction:disabled {{ background: {GREY_OFF}; color: #4a515c; }}
QLabel#deskService {{ font-size: 36px; font-weight: bold; color: {INK}; }}
QLineEdit#numberEntry {{ font-size: 48px; font-weight: bold; min-height: 90px; padding: 0 16px;
    border: 2px solid {GREY_OFF}; border-radius: 10px; background: white; }}
QLabel#deskStatus {{ font-size: 32px; font-weight: bold; color: {BLUE}; }}
"""

# Font sizes of the fitted labels (kiosk/fitted_label.py): the first is the label's own, the
# others the steps down it takes when its text does not fit its width on its lines (a long
# English service name gets a size or two smaller rather than cut or broken inside a word).
FIT_STEPS = {
    "serviceName": (44, 38, 32),
    "serviceInfo": (30, 26),
    "ticketService": (56, 48, 40),
}
SHEET += "".join(
    f'QLabel#{name}[fit="{step}"] {{ font-size: {px}px; }}\n'
    for name, sizes in FIT_STEPS.items()
    for step, px in enumerate(sizes)
)


def fit_steps(object_name: str) -> int:
    """How many font sizes a fitted label with this object name may take (1: only its own)."""
    return len(FIT_STEPS.get(object_name, (0,)))


_PIXELS = re.compile(r"(\d+)px")


def sheet(scale: float = 1.0) -> str:
    """The style sheet with every pixel size multiplied by ``scale`` (1.0 = 1080p)."""
    if scale == 1.0:
        return SHEET
    return _PIXELS.sub(lambda m: f"{max(1, round(int(m.group(1)) * scale))}px", SHEET)


def screen_scale(width: int, height: int) -> float:
    """How much smaller (or larger) than the 1080p design a window of this size is."""
    base_w, base_h = (1080, 1920) if height > width else (1920, 1080)
    return max(0.4, min(1.6, width / base_w, height / base_h))
