#!/usr/bin/env python3
"""Power-cut campaign: the hall's database as a power cut would leave it, mid-write, reopens
cleanly and keeps every acknowledged ticket, with the server's default settings.

The storage (server/storage.py) runs SQLite in WAL mode with ``synchronous = FULL`` unless the
hall's ``[server] synchronous`` says ``normal``.  In WAL mode a commit appends its pages to the
``-wal`` file; FULL makes SQLite fsync that file at every commit, and the server sends no answer
and no event before the commit returns.  So what a client was told is on the disk; what a cut
can take is the transaction being written, never an acknowledged one.  This campaign checks both
halves with a real ``hallcall server`` child under bench/kill_campaign.py's load (kiosks and
counters on the programs' own link):

1. **Cuts** (``--copies``, at random moments under load).  The server is frozen with SIGSTOP
   — wherever it is, a commit's writes half done included — its database and ``-wal`` files are
   copied, and it goes on (SIGCONT).  The ``-shm`` file is not copied: it is a memory map that
   SQLite rebuilds from the WAL when the first connection opens the files.  Copying the files
   mid-write is the accepted approximation of a power cut; it keeps every write the server had
   made, where a real cut keeps only what reached the disk.  To come closer, a second look a few
   milliseconds later (same WAL generation, no checkpoint between: the database file unchanged)
   bounds the writes made in between, and the disk as it would be had those writes stopped at a
   random byte is made from the two: the first look's database and the second look's WAL up to
   that byte (``writes cut short``: a frame or a transaction half written), and the same with a
   torn sector of random bytes there (``torn sector``).  Each copy is reopened the way the server
   opens it (``Storage``, the migrations, the ``Hub`` rebuilding the day), checked with ``PRAGMA
   quick_check``, and held (bench/kill_campaign.py's ``check_database``) to every answer the
   clients had received before its cut; every ``--serve-every``-th cut is also served by a real
   ``hallcall server``, whose next ticket must follow the copy's numbering.
2. **Sync audit** (``--audit-seconds``): strace follows the server's writes under the same load;
   every answer or event it sends must find every write to the ``-wal`` file before it already
   fsynced.  A send that went out with a WAL write not yet synced is a reply a power cut could
   take back.  ``--synchronous normal`` shows the audit finding exactly that.

What must be 0: copies that did not reopen, damaged copies, acknowledged tickets, changes and
stored answers missing from a copy, duplicate numbers and double calls (in a copy or in the
answers), served copies whose numbering did not go on, answers no correct server gives this load,
and unsynced sends in the audit.

Run: ``.venv/bin/python bench/power_cut.py --copies 100``
(tests/test_campaign_power.py runs a short form and asserts the zeros.)
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import os
import random
import re
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kill_campaign import START_OPTIONS, Campaign, Findings, Ledger, Plan, check_database, run_and_report

from hallcall import config as hall_config
from hallcall.client import HallClient
from hallcall.server.app import database_path
from hallcall.server.child import start_server
from hallcall.server.clock import Clock
from hallcall.server.hub import Hub
from hallcall.server.storage import Storage

# ---------------------------------------------------------------------------------------------
# The WAL file, read as SQLite reads it (https://www.sqlite.org/fileformat.html#the_write_ahead_log)
# ---------------------------------------------------------------------------------------------
WAL_MAGIC = {0x377F0682: "<", 0x377F0683: ">"}  # checksums in little / big-endian words


def _checksum(data: bytes, s0: int, s1: int, order: str) -> tuple[int, int]:
    words = struct.unpack(f"{order}{len(data) // 4}I", data)
    for i in range(0, len(words), 2):
        s0 = (s0 + words[i] + s1) & 0xFFFFFFFF
        s1 = (s1 + words[i + 1] + s0) & 0xFFFFFFFF
    return s0, s1


@dataclass
class WalLog:
    """What a WAL file holds for a reader: the valid frames up to the last commit."""

    size: int
    header: bytes = b""  # the 32-byte header; empty if there is no valid one
    committed_end: int = 0  # the byte after the last valid commit frame (0: nothing committed)
    frames: int = 0  # valid frames, committed or not
    unfinished: int = 0  # valid frames after the last commit: a transaction being written
    partial: bool = False  # the start of a frame of this generation after the valid ones


def read_wal(data: bytes) -> WalLog:
    """The valid log in ``data``: frames whose salts match the header and whose running
    checksums hold, as far as they go; what a reader replays is up to ``committed_end``."""
    log = WalLog(len(data))
    if len(data) < 32:
        return log
    magic, _version, page_size, _seq, salt1, salt2, c1, c2 = struct.unpack(">8I", data[:32])
    order = WAL_MAGIC.get(magic)
    if order is None or page_size < 512 or _checksum(data[:24], 0, 0, order) != (c1, c2):
        return log
    log.header, log.committed_end = data[:32], 32
    s0, s1 = c1, c2
    frame = 24 + page_size
    at = 32
    while at + frame <= len(data):
        _page, commit, f1, f2, k1, k2 = struct.unpack(">6I", data[at : at + 24])
        if (f1, f2) != (salt1, salt2):
            break
        t0, t1 = _checksum(data[at : at + 8], s0, s1, order)
        t0, t1 = _checksum(data[at + 24 : at + frame], t0, t1, order)
        if (t0, t1) != (k1, k2):
            break
        s0, s1, at = t0, t1, at + frame
        log.frames += 1
        log.unfinished = 0 if commit else log.unfinished + 1
        if commit:
            log.committed_end = at
    log.partial = at + 16 <= len(data) and data[at + 8 : at + 16] == data[16:24]
    return log


# ---------------------------------------------------------------------------------------------
# Cuts and their copies
# ---------------------------------------------------------------------------------------------
@dataclass
class Cut:
    """The files as the frozen server left them, and what the clients had been told by then."""

    index: int
    db: bytes
    wal: bytes
    ledger: Ledger
    log: WalLog = field(init=False)

    def __post_init__(self) -> None:
        self.log = read_wal(self.wal)


@dataclass
class Reopened:
    cut: int
    variant: str
    error: str = ""  # why it did not reopen, or ""
    findings: Findings = field(default_factory=Findings)
    served: bool | None = None  # None: not served; else whether a real server took it and numbered on
    serve_error: str = ""


def freeze_ledger(ledger: Ledger) -> Ledger:
    """The ledger as it is now: its dicts and lists keep growing as the load goes on, but what
    they hold is never changed in place, so copying the containers is enough."""
    return Ledger(**{name: copy.copy(value) for name, value in vars(ledger).items()})


def write_copy(folder: Path, config: Path, db: bytes, wal: bytes) -> Path:
    """A data folder holding ``db`` and ``wal`` under the hall's database name; no ``-shm``."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    path = database_path(config, folder)
    path.write_bytes(db)
    if wal:
        Path(f"{path}-wal").write_bytes(wal)
    return path


