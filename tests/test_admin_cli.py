"""``hallcall admin`` as a new hall's administrator first meets it: one default data folder for
every verb, a clerk list that says when it is empty and lines up Chinese names, and a warning for
a clerk name the config does not know."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import TEST_HALL

from hallcall.client import HallClient
from hallcall.launch.sim.figures import _width

PASSWORD = "start-pass"


def hallcall(*args: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hallcall.launch.cli", *args], input=stdin, capture_output=True, text=True, cwd=cwd,
        timeout=60,
    )  # fmt: skip


@pytest.fixture
def hall_toml(tmp_path: Path) -> Path:
    """The test hall in a folder of its own, so that its default data folder is the test's."""
    folder = tmp_path / "etc"
    folder.mkdir()
    return Path(shutil.copy(TEST_HALL, folder / "hall.toml"))


async def test_admin_server_and_report_share_one_default_data_folder(tmp_path: Path, hall_toml: Path) -> None:
    """A clerk added without --data, from one folder, signs in at a server started without
    --data from another: both use hallcall-data beside the config; so does report."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    added = hallcall(
        "admin", "--config", str(hall_toml), "add-clerk", "ann", "--password-stdin", cwd=tmp_path, stdin=PASSWORD + "\n"
    )
    assert added.returncode == 0, added.stderr
    assert (hall_toml.parent / "hallcall-data" / "hall.sqlite3").is_file()
    assert not (tmp_path / "hallcall-data").exists()

    log = tmp_path / "server.log"
    with log.open("wb") as out:
        command = [sys.executable, "-m", "hallcall.launch.cli", "server", "--config", str(hall_toml), "--port", "0"]
        server = subprocess.Popen(command, cwd=elsewhere, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not (found := re.search(r"listening on (ws://\S+)", log.read_text(errors="replace"))):
            assert server.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.05)
        client = HallClient(found.group(1))
        await client.connect()
        try:
            welcome = await client.hello("counter", counter=4, clerk="ann", password=PASSWORD)
        finally:
            await client.close()
        assert welcome["counter"] == 4
    finally:
        server.terminate()
        server.wait(10)
    assert not (elsewhere / "hallcall-data").exists()

    report = hallcall("report", "--config", str(hall_toml), "--from", "2026-11-23", "--lang", "en", cwd=elsewhere)
    assert report.returncode == 0, report.stderr
    for verb in ("server", "admin", "report"):
        assert "hallcall-data/ beside the config file" in " ".join(
            hallcall(verb, "--help", cwd=tmp_path).stdout.split()
        )


def test_an_empty_clerk_list_says_so(tmp_path: Path, hall_toml: Path) -> None:
    listing = hallcall("admin", "--config", str(hall_toml), "list-clerks", cwd=tmp_path)
    assert listing.returncode == 0, listing.stderr
    assert listing.stdout.startswith(f"no clerks or supervisors in {hall_toml.parent / 'hallcall-data'} yet")
    assert "seed-clerks" in listing.stdout and "add-clerk" in listing.stdout


def test_the_clerk_list_has_a_header_and_lines_up_chinese_names(tmp_path: Path, hall_toml: Path) -> None:
    for name, shown in (("ann", "欧阳娜娜"), ("bob", "Bob Smith"), ("cat", "李娜")):
        args = ("admin", "--config", str(hall_toml), "add-clerk", name, "--display-name", shown, "--password-stdin")
        assert hallcall(*args, cwd=tmp_path, stdin=PASSWORD + "\n").returncode == 0
    lines = hallcall("admin", "--config", str(hall_toml), "list-clerks", cwd=tmp_path).stdout.splitlines()
    assert lines[0].split() == ["name", "display", "name", "role", "state"]
    # every row's role starts in the same terminal column, whatever the width of the name before it
    columns = {
        _width(line[: line.index(word)]) for line, word in zip(lines, ("role", "clerk", "clerk", "clerk"), strict=True)
    }
    assert len(columns) == 1, lines
    assert [line.split()[0] for line in lines[1:]] == ["ann", "bob", "cat"]


def test_adding_a_clerk_no_counter_names_warns_and_still_adds(tmp_path: Path, hall_toml: Path) -> None:
    base = ("admin", "--config", str(hall_toml), "add-clerk")
    typo = hallcall(*base, "anne", "--password-stdin", cwd=tmp_path, stdin=PASSWORD + "\n")
    assert typo.returncode == 0, typo.stderr
    assert "warning: no counter in" in typo.stderr and "clerk 'anne'" in typo.stderr
    assert "did you mean 'ann'" in typo.stderr
    assert "only at counters open to any clerk: 1" in typo.stderr
    assert "clerk anne (clerk) saved" in typo.stdout
    known = hallcall(*base, "bob", "--password-stdin", cwd=tmp_path, stdin=PASSWORD + "\n")
    assert known.returncode == 0 and "warning" not in known.stderr
    chief = hallcall(*base, "chief", "--supervisor", "--password-stdin", cwd=tmp_path, stdin=PASSWORD + "\n")
    assert chief.returncode == 0 and "warning" not in chief.stderr  # supervisors work at no counter


def test_a_hall_whose_counters_name_no_clerk_warns_of_nothing(tmp_path: Path) -> None:
    text = TEST_HALL.read_text(encoding="utf-8")
    open_hall = tmp_path / "open.toml"
    open_hall.write_text(re.sub(r"(?m)^(clerks|backups) = .*$", "", text), encoding="utf-8")
    added = hallcall(
        "admin", "--config", str(open_hall), "add-clerk", "anyone", "--password-stdin", cwd=tmp_path,
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert added.returncode == 0 and "warning" not in added.stderr, added.stderr
    seeded = hallcall(
        "admin", "--config", str(open_hall), "seed-clerks", "--password-stdin", cwd=tmp_path, stdin=PASSWORD + "\n"
    )
    assert "names no clerks at its counters" in seeded.stdout


def test_readme_shows_password_stdin() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert re.search(r"hallcall admin .*--password-stdin", readme)
