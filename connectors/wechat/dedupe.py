"""One answer per WeChat message, across worker processes.

WeChat retries a callback it got no answer to within 5 seconds, three times, possibly to
another worker. Every callback claims its message key in the shared state store (Redis when
configured) under a per-key lock; the record says what became of it::

    handling   the first delivery is being answered; a retry now answers "success" and
               marks the record, so the first delivery sends its replies through the
               customer-service API too (its own HTTP answer may be lost: WeChat retried)
    answered   answered passively; a retry (its answer was lost) gets the same text again:
               WeChat shows the answer of the delivery it is still waiting for, once
    late       "success" was answered and the replies follow through the outbox

A failed delivery drops its record, so WeChat's retry is handled afresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.state import StateStore

__all__ = ["Claims", "Previous"]

HANDLING, ANSWERED, LATE = "handling", "answered", "late"


@dataclass(frozen=True, slots=True)
class Previous:
    """What an earlier delivery of the same message did."""

    state: str
    text: str = ""


class Claims:
    def __init__(self, store: StateStore, *, namespace: str, ttl: float) -> None:
        self._store = store
        self._namespace = namespace
        self._ttl = ttl

    def _key(self, key: str) -> str:
        return f"{self._namespace}msg:{key}"

    def _lock(self, key: str) -> Any:
        return self._store.lock(f"{self._namespace}msg-lock:{key}", timeout=10.0)

    async def claim(self, key: str) -> Previous | None:
        """None: this delivery is the first and must answer; else the earlier outcome."""
        async with self._lock(key):
            record = await self._store.get(self._key(key))
            if record is None:
                await self._store.set(self._key(key), {"state": HANDLING}, ttl=self._ttl)
                return None
            if record["state"] == HANDLING and not record.get("retried"):
                await self._store.set(self._key(key), {**record, "retried": True}, ttl=self._ttl)
            return Previous(str(record["state"]), str(record.get("text", "")))

    async def answered(self, key: str, text: str) -> bool:
        """Record a passive answer; False when a retry came meanwhile (then the replies must
        go through the outbox, and the record says so)."""
        async with self._lock(key):
            record = await self._store.get(self._key(key)) or {}
            if record.get("retried"):
                await self._store.set(self._key(key), {"state": LATE}, ttl=self._ttl)
                return False
            await self._store.set(
                self._key(key), {"state": ANSWERED, "text": text}, ttl=self._ttl
            )
            return True

    async def late(self, key: str) -> None:
        async with self._lock(key):
            await self._store.set(self._key(key), {"state": LATE}, ttl=self._ttl)

    async def release(self, key: str) -> None:
        """The delivery failed: forget it, so WeChat's retry is handled afresh."""
        async with self._lock(key):
            await self._store.delete(self._key(key))