def reopen(path: Path, config: Path, ledger: Ledger) -> tuple[str, Findings]:
    """Open the copy as the server does (storage, migrations, the day rebuilt) and hold it to
    ``ledger``; returns (what failed, or "") and the findings."""
    try:
        storage = Storage(path)
        try:
            Hub(hall_config.load(config), storage, Clock())
        finally:
            storage.close()
    except Exception as exc:  # any failure to reopen is the finding, whatever its kind
        return f"{type(exc).__name__}: {exc}", Findings()
    return "", check_database(path, ledger)


def serve(path: Path, config: Path, service: str) -> str:
    """Start a real server on the copy's folder; its next ``service`` ticket must follow the
    copy's numbering.  Returns what went wrong, or ""."""
    db = sqlite3.connect(path)
    try:
        seq = db.execute("SELECT COALESCE(MAX(seq), 0) FROM tickets WHERE service = ?", (service,)).fetchone()[0]
    finally:
        db.close()
    child = start_server(config, path.parent, options=START_OPTIONS, wait_seconds=60)
    try:
        kiosk = hall_config.load(config).devices.kiosks[0]

        async def issue() -> dict:
            client = HallClient(child.url)
            await client.connect()
            try:
                await client.hello("kiosk", device=kiosk.name, token=kiosk.token)
                return await client.request("issue", service=service)
            finally:
                await client.close()

        ticket = asyncio.run(issue())["ticket"]
        if not ticket["number"].endswith(f"{seq + 1:03d}"):
            return f"next {service} ticket {ticket['number']} after seq {seq}"
        return ""
    finally:
        child.stop()


