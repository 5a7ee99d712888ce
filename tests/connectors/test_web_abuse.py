"""The web channel against abuse: signed sessions (forged tokens refused, nothing in the
access log), rate limits answered 429 in Chinese, uploads owned by their sender with a
daily quota and the clean-up of unused ones."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.appkeys import GATEWAY, RUNTIME
from bot.messages import InboundMessage
from bot.tickets import TicketDraft
from bot.tickets.clock import utcnow
from connectors.web.session import COOKIE, HEADER
from tests.console.conftest import CHENGNAN_BUILDING

URL = "/webhooks/rest/webhook"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 32


async def start(aiohttp_client: Any, make_settings: Any, **overrides: Any) -> TestClient:
    return await aiohttp_client(create_app(make_settings(**overrides), background=False))


async def upload(client: TestClient, sender: str | None, **headers: str) -> Any:
    form = FormData()
    if sender is not None:
        form.add_field("sender", sender)
    form.add_field("file", JPEG, filename="p.jpg")
    return await client.post("/webhooks/rest/upload", data=form, headers=headers)


def attach(sender: str, url: str) -> dict[str, Any]:
    return {"sender": sender, "message": "", "metadata": {"attachments": [
        {"kind": "image", "url": url}
    ]}}


async def test_the_page_session_names_the_sender_and_forgeries_are_refused(
    aiohttp_client: Any, make_settings: Any
) -> None:
    client = await start(aiohttp_client, make_settings)
    page = await client.get("/")
    token = page.cookies[COOKIE].value
    assert page.cookies[COOKIE]["httponly"]
    # The cookie rides along: the body's sender is not believed.
    said = await client.post(URL, json={"sender": "someone-else", "message": "你好"})
    assert said.status == 200
    sender = (await said.json())[0]["recipient_id"]
    assert sender.startswith("ws-") and sender != "someone-else"
    assert (await client.get("/webhooks/rest/inbox")).status == 200  # no sender in the URL
    # The same token in the header (clients that are not the page).
    by_header = await client.post(
        URL, json={"message": "你好"}, headers={HEADER: token}, cookies={COOKIE: ""}
    )
    assert (await by_header.json())[0]["recipient_id"] == sender

    signature_changed = token[:-1] + ("A" if token[-1] != "A" else "B")
    session_id_changed = ("x" if token[0] != "x" else "y") + token[1:]
    for forged in (signature_changed, session_id_changed, "ws-abc.1.def", "garbage"):
        client.session.cookie_jar.clear()
        for request in (
            client.post(URL, json={"message": "你好"}, headers={HEADER: forged}),
            client.get("/webhooks/rest/inbox", headers={HEADER: forged}),
            client.post(URL, json={"message": "你好"}, cookies={COOKIE: forged}),
        ):
            refused = await request
            assert refused.status == 401, forged
            error = (await refused.json())["error"]
            assert error["code"] == "bad_session" and "会话凭证无效" in error["message"]
    # A page resident's id claimed without their token: refused, in the body and the URL.
    client.session.cookie_jar.clear()
    copied = await client.post(URL, json={"sender": sender, "message": "我的工单怎么样了"})
    assert copied.status == 401
    peek = await client.get("/webhooks/rest/inbox", params={"sender": sender})
    assert peek.status == 401
    # An altered cookie on the page is replaced by a fresh session, not honoured.
    fresh = await client.get("/", cookies={COOKIE: signature_changed})
    assert fresh.cookies[COOKIE].value not in (token, signature_changed)


async def test_sessions_can_be_required_and_obtained(
    aiohttp_client: Any, make_settings: Any
) -> None:
    client = await start(aiohttp_client, make_settings, web_require_session=True)
    bare = await client.post(URL, json={"sender": "rasa-client", "message": "你好"})
    assert bare.status == 401 and (await bare.json())["error"]["code"] == "session_required"
    issued = await (await client.post("/webhooks/rest/session")).json()
    client.session.cookie_jar.clear()
    said = await client.post(URL, json={"message": "你好"}, headers={HEADER: issued["token"]})
    assert (await said.json())[0]["recipient_id"] == issued["sender"]


async def test_the_access_log_carries_neither_token_nor_sender(
    aiohttp_client: Any, make_settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="aiohttp.access")
    client = await start(aiohttp_client, make_settings)
    token = (await client.get("/")).cookies[COOKIE].value
    sender = (await (await client.post(URL, json={"message": "你好"})).json())[0]["recipient_id"]
    for _ in range(2):
        assert (await client.get("/webhooks/rest/inbox", params={"after": 0})).status == 200
    assert (await upload(client, None)).status == 201
    lines = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    assert any("/webhooks/rest/inbox" in line for line in lines)  # the log was written
    session_id = sender.removeprefix("ws-")
    assert not [line for line in lines if token in line or session_id in line]


async def test_limits_are_answered_429_in_chinese(
    aiohttp_client: Any, make_settings: Any
) -> None:
    client = await start(
        aiohttp_client,
        make_settings,
        rate_sender_per_minute=3,
        rate_ip_per_minute=6,
        rate_parse_per_minute=2,
        rate_api_key_per_minute=1,
        open311_api_keys=["partner-key"],
    )
    answers = [
        await client.post(URL, json={"sender": "fast", "message": f"你好{i}"}) for i in range(4)
    ]
    assert [a.status for a in answers] == [200, 200, 200, 429]
    assert int(answers[-1].headers["Retry-After"]) >= 1
    error = (await answers[-1].json())["error"]
    assert error["code"] == "rate_limited" and "请求太频繁了" in error["message"]
    # Per address: other senders from the same client share its budget (6 a minute).
    others = [
        await client.post(URL, json={"sender": f"s{i}", "message": "你好"}) for i in range(3)
    ]
    assert [a.status for a in others] == [200, 200, 429]
    # Another client address (behind the trusted loopback proxy) has its own.
    elsewhere = await client.post(
        URL, json={"sender": "s9", "message": "你好"}, headers={"X-Forwarded-For": "203.0.113.5"}
    )
    assert elsewhere.status == 200
    # /model/parse per address.
    parse = "/model/parse"
    parses = [(await client.post(parse, json={"text": "路灯坏了"})).status for _ in range(3)]
    assert parses == [200, 200, 429]
    # Open311 POST per API key (counted once the key is known to be valid).
    form = {"api_key": "partner-key", "service_code": "no-such"}
    first = await client.post("/open311/v2/requests.json", data=form)
    second = await client.post(
        "/open311/v2/requests.json", data=form, headers={"X-Forwarded-For": "203.0.113.6"}
    )
    assert first.status == 400 and second.status == 429
    assert "请求太频繁了" in (await second.json())[0]["description"]
    as_xml = await client.post(
        "/open311/v2/requests.xml", data=form, headers={"X-Forwarded-For": "203.0.113.7"}
    )
    assert as_xml.status == 429 and int(as_xml.headers["Retry-After"]) >= 1
    errors = ET.fromstring(await as_xml.read())
    assert errors.findtext("error/code") == "429"
    assert "请求太频繁了" in (errors.findtext("error/description") or "")
    # Chat platforms that must be answered 200 get one polite line instead.
    gateway = client.app[GATEWAY]
    message = InboundMessage(channel="wechat", sender_id="o-fast", text="你好")
    for _ in range(3):
        await gateway.receive(message)
    [line] = await gateway.receive(message)
    assert "您发送得太快了" in line.text


async def test_uploads_belong_to_their_sender_and_have_a_daily_quota(
    aiohttp_client: Any, make_settings: Any
) -> None:
    client = await start(aiohttp_client, make_settings, upload_max_per_sender_per_day=2)
    assert (await upload(client, None)).status == 400  # no sender, no owner: refused
    mine = await (await upload(client, "owner")).json()
    stolen = await client.post(URL, json=attach("thief", mine["url"]))
    assert stolen.status == 400 and (await stolen.json())["error"]["code"] == "unknown_upload"
    assert (await client.post(URL, json=attach("owner", mine["url"]))).status == 200
    assert (await upload(client, "owner")).status == 201
    over = await upload(client, "owner")
    assert over.status == 429
    error = (await over.json())["error"]
    assert error["code"] == "upload_quota" and "今天上传的文件已达上限" in error["message"]
    assert (await upload(client, "neighbour")).status == 201  # a quota per sender
    # A page resident uploads under their session; nobody else can attach it.
    await client.get("/")
    theirs = await (await upload(client, "ignored-when-signed-in")).json()
    said = await client.post(URL, json=attach("x", theirs["url"]))
    assert said.status == 200
    client.session.cookie_jar.clear()
    assert (await client.post(URL, json=attach("x", theirs["url"]))).status == 400


async def test_unused_uploads_are_deleted_evidence_is_kept(
    aiohttp_client: Any, make_settings: Any
) -> None:
    client = await start(aiohttp_client, make_settings, upload_unused_hours=2)
    runtime = client.app[RUNTIME]
    unused = (await (await upload(client, "r1")).json())["url"]
    evidence = (await (await upload(client, "r1")).json())["url"]
    await runtime.tickets.file(
        TicketDraft(
            category="report_lighting",
            description="楼道灯坏了",
            reporter_channel="web",
            reporter_id="r1",
            building_code=CHENGNAN_BUILDING,
            evidence=[("image", evidence)],
        )
    )
    shown = (await (await upload(client, "r1")).json())["url"]
    handoff = await runtime.handoff.open(
        conversation_id="web:r1", channel="web", sender_id="r1", reason="asked"
    )
    await runtime.handoff.append_resident_message(handoff.id, "看这张照片", [shown])
    uploads = client.app[GATEWAY].uploads
    assert await uploads.purge_unused(utcnow() + timedelta(hours=1)) == 0  # not old yet
    assert await uploads.purge_unused(utcnow() + timedelta(hours=3)) == 1
    assert (await client.get(unused)).status == 404
    assert (await client.get(evidence)).status == 200
    assert (await client.get(shown)).status == 200  # a person saw it in the handoff
    assert await uploads.purge_unused(utcnow() + timedelta(hours=3)) == 0  # rows are gone
