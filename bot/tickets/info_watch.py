"""Which residents cannot have an unanswered information request (补充情况), cheaply.

:meth:`TicketService.awaiting_info` runs on every private message a resident sends and
asks the database whether staff wait for their answer: a join over tickets and events,
about a fifth of a whole turn on SQLite (bench/load.py). Almost always the answer is no,
and a "yes" can only begin when staff ask (``request_info``) or a ticket comes back to
the resident (a push to them). So each worker remembers the residents it found without
one, together with the resident's *mark* in the shared state store: a random value
replaced (:meth:`InfoRequestWatch.mark`) after such a request is committed and before
any push reaches the resident. While the mark is what it was at the last empty answer,
the answer is still empty; a changed or vanished mark (a restarted Redis), an error of
the store, or a memory older than ``max_age`` asks the database again.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable

from bot.state import StateStore, forget_read_along, read_along

log = logging.getLogger(__name__)

# Outlives any conversation: a mark that expires reads as changed (the database is asked).
MARK_TTL_SECONDS = 30 * 24 * 3600
_ABSENT = "-"


class InfoRequestWatch:
    """Marks in a :class:`StateStore` shared by every worker, and this worker's memory of
    residents without a pending request (at most ``capacity``, least recent dropped)."""

    def __init__(
        self,
        store: StateStore,
        *,
        capacity: int = 100_000,
        max_age: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.capacity = capacity
        self.max_age = max_age
        self.clock = clock
        self._empty: OrderedDict[tuple[str, str], tuple[str, float]] = OrderedDict()

    @staticmethod
    def key(channel: str, user_id: str) -> str:
        """The resident's mark in the store (the engine reads it along with each turn's
        state: ``Engine(read_along=...)``)."""
        return f"info-request-mark:{channel}:{user_id}"

    async def mark(self, channel: str, user_id: str) -> None:
        """A request may now be pending for this resident: every worker asks again."""
        self._empty.pop((channel, user_id), None)
        key = self.key(channel, user_id)
        forget_read_along(key)
        try:
            await self.store.set(key, {"v": uuid.uuid4().hex}, ttl=MARK_TTL_SECONDS)
        except Exception:
            # Other workers keep their memory for at most max_age; the request itself is
            # committed and shown in the console.
            log.warning("could not mark an information request for a resident", exc_info=True)

    async def current(self, channel: str, user_id: str) -> str | None:
        """The resident's mark now (read *before* asking the database), None if the store
        cannot say."""
        key = self.key(channel, user_id)
        found, value = read_along(key)
        try:
            if not found:
                value = await self.store.get(key)
        except Exception:
            log.warning("state store unreadable; asking the database", exc_info=True)
            return None
        return _ABSENT if value is None else str(value.get("v", _ABSENT))

    def known_empty(self, channel: str, user_id: str, mark: str | None) -> bool:
        """True when this worker found no request for the resident under this same mark."""
        if mark is None:
            return False
        entry = self._empty.get((channel, user_id))
        if entry is None:
            return False
        seen, at = entry
        if seen != mark or self.clock() - at > self.max_age:
            del self._empty[(channel, user_id)]
            return False
        return True

    def remember(self, channel: str, user_id: str, mark: str | None, pending: bool) -> None:
        """What the database said under ``mark`` (as read before asking it)."""
        key = (channel, user_id)
        self._empty.pop(key, None)
        if pending or mark is None:
            return
        self._empty[key] = (mark, self.clock())
        while len(self._empty) > self.capacity:
            self._empty.popitem(last=False)
