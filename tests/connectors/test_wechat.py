"""The WeChat Official Account connector against a fake WeChat on 127.0.0.1.

Callbacks are built as WeChat builds them (XML, signature, AES in safe mode); WeChat's API
(token, customer-service and template messages, media, menu, QR codes, group robots) is a
real HTTP server on loopback that follows the documented JSON, errors included.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlmodel import func, select

from bot.app import create_app
from bot.appkeys import RUNTIME
from bot.cli import main as cli_main
from bot.messages import OutboundMessage
from bot.runtime import Runtime
from bot.tickets import Dispatcher
from bot.tickets.clock import utcnow
from bot.tickets.models import Incident, Ticket
from connectors import discover
from connectors.wechat import WeChatConnector
from connectors.wechat.announce import queue_notice
from connectors.wechat.texts import MENU_WORDS
from tests.connectors.wechat_fake import (
    AES_KEY,
    AMR,
    APP_ID,
    APP_SECRET,
    JPEG,
    MP4,
    TOKEN,
    FakeWeChatApi,
    WeChatServer,
    message_xml,
    next_answer,
)
from tests.e2e.resident import find_ticket_number

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
        "upload_max_bytes": 1024 * 1024,
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


# ---------------------------------------------------------------- discovery and settings


def test_discovered_and_off_without_a_token(make_settings: Any) -> None:
    assert discover()["wechat"] is WeChatConnector
    assert WeChatConnector.from_settings(make_settings()) is None


def test_a_token_without_app_credentials_names_what_is_missing(make_settings: Any) -> None:
    from bot.errors import ConfigError

    with pytest.raises(ConfigError, match="MINSHENG_WECHAT_APP_SECRET"):
        WeChatConnector.from_settings(make_settings(wechat_token="t", wechat_app_id="wx1"))


# ---------------------------------------------------------------- the resident's story


async def test_scan_report_with_photo_and_voice_then_hear_every_status_change(
    client: TestClient, fake: FakeWeChatApi
) -> None:
    # Safe mode all the way: every callback encrypted, every passive reply encrypted back.
    wechat = WeChatServer(client, safe_mode=True)
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
        _, words = next_answer(reply, photo_sent=True)
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


async def test_message_and_event_types(client: TestClient, fake: FakeWeChatApi) -> None:
    wechat = WeChatServer(client)

    # URL verification: echostr back only to a correct signature.
    query, _ = wechat.query()
    ok = await client.get("/webhooks/wechat", params={**query, "echostr": "e-123"})
    assert (ok.status, await ok.text()) == (200, "e-123")
    bad = await client.get("/webhooks/wechat", params={**query, "signature": "0" * 40,
                                                      "echostr": "e"})
    assert bad.status == 403
    assert "签名" in (await bad.json())["error"]["message"]

    # SCAN while already following: a report starts at that building.
    code = _building(client, "锦园小区3号楼")
    posted = await wechat.post(message_xml("o-scan", "event", Event="SCAN", EventKey=code))
    assert "锦园" in wechat.reply_text(posted)

    # A location pin: kept until the resident says what happened, then the nearest
    # buildings are offered.
    info = _runtime(client).addresses.building(_building(client))
    assert info is not None
    posted = await wechat.post(message_xml(
        "o-loc", "location", Location_X=str(info.lat), Location_Y=str(info.lng), Scale="16",
        Label="某路",
    ))
    assert wechat.reply_text(posted)
    posted = await wechat.post(message_xml("o-loc", "text", Content="这里楼道灯坏了"))
    assert "锦园" in wechat.reply_text(posted)

    # Menu click, a shared link, events that need no answer, a plain subscription.
    click = await wechat.post(message_xml("o-m", "event", Event="CLICK", EventKey="MY_TICKETS"))
    assert wechat.reply_text(click)
    link = await wechat.post(message_xml(
        "o-m", "link", Title="小区路灯", Description="路灯坏了", Url="https://example.org/a"
    ))
    assert link.status == 200 and wechat.reply_text(link)
    for event in ({"Event": "VIEW", "EventKey": "https://example.org"},
                  {"Event": "unsubscribe"}, {"Event": "LOCATION", "Latitude": "36.8"}):
        posted = await wechat.post(message_xml("o-m", "event", **event))
        assert (posted.status, posted.body) == (200, "success")
    plain = await wechat.post(message_xml("o-new", "event", Event="subscribe"))
    assert "欢迎关注" in wechat.reply_text(plain)

    # Media checked by their bytes: a picture dressed as a voice message is refused, an
    # unknown media id is explained; neither is filed as evidence.
    fake.media["m-fake-voice"] = (JPEG, "audio/amr")
    posted = await wechat.post(message_xml("o-media", "voice", MediaId="m-fake-voice",
                                           Format="amr"))
    assert "格式不支持" in wechat.reply_text(posted)
    gone = await wechat.post(message_xml("o-media", "image", MediaId="m-unknown"))
    assert "取不到" in wechat.reply_text(gone)
    huge = message_xml("o-media", "video", MediaId="m-huge", ThumbMediaId="t")
    fake.media["m-huge"] = (MP4 + b"\x00" * (2 * 1024 * 1024), "video/mp4")
    assert "太大" in wechat.reply_text(await wechat.post(huge))


# ---------------------------------------------------------------- retries


async def test_concurrent_retries_never_file_or_answer_twice(
    client: TestClient, fake: FakeWeChatApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = _runtime(client)
    connector = next(c for c in runtime.connectors if isinstance(c, WeChatConnector))
    assert connector.webhook is not None
    wechat = WeChatServer(client)
    # Two different demands, so the second is not offered as a duplicate of the first.
    for slow, place, demand in (
        (False, "锦园小区2号楼", "楼道灯坏了，晚上很黑，请尽快修"),
        (True, "文苑公寓3号楼", "楼下垃圾桶满了好几天没人清运"),
    ):
        openid = f"o-retry-{slow}"
        code = _building(client, place)
        await wechat.post(message_xml(openid, "event", Event="SCAN", EventKey=code))
        body = message_xml(openid, "text", Content=demand)
        with monkeypatch.context() as patch:
            if slow:  # the dialogue outlasts the passive window: replies follow later
                original = runtime.dialogue.handle

                async def slow_handle(*args: Any, _original: Any = original) -> Any:
                    await asyncio.sleep(0.3)
                    return await _original(*args)

                patch.setattr(runtime.dialogue, "handle", slow_handle)
                patch.setattr(connector.webhook, "passive_seconds", 0.05)
            # WeChat's first delivery and three retries, all at once (several workers).
            deliveries = await asyncio.gather(*(wechat.post(body) for _ in range(4)))
            assert all(p.status == 200 for p in deliveries)
            answered = [p for p in deliveries if wechat.reply_text(p)]
            await runtime.gateway.aclose(grace=5)
            await connector.webhook.aclose(grace=5)
        await _drain(client)
        pushed = [m for m in fake.custom_sent if m["touser"] == openid]
        # Answered exactly once: passively, or through the customer-service API.
        assert len(answered) + len(pushed) == 1, (slow, answered, pushed)

        # Confirm until a ticket exists, then deliver the confirming message again.
        text = wechat.reply_text(answered[0]) if answered else pushed[0]["text"]["content"]
        last = ""
        for _ in range(10):
            if find_ticket_number([text]):
                break
            _, words = next_answer(text, photo_sent=True)
            last = message_xml(openid, "text", Content=words)
            text = wechat.reply_text(await wechat.post(last))
        assert find_ticket_number([text]) and last, text
        before = await _ticket_count(client)
        again = await asyncio.gather(*(wechat.post(last) for _ in range(3)))
        assert await _ticket_count(client) == before
        # A retry of an answered delivery (its answer was lost) gets the same answer.
        assert [wechat.reply_text(p) for p in again] == [text] * 3


# ---------------------------------------------------------------- refused requests


HOSTILE_BODIES: list[tuple[str, int, str]] = [
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
    ]


async def test_bad_signatures_malformed_hostile_or_oversize_bodies_change_nothing(
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

    for body, status, code in HOSTILE_BODIES:
        for safe_mode in (False, True):
            posted = await WeChatServer(client, safe_mode=safe_mode).post(body)
            assert posted.status == status, (body[:40], posted.body)
            assert code in posted.body, (body[:40], posted.body)
    # Signed with our token but encrypted with another key: it does not decrypt.
    wrong_key = WeChatServer(client, safe_mode=True, aes_key="Z" * 43)
    posted = await wrong_key.post(message_xml("o-k", "text", Content="你好"))
    assert posted.status == 400 and "bad_encryption" in posted.body
    assert await _ticket_count(client) == before
    assert not fake.custom_sent


# ---------------------------------------------------------------- token, groups, commands


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


# The grid of 锦园小区 in the demo registry (training_data/addresses/buildings.csv).
DEMO_GRID = "370303001001W01"


async def test_output_side_token_refresh_and_group_announcements(
    make_settings: Any, aiohttp_client: Any, fake: FakeWeChatApi
) -> None:
    robot = f"{_base(fake)}/cgi-bin/webhook/send?key={GRID_ROBOT_KEY}"
    app = create_app(
        wechat_settings(make_settings, fake, wechat_group_webhooks={DEMO_GRID: robot}),
        background=False,
    )
    client = await aiohttp_client(app)
    runtime = _runtime(client)
    connector = next(c for c in runtime.connectors if isinstance(c, WeChatConnector))
    assert connector.output is not None and connector.announcer is not None

    # WeChat retires the token (42001): one new token is fetched, every push still goes.
    await connector.output.send(OutboundMessage(recipient_id="o-t", text="一"))
    fake.expire_tokens()
    await asyncio.gather(*(
        connector.output.send(OutboundMessage(recipient_id="o-t", text=str(i)))
        for i in range(5)
    ))
    assert len([m for m in fake.custom_sent if m["touser"] == "o-t"]) == 6
    assert fake.tokens_issued == 2

    # A notice to the grid's group: through the outbox, posted by the robot, masked.
    async with runtime.sessions() as session:
        queue_notice(session, DEMO_GRID, "周六上午停水，联系张三 13912345678", utcnow())
        await session.commit()
    await _drain(client)
    [(key, body)] = fake.robot_posts
    assert key == GRID_ROBOT_KEY and body["msgtype"] == "text"
    assert "停水" in body["text"]["content"]
    assert "13912345678" not in body["text"]["content"]

    # A resolved incident in that grid is announced once, however often the poll runs.
    async with runtime.sessions() as session:
        session.add(Incident(
            category="lighting", grid_code=DEMO_GRID, title="楼道灯不亮", status="resolved",
            street_name="车站街道", reporters=6, resolved_at=utcnow(),
        ))
        session.add(Incident(category="lighting", grid_code="other-grid", title="x",
                             status="resolved", resolved_at=utcnow()))
        await session.commit()
    assert await connector.announcer.run_once() == 1
    assert await connector.announcer.run_once() == 0
    await _drain(client)
    assert len(fake.robot_posts) == 2
    assert "问题已解决" in fake.robot_posts[1][1]["text"]["content"]
    assert "楼道灯不亮" in fake.robot_posts[1][1]["text"]["content"]


async def test_menu_and_qrcode_commands(
    fake: FakeWeChatApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "WECHAT_APP_ID": APP_ID, "WECHAT_APP_SECRET": APP_SECRET,
        "WECHAT_API_BASE": _base(fake), "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "VAR_DIR": str(tmp_path / "var"), "REDIS_URL": "",
    }.items():
        monkeypatch.setenv(f"MINSHENG_{name}", value)
    # The commands run their own event loop (asyncio.run), so off this one.
    assert await asyncio.to_thread(cli_main, ["wechat", "menu"]) == 0
    [menu] = fake.menus
    assert [b["name"] for b in menu["button"]] == ["报事", "我的工单", "联系社区"]
    assert {b["key"] for b in menu["button"]} <= set(MENU_WORDS)

    out = tmp_path / "qr"
    community = "370303001001"
    assert await asyncio.to_thread(
        cli_main, ["wechat", "qrcode", "--community", community, "--out", str(out)]
    ) == 0
    rows = (out / "index.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) - 1 == len(fake.qrcodes) > 0
    scenes = {q["action_info"]["scene"]["scene_str"] for q in fake.qrcodes}
    assert "370303001001X01-002" in scenes
    assert all(q["action_name"] == "QR_LIMIT_STR_SCENE" for q in fake.qrcodes)
    assert (out / "370303001001X01-002.svg").is_file()


@pytest.mark.redis
async def test_claims_are_shared_by_workers_through_redis(
    redis_namespace: tuple[str, str],
) -> None:
    """Two workers (two Redis connections) see one another's claims: of a delivery and its
    retries exactly one handles the message, whichever worker each lands on."""
    from bot.state import RedisStateStore
    from connectors.wechat.dedupe import ANSWERED, HANDLING, LATE, Claims

    url, prefix = redis_namespace
    stores = [RedisStateStore.from_url(url, namespace=prefix) for _ in range(2)]
    try:
        workers = [Claims(store, namespace="wx:", ttl=60) for store in stores]
        outcomes = await asyncio.gather(*(workers[i % 2].claim("m-1") for i in range(6)))
        assert sum(o is None for o in outcomes) == 1
        assert {o.state for o in outcomes if o is not None} == {HANDLING}
        # A retry came while the first was handled: its answer goes through the outbox.
        assert not await workers[0].answered("m-1", "好的")
        assert (await workers[1].claim("m-1")).state == LATE  # type: ignore[union-attr]
        # Answered passively with no retry meanwhile: a later retry gets the same text.
        assert await workers[1].claim("m-2") is None
        assert await workers[1].answered("m-2", "好的")
        again = await workers[0].claim("m-2")
        assert again is not None and (again.state, again.text) == (ANSWERED, "好的")
        # A failed delivery is forgotten, so WeChat's retry is handled afresh.
        assert await workers[0].claim("m-3") is None
        await workers[0].release("m-3")
        assert await workers[1].claim("m-3") is None
    finally:
        for store in stores:
            await store.close()


def test_long_texts_are_cut_into_pieces_wechat_takes() -> None:
    from connectors.wechat.output import MAX_TEXT_BYTES, fits, split_text

    assert split_text("短消息") == ["短消息"]
    paragraphs = "\n\n".join(f"工单 20261201-{i:04d}：楼道灯不亮，办理中。" * 3 for i in range(60))
    pieces = split_text(paragraphs)
    assert len(pieces) > 1 and all(fits(p) for p in pieces)
    assert all(len(p.encode()) <= MAX_TEXT_BYTES for p in pieces)
    assert "".join(pieces).replace("\n", "") == paragraphs.replace("\n", "")
    unbroken = "灯" * 3000
    assert "".join(split_text(unbroken)) == unbroken
