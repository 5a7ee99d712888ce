"""MINSHENG_NLU_BACKEND=rasa: a loopback server answers ``POST /model/parse`` like Rasa does
(or fails as Rasa can: 500s, malformed JSON, answers past the timeout), and the service falls
back to the embedded model, logging once per outage."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from nlu import NLUModel
from nlu.rasa_backend import RasaNLUClient, RemoteNLUError, parse_rasa_response
from nlu.service import NLUService

# Rasa 3.x's documented answer to POST /model/parse (extractor names as Rasa's pipeline).
RASA_ANSWER: dict[str, Any] = {
    "text": "从东门到西门的路灯坏了",
    "message_id": "m-1",
    "intent": {"name": "report_lighting", "confidence": 0.91, "id": 123},
    "entities": [
        {
            "entity": "location",
            "start": 1,
            "end": 3,
            "value": "东门",
            "role": "origin",
            "confidence_entity": 0.97,
            "extractor": "DIETClassifier",
        },
        {
            "entity": "location",
            "start": 4,
            "end": 6,
            "value": "西门",
            "role": "destination",
            "group": "1",
            "extractor": "DIETClassifier",
            "processors": ["EntitySynonymMapper"],
        },
    ],
    "text_tokens": [[0, 1], [1, 3]],
    "intent_ranking": [
        {"name": "report_lighting", "confidence": 0.91, "id": 123},
        {"name": "greet", "confidence": 0.09, "id": 7},
    ],
    "response_selector": {"all_retrieval_intents": [], "default": {}},
}


@dataclass
class FakeRasa:
    """What the loopback Rasa does next, and what it was sent."""

    mode: str = "ok"
    requests: list[dict[str, Any]] = field(default_factory=list)
    queries: list[dict[str, str]] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def parse(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(await request.json())
        self.queries.append(dict(request.query))
        if self.mode == "ok":
            return web.json_response(RASA_ANSWER)
        if self.mode == "500":
            return web.json_response({"status": "failure", "code": 500}, status=500)
        if self.mode == "malformed":
            return web.Response(
                text='{"intent": {"name": "greet", ', content_type="application/json"
            )
        if self.mode == "wrong_shape":
            return web.json_response({"intent": "greet", "entities": "none"})
        await self.release.wait()  # "slow": answers only after the client gave up
        return web.json_response(RASA_ANSWER)


ServerFactory = Callable[[web.Application], Awaitable[TestServer]]


@pytest.fixture
async def rasa(aiohttp_server: ServerFactory) -> AsyncIterator[tuple[FakeRasa, str]]:
    fake = FakeRasa()
    app = web.Application()
    app.router.add_post("/model/parse", fake.parse)
    server = await aiohttp_server(app)
    yield fake, str(server.make_url("/"))
    fake.release.set()


def _service(model: NLUModel, url: str, **kw: Any) -> NLUService:
    client = RasaNLUClient(url, timeout=kw.pop("timeout", 1.0), token=kw.pop("token", ""))
    return NLUService(model, remote=client, **kw)


async def test_rasa_answer_is_used_with_roles_and_groups(
    rasa: tuple[FakeRasa, str], model: NLUModel
) -> None:
    fake, url = rasa
    service = _service(model, url, token="s3cret")
    text = "从东门到西门的路灯坏了"
    result = await service.parse_message(text, "m-1")
    assert fake.requests == [{"text": text, "message_id": "m-1"}]
    assert fake.queries == [{"token": "s3cret"}]
    assert (result.intent.name, result.intent.confidence) == ("report_lighting", 0.91)
    assert [s.name for s in result.intent_ranking] == ["report_lighting", "greet"]
    assert [(e.value, e.role, e.group, e.extractor) for e in result.entities] == [
        ("东门", "origin", None, "DIETClassifier"),
        ("西门", "destination", "1", "DIETClassifier"),
    ]
    assert result.entities[1].confidence_entity == 1.0
    assert result.to_dict()["entities"][0]["role"] == "origin"
    assert service.backend == "rasa"
    await service.aclose()


@pytest.mark.parametrize("mode", ["500", "malformed", "wrong_shape", "slow"])
async def test_failures_fall_back_to_the_embedded_model(
    rasa: tuple[FakeRasa, str], model: NLUModel, mode: str
) -> None:
    fake, url = rasa
    fake.mode = mode
    service = _service(model, url, timeout=0.2)
    for text in ("楼道灯坏了,晚上很黑", "小区门口路灯不亮"):
        result = await service.parse_message(text)
        assert result == model.parse(text)
    assert service.backend == "embedded"
    await service.aclose()


async def test_one_log_line_per_outage_and_retry_after_the_pause(
    rasa: tuple[FakeRasa, str], model: NLUModel, caplog: pytest.LogCaptureFixture
) -> None:
    fake, url = rasa
    now = [0.0]
    service = _service(model, url, remote_retry_seconds=30.0, clock=lambda: now[0])
    fake.mode = "500"
    with caplog.at_level(logging.WARNING, logger="nlu.service"):
        for _ in range(3):
            await service.parse_message("楼道灯坏了")
        # During the pause the embedded model answers alone: Rasa is not asked again.
        assert len(fake.requests) == 1
        now[0] = 31.0
        await service.parse_message("楼道灯坏了")
        assert len(fake.requests) == 2
        fake.mode = "ok"
        now[0] = 62.0
        result = await service.parse_message("从东门到西门的路灯坏了")
    assert result.intent.name == "report_lighting"
    messages = [r.getMessage() for r in caplog.records]
    assert len([m for m in messages if "failed" in m]) == 1
    assert len([m for m in messages if "is back after" in m]) == 1
    assert not any("楼道" in m for m in messages)  # no resident text in the log
    await service.aclose()


async def test_rasa_down_falls_back(model: NLUModel, unused_tcp_port: int) -> None:
    service = _service(model, f"http://127.0.0.1:{unused_tcp_port}")
    result = await service.parse_message("楼道灯坏了")
    assert result == model.parse("楼道灯坏了")
    await service.aclose()


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"intent": None},
        {"intent": {"name": "", "confidence": 0.5}},
        {"intent": {"name": "greet", "confidence": "high"}},
        {"intent": {"name": "greet", "confidence": 0.5}, "entities": [{"entity": "x"}]},
        {
            "intent": {"name": "greet", "confidence": 0.5},
            "entities": [{"entity": "x", "start": 0, "end": 99, "value": "y"}],
        },
        {"intent": {"name": "greet", "confidence": 0.5}, "intent_ranking": {}},
    ],
)
def test_answers_outside_rasa_shape_are_refused(body: Any) -> None:
    with pytest.raises(RemoteNLUError):
        parse_rasa_response(body, "你好")


def test_minimal_rasa_answer_and_non_text_values() -> None:
    result = parse_rasa_response(
        {
            "intent": {"name": "greet", "confidence": 1},
            "entities": [{"entity": "number", "start": 0, "end": 1, "value": 3}],
        },
        "3个",
    )
    assert [s.name for s in result.intent_ranking] == ["greet"]
    assert result.entities[0].value == "3" and result.entities[0].extractor == "rasa"
