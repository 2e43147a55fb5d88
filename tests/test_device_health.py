"""Device health: a kiosk, display or pad absent in opening hours is a supervision warning that
counters and supervisors see; device faults and absences are in /metrics; a hall without
``public_url`` is warned about by check-config and the server's start.

Real server on 127.0.0.1 (in process with a hand-moved clock, or as ``hallcall server``), real
websocket clients, the counter's own warning lines."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from browser import browser_fixture, page_fixture, sign_in, signed_in  # noqa: F401  (fixtures by name)
from conftest import (
    DISPLAY_1F,
    DISPLAY_2F,
    KIOSK,
    PAD_1,
    TEST_HALL,
    Hall,
    LiveHall,
    _running,
    collect,
    config_with,
    seed_clerks,
    wait_for,
)
from playwright.sync_api import Page, expect

from hallcall import protocol as p
from hallcall.counter.state import CounterState
from hallcall.counter.warning_lines import warning_lines
from hallcall.server.app import database_path
from hallcall.server.child import start_server
from hallcall.server.storage import Storage

ABSENT_S = 10 * 60  # [supervision] device_absent_minutes, by default
CONFIGURED = {KIOSK["device"], DISPLAY_1F["device"], DISPLAY_2F["device"], PAD_1["device"]}


def metric_lines(hall: Hall, name: str) -> dict[str, float]:
    """``labels → value`` of one metric as /metrics renders it."""
    out = {}
    for line in hall.hub.metrics.render().decode().splitlines():
        if line.startswith(name + "{"):
            labels, value = line[len(name) :].rsplit(" ", 1)
            out[labels] = float(value)
    return out


@pytest.fixture
async def watched_hall(tmp_path: Path) -> AsyncIterator[Hall]:
    """The test hall with the absence warning on, after its default ten minutes."""
    config = config_with(tmp_path, "device_absent_minutes = 0", "device_absent_minutes = 10")
    async for h in _running(config, tmp_path):
        yield h


async def test_a_device_absent_in_opening_hours_is_a_warning_until_it_connects(watched_hall: Hall) -> None:
    hall = watched_hall
    sup = await hall.supervisor()
    counter = await hall.counter(1)
    heard = collect(counter)
    hall.clock.advance(ABSENT_S - 30)
    await hall.hub.check_warnings()
    assert not [k for k in hall.hub.warnings if k.startswith("device_absent:")]  # not yet
    hall.clock.advance(60)
    await hall.hub.check_warnings()
    absent = {w.device: w for w in hall.hub.warnings.values() if isinstance(w, p.DeviceAbsentWarning)}
    assert set(absent) == CONFIGURED  # none has connected since the server started
    assert absent["kiosk-1"].role == "kiosk" and absent["kiosk-1"].key == "device_absent:kiosk-1"
    # Every counter hears of it, as of a device's fault; supervisors too.
    raised = await wait_for(lambda: [e for e in heard if e.get("topic") == "warnings" and e["name"] == "raised"])
    assert {e["data"]["device"] for e in raised} == CONFIGURED
    await sup.request("snapshot")
    assert {w["key"] for w in sup.snapshot["warnings"]} >= {f"device_absent:{d}" for d in CONFIGURED}
    assert metric_lines(hall, "hallcall_warnings")['{kind="device_absent"}'] == len(CONFIGURED)
    gone = metric_lines(hall, "hallcall_device_absent_seconds")
    assert gone['{device="kiosk-1",role="kiosk"}'] == ABSENT_S + 30

    await hall.kiosk()  # the kiosk PC is switched back on
    await hall.hub.check_warnings()
    assert "device_absent:kiosk-1" not in hall.hub.warnings
    assert metric_lines(hall, "hallcall_device_absent_seconds")['{device="kiosk-1",role="kiosk"}'] == 0
    cleared = await wait_for(lambda: [e for e in heard if e.get("topic") == "warnings" and e["name"] == "cleared"])
    assert cleared[0]["data"]["key"] == "device_absent:kiosk-1"


def test_the_counter_shows_an_absent_device_in_both_languages() -> None:
    state = CounterState(1)
    state.warnings["device_absent:kiosk-1"] = p.DeviceAbsentWarning(
        level=1, key="device_absent:kiosk-1", raised_at=1000.0, device="kiosk-1", role="kiosk", since=400.0
    )
    assert warning_lines(state, "zh", 1000.0)[0][1] == "设备 kiosk-1 已断开 10 分钟"
    assert warning_lines(state, "en", 1000.0)[0][1] == "Device kiosk-1 has been disconnected for 10 min"


async def test_device_faults_and_notes_are_in_the_metrics(hall: Hall) -> None:
    kiosk = await hall.kiosk()
    display = await hall.display()
    await kiosk.request("device_status", state="ok", code="printer.paper_low", detail="printer paper running low")
    await display.request("device_status", state="fault", code="speech.engine_failed", detail="speech: no engine")
    faults = metric_lines(hall, "hallcall_device_faults")
    assert faults == {
        '{code="printer.paper_low",device="kiosk-1",role="kiosk",state="ok"}': 1.0,
        '{code="speech.engine_failed",device="display-1",role="display",state="fault"}': 1.0,
    }
    await kiosk.request("device_status", state="fault", code="printer.out_of_paper")
    await display.request("device_status", state="ok")  # speech is back
    faults = metric_lines(hall, "hallcall_device_faults")
    assert faults == {'{code="printer.out_of_paper",device="kiosk-1",role="kiosk",state="fault"}': 1.0}


def test_check_config_and_the_server_warn_of_qr_links_without_public_url(tmp_path: Path) -> None:
    checked = subprocess.run(
        [sys.executable, "-m", "hallcall.launch.cli", "check-config", "--skip-voices", str(TEST_HALL)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stderr
    assert "hallcall: warning: [hall] public_url is empty" in checked.stderr
    assert "127.0.0.1" in checked.stderr and "public_url 未设置" in checked.stderr

    storage = Storage(database_path(TEST_HALL, tmp_path), owner=False)
    seed_clerks(storage)
    storage.close()
    child = start_server(TEST_HALL, tmp_path, options=("--ignore-hours",), wait_seconds=30)
    try:
        said = child.log.read_text(encoding="utf-8")
    finally:
        child.stop()
    assert "hallcall: warning: [hall] public_url is empty" in said  # on stderr
    assert "WARNING hallcall.server: [hall] public_url is empty" in said  # in the log

    with_url = tmp_path / "with-url.toml"
    text = TEST_HALL.read_text(encoding="utf-8")
    with_url.write_text(
        text.replace(
            'timezone = "Asia/Shanghai"', 'timezone = "Asia/Shanghai"\npublic_url = "http://192.168.1.10:8765"', 1
        ),
        encoding="utf-8",
    )
    quiet = subprocess.run(
        [sys.executable, "-m", "hallcall.launch.cli", "check-config", "--skip-voices", str(with_url)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert quiet.returncode == 0, quiet.stderr
    assert "public_url" not in quiet.stderr


# The browser last: Playwright's sync API holds an event loop the async tests above cannot share.
def test_the_console_shows_an_absent_device_in_the_warnings(tmp_path: Path, page: Page) -> None:
    config = tmp_path / "watched.toml"
    config.write_text(
        TEST_HALL.read_text(encoding="utf-8").replace("device_absent_minutes = 0", "device_absent_minutes = 10"),
        encoding="utf-8",
    )
    live = LiveHall(tmp_path / "data", config)
    try:
        assert live.hall is not None
        live.run(live.hall.kiosk())  # the kiosk is here; the displays and the pad are not
        live.clock.advance(ABSENT_S + 120)
        live.run(live.hall.hub.check_warnings())
        sign_in(page, live)
        signed_in(page)
        warnings = page.locator("#warning-list")
        expect(warnings.locator('li[data-key="device_absent:display-1"]')).to_contain_text("设备 display-1 已断开 12")
        expect(warnings.locator('li[data-key="device_absent:pad-1"]')).to_be_visible()
        expect(warnings.locator('li[data-key="device_absent:kiosk-1"]')).to_have_count(0)
    finally:
        live.close()
