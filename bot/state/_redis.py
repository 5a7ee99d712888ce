"""Redis-backed state for many workers sharing conversations."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.state._base import JSONDict, LockTimeout, StateStore

# Release only a lock we still own: the lease may have expired and been taken by another worker.
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


class RedisStateStore(StateStore):
    """Values as JSON strings with PX expiry; locks as SET NX PX leases with owner tokens."""

    kind = "redis"

    def __init__(self, client: Redis, *, namespace: str = "minsheng:") -> None:
        self._client = client
        self._ns = namespace
        self._release = client.register_script(_RELEASE)

    @classmethod
    def from_url(cls, url: str, *, namespace: str = "minsheng:") -> RedisStateStore:
        return cls(Redis.from_url(url, decode_responses=True), namespace=namespace)

    def _k(self, key: str) -> str:
        return f"{self._ns}{key}"

    async def get(self, key: str) -> JSONDict | None:
        raw = await self._client.get(self._k(key))
        return None if raw is None else json.loads(raw)

    async def set(self, key: str, value: JSONDict, *, ttl: float) -> None:
        payload = json.dumps(value, ensure_ascii=False)
        await self._client.set(self._k(key), payload, px=max(1, int(ttl * 1000)))

    async def delete(self, key: str) -> None:
        await self._client.delete(self._k(key))

    async def add_if_absent(self, key: str, *, ttl: float) -> bool:
        created = await self._client.set(self._k(key), "1", nx=True, px=max(1, int(ttl * 1000)))
        return bool(created)

    @asynccontextmanager
    async def lock(self, name: str, *, timeout: float = 30.0) -> AsyncIterator[None]:
        key = self._k(f"lock:{name}")
        token = uuid.uuid4().hex
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        delay = 0.005
        while not await self._client.set(key, token, nx=True, px=int(timeout * 1000)):
            if loop.time() >= deadline:
                raise LockTimeout(f"lock {name!r} busy for {timeout}s")
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.1)
        try:
            yield
        finally:
            await self._release(keys=[key], args=[token])

    async def ping(self) -> bool:
        try:
            return bool(await self._client.ping())  # type: ignore[misc]
        except (RedisError, OSError):
            return False

    async def close(self) -> None:
        await self._client.aclose()
