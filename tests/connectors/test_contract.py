"""The connector contract, proved by a second connector kept only in the tests."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.appkeys import RUNTIME
from bot.errors import ConfigError
from bot.runtime import Runtime
from bot.tickets import Dispatcher
from bot.tickets.outbox import add_message
from connectors import discover, import_models
from connectors.miniprogram import MiniProgramConnector
from connectors.web import WebConnector
from connectors.wecom import WeComConnector
from tests.connectors.echo_connector import EchoConnector, EchoOutput

EXTRA = ["tests.connectors.echo_connector"]


def test_discovery_finds_packages_and_extra_modules() -> None:
    assert discover()["web"] is WebConnector
    found = discover(EXTRA)
    assert found["echo"] is EchoConnector and found["web"] is WebConnector
    assert "connectors.web.inbox" in import_models()


def test_wecom_and_the_mini_program_are_found_and_off_by_default(make_settings: Any) -> None:
    found = discover()
    assert found["wecom"] is WeComConnector
    assert found["miniprogram"] is MiniProgramConnector
    settings = make_settings()
    assert WeComConnector.from_settings(settings) is None
    assert MiniProgramConnector.from_settings(settings) is None


@pytest.mark.parametrize(
    ("cls", "overrides", "named"),
    [
        (WeComConnector, {"wecom_corp_id": "ww1", "wecom_secret": "s"}, "MINSHENG_WECOM_TOKEN"),
        (MiniProgramConnector, {"mp_app_id": "wx1"}, "MINSHENG_MP_SESSION_SECRET"),
    ],
)
def test_a_half_configured_connector_names_what_is_missing(
    make_settings: Any, cls: Any, overrides: dict[str, str], named: str
) -> None:
    with pytest.raises(ConfigError, match=named):
        cls.from_settings(make_settings(**overrides))
def test_every_discovered_connector_is_named_and_off_by_default(make_settings: Any) -> None:
    """The embedded default runs the web channel only: every platform connector is switched
    on by its own settings, and is registered under its own name."""
    settings = make_settings()
    for name, cls in discover().items():
        assert cls.name == name
        connector = cls.from_settings(settings)
        assert (connector is not None) == (name == "web"), name


@pytest.mark.parametrize("module", ["tests.connectors.nope", "tests.connectors.test_contract"])
def test_a_bad_extra_connector_is_a_config_error(module: str) -> None:
    with pytest.raises(ConfigError, match="MINSHENG_EXTRA_CONNECTORS"):
        discover([module])


@pytest.fixture
async def client(make_settings: Any, aiohttp_client: Any) -> TestClient:
    app = create_app(make_settings(extra_connectors=EXTRA), background=True)
    return await aiohttp_client(app)


def _echo(client: TestClient) -> EchoConnector:
    runtime = client.app[RUNTIME]
    [echo] = [c for c in runtime.connectors if isinstance(c, EchoConnector)]
    return echo


async def _delivered(client: TestClient, sender: str, *, at_least: int = 1) -> list[dict]:
    for _ in range(100):
        response = await client.get(f"/echo/delivered/{sender}")
        found = await response.json()
        if len(found) >= at_least:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"nothing delivered to {sender} through the echo output")


async def test_a_message_in_gets_replies(client: TestClient) -> None:
    echo = _echo(client)
    assert echo.started and isinstance(client.app[RUNTIME].outputs.get("echo"), EchoOutput)
    response = await client.post(
        "/echo/messages", json={"sender": "e-1", "text": "你好\u0000", "id": "x1"}
    )
    assert response.status == 200
    replies = await response.json()
    assert replies and all(r["to"] == "e-1" and r["text"] for r in replies)
    # The web channel is still there, side by side.
    web = await client.post("/webhooks/rest/webhook", json={"sender": "w-1", "message": "你好"})
    assert web.status == 200


async def test_a_push_through_the_outbox_reaches_the_output_side(client: TestClient) -> None:
    runtime = client.app[RUNTIME]
    async with runtime.sessions() as session:
        add_message(
            session, channel="echo", recipient_id="e-2", text="您的工单已受理", now=_now()
        )
        await session.commit()
    assert runtime.dispatcher is not None
    runtime.dispatcher.wake()
    delivered = await _delivered(client, "e-2")
    assert delivered == [{"to": "e-2", "text": "您的工单已受理"}]


async def test_a_slow_dialogue_is_answered_later_through_the_output(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = client.app[RUNTIME]
    original = runtime.dialogue.handle

    async def slow(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0.5)
        return await original(*args, **kwargs)

    monkeypatch.setattr(runtime.dialogue, "handle", slow)
    monkeypatch.setattr(_echo(client), "patience", 0.05)
    response = await client.post("/echo/messages", json={"sender": "e-3", "text": "你好"})
    assert response.status == 202
    delivered = await _delivered(client, "e-3")
    assert delivered[0]["to"] == "e-3" and delivered[0]["text"]


async def test_runtime_without_app_starts_and_stops_the_connectors(make_settings: Any) -> None:
    runtime = await Runtime.start(make_settings(extra_connectors=EXTRA), background=False)
    try:
        echo = next(c for c in runtime.connectors if isinstance(c, EchoConnector))
        async with runtime.sessions() as session:
            add_message(session, channel="echo", recipient_id="e-4", text="通知", now=_now())
            add_message(session, channel="web", recipient_id="w-4", text="通知", now=_now())
            await session.commit()
        report = await Dispatcher(runtime.sessions, runtime.outputs).drain()
        assert report.sent == 2
        assert [m.text for m in echo.output.delivered] == ["通知"]  # type: ignore[union-attr]
        assert [m["text"] for m in await runtime.web_inbox.fetch("w-4")] == ["通知"]
    finally:
        await runtime.stop()
    assert echo.stopped


def _now():  # type: ignore[no-untyped-def]
    from bot.tickets.clock import utcnow

    return utcnow()
