"""What every hallcall window shares: the application object with a font that has Chinese
glyphs, and the small connection badge each screen shows.

A hall PC often has no CJK font configured as Qt's default, and a label then shows boxes;
picking an installed CJK family once here keeps the three programs consistent.
"""

from __future__ import annotations

import os
import signal
import sys

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from hallcall.i18n import Strings

from .link import HallLink

# Families tried in order: Debian's small fonts-wqy-microhei first, then Noto/Source Han,
# then what Windows and macOS ship.
CJK_FAMILIES = (
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Microsoft YaHei",
    "Microsoft YaHei UI",
    "SimHei",
    "PingFang SC",
    "Hiragino Sans GB",
)


def cjk_family() -> str:
    """The first installed font family that can show Chinese; "" when there is none."""
    installed = set(QFontDatabase.families())
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    for family in sorted(installed):
        if QFontDatabase.WritingSystem.SimplifiedChinese in QFontDatabase.writingSystems(family):
            return family
    return ""


# Qt platforms that need a running X server or Wayland compositor; "" is Qt's default on Linux.
_SCREEN_PLATFORMS = {"", "xcb", "wayland", "wayland-egl"}

NO_DISPLAY = (
    "hallcall: 没有找到显示器（DISPLAY 与 WAYLAND_DISPLAY 都未设置）。请在桌面会话中运行（加 --windowed 以窗口方式），"
    "或在没有屏幕时设置 QT_QPA_PLATFORM=offscreen。\n"
    "hallcall: no display found (neither DISPLAY nor WAYLAND_DISPLAY is set). Run it in a desktop session "
    "(add --windowed for a window instead of full screen), or with no screen at all set QT_QPA_PLATFORM=offscreen."
)


def no_display(environ: dict[str, str] | os._Environ[str] = os.environ, platform: str = sys.platform) -> bool:
    """True when Qt would need a screen this process has none of.

    Without DISPLAY or WAYLAND_DISPLAY, Qt's xcb platform aborts with a misleading "xcb-cursor0 is
    needed" even when that library is installed; checking first lets the program say what is
    really missing.  Only Linux and the like: Windows and macOS always have their own platform."""
    if platform.startswith(("win", "darwin")):
        return False
    chosen = environ.get("QT_QPA_PLATFORM", "")
    names = {part.partition(":")[0].strip() for part in chosen.split(";")}
    if not names <= _SCREEN_PLATFORMS:
        return False  # offscreen, minimal, vnc, eglfs, linuxfb …: no desktop needed
    return not environ.get("DISPLAY") and not environ.get("WAYLAND_DISPLAY")


def make_app(argv: list[str] | None = None) -> QApplication:
    """The process's QApplication (created on first call) with a CJK-capable default font; ends
    the program with a plain message when there is no screen to show it on."""
    app = QApplication.instance()
    if app is None:
        if no_display():
            raise SystemExit(NO_DISPLAY)
        app = QApplication(argv if argv is not None else sys.argv[:1])
    assert isinstance(app, QApplication)
    family = cjk_family()
    if family:
        font = QFont(family)
        font.setPointSize(max(app.font().pointSize(), 11))
        app.setFont(font)
    else:
        print("hallcall: no font with Chinese glyphs found; install fonts-wqy-microhei", file=sys.stderr)
    return app


def show_full_screen(window: QWidget) -> None:
    """Full screen on the window's screen, with or without a window manager.

    A kiosk PC often runs X with no window manager, and then Qt's full-screen request (a hint
    to the window manager) leaves the window at its own small size; giving it the screen's
    geometry first makes it cover the screen either way."""
    screen = window.screen() or QApplication.primaryScreen()
    if screen is not None:
        window.setGeometry(screen.geometry())
    window.showFullScreen()


def restyle(widget: QWidget) -> None:
    """Re-apply the style sheet after a dynamic property it selects on (``kind``, ``state``)
    changed: Qt matches property selectors only when a widget is polished."""
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


def quit_on_signals(app: QApplication) -> QTimer:
    """Make Ctrl-C and SIGTERM end the Qt event loop cleanly (the caller's ``finally`` then
    stops links and workers).  Python runs signal handlers only between bytecodes, so the
    returned timer hands it control a few times a second; keep a reference to it."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: QTimer.singleShot(0, app.quit))
    wake = QTimer()
    wake.timeout.connect(lambda: None)
    wake.start(250)
    return wake


_STATE_WORDS = Strings(
    {
        "connecting": ("正在连接…", "Connecting…"),
        "connected": ("已连接", "Connected"),
        "reconnecting": ("连接中断，正在重连…", "Connection lost, reconnecting…"),
        "refused": ("登录被拒绝", "Sign-in refused"),
        "stopped": ("已断开", "Disconnected"),
    }
)
_STATE_COLOURS = {
    "connecting": "#b8860b",
    "connected": "#1b7f3b",
    "reconnecting": "#c0392b",
    "refused": "#c0392b",
    "stopped": "#6b6b6b",
}


class ConnectionBadge(QLabel):
    """A coloured dot and a word saying whether the program reaches the server."""

    def __init__(self, link: HallLink, lang: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.link = link
        self.lang = lang
        self.setTextFormat(Qt.TextFormat.RichText)
        link.state_changed.connect(self._show)
        self._show(link.state)

    def set_lang(self, lang: str) -> None:
        self.lang = lang
        self._show(self.link.state)

    def _show(self, state: str) -> None:
        colour = _STATE_COLOURS.get(state, "#6b6b6b")
        self.setText(f'<span style="color:{colour}">●</span> {_STATE_WORDS.get(state, self.lang)}')
        self.setProperty("state", state)
