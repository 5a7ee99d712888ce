"""The state store contract."""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractAsyncContextManager
from typing import Any

from bot.errors import MinshengError

JSONDict = dict[str, Any]


class LockTimeout(MinshengError):
    """Another worker held a conversation's lock for too long."""

    code = "busy"


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

    @abstractmethod
    async def ping(self) -> bool:
        """True when the store answers."""

    async def close(self) -> None:  # noqa: B027 - optional hook, most stores need nothing
        """Release connections."""
