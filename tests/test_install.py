"""``pip install`` from a wheel, as a hall installs hallcall, rather than from the tree.

The wheel is built the way a release is (``python -m build``: the sdist, then the wheel from it)
and must hold every module and asset of the tree.  Installed with ``[all]`` into a fresh virtual
environment outside the repository, run from outside it (so the tree cannot be imported), its
``hallcall demo --headless`` must work from package data alone.  Installed with ``[server]``
only, the server's host has no Qt, speech engine or printer driver, the server's verbs work,
and the programs end with the pip command for their extra instead of a traceback; with no extra
at all, ``hallcall server`` says the same.

Slow, hence the ``install`` marker (``-m 'not install'`` skips it): installing PySide6 into a
fresh environment takes a minute or two; pip's cache is reused.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tomllib
import zipfile
from pathlib import Path

import demo_output
import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PACKAGE_DIRS: dict[str, str] = PYPROJECT["tool"]["setuptools"]["package-dir"]  # installed name → folder
DATA_PACKAGE = "hallcall.assets"  # every file of it ships, not only its modules
BUILD_SECONDS = 300
INSTALL_SECONDS = 600
COMMAND_SECONDS = 60

pytestmark = [pytest.mark.install, pytest.mark.timeout(1200)]


def run(command: list[str], cwd: Path, timeout: float = COMMAND_SECONDS) -> subprocess.CompletedProcess[str]:
    """Run a command outside the tree, with no trace of the test's own environment (its venv, a
    PYTHONPATH) that could let the tree or the dev install leak in."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def succeeded(done: subprocess.CompletedProcess[str]) -> str:
    """The output to show when a step that had to work did not."""
    return f"{done.args}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist and the wheel built from it."""
    out = tmp_path_factory.mktemp("wheelhouse")
    done = run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], cwd=out, timeout=BUILD_SECONDS)
    assert done.returncode == 0, succeeded(done)
    return out


def the_wheel(wheelhouse: Path) -> Path:
    (wheel,) = wheelhouse.glob("hallcall-*.whl")
    return wheel


def fresh_install(where: Path, wheelhouse: Path, extra: str | None) -> Path:
    """A new virtual environment with hallcall from the wheel (and ``extra``), its dependencies
    from the package index through pip's cache; returns its bin folder."""
    done = run([sys.executable, "-m", "venv", str(where)], cwd=where.parent)
    assert done.returncode == 0, succeeded(done)
    wanted = f"{the_wheel(wheelhouse)}[{extra}]" if extra else str(the_wheel(wheelhouse))
    pip = [str(where / "bin" / "python"), "-m", "pip", "install", "--find-links", str(wheelhouse), wanted]
    done = run(pip, cwd=where.parent, timeout=INSTALL_SECONDS)
    assert done.returncode == 0, succeeded(done)
    return where / "bin"


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path) -> Path:
    return fresh_install(tmp_path_factory.mktemp("full") / "venv", wheelhouse, "all")


@pytest.fixture(scope="module")
def server_only(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path) -> Path:
    return fresh_install(tmp_path_factory.mktemp("server") / "venv", wheelhouse, "server")


def tree_files() -> set[str]:
    """The paths the wheel must hold: every module of every package, and every file of the assets."""
    expected = set()
    for name, folder in PACKAGE_DIRS.items():
        for path in (ROOT / folder).rglob("*"):
            if not path.is_file() or "__pycache__" in path.parts:
                continue
            if path.suffix == ".py" or name == DATA_PACKAGE:
                expected.add("/".join((*name.split("."), *path.relative_to(ROOT / folder).parts)))
    return expected


def installed_demo_hall(bin_dir: Path, cwd: Path) -> Path:
    """The demo hall as installed package data, found the way the programs find it."""
    done = run([str(bin_dir / "python"), "-c", "from hallcall.assets import DEMO_HALL; print(DEMO_HALL)"], cwd)
    assert done.returncode == 0, succeeded(done)
    return Path(done.stdout.strip())


