"""Bad input on the REST channel: a clear JSON error naming the problem, and nothing changed.

Every request here is something a broken client, a curious developer or an attacker could
send. Each must be refused with a 4xx JSON error (never a 500 or a plain-text page), and
must leave no dialogue state and no ticket behind.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient
from sqlmodel import func, select

from bot.app import create_app
from bot.appkeys import RUNTIME
from bot.tickets.models import Ticket

URL = "/webhooks/rest/webhook"
MISSING_UPLOAD = "/uploads/0123456789abcdef0123456789abcdef.jpg"


@pytest.fixture
async def client(make_settings, aiohttp_client):  # type: ignore[no-untyped-def]
    return await aiohttp_client(create_app(make_settings(), background=False))


def body(message: Any = "锦园小区2号楼楼道灯坏了", **metadata: Any) -> dict[str, Any]:
    return {"sender": "bad-input", "message": message, "metadata": metadata}


async def tickets_in(client: TestClient) -> int:
    runtime = client.app[RUNTIME]
    async with runtime.tickets.session_factory() as session:
        return int((await session.exec(select(func.count()).select_from(Ticket))).one())


async def assert_nothing_changed(client: TestClient, sender: str = "bad-input") -> None:
    runtime = client.app[RUNTIME]
    assert await runtime.engine.state_of(f"web:{sender}") is None
    assert await tickets_in(client) == 0


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ([1, 2], "body"),
        ({"message": "你好"}, "sender"),
        ({"sender": True, "message": "你好"}, "sender"),  # bool is not the sender "True"
        ({"sender": {"id": 1}, "message": "你好"}, "sender"),
        ({"sender": "bad-input\ud800", "message": "你好"}, "sender"),
        (body(123), "message"),
        (body(""), "message"),
        (body("\u0000\u0000"), "message"),  # only control characters: nothing to answer
        ({"sender": "bad-input", "message": "你好", "metadata": [1]}, "metadata"),
        (body(chat_type="channel"), "metadata.chat_type"),
        (body(chat_type="group"), "metadata.group_id"),
        (body(mentioned="false"), "metadata.mentioned"),  # a string is not a flag
        (body(message_id=["m"]), "metadata.message_id"),
        (body(scene={"code": "X"}), "metadata.scene"),
        (body(phone="1" * 40), "metadata.phone"),
        (body(location="here"), "metadata.location"),
        (body(location={"lat": "36.8", "lng": 118.0}), "metadata.location"),
        (body(location={"lat": 36.8}), "metadata.location"),
        (body(location={"lat": 200, "lng": 0}), "metadata.location"),
        (body(attachments="photo.jpg"), "metadata.attachments"),
        (body(attachments=["photo.jpg"]), "metadata.attachments"),
        (body(attachments=[{"kind": "pdf", "url": MISSING_UPLOAD}]), "metadata.attachments"),
        (body(attachments=[{"kind": "image"}]), "metadata.attachments"),
        (body(attachments=[{"kind": "image", "url": "javascript:alert(1)"}]),
         "metadata.attachments"),
        (body(attachments=[{"kind": "image", "url": "/uploads/../../etc/passwd"}]),
         "metadata.attachments"),
        (body(attachments=[{"kind": "video", "url": MISSING_UPLOAD}]), "metadata.attachments"),
        (body(attachments=[{"kind": "image", "url": "https://e.com/a.jpg"}] * 10),
         "metadata.attachments"),
    ],
)
async def test_a_wrong_field_is_named(client: TestClient, payload: Any, field: str) -> None:
    response = await client.post(URL, data=json.dumps(payload), headers={
        "Content-Type": "application/json"})
    assert response.status == 400
    error = (await response.json())["error"]
    assert error["code"] == "bad_field"
    assert error["field"] == field
    assert field in error["message"] and "不对" in error["message"]
    await assert_nothing_changed(client)


async def test_an_attachment_that_was_never_uploaded_is_refused(client: TestClient) -> None:
    response = await client.post(
        URL, json=body("", attachments=[{"kind": "image", "url": MISSING_UPLOAD}])
    )
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "unknown_upload"
    await assert_nothing_changed(client)


async def test_an_uploaded_photo_is_accepted(client: TestClient) -> None:
    form = FormData()
    form.add_field("sender", "bad-input")  # the sender of body(): only they may attach it
    form.add_field("file", b"\xff\xd8\xff\xe0\x00\x10JFIF", filename="p.jpg")
    uploaded = await (await client.post("/webhooks/rest/upload", data=form)).json()
    response = await client.post(
        URL, json=body("", attachments=[{"kind": uploaded["kind"], "url": uploaded["url"]}])
    )
    assert response.status == 200
    assert await response.json()


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        (b'{"sender": "bad-input", "message": "hi"', 400, "bad_json"),
        (b"hello", 400, "bad_json"),
        (b'{"sender": "bad-input", "message": "\xff"}', 400, "bad_json"),
        (b"[" * 5000 + b"]" * 5000, 400, "bad_json_depth"),  # was a 500 (RecursionError)
        (json.dumps(body(junk="a" * 5_000_000)).encode(), 413, "body_too_large"),
        (json.dumps(body("好" * 3000)).encode(), 413, "message_too_long"),
    ],
)
async def test_bad_bodies_get_json_errors(
    client: TestClient, raw: bytes, status: int, code: str
) -> None:
    response = await client.post(URL, data=raw, headers={"Content-Type": "application/json"})
    assert response.status == status
    assert (await response.json())["error"]["code"] == code
    await assert_nothing_changed(client)


async def test_a_huge_chunked_body_is_refused(client: TestClient) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(200):
            yield b" " * 1024

    response = await client.post(URL, data=chunks(), headers={"Content-Type": "application/json"})
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "body_too_large"


async def test_unknown_scene_code_gets_a_polite_answer_and_changes_nothing(
    client: TestClient,
) -> None:
    response = await client.post(URL, json=body("", scene="NOPE-123"))
    assert response.status == 200
    replies = await response.json()
    assert replies[0]["custom"]["responses"] == ["scene_unknown"]
    state = await client.app[RUNTIME].engine.state_of("web:bad-input")
    assert state is not None and not state["profile"].get("building_code")
    assert await tickets_in(client) == 0


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
async def test_control_characters_never_reach_the_database(
    database: str, request: pytest.FixtureRequest, make_settings: Any, aiohttp_client: Any
) -> None:
    """A NUL byte in a description used to pass the channel and fail on PostgreSQL at filing."""
    overrides = {}
    if database == "postgresql":
        request.applymarker(pytest.mark.postgres)
        overrides["database_url"] = request.getfixturevalue("postgres_url")
    client = await aiohttp_client(create_app(make_settings(**overrides), background=False))
    first = "文苑公寓3号楼楼顶漏雨\u001b,家里墙都泡了\u0007"  # a NUL is refused (see below)
    turns = [first, "跳过", "暂不留电话", "实名反映", "确认提交"]
    for number, text in enumerate(turns):
        response = await client.post(URL, json=body(text, message_id=f"nul-{number}"))
        assert response.status == 200, await response.text()
    runtime = client.app[RUNTIME]
    mine = await runtime.tickets.list_for_reporter("web", "bad-input", open_only=False)
    assert len(mine) == 1
    assert "\u001b" not in mine[0].description and "\u0007" not in mine[0].description


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        (b"--xyz\r\nContent-Disposition: form-data; name=\"file\"\r\n", "multipart/form-data"),
        (b"garbage without any boundary", "multipart/form-data; boundary=xyz"),
        (b"--xyz\r\nno headers end here", "multipart/form-data; boundary=xyz"),
    ],
)
async def test_a_malformed_upload_gets_a_json_400(
    client: TestClient, raw: bytes, content_type: str
) -> None:
    response = await client.post(
        "/webhooks/rest/upload", data=raw, headers={"Content-Type": content_type}
    )
    assert response.status == 400, await response.text()
    assert (await response.json())["error"]["code"] in {"no_file", "bad_request"}


@pytest.mark.parametrize("after", [str(2**70), "-1", str(2**63)])
async def test_inbox_cursor_out_of_range_is_refused(client: TestClient, after: str) -> None:
    response = await client.get("/webhooks/rest/inbox", params={"sender": "u1", "after": after})
    assert response.status == 400, await response.text()
    assert (await response.json())["error"]["field"] == "after"


HTTPS_PHOTO = "https://e.com/a.jpg"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"sender": "bad\u0000input", "message": "你好"}, "sender"),
        ({"sender": "bad-input\udc00", "message": "你好"}, "sender"),
        (body("锦园小区2号楼\u0000楼道灯坏了"), "message"),
        (body("锦园小区2号楼\ud800楼道灯坏了"), "message"),
        (body(attachments=[{"kind": "image", "url": HTTPS_PHOTO + "\u0000"}]),
         "metadata.attachments"),
        (body(attachments=[{"kind": "image", "url": HTTPS_PHOTO + "\ud800"}]),
         "metadata.attachments"),
        (body(attachments=[{"kind": "image", "url": HTTPS_PHOTO, "content_type": "a\u0000"}]),
         "metadata.attachments"),
    ],
)
async def test_nul_and_lone_surrogates_are_refused_by_field(
    payload: Any, field: str, make_settings: Any, aiohttp_client: Any, database_url: str
) -> None:
    """On PostgreSQL a NUL used to crash (text columns refuse it); a NUL in an attachment
    address was stored with the draft and made every later 确认 fail."""
    client = await aiohttp_client(
        create_app(make_settings(database_url=database_url), background=False)
    )
    raw = json.dumps(payload).encode()  # json escapes \\u0000 and lone surrogates as text
    response = await client.post(URL, data=raw, headers={"Content-Type": "application/json"})
    assert response.status == 400, await response.text()
    error = (await response.json())["error"]
    assert (error["code"], error["field"]) == ("bad_field", field)
    await assert_nothing_changed(client)
