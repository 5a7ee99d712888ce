"""Two gunicorn workers on PostgreSQL + Redis, on loopback: a worker killed mid-report, and
one webhook delivered many times at once to both workers."""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
from redis.asyncio import Redis

from tests.conftest import _off_loop, _pg_admin
from tests.e2e.resident import choose, find_ticket_number, typed_answer
from tests.faults.services import Deployment, deployment, private_redis

# Generous: on a loaded CI machine the shared model fixture and two workers booting take
# minutes; the test itself runs in seconds once they are up.
pytestmark = pytest.mark.timeout(1200)

REPORTS = ["锦园小区2号楼楼道灯坏了,晚上很黑", "锦园小区3号楼门口垃圾好几天没人清了"]
CONFIRM = re.compile(r"确认|提交")
_ids = itertools.count(1)


@pytest.fixture(scope="module")
def database(postgres_server: str) -> Iterator[str]:
    from bot.db.migrate import upgrade_sync

    name = f"minsheng_f_{uuid.uuid4().hex[:12]}"
    _pg_admin(postgres_server, f'CREATE DATABASE "{name}"')
    url = f"{postgres_server}/{name}"
    try:
        _off_loop(upgrade_sync, url)
        yield url
    finally:
        _pg_admin(postgres_server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with private_redis() as redis:
        yield redis.url


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory,
    database: str,
    redis_url: str,
    default_model_dir: Path,
    default_model_digest: str,
) -> Iterator[Deployment]:
    with deployment(
        tmp_path_factory.mktemp("served"),
        workers=2,
        database_url=database,
        redis_url=redis_url,
        model_dir=default_model_dir,
        digest=default_model_digest,
    ) as served:
        yield served


async def say(
    http: aiohttp.ClientSession, base: str, sender: str, text: str, message_id: str
) -> list[dict[str, Any]]:
    async with http.post(
        base + "/webhooks/rest/webhook",
        json={"sender": sender, "message": text, "metadata": {"message_id": message_id}},
    ) as response:
        assert response.status == 200, await response.text()
        replies: list[dict[str, Any]] = await response.json()
        assert replies
        return replies


async def until_confirmation(
    http: aiohttp.ClientSession, base: str, sender: str, first: str
) -> str:
    """Answer the bot until it asks for the summary's confirmation; the text that confirms."""
    replies = await say(http, base, sender, first, f"m-{next(_ids)}")
    for _ in range(12):
        buttons = [b for r in replies for b in r.get("buttons", [])]
        index = choose([b["title"] for b in buttons])
        if index is not None and CONFIRM.search(buttons[index]["title"]):
            return str(buttons[index]["payload"])
        text = buttons[index]["payload"] if index is not None else typed_answer(replies[-1]["text"])
        replies = await say(http, base, sender, text, f"m-{next(_ids)}")
    raise AssertionError("the bot never asked to confirm")


async def tickets_of(database: str, sender: str) -> list[str]:
    conn = await asyncpg.connect(database)
    try:
        rows = await conn.fetch("SELECT number FROM ticket WHERE reporter_id = $1", sender)
    finally:
        await conn.close()
    return sorted(row["number"] for row in rows)


async def lock_owner(redis: Redis, timeout: float = 30.0) -> int:
    """The pid of the worker holding a conversation lock (waits until one is held)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        async for key in redis.scan_iter(match="minsheng:lock:*"):
            token = await redis.get(key)
            if token:
                return int(token.split(":", 1)[0])
        await asyncio.sleep(0.01)
    raise AssertionError("no worker took the conversation's lock")


async def test_worker_killed_mid_report(served: Deployment, database: str, redis_url: str) -> None:
    sender, base = f"killed-{uuid.uuid4().hex[:8]}", served.base_url
    redis = Redis.from_url(redis_url, decode_responses=True)
    async with aiohttp.ClientSession() as http:
        # A report filed before anything goes wrong.
        confirm = await until_confirmation(http, base, sender, REPORTS[0])
        first = find_ticket_number(
            [r["text"] for r in await say(http, base, sender, confirm, f"m-{next(_ids)}")]
        )
        assert first is not None
        # A second report: its confirmation reaches a worker that is stuck in the database
        # (a held table lock) while it holds the conversation's lock, and is killed there.
        confirm = await until_confirmation(http, base, sender, REPORTS[1])
        blocker = await asyncpg.connect(database)
        transaction = blocker.transaction()
        await transaction.start()
        await blocker.execute("LOCK TABLE ticket IN ACCESS EXCLUSIVE MODE")
        message_id = f"m-{next(_ids)}"
        in_flight = asyncio.create_task(say(http, base, sender, confirm, message_id))
        victim = await lock_owner(redis)
        assert victim in served.workers()
        os.kill(victim, signal.SIGKILL)
        with pytest.raises((aiohttp.ClientError, AssertionError)):
            await in_flight  # the connection dies with the worker
        await transaction.rollback()
        await blocker.close()
        # Nothing half-written: the killed turn's transaction never committed.
        assert await tickets_of(database, sender) == [first]

        # The channel sends the message again (same id): another worker takes over as soon
        # as the dead worker's short lock lease runs out, and files the report once.
        replies = await say(http, base, sender, confirm, message_id)
        second = find_ticket_number([r["text"] for r in replies])
        assert second is not None and second != first
        again = await say(http, base, sender, confirm, message_id)
        assert again == replies
        assert await tickets_of(database, sender) == sorted([first, second])

        # The resident asks after their tickets and learns both numbers.
        status = await say(http, base, sender, "我的工单怎么样了", f"m-{next(_ids)}")
        said = " ".join(r["text"] for r in status)
        assert first in said and second in said, said
    await redis.aclose()
    assert victim not in served.workers()  # gunicorn replaced it


async def test_same_webhook_many_times_at_once_on_both_workers(
    served: Deployment, database: str
) -> None:
    sender, base = f"dup-{uuid.uuid4().hex[:8]}", served.base_url
    async with aiohttp.ClientSession() as http:
        confirm = await until_confirmation(http, base, sender, REPORTS[0])
    message_id = f"m-{next(_ids)}"
    # A fresh connection per delivery, so the kernel spreads them over both workers.
    connector = aiohttp.TCPConnector(force_close=True, limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        answers = await asyncio.gather(
            *(say(http, base, sender, confirm, message_id) for _ in range(16))
        )
    assert all(answer == answers[0] for answer in answers)
    number = find_ticket_number([r["text"] for r in answers[0]])
    assert number is not None
    assert await tickets_of(database, sender) == [number]
