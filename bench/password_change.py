#!/usr/bin/env python3
"""Passwords and the rest of the hall: what a password change costs, whether it holds up the
hall while it hashes, and how fast a locked-out sign-in is refused.

It prints figures; it is not a pass/fail test.  One run, in this process, on loopback:

1. signs up the demo hall (assets/demo-hall.toml) in a temporary folder and starts its server;
2. a kiosk pings every 5 ms for ``--seconds`` and the round trips are timed: the hall at rest;
3. the same while a clerk changes their password back and forth, one ``change_password`` after
   the other (each is two Argon2 operations in a worker thread: the current password checked,
   the new one hashed); the changes' own round trips are timed too;
4. five wrong passwords lock an account out from this address; then ``--lockouts`` more
   sign-ins of it are timed (answered ``locked_out`` before any hash is computed).

Run: ``.venv/bin/python bench/password_change.py --seconds 5``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from hallcall import config as hall_config
from hallcall.assets import DEMO_HALL
from hallcall.client import HallClient
from hallcall.server import auth
from hallcall.server.accounts import sign_up_hall
from hallcall.server.app import HallServer
from hallcall.server.storage import Storage

PASSWORDS = ("bench-pass-one", "bench-pass-two")


def ms(values: list[float]) -> str:
    if not values:
        return "none"
    q = statistics.quantiles(values, n=100, method="inclusive") if len(values) > 1 else values * 99
    return (
        f"n={len(values)} p50 {statistics.median(values) * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms, "
        f"max {max(values) * 1000:.1f} ms"
    )


async def pings(kiosk: HallClient, seconds: float) -> list[float]:
    took, end = [], time.perf_counter() + seconds
    while time.perf_counter() < end:
        t = time.perf_counter()
        await kiosk.request("ping")
        took.append(time.perf_counter() - t)
        await asyncio.sleep(0.005)
    return took


async def changes(clerk: HallClient, stop: asyncio.Event) -> list[float]:
    took, n = [], 0
    while not stop.is_set():
        t = time.perf_counter()
        await clerk.request("change_password", current=PASSWORDS[n % 2], new=PASSWORDS[(n + 1) % 2])
        took.append(time.perf_counter() - t)
        n += 1
    return took


async def main(seconds: float, lockouts: int) -> None:
    config = hall_config.load(DEMO_HALL)
    counter = next(c for c in config.counters if c.clerks)
    name = counter.clerks[0]
    data = Path(tempfile.mkdtemp(prefix="hallcall-bench-passwords-"))
    path = sign_up_hall(DEMO_HALL, config, data, PASSWORDS[0], "bench-supervisor")
    storage = Storage(path)
    server = HallServer(config, storage, enforce_hours=False)
    server.throttle = auth.Throttle(base=0.001, cap=0.001)  # step 4 times the lock-out, not the throttle
    port = await server.start("127.0.0.1", 0)
    url = f"ws://127.0.0.1:{port}"
    try:
        kiosk = HallClient(url)
        await kiosk.connect()
        device = config.devices.kiosks[0]
        await kiosk.hello("kiosk", device=device.name, token=device.token)
        clerk = HallClient(url)
        await clerk.connect()
        await clerk.hello("counter", counter=counter.number, clerk=name, password=PASSWORDS[0])

        print(f"kiosk pings at rest:                      {ms(await pings(kiosk, seconds))}")
        stop = asyncio.Event()
        changing = asyncio.create_task(changes(clerk, stop))
        during = await pings(kiosk, seconds)
        stop.set()
        took = await changing
        print(f"kiosk pings while a clerk changes passwords: {ms(during)}")
        print(f"change_password round trips:               {ms(took)}")

        guesser = HallClient(url)
        await guesser.connect()
        hello = {"role": "counter", "protocol": 1, "counter": counter.number, "clerk": name}
        for n in range(5):
            await guesser.call("hello", **hello, password=f"wrong-guess-{n}")
        refused = []
        for _ in range(lockouts):
            t = time.perf_counter()
            answer = await guesser.call("hello", **hello, password=PASSWORDS[0])
            refused.append(time.perf_counter() - t)
            assert answer["code"] == "locked_out", answer
        print(f"locked-out sign-ins refused:              {ms(refused)}")
        for c in (kiosk, clerk, guesser):
            await c.close()
    finally:
        await server.stop()
        storage.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="how long each ping phase lasts")
    parser.add_argument("--lockouts", type=int, default=200, help="locked-out sign-ins to time")
    args = parser.parse_args()
    asyncio.run(main(args.seconds, args.lockouts))
