"""The kiosk's screens at a hall's real sizes, in both languages: big type, big touch targets,
nothing cut off.  Saves screenshots to build/screenshots/kiosk-*.png for a person to look at."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import ROOT
from test_kiosk_ui_support import (
    clipped_labels,
    open_kiosk,
    shoot,
    tap,
    tap_service,
    wait_printed,
)

from hallcall.client import HallClient

pytestmark = pytest.mark.timeout(60)

DEMO_HALL = ROOT / "assets" / "demo-hall.toml"
DEMO_KIOSK = "demo-kiosk-1-7f3a9c21e4b0"


async def _issue(url: str, services: list[str]) -> None:
    client = HallClient(url)
    await client.connect()
    await client.hello("kiosk", token=DEMO_KIOSK)
    for service in services:
        await client.request("issue", service=service)
    await client.close()


def check_legible(window: Any, size: tuple[int, int], scale: float = 1.0) -> None:
    """Fits the screen, nothing cut off, and (at 1080p, scale 1) type and targets big enough;
    a smaller kiosk screen gets the same layout scaled down by ``scale``."""
    assert (window.width(), window.height()) == size, "the screens do not fit the screen"
    assert clipped_labels(window) == []
    for button in window.start_screen.buttons.values():
        if button.isVisible():
            assert button.height() >= 80 * scale and button.width() >= 80 * scale
            assert button.name.font().pixelSize() >= int(28 * scale)
    assert window.header.lang_button.height() >= int(80 * scale)


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920)], ids=["landscape", "portrait"])
def test_screens_are_legible_in_both_languages(
    request: pytest.FixtureRequest, qtbot: Any, size: tuple[int, int]
) -> None:
    kiosk = open_kiosk(request, config=DEMO_HALL, token=DEMO_KIOSK, lang="zh")
    window = kiosk.window
    window.resize(*size)
    kiosk.hall.run(_issue(kiosk.hall.url, ["social", "social", "medical", "tax", "tax", "tax", "business"]))
    info = window.service_button("tax").info
    qtbot.waitUntil(lambda: "3" in info.text(), timeout=5000)
    name = f"{size[0]}x{size[1]}"
    for lang in ("zh", "en"):
        window.set_lang(lang)
        qtbot.wait(50)
        check_legible(window, size)
        shoot(window, f"kiosk-start-{lang}-{name}")

    for lang, number in (("zh", "S003"), ("en", "S004")):
        window.set_lang(lang)
        tap_service(qtbot, kiosk, "social")
        qtbot.waitUntil(lambda n=number: window.confirm.number.text() == n, timeout=5000)
        wait_printed(qtbot, kiosk, number)
        assert window.confirm.number.font().pixelSize() >= 150
        check_legible(window, size)
        shoot(window, f"kiosk-confirm-{lang}-{name}")
        tap(qtbot, window.confirm)


@pytest.mark.parametrize("size", [(1024, 768), (1280, 1024)], ids=["1024x768", "1280x1024"])
def test_older_kiosk_screens_get_the_layout_scaled_down(
    request: pytest.FixtureRequest, qtbot: Any, size: tuple[int, int]
) -> None:
    kiosk = open_kiosk(request, config=DEMO_HALL, token=DEMO_KIOSK, lang="zh")
    window = kiosk.window
    window.resize(*size)
    qtbot.waitUntil(lambda: window.service_button("social").isEnabled(), timeout=5000)
    assert window.scale == pytest.approx(size[0] / 1920, abs=0.01)
    name = f"{size[0]}x{size[1]}"
    for lang in ("zh", "en"):
        window.set_lang(lang)
        qtbot.wait(50)
        check_legible(window, size, window.scale)
        assert window.header.height() < size[1] / 8, "the header must not eat the screen"
        shoot(window, f"kiosk-start-{lang}-{name}")
    tap_service(qtbot, kiosk, "social")
    qtbot.waitUntil(lambda: window.confirm.number.text() == "S001", timeout=5000)
    check_legible(window, size, window.scale)
    shoot(window, f"kiosk-confirm-{name}")
