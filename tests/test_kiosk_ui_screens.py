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
    split_words,
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
    assert split_words(window) == []
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


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920)], ids=["landscape", "portrait"])
def test_long_service_names_fit_whole_words_in_both_languages(
    request: pytest.FixtureRequest, qtbot: Any, size: tuple[int, int]
) -> None:
    """ "Household Registration & Exit-Entry" once wrapped as "Exit-" over "Entry" on its
    button and on three lines on the confirmation: now two lines broken between words (or a
    size smaller), nothing cut, on the start and the confirmation screen, zh and en."""
    kiosk = open_kiosk(request, config=DEMO_HALL, token=DEMO_KIOSK, lang="zh")
    window = kiosk.window
    window.resize(*size)
    button = window.service_button("police")
    name = f"{size[0]}x{size[1]}"
    for lang, number in (("en", "GA001"), ("zh", "GA002")):
        window.set_lang(lang)
        qtbot.wait(50)
        check_legible(window, size)
        for service in window.start_screen.buttons.values():
            assert len(service.name.shown_text().split("\n")) <= 2, service.name.shown_text()
            assert service.name.geometry().bottom() < service.info.geometry().top()
        if lang == "en":
            assert "Exit-Entry" in button.name.shown_text()
        shoot(window, f"kiosk-long-start-{lang}-{name}")
        tap_service(qtbot, kiosk, "police")
        qtbot.waitUntil(lambda n=number: window.confirm.number.text() == n, timeout=5000)
        wait_printed(qtbot, kiosk, number)
        check_legible(window, size)
        service = window.confirm.service.shown_text().split("\n")
        assert len(service) <= 2 and (lang == "zh" or "Exit-Entry" in window.confirm.service.shown_text())
        shoot(window, f"kiosk-long-confirm-{lang}-{name}")
        tap(qtbot, window.confirm)


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920)], ids=["landscape", "portrait"])
def test_at_lunch_closed_services_say_when_they_issue_again(
    request: pytest.FixtureRequest, qtbot: Any, size: tuple[int, int]
) -> None:
    """The demo hall's lunch break: every service but pick-up is grey and says 13:30, none of
    them with a wait; at 16:45 real estate (issuing until 16:30) is closed for the day."""
    kiosk = open_kiosk(request, config=DEMO_HALL, token=DEMO_KIOSK, lang="zh")
    window, hall = kiosk.window, kiosk.hall
    window.resize(*size)
    kiosk.hall.run(_issue(kiosk.hall.url, ["social", "social", "realestate"]))
    name = f"{size[0]}x{size[1]}"
    for minutes, closed, says in (
        (150, "13:30", ("13:30 起取号", "From 13:30")),
        (255, "", ("今日已停止取号", "Closed for today")),
    ):
        hall.clock.advance(minutes * 60)  # 12:30, then 16:45
        hall.restart()  # a fresh snapshot brings the server's time
        qtbot.waitUntil(lambda: window.link.connected and abs(window.mirror.now() - hall.clock.t) < 60, timeout=8000)
        buttons = window.start_screen.buttons
        off = {sid for sid, button in buttons.items() if not button.isEnabled()}
        assert off == ({"realestate"} if not closed else set(buttons) - {"pickup"})
        for lang, text in zip(("zh", "en"), says, strict=True):
            window.set_lang(lang)
            qtbot.wait(50)
            assert {buttons[sid].info.text() for sid in off} == {text}
            check_legible(window, size)
            shoot(window, f"kiosk-closed-{minutes}-{lang}-{name}")
        assert window.mirror.services["social"].estimated_wait_s > 0  # the server's, not shown when closed


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
