"""An asyncio client for protocol v1, shared by the programs, the simulator, benches and tests.

It keeps one websocket, matches answers to requests by id, and hands events and snapshots to
whoever listens.  Request ids are made here (a prefix plus a counter) unless the caller gives
one — a caller that retries after a reconnect passes the same id again and gets the first
answer back, never a second ticket or a second call.

A ``wss://`` address is checked against the hall's CA certificate (``--ca``, see ``use_hall_ca``)
or, with none given, the system's trust store; a certificate that fails is a ``CertificateProblem``
naming the address and what is wrong, which trying again will not fix.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from . import protocol as p

_decode = msgspec.json.Decoder().decode


class RequestFailed(Exception):
    """The server answered with an error; ``code`` and ``message`` say which."""

    def __init__(self, answer: dict[str, Any]) -> None:
        super().__init__(f"{answer.get('code')}: {answer.get('message')}")
        self.answer = answer
        self.code: str = answer.get("code", "")
        self.message: str = answer.get("message", "")


class CertificateProblem(ConnectionError):
    """A ``wss://`` server this client cannot trust, or a CA file it cannot use: the message names
    the address and the problem.  Unlike a server that is down, trying again will not help."""

    def __init__(self, url: str, problem: str, hint: str = "") -> None:
        super().__init__(f"cannot open {url}: {problem}" + (f" ({hint})" if hint else ""))
        self.url = url
        self.problem = problem


# The hall CA a program was started with (--ca): one program talks to one hall, and the links
# are made deep inside each program's window classes.
_hall_ca: Path | None = None


def use_hall_ca(ca: str | Path | None) -> None:
    """Trust this CA certificate file (the hall's, from ``hallcall admin make-cert``) for every
    ``wss://`` connection of this process that does not name its own; None: the system's store."""
    global _hall_ca
    _hall_ca = Path(ca) if ca else None


def client_ssl(url: str, ca: str | Path | None = None) -> ssl.SSLContext | None:
    """The TLS context for ``url``: None for ``ws://``; for ``wss://`` one that trusts ``ca``
    alone (or the process's hall CA, or else the system's trust store) and checks the host name."""
    if not url.lower().startswith("wss://"):
        return None
    ca = ca or _hall_ca
    if ca is None:
        return ssl.create_default_context()
    try:
        return ssl.create_default_context(cafile=str(ca))
    except FileNotFoundError:
        raise CertificateProblem(url, f"the CA file {ca} does not exist", "check --ca") from None
    except (ssl.SSLError, OSError, ValueError) as exc:
        problem = f"the CA file {ca} holds no usable PEM certificate ({getattr(exc, 'reason', None) or exc})"
        raise CertificateProblem(url, problem, "give the hall-ca.pem that hallcall admin make-cert wrote") from None


class HallClient:
    def __init__(self, url: str, *, open_timeout: float = 5.0, ca: str | Path | None = None) -> None:
        """``ca``: the CA certificate to trust for a ``wss://`` url (default: ``use_hall_ca``'s,
        else the system's trust store)."""
        self.url = url
        self.open_timeout = open_timeout
        self.ca = ca
        self.ws: ClientConnection | None = None
        self.welcome: dict[str, Any] | None = None
        self.snapshot: dict[str, Any] | None = None
        self.listeners: list[Callable[[dict[str, Any]], None]] = []
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._prefix = secrets.token_hex(4)
        self._reader: asyncio.Task[None] | None = None
        self.snapshot_seen = asyncio.Event()  # set when a snapshot arrives after the hello
        self.closed = asyncio.Event()

    def new_id(self) -> str:
        return f"{self._prefix}-{next(self._ids)}"

    async def connect(self) -> None:
        """Open the connection; a ``wss://`` server whose certificate fails raises CertificateProblem."""
        context = client_ssl(self.url, self.ca)
        try:
            self.ws = await connect(
                self.url,
                ssl=context,
                proxy=None,
                compression=None,
                open_timeout=self.open_timeout,
                max_size=2**22,
            )
        except ssl.SSLCertVerificationError as exc:
            if self.ca or _hall_ca:
                hint = (
                    "is --ca this hall's hall-ca.pem, and does the certificate name this address? (make-cert --names)"
                )
            else:
                hint = "start the program with --ca and the hall's hall-ca.pem"
            problem = f"the server's certificate is not trusted: {exc.verify_message or exc.reason or exc}"
            raise CertificateProblem(self.url, problem, hint) from None
        except ssl.SSLError as exc:
            problem = f"the TLS handshake failed: {exc.reason or exc}"
            raise CertificateProblem(self.url, problem, "a server without --tls-cert takes ws://, not wss://") from None
        self.closed.clear()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.ws is not None
        try:
            async for raw in self.ws:
                self._dispatch(_decode(raw))
        except ConnectionClosed:
            pass
        finally:
            self.closed.set()
            for fut in self._pending.values():
                if not fut.done():
                    fut.set_exception(ConnectionError("the connection to the server closed"))
            self._pending.clear()

    def _dispatch(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "snapshot":
            self.snapshot = message
            self.snapshot_seen.set()
        re = message.get("re")
        if kind in ("result", "error", "welcome") and re is not None and re in self._pending:
            fut = self._pending.pop(re)
            if not fut.done():
                fut.set_result(message)
            return
        for listener in list(self.listeners):
            listener(message)

    async def send_raw(self, data: str | bytes) -> None:
        assert self.ws is not None
        await self.ws.send(data)

    async def call(
        self, kind: str, *, request_id: str | None = None, timeout: float = 10.0, **fields: Any
    ) -> dict[str, Any]:
        """Send a request and return the server's answer (a result or an error), unraised.

        Raises ConnectionError when the connection is or gets closed, TimeoutError when no
        answer comes within ``timeout``."""
        assert self.ws is not None
        rid = request_id or self.new_id()
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[rid] = fut
        try:
            await self.ws.send(p.encode({"type": kind, "id": rid, **fields}), text=True)
            return await asyncio.wait_for(fut, timeout)
        except ConnectionClosed as exc:  # one error for "the connection is gone", sent or not
            raise ConnectionError("the connection to the server closed") from exc
        finally:
            self._pending.pop(rid, None)

    async def request(self, kind: str, **fields: Any) -> dict[str, Any]:
        """Send a request and return its data; an error answer raises RequestFailed."""
        answer = await self.call(kind, **fields)
        if answer.get("type") == "error":
            raise RequestFailed(answer)
        return answer.get("data", {})

    async def hello(self, role: str, **fields: Any) -> dict[str, Any]:
        """Authenticate; returns the welcome (after its snapshot has arrived) or raises RequestFailed."""
        self.snapshot_seen.clear()
        answer = await self.call("hello", role=role, protocol=p.PROTOCOL_VERSION, **fields)
        if answer.get("type") != "welcome":
            raise RequestFailed(answer)
        self.welcome = answer
        await asyncio.wait_for(self.snapshot_seen.wait(), 10)
        return answer

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
