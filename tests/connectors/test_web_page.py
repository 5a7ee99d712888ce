"""The web chat page's server side: elder mode drawn from the first byte, voice evidence."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient

from bot.app import create_app

# The head of a Chromium voice recording: EBML, then one Opus track (no picture).
VOICE_WEBM = (
    b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08"
    b"\x42\x82\x84webm\x42\x87\x81\x04\x42\x85\x81\x02"
    b"\x18\x53\x80\x67\x01\xff\xff\xff\xff\xff\xff\xff\x16\x54\xae\x6b\x9a\xae\x98"
    b"\xd7\x81\x01\x83\x81\x02\x86\x86A_OPUS" + b"\x00" * 200
)


@pytest.fixture
async def client(make_settings: Any, aiohttp_client: Any) -> TestClient:
    settings = make_settings(upload_max_bytes=4096)
    return await aiohttp_client(create_app(settings, background=False))


async def test_elder_mode_is_drawn_by_the_server_and_remembered(client: TestClient) -> None:
    plain = await (await client.get("/")).text()
    assert '<html lang="zh-CN">' in plain and "说说遇到了什么问题" in plain

    response = await client.get("/?elder=1")
    page = await response.text()
    assert '<html lang="zh-CN" class="elder">' in page
    assert "退出长辈模式" in page and 'placeholder="在这里打字"' in page
    assert response.cookies["minsheng_elder"].value == "1"
    # The cookie (the door-plate page sets the same one) opens the next visit large.
    assert 'class="elder"' in await (await client.get("/?scene=X")).text()

    await (await client.get("/?elder=0")).read()
    assert 'class="elder"' not in await (await client.get("/")).text()


async def _upload(client: TestClient, data: bytes, name: str) -> Any:
    form = FormData()
    form.add_field("sender", "voice-1")  # an upload belongs to its sender
    form.add_field("file", data, filename=name, content_type="application/octet-stream")
    return await client.post("/webhooks/rest/upload", data=form)


async def test_a_recorded_voice_is_voice_evidence(client: TestClient) -> None:
    response = await _upload(client, VOICE_WEBM, "voice.webm")
    assert response.status == 201
    stored = await response.json()
    assert stored["kind"] == "voice" and stored["content_type"] == "audio/webm"
    assert stored["url"].endswith(".weba")
    served = await client.get(stored["url"])
    assert served.status == 200 and served.content_type == "audio/webm"

    reply = await client.post(
        "/webhooks/rest/webhook",
        json={
            "sender": "voice-1",
            "message": "",
            "metadata": {"attachments": [{"kind": "voice", "url": stored["url"]}]},
        },
    )
    assert reply.status == 200 and (await reply.json())[0]["text"]
    # The stored kind is what counts: the same file claimed as a photo is refused.
    claimed = await client.post(
        "/webhooks/rest/webhook",
        json={
            "sender": "voice-1",
            "message": "",
            "metadata": {"attachments": [{"kind": "image", "url": stored["url"]}]},
        },
    )
    assert claimed.status == 400


async def test_voice_uploads_are_checked_for_size_and_type(client: TestClient) -> None:
    too_long = await _upload(client, VOICE_WEBM + b"\x00" * 8192, "voice.webm")
    assert too_long.status == 413
    assert "MB" in (await too_long.json())["error"]["message"]
    not_sound = await _upload(client, b"#!/bin/sh\nrm -rf /\n", "voice.webm")
    assert not_sound.status == 415
