"""The GUI programs' connection to the server: a HallClient on a worker thread, Qt signals out.

Qt's own asyncio integration cannot carry websockets (dependencies.md), and a GUI must never
wait on the network in its event loop.  So the link runs an asyncio loop in a thread of its
own, reconnects by itself with a growing, jittered pause, and hands everything to widgets
through one queued signal, which keeps welcome, snapshot, events and answers in the order the
server sent them.

Requests are kept until answered.  When the connection drops with a request unanswered, the
same request is sent again with the same id after the reconnect; the server answers a
repeated id with its first answer, so a tap is never lost and never done twice.

The link keeps the program's one mirror of the hall (``mirror``, a ``hallcall.mirror.HallMirror``):
every snapshot and event is folded into it on the Qt thread before the signals go out, so a
slot reads the hall as the server last described it, typed; ``updated`` says what changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
import secrets
import threading
from pathlib import Path
from typing import Any

import msgspec
from PySide6.QtCore import QObject, Signal, Slot
from websockets.exceptions import InvalidHandshake, InvalidURI

from hallcall import protocol as p
from hallcall.client import CertificateProblem, HallClient
from hallcall.i18n import error_text
from hallcall.mirror import HallMirror, Update

log = logging.getLogger("hallcall.gui.link")

# Answers to a hello that will not change by trying again with the same credentials.
_FINAL_REFUSALS = {"auth_failed", "protocol_version", "bad_field", "forbidden", "session_ended", "bad_message"}
# A counter's sign-in rules (queue-rules.md section 8) refuse a person, not a moment: the clerk
# must be told at once (and may pick another counter), not kept waiting on silent retries.
_FINAL_REFUSALS |= {"unknown_counter", "not_allowed_at_counter", "counter_occupied", "clerk_busy_elsewhere"}
# A locked-out account (protocol.md 4.1): the person is told how long, and retrying only waits.
_FINAL_REFUSALS |= {"locked_out"}
_FINAL_REFUSALS |= {"token_revoked"}  # a device's token rotated or revoked: fixing --token is for a person


def refusal(code: str, message: str, **details: Any) -> dict[str, Any]:
    """A refusal the link makes itself, not the server (an address it cannot use, a server
    certificate it cannot trust), in the shape of the server's error answer, so a program shows
    both alike."""
    zh = error_text(code, "zh", details)
    error = p.Error(re=None, code=code, message=message, message_zh=zh, details=details or msgspec.UNSET)
    return dict(msgspec.to_builtins(error))


class HallLink(QObject):
    """One program's connection to the hall server, safe to use from the Qt thread."""

    state_changed = Signal(str)
    welcomed = Signal(dict)
    snapshot_received = Signal(dict)
    event_received = Signal(dict)
    answered = Signal(str, dict)
    refused = Signal(dict)
    updated = Signal(object)  # a hallcall.mirror.Update, after the mirror took it in

    # The worker thread's single channel to the Qt thread: (what, payload), in order.
    _deliver = Signal(str, object)

    def __init__(
        self,
        url: str,
        hello: dict[str, Any],
        parent: QObject | None = None,
        *,
        min_backoff: float = 0.5,
        max_backoff: float = 5.0,
        answer_timeout: float = 10.0,
        retry_refused_after: float | None = None,
        ca: str | Path | None = None,
    ) -> None:
        """``retry_refused_after``: for unattended devices (kiosk, display), ask again this many
        seconds after a refusal, so a screen comes back by itself once its token is fixed; None
        (a clerk's program) waits for ``retry()`` with new credentials.  ``ca``: the hall CA to
        trust for a ``wss://`` url (default: the program's ``--ca``, hallcall.client.use_hall_ca)."""
        super().__init__(parent)
        self.url = url
        self.ca = ca
        self.retry_refused_after = retry_refused_after
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self.answer_timeout = answer_timeout
        self.state = "stopped"
        self.welcome: dict[str, Any] | None = None
        self.snapshot: dict[str, Any] | None = None  # the last one, as decoded JSON
        self.mirror = HallMirror()
        self._hello = {k: v for k, v in hello.items() if v is not None}
        self._lock = threading.Lock()
        self._pending: dict[str, tuple[str, dict[str, Any]]] = {}  # id → request, until answered
        self._ids = itertools.count(1)
        self._id_prefix = secrets.token_hex(4)  # ids unique to this program run
        self._client: HallClient | None = None  # the live connection (worker thread only)
        self._inflight: set[str] = set()  # ids sent on the live connection
        self._tasks: set[asyncio.Task[None]] = set()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = False
        self._wake: asyncio.Event | None = None
        self._deliver.connect(self._on_deliver)

    # ---- Qt thread API -------------------------------------------------------------------

    def start(self) -> None:
        """Begin connecting (and keep reconnecting) in the background; returns at once."""
        if self._thread is not None and self._thread.is_alive():
            self.retry()
            return
        self._stopping = False
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="hallcall-link", daemon=True)
        self._thread.start()
        ready.wait(5)

    def stop(self) -> None:
        """Close the connection and end the worker thread; safe to call twice."""
        self._stopping = True
        self._poke()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        self._set_state_now("stopped")

    def retry(self) -> None:
        """Try again at once: after a refusal (with new credentials) or during a back-off pause."""
        self._poke()

    def set_hello(self, **fields: Any) -> None:
        """Change the hello's fields for the next connection; a None value removes the field."""
        with self._lock:
            for key, value in fields.items():
                if value is None:
                    self._hello.pop(key, None)
                else:
                    self._hello[key] = value

    def request(self, kind: str, **fields: Any) -> str:
        """Send a request; its answer comes through ``answered`` with the id returned here."""
        rid = f"{self._id_prefix}-{next(self._ids)}"
        with self._lock:
            self._pending[rid] = (kind, fields)
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._send_pending)
        return rid

    def forget(self, request_id: str) -> None:
        """Give up on an unanswered request (it may still have reached the server)."""
        with self._lock:
            self._pending.pop(request_id, None)

    @property
    def connected(self) -> bool:
        return self.state == "connected"

    @Slot(str, object)
    def _on_deliver(self, what: str, payload: Any) -> None:
        if what == "state":
            self._set_state_now(payload)
        elif what == "welcome":
            self.welcome = payload
            self.welcomed.emit(payload)
        elif what == "snapshot":
            update = self._fold(payload)
            self.snapshot = payload
            self.snapshot_received.emit(payload)
            if update is not None:
                self.updated.emit(update)
        elif what == "event":
            update = self._fold(payload)
            self.event_received.emit(payload)
            if update is not None:
                self.updated.emit(update)
        elif what == "answer":
            rid, answer = payload
            self.answered.emit(rid, answer)
        elif what == "refused":
            self.refused.emit(payload)

    def _fold(self, message: dict[str, Any]) -> Update | None:
        """Take a snapshot or event into the mirror; one that does not fit its shape (a server
        that breaks the contract) is logged and left out, and the mirror stays as it was."""
        try:
            return self.mirror.apply(message)
        except (msgspec.ValidationError, ValueError, TypeError, KeyError) as exc:
            log.error("the server sent a %s the mirror cannot take: %s", message.get("type"), exc)
            return None

    def _set_state_now(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)

    def _poke(self) -> None:
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(wake.set)

    # ---- worker thread -------------------------------------------------------------------

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._wake = asyncio.Event()
        ready.set()
        try:
            loop.run_until_complete(self._main())
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            self._loop = None
            loop.close()

    async def _main(self) -> None:
        assert self._wake is not None
        backoff = self.min_backoff
        ever_connected = False  # "reconnecting" only once there was a connection to lose
        while not self._stopping:
            self._deliver.emit("state", "reconnecting" if ever_connected else "connecting")
            self._wake.clear()  # a retry() from here on is not lost, even mid-connection
            outcome = await self._session()
            if self._stopping:
                break
            if outcome == "refused":
                # new credentials (retry), stop, or for a device the time to ask again
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.retry_refused_after)
                backoff = self.min_backoff
                continue
            if outcome == "welcomed":
                ever_connected = True
                backoff = self.min_backoff
            pause = backoff * random.uniform(0.7, 1.3)
            backoff = min(self.max_backoff, backoff * 2)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), pause)

    async def _session(self) -> str:
        """One connection from open to close: 'refused', 'welcomed' (then lost) or 'failed'."""
        assert self._wake is not None
        client = HallClient(self.url, open_timeout=5.0, ca=self.ca)
        self._inflight = set()
        snapshot_seq = -1
        # The snapshot follows the welcome on the wire, but the client's reader hands it over
        # before the hello's answer resumes us: hold it back so the welcome goes first.
        early: list[dict[str, Any]] | None = []

        def on_message(message: dict[str, Any]) -> None:
            nonlocal snapshot_seq
            if early is not None:
                early.append(message)
                return
            kind = message.get("type")
            if kind == "snapshot":
                snapshot_seq = int(message.get("seq", 0))
                self._deliver.emit("snapshot", message)
            elif kind == "event" and int(message.get("seq", 0)) > snapshot_seq:
                self._deliver.emit("event", message)

        client.listeners.append(on_message)
        try:
            await client.connect()
            with self._lock:
                hello = dict(self._hello)
            answer = await client.call("hello", timeout=self.answer_timeout, protocol=p.PROTOCOL_VERSION, **hello)
            if answer.get("type") != "welcome":
                code = answer.get("code", "")
                log.warning("the server refused the hello: %s %s", code, answer.get("message"))
                # Anything else (e.g. throttled) may pass: try again after a pause.
                return self._refuse(answer) if code in _FINAL_REFUSALS else "failed"
            token = answer.get("session_token")
            if token:
                with self._lock:
                    self._hello.pop("password", None)
                    self._hello["session_token"] = token
            self._deliver.emit("welcome", answer)
            held, early = early or [], None
            for message in held:
                on_message(message)
            await asyncio.wait_for(client.snapshot_seen.wait(), self.answer_timeout)
            self._deliver.emit("state", "connected")
            self._client = client
            self._send_pending()
            while not self._stopping and not client.closed.is_set():
                self._wake.clear()
                closed = asyncio.ensure_future(client.closed.wait())
                woken = asyncio.ensure_future(self._wake.wait())
                await asyncio.wait({closed, woken}, return_when=asyncio.FIRST_COMPLETED)
                closed.cancel()
                woken.cancel()
            return "welcomed"
        except InvalidURI as exc:
            return self._refuse(refusal("bad_address", f"not a server address: {exc}"))
        except CertificateProblem as exc:
            # not a moment's trouble: say so on screen, and do not hammer the server with handshakes
            log.error("%s", exc)
            return self._refuse(refusal("bad_certificate", str(exc), url=exc.url, problem=exc.problem))
        except (OSError, TimeoutError, InvalidHandshake, ConnectionError) as exc:
            log.info("cannot reach %s: %s", self.url, exc)
            return "failed"
        finally:
            self._client = None
            with contextlib.suppress(Exception):
                await client.close()

    def _refuse(self, answer: dict[str, Any]) -> str:
        """Tell the program why it cannot connect; the link waits for new credentials."""
        self._deliver.emit("refused", answer)
        self._deliver.emit("state", "refused")
        return "refused"

    def _send_pending(self) -> None:
        """Send every unanswered request not yet sent on this connection (worker thread)."""
        client, inflight = self._client, self._inflight
        if client is None:
            return
        with self._lock:
            todo = [(rid, req) for rid, req in self._pending.items() if rid not in inflight]
        for rid, (kind, fields) in todo:
            inflight.add(rid)
            task = asyncio.ensure_future(self._exchange(client, inflight, rid, kind, fields))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _exchange(
        self, client: HallClient, inflight: set[str], rid: str, kind: str, fields: dict[str, Any]
    ) -> None:
        try:
            answer = await client.call(kind, request_id=rid, timeout=self.answer_timeout, **fields)
        except TimeoutError:
            # A connection that does not answer in time is treated as lost: closing it makes
            # the link reconnect and send the request again, under the same id.
            log.warning("no answer to %s in %.0f s; reconnecting", kind, self.answer_timeout)
            with contextlib.suppress(Exception):
                await client.close()
            return
        except (ConnectionError, OSError):
            return  # still pending: sent again after the reconnect
        finally:
            inflight.discard(rid)
        with self._lock:
            known = self._pending.pop(rid, None) is not None
        if known:
            self._deliver.emit("answer", (rid, answer))
