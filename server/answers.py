"""Idempotency: each sender's answers to the requests that change the queue, kept so a retried
id gets the first answer again, byte for byte (docs/protocol.md section 3).

Recent answers are kept in memory; older ones are read back from the database, where each is
saved in the same transaction as the change it reports.  A request whose id is still being
saved is not run a second time: the repeat waits for the first and gets its answer.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from .storage import Storage

ANSWER_CACHE = 50_000  # recent answers kept in memory; older ones are read back from the database

Key = tuple[str, str]  # (principal, request id)


class Answers:
    def __init__(self, storage: Storage, limit: int = ANSWER_CACHE) -> None:
        self.storage = storage
        self.limit = limit
        self.cache: OrderedDict[Key, bytes] = OrderedDict()
        self._inflight: dict[Key, asyncio.Future[bytes]] = {}

    def remembered(self, principal: str, request_id: str) -> bytes | None:
        found = self.cache.get((principal, request_id))
        if found is None:
            stored = self.storage.answer(principal, request_id)
            found = stored.encode() if stored is not None else None
        return found

    def remember(self, principal: str, request_id: str, answer: bytes) -> None:
        self.cache[(principal, request_id)] = answer
        if len(self.cache) > self.limit:
            self.cache.popitem(last=False)

    async def once(self, key: Key, make: Callable[[], Awaitable[bytes]]) -> bytes:
        """The answer for ``key``: the one already given, or the one ``make`` gives (which must
        save it with its change, see ``remember``), made once however often the key arrives."""
        pending = self._inflight.get(key)
        if pending is not None:  # the same id again while the first is still being saved
            return await asyncio.shield(pending)
        earlier = self.remembered(*key)
        if earlier is not None:
            return earlier
        fut: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._inflight[key] = fut
        try:
            answer = await make()
            self.remember(*key, answer)
            fut.set_result(answer)
            return answer
        except BaseException as exc:
            fut.set_exception(exc)
            fut.exception()  # retrieved: a waiting duplicate re-raises it itself
            raise
        finally:
            del self._inflight[key]


__all__ = ["ANSWER_CACHE", "Answers"]
