"""The network front: websocket connections, sign-in, plain HTTP, timers, start and stop.

One port serves both: websocket clients speak protocol v1 (docs/protocol.md), and plain HTTP
requests (``process_request``) get ``/healthz`` and ``/metrics``; given a TLS context (``hallcall
server --tls-cert --tls-key``, server/tls.py), wss:// and https:// instead.  A connection first says
``hello``; until it has, it may do nothing else.  Every problem with a message is answered with
an error naming it, and the connection stays up: a broken client cannot take a hall down.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import ssl
import sys
import time
import urllib.parse
from collections.abc import Callable
from http import HTTPStatus
from pathlib import Path
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from hallcall import protocol as p
from hallcall.config import HallConfig, public_url_warning

from . import auth, console, dispatch, pages, tls, views
from .clock import Clock
from .domain.model import QueueError
from .hub import Client, Hub
from .storage import Storage
from .views import error

log = logging.getLogger("hallcall.server")

HELLO_TIMEOUT = 10.0
TOKEN_POLL_S = 2.0  # a revoked device token is noticed, and its device disconnected, this soon
FRAME_LIMIT = 1024 * 1024  # websockets closes with 1009 above this; below it we answer too_large


class HallServer:
    """A running hall: storage, queue and the websocket/HTTP front on one port."""

    def __init__(
        self, config: HallConfig, storage: Storage, clock: Clock | None = None, *, enforce_hours: bool = True
    ) -> None:
        self.config = config
        self.storage = storage
        self.hub = Hub(config, storage, clock or Clock(), enforce_hours=enforce_hours)
        self.throttle = auth.Throttle()
        self._server: Server | None = None
        # One Argon2 verification at a time: each takes 64 MiB and up to half a second of CPU, and
        # a flood of wrong credentials would otherwise run one per worker thread, starve the event
        # loop and slow every call in the hall (bench/hostile_clients.py, docs/reliability.md).
        self._hashing = self.hub.hashing  # shared with change_password and reset_password
        self._timers: list[asyncio.Task[None]] = []

    # ------------------------------------------------------------------ lifecycle
    async def start(self, host: str = "127.0.0.1", port: int = 8765, *, tls: ssl.SSLContext | None = None) -> int:
        """Listen (with ``tls``: wss:// and https://); returns the port (useful with port 0)."""
        self._server = await serve(
            self._connection,
            host,
            port,
            ssl=tls,
            process_request=self._http,
            max_size=FRAME_LIMIT,
            compression=None,  # a LAN gains nothing from deflate, and it costs ~100 KiB per connection
            ping_interval=20,
            ping_timeout=20,
            logger=logging.getLogger("hallcall.websockets"),
        )
        self._timers = [
            asyncio.create_task(self._every(1.0, self.hub.check_warnings)),
            asyncio.create_task(self._every(self.config.server.queue_update_interval_ms / 1000, self._flush)),
            asyncio.create_task(self._every(3600.0, self._prune)),
            asyncio.create_task(self._every(TOKEN_POLL_S, self.hub.check_tokens)),  # `hallcall admin` revocations
        ]
        sock = next(iter(self._server.sockets))
        return int(sock.getsockname()[1])

    async def stop(self) -> None:
        for task in self._timers:
            task.cancel()
        await asyncio.gather(*self._timers, return_exceptions=True)
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _every(self, seconds: float, action: Callable[[], Any]) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                result = action()
                if asyncio.iscoroutine(result):
                    await result
            except Exception:
                log.exception("periodic task %s failed", getattr(action, "__name__", action))

    async def _flush(self) -> None:
        self.hub.flush_queue()

    async def _prune(self) -> None:
        self.storage.prune_answers(self.hub.clock.now() - 2 * 86400)

    # ------------------------------------------------------------------ HTTP on the same port
    def _http(self, connection: ServerConnection, request: Request) -> Response | None:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return None
        path = request.path.split("?", 1)[0]
        if path == "/healthz":
            health = self.health()
            status = HTTPStatus.OK if health["status"] == "ok" else HTTPStatus.SERVICE_UNAVAILABLE
            return _respond(
                connection, status, json.dumps(health, ensure_ascii=False), "application/json; charset=utf-8"
            )
        page = pages.TICKET_PATH.match(path)
        if page:
            day, number = page.groups()
            query = urllib.parse.parse_qs(request.path.partition("?")[2])
            lang = (query.get("lang") or [""])[0]
            key = (query.get("k") or [""])[0]  # the ticket's key, from the QR link printed on it
            status, html = pages.status_page(self.hub, day, number, lang, key)
            return _respond(connection, HTTPStatus(status), html, "text/html; charset=utf-8")
        if path in ("/book", "/book/"):
            query = urllib.parse.parse_qs(request.path.partition("?")[2])
            html = pages.book_page(self.hub.config, self.hub.state.day, (query.get("lang") or [""])[0])
            return _respond(connection, HTTPStatus.OK, html, "text/html; charset=utf-8")
        if path in console.FILES or console.PAD_PAGE.match(path):
            found = console.console_file(path)
            if found is not None:
                return _respond(connection, HTTPStatus.OK, *found)
        if path == "/metrics":
            text = self.hub.metrics.render().decode()
            return _respond(connection, HTTPStatus.OK, text, "text/plain; version=0.0.4; charset=utf-8")
        return _respond(connection, HTTPStatus.NOT_FOUND, f"no page at {path}\n", "text/plain; charset=utf-8")

    def health(self) -> dict[str, Any]:
        try:
            self.storage.conn.execute("SELECT 1").fetchone()
            db = "ok"
        except Exception as exc:  # a health check reports, it does not raise
            db = f"error: {exc}"
        return {
            "status": "ok" if db == "ok" else "degraded",
            "database": db,
            "day": self.hub.state.day,
            "uptime_s": round(time.time() - self.hub.started, 1),
            "clients": len(self.hub.clients),
            "protocol": p.PROTOCOL_VERSION,
        }

    # ------------------------------------------------------------------ websocket connections
    async def _connection(self, ws: ServerConnection) -> None:
        client: Client | None = None
        ended = False  # the connection's sign-in ended elsewhere (forced out, taken over, day end)
        try:
            while True:
                raw = await self._receive(ws, authenticated=client is not None and client in self.hub.clients)
                if raw is None:
                    return
                if client is not None and client not in self.hub.clients:
                    client, ended = None, True
                started = time.perf_counter()
                if _size(raw) > self.config.server.max_message_bytes:
                    limit = self.config.server.max_message_bytes
                    await _say(ws, error("too_large", f"the message has {_size(raw)} bytes; the limit is {limit}"))
                    continue
                try:
                    request = p.decode(raw)
                except p.ProtocolError as exc:
                    await _say(ws, error(exc.code, exc.message, exc.request_id, field=exc.field))
                    continue
                kind = request.__struct_config__.tag  # type: ignore[attr-defined]
                if client is None:
                    if isinstance(request, p.Hello):
                        client = await self._hello_safely(ws, request)
                    elif ended:
                        await _say(ws, error("session_ended", "your sign-in has ended; say hello again", request.id))
                    else:
                        await _say(ws, error("hello_required", "say hello first", request.id))
                    continue
                if isinstance(request, p.Hello):
                    message = "this connection has already said hello"
                    await _say(ws, error("already_authenticated", message, request.id))
                    continue
                if kind not in p.ROLE_REQUESTS[client.role]:
                    message = f"a {client.role} may not send {kind}"
                    await _say(ws, error("forbidden", message, request.id, role=client.role))
                    continue
                answer = await self._answer(client, request)
                await ws.send(answer, text=True)
                self.hub.metrics.latency.labels(kind).observe(time.perf_counter() - started)
        except ConnectionClosed:
            pass
        finally:
            if client is not None:
                self.hub.detach(client)

    async def _receive(self, ws: ServerConnection, *, authenticated: bool) -> str | bytes | None:
        """The next message; a connection that has not said hello within 10 s is closed."""
        if authenticated:
            return await ws.recv()
        try:
            async with asyncio.timeout(HELLO_TIMEOUT):
                return await ws.recv()
        except TimeoutError:
            await ws.close(1008, f"no hello within {HELLO_TIMEOUT:.0f} s")
            return None

    async def _answer(self, client: Client, request: p.Request) -> bytes:
        try:
            return await self.hub.handle(client, request)
        except Exception as exc:
            log.exception("request %s from %s failed", request.id, client.principal)
            storage = "sqlite" in type(exc).__module__ or isinstance(exc, OSError)
            message = f"the request could not be completed ({type(exc).__name__}); nothing was changed"
            return views.encode(error("storage_error" if storage else "internal", message, request.id))

    # ------------------------------------------------------------------ hello and sign-in
    async def _hello_safely(self, ws: ServerConnection, hello: p.Hello) -> Client | None:
        try:
            return await self._hello(ws, hello)
        except ConnectionClosed:
            raise
        except Exception as exc:
            log.exception("hello %s failed", hello.id)
            message = f"signing in failed ({type(exc).__name__}); nothing was changed"
            await _say(ws, error("storage_error", message, hello.id))
            return None

    async def _hello(self, ws: ServerConnection, hello: p.Hello) -> Client | None:
        if hello.protocol != p.PROTOCOL_VERSION:
            message = f"this server speaks protocol {p.PROTOCOL_VERSION}, not {hello.protocol}"
            await _say(ws, error("protocol_version", message, hello.id))
            return None
        address = auth.peer_address(ws)
        keys = (f"addr:{address}", f"name:{hello.role}:{hello.clerk or hello.device or ''}")
        # a password sign-in counts towards its account's lock-out from this address (auth.LockOut)
        account = (hello.clerk or "") if hello.role in ("counter", "supervisor") and hello.password is not None else ""
        try:
            if account and (left := self.hub.lockout.time_left(account, address)):
                raise dispatch.locked_out(left)
            client, extra = await self._authenticate(ws, hello)
        except QueueError as exc:
            await _say(ws, error(exc.code, exc.message, hello.id, **exc.details))
            return None
        if client is None:
            self.throttle.failed(*keys)
            locked = self.hub.lockout.failed(account, address) if account else 0.0
            await asyncio.sleep(self.throttle.delay(*keys))
            refusal = dispatch.locked_out(locked) if locked else None
            if refusal is not None:
                await _say(ws, error(refusal.code, refusal.message, hello.id, **refusal.details))
            else:
                await _say(ws, error("auth_failed", "those credentials are not valid", hello.id))
            return None
        self.throttle.succeeded(keys[1])  # an address keeps its count: one success does not clear guessing
        if account:
            self.hub.lockout.succeeded(account, address)
        self.hub.attach(client)
        welcome = views.welcome(hello.id, hello.role, client.name, self.hub.clock.now(), **extra)
        if client.must_change_password:  # a one-time password: the program asks for a new one first
            welcome.must_change_password = True
        await self.hub.settled()
        await _say(ws, welcome)
        await _say(ws, self.hub.snapshot(client))
        return client

    async def _authenticate(self, ws: ServerConnection, hello: p.Hello) -> tuple[Client | None, dict[str, Any]]:
        """The signed-in client, or None for bad credentials; for a counter, also the welcome's
        ``counter`` and ``token`` (its session token)."""
        if hello.role == "visitor":  # no credentials: the ticket's page is public too (/t/{day}/{number})
            if hello.number is None or hello.day is None:
                field = "number" if hello.number is None else "day"
                raise QueueError("bad_field", "a visitor's hello must name its ticket's day and number", field=field)
            number = hello.number.strip().upper()
            if hello.day == self.hub.state.day:
                known = number in self.hub.state.by_number
            else:  # an earlier day's ticket: followed as expired
                known = self.storage.find_ticket(hello.day, number) is not None
            if not known:
                raise QueueError("unknown_ticket", f"there is no ticket {number} of {hello.day}", number=number)
            # the ticket's key (its printed QR link) lets this phone evaluate it (6.23); a wrong or
            # missing key still follows the ticket.  Its own principal keeps its answers apart.
            holder = self.hub.holds_key(hello.day, number, hello.key)
            principal = f"visitor:{hello.day}:{number}" + (":holder" if holder else "")
            client = Client(ws, "visitor", principal, number, follows=(hello.day, number), holds_key=holder)
            return client, {}
        if hello.role == "booking":  # the public booking page (/book): no token; paced per address
            address = auth.peer_address(ws)
            return Client(ws, "booking", f"booking:{address}", address), {}
        if hello.role in auth.DEVICE_ROLES:  # a token, checked by its hash (auth.DeviceTokens)
            verdict = self.hub.tokens.check(hello.role, hello.device, hello.token)
            if verdict.outcome == "revoked":
                message = f"the token of {verdict.device} was revoked or replaced (hallcall admin); use its new token"
                raise QueueError("token_revoked", message, device=verdict.device)
            if verdict.outcome != "ok":
                await self._spend_hash_time()
                return None, {}
            name, credential = verdict.device, verdict.credential
            if hello.role == "pad":
                pad = next(x for x in self.config.devices.pads if x.name == name)
                return Client(ws, "pad", f"pad:{name}", name, counter=pad.counter, credential=credential), {}
            devices = self.config.devices.kiosks if hello.role == "kiosk" else self.config.devices.displays
            d = next(x for x in devices if x.name == name)
            zone = (hello.zone if hello.zone is not None else d.zone) if hello.role == "display" else d.zone
            return Client(ws, hello.role, f"{hello.role}:{name}", name, zone=zone, credential=credential), {}
        name = hello.clerk or ""
        record = self.storage.clerk(name) if name else None
        if record is not None and not record["active"]:
            record = None
        if hello.role == "supervisor":
            now = self.hub.clock.now()
            if hello.session_token and hello.password is None:
                # resume a console sign-in: the token must be one this server issued to that account
                owner = self.storage.supervisor_session(auth.token_hash(hello.session_token), now)
                if owner != name or record is None or record["role"] != "supervisor":
                    await self._spend_hash_time()
                    return None, {}
                token = hello.session_token
            else:
                ok = await self._password_ok(record, hello.password)
                if not ok or record is None or record["role"] != "supervisor":
                    return None, {}
                token, digest = auth.new_session_token()
                self.storage.save_supervisor_session(digest, name, now, now + auth.SUPERVISOR_SESSION_S)
            return Client(ws, "supervisor", f"supervisor:{name}", name), {"token": token}
        if hello.counter is None:
            raise QueueError("bad_field", "a counter's hello must name its counter", field="counter")
        if self.config.counter(hello.counter) is None:
            raise QueueError("unknown_counter", f"there is no counter {hello.counter}", counter=hello.counter)
        session = self.hub.state.counters[hello.counter].session
        if hello.session_token and hello.password is None:
            if (
                record is None
                or session is None
                or session.clerk != name
                or not auth.same(session.token_hash, auth.token_hash(hello.session_token))
            ):
                await self._spend_hash_time()
                return None, {}
            token = hello.session_token
        else:
            if not await self._password_ok(record, hello.password):
                return None, {}
            token, digest = auth.new_session_token()
            occupied = session is not None and any(
                c.counter == hello.counter and c.name == session.clerk for c in self.hub.by_role["counter"]
            )
            session = await self.hub.sign_in(hello.counter, name, digest, occupied=occupied)
        number = hello.counter
        client = Client(
            ws,
            "counter",
            f"clerk:{name}",
            name,
            counter=number,
            session_id=session.id,
            services=frozenset(self.hub.state.counter_services[number]),
            must_change_password=bool(record.get("must_change")) if record else False,
        )
        return client, {"counter": number, "token": token}

    async def _password_ok(self, record: dict[str, Any] | None, password: str | None) -> bool:
        stored = record["password_hash"] if record else None
        async with self._hashing:
            return await asyncio.to_thread(auth.verify_password, stored, password or "")

    async def _spend_hash_time(self) -> None:
        """A wrong token or name costs what a wrong password does, unless a hash is running already:
        then the sign-in throttle's delay slows the sender, and the decoy would only queue ahead of
        a real clerk's sign-in."""
        if self._hashing.locked():
            return
        async with self._hashing:
            await asyncio.to_thread(auth.verify_password, None, "")


def _size(raw: str | bytes) -> int:
    """Size in bytes as sent (UTF-8); only encodes a text message that could be over a limit."""
    if isinstance(raw, bytes) or raw.isascii():
        return len(raw)
    return len(raw.encode())


async def _say(ws: ServerConnection, message: p.Message) -> None:
    await ws.send(views.encode(message), text=True)


def _respond(connection: ServerConnection, status: HTTPStatus, body: str, content_type: str) -> Response:
    response = connection.respond(status, body)
    del response.headers["Content-Type"]
    response.headers["Content-Type"] = content_type
    response.headers["Cache-Control"] = "no-store"
    return response


def database_path(config_path: str | Path, data_dir: str | Path) -> Path:
    """One database file per hall, named after its config file."""
    return Path(data_dir) / f"{Path(config_path).stem}.sqlite3"


async def run(
    config: HallConfig,
    storage: Storage,
    host: str,
    port: int,
    clock: Clock,
    *,
    enforce_hours: bool = True,
    tls_context: ssl.SSLContext | None = None,
) -> None:
    """Serve until SIGINT or SIGTERM; print the address once listening (scripts wait for it)."""
    server = HallServer(config, storage, clock, enforce_hours=enforce_hours)
    actual = await server.start(host, port, tls=tls_context)
    if tls_context is None and not tls.is_loopback(host):
        warning = tls.plain_warning(host, actual)
        log.warning("%s", warning["en"])
        print(f"hallcall: warning: {warning['en']}\nhallcall: 警告：{warning['zh']}", file=sys.stderr, flush=True)
    if (qr := public_url_warning(config)) is not None:  # QR links only the server's own PC can open
        log.warning("%s", qr["en"])
        print(f"hallcall: warning: {qr['en']}\nhallcall: 警告：{qr['zh']}", file=sys.stderr, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Windows has no add_signal_handler: there Ctrl-C raises KeyboardInterrupt instead.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    scheme = "ws" if tls_context is None else "wss"
    print(f"hallcall server listening on {scheme}://{host}:{actual}", flush=True)
    try:
        await stop.wait()
    finally:
        await server.stop()
        storage.close()


__all__ = ["HallServer", "database_path", "run"]
