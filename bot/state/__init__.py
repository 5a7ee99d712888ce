"""Dialogue state, per-conversation locks and message de-duplication.

One :class:`StateStore` contract with two implementations: :class:`MemoryStateStore` (the
embedded default, one process) and :class:`RedisStateStore` (many workers). Both pass the
same contract tests.
"""

from bot.state._base import (
    LockTimeout,
    StateStore,
    forget_read_along,
    read_along,
    reading_along,
)
from bot.state._memory import MemoryStateStore
from bot.state._redis import RedisStateStore

__all__ = [
    "LockTimeout",
    "MemoryStateStore",
    "RedisStateStore",
    "StateStore",
    "create_state_store",
    "forget_read_along",
    "read_along",
    "reading_along",
]


def create_state_store(redis_url: str, *, namespace: str = "minsheng:") -> StateStore:
    """Redis when a URL is configured, otherwise the in-process store."""
    if redis_url:
        return RedisStateStore.from_url(redis_url, namespace=namespace)
    return MemoryStateStore()
