"""Races: many counters pressing "next" at once, many kiosks issuing and retrying at once.

The server handles every request on one asyncio loop and group-commits the requests of one loop
turn in one SQLite transaction; these tests check what that must guarantee when the requests
really do arrive together over separate websocket connections:

* no ticket is ever called twice, every waiting ticket is called exactly once, and the journal
  (the ``events`` table) agrees;
* numbering has no gaps and no duplicates, and a request id sent again — pipelined on the same
  connection, at the same moment on a second connection of the same device, after a reconnect,
  or after a connection lost before the answer arrived — gets the first answer, never a second
  ticket;
* a double-clicked "next" calls once.

Every wait is bounded, so a lost answer fails the test instead of hanging it.
"""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import MONDAY_10AM, PASSWORD, TEST_HALL, ManualClock

from hallcall import config as hall_config
from hallcall import protocol as p
from hallcall.client import HallClient
from hallcall.server import auth
from hallcall.server.app import HallServer, database_path
from hallcall.server.storage import Storage

ANSWER_TIMEOUT = 15.0  # seconds any single answer may take before the test fails

COUNTERS = 20
KIOSKS = 10
CLERK_NAMES = tuple(f"clerk{n:02d}" for n in range(1, COUNTERS + 1))


# ---------------------------------------------------------------------------- a bigger hall


def _load_hall_toml(counters: int, kiosks: int) -> str:
    lines = [
        "# A load-test hall: comprehensive counters anyone may staff, open around the clock.",
        "[hall]",
        'name = { zh = "压力测试大厅", en = "Load Test Hall" }',
        'languages = ["zh", "en"]',
        'timezone = "Asia/Shanghai"',
        "rollover_hour = 3",
        'opening_hours = ["00:00-24:00"]',
        'open_days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]',
        "",
        "[[services]]",
        'id = "alpha"',
        'prefix = "A"',
        'name = { zh = "甲", en = "Alpha" }',
        "",
        "[[services]]",
        'id = "beta"',
        'prefix = "B"',
        'name = { zh = "乙", en = "Beta" }',
        "",
    ]
    for n in range(1, counters + 1):
        lines += [
            "[[counters]]",
            f"number = {n}",
            "services = []",
            "clerks = []",
            "backups = []",
            "staffed = false",
            "",
        ]
    devices = ", ".join(f'{{ name = "kiosk-{k}", token = "kiosk-token-{k}" }}' for k in range(1, kiosks + 1))
    # issue_rate_per_minute = 0: these kiosks issue hundreds of tickets at once (no person's pace)
    lines += ["[devices]", f"kiosks = [{devices}]", "", "[server]", "queue_update_interval_ms = 50"]
    lines += ["issue_rate_per_minute = 0", ""]
    return "\n".join(lines)


@dataclass
class LoadHall:
    server: HallServer
    url: str
    db_path: Path
    clients: list[HallClient] = field(default_factory=list)

    async def client(self) -> HallClient:
        c = HallClient(self.url)
        await c.connect()
        self.clients.append(c)
        return c

    async def kiosk(self, k: int) -> HallClient:
        c = await self.client()
        await c.hello("kiosk", device=f"kiosk-{k}", token=f"kiosk-token-{k}")
        return c

    async def counter(self, number: int, clerk: str) -> HallClient:
        c = await self.client()
        await c.hello("counter", counter=number, clerk=clerk, password=PASSWORD)
        return c

    def db(self) -> sqlite3.Connection:
        """A separate reader: it sees only what the server has committed."""
        return sqlite3.connect(self.db_path)


@asynccontextmanager
async def load_hall(tmp_path: Path) -> AsyncIterator[LoadHall]:
    toml = tmp_path / "load-hall.toml"
    toml.write_text(_load_hall_toml(COUNTERS, KIOSKS), encoding="utf-8")
    config = hall_config.load(toml)
    storage = Storage(database_path(toml, tmp_path))
    digest = auth.hash_password(PASSWORD)
    for name in CLERK_NAMES:
        storage.save_clerk(name, digest, role="clerk")
    server = HallServer(config, storage, ManualClock(MONDAY_10AM))
    port = await server.start("127.0.0.1", 0)
    h = LoadHall(server, f"ws://127.0.0.1:{port}", database_path(toml, tmp_path))
    try:
        yield h
    finally:
        try:  # bounded: a server that cannot let go of its clients fails the test, not hangs it
            await asyncio.wait_for(asyncio.gather(*(c.close() for c in h.clients), return_exceptions=True), 10)
            await asyncio.wait_for(server.stop(), 10)
        finally:
            storage.close()


