"""SQLite storage for one hall: tickets, the event journal, sessions, pauses, clerks, answers.

One server process owns the file (a lock file refuses a second one), so the in-memory queue
and the database never disagree.  Writes are grouped: the server opens a transaction with
:meth:`Storage.begin`, every request handled in the same turn of the event loop adds its
rows, and one :meth:`Storage.commit` makes them durable together before any reply or event
leaves the server.  The schema is versioned with ``PRAGMA user_version`` and migrated at start.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import filelock
import sqlite_utils

from .domain.appointments import Booking, BookingSaved
from .domain.model import (
    OPEN_STATES,
    Change,
    Journal,
    PauseEnded,
    PauseStarted,
    Session,
    SessionClosed,
    SessionOpened,
    SessionRenewed,
    Ticket,
    TicketSaved,
)
from .domain.supervision import Alert, as_record, from_record


@dataclass(slots=True)
class AnswerRow:
    """The answer to a mutating request, kept so a retry with the same id gets it again."""

    principal: str
    request_id: str
    answer: bytes
    at: float


@dataclass(slots=True)
class WarningRaised:
    key: str
    warning: Alert
    at: float


@dataclass(slots=True)
class WarningCleared:
    key: str
    at: float


@dataclass(slots=True)
class WarningAcknowledged:
    """A supervisor acknowledged the open warning ``key`` raised at ``raised_at``."""

    key: str
    raised_at: float
    by: str
    at: float


@dataclass(slots=True)
class PasswordSet:
    """Account ``name``'s new password hash; ``must_change``: it is a supervisor's one-time
    password, to be replaced by the clerk at the next sign-in."""

    name: str
    password_hash: str
    must_change: bool


Record = Change | AnswerRow | WarningRaised | WarningCleared | WarningAcknowledged | PasswordSet | BookingSaved


class StorageError(Exception):
    """The database cannot be used (locked by another server, unreadable, too new)."""


def _v1(db: sqlite_utils.Database) -> None:
    db["tickets"].create(
        {
            "id": int,
            "day": str,
            "service": str,
            "seq": int,
            "number": str,
            "priority": int,
            "state": str,
            "issued_at": float,
            "queue_key": float,
            "eligible_at": float,
            "called_at": float,
            "serving_at": float,
            "finished_at": float,
            "counter": int,
            "clerk": str,
            "recalls": int,
            "putbacks": int,
            "transfers": int,
            "target_counter": int,
            "channel": str,
            "device": str,
        },
        pk="id",
        not_null={"day", "service", "seq", "number", "state", "issued_at"},
    )
    db["tickets"].create_index(["day", "number"], unique=True)
    db["tickets"].create_index(["day", "state"])
    db["events"].create(
        {
            "id": int,
            "at": float,
            "day": str,
            "ticket_id": int,
            "number": str,
            "counter": int,
            "clerk": str,
            "action": str,
            "reason": str,
            "detail": str,
        },
        pk="id",
        not_null={"at", "action"},
    )
    db["events"].create_index(["ticket_id"])
    db["events"].create_index(["day"])
    db["clerks"].create(
        {"name": str, "display_name": str, "password_hash": str, "role": str, "active": int, "created_at": float},
        pk="name",
        not_null={"password_hash", "role"},
    )
    db["counter_sessions"].create(
        {
            "id": int,
            "counter": int,
            "clerk": str,
            "signed_in_at": float,
            "signed_out_at": float,
            "end_reason": str,
            "token_hash": str,
        },
        pk="id",
    )
    db["counter_sessions"].create_index(["signed_out_at"])
    db["pauses"].create(
        {
            "id": int,
            "session_id": int,
            "counter": int,
            "clerk": str,
            "reason": str,
            "started_at": float,
            "ended_at": float,
        },
        pk="id",
    )
    db["answers"].create(
        {"principal": str, "request_id": str, "at": float, "answer": str}, pk=("principal", "request_id")
    )
    db["warnings"].create(
        {"id": int, "key": str, "kind": str, "level": int, "detail": str, "raised_at": float, "cleared_at": float},
        pk="id",
    )
    db["warnings"].create_index(["cleared_at"])


def _v2_supervisor_sessions(db: sqlite_utils.Database) -> None:
    """Supervisor console sign-ins: only a token's hash is kept, with when it stops working."""
    db["supervisor_sessions"].create(
        {"token_hash": str, "clerk": str, "created_at": float, "expires_at": float},
        pk="token_hash",
        not_null={"clerk", "expires_at"},
        if_not_exists=True,
    )


