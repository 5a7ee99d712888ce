"""In-process state: the embedded default for a single-process pilot."""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from weakref import WeakValueDictionary

from bot.state._base import JSONDict, LockTimeout, StateStore, Turn


class MemoryStateStore(StateStore):
    """Dicts with expiry times and asyncio locks; everything is lost on restart by design."""

    kind = "memory"

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._values: dict[str, tuple[float, str]] = {}
        # Weak values: a conversation's lock disappears once nobody holds or waits for it.
        self._locks: WeakValueDictionary[str, asyncio.Lock] = WeakValueDictionary()
        self._sweep_counter = 0

    def _sweep(self) -> None:
        # Amortised clean-up so expired keys of idle conversations do not pile up.
        self._sweep_counter += 1
        if self._sweep_counter % 1000:
            return
        now = self._clock()
        for key in [k for k, (expires, _) in self._values.items() if expires <= now]:
            self._values.pop(key, None)

    def _live(self, key: str) -> str | None:
        item = self._values.get(key)
        if item is None:
            return None
        expires, raw = item
        if expires <= self._clock():
            self._values.pop(key, None)
            return None
        return raw

    async def get(self, key: str) -> JSONDict | None:
        raw = self._live(key)
        return None if raw is None else json.loads(raw)

    async def set(self, key: str, value: JSONDict, *, ttl: float) -> None:
        # Serialise now: callers must not be able to mutate stored state by reference, and
        # a value that would not survive Redis must not survive here either.
        self._values[key] = (
            self._clock() + ttl,
            json.dumps(copy.deepcopy(value), ensure_ascii=False),
        )
        self._sweep()

    async def delete(self, key: str) -> None:
        self._values.pop(key, None)

    async def add_if_absent(self, key: str, *, ttl: float) -> bool:
        if self._live(key) is not None:
            return False
        self._values[key] = (self._clock() + ttl, "{}")
        self._sweep()
        return True

    @asynccontextmanager
    async def lock(self, name: str, *, timeout: float = 30.0) -> AsyncIterator[None]:
        lock = self._locks.get(name)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[name] = lock
        try:
            await asyncio.wait_for(lock.acquire(), timeout)
        except TimeoutError as exc:
            raise LockTimeout(f"lock {name!r} busy for {timeout}s") from exc
        try:
            yield
        finally:
            lock.release()

    @asynccontextmanager
    async def locked(
        self, name: str, keys: Sequence[str], *, timeout: float = 30.0
    ) -> AsyncIterator[Turn]:
        async with self.lock(name, timeout=timeout):
            turn = Turn([await self.get(key) for key in keys])
            try:
                yield turn
            finally:
                # The turn serialised its writes already: stored as they are.
                now = self._clock()
                for key, payload, ttl in turn.take():
                    self._values[key] = (now + ttl, payload)
                self._sweep()

    async def ping(self) -> bool:
        return True
