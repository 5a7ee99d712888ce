"""PostgreSQL restarted under load and Redis restarted, for real, on private servers.

Documented behaviour (README, "Several workers"): while the database or Redis is away a
message is answered 503 with Retry-After and a Chinese "send it again"; the turn's
transaction is rolled back and its message id not marked answered, so nothing is half
written and the retry is handled in full; tickets already filed stay filed and the resident
learns their numbers afterwards; queued pushes wait in the outbox and go out afterwards.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.appkeys import RUNTIME
from tests.e2e.test_rest_conversation import DEMO_MESSAGE, report_until_filed
from tests.faults.services import private_postgres, private_redis

pytestmark = pytest.mark.timeout(300)
_ids = itertools.count(1)


async def post(client: TestClient, sender: str, text: str) -> tuple[int, Any]:
    body = {"sender": sender, "message": text, "metadata": {"message_id": f"o-{next(_ids)}"}}
    async with client.post("/webhooks/rest/webhook", json=body) as response:
        return response.status, await response.json()


def assert_temporary(status: int, body: Any) -> None:
    assert status == 503, (status, body)
    assert body["error"]["code"] == "temporarily_unavailable"
    assert "再发" in body["error"]["message"]  # tells the resident to send it again


async def test_postgres_restarted_under_load(make_settings, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    with private_postgres() as server:
        # No background workers yet: the push queued below waits in the outbox.
        app = create_app(make_settings(database_url=server.url), background=False)
        client = await aiohttp_client(app)
        runtime = client.app[RUNTIME]
        filed = await report_until_filed(client, "pg-resident", DEMO_MESSAGE)
        await runtime.tickets.reply(filed.number, "staff-1", "师傅明天上午来修")

        in_flight = [
            asyncio.create_task(post(client, f"pg-load-{i}", text))
            for i, text in enumerate(["锦园小区1号楼电梯坏了", "我的工单怎么样了"] * 10)
        ]
        await asyncio.to_thread(server.stop)
        answers = await asyncio.gather(*in_flight)
        for status, body in answers:
            if status != 200:
                assert_temporary(status, body)
        assert_temporary(*await post(client, "pg-resident", "我的工单怎么样了"))
        async with client.get("/healthz") as response:
            assert response.status == 503

        await asyncio.to_thread(server.start)
        await runtime.start_workers()  # the outbox dispatcher: the queued push goes out now
        for _ in range(600):
            async with client.get("/webhooks/rest/inbox", params={"sender": "pg-resident"}) as r:
                pushes = await r.json() if r.status == 200 else []
            if any("师傅明天上午来修" in str(p) for p in pushes):
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the push queued before the restart was never delivered")

        status, replies = await post(client, "pg-resident", "我的工单怎么样了")
        assert status == 200 and any(filed.number in r["text"] for r in replies)
        # Nothing half-written: every ticket has its history and its number, once.
        conn = await asyncpg.connect(server.url)
        try:
            orphans = await conn.fetchval(
                "SELECT count(*) FROM ticket t WHERE NOT EXISTS "
                "(SELECT 1 FROM ticket_event e WHERE e.ticket_id = t.id)"
            )
            duplicates = await conn.fetchval(
                "SELECT count(*) FROM (SELECT number FROM ticket GROUP BY number "
                "HAVING count(*) > 1) d"
            )
        finally:
            await conn.close()
        assert orphans == 0 and duplicates == 0
        await client.close()


async def test_redis_restarted(postgres_url, make_settings, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    with private_redis() as redis:
        app = create_app(
            make_settings(database_url=postgres_url, redis_url=redis.url), background=False
        )
        client = await aiohttp_client(app)
        filed = await report_until_filed(client, "redis-resident", DEMO_MESSAGE)

        redis.stop()
        assert_temporary(*await post(client, "redis-resident", "我的工单怎么样了"))
        async with client.get("/healthz") as response:
            assert response.status == 503
            assert (await response.json())["state_store"]["ok"] is False

        # Back, empty (this Redis keeps nothing on disk): the report in progress is gone,
        # the filed ticket is not, and the resident learns its number.
        redis.start()
        status, replies = await post(client, "redis-resident", "我的工单怎么样了")
        assert status == 200 and any(filed.number in r["text"] for r in replies), replies
        conn = await asyncpg.connect(postgres_url)
        try:
            numbers = await conn.fetch(
                "SELECT number FROM ticket WHERE reporter_id = 'redis-resident'"
            )
        finally:
            await conn.close()
        assert [row["number"] for row in numbers] == [filed.number]
        await client.close()