def test_the_wheel_holds_every_module_and_asset_and_nothing_stale(wheelhouse: Path) -> None:
    with zipfile.ZipFile(the_wheel(wheelhouse)) as wheel:
        shipped = {n for n in wheel.namelist() if n.startswith("hallcall/")}
    assert tree_files() - shipped == set(), "missing from the wheel: the packages list or package-data globs"
    assert {n for n in shipped if n.endswith(".py")} - tree_files() == set(), "in the wheel but not in the tree"


def test_the_full_install_runs_the_demo_from_package_data(full: Path, tmp_path: Path) -> None:
    assert installed_demo_hall(full, tmp_path).is_relative_to(full.parent)  # not the tree's copy
    out = tmp_path / "out"
    done = demo_output.run_headless_demo([str(full / "hallcall")], out, cwd=tmp_path)
    demo_output.check_everything(out, done)


def test_the_server_host_gets_no_qt_speech_or_printer_libraries(server_only: Path, tmp_path: Path) -> None:
    code = "import importlib.util as u; print([m for m in ('PySide6', 'pyttsx3', 'escpos') if u.find_spec(m)])"
    done = run([str(server_only / "python"), "-c", code], tmp_path)
    assert done.returncode == 0, succeeded(done)
    assert done.stdout.strip() == "[]"


def test_the_server_host_checks_the_config_and_serves(server_only: Path, tmp_path: Path) -> None:
    hallcall = str(server_only / "hallcall")
    demo_hall = installed_demo_hall(server_only, tmp_path)
    checked = run([hallcall, "check-config", str(demo_hall)], tmp_path)
    assert checked.returncode == 0 and ": OK — " in checked.stdout, succeeded(checked)
    helped = run([hallcall, "server", "--help"], tmp_path)
    assert helped.returncode == 0 and "--config" in helped.stdout, succeeded(helped)
    assert serves(hallcall, demo_hall, tmp_path), (tmp_path / "server.log").read_text(encoding="utf-8")


def serves(hallcall: str, config: Path, where: Path) -> bool:
    """Whether ``hallcall server`` starts listening within a bounded wait (then it is stopped)."""
    log = where / "server.log"
    command = [hallcall, "server", "--config", str(config), "--data", str(where / "data"), "--port", "0"]
    with log.open("wb") as out:
        server = subprocess.Popen(command, cwd=where, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + COMMAND_SECONDS
        while time.monotonic() < deadline and server.poll() is None:
            if b"listening on ws://" in log.read_bytes():
                return True
            time.sleep(0.2)
        return False
    finally:
        server.terminate()
        server.wait(timeout=COMMAND_SECONDS)


@pytest.mark.parametrize(
    ("argv", "extra"),
    [
        (["kiosk", "--server", "ws://127.0.0.1:9", "--token", "kiosk-token-1"], "kiosk"),
        (["ticket-preview", "--out", "tickets"], "kiosk"),  # its options need the kiosk's libraries
        (["counter", "--server", "ws://127.0.0.1:9", "--counter", "1"], "counter"),
        (["display", "--server", "ws://127.0.0.1:9", "--token", "display-token-1"], "display"),
        (["demo", "--headless"], "all"),
    ],
)
def test_the_server_host_names_the_extra_a_program_needs(
    server_only: Path, tmp_path: Path, argv: list[str], extra: str
) -> None:
    done = run([str(server_only / "hallcall"), *argv], tmp_path)
    assert done.returncode == 1, succeeded(done)
    assert f'pip install "hallcall[{extra}]"' in done.stderr
    assert "Traceback" not in done.stderr


def test_without_the_server_extra_the_server_names_it(tmp_path: Path, wheelhouse: Path) -> None:
    bare = fresh_install(tmp_path / "venv", wheelhouse, None)
    demo_hall = installed_demo_hall(bare, tmp_path)
    assert run([str(bare / "hallcall"), "check-config", str(demo_hall)], tmp_path).returncode == 0
    done = run([str(bare / "hallcall"), "server", "--config", str(demo_hall), "--port", "0"], tmp_path)
    assert done.returncode == 1, succeeded(done)
    assert 'pip install "hallcall[server]"' in done.stderr and "Traceback" not in done.stderr