# ---------------------------------------------------------------------------- raw answers by id


class Wire:
    """Sends requests with ids of our choosing and records every answer per id.

    ``HallClient.call`` keeps one pending future per id, so the same id sent twice at once would
    lose one answer; here no future is registered and every result/error reaches the listener,
    however many times the server answers an id.
    """

    def __init__(self, client: HallClient) -> None:
        self.client = client
        self.answers: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._waiters: dict[str, list[asyncio.Future[None]]] = defaultdict(list)
        client.listeners.append(self._hear)

    def _hear(self, message: dict[str, Any]) -> None:
        re = message.get("re")
        if message.get("type") in ("result", "error") and re is not None:
            self.answers[re].append(message)
            for fut in self._waiters.pop(re, []):
                if not fut.done():
                    fut.set_result(None)

    async def send(self, kind: str, rid: str, **fields: Any) -> None:
        await self.client.send_raw(p.encode({"type": kind, "id": rid, **fields}))

    async def wait(self, rid: str, count: int = 1, timeout: float = ANSWER_TIMEOUT) -> list[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.answers[rid]) < count:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"{count} answer(s) to {rid!r} expected, got {self.answers[rid]!r}")
            fut: asyncio.Future[None] = loop.create_future()
            self._waiters[rid].append(fut)
            with suppress(TimeoutError):
                await asyncio.wait_for(fut, remaining)
        return self.answers[rid]

    async def ask(self, kind: str, rid: str, **fields: Any) -> dict[str, Any]:
        before = len(self.answers[rid])
        await self.send(kind, rid, **fields)
        return (await self.wait(rid, before + 1))[before]


def _ticket(answer: dict[str, Any]) -> dict[str, Any]:
    assert answer["type"] == "result", answer
    return answer["data"]["ticket"]


# ---------------------------------------------------------------------------- (a) 20 counters race


async def test_twenty_counters_pressing_next_together_never_share_a_ticket(tmp_path: Path) -> None:
    tickets = 200
    async with load_hall(tmp_path) as h:
        kiosk = await h.kiosk(1)
        issued: list[str] = []
        for i in range(tickets):
            data = await kiosk.request("issue", service="alpha" if i % 2 == 0 else "beta")
            issued.append(data["ticket"]["number"])
        assert len(set(issued)) == tickets

        counters = await asyncio.gather(*(h.counter(n, CLERK_NAMES[n - 1]) for n in range(1, COUNTERS + 1)))
        wires = [Wire(c) for c in counters]
        ids = itertools.count(1)

        calls: list[tuple[int, dict[str, Any]]] = []  # (counter, ticket as answered)
        rounds = 0
        max_rounds = tickets // COUNTERS + 3  # bounded: the queue must be empty by then
        while rounds < max_rounds:
            rounds += 1
            # Every counter presses "next" in the same loop turn: 20 frames on 20 sockets at once.
            answers = await asyncio.gather(*(w.ask("call_next", f"next-{next(ids)}") for w in wires))
            got = []
            for number, answer in enumerate(answers, start=1):
                if answer["type"] == "error":
                    assert answer["code"] == "queue_empty", answer
                    continue
                t = _ticket(answer)
                assert t["state"] == "called"
                assert t["counter"] == number
                assert t["clerk"] == CLERK_NAMES[number - 1]
                got.append(number)
                calls.append((number, t))
            if not got:
                break
            this_round = [t["number"] for _, t in calls[-len(got) :]]
            assert len(set(this_round)) == len(this_round), f"round {rounds}: a ticket was called twice: {this_round}"
            # "oldest" policy on comprehensive counters: each round takes the oldest waiting tickets.
            start = len(calls) - len(got)
            assert sorted(this_round, key=issued.index) == issued[start : start + len(got)]
            finished = await asyncio.gather(*(wires[n - 1].ask("finish", f"finish-{next(ids)}") for n in got))
            for number, answer in zip(got, finished, strict=True):
                t = _ticket(answer)
                assert t["state"] == "done"
                assert t["counter"] == number
        assert rounds < max_rounds, "the queue did not empty within the expected number of rounds"

        called = [t["number"] for _, t in calls]
        duplicates = [n for n, k in Counter(called).items() if k > 1]
        assert not duplicates, f"tickets called more than once: {duplicates}"
        assert sorted(called) == sorted(issued), "every ticket must be called exactly once"
        assert rounds == tickets // COUNTERS + 1  # ten full rounds, then one where all hear queue_empty

        db = h.db()
        try:
            per_ticket = dict(
                db.execute("SELECT number, COUNT(*) FROM events WHERE action = 'call' GROUP BY ticket_id").fetchall()
            )
            assert per_ticket == dict.fromkeys(issued, 1), "the journal must hold one call per ticket"
            finishes = db.execute("SELECT COUNT(*), COUNT(DISTINCT ticket_id) FROM events WHERE action = 'finish'")
            assert finishes.fetchone() == (tickets, tickets)
            rows = {n: (s, c, k) for n, s, c, k in db.execute("SELECT number, state, counter, clerk FROM tickets")}
            assert len(rows) == tickets
            for number, t in calls:
                assert rows[t["number"]] == ("done", number, CLERK_NAMES[number - 1])
            # the journal's call rows name the counter that got the ticket, as the answer did
            journal = {
                n: c for n, c in db.execute("SELECT number, counter FROM events WHERE action = 'call'").fetchall()
            }
            assert journal == {t["number"]: number for number, t in calls}
        finally:
            db.close()
        assert all(not c.current for c in h.server.hub.state.counters.values())