# ---------------------------------------------------------------------------------------------
# The sync audit
# ---------------------------------------------------------------------------------------------
_CALL = re.compile(r"^(\d+)\s+(\w+)\((\d+)<(.+?)>[,)]")
_RESUMED = re.compile(r"^(\d+)\s+<\.\.\. (\w+) resumed>")
_WRITES = {"write", "pwrite64", "writev", "pwritev", "pwritev2"}
_SYNCS = {"fsync", "fdatasync"}
_SENDS = {"sendto", "sendmsg", "write", "writev", "send"}


@dataclass
class SyncAudit:
    synchronous: str
    wal_writes: int = 0
    synced_commits: int = 0  # syncs of the WAL that covered new writes
    sends: int = 0  # answers and events written to client sockets
    unsynced_sends: int = 0  # sends that left with a WAL write not yet synced


def audit_trace(text: str, wal: str, synchronous: str) -> SyncAudit:
    """Walk an ``strace -f -yy`` log: a WAL write counts when it returns, a sync when it
    returns, a send when it starts (its bytes may leave at once)."""
    audit = SyncAudit(synchronous)
    dirty = False
    unfinished: dict[str, tuple[str, str]] = {}  # pid -> (call, path) of a call not yet returned

    def done(call: str, path: str) -> None:
        nonlocal dirty
        if path == wal and call in _WRITES:
            audit.wal_writes += 1
            dirty = True
        elif path == wal and call in _SYNCS and dirty:
            audit.synced_commits += 1
            dirty = False

    for line in text.splitlines():
        if m := _CALL.match(line):
            pid, call, _fd, path = m.groups()
            if call in _SENDS and path.startswith("TCP"):
                audit.sends += 1
                audit.unsynced_sends += dirty
            if "<unfinished" in line:
                unfinished[pid] = (call, path)
            else:
                done(call, path)
        elif m := _RESUMED.match(line):
            call, path = unfinished.pop(m.group(1), (m.group(2), ""))
            done(call, path)
    return audit


