"""POST /model/parse through a real aiohttp server (pytest-aiohttp's aiohttp_client)."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web

from nlu import NLUModel
from nlu.http import MAX_TEXT_CHARS, setup_routes
from nlu.service import NLUService

SERVICE: web.AppKey[NLUService] = web.AppKey("test_nlu_service", NLUService)


@pytest.fixture
async def client(model: NLUModel, aiohttp_client: Any) -> Any:
    app = web.Application()
    app[SERVICE] = NLUService(model)
    setup_routes(app, SERVICE)
    return await aiohttp_client(app)


async def test_parse_answers_like_rasa(client: Any, model: NLUModel) -> None:
    response = await client.post("/model/parse", json={"text": "锦园小区2号楼楼道灯坏了,晚上很黑"})
    assert response.status == 200
    body = await response.json()
    assert body == model.parse("锦园小区2号楼楼道灯坏了,晚上很黑").to_dict()
    assert body["intent"]["name"] == "report_lighting"
    assert {e["entity"] for e in body["entities"]} == {"address", "building", "time"}


async def test_long_text_is_parsed_off_the_loop(client: Any) -> None:
    text = "楼上装修太吵了，每天早上七点就开始砸墙。" * 40
    response = await client.post("/model/parse", json={"text": text[:MAX_TEXT_CHARS]})
    assert response.status == 200
    assert (await response.json())["text"] == text[:MAX_TEXT_CHARS]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "bad_json"),
        (b"[1, 2]", "bad_json"),
        (b'{"message": "hi"}', "missing_text"),
        (b'{"text": 42}', "missing_text"),
        (('{"text": "' + "吵" * (MAX_TEXT_CHARS + 1) + '"}').encode(), "text_too_long"),
    ],
)
async def test_bad_requests_get_json_errors(client: Any, body: bytes, code: str) -> None:
    response = await client.post(
        "/model/parse", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status == 400
    error = (await response.json())["error"]
    assert error["code"] == code and error["message"]



@pytest.mark.parametrize(
    ("body", "code"),
    [
        pytest.param(b"[" * 50_000, "bad_json", id="deep-nesting"),  # was RecursionError
        pytest.param(b'{"text": "\\ud800"}', "bad_text", id="lone-surrogate"),  # was a 500
        pytest.param(b'{"text": "\xe5\x90\xb5\\ud83d\\ude00"}', None, id="proper-pair"),
    ],
)
async def test_hostile_json_gets_a_400_not_a_500(
    client: Any, body: bytes, code: str | None
) -> None:
    response = await client.post(
        "/model/parse", data=body, headers={"Content-Type": "application/json"}
    )
    if code is None:
        assert response.status == 200, await response.text()
        return
    assert response.status == 400, await response.text()
    assert (await response.json())["error"]["code"] == code
