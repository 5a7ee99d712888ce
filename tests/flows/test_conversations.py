"""Every script in tests/flows/conversations/ played against the real gateway.

Each script runs on a fresh SQLite database with the demo district (and, when the script
asks for it, also on PostgreSQL and with the dialogue state in Redis). The NLU model is the
shipped one, trained once per test session.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.config import Settings
from bot.runtime import Runtime
from tests.flows.harness import Player, Script, all_scripts


def _cases() -> list[Any]:
    cases = []
    for path in all_scripts():
        script = Script.load(path)
        for database in script.databases:
            marks = [pytest.mark.postgres] if database == "postgresql" else []
            if script.state_store == "redis":
                marks.append(pytest.mark.redis)
            cases.append(pytest.param((path, database), id=f"{path.stem}-{database}", marks=marks))
    return cases


@pytest.fixture
def scripted(request: pytest.FixtureRequest, make_settings: Any) -> tuple[Script, Settings]:
    """The script and the settings it runs with (databases are made before any event loop:
    the PostgreSQL fixture creates them synchronously)."""
    path, database = request.param
    script = Script.load(path)
    overrides: dict[str, Any] = {}
    if database == "postgresql":
        overrides["database_url"] = request.getfixturevalue("postgres_url")
    if script.state_store == "redis":
        overrides["redis_url"] = request.getfixturevalue("redis_server")
    return script, make_settings(**overrides)


@pytest.fixture
async def gateway(
    scripted: tuple[Script, Settings], aiohttp_client: Any
) -> AsyncIterator[tuple[Runtime, Any]]:
    script, settings = scripted
    if script.transport == "rest":
        from bot.app import create_app
        from bot.appkeys import RUNTIME

        client = await aiohttp_client(create_app(settings, background=False))
        yield client.app[RUNTIME], client
        return
    runtime = await Runtime.start(settings, background=False)
    try:
        yield runtime, None
    finally:
        await runtime.stop()


@pytest.mark.parametrize("scripted", _cases(), indirect=True)
async def test_conversation(
    scripted: tuple[Script, Settings], gateway: tuple[Runtime, Any]
) -> None:
    runtime, http = gateway
    player = Player(runtime, scripted[0], http=http)
    try:
        await player.prepare()
        await player.play()
        await player.check_database()
    finally:
        if runtime.settings.redis_url:
            await _forget(runtime, player.sender)


async def _forget(runtime: Runtime, sender: str) -> None:
    """Remove this resident's keys from the shared Redis."""
    from redis.asyncio import Redis

    client = Redis.from_url(runtime.settings.redis_url)
    try:
        keys = [key async for key in client.scan_iter(match=f"*{sender}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


def test_there_are_at_least_thirty_conversations() -> None:
    assert len(all_scripts()) >= 30


async def test_a_person_hands_the_conversation_back(make_settings: Any) -> None:
    """A person answers through the handoff service and closes it: the resident hears both
    on their channel, and the interrupted report resumes where it stopped."""
    from sqlmodel import col, select

    from bot.tickets.models import OutboxMessage
    from tests.flows.harness import Reply

    runtime = await Runtime.start(make_settings(), background=False)
    try:
        script = Script(
            name="handback", description="", transport="engine", databases=["sqlite"],
            state_store="memory", setup=[], tickets=None, updates={}, state={},
            turns=[{"say": "文苑公寓3号楼楼顶漏雨,家里墙都泡了"}, {"say": "转人工"},
                   {"say": "在吗", "expect": {"responses": ["handoff_waiting"]}}],
        )
        player = Player(runtime, script)
        await player.play()
        conversation = f"web:{player.sender}"
        state = await runtime.engine.state_of(conversation)
        assert state is not None and state["handoff"] is True
        waiting = await runtime.handoff.list_waiting()
        assert [h.conversation_id for h in waiting] == [conversation]
        handoff = waiting[0]
        assert [line.text for line in handoff.resident_lines] == ["在吗"]

        await runtime.handoff.answer(handoff.id, "李书记", "您好,我们下午去看屋顶")
        await runtime.handoff.close(handoff.id, "李书记")
        state = await runtime.engine.state_of(conversation)
        assert state is not None and state["handoff"] is False
        async with runtime.sessions() as session:
            pushes = (
                await session.exec(
                    select(OutboxMessage)
                    .where(OutboxMessage.recipient_id == player.sender)
                    .order_by(col(OutboxMessage.id))
                )
            ).all()
        assert [p.channel for p in pushes] == ["web", "web"]
        assert "李书记" in pushes[0].text and "下午去看屋顶" in pushes[0].text
        assert "小助手" in pushes[1].text

        replies = [Reply.of(r) for r in await runtime.engine.handle(player._message({"photo": 1}))]
        keys = [k for r in replies for k in r.keys]
        assert keys[:2] == ["evidence_received", "ask_phone"], keys
    finally:
        await runtime.stop()