def audit_syncs(campaign: Campaign, seconds: float, folder: Path) -> SyncAudit:
    """strace the running server while the load runs for ``seconds``."""
    trace = folder / "strace.txt"
    calls = "trace=" + ",".join(sorted(_WRITES | _SYNCS | _SENDS))
    pid = campaign.server.proc.pid
    tracer = subprocess.Popen(
        ["strace", "-f", "-qq", "-yy", "-s", "0", "-e", calls, "-o", str(trace), "-p", str(pid)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        campaign.pump(1.0, drive=False)  # let it attach to every thread before the load
        campaign.pump(seconds, drive=True)
    finally:
        tracer.send_signal(signal.SIGINT)
        try:
            tracer.wait(30)
        except subprocess.TimeoutExpired:
            tracer.kill()
            tracer.wait(5)
    campaign.pump(campaign.plan.back_within, drive=False, until=campaign.all_answered)
    synchronous = campaign.plan.synchronous or hall_config.Server().synchronous
    return audit_trace(trace.read_text(errors="replace"), f"{campaign.db}-wal", synchronous)


# ---------------------------------------------------------------------------------------------
# The campaign
# ---------------------------------------------------------------------------------------------
@dataclass
class PowerPlan:
    copies: int = 100
    kiosks: int = 3
    counters: int = 6
    services: int = 60
    gap_seconds: tuple[float, float] = (0.05, 0.6)  # load between two cuts
    follow_seconds: tuple[float, float] = (0.005, 0.05)  # from a cut to the look that bounds its next writes
    serve_every: int = 10  # every Nth cut is also served by a real server
    audit_seconds: float = 3.0  # 0: no sync audit
    synchronous: str | None = None  # None: the server's default
    seed: int = 1
    time_limit: float = 1800.0

    def load(self) -> Plan:
        """The kill campaign's plan for the same load (nothing is killed here)."""
        return Plan(
            runs=0,
            kiosks=self.kiosks,
            counters=self.counters,
            services=self.services,
            seed=self.seed,
            synchronous=self.synchronous,
        )


@dataclass
class PowerResult:
    plan: PowerPlan
    reopened: list[Reopened] = field(default_factory=list)
    cuts: int = 0
    mid_transaction: int = 0  # cuts that froze the server with a transaction's frames half written
    wal_bytes: list[int] = field(default_factory=list)
    pairs_skipped: int = 0  # a cut and its second look with a checkpoint or a new WAL between them
    audit: SyncAudit | None = None
    ledger: Ledger = field(default_factory=Ledger)  # every answer the clients received
    wall_s: float = 0.0

    def count(self, name: str) -> int:
        return sum(len(getattr(r.findings, name)) for r in self.reopened)

    def zeros(self) -> dict[str, int]:
        names = ("lost_tickets", "lost_changes", "lost_answers", "duplicate_numbers", "double_calls", "damaged")
        figures = {"not_reopened": sum(1 for r in self.reopened if r.error)}
        figures |= {name: self.count(name) for name in names}
        figures["numbering_broken"] = sum(1 for r in self.reopened if r.served is False)
        for name, n in self.ledger.zeros().items():
            figures[name] = figures.get(name, 0) + n
        if self.audit is not None:
            figures["unsynced_sends"] = self.audit.unsynced_sends
        return figures

    def summary(self) -> str:
        by_variant: dict[str, int] = {}
        for r in self.reopened:
            by_variant[r.variant] = by_variant.get(r.variant, 0) + 1
        served = sum(1 for r in self.reopened if r.served is not None)
        p = self.plan
        lines = [
            f"power-cut campaign: {self.cuts} cuts in {self.wall_s:.0f} s under load "
            f"({p.kiosks} kiosks, {p.counters} counters, synchronous {p.synchronous or 'default'}, seed {p.seed}); "
            f"{len(self.ledger.issued_by)} tickets acknowledged",
            f"  copies reopened: {len(self.reopened)} "
            f"({', '.join(f'{n} {v}' for v, n in by_variant.items())}); {served} also served by a real server",
            f"  cuts that froze a transaction half written: {self.mid_transaction}; "
            f"cuts without a 'cut short' copy (a checkpoint, a new WAL or no write before the second look): "
            f"{self.pairs_skipped}",
        ]
        if self.wal_bytes:
            lines.append(f"  WAL at the cut: {min(self.wal_bytes)}-{max(self.wal_bytes)} bytes")
        if self.audit is not None:
            a = self.audit
            lines.append(
                f"  sync audit (synchronous {a.synchronous}): {a.wal_writes} WAL writes, {a.synced_commits} syncs "
                f"covering them, {a.sends} sends to clients, {a.unsynced_sends} sent with a WAL write not yet synced"
            )
        lines.append("  must be 0: " + ", ".join(f"{k} {v}" for k, v in self.zeros().items()))
        for r in self.reopened:
            problems = r.findings.problems()
            if r.error or problems or r.served is False:
                lines.append(f"    cut {r.cut} {r.variant}: {r.error or ''}{r.serve_error} {problems}"[:400])
        lines += [f"    {s}" for s in self.ledger.duplicate_numbers[:3] + self.ledger.double_calls[:3]]
        lines += [f"    {s}" for s in self.ledger.surprises[:5]]
        return "\n".join(lines)


class PowerCuts:
    def __init__(self, plan: PowerPlan, folder: Path) -> None:
        self.plan = plan
        self.folder = folder
        self.rng = random.Random(plan.seed)
        self.campaign = Campaign(plan.load(), folder / "hall")
        self.config = self.campaign.hall.config
        self.result = PowerResult(plan)

    def cut(self, index: int) -> Cut:
        """Freeze the server, copy its files, let it go on."""
        pid = self.campaign.server.proc.pid
        os.kill(pid, signal.SIGSTOP)
        try:
            self.campaign.pump(0.05, drive=False)  # answers sent before the freeze reach the ledger
            ledger = freeze_ledger(self.campaign.ledger)
            db = self.campaign.db.read_bytes()
            wal_path = Path(f"{self.campaign.db}-wal")
            wal = wal_path.read_bytes() if wal_path.exists() else b""
        finally:
            os.kill(pid, signal.SIGCONT)
        return Cut(index, db, wal, ledger)

    def check(self, variant: str, cut: Cut, wal: bytes, serve: bool) -> None:
        where = write_copy(self.folder / "copy", self.config, cut.db, wal)
        error, findings = reopen(where, self.config, cut.ledger)
        done = Reopened(cut.index, variant, error, findings)
        if serve and not error:
            problem = serve_copy(where, self.config, self.campaign.hall.services[0])
            done.served, done.serve_error = not problem, problem
        self.result.reopened.append(done)

    def check_pair(self, before: Cut, after: Cut) -> None:
        """The writes between two cuts, stopped at a random byte: as cut short, and torn."""
        same = before.db == after.db and before.log.header and before.log.header == after.log.header
        if not same or after.log.committed_end <= before.log.committed_end:
            self.result.pairs_skipped += 1
            return
        stop = self.rng.randint(before.log.committed_end + 1, after.log.committed_end - 1)
        self.check("writes cut short", before, after.wal[:stop] + before.wal[stop:], serve=False)
        torn = bytes(self.rng.getrandbits(8) for _ in range(512))
        self.check("torn sector", before, after.wal[:stop] + torn + before.wal[stop + 512 :], serve=False)

    def run(self, report: Callable[[str], None] = print) -> PowerResult:
        began = time.monotonic()
        try:
            self.campaign.connect()
            for i in range(self.plan.copies):
                if time.monotonic() - began > self.plan.time_limit:
                    report(f"time limit of {self.plan.time_limit:.0f} s reached after {i} cuts")
                    break
                self.campaign.pump(self.rng.uniform(*self.plan.gap_seconds), drive=True)
                cut = self.cut(i + 1)
                self.result.cuts += 1
                self.result.wal_bytes.append(len(cut.wal))
                self.result.mid_transaction += bool(cut.log.unfinished or cut.log.partial)
                serve = self.plan.serve_every > 0 and (i + 1) % self.plan.serve_every == 0
                self.check("as cut", cut, cut.wal, serve)
                # A moment later, a second look bounds the writes the server made in between.
                self.campaign.pump(self.rng.uniform(*self.plan.follow_seconds), drive=True)
                self.check_pair(cut, self.cut(i + 1))
                bad = [r for r in self.result.reopened if r.cut == i + 1 and (r.error or r.findings.problems())]
                report(
                    f"cut {i + 1}: WAL {len(cut.wal)} bytes, {cut.log.frames} frames"
                    + (f", {cut.log.unfinished} unfinished" if cut.log.unfinished else "")
                    + (f"; PROBLEMS {[(r.variant, r.error or r.findings.problems()) for r in bad]}" if bad else "")
                )
            if self.plan.audit_seconds > 0:
                self.result.audit = audit_syncs(self.campaign, self.plan.audit_seconds, self.folder)
        finally:
            self.result.ledger = self.campaign.ledger
            self.campaign.close()
            self.result.wall_s = time.monotonic() - began
        return self.result


def serve_copy(path: Path, config: Path, service: str) -> str:
    try:
        return serve(path, config, service)
    except Exception as exc:  # a server that will not start on the copy is the finding
        return f"{type(exc).__name__}: {exc}"


def run(plan: PowerPlan, folder: Path, report: Callable[[str], None] = print) -> PowerResult:
    """Run the campaign in ``folder`` (the hall, its copies and the strace log go there)."""
    return PowerCuts(plan, folder).run(report)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    d = PowerPlan()
    parser.add_argument("--copies", type=int, default=d.copies, help="how many cuts to make")
    parser.add_argument("--kiosks", type=int, default=d.kiosks)
    parser.add_argument("--counters", type=int, default=d.counters)
    parser.add_argument("--services", type=int, default=d.services)
    parser.add_argument("--gap-seconds", type=float, nargs=2, default=d.gap_seconds, metavar=("MIN", "MAX"))
    parser.add_argument("--serve-every", type=int, default=d.serve_every, help="0: never start a server on a copy")
    parser.add_argument("--audit-seconds", type=float, default=d.audit_seconds, help="0: no sync audit")
    parser.add_argument("--synchronous", choices=("normal", "full"), help="the hall's [server] synchronous")
    parser.add_argument("--seed", type=int, default=d.seed)
    parser.add_argument("--time-limit", type=float, default=d.time_limit)
    parser.add_argument("--keep", type=Path, help="run in this folder and keep it")
    args = parser.parse_args(argv)
    if args.audit_seconds > 0 and shutil.which("strace") is None:
        parser.error("the sync audit needs strace (apt-get install strace), or --audit-seconds 0")
    plan = PowerPlan(
        args.copies,
        args.kiosks,
        args.counters,
        args.services,
        tuple(args.gap_seconds),
        d.follow_seconds,
        args.serve_every,
        args.audit_seconds,
        args.synchronous,
        args.seed,
        args.time_limit,
    )
    return run_and_report(run, plan, args.keep, "hallcall-power-")


if __name__ == "__main__":
    sys.exit(main())
