"""``hallcall server`` as a child process: started, waited for until it listens, stopped.

The demo, the simulator's command line, the benches and the tests all run the real server
this way, so that what they measure and check is the program a hall runs, in its own process.
The server prints ``listening on ws://HOST:PORT`` (``wss://`` with ``--tls-cert``) once it accepts
connections; with ``--port 0`` that line is the only way to learn the port.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_LISTENING = re.compile(r"listening on (wss?)://[\d.]+:(\d+)")


class ServerDidNotStart(RuntimeError):
    """The child ended or stayed silent; the message carries what it logged."""


@dataclass
class ServerChild:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path
    tls: bool = False  # started with --tls-cert: wss:// and https://

    @property
    def url(self) -> str:
        return f"{'wss' if self.tls else 'ws'}://127.0.0.1:{self.port}"

    @property
    def http_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM (the server closes its connections and its database), then kill if it hangs."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode


def start_server(
    config: str | Path,
    data: str | Path,
    *,
    port: int = 0,
    host: str = "127.0.0.1",
    options: tuple[str, ...] = (),
    log: Path | None = None,
    python: tuple[str, ...] = (),
    wait_seconds: float = 30.0,
) -> ServerChild:
    """Start ``hallcall server`` and return once it listens.

    ``options`` are extra server options (``--ignore-hours``, ``--clock-start`` ...);
    ``python`` goes between the interpreter and ``-m`` (a profiler, say).  The child's output
    is appended to ``log`` (default ``DATA/server.log``); only what it writes after this start
    is searched, so a restarted server on the same folder is not mistaken for the last one.
    """
    log = log or Path(data) / "server.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, *python, "-m", "hallcall.launch.cli", "server", "--config", str(config), "--data", str(data)]
    cmd += ["--host", host, "--port", str(port), *options]
    with log.open("ab") as out:
        offset = out.tell()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline and proc.poll() is None:
        with log.open("rb") as f:
            f.seek(offset)
            found = _LISTENING.search(f.read().decode(errors="replace"))
        if found:
            return ServerChild(proc, int(found.group(2)), log, tls=found.group(1) == "wss")
        time.sleep(0.05)
    if proc.poll() is None:
        proc.kill()
        proc.wait(5)
    with log.open("rb") as f:
        f.seek(offset)
        said = f.read().decode(errors="replace").strip()
    raise ServerDidNotStart(f"the hall server did not start (exit {proc.returncode}):\n{said}")
