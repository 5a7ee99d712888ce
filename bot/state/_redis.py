"""Redis-backed state for many workers sharing conversations."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.state._base import JSONDict, LockTimeout, StateStore, Turn

log = logging.getLogger(__name__)

# A lock is a short lease kept alive by its holder: a worker that is killed stops renewing,
# and its conversations are free again within LOCK_LEASE seconds (not the whole wait time).
LOCK_LEASE = 5.0

# Release only a lock we still own: the lease may have expired and been taken by another worker.
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""

# Take the lock and, if it was free, read the turn's keys in the same round trip.
_ACQUIRE = """
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
    local values = {1}
    for i = 2, #KEYS do
        values[i] = redis.call('get', KEYS[i])
    end
    return values
end
return {0}
"""

# Make the turn's writes, then release the lock if it is still ours: one round trip. The
# writes are made either way, as separate SETs after a lost lease would have been.
_WRITE_AND_RELEASE = """
for i = 2, #KEYS do
    redis.call('set', KEYS[i], ARGV[2 * i - 2], 'PX', ARGV[2 * i - 1])
end
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""

# Extend the lease only while the lock is still ours (same reason).
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""


class RedisStateStore(StateStore):
    """Values as JSON strings with PX expiry; locks as SET NX PX leases with owner tokens,
    renewed by a heartbeat while the holder works (every third of ``lock_lease``)."""

    kind = "redis"

    def __init__(
        self, client: Redis, *, namespace: str = "minsheng:", lock_lease: float = LOCK_LEASE
    ) -> None:
        self._client = client
        self._ns = namespace
        self._lease_ms = max(30, int(lock_lease * 1000))
        self._release = client.register_script(_RELEASE)
        self._renew = client.register_script(_RENEW)
        self._acquire = client.register_script(_ACQUIRE)
        self._write_and_release = client.register_script(_WRITE_AND_RELEASE)
        self._heartbeats: set[asyncio.Task[None]] = set()

    @classmethod
    def from_url(
        cls, url: str, *, namespace: str = "minsheng:", lock_lease: float = LOCK_LEASE
    ) -> RedisStateStore:
        client = Redis.from_url(url, decode_responses=True)
        return cls(client, namespace=namespace, lock_lease=lock_lease)

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
        token = self._token()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        delay = 0.005
        while not await self._client.set(key, token, nx=True, px=self._lease_ms):
            if loop.time() >= deadline:
                raise LockTimeout(f"lock {name!r} busy for {timeout}s")
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.1)
        heartbeat = self._start_heartbeat(name, key, token)
        try:
            yield
        finally:
            await self._stop_heartbeat(heartbeat)
            await self._release(keys=[key], args=[token])

    @asynccontextmanager
    async def locked(
        self, name: str, keys: Sequence[str], *, timeout: float = 30.0
    ) -> AsyncIterator[Turn]:
        key = self._k(f"lock:{name}")
        token = self._token()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        delay = 0.005
        lock_and_keys = [key, *(self._k(k) for k in keys)]
        while True:
            got = await self._acquire(keys=lock_and_keys, args=[token, self._lease_ms])
            if got[0]:
                break
            if loop.time() >= deadline:
                raise LockTimeout(f"lock {name!r} busy for {timeout}s")
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.1)
        heartbeat = self._start_heartbeat(name, key, token)
        # Redis drops trailing nils from a script's array: absent keys at the end.
        raw = [*got[1:], *([None] * (len(keys) + 1 - len(got)))]
        turn = Turn([None if value is None else json.loads(value) for value in raw])
        try:
            yield turn
        finally:
            await self._stop_heartbeat(heartbeat)
            writes = turn.take()
            args: list[str | int] = [token]
            for _, payload, ttl in writes:
                args += [payload, max(1, int(ttl * 1000))]
            await self._write_and_release(
                keys=[key, *(self._k(k) for k, _, _ in writes)], args=args
            )

    @staticmethod
    def _token() -> str:
        # The owner's pid in the token tells an operator (and the fault tests) which worker
        # holds a conversation; the random part keeps tokens unique across hosts.
        return f"{os.getpid()}:{uuid.uuid4().hex}"

    def _start_heartbeat(self, name: str, key: str, token: str) -> asyncio.Task[None]:
        heartbeat = asyncio.create_task(self._keep_alive(key, token), name=f"lock-heartbeat:{name}")
        self._heartbeats.add(heartbeat)
        return heartbeat

    async def _stop_heartbeat(self, heartbeat: asyncio.Task[None]) -> None:
        heartbeat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await heartbeat
        self._heartbeats.discard(heartbeat)

    async def _keep_alive(self, key: str, token: str) -> None:
        """Renew the lease every third of it while the lock is held; stop if it was lost."""
        interval = self._lease_ms / 3000
        while True:
            await asyncio.sleep(interval)
            try:
                renewed = await self._renew(keys=[key], args=[token, self._lease_ms])
            except (RedisError, OSError):
                log.warning("could not renew lock %s; retrying", key, exc_info=True)
                continue
            if not renewed:
                # The lease ran out (the loop was blocked longer than the lease) and another
                # worker may hold it now: nothing to renew any more.
                log.warning("lost lock %s: its lease expired while held", key)
                return

    async def ping(self) -> bool:
        try:
            return bool(await self._client.ping())  # type: ignore[misc]
        except (RedisError, OSError):
            return False

    async def close(self) -> None:
        for heartbeat in list(self._heartbeats):
            heartbeat.cancel()
        await self._client.aclose()
