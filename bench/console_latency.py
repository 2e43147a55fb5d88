#!/usr/bin/env python3
"""Console update latency: a counter's call → the supervisor console's DOM shows it.

It prints figures; it is not a pass/fail test.  One run:

1. writes a hall TOML into a temporary folder (``--counters`` comprehensive counters, default
   12, two services with long wait targets, one kiosk, open around the clock), seeds one clerk
   per counter and a supervisor, and starts ``hallcall server`` as a child process on loopback;
2. opens the console (/console) in Debian's Chromium (Playwright, headless, 1920×1080), signs
   the supervisor in, and installs a MutationObserver on the counters' table that writes down
   (counter, ticket, performance.timeOrigin + performance.now()) whenever a row's ticket changes;
3. signs in every counter with a real ``HallClient`` and has a kiosk issue tickets; then makes
   ``--calls`` calls round-robin over all the counters at ``--rate`` calls per second: each
   turn the counter starts and finishes its current ticket (two more updates the console
   draws) and calls the next; the call's send time is ``time.time()`` just before
   ``call_next`` is sent;
4. prints the median, p90, p99 and worst of call sent → the console's DOM shows the ticket,
   and how many calls the console never showed within ``--wait`` seconds.

Both clocks are this machine's wall clock (the browser's timeOrigin + now, and Python's
time.time()), in milliseconds.  Bounded: at most ``--calls`` calls and ``--timeout`` seconds.

Run: ``.venv/bin/python bench/console_latency.py --calls 240 --rate 4``
"""

from __future__ import annotations

import argparse
import asyncio
import math
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from hallcall import config as hall_config
from hallcall.client import HallClient
from hallcall.server import auth
from hallcall.server.app import database_path
from hallcall.server.child import start_server
from hallcall.server.storage import Storage

CHROMIUM = "/usr/bin/chromium"  # Debian's package (scripts/setup.sh), as tests/browser.py
PASSWORD = "bench-pass-1234"
SUPERVISOR = "sup"
KIOSK_TOKEN = "bench-kiosk-token"

OBSERVER = """() => {
  window.__seen = [];
  const last = new Map();
  const look = () => {
    const t = performance.timeOrigin + performance.now();
    for (const tr of document.querySelectorAll('#counter-rows tr[data-counter]')) {
      const ticket = tr.querySelector('.ticket');
      const text = ticket ? ticket.textContent : '';
      if (last.get(tr.dataset.counter) !== text) {
        last.set(tr.dataset.counter, text);
        if (text) window.__seen.push([Number(tr.dataset.counter), text, t]);
      }
    }
  };
  const rows = document.getElementById('counter-rows');
  new MutationObserver(look).observe(rows, { childList: true, subtree: true, characterData: true });
}"""


def write_hall(folder: Path, counters: int) -> Path:
    lines = [
        "[hall]",
        'name = { zh = "基准大厅", en = "Bench Hall" }',
        'languages = ["zh", "en"]',
        'timezone = "Asia/Shanghai"',
        "rollover_hour = 3",
        'opening_hours = ["00:00-24:00"]',
        'open_days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]',
        "",
    ]
    for sid, prefix in (("general", "A"), ("other", "B")):
        lines += [
            "[[services]]",
            f'id = "{sid}"',
            f'prefix = "{prefix}"',
            f'name = {{ zh = "业务{prefix}", en = "Service {prefix}" }}',
        ]
        lines += ["target_wait_minutes = 240", "default_handle_minutes = 5", ""]
    for number in range(1, counters + 1):
        lines += ["[[counters]]", f"number = {number}", "services = []", "staffed = false", ""]
    lines += ["[devices]", f'kiosks = [{{ name = "kiosk-1", token = "{KIOSK_TOKEN}" }}]', ""]
    # issue_rate_per_minute = 0: the kiosk issues the whole queue at once (no person's pace)
    lines += ["[server]", "issue_rate_per_minute = 0", ""]
    path = folder / "bench-hall.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    hall_config.load(path)
    return path


def seed(config: Path, data: Path, counters: int) -> None:
    digest = auth.hash_password(PASSWORD)
    storage = Storage(database_path(config, data), owner=False)
    try:
        for number in range(1, counters + 1):
            storage.save_clerk(f"clerk{number:02d}", digest, role="clerk")
        storage.save_clerk(SUPERVISOR, digest, role="supervisor")
    finally:
        storage.close()


