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
