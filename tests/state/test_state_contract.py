"""One contract, two stores: the in-process store and a real Redis."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator

import pytest

from bot.state import LockTimeout, MemoryStateStore, RedisStateStore, StateStore


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[StateStore]:
    if request.param == "memory":
        yield MemoryStateStore()
        return
    url, prefix = request.getfixturevalue("redis_namespace")
    redis_store = RedisStateStore.from_url(url, namespace=prefix)
    yield redis_store
    await redis_store.close()


async def test_round_trip_keeps_unicode_and_nesting(store: StateStore) -> None:
    value = {"flow": "report_issue", "slots": {"address": "锦园小区2号楼", "n": [1, 2]}}
    await store.set("conv:a", value, ttl=60)
    assert await store.get("conv:a") == value
    assert await store.get("conv:missing") is None


async def test_stored_value_is_a_copy(store: StateStore) -> None:
    value = {"slots": {"a": 1}}
    await store.set("k", value, ttl=60)
    value["slots"]["a"] = 2
    loaded = await store.get("k")
    assert loaded == {"slots": {"a": 1}}


async def test_delete(store: StateStore) -> None:
    await store.set("k", {"a": 1}, ttl=60)
    await store.delete("k")
    await store.delete("never-there")
    assert await store.get("k") is None


async def test_values_expire(store: StateStore) -> None:
    await store.set("short", {"a": 1}, ttl=0.05)
    await asyncio.sleep(0.2)
    assert await store.get("short") is None


async def test_add_if_absent_is_first_wins_under_concurrency(store: StateStore) -> None:
    results = await asyncio.gather(*(store.add_if_absent("msg:1", ttl=60) for _ in range(20)))
    assert results.count(True) == 1
    assert await store.add_if_absent("msg:2", ttl=60) is True


async def test_lock_serialises_holders(store: StateStore) -> None:
    inside = 0
    peak = 0

    async def worker() -> None:
        nonlocal inside, peak
        async with store.lock("conv:x", timeout=5):
            inside += 1
            peak = max(peak, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(worker() for _ in range(8)))
    assert peak == 1


async def test_lock_times_out_with_clear_error(store: StateStore) -> None:
    async with store.lock("conv:y", timeout=5):
        with pytest.raises(LockTimeout):
            async with store.lock("conv:y", timeout=0.1):
                pass
    # Released afterwards: can be taken again.
    async with store.lock("conv:y", timeout=0.5):
        pass


async def test_locked_reads_keys_and_writes_staged_values_on_release(store: StateStore) -> None:
    await store.set("conv:t", {"step": 1}, ttl=60)
    async with store.locked("conv:t", ["conv:t", "reply:absent"], timeout=5) as turn:
        assert turn.values == [{"step": 1}, None]
        state = {"step": 2, "where": "锦园小区"}
        turn.put("conv:t", state, ttl=60)
        turn.put("reply:1", {"replies": []}, ttl=60)
        state["step"] = 99  # staged as it was when put
        assert await store.get("conv:t") == {"step": 1}  # not yet: written on release
    assert await store.get("conv:t") == {"step": 2, "where": "锦园小区"}
    assert await store.get("reply:1") == {"replies": []}
    async with store.locked("conv:t", ["reply:absent", "conv:t"], timeout=5) as turn:
        assert turn.values == [None, {"step": 2, "where": "锦园小区"}]


async def test_locked_keeps_writes_staged_before_a_failure(store: StateStore) -> None:
    with pytest.raises(ValueError):
        async with store.locked("conv:f", ["conv:f"], timeout=5) as turn:
            turn.put("conv:f", {"saved": True}, ttl=60)
            raise ValueError("the holder fails after staging")
    assert await store.get("conv:f") == {"saved": True}
    async with store.lock("conv:f", timeout=0.5):  # released
        pass


async def test_locked_excludes_other_holders_of_the_lock(store: StateStore) -> None:
    inside = 0
    peak = 0

    async def turn_of(n: int) -> None:
        nonlocal inside, peak
        async with store.locked("conv:c", ["count"], timeout=5) as turn:
            inside += 1
            peak = max(peak, inside)
            count = (turn.values[0] or {"n": 0})["n"]
            await asyncio.sleep(0.01)
            turn.put("count", {"n": count + 1}, ttl=60)
            inside -= 1

    async def plain_holder() -> None:
        nonlocal inside, peak
        async with store.lock("conv:c", timeout=5):
            inside += 1
            peak = max(peak, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(turn_of(n) for n in range(6)), plain_holder())
    assert peak == 1
    assert await store.get("count") == {"n": 6}  # no lost update
    with pytest.raises(LockTimeout):
        async with store.lock("conv:c", timeout=5):
            async with store.locked("conv:c", [], timeout=0.1):
                pass


async def test_ping(store: StateStore) -> None:
    assert await store.ping() is True


def test_memory_expiry_uses_injected_clock() -> None:
    clock = ManualClock()
    memory = MemoryStateStore(clock=clock)

    async def scenario() -> None:
        await memory.set("k", {"a": 1}, ttl=10)
        clock.now += 9
        assert await memory.get("k") == {"a": 1}
        clock.now += 2
        assert await memory.get("k") is None
        assert await memory.add_if_absent("k", ttl=10) is True

    asyncio.run(scenario())


# A worker that takes a conversation's lock exactly as the engine does (30 s wait), says so
# and then works "forever" until it is killed.
_WORKER = """
import asyncio, sys
from bot.state import RedisStateStore

