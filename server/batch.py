"""Group commit: the requests handled in one turn of the event loop share one SQLite
transaction, and nothing they cause leaves the server before it is committed.

``durable(rows, publish)`` adds rows to the open transaction (opening one and scheduling its
commit on the next turn of the loop if none is open) and waits for the commit; ``publish`` runs
once the rows are durable, before any waiting request is answered.  If the commit fails, the
transaction is rolled back, ``on_failure`` rebuilds what the server holds in memory, and every
request of the batch gets the exception: nothing is half-done.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from .storage import Record, Storage

log = logging.getLogger("hallcall.server")


@dataclass
class _Batch:
    futures: list[asyncio.Future[None]] = field(default_factory=list)
    after: list[Callable[[], None]] = field(default_factory=list)


class GroupCommit:
    def __init__(self, storage: Storage, day: Callable[[], str], on_failure: Callable[[], None]) -> None:
        self.storage = storage
        self._day = day  # the business day rows are written under
        self._on_failure = on_failure
        self._batch: _Batch | None = None

    def _write(self, rows: list[Record]) -> _Batch:
        """Add rows to the open transaction (opening one if needed) and schedule its commit."""
        if self._batch is None:
            self.storage.begin()
            self._batch = _Batch()
            asyncio.get_running_loop().call_soon(self._commit, self._batch)
        self.storage.apply(rows, self._day())
        return self._batch

    def _commit(self, batch: _Batch) -> None:
        if self._batch is not batch:  # already failed and rolled back
            return
        self._batch = None
        try:
            self.storage.commit()
        except Exception as exc:  # disk full, I/O error: undo everything this batch did
            log.exception("commit failed; rolling back %d requests", len(batch.futures))
            self._fail(batch, exc)
            return
        for publish in batch.after:
            publish()
        for fut in batch.futures:
            if not fut.done():
                fut.set_result(None)

    def _fail(self, batch: _Batch, exc: BaseException) -> None:
        self.storage.rollback()
        self._on_failure()
        for fut in batch.futures:
            if not fut.done():
                fut.set_exception(exc)

    async def durable(self, rows: list[Record], publish: Callable[[], None] | None = None) -> None:
        """Persist ``rows`` with the current batch and wait until they are committed."""
        try:
            batch = self._write(rows)
        except Exception as exc:
            if self._batch is not None:
                failed, self._batch = self._batch, None
                self._fail(failed, exc)
            raise
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        batch.futures.append(fut)
        if publish is not None:
            batch.after.append(publish)
        await fut

    async def settled(self) -> None:
        """Wait for the open batch to commit (or fail), so a read never shows unsaved state."""
        batch = self._batch
        if batch is None:
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        batch.futures.append(fut)
        with contextlib.suppress(Exception):
            await fut


__all__ = ["GroupCommit"]
