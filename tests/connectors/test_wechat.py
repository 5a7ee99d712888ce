"""The WeChat Official Account connector against a fake WeChat on 127.0.0.1.

Callbacks are built as WeChat builds them (XML, signature, AES in safe mode); WeChat's API
(token, customer-service and template messages, media, menu, QR codes, group robots) is a
real HTTP server on loopback that follows the documented JSON, errors included.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlmodel import func, select

from bot.app import create_app
from bot.appkeys import RUNTIME
from bot.runtime import Runtime
from bot.tickets import Dispatcher
from bot.tickets.models import Ticket
from connectors import discover
from connectors.wechat import WeChatConnector
from tests.connectors.wechat_fake import (
    AES_KEY,
    AMR,
    APP_ID,
    APP_SECRET,
    JPEG,
    TOKEN,
    FakeWeChatApi,
    WeChatServer,
    message_xml,
)
from tests.e2e.resident import choose, find_ticket_number

GRID_ROBOT_KEY = "robot-grid-1"


@pytest.fixture
async def fake() -> AsyncIterator[FakeWeChatApi]:
    api = FakeWeChatApi()
    await api.start()
    yield api
    await api.close()


def _base(fake: FakeWeChatApi) -> str:
    assert fake.server is not None
    return str(fake.server.make_url("")).rstrip("/")


def wechat_settings(make_settings: Any, fake: FakeWeChatApi, **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "wechat_token": TOKEN,
        "wechat_app_id": APP_ID,
        "wechat_app_secret": APP_SECRET,
        "wechat_aes_key": AES_KEY,
        "wechat_api_base": _base(fake),
        "wechat_status_template_id": "TPL-status",
    }
    values.update(overrides)
    return make_settings(**values)


@pytest.fixture
async def client(make_settings: Any, aiohttp_client: Any, fake: FakeWeChatApi) -> TestClient:
    # No background workers: the tests drain the outbox themselves, so nothing races them.
    app = create_app(wechat_settings(make_settings, fake), background=False)
    return await aiohttp_client(app)


def _runtime(client: TestClient) -> Runtime:
    return client.app[RUNTIME]


async def _drain(client: TestClient) -> None:
    runtime = _runtime(client)
    await Dispatcher(runtime.sessions, runtime.outputs).drain()


async def _ticket_count(client: TestClient) -> int:
    async with _runtime(client).sessions() as session:
        return int((await session.exec(select(func.count()).select_from(Ticket))).one())


def _building(client: TestClient, text: str = "锦园小区2号楼") -> str:
    resolution = _runtime(client).addresses.resolve(text)
    return resolution.candidates[0].building_code


_OPTION = re.compile(r"^(\d+)\. (.+)$", re.MULTILINE)


def _answer_for(text: str, photo_sent: bool) -> tuple[str, str]:
    """What a resident sends next: ("image", "") for a photo, else ("text", words)."""
    if not photo_sent and re.search(r"照片|图片|拍", text):
        return "image", ""
    options = _OPTION.findall(text)
    if options:
        index = choose([title for _, title in options])
        return "text", options[index or 0][0]
    return "text", "确认" if re.search(r"确认|提交|对吗", text) else "跳过"


# ---------------------------------------------------------------- discovery and settings


def test_discovered_and_off_without_a_token(make_settings: Any) -> None:
    assert discover()["wechat"] is WeChatConnector
    assert WeChatConnector.from_settings(make_settings()) is None


def test_a_token_without_app_credentials_names_what_is_missing(make_settings: Any) -> None:
    from bot.errors import ConfigError

    with pytest.raises(ConfigError, match="MINSHENG_WECHAT_APP_SECRET"):
        WeChatConnector.from_settings(make_settings(wechat_token="t", wechat_app_id="wx1"))


# ---------------------------------------------------------------- the resident's story


@pytest.mark.parametrize("safe_mode", [False, True], ids=["plaintext", "safe-mode"])
async def test_scan_report_with_photo_and_voice_then_hear_every_status_change(
    client: TestClient, fake: FakeWeChatApi, safe_mode: bool
) -> None:
    wechat = WeChatServer(client, safe_mode=safe_mode)
    openid = "o-resident-1"
    code = _building(client)
    fake.media["m-photo"] = (JPEG, "image/jpeg")
    fake.media["m-voice"] = (AMR, "audio/amr")

    # Scanning a building's QR code (not yet following): subscribe with qrscene_CODE.
    posted = await wechat.post(message_xml(
        openid, "event", Event="subscribe", EventKey=f"qrscene_{code}", Ticket="tk"
    ))
    assert posted.status == 200
    welcome = wechat.reply_text(posted)
    assert "锦园" in welcome, welcome

    # 随手拍: a photo first, then the report as a voice message (WeChat's transcript is
    # what was said; the audio is kept as evidence).
    photo = await wechat.post(message_xml(openid, "image", MediaId="m-photo",
                                          PicUrl="http://mmbiz.qpic.cn/x.jpg"))
    assert wechat.reply_text(photo)
    posted = await wechat.post(message_xml(
        openid, "voice", MediaId="m-voice", Format="amr", Recognition="楼道的灯坏了，晚上很黑"
    ))
    reply = wechat.reply_text(posted)
    assert "照片" in reply and "语音" in reply, reply
    number = None
    for _ in range(12):
        number = find_ticket_number([reply])
        if number:
            break
        _, words = _answer_for(reply, photo_sent=True)
        posted = await wechat.post(message_xml(openid, "text", Content=words))
        assert posted.status == 200
        reply = wechat.reply_text(posted)
        assert reply, "every message is answered passively (the dialogue is fast)"
    assert number, reply

    runtime = _runtime(client)
    view = await runtime.tickets.get(number)
    kinds = sorted(kind for kind, _ in view.evidence)
    assert kinds == ["image", "voice"], view.evidence
    for _, url in view.evidence:
        assert await runtime.media.exists(url.rsplit("/", 1)[-1])

    # A status change: a customer-service message inside the 48-hour window.
    await runtime.tickets.claim(number, "网格员")
    await _drain(client)
    pushed = [m for m in fake.custom_sent if m["touser"] == openid]
    assert pushed and number in pushed[-1]["text"]["content"]
    assert "已受理" in pushed[-1]["text"]["content"] or "受理" in pushed[-1]["text"]["content"]

    # Outside the window WeChat answers 45015: the status goes out as a template message.
    fake.outside_window.add(openid)
    await runtime.tickets.resolve(number, "网格员", "灯已更换")
    await _drain(client)
    [template] = [t for t in fake.templates_sent if t["touser"] == openid]
    assert template["template_id"] == "TPL-status"
    assert template["data"]["keyword1"]["value"] == number
    assert template["data"]["keyword2"]["value"] == "已办结"
    assert fake.tokens_issued == 1, "one token serves every call"


async def test_scan_while_following_starts_a_report_at_that_building(
    client: TestClient,
) -> None:
    wechat = WeChatServer(client)
    code = _building(client, "锦园小区3号楼")
    posted = await wechat.post(message_xml("o-scan", "event", Event="SCAN", EventKey=code))
    assert "锦园" in wechat.reply_text(posted)


async def test_location_offers_the_nearest_buildings(client: TestClient) -> None:
    wechat = WeChatServer(client)
    info = _runtime(client).addresses.building(_building(client))
    assert info is not None
    posted = await wechat.post(message_xml(
        "o-loc", "location", Location_X=str(info.lat), Location_Y=str(info.lng), Scale="16",
        Label="某路",
    ))
    assert wechat.reply_text(posted)  # "what happened?": the pin is kept meanwhile
    posted = await wechat.post(message_xml("o-loc", "text", Content="这里楼道灯坏了"))
    reply = wechat.reply_text(posted)
    assert "锦园" in reply, reply


async def test_menu_click_link_and_silent_events(client: TestClient) -> None:
    wechat = WeChatServer(client)
    click = await wechat.post(message_xml("o-m", "event", Event="CLICK", EventKey="MY_TICKETS"))
    assert wechat.reply_text(click)
    link = await wechat.post(message_xml(
        "o-m", "link", Title="小区路灯", Description="路灯坏了", Url="https://example.org/a"
    ))
    assert link.status == 200 and wechat.reply_text(link)
    for event in ({"Event": "VIEW", "EventKey": "https://example.org"},
                  {"Event": "unsubscribe"}):
        posted = await wechat.post(message_xml("o-m", "event", **event))
        assert (posted.status, posted.body) == (200, "success")
    plain = await wechat.post(message_xml("o-new", "event", Event="subscribe"))
    assert "欢迎关注" in wechat.reply_text(plain)


async def test_media_that_is_not_what_it_claims_is_refused_politely(
    client: TestClient, fake: FakeWeChatApi
) -> None:
    wechat = WeChatServer(client)
    fake.media["m-fake-voice"] = (JPEG, "audio/amr")  # a picture dressed as a voice message
    posted = await wechat.post(message_xml("o-media", "voice", MediaId="m-fake-voice",
                                           Format="amr"))
    assert "格式不支持" in wechat.reply_text(posted)
    gone = await wechat.post(message_xml("o-media", "image", MediaId="m-unknown"))
    assert "取不到" in wechat.reply_text(gone)


# ---------------------------------------------------------------- URL verification


async def test_url_verification(client: TestClient) -> None:
    wechat = WeChatServer(client)
    query, _ = wechat.query()
    ok = await client.get("/webhooks/wechat", params={**query, "echostr": "e-123"})
    assert (ok.status, await ok.text()) == (200, "e-123")
    bad = await client.get("/webhooks/wechat", params={**query, "signature": "0" * 40,
                                                      "echostr": "e"})
    assert bad.status == 403
    assert "签名" in (await bad.json())["error"]["message"]


# ---------------------------------------------------------------- retries


@pytest.mark.parametrize("slow", [False, True], ids=["passive", "late"])
async def test_concurrent_retries_never_file_or_answer_twice(
    client: TestClient, fake: FakeWeChatApi, monkeypatch: pytest.MonkeyPatch, slow: bool
) -> None:
    wechat = WeChatServer(client)
    openid = f"o-retry-{slow}"
    code = _building(client)
    await wechat.post(message_xml(openid, "event", Event="SCAN", EventKey=code))
    runtime = _runtime(client)
    if slow:
        original = runtime.dialogue.handle

        async def slow_handle(*args: Any, **kwargs: Any) -> Any:
            await asyncio.sleep(0.3)
            return await original(*args, **kwargs)

        monkeypatch.setattr(runtime.dialogue, "handle", slow_handle)
        connector = next(c for c in runtime.connectors if isinstance(c, WeChatConnector))
        assert connector.webhook is not None
        monkeypatch.setattr(connector.webhook, "passive_seconds", 0.05)
    body = message_xml(openid, "text", Content="楼道灯坏了，晚上很黑，请尽快修")
    first, *retries = await asyncio.gather(*(wechat.post(body) for _ in range(4)))
    assert all(p.status == 200 for p in (first, *retries))
    answered = [p for p in (first, *retries) if wechat.reply_text(p)]
    await runtime.gateway.aclose(grace=5)
    connector = next(c for c in runtime.connectors if isinstance(c, WeChatConnector))
    assert connector.webhook is not None
    await connector.webhook.aclose(grace=5)
    await _drain(client)
    pushed = [m for m in fake.custom_sent if m["touser"] == openid]
    # The first answer goes out exactly once: passively, or through the customer-service API.
    assert len(answered) + len(pushed) == 1, (answered, pushed)

    # A retry after the answer never files twice either: confirm until a ticket exists,
    # then deliver the confirming message again.
    monkeypatch.undo()
    text = (wechat.reply_text(answered[0]) if answered else pushed[0]["text"]["content"])
    for _ in range(10):
        if find_ticket_number([text]):
            break
        _, words = _answer_for(text, photo_sent=True)
        last = message_xml(openid, "text", Content=words)
        text = wechat.reply_text(await wechat.post(last))
    assert find_ticket_number([text])
    before = await _ticket_count(client)
    again = await asyncio.gather(*(wechat.post(last) for _ in range(3)))
    assert await _ticket_count(client) == before
    assert all(p.status == 200 for p in again)


# ---------------------------------------------------------------- refused requests


async def _nothing_changed(client: TestClient, fake: FakeWeChatApi, tickets: int) -> None:
    assert await _ticket_count(client) == tickets
    assert not fake.custom_sent


async def test_bad_signature_is_refused_and_changes_nothing(
    client: TestClient, fake: FakeWeChatApi
) -> None:
    before = await _ticket_count(client)
    forged = WeChatServer(client, token="not-our-token")
    posted = await forged.post(message_xml("o-x", "text", Content="路灯坏了"))
    assert posted.status == 403 and "签名校验失败" in posted.body
    unsigned = await client.post("/webhooks/wechat", data=message_xml("o-x", "text", Content="x"))
    assert unsigned.status == 403
    # Safe mode: the plain signature is right but msg_signature is forged.
    wechat = WeChatServer(client, safe_mode=True)
    query, body = wechat.query(message_xml("o-x", "text", Content="路灯坏了"))
    query["msg_signature"] = "0" * 40
    forged_safe = await client.post("/webhooks/wechat", params=query, data=body.encode())
    assert forged_safe.status == 403
    await _nothing_changed(client, fake, before)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("<xml><ToUserName>a</ToUserName>", 400, "bad_xml"),
        ("not xml at all", 400, "bad_xml"),
        ("<html><body/></html>", 400, "bad_xml"),
        ("<xml><ToUserName>a</ToUserName><MsgType>text</MsgType></xml>", 400, "bad_xml"),
        (
            '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
            '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
            "<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName>"
            "<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&lol3;</Content>"
            "<MsgId>1</MsgId></xml>",
            400,
            "forbidden_xml",
        ),
        (
            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            "<xml><Content>&e;</Content></xml>",
            400,
            "forbidden_xml",
        ),
        ("<xml>" + "<A>x</A>" * 10_000 + "</xml>", 413, "body_too_large"),
    ],
    ids=["truncated", "not-xml", "wrong-root", "missing-fields", "billion-laughs", "xxe",
         "oversize"],
)
async def test_malformed_hostile_or_oversize_bodies_get_clear_errors(
    client: TestClient, fake: FakeWeChatApi, body: str, status: int, code: str
) -> None:
    before = await _ticket_count(client)
    for safe_mode in (False, True):
        posted = await WeChatServer(client, safe_mode=safe_mode).post(body)
        assert posted.status == status, posted.body
        assert f'"code": "{code}"' in posted.body or f'"code":"{code}"' in posted.body
    await _nothing_changed(client, fake, before)


async def test_safe_mode_with_a_wrong_key_is_refused(
    make_settings: Any, aiohttp_client: Any, fake: FakeWeChatApi
) -> None:
    other_key = "Z" * 43
    app = create_app(wechat_settings(make_settings, fake, wechat_aes_key=other_key),
                     background=False)
    client = await aiohttp_client(app)
    posted = await WeChatServer(client, safe_mode=True).post(
        message_xml("o-k", "text", Content="你好")
    )
    assert posted.status == 400 and "bad_encryption" in posted.body


# ---------------------------------------------------------------- token, groups, commands


async def test_an_expired_token_is_refreshed_once_and_the_push_still_goes(
    client: TestClient, fake: FakeWeChatApi
) -> None:
    connector = next(c for c in _runtime(client).connectors if isinstance(c, WeChatConnector))
    assert connector.output is not None and connector.api is not None
    from bot.messages import OutboundMessage

    await connector.output.send(OutboundMessage(recipient_id="o-t", text="一"))
    fake.expire_tokens()  # 42001 on the next call
    await asyncio.gather(*(
        connector.output.send(OutboundMessage(recipient_id="o-t", text=str(i)))
        for i in range(5)
    ))
    assert len([m for m in fake.custom_sent if m["touser"] == "o-t"]) == 6
    assert fake.tokens_issued == 2


@pytest.mark.redis
async def test_workers_share_one_token_through_redis(
    fake: FakeWeChatApi, redis_namespace: tuple[str, str]
) -> None:
    from connectors.wechat.token import TokenCache

    url, prefix = redis_namespace
    fake.token_delay = 0.2
    caches = [TokenCache(_base(fake), APP_ID, APP_SECRET, redis_url=url, namespace=prefix)
              for _ in range(4)]
    try:
        tokens = await asyncio.gather(*(asyncio.to_thread(c.token) for c in caches))
        assert len(set(tokens)) == 1 and fake.tokens_issued == 1
        caches[0].invalidate(tokens[0])
        caches[1].invalidate(tokens[0])  # a second worker saw the same 42001: no-op
        fresh = await asyncio.gather(*(asyncio.to_thread(c.token) for c in caches))
        assert len(set(fresh)) == 1 and fake.tokens_issued == 2
    finally:
        for cache in caches:
            cache.close()


async def test_group_announcements_go_to_the_grid_robot_masked(
    make_settings: Any, aiohttp_client: Any, fake: FakeWeChatApi
) -> None:
    probe = create_app(make_settings(), background=False)
    probe_client = await aiohttp_client(probe)
    info = _runtime(probe_client).addresses.building(_building(probe_client))
    assert info is not None
    grid = info.grid_code
    await probe_client.close()
    robot = f"{_base(fake)}/cgi-bin/webhook/send?key={GRID_ROBOT_KEY}"
    app = create_app(wechat_settings(make_settings, fake, wechat_group_webhooks={grid: robot}),
                     background=False)
    client = await aiohttp_client(app)
    runtime = _runtime(client)
    from bot.tickets.clock import utcnow
    from connectors.wechat.announce import queue_notice

    async with runtime.sessions() as session:
        queue_notice(session, grid, "周六上午停水，联系张三 13912345678", utcnow())
        await session.commit()
    await _drain(client)
    [(key, body)] = fake.robot_posts
    assert key == GRID_ROBOT_KEY and body["msgtype"] == "text"
    assert "停水" in body["text"]["content"]
    assert "13912345678" not in body["text"]["content"]


def test_menu_and_qrcode_commands(
    make_settings: Any, fake: FakeWeChatApi, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    pass
