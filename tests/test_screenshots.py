"""docs/screenshots cannot go stale: every picture there is drawn again by the one command
(``hallcall demo --screenshots``, launch/demo/screenshots.py) into a temporary folder and
compared with the committed one, and the fresh pictures are checked for more than their size:
no word on a screen is cut off or elided (measured on the live widgets and pages), and each
screen speaks the language its file name promises."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from hallcall.launch.demo import screenshots

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "screenshots"
# Mean absolute difference per channel (0-255) a picture may have from the committed one: font
# antialiasing may differ a little between machines, a changed screen differs by far more.
TOLERANCE = 2.0

# What each picture must say, in its language (a few words a reader would look for).
KEY_STRINGS = {
    "kiosk-start-zh-1920x1080.png": ["社会保障", "青岚区政务服务中心"],
    "kiosk-start-en-1920x1080.png": ["Social Security", "Qinglan District"],
    "kiosk-start-zh-1080x1920.png": ["社会保障"],
    "kiosk-confirm-zh-1920x1080.png": ["S00"],
    "kiosk-confirm-en-1920x1080.png": ["S00"],
    "kiosk-confirm-en-1080x1920.png": ["S00"],
    "kiosk-fallback-en-1920x1080.png": ["S00"],
    "kiosk-guide-desk-zh-1920x1080.png": ["绿色通道"],
    "kiosk-check-in-zh-1920x1080.png": ["预约签到", "陈*"],
    "kiosk-check-in-en-1920x1080.png": ["Appointment check-in", "11:00"],
    "display-landscape-zh.png": ["正在呼叫", "8号窗口"],
    "display-landscape-en.png": ["Now calling"],
    "display-portrait-zh.png": ["正在呼叫"],
    "display-portrait-en.png": ["Now calling"],
    "display-busy-landscape-en.png": ["Now calling"],
    "display-speech-warning.png": ["仅播放提示音"],
    "counter-zh.png": ["叫号", "办理中"],
    "counter-en.png": ["Being served", "Transferred"],
    "counter-compact-zh.png": ["叫号"],
    "counter-compact-en.png": ["Finish"],
    "counter-1024-en.png": ["Being served"],
    "counter-transfer-en.png": ["Counter 3"],
    "counter-sign-in-zh.png": ["登录"],
    "counter-offline-en.png": ["No connection to the server"],
    "ticket-zh-80mm.png": ["不动产登记"],
    "ticket-en-80mm.png": ["Real Estate Registration"],
    "ticket-zh-58mm.png": ["不动产登记"],
    "console-zh.png": ["窗口", "提醒"],
    "console-en.png": ["Counter", "Warnings"],
    "console-appointments-en.png": ["Appointments", "Checked in"],
    "console-journey-zh.png": ["最长间隔"],
    "report-zh.png": ["取号"],
    "pad-zh.png": ["非常满意"],
    "pad-en.png": ["Very satisfied"],
    "status-phone-zh.png": ["前面"],
    "book-phone-zh.png": ["预约办理", "余 "],
    "book-phone-en.png": ["Book an appointment", "free"],
}


CJK = re.compile(r"[\u4e00-\u9fff]")
OTHER_LANGUAGE = {"中文"}  # the button that switches to Chinese says so in Chinese


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> screenshots.Outcome:
    """The command, run as documented in a process of its own (no Qt state from other tests),
    into a temporary folder; what it drew and found, from its --report."""
    out = tmp_path_factory.mktemp("screenshots")
    report = out.parent / f"{out.name}-report.json"
    command = [sys.executable, "-m", "hallcall.launch.demo.screenshots", str(out), "--report", str(report)]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert report.exists(), done.stderr[-3000:]
    found = json.loads(report.read_text(encoding="utf-8"))
    shots = [screenshots.Shot(s["name"], out / s["name"], s["texts"], s["cut"]) for s in found["shots"]]
    return screenshots.Outcome(shots, found["skipped"], found["failed"], found["seconds"])


@pytest.mark.timeout(300)
def test_every_committed_picture_is_drawn_by_the_command(fresh: screenshots.Outcome) -> None:
    assert fresh.failed == [], fresh.failed
    assert fresh.skipped == "", f"the web pages were not drawn: {fresh.skipped}"
    drawn = sorted(shot.name for shot in fresh.shots)
    assert len(drawn) == len(set(drawn)), "a picture drawn twice"
    assert drawn == sorted(p.name for p in DOCS.glob("*.png")), "docs/screenshots and the command disagree"
    assert set(KEY_STRINGS) == set(drawn)


@pytest.mark.timeout(300)
def test_the_committed_pictures_are_not_stale(fresh: screenshots.Outcome) -> None:
    stale = []
    for shot in fresh.shots:
        committed = DOCS / shot.name
        new, old = Image.open(shot.path).convert("RGB"), Image.open(committed).convert("RGB")
        if new.size != old.size:
            stale.append(f"{shot.name}: {old.size} committed, {new.size} now")
            continue
        difference = sum(ImageStat.Stat(ImageChops.difference(new, old)).mean) / 3
        if difference > TOLERANCE:
            stale.append(f"{shot.name}: differs by {difference:.1f} per pixel (tolerance {TOLERANCE})")
    assert not stale, f"stale in docs/screenshots (regenerate with `{screenshots.COMMAND}`):\n" + "\n".join(stale)


@pytest.mark.timeout(300)
def test_no_word_is_cut_off_or_elided(fresh: screenshots.Outcome) -> None:
    assert fresh.cut == []


@pytest.mark.timeout(300)
def test_each_picture_speaks_its_language(fresh: screenshots.Outcome) -> None:
    for shot in fresh.shots:
        text = "\n".join(shot.texts)
        for key in KEY_STRINGS[shot.name]:
            assert key in text, f"{shot.name} does not say {key!r}"
        if "-en" in shot.name and not shot.name.startswith(("display", "ticket")):  # displays are bilingual
            chinese = [t for t in shot.texts if CJK.search(t) and t.strip() not in OTHER_LANGUAGE]
            assert not chinese, f"{shot.name} asks for English but shows {chinese}"
