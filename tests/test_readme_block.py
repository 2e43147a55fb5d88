"""README.md's "Running a hall" commands, run as printed, in a fresh shell after the quick start.

The block is taken from README.md by its heading, and each line is run by bash as a reader would
type it.  What differs from typing it, and why — every line is treated alike:

- The shell: a new session (no terminal, so a password prompt reads standard input) in a new
  empty folder (the README says "in a folder of your own"), with the PATH of this machine minus any
  virtual environment, then ``.venv/bin`` first, which is what the README's ``. .venv/bin/activate``
  does; the test first checks that ``hallcall`` is not found without it.
- Optional parts are taken, with their first choice: ``[--lang zh|en]`` → ``--lang zh``.
- Port 8765 → a free port (a demo or another test may hold 8765 on this machine), in every line.
- A system folder an installed hall uses (``/var/lib/hallcall``, ``/etc/hallcall``) → the same
  name under the temporary folder, in every line (the block uses none today; this keeps a line
  that gains one from writing outside the test).
- Placeholders: ``SERVER`` → ``127.0.0.1``; ``KIOSK-TOKEN`` and ``DISPLAY-TOKEN`` → the first kiosk's
  and display's tokens in the hall.toml the block wrote.
- ``hallcall server`` keeps running in the background (its data folder is the default one, beside
  hall.toml in the temporary folder) and must answer /healthz; the programs with a window run
  offscreen (QT_QPA_PLATFORM=offscreen) in the background until the kiosk and the display have
  signed in to it, and must still be running then; everything is stopped at the end.
- A line that asks for a password gets one, twice, on standard input.

The second block ("With the desktop demo running") needs the desktop demo and is not run here.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT

VENV_BIN = ROOT / ".venv" / "bin"
PASSWORD = "readme-pass-1"
WINDOWED = ("kiosk", "counter", "display")


def readme_block(heading: str) -> list[str]:
    """The command lines of the first ```sh block under ``heading`` (no blank or comment-only lines)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(f"\n{heading}\n", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block, f"no sh block under {heading}"
    return [line for line in block.group(1).splitlines() if line.strip() and not line.lstrip().startswith("#")]


def verb(line: str) -> str:
    return line.split("hallcall", 1)[1].split()[0]


def as_run(line: str, port: int, tokens: dict[str, str], folder: Path) -> str:
    """The substitutions the module docstring lists, and only those."""
    for system in ("/var/lib/hallcall", "/etc/hallcall"):
        line = line.replace(system, str(folder / system.strip("/").replace("/", "-")))
    line = re.sub(r"\[(--[^\]]*)\]", r"\1", line)
    line = re.sub(r"(?<![\w'])(\w+)(?:\|\w+)+", r"\1", line)
    line = line.replace("8765", str(port)).replace("ws://SERVER:", "ws://127.0.0.1:")
    return line.replace("KIOSK-TOKEN", tokens.get("kiosk", "KIOSK-TOKEN")).replace(
        "DISPLAY-TOKEN", tokens.get("display", "DISPLAY-TOKEN")
    )


def fresh_env() -> dict[str, str]:
    """This machine's environment as a new login shell has it: no virtual environment, offscreen Qt."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p and not Path(p, "activate").is_file()]
    env["PATH"] = os.pathsep.join(path)
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as answer:
        return answer.read().decode("utf-8")


def healthy(port: int) -> bool:
    return json.loads(get(f"http://127.0.0.1:{port}/healthz"))["status"] == "ok"


def wait_for(check, what: str, seconds: float, *alive: subprocess.Popen[bytes]) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while True:
        try:
            if check():
                return
        except OSError:
            pass
        for proc in alive:
            assert proc.poll() is None, f"{proc.args} ended with {proc.returncode} before {what}"
        assert time.monotonic() < deadline, f"no {what} within {seconds} s"
        time.sleep(0.2)


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


@pytest.mark.timeout(420)
def test_the_running_a_hall_block_works_as_printed(tmp_path: Path) -> None:
    lines = readme_block("## Running a hall")
    assert [verb(line) for line in lines][:7] == [
        "new-config", "check-config", "admin", "admin", "admin", "admin", "server"
    ]  # fmt: skip
    env = fresh_env()
    absent = subprocess.run(["bash", "-c", "command -v hallcall"], env=env, capture_output=True, cwd=tmp_path)
    assert absent.returncode != 0, "hallcall is on PATH without the venv: this would not test the README's advice"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert ". .venv/bin/activate" in readme and (VENV_BIN / "activate").is_file()
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env['PATH']}"
    env["VIRTUAL_ENV"] = str(ROOT / ".venv")

    port = free_port()
    tokens: dict[str, str] = {}
    background: list[subprocess.Popen[bytes]] = []
    try:
        for line in lines:
            command = as_run(line, port, tokens, tmp_path)
            name = verb(line)
            if name in ("server", *WINDOWED):
                log = (tmp_path / f"{name}.log").open("wb")
                background.append(
                    subprocess.Popen(
                        ["bash", "-c", "exec " + command],
                        cwd=tmp_path,
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL,
                        start_new_session=True,
                    )
                )
                if name == "server":
                    wait_for(lambda: healthy(port), "/healthz", 60, background[-1])
                continue
            asks = re.search(r"(add-clerk|set-password|seed-clerks)", command) and "--password-stdin" not in command
            done = subprocess.run(
                ["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240,
                input=f"{PASSWORD}\n{PASSWORD}\n" if asks else "", start_new_session=True,
            )  # fmt: skip
            assert done.returncode == 0, f"{line}\n→ {command}\n{done.stdout}\n{done.stderr}"
            assert "Traceback" not in done.stderr, done.stderr
            check_output(name, command, done.stdout, tmp_path)
            if name == "new-config":
                devices = tomllib.loads((tmp_path / "hall.toml").read_text(encoding="utf-8"))["devices"]
                tokens = {"kiosk": devices["kiosks"][0]["token"], "display": devices["displays"][0]["token"]}

        assert [verb(str(p.args[-1])) for p in background] == ["server", *WINDOWED]

        def signed_in() -> bool:
            metrics = get(f"http://127.0.0.1:{port}/metrics")
            return all(f'hallcall_connected_clients{{role="{role}"}} 1.0' in metrics for role in ("kiosk", "display"))

        wait_for(signed_in, "kiosk and display signed in", 120, *background)
        time.sleep(1)
        for proc in background:
            assert proc.poll() is None, f"{proc.args} ended with {proc.returncode}"
    finally:
        for proc in reversed(background):
            stop(proc)
    for name in ("server", *WINDOWED):
        said = (tmp_path / f"{name}.log").read_text(errors="replace")
        assert "Traceback" not in said, f"{name}:\n{said}"


def check_output(name: str, command: str, stdout: str, folder: Path) -> None:
    """What each command must have said or made, beyond exiting 0."""
    if name == "new-config":
        assert (folder / "hall.toml").is_file()
    elif name == "check-config":
        assert ": OK — " in stdout
    elif "list-clerks" in command:
        head, *rows = stdout.splitlines()
        assert head.split()[0] == "name" and any(r.split()[:1] == ["chief"] and "supervisor" in r for r in rows)
        assert any(r.split()[:1] == ["li.na"] for r in rows)
    elif "seed-clerks" in command:
        assert stdout.startswith("added ")
    elif name == "admin":
        assert " saved" in stdout
    elif name == "ticket-preview":
        assert list((folder / "preview").glob("*.png"))
    elif name == "simulate":
        assert "核对无误" in stdout or "OK" in stdout
    assert (folder / "hallcall-data" / "hall.sqlite3").exists() or name in ("new-config", "check-config")


def test_the_readme_says_how_to_put_hallcall_on_path() -> None:
    """The quick start leaves hallcall in .venv/bin: the README says so where it sends people."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert ". .venv/bin/activate" in quick and ".venv/bin/hallcall" in quick