class Clients:
    """The counters and the kiosk, real websocket clients on a loop in a thread of their own."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.counters: dict[int, HallClient] = {}
        self.kiosk: HallClient | None = None
        self.current: dict[int, str | None] = {}

    def run(self, coro: Any, timeout: float = 15.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def _client(self) -> HallClient:
        c = HallClient(self.url)
        await c.connect()
        return c

    def open(self, counters: int, tickets: int) -> None:
        async def go() -> None:
            kiosk = self.kiosk = await self._client()
            await kiosk.hello("kiosk", device="kiosk-1", token=KIOSK_TOKEN)
            for i in range(tickets):
                await kiosk.request("issue", service="general" if i % 3 else "other")
            for number in range(1, counters + 1):
                c = await self._client()
                await c.hello("counter", counter=number, clerk=f"clerk{number:02d}", password=PASSWORD)
                self.counters[number] = c
                self.current[number] = None

        self.run(go(), timeout=120)

    def turn(self, number: int) -> tuple[float, str]:
        """Start and finish the counter's ticket, then call the next: (send time, ticket called)."""

        async def go() -> tuple[float, str]:
            c = self.counters[number]
            if self.current[number]:
                await c.request("start")
                await c.request("finish")
            sent = time.time() * 1000
            data = await c.request("call_next")
            self.current[number] = data["ticket"]["number"]
            return sent, data["ticket"]["number"]

        return self.run(go())

    def close(self) -> None:
        async def go() -> None:
            for c in [*self.counters.values(), *([self.kiosk] if self.kiosk else [])]:
                await c.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        self.run(go())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]  # nearest rank


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counters", type=int, default=12)
    parser.add_argument("--calls", type=int, default=240, help="calls to time (default: %(default)s)")
    parser.add_argument("--rate", type=float, default=4.0, help="calls per second (default: %(default)s)")
    parser.add_argument("--wait", type=float, default=5.0, help="seconds a call may take to show")
    parser.add_argument("--timeout", type=float, default=300.0, help="stop calling after this many seconds")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="hallcall-console-bench-") as tmp:
        folder = Path(tmp)
        config = write_hall(folder, args.counters)
        data = folder / "data"
        seed(config, data, args.counters)
        server = start_server(config, data)
        clients = Clients(server.url)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
                version = browser.version
                page = browser.new_page(viewport={"width": 1920, "height": 1080})
                page.set_default_timeout(10000)
                page.goto(f"{server.http_url}/console")
                page.fill("#clerk", SUPERVISOR)
                page.fill("#password", PASSWORD)
                page.click("#signin-form button[type=submit]")
                page.wait_for_selector("#console:not([hidden])")
                clients.open(args.counters, tickets=args.calls + args.counters + 5)
                page.wait_for_function(
                    f"document.querySelectorAll('#counter-rows tr[data-counter]').length >= {args.counters}"
                )
                page.evaluate(OBSERVER)

                sent: list[tuple[int, str, float]] = []
                started = time.monotonic()
                for i in range(args.calls):
                    if time.monotonic() - started > args.timeout:
                        break
                    due = started + i / args.rate
                    pause = due - time.monotonic()
                    if pause > 0:
                        time.sleep(pause)
                    number = i % args.counters + 1
                    at, ticket = clients.turn(number)
                    sent.append((number, ticket, at))
                deadline = time.monotonic() + args.wait
                seen: dict[tuple[int, str], float] = {}
                while time.monotonic() < deadline:
                    seen = {(c, n): t for c, n, t in page.evaluate("window.__seen")}
                    if all((c, n) in seen for c, n, _ in sent):
                        break
                    time.sleep(0.1)
                browser.close()
        finally:
            clients.close()
            server.stop()

    latencies = [seen[(c, n)] - at for c, n, at in sent if (c, n) in seen and seen[(c, n)] - at <= args.wait * 1000]
    missing = len(sent) - len(latencies)
    cpu = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    print(f"console update latency: call_next sent → console DOM shows the ticket ({args.counters} counters active)")
    print(f"machine: {platform.machine()}, {cpu} CPUs, Python {platform.python_version()}, Chromium {version}")
    print(
        f"calls: {len(sent)} at {args.rate:g}/s (each after a start and a finish at that counter); missing: {missing}"
    )
    if latencies:
        print(
            f"ms: median {statistics.median(latencies):.1f}  p90 {percentile(latencies, 0.9):.1f}  "
            f"p99 {percentile(latencies, 0.99):.1f}  max {max(latencies):.1f}"
        )
    return 0 if latencies and not missing else 1


if __name__ == "__main__":
    sys.exit(main())