async def main():
    url, prefix, lease = sys.argv[1], sys.argv[2], float(sys.argv[3])
    store = RedisStateStore.from_url(url, namespace=prefix, lock_lease=lease)
    async with store.lock("conv:killed", timeout=30):
        print("held", flush=True)
        await asyncio.sleep(3600)

asyncio.run(main())
"""


async def test_redis_lock_of_a_killed_worker_frees_within_the_short_lease(
    redis_namespace: tuple[str, str],
) -> None:
    """Was: the lease was the 30 s wait time, so a killed worker froze its residents for 30 s."""
    url, prefix = redis_namespace
    lease = 1.0
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _WORKER, url, prefix, str(lease), stdout=asyncio.subprocess.PIPE
    )
    assert worker.stdout is not None
    assert await asyncio.wait_for(worker.stdout.readline(), 30) == b"held\n"
    other = RedisStateStore.from_url(url, namespace=prefix, lock_lease=lease)
    try:
        await asyncio.sleep(lease * 1.5)  # alive: its heartbeat keeps the lock
        with pytest.raises(LockTimeout):
            async with other.lock("conv:killed", timeout=0.2):
                pass
        worker.kill()  # SIGKILL: no finally, no release
        await worker.wait()
        loop = asyncio.get_running_loop()
        started = loop.time()
        async with other.lock("conv:killed", timeout=lease * 3):
            pass
        assert loop.time() - started <= lease + 0.5
    finally:
        if worker.returncode is None:
            worker.kill()
            await worker.wait()
        await other.close()


async def test_redis_lock_of_a_frozen_holder_frees_after_the_lease(
    redis_namespace: tuple[str, str],
) -> None:
    """A holder whose heartbeat stops (a worker whose process died mid-turn) loses the lock
    after one lease, and its late release cannot free the next holder's lock."""
    url, prefix = redis_namespace
    a = RedisStateStore.from_url(url, namespace=prefix, lock_lease=0.3)
    b = RedisStateStore.from_url(url, namespace=prefix, lock_lease=0.3)
    try:
        holder = a.lock("conv:z", timeout=5)
        await holder.__aenter__()
        for heartbeat in list(a._heartbeats):  # the worker dies: nothing renews any more
            heartbeat.cancel()
        loop = asyncio.get_running_loop()
        started = loop.time()
        async with b.lock("conv:z", timeout=2):
            assert loop.time() - started < 1.0
            await holder.__aexit__(None, None, None)  # the old holder's late release
            with pytest.raises(LockTimeout):  # ... left b's lock alone
                async with a.lock("conv:z", timeout=0.1):
                    pass
    finally:
        await a.close()
        await b.close()


async def test_redis_lock_is_kept_past_the_lease_while_the_holder_works(
    redis_namespace: tuple[str, str],
) -> None:
    url, prefix = redis_namespace
    a = RedisStateStore.from_url(url, namespace=prefix, lock_lease=0.3)
    b = RedisStateStore.from_url(url, namespace=prefix, lock_lease=0.3)
    try:
        taken = asyncio.Event()

        async def long_turn() -> None:
            async with a.lock("conv:w", timeout=5):
                taken.set()
                await asyncio.sleep(1.5)  # five leases

        turn = asyncio.create_task(long_turn())
        await taken.wait()
        with pytest.raises(LockTimeout):
            async with b.lock("conv:w", timeout=1.2):
                pass
        await turn
        async with b.lock("conv:w", timeout=0.2):  # released at once when the turn ends
            pass
    finally:
        await a.close()
        await b.close()


def test_redis_lock_lease_is_short_by_default() -> None:
    from bot.state._redis import LOCK_LEASE

    assert LOCK_LEASE <= 5.0
