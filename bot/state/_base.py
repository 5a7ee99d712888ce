"""The state store contract."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar
from typing import Any

from bot.errors import MinshengError

JSONDict = dict[str, Any]


# Values of keys a turn's lock read along with its state (Engine's ``read_along``), for the
# code that runs inside that turn; absent keys are there with None.
_READ_ALONG: ContextVar[dict[str, JSONDict | None] | None] = ContextVar(
    "minsheng_read_along", default=None
)


@asynccontextmanager
async def reading_along(values: Mapping[str, JSONDict | None]) -> AsyncIterator[None]:
    """Within this block (the turn), :func:`read_along` answers for ``values``' keys."""
    token = _READ_ALONG.set(dict(values))
    try:
        yield
    finally:
        _READ_ALONG.reset(token)


def read_along(key: str) -> tuple[bool, JSONDict | None]:
    """(True, value) when the current turn's lock read ``key`` (value None: absent), else
    (False, None): the caller reads the store itself. Saves a round trip to a shared store
    for a key every turn needs."""
    values = _READ_ALONG.get()
    if values is None or key not in values:
        return False, None
    return True, values[key]


def forget_read_along(key: str) -> None:
    """``key`` changed during the turn: later reads in it go to the store."""
    values = _READ_ALONG.get()
    if values is not None:
        values.pop(key, None)


class LockTimeout(MinshengError):
    """Another worker held a conversation's lock for too long."""

    code = "busy"


class Turn:
    """What the holder of a lock taken with :meth:`StateStore.locked` sees: the values read
    as the lock was taken, and the writes it stages (:meth:`put`), which are made when the
    lock is released, in the same round trip."""

    __slots__ = ("_writes", "values")

    def __init__(self, values: list[JSONDict | None]) -> None:
        self.values = values
        self._writes: list[tuple[str, str, float]] = []

    def put(self, key: str, value: JSONDict, *, ttl: float) -> None:
        """Store ``value`` for ``ttl`` seconds when the lock is released (even if the holder
        then fails: a staged write is one the holder would have made at once)."""
        # Serialised now: the holder may go on changing ``value`` after staging it.
        self._writes.append((key, json.dumps(value, ensure_ascii=False), ttl))

    def take(self) -> list[tuple[str, str, float]]:
        """The staged writes as (key, JSON, ttl), once."""
        writes, self._writes = self._writes, []
        return writes


class StateStore(ABC):
    """A small key-value store with expiry, locks and set-if-absent.

    Values are JSON-serialisable dicts. Keys are plain strings; implementations may prefix
    them with a namespace so several deployments can share one Redis.
    """

    kind: str = ""

    @abstractmethod
    async def get(self, key: str) -> JSONDict | None:
        """The value stored under ``key``, or None when absent or expired."""

    @abstractmethod
    async def set(self, key: str, value: JSONDict, *, ttl: float) -> None:
        """Store ``value`` for ``ttl`` seconds."""

    @abstractmethod
    async def delete(self, key: str) -> None:
        """Forget ``key``; absent keys are fine."""

    @abstractmethod
    async def add_if_absent(self, key: str, *, ttl: float) -> bool:
        """Mark ``key`` as seen; True if this call was the first to do so (atomic)."""

    @abstractmethod
    def lock(self, name: str, *, timeout: float = 30.0) -> AbstractAsyncContextManager[None]:
        """Hold an exclusive lock on ``name``.

        Waits up to ``timeout`` seconds and raises :class:`LockTimeout` after that. A lock
        shared between processes is a short lease its holder renews while it works, so a
        killed worker frees its conversations within that lease (seconds), not ``timeout``.
        """

    @asynccontextmanager
    async def locked(
        self, name: str, keys: Sequence[str], *, timeout: float = 30.0
    ) -> AsyncIterator[Turn]:
        """Hold the lock on ``name`` (as :meth:`lock`) with ``keys`` read once it is held,
        and the writes staged on the :class:`Turn` made as it is released.

        A store that shares state between processes does each end in one round trip: a
        conversation's turn costs two, however many keys it reads and writes.
        """
        async with self.lock(name, timeout=timeout):
            turn = Turn([await self.get(key) for key in keys])
            try:
                yield turn
            finally:
                for key, payload, ttl in turn.take():
                    await self.set(key, json.loads(payload), ttl=ttl)

    @abstractmethod
    async def ping(self) -> bool:
        """True when the store answers."""

    async def close(self) -> None:  # noqa: B027 - optional hook, most stores need nothing
        """Release connections."""
