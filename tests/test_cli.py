"""The ``hallcall`` command as an administrator uses it: clerks, and a server refusing a bad config."""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, TEST_HALL

from hallcall.client import HallClient
from hallcall.server import auth
from hallcall.server.app import database_path
from hallcall.server.storage import Storage


def hallcall(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hallcall.launch.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def admin(data: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return hallcall("admin", "--config", str(TEST_HALL), "--data", str(data), *args, stdin=stdin)


def test_clerks_are_added_listed_changed_and_disabled(tmp_path):
    added = admin(tmp_path, "add-clerk", "li.na", "--display-name", "李娜", "--password-stdin", stdin="first-pass\n")
    assert added.returncode == 0, added.stderr
    again = admin(tmp_path, "add-clerk", "li.na", "--password-stdin", stdin="other-pass\n")
    assert again.returncode != 0 and "exists already" in again.stderr
    boss = admin(tmp_path, "add-clerk", "chief", "--supervisor", "--password-stdin", stdin="boss-pass\n")
    assert boss.returncode == 0, boss.stderr

    head, *listing = admin(tmp_path, "list-clerks").stdout.splitlines()
    assert head.split() == ["name", "display", "name", "role", "state"]
    assert [line.split()[0] for line in listing] == ["chief", "li.na"]
    assert "supervisor" in listing[0] and "李娜" in listing[1] and "active" in listing[1]

    assert admin(tmp_path, "set-password", "li.na", "--password-stdin", stdin="second-pass\n").returncode == 0
    storage = Storage(database_path(TEST_HALL, tmp_path), owner=False)
    stored = storage.clerk("li.na")
    storage.close()
    assert stored is not None and stored["role"] == "clerk"
    assert auth.verify_password(stored["password_hash"], "second-pass")
    assert not auth.verify_password(stored["password_hash"], "first-pass")
    assert "second-pass" not in stored["password_hash"]

    assert admin(tmp_path, "disable", "li.na").returncode == 0
    assert "disabled" in admin(tmp_path, "list-clerks").stdout.splitlines()[2]
    missing = admin(tmp_path, "set-password", "nobody", "--password-stdin", stdin="whatever1\n")
    assert missing.returncode != 0 and "no clerk 'nobody'" in missing.stderr


def test_a_short_password_is_refused(tmp_path):
    short = admin(tmp_path, "add-clerk", "li.na", "--password-stdin", stdin="abc\n")
    assert short.returncode != 0 and "at least 8 characters" in short.stderr
    assert admin(tmp_path, "list-clerks").stdout.startswith("no clerks or supervisors in ")


def test_seed_clerks_adds_every_clerk_the_config_names_once(tmp_path):
    first = admin(tmp_path, "seed-clerks", "--password-stdin", stdin="start-pass\n")
    assert first.returncode == 0, first.stderr
    assert "added 2 clerks: ann, bob" in first.stdout  # counter 4's A and B clerks
    second = admin(tmp_path, "seed-clerks", "--password-stdin", stdin="start-pass\n")
    assert "every clerk named in the config has an account" in second.stdout


async def test_a_disabled_clerk_cannot_sign_in(hall):
    hall.server.storage.set_clerk_active("cat", False)
    client = HallClient(hall.url)
    await client.connect()
    answer = await client.call("hello", role="counter", protocol=1, counter=1, clerk="cat", password="pass1234")
    await client.close()
    assert answer["code"] == "auth_failed"
    assert hall.hub.counter_view(1).clerk is None


def test_the_server_refuses_a_broken_config_and_names_the_problem(tmp_path):
    broken = tmp_path / "hall.toml"
    text = TEST_HALL.read_text(encoding="utf-8").replace('services = ["consult"]', 'services = ["consultation"]')
    broken.write_text(text, encoding="utf-8")
    line = next(i for i, s in enumerate(text.splitlines(), 1) if s.strip() == "number = 3") - 1
    result = hallcall("server", "--config", str(broken), "--data", str(tmp_path / "data"), "--port", "0")
    assert result.returncode != 0
    assert f"{broken}:{line}: counter 3 serves unknown service 'consultation'" in result.stderr
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").iterdir())


def _hall_with_a_printer_typo(tmp_path: Path) -> tuple[Path, int]:
    """The test hall with kiosk-1's printer spec misspelt, and the line it is on."""
    typo = tmp_path / "hall.toml"
    kiosk = '{ name = "kiosk-1", token = "kiosk-token-1", zone = "1F" }'
    text = TEST_HALL.read_text(encoding="utf-8")
    assert text.count(kiosk) == 1
    typo.write_text(text.replace(kiosk, kiosk[:-2] + ', printer = "serail:/dev/ttyUSB0" }'), encoding="utf-8")
    return typo, next(i for i, s in enumerate(typo.read_text(encoding="utf-8").splitlines(), 1) if "serail" in s)


def test_check_config_says_ok_and_names_a_printer_spec_it_cannot_read(tmp_path):
    good = hallcall("check-config", str(ROOT / "assets" / "demo-hall.toml"))
    assert good.returncode == 0 and ": OK — " in good.stdout
    typo, line = _hall_with_a_printer_typo(tmp_path)
    result = hallcall("check-config", str(typo))
    assert result.returncode != 0
    assert f"{typo}:{line}: devices.kiosks 'kiosk-1' printer: printer spec 'serail:/dev/ttyUSB0': must start" in (
        result.stderr
    )


def test_the_server_refuses_a_printer_spec_that_check_config_refuses(tmp_path):
    """One check, in the config loader: the server does not start a hall whose kiosk cannot print."""
    typo, line = _hall_with_a_printer_typo(tmp_path)
    result = hallcall("server", "--config", str(typo), "--data", str(tmp_path / "data"), "--port", "0")
    assert result.returncode != 0
    assert f"{typo}:{line}: devices.kiosks 'kiosk-1' printer: printer spec 'serail:/dev/ttyUSB0'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize(
    ("argv", "missing", "extra"),
    [
        (["kiosk", "--server", "ws://127.0.0.1:9", "--token", "kiosk-token-1"], "PySide6", "kiosk"),
        (["ticket-preview", "--out", "tickets"], "PIL", "kiosk"),
        (["server", "--config", str(TEST_HALL), "--port", "0"], "sqlite_utils", "server"),
    ],
)
def test_a_program_whose_extra_is_missing_says_which_to_install(tmp_path, argv, missing, extra):
    """A library blocked the way an install without it fails (ModuleNotFoundError): the command
    names the extra to install instead of showing a traceback; tests/test_install.py does it for real."""
    code = f"import sys; sys.modules[{missing!r}] = None; from hallcall.launch.cli import main; sys.exit(main())"
    result = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert result.returncode == 1, result.stderr
    assert f"the Python package {missing!r} is not installed" in result.stderr
    assert f'pip install "hallcall[{extra}]"' in result.stderr
    assert "Traceback" not in result.stderr


# ------------------------------------------------------------- what a new hall meets first


def test_check_config_counts_as_a_person_writes():
    result = hallcall("check-config", str(TEST_HALL))
    assert result.returncode == 0, result.stderr
    assert "3 services, 4 counters (1 comprehensive), 1 kiosk, 2 displays" in result.stdout


def test_new_config_writes_the_demo_hall_with_fresh_tokens_and_never_overwrites(tmp_path):
    target = tmp_path / "hall.toml"
    first = hallcall("new-config", str(target))
    assert first.returncode == 0, first.stderr
    text = target.read_text(encoding="utf-8")
    assert "demo-kiosk-1" not in text and "青岚区政务服务中心" in text
    tokens = re.findall(r'(?m)^token = "([^"]+)"', text)
    assert len(tokens) == 6 and len(set(tokens)) == 6 and all(len(t) == 24 for t in tokens)
    assert hallcall("check-config", str(target)).returncode == 0
    again = hallcall("new-config", str(target))
    assert again.returncode != 0 and "exists already" in again.stderr
    assert target.read_text(encoding="utf-8") == text


def _hall_with_voice(tmp_path, voice: str):
    path = tmp_path / "hall.toml"
    text = TEST_HALL.read_text(encoding="utf-8") + f'\n[announce]\nvoices = {{ zh = "{voice}", en = "en" }}\n'
    path.write_text(text, encoding="utf-8")
    return path, len(text.splitlines())


@pytest.mark.skipif(not shutil.which("espeak-ng"), reason="needs a speech engine (scripts/setup.sh installs espeak-ng)")
def test_check_config_refuses_a_voice_this_machines_engine_lacks_and_says_which_exist(tmp_path):
    good = hallcall("check-config", str(TEST_HALL))
    assert "voices: zh 'cmn-latn-pinyin', en 'en' installed here" in good.stdout
    path, line = _hall_with_voice(tmp_path, "cmn-latn-pinyn")
    result = hallcall("check-config", str(path))
    assert result.returncode == 1 and "OK" not in result.stdout
    assert f"{path}:{line}: announce.voices.zh 'cmn-latn-pinyn' is not a voice of this machine's" in result.stderr
    assert "did you mean 'cmn-latn-pinyin'?" in result.stderr
    voices = result.stderr.split("the voices it has: ", 1)[1].splitlines()[0].split(", ")
    assert "cmn-latn-pinyin" in voices and "en" in voices
    skipped = hallcall("check-config", "--skip-voices", str(path))
    assert skipped.returncode == 0 and ": OK — " in skipped.stdout


@pytest.mark.skipif(not shutil.which("espeak-ng"), reason="needs espeak-ng (scripts/setup.sh installs it)")
def test_without_pyttsx3_check_config_asks_espeak_ng_itself(tmp_path):
    """A server host has no pyttsx3: espeak-ng's own voice list, read as the display's pyttsx3
    would give it (ids in lower case), decides instead."""
    blocker = tmp_path / "blocked"
    blocker.mkdir()
    (blocker / "pyttsx3.py").write_text("raise ImportError('pyttsx3 is not installed here')\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(blocker)}
    run = functools.partial(subprocess.run, capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
    good = run([sys.executable, "-m", "hallcall.launch.cli", "check-config", str(TEST_HALL)])
    assert good.returncode == 0, good.stderr
    assert "voices: zh 'cmn-latn-pinyin', en 'en' installed here (espeak-ng)" in good.stdout
    path, line = _hall_with_voice(tmp_path, "mandarin")
    bad = run([sys.executable, "-m", "hallcall.launch.cli", "check-config", str(path)])
    assert bad.returncode == 1 and f"{path}:{line}: announce.voices.zh 'mandarin' is not a voice" in bad.stderr
    assert "(espeak-ng)" in bad.stderr and "cmn-latn-pinyin" in bad.stderr


def test_a_language_that_is_not_spoken_needs_no_voice(tmp_path):
    path = tmp_path / "hall.toml"
    phrase = 'phrase = { zh = "请{number}号到{counter}号窗口", en = "" }'
    announce = f'[announce]\n{phrase}\nvoices = {{ zh = "cmn", en = "klingon" }}\n'
    path.write_text(TEST_HALL.read_text(encoding="utf-8") + "\n" + announce, encoding="utf-8")
    result = hallcall("check-config", str(path))
    assert result.returncode == 0, result.stderr
    assert "klingon" not in result.stdout


def test_check_config_refuses_a_voice_that_is_no_name_even_without_an_engine(tmp_path):
    path, line = _hall_with_voice(tmp_path, " en")
    result = hallcall("check-config", str(path))
    assert result.returncode == 1
    assert f"{path}:{line}: announce.voices.zh ' en' is not a voice name" in result.stderr


@pytest.mark.parametrize(
    ("environ", "platform", "missing"),
    [
        ({}, "linux", True),
        ({"QT_QPA_PLATFORM": "xcb"}, "linux", True),
        ({"QT_QPA_PLATFORM": "wayland;xcb"}, "linux", True),
        ({"QT_QPA_PLATFORM": "wayland;xcb", "WAYLAND_DISPLAY": "wayland-0"}, "linux", False),
        ({"DISPLAY": ":0"}, "linux", False),
        ({"QT_QPA_PLATFORM": "offscreen"}, "linux", False),
        ({"QT_QPA_PLATFORM": "eglfs"}, "linux", False),
        ({}, "win32", False),
        ({}, "darwin", False),
    ],
)
def test_no_display_is_told_from_the_environment(environ, platform, missing):
    from hallcall.gui.qtapp import no_display

    assert no_display(environ, platform) is missing


@pytest.mark.skipif(os.name == "nt", reason="X11/Wayland only")
def test_a_gui_program_with_no_screen_says_so_plainly(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    command = [sys.executable, "-m", "hallcall.launch.cli", "counter", "--server", "ws://127.0.0.1:9", "--counter", "1"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60)
    assert done.returncode == 1
    assert "no display found (neither DISPLAY nor WAYLAND_DISPLAY is set)" in done.stderr
    assert (
        "--windowed" in done.stderr and "QT_QPA_PLATFORM=offscreen" in done.stderr and "没有找到显示器" in done.stderr
    )
    assert "xcb" not in done.stderr and "Traceback" not in done.stderr


@pytest.mark.skipif(not (ROOT / ".git").exists() or not shutil.which("git"), reason="needs the git checkout")
@pytest.mark.parametrize("path", ["ticket-preview/A001-zh-80mm-gb18030.png", "hallcall-data/hall.sqlite3"])
def test_what_the_commands_write_by_default_is_ignored_by_git(path):
    """ticket-preview's and the data folder's defaults, made while trying commands in a clone, stay out of commits."""
    assert subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT).returncode == 0