def _v3_warning_acknowledgements(db: sqlite_utils.Database) -> None:
    """A supervisor's acknowledgement of an open warning: who and when (null until then)."""
    columns = db["warnings"].columns_dict
    if "acknowledged_by" not in columns:
        db["warnings"].add_column("acknowledged_by", str)
    if "acknowledged_at" not in columns:
        db["warnings"].add_column("acknowledged_at", float)


def _v4_settings(db: sqlite_utils.Database) -> None:
    """Values the server makes once and keeps, by name (the secret of the tickets' status keys)."""
    db["settings"].create({"name": str, "value": str}, pk="name", not_null={"value"}, if_not_exists=True)


def _v5_must_change_password(db: sqlite_utils.Database) -> None:
    """An account whose password a supervisor reset: 1 until its clerk sets their own."""
    if "must_change" not in db["clerks"].columns_dict:
        db["clerks"].add_column("must_change", int, not_null_default=0)


def _v6_device_tokens(db: sqlite_utils.Database) -> None:
    """Device tokens given (``hallcall admin rotate-token``) or taken away (``revoke-token``):
    only their SHA-256 hashes, a null hash for a revocation; a device's latest row overrides the
    config's token, and ``retired_at`` says when a later row replaced a row."""
    db["device_tokens"].create(
        {"id": int, "device": str, "role": str, "token_hash": str, "created_at": float, "retired_at": float},
        pk="id",
        not_null={"device", "role", "created_at"},
        if_not_exists=True,
    )
    db["device_tokens"].create_index(["device"], if_not_exists=True)


def _v7_bookings(db: sqlite_utils.Database) -> None:
    """Appointments (预约): one row per booking.  The phone is kept whole only because check-in
    matches its last four digits; it is masked wherever it is shown or sent."""
    db["bookings"].create(
        {
            "code": str,
            "service": str,
            "day": str,
            "start": str,
            "end": str,
            "name": str,
            "phone": str,
            "state": str,
            "ticket": str,
            "booked_at": float,
            "changed_at": float,
        },
        pk="code",
        not_null={"service", "day", "start", "end", "name", "phone", "state"},
        if_not_exists=True,
    )
    db["bookings"].create_index(["day", "service", "start"], if_not_exists=True)


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _v1,
    _v2_supervisor_sessions,
    _v3_warning_acknowledgements,
    _v4_settings,
    _v5_must_change_password,
    _v6_device_tokens,
    _v7_bookings,
]
SCHEMA_VERSION = len(MIGRATIONS)

_TICKET_COLUMNS = tuple(Ticket.__slots__)  # type: ignore[attr-defined]
_UPSERT_TICKET = (
    f"INSERT INTO tickets ({', '.join(_TICKET_COLUMNS)}) VALUES ({', '.join('?' for _ in _TICKET_COLUMNS)}) "
    f"ON CONFLICT(id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in _TICKET_COLUMNS if c != 'id')}"
)


_BOOKING_COLUMNS = tuple(Booking.__slots__)  # type: ignore[attr-defined]
_QUOTED = [f'"{c}"' for c in _BOOKING_COLUMNS]  # "end" is an SQL keyword
_UPSERT_BOOKING = (
    f"INSERT INTO bookings ({', '.join(_QUOTED)}) VALUES ({', '.join('?' for _ in _QUOTED)}) "
    f"ON CONFLICT(code) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in _QUOTED[1:])}"
)


