"""One handling per Telegram update, across worker processes.

Telegram resends an update it got no 200 for (and long polling may hand one out twice after
a restart). Each update claims ``update_id`` in the shared state store (Redis when
configured) under a per-key lock before anything is done with it: a second delivery, during
the first or after it, changes nothing. A delivery that fails drops its claim, so
Telegram's retry is handled afresh.
"""

from __future__ import annotations

from bot.state import StateStore

__all__ = ["Claims"]

HANDLING, DONE = "handling", "done"


class Claims:
    def __init__(self, store: StateStore, *, namespace: str, ttl: float) -> None:
        self._store = store
        self._namespace = namespace
        self._ttl = ttl

    def _key(self, update_id: int) -> str:
        return f"{self._namespace}update:{update_id}"

    async def claim(self, update_id: int) -> bool:
        """True when this delivery is the first and must be handled."""
        async with self._store.lock(f"{self._namespace}update-lock:{update_id}", timeout=10.0):
            if await self._store.get(self._key(update_id)) is not None:
                return False
            await self._store.set(self._key(update_id), {"state": HANDLING}, ttl=self._ttl)
            return True

    async def done(self, update_id: int) -> None:
        await self._store.set(self._key(update_id), {"state": DONE}, ttl=self._ttl)

    async def release(self, update_id: int) -> None:
        await self._store.delete(self._key(update_id))
