"""The Rasa-compatible HTTP surface against Rasa's documented shapes: ``POST /model/parse``,
the REST channel, and the callback channel posting bot messages to MINSHENG_CALLBACK_URL
through the outbox (retried when the URL fails)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.appkeys import RUNTIME
from bot.tickets import Dispatcher
from connectors.callback import CallbackConnector


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_rasa_parse(body: dict[str, Any], text: str) -> None:
    assert body["text"] == text
    assert isinstance(body["intent"]["name"], str) and _is_number(body["intent"]["confidence"])
    assert body["intent_ranking"][0]["name"] == body["intent"]["name"]
    for score in body["intent_ranking"]:
        assert set(score) == {"name", "confidence"} and _is_number(score["confidence"])
    for ent in body["entities"]:
        assert {"entity", "start", "end", "value", "confidence_entity", "extractor"} <= set(ent)
        assert body["text"][ent["start"] : ent["end"]]
        assert _is_number(ent["confidence_entity"]) and isinstance(ent["extractor"], str)


class CallbackSink:
    """A loopback receiver of Rasa callback-channel POSTs; fails the first ``fail`` ones."""

    def __init__(self, fail: int = 0) -> None:
        self.fail = fail
        self.received: list[dict[str, Any]] = []

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        if self.fail:
            self.fail -= 1
            return web.Response(status=503)
        self.received.append(body)
        return web.Response(text="ok")


@pytest.fixture
async def sink(aiohttp_server: Any) -> tuple[CallbackSink, str]:
    found = CallbackSink(fail=1)
    app = web.Application()
    app.router.add_post("/bot", found.handle)
    server = await aiohttp_server(app)
    return found, str(server.make_url("/bot"))


@pytest.fixture
async def client(
    make_settings: Any, aiohttp_client: Any, sink: tuple[CallbackSink, str]
) -> TestClient:
    app = create_app(make_settings(callback_url=sink[1]), background=False)
    return await aiohttp_client(app)


async def test_model_parse_answers_rasas_shape(client: TestClient) -> None:
    for text in ("锦园小区2号楼楼道灯坏了,晚上很黑", "你好", "我的工单怎么样了"):
        response = await client.post("/model/parse", json={"text": text, "message_id": "abc-1"})
        assert response.status == 200
        body = await response.json()
        _check_rasa_parse(body, text)
        assert body["message_id"] == "abc-1"
        without = await (await client.post("/model/parse", json={"text": text})).json()
        assert "message_id" not in without
    bad = await client.post("/model/parse", json={"text": "你好", "message_id": 7})
    assert bad.status == 400


async def test_rest_channel_answers_rasas_shape(client: TestClient) -> None:
    response = await client.post(
        "/webhooks/rest/webhook", json={"sender": "rasa-user-1", "message": "你好"}
    )
    assert response.status == 200
    replies = await response.json()
    assert isinstance(replies, list) and replies
    for reply in replies:
        assert reply["recipient_id"] == "rasa-user-1" and isinstance(reply["text"], str)
        for button in reply.get("buttons", []):
            assert set(button) == {"title", "payload"}


async def test_callback_channel_posts_replies_through_the_outbox(
    client: TestClient, sink: tuple[CallbackSink, str]
) -> None:
    received, _ = sink
    runtime = client.app[RUNTIME]
    assert any(isinstance(c, CallbackConnector) for c in runtime.connectors)
    response = await client.post(
        "/webhooks/callback/webhook",
        json={"sender": "cb-1", "message": "锦园小区2号楼楼道灯坏了", "metadata": {}},
    )
    assert response.status == 200 and await response.text() == "success"
    dispatcher = Dispatcher(runtime.sessions, runtime.outputs, base_backoff=timedelta(0), jitter=0)
    report = await dispatcher.drain()
    # The sink refused the first POST (503): that message was retried, nothing was lost.
    assert report.retried == 1 and report.dead == 0
    assert received.received and report.sent == len(received.received)
    for message in received.received:
        assert message["recipient_id"] == "cb-1" and message["text"]

    response = await client.post("/webhooks/callback/webhook", json={"message": "hi"})
    assert response.status == 400
    assert (await response.json())["error"]["field"] == "sender"
    response = await client.post("/webhooks/callback/webhook", data=b"{nope")
    assert response.status == 400


async def test_a_refusing_callback_is_not_retried_forever(
    make_settings: Any, aiohttp_client: Any, aiohttp_server: Any
) -> None:
    async def refuse(request: web.Request) -> web.Response:
        return web.Response(status=404)

    app = web.Application()
    app.router.add_post("/gone", refuse)
    server = await aiohttp_server(app)
    gateway = create_app(
        make_settings(callback_url=str(server.make_url("/gone"))), background=False
    )
    client = await aiohttp_client(gateway)
    await client.post("/webhooks/callback/webhook", json={"sender": "cb-2", "message": "你好"})
    runtime = client.app[RUNTIME]
    report = await asyncio.wait_for(
        Dispatcher(runtime.sessions, runtime.outputs, base_backoff=timedelta(0)).drain(), 30
    )
    assert report.sent == 0 and report.dead >= 1 and report.retried == 0


async def test_settings_wire_a_rasa_server_as_the_nlu(
    make_settings: Any, aiohttp_client: Any, aiohttp_server: Any
) -> None:
    """MINSHENG_NLU_BACKEND=rasa: the engine's parse of a REST message comes from Rasa."""
    asked: list[dict[str, Any]] = []

    async def parse(request: web.Request) -> web.Response:
        asked.append(await request.json())
        text = asked[-1]["text"]
        return web.json_response(
            {"text": text, "intent": {"name": "greet", "confidence": 0.99}, "entities": []}
        )

    rasa = web.Application()
    rasa.router.add_post("/model/parse", parse)
    server = await aiohttp_server(rasa)
    settings = make_settings(nlu_backend="rasa", rasa_url=str(server.make_url("/")))
    client = await aiohttp_client(create_app(settings, background=False))
    body = {"sender": "r-9", "message": "锦园小区2号楼楼道灯坏了", "metadata": {"message_id": "q1"}}
    response = await client.post("/webhooks/rest/webhook", json=body)
    assert response.status == 200 and await response.json()
    assert asked == [{"text": "锦园小区2号楼楼道灯坏了", "message_id": "q1"}]
    health = await (await client.get("/healthz")).json()
    assert health["nlu"]["backend"] == "rasa"


def test_rasa_backend_without_a_url_fails_at_start_up(make_settings: Any) -> None:
    from bot.errors import ConfigError

    with pytest.raises(ConfigError, match="MINSHENG_RASA_URL"):
        make_settings(nlu_backend="rasa")