# ---------------------------------------------------------------------------- (b) 10 kiosks, retries


@dataclass
class KioskRun:
    """One kiosk device's requests: its answers, and which ids it sent more than once."""

    k: int
    first: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> first answer received
    repeats: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # id -> answers to re-sends
    mode_of: dict[str, str] = field(default_factory=dict)


async def _kiosk_run(h: LoadHall, k: int, per_kiosk: int) -> KioskRun:
    run = KioskRun(k)
    main = Wire(await h.kiosk(k))
    twin = Wire(await h.kiosk(k))  # a second connection of the same device (same principal)
    modes = ("pipelined", "twin", "reconnect", "lost")
    for i in range(per_kiosk):
        rid = f"k{k:02d}-{i:03d}"  # unique across all kiosks too
        service = "alpha" if (k + i) % 2 == 0 else "beta"
        if i % 5:
            run.first[rid] = await main.ask("issue", rid, service=service)
            continue
        mode = modes[(i // 5) % len(modes)]
        run.mode_of[rid] = mode
        if mode == "pipelined":  # the same id twice back to back on one connection, unawaited
            await main.send("issue", rid, service=service)
            await main.send("issue", rid, service=service)
            first, again = await main.wait(rid, 2)
            run.first[rid], run.repeats[rid] = first, [again]
        elif mode == "twin":  # the same id at the same instant on two connections of the device
            await asyncio.gather(main.send("issue", rid, service=service), twin.send("issue", rid, service=service))
            (a,), (b,) = await asyncio.gather(main.wait(rid), twin.wait(rid))
            run.first[rid], run.repeats[rid] = a, [b]
        elif mode == "reconnect":  # answered, then the kiosk restarts its connection and retries
            run.first[rid] = await main.ask("issue", rid, service=service)
            await main.client.close()
            main = Wire(await h.kiosk(k))
            run.repeats[rid] = [await main.ask("issue", rid, service=service)]
        else:  # "lost": the connection drops before the answer is read; retry on a new one, twice
            await main.send("issue", rid, service=service)
            await main.client.close()
            main = Wire(await h.kiosk(k))
            run.first[rid] = await main.ask("issue", rid, service=service)
            run.repeats[rid] = [await main.ask("issue", rid, service=service)]
    return run


async def test_ten_kiosks_issue_a_thousand_tickets_with_retries(tmp_path: Path) -> None:
    per_kiosk = 100
    total = KIOSKS * per_kiosk
    async with load_hall(tmp_path) as h:
        runs = await asyncio.wait_for(
            asyncio.gather(*(_kiosk_run(h, k, per_kiosk) for k in range(1, KIOSKS + 1))), timeout=45
        )

        by_id: dict[str, dict[str, Any]] = {}
        device_of: dict[str, str] = {}
        for run in runs:
            assert len(run.first) == per_kiosk
            for rid, answer in run.first.items():
                assert answer["type"] == "result", (rid, answer)
                assert answer["re"] == rid
                by_id[rid] = answer
                device_of[rid] = f"kiosk-{run.k}"
            assert len(run.repeats) == per_kiosk // 5
            for rid, again in run.repeats.items():
                for answer in again:
                    assert answer == run.first[rid], f"{run.mode_of[rid]} retry of {rid} got a different answer"

        numbers = [_ticket(a)["number"] for a in by_id.values()]
        assert len(numbers) == total
        duplicates = [n for n, c in Counter(numbers).items() if c > 1]
        assert not duplicates, f"one number given to several requests: {duplicates[:10]}"
        per_service: dict[str, list[int]] = defaultdict(list)
        for a in by_id.values():
            t = _ticket(a)
            per_service[t["service"]].append(int(t["number"][1:]))
        assert {s: len(v) for s, v in per_service.items()} == {"alpha": total // 2, "beta": total // 2}
        for service, seqs in per_service.items():
            assert sorted(seqs) == list(range(1, len(seqs) + 1)), f"{service}: numbers have gaps or repeats"

        db = h.db()
        try:
            assert db.execute("SELECT COUNT(*) FROM tickets").fetchone() == (total,)
            assert db.execute("SELECT COUNT(*) FROM events WHERE action = 'issue'").fetchone() == (total,)
            for service, prefix in (("alpha", "A"), ("beta", "B")):
                row = db.execute(
                    "SELECT COUNT(*), COUNT(DISTINCT seq), MIN(seq), MAX(seq) FROM tickets WHERE service = ?",
                    (service,),
                ).fetchone()
                assert row == (total // 2, total // 2, 1, total // 2), (service, row)
                bad = db.execute(
                    "SELECT COUNT(*) FROM tickets WHERE service = ? AND number != ? || printf('%03d', seq)",
                    (service, prefix),
                ).fetchone()
                assert bad == (0,)
            stored = {n: (tid, dev) for n, tid, dev in db.execute("SELECT number, id, device FROM tickets")}
            for rid, a in by_id.items():
                t = _ticket(a)
                assert stored[t["number"]] == (t["id"], device_of[rid]), rid
            answers = db.execute("SELECT principal, request_id, answer FROM answers WHERE principal LIKE 'kiosk:%'")
            kept = {(pr, rid): p_answer for pr, rid, p_answer in answers}
            assert len(kept) == total
            for rid, a in by_id.items():
                assert p.encode(a) == kept[(f"kiosk:{device_of[rid]}", rid)].encode()
        finally:
            db.close()


# ---------------------------------------------------------------------------- (c) double click


async def test_double_clicked_call_next_calls_once(hall: Any) -> None:
    kiosk = await hall.kiosk()
    for _ in range(3):
        await kiosk.request("issue", service="social")
    first = await hall.counter(1, "cat")
    wire = Wire(first)

    # The same id twice, back to back, without waiting for the first answer.
    await wire.send("call_next", "click-1")
    await wire.send("call_next", "click-1")
    a, b = await wire.wait("click-1", 2)
    assert a == b
    assert _ticket(a)["number"] == "A001"
    assert (await first.request("ticket", number="A002"))["ticket"]["state"] == "waiting"

    # A genuinely new press while the counter holds A001 is refused, and calls nobody.
    busy = await wire.ask("call_next", "click-2")
    assert busy["type"] == "error" and busy["code"] == "counter_busy", busy
    assert _ticket(await wire.ask("finish", "finish-1"))["number"] == "A001"

    # The same id at the same instant from two connections of the same clerk and counter (the old
    # link not yet gone when the program reconnects): still one call.
    second = await hall.counter(1, "cat")
    wire2 = Wire(second)
    await asyncio.gather(wire.send("call_next", "click-3"), wire2.send("call_next", "click-3"))
    (x,), (y,) = await asyncio.gather(wire.wait("click-3"), wire2.wait("click-3"))
    assert x == y
    assert _ticket(x)["number"] == "A002"
    assert (await first.request("ticket", number="A003"))["ticket"]["state"] == "waiting"

    db = sqlite3.connect(database_path(TEST_HALL, hall.data))
    try:
        calls = db.execute("SELECT number, counter FROM events WHERE action = 'call' ORDER BY id").fetchall()
        assert calls == [("A001", 1), ("A002", 1)]
        assert db.execute("SELECT state FROM tickets WHERE number = 'A003'").fetchone() == ("waiting",)
    finally:
        db.close()


async def test_same_id_from_two_connections_of_one_kiosk_issues_once(hall: Any) -> None:
    """Two connections of one kiosk device share a principal: the same id sent from both at once
    is one request (one ticket, one answer given twice); a new id is a new ticket."""
    a = Wire(await hall.kiosk())
    b = Wire(await hall.kiosk())
    await asyncio.gather(a.send("issue", "same", service="consult"), b.send("issue", "same", service="consult"))
    (x,), (y,) = await asyncio.gather(a.wait("same"), b.wait("same"))
    assert x == y
    assert _ticket(x)["number"] == "C001"
    assert _ticket(await b.ask("issue", "other", service="consult"))["number"] == "C002"


# ---------------------------------------------------------------------------- a failed commit


def _fail_next_commit(h: LoadHall, monkeypatch: pytest.MonkeyPatch) -> list[Exception]:
    """The server's next COMMIT fails as on a full or broken disk; returns the pending failure
    (empty once it has happened)."""
    storage = h.server.storage
    real_commit = storage.commit
    failures: list[Exception] = [sqlite3.OperationalError("disk I/O error (injected by the test)")]

    def commit() -> None:
        if failures:
            raise failures.pop()
        real_commit()

    monkeypatch.setattr(storage, "commit", commit)
    return failures


def _stored_tickets(h: LoadHall) -> dict[int, str]:
    db = h.db()
    try:
        return dict(db.execute("SELECT id, number FROM tickets").fetchall())
    finally:
        db.close()


async def test_same_id_in_flight_is_not_answered_before_its_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The copy of an id that arrives while the first is still being committed must wait for that
    commit: if the commit fails (disk full, I/O error), both copies are told so — neither may be
    told of a ticket that was rolled back — and a later retry issues the ticket for real."""
    async with load_hall(tmp_path) as h:
        failures = _fail_next_commit(h, monkeypatch)
        a = Wire(await h.kiosk(1))
        b = Wire(await h.kiosk(1))  # the same device: the same principal, so the same request
        await asyncio.gather(a.send("issue", "dup", service="alpha"), b.send("issue", "dup", service="alpha"))
        (x,), (y,) = await asyncio.gather(a.wait("dup"), b.wait("dup"))
        assert not failures, "the injected commit failure was not reached"

        rows = _stored_tickets(h)
        for who, answer in (("first", x), ("copy", y)):
            if answer["type"] == "error":
                assert answer["code"] == "storage_error", answer
                continue
            t = _ticket(answer)
            assert rows.get(t["id"]) == t["number"], (
                f"the {who} was answered with ticket {t['number']} (id {t['id']}), which the database does "
                f"not hold: the answer left before its commit, and the commit failed"
            )

        retry = await b.ask("issue", "dup", service="alpha")
        assert _ticket(retry)["number"] == "A001"
        assert _stored_tickets(h) == {_ticket(retry)["id"]: "A001"}
        for answer in (x, y):
            if answer["type"] == "result":
                assert answer == retry, "one id, two different answers"


async def test_a_query_does_not_show_a_change_before_its_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ``ticket`` query that arrives in the same loop turn as the issue of that ticket must not
    describe it before it is committed: if the commit then fails, the ticket never existed."""
    async with load_hall(tmp_path) as h:
        failures = _fail_next_commit(h, monkeypatch)
        kiosk = Wire(await h.kiosk(1))
        asker = Wire(await h.kiosk(2))
        await asyncio.gather(kiosk.send("issue", "x", service="alpha"), asker.send("ticket", "q", number="A001"))
        (issued,), (seen,) = await asyncio.gather(kiosk.wait("x"), asker.wait("q"))
        assert not failures, "the injected commit failure was not reached"
        assert issued["type"] == "error" and issued["code"] == "storage_error", issued
        rows = _stored_tickets(h)
        assert rows == {}
        if seen["type"] == "result":
            t = seen["data"]["ticket"]
            raise AssertionError(
                f"the query described ticket {t['number']} (id {t['id']}, {t['state']}) from a transaction "
                "that was then rolled back: replies must not leave before the commit"
            )
        assert seen["code"] == "unknown_ticket", seen
