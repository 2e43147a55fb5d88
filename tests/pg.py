"""A real PostgreSQL for the city tests: initdb into a fresh folder, postgres on a loopback port,
torn down after.  Root cannot run postgres, so as root the server runs as ``nobody`` (runuser).
When no PostgreSQL is installed (scripts/setup.sh installs Debian's ``postgresql``) the tests that
need one are skipped, naming what is missing."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest


def binaries() -> Path | None:
    """The folder of initdb and postgres: Debian's /usr/lib/postgresql/N/bin, newest first, else PATH."""
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True):
        if (Path(folder) / "postgres").is_file():
            return Path(folder)
    found = shutil.which("postgres")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Postgres:
    """One PostgreSQL server in its own folder; start, kill and start again keep its data."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.folder = Path(tempfile.mkdtemp(prefix="hallcall-pg-"))  # under /tmp: nobody can reach it
        self.data = self.folder / "data"
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.as_user = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.folder, "nobody")
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        done = subprocess.run([*self.as_user, *command], capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise RuntimeError(f"{' '.join(command)} failed: {done.stderr or done.stdout}")

    def start(self) -> None:
        command = [
            str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port), "-k", str(self.folder),
            "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
        ]  # fmt: skip
        log = open(self.folder / "postgres.log", "ab")  # noqa: SIM115 (kept open for the child)
        self.process = subprocess.Popen([*self.as_user, *command], stdout=log, stderr=log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"postgres ended: {(self.folder / 'postgres.log').read_text()[-2000:]}")
            ready = subprocess.run(
                [str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)], capture_output=True
            )
            if ready.returncode == 0:
                return
            time.sleep(0.2)
        raise RuntimeError("postgres did not become ready in 60 s")

    def kill(self) -> None:
        """End the server at once, as a crash or a pulled cable would (SIGKILL to postgres itself)."""
        if self.process is None:
            return
        pid = (self.data / "postmaster.pid").read_text().split()[0]
        os.kill(int(pid), signal.SIGKILL)
        self.process.wait(30)
        self.process = None
        time.sleep(0.5)  # the backends notice their postmaster is gone and end

    def _processes(self) -> list[psutil.Process]:
        """The postmaster and every process it started (backends, writers, autovacuum)."""
        main = psutil.Process(int((self.data / "postmaster.pid").read_text().split()[0]))
        return [main, *main.children(recursive=True)]

    def stall(self) -> None:
        """Freeze the server without closing a connection (SIGSTOP to each of its processes): a
        hung host, or a network that drops packets without resetting, as a client sees it."""
        for process in self._processes():
            process.suspend()

    def resume(self) -> None:
        """Thaw what ``stall`` froze: its connections go on where they stopped."""
        for process in self._processes():
            process.resume()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # fast shutdown
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def postgres() -> Iterator[Postgres]:
    """A running PostgreSQL for one test; skipped, naming what is missing, where none is installed."""
    bin_dir = binaries()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (no postgres under /usr/lib/postgresql/*/bin or on PATH): "
                    "scripts/setup.sh installs Debian's postgresql")  # fmt: skip
    if os.geteuid() == 0 and not shutil.which("runuser"):
        pytest.skip("running as root and runuser is missing: postgres refuses to run as root")
    pytest.importorskip("psycopg", reason="psycopg is not installed: pip install 'hallcall[city]'")
    server = Postgres(bin_dir)
    try:
        server.start()
        yield server
    finally:
        server.stop()