class Storage:
    def __init__(self, path: str | Path, *, synchronous: str = "full", owner: bool = True) -> None:
        """Open (creating and migrating) a hall's database.  ``owner``: this is the server, and
        no other server may open the file; the admin verbs open it without owning it."""
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = filelock.FileLock(str(self.path) + ".lock")
        if owner:
            try:
                self._lock.acquire(timeout=0)
            except filelock.Timeout as exc:
                raise StorageError(f"{self.path} is in use by another hallcall server") from exc
        try:
            self.db = sqlite_utils.Database(self.path)
            self.db.enable_wal()
            self.conn = self.db.conn
            self.conn.execute(f"PRAGMA synchronous = {synchronous.upper()}")
            self.conn.execute("PRAGMA busy_timeout = 5000")
            self.migrate()
        except sqlite3.DatabaseError as exc:
            if self._lock.is_locked:
                self._lock.release()
            raise StorageError(f"{self.path}: {exc}") from exc

    def migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StorageError(
                f"{self.path} has schema version {version}, newer than this hallcall's "
                f"{SCHEMA_VERSION}; upgrade hallcall"
            )
        for number in range(version, SCHEMA_VERSION):
            with self.db.atomic():
                MIGRATIONS[number](self.db)
                self.conn.execute(f"PRAGMA user_version = {number + 1}")

    def close(self) -> None:
        self.conn.close()
        if self._lock.is_locked:
            self._lock.release()

    # ------------------------------------------------------------------ transactions
    def begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.conn.execute("COMMIT")

    def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    # ------------------------------------------------------------------ writing changes
    def apply(self, changes: list[Record], day: str) -> None:
        """Write what the domain core changed; must run inside :meth:`begin`/:meth:`commit`."""
        ex = self.conn.execute
        for change in changes:
            if isinstance(change, TicketSaved):
                t = change.ticket
                ex(_UPSERT_TICKET, tuple(getattr(t, c) for c in _TICKET_COLUMNS))
            elif isinstance(change, Journal):
                t = change.ticket
                ex(
                    "INSERT INTO events (at, day, ticket_id, number, counter, clerk, action, reason, detail) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        change.at,
                        t.day if t else day,
                        t.id if t else None,
                        t.number if t else None,
                        change.counter,
                        change.clerk,
                        change.action,
                        change.reason,
                        json.dumps(change.detail, ensure_ascii=False) if change.detail else None,
                    ),
                )
            elif isinstance(change, SessionOpened):
                s = change.session
                ex(
                    "INSERT INTO counter_sessions (id, counter, clerk, signed_in_at, token_hash) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (s.id, s.counter, s.clerk, s.signed_in_at, s.token_hash),
                )
            elif isinstance(change, SessionRenewed):
                ex(
                    "UPDATE counter_sessions SET token_hash = ? WHERE id = ?",
                    (change.session.token_hash, change.session.id),
                )
            elif isinstance(change, SessionClosed):
                ex(
                    "UPDATE counter_sessions SET signed_out_at = ?, end_reason = ? WHERE id = ?",
                    (change.at, change.reason, change.session.id),
                )
            elif isinstance(change, PauseStarted):
                s = change.session
                ex(
                    "INSERT INTO pauses (id, session_id, counter, clerk, reason, started_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (s.pause_id, s.id, s.counter, s.clerk, s.pause_reason, s.paused_at),
                )
            elif isinstance(change, PauseEnded):
                ex("UPDATE pauses SET ended_at = ? WHERE id = ?", (change.at, change.pause_id))
            elif isinstance(change, AnswerRow):
                ex(
                    "INSERT OR REPLACE INTO answers (principal, request_id, at, answer) VALUES (?, ?, ?, ?)",
                    (change.principal, change.request_id, change.at, change.answer.decode()),
                )
            elif isinstance(change, WarningRaised):
                w = change.warning
                detail = json.dumps(as_record(w), ensure_ascii=False)
                ex(
                    "INSERT INTO warnings (key, kind, level, detail, raised_at) VALUES (?, ?, ?, ?, ?)",
                    (change.key, w.kind, w.level, detail, change.at),
                )
            elif isinstance(change, WarningCleared):
                ex("UPDATE warnings SET cleared_at = ? WHERE key = ? AND cleared_at IS NULL", (change.at, change.key))
            elif isinstance(change, WarningAcknowledged):
                ex(
                    "UPDATE warnings SET acknowledged_by = ?, acknowledged_at = ? WHERE key = ? "
                    "AND raised_at = ? AND cleared_at IS NULL AND acknowledged_by IS NULL",
                    (change.by, change.at, change.key, change.raised_at),
                )
            elif isinstance(change, BookingSaved):
                b = change.booking
                ex(_UPSERT_BOOKING, tuple(getattr(b, c) for c in _BOOKING_COLUMNS))
            elif isinstance(change, PasswordSet):
                ex(
                    "UPDATE clerks SET password_hash = ?, must_change = ? WHERE name = ?",
                    (change.password_hash, int(change.must_change), change.name),
                )

    def answer(self, principal: str, request_id: str) -> str | None:
        row = self.conn.execute(
            "SELECT answer FROM answers WHERE principal = ? AND request_id = ?", (principal, request_id)
        ).fetchone()
        return row[0] if row else None

    def prune_answers(self, before: float) -> None:
        """Answers are kept for retries, not forever: a day is far longer than any reconnect.
        In a transaction of its own (or the open batch's): a bare DELETE would leave sqlite3's
        implicit transaction open, and every later ``begin`` would fail."""
        with self.db.atomic():
            self.conn.execute("DELETE FROM answers WHERE at < ?", (before,))

    # ------------------------------------------------------------------ reading back at start
    def bookings(self) -> list[Booking]:
        """Every booking, for the server's ledger (a hall keeps thousands, not millions)."""
        cols = ", ".join(_QUOTED)
        return [Booking(*row) for row in self.conn.execute(f"SELECT {cols} FROM bookings ORDER BY booked_at, code")]

    def load_day(self, day: str) -> list[Ticket]:
        """Every ticket of one business day."""
        rows = self.conn.execute(f"SELECT {', '.join(_TICKET_COLUMNS)} FROM tickets WHERE day = ?", (day,)).fetchall()
        return [Ticket(*row) for row in rows]

    def find_ticket(self, day: str, number: str) -> Ticket | None:
        """One ticket of a given business day (for a status page opened on a later day)."""
        row = self.conn.execute(
            f"SELECT {', '.join(_TICKET_COLUMNS)} FROM tickets WHERE day = ? AND number = ?", (day, number)
        ).fetchone()
        return Ticket(*row) if row else None

    def open_sessions(self) -> list[Session]:
        sessions = {
            row[0]: Session(row[0], row[1], row[2], row[3], row[4] or "")
            for row in self.conn.execute(
                "SELECT id, counter, clerk, signed_in_at, token_hash FROM counter_sessions WHERE signed_out_at IS NULL"
            )
        }
        for pause_id, session_id, reason, started in self.conn.execute(
            "SELECT id, session_id, reason, started_at FROM pauses WHERE ended_at IS NULL"
        ):
            if session_id in sessions:
                s = sessions[session_id]
                s.pause_id, s.pause_reason, s.paused_at = pause_id, reason, started
        return list(sessions.values())

    def last_signouts(self) -> dict[int, float]:
        rows = self.conn.execute(
            "SELECT counter, MAX(signed_out_at) FROM counter_sessions WHERE signed_out_at IS NOT NULL GROUP BY counter"
        )
        return {counter: at for counter, at in rows}

    def next_ids(self) -> tuple[int, int, int]:
        def nxt(table: str) -> int:
            return int(self.conn.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}").fetchone()[0])

        return nxt("tickets"), nxt("counter_sessions"), nxt("pauses")

    def open_warnings(self) -> dict[str, tuple[Alert, float]]:
        """Warnings raised and not yet cleared, by key: (the alert as it was raised, when)."""
        rows = self.conn.execute("SELECT key, detail, raised_at FROM warnings WHERE cleared_at IS NULL")
        return {key: (from_record(json.loads(detail)), at) for key, detail, at in rows}

    def acknowledgements(self) -> dict[str, tuple[str, float]]:
        """The open warnings a supervisor acknowledged, by key: (who, when)."""
        rows = self.conn.execute(
            "SELECT key, acknowledged_by, acknowledged_at FROM warnings "
            "WHERE cleared_at IS NULL AND acknowledged_by IS NOT NULL"
        )
        return {key: (by, at) for key, by, at in rows}

    def open_tickets_before(self, day: str) -> list[Ticket]:
        """Tickets of business days before ``day`` still open: what a day end has yet to expire
        when the server was not running at the rollover."""
        marks = ", ".join("?" for _ in OPEN_STATES)
        rows = self.conn.execute(
            f"SELECT {', '.join(_TICKET_COLUMNS)} FROM tickets WHERE day < ? AND state IN ({marks}) ORDER BY id",
            (day, *OPEN_STATES),
        ).fetchall()
        return [Ticket(*row) for row in rows]

    def journey(self, ticket_id: int) -> list[Journal]:
        """Every step of one ticket, oldest first: the supervision office's transfer card (the
        journal entries without the ticket itself)."""
        rows = self.conn.execute(
            "SELECT at, action, counter, clerk, reason, detail FROM events WHERE ticket_id = ? ORDER BY id", [ticket_id]
        )
        return [
            Journal(at, action, None, counter, clerk, reason or "", json.loads(detail) if detail else {})
            for at, action, counter, clerk, reason, detail in rows
        ]

    def evaluations(self, day: str) -> list[tuple[int, float, str, int | None, str | None, str, dict[str, Any]]]:
        """The ``evaluate`` journal entries of one business day, oldest first: (ticket id, at,
        number, counter, clerk, reason, detail).  The journal is the record of evaluations."""
        rows = self.conn.execute(
            "SELECT ticket_id, at, number, counter, clerk, reason, detail FROM events "
            "WHERE day = ? AND action = 'evaluate' ORDER BY id",
            (day,),
        ).fetchall()
        return [(t, at, n, c, k, r or "", json.loads(d) if d else {}) for t, at, n, c, k, r, d in rows]

    def evaluated(self, ticket_id: int) -> bool:
        """Whether the journal has an evaluation of this ticket (of any day)."""
        row = self.conn.execute(
            "SELECT 1 FROM events WHERE ticket_id = ? AND action = 'evaluate' LIMIT 1", (ticket_id,)
        ).fetchone()
        return row is not None

    def device_statuses(self) -> dict[str, Journal]:
        """Each device's last ``device_ok``/``device_fault`` journal entry, by device name, read
        back from the journal at start."""
        rows = self.conn.execute(
            "SELECT at, action, reason, detail FROM events WHERE id IN "
            "(SELECT MAX(id) FROM events WHERE action IN ('device_ok', 'device_fault') "
            "GROUP BY json_extract(detail, '$.device'))"
        ).fetchall()
        found = {}
        for at, action, reason, detail in rows:
            who = json.loads(detail) if detail else {}
            if "device" in who:
                found[who["device"]] = Journal(at, action, reason=reason or "", detail=who)
        return found

    def last_notice(self) -> dict[str, str] | None:
        """The notice a supervisor set last (the journal keeps every one), or None."""
        row = self.conn.execute("SELECT detail FROM events WHERE action = 'notice' ORDER BY id DESC LIMIT 1").fetchone()
        return json.loads(row[0]) if row and row[0] else None

    # ------------------------------------------------------------------ clerks (admin verbs)
    def clerk(self, name: str) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM clerks WHERE name = ?", [name]))
        return rows[0] if rows else None

    def clerks(self) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT name, display_name, role, active, created_at FROM clerks ORDER BY name"))

    def save_clerk(
        self, name: str, password_hash: str, *, role: str, display_name: str = "", must_change: bool = False
    ) -> None:
        """Add or update an account; ``must_change``: the password is a one-time one (a reset)."""
        existing = self.clerk(name)
        with self.db.atomic():
            self.db["clerks"].upsert(
                {
                    "name": name,
                    "display_name": display_name or (existing or {}).get("display_name") or name,
                    "password_hash": password_hash,
                    "role": role,
                    "active": 1,
                    "created_at": (existing or {}).get("created_at") or time.time(),
                    "must_change": int(must_change),
                },
                pk="name",
            )

    def set_clerk_active(self, name: str, active: bool) -> bool:
        cursor = self.db.execute("UPDATE clerks SET active = ? WHERE name = ?", [int(active), name])
        return cursor.rowcount > 0

    # ------------------------------------------------------------------ settings the server keeps
    def secret(self, name: str) -> str:
        """The random secret ``name``, made on first use and kept in the database from then on
        (so what it signs, like a printed ticket's status key, stays valid across restarts)."""
        with self.db.atomic():
            self.conn.execute(
                "INSERT OR IGNORE INTO settings (name, value) VALUES (?, ?)", (name, secrets.token_hex(32))
            )
        return str(self.conn.execute("SELECT value FROM settings WHERE name = ?", (name,)).fetchone()[0])

    # ------------------------------------------------------------------ device tokens (admin verbs)
    def device_tokens(self) -> list[tuple[str, str | None]]:
        """Every (device, token hash or None) row, oldest first: each replaces its device's last."""
        return [(d, h) for d, h in self.conn.execute("SELECT device, token_hash FROM device_tokens ORDER BY id")]

    def device_tokens_version(self) -> int:
        """Grows with every rotation or revocation (the server polls it to notice one)."""
        return int(self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM device_tokens").fetchone()[0])

    def replace_device_token(self, device: str, role: str, token_hash: str | None, at: float) -> None:
        """Give ``device`` the token with this hash (None: no token, revoked), retiring its last one."""
        with self.db.atomic():
            self.conn.execute(
                "UPDATE device_tokens SET retired_at = ? WHERE device = ? AND retired_at IS NULL", (at, device)
            )
            self.conn.execute(
                "INSERT INTO device_tokens (device, role, token_hash, created_at) VALUES (?, ?, ?, ?)",
                (device, role, token_hash, at),
            )

    # ------------------------------------------------------------------ supervisor console sessions
    def save_supervisor_session(self, token_hash: str, clerk: str, created_at: float, expires_at: float) -> None:
        with self.db.atomic():
            self.conn.execute("DELETE FROM supervisor_sessions WHERE expires_at <= ?", (created_at,))
            self.conn.execute(
                "INSERT OR REPLACE INTO supervisor_sessions (token_hash, clerk, created_at, expires_at) "
                "VALUES (?, ?, ?, ?)",
                (token_hash, clerk, created_at, expires_at),
            )

    def supervisor_session(self, token_hash: str, now: float) -> str | None:
        """The supervisor a console token belongs to, if it has not expired."""
        row = self.conn.execute(
            "SELECT clerk FROM supervisor_sessions WHERE token_hash = ? AND expires_at > ?", (token_hash, now)
        ).fetchone()
        return row[0] if row else None
