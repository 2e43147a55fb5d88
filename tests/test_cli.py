"""The ``hallcall`` command as an administrator uses it: clerks, and a server refusing a bad config."""

from __future__ import annotations

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

    listing = admin(tmp_path, "list-clerks").stdout.splitlines()
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
    assert "disabled" in admin(tmp_path, "list-clerks").stdout.splitlines()[1]
    missing = admin(tmp_path, "set-password", "nobody", "--password-stdin", stdin="whatever1\n")
    assert missing.returncode != 0 and "no clerk 'nobody'" in missing.stderr


def test_a_short_password_is_refused(tmp_path):
    short = admin(tmp_path, "add-clerk", "li.na", "--password-stdin", stdin="abc\n")
    assert short.returncode != 0 and "at least 6 characters" in short.stderr
    assert admin(tmp_path, "list-clerks").stdout == ""


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
