"""The Telegram connector against a fake Bot API on 127.0.0.1.

Updates are posted to ``/webhooks/telegram`` in the JSON Telegram sends, with the secret
token header; everything the bot says goes through python-telegram-bot to the fake Bot API
(a real aiohttp server), which records it. Only Telegram is faked: the gateway, the flows,
the tickets, the outbox and the evidence store run for real.
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
from bot.errors import ConfigError
from bot.ports import OutputRegistry
from bot.runtime import Runtime
from bot.state import create_state_store
from bot.tickets import Dispatcher
from bot.tickets.clock import utcnow
from bot.tickets.models import Ticket
from bot.tickets.outbox import Audience, add_message
from connectors import discover
from connectors.telegram import TelegramConnector
from connectors.telegram.output import TelegramOutput
from tests.connectors.telegram_fake import (
    BOT_USERNAME,
    JPEG,
    OGG,
    SECRET,
    TOKEN,
    FakeBotApi,
    Resident,
)
from tests.e2e.resident import choose, find_ticket_number, typed_answer

HEADER = "X-Telegram-Bot-Api-Secret-Token"
GROUP = -1001234567890
STAFF_GROUP = "-1009876543210"


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    api = FakeBotApi()
    await api.start()
    yield api
    await api.close()


def _base(fake: FakeBotApi) -> str:
    assert fake.server is not None
    return str(fake.server.make_url("")).rstrip("/")


def telegram_settings(make_settings: Any, fake: FakeBotApi, **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "telegram_token": TOKEN,
        "telegram_secret": SECRET,
        "telegram_api_base": _base(fake),
        "upload_max_bytes": 1024 * 1024,
    }
    values.update(overrides)
    return make_settings(**values)


@pytest.fixture
async def client(make_settings: Any, aiohttp_client: Any, fake: FakeBotApi) -> TestClient:
    # No background workers: the tests drain the outbox themselves, so nothing races them.
    app = create_app(telegram_settings(make_settings, fake), background=False)
    return await aiohttp_client(app)


def _runtime(client: TestClient) -> Runtime:
    return client.app[RUNTIME]


async def _drain(client: TestClient) -> None:
    runtime = _runtime(client)
    await Dispatcher(runtime.sessions, runtime.outputs).drain()


async def _ticket_count(client: TestClient) -> int:
    async with _runtime(client).sessions() as session:
        return int((await session.exec(select(func.count()).select_from(Ticket))).one())


async def _post(client: TestClient, update: dict[str, Any], secret: str = SECRET) -> int:
    response = await client.post("/webhooks/telegram", json=update, headers={HEADER: secret})
    return response.status


def _texts(fake: FakeBotApi, chat: int | str) -> list[str]:
    return [str(m["text"]) for m in fake.sent("sendMessage", chat)]


# ---------------------------------------------------------------- discovery and settings


def test_discovered_and_off_without_a_token(make_settings: Any) -> None:
    assert discover()["telegram"] is TelegramConnector
    assert TelegramConnector.from_settings(make_settings()) is None
    with pytest.raises(ConfigError, match="MINSHENG_TELEGRAM_SECRET"):
        TelegramConnector.from_settings(make_settings(telegram_token=TOKEN))


# ---------------------------------------------------------------- the resident's story


async def _answer(client: TestClient, fake: FakeBotApi, resident: Resident,
                  lat: float, lng: float) -> str:
    """Answer what the bot asked last (tap, share, or type) until a ticket is filed."""
    for _ in range(15):
        said = fake.sent("sendMessage", resident.user_id)
        number = find_ticket_number([str(m["text"]) for m in said])
        if number:
            return number
        last = said[-1]
        markup = last.get("reply_markup") or {}
        if "inline_keyboard" in markup:
            titles = [b["text"] for row in markup["inline_keyboard"] for b in row]
            update = resident.tap({"text": last["text"], "reply_markup": markup},
                                  choose(titles) or 0)
        elif "keyboard" in markup:
            request = markup["keyboard"][0][0]
            if request.get("request_contact"):
                update = resident.contact("+86 138-0013-8000")
            else:
                assert request.get("request_location"), markup
                update = resident.location(lat, lng)
        else:
            update = resident.text(typed_answer(str(last["text"])))
        assert await _post(client, update) == 200
    raise AssertionError(_texts(fake, resident.user_id))


async def test_deep_link_report_with_photo_and_location_then_status_and_rating(
    client: TestClient, fake: FakeBotApi
) -> None:
    runtime = _runtime(client)
    code = runtime.addresses.resolve("锦园小区2号楼").candidates[0].building_code
    building = runtime.addresses.route(code).building
    assert building is not None and building.lat is not None and building.lng is not None
    resident = Resident(user_id=424242)
    fake.files["ph-1"] = ("photos/file_1.jpg", JPEG)
    fake.files["vo-1"] = ("voice/file_2.oga", OGG)

    # The door-plate QR: t.me/minsheng_bot?start=CODE sends "/start CODE".
    assert await _post(client, resident.text(f"/start {code}")) == 200
    assert "锦园" in _texts(fake, resident.user_id)[-1]

    # 随手拍: the photo with its caption, a voice note, then where it is.
    assert await _post(client, resident.photo("ph-1", len(JPEG), "楼道的灯坏了，晚上很黑")) == 200
    assert await _post(client, resident.message(voice={
        "file_id": "vo-1", "file_unique_id": "v1", "duration": 3, "mime_type": "audio/ogg",
        "file_size": len(OGG),
    })) == 200
    assert await _post(client, resident.location(building.lat, building.lng)) == 200
    number = await _answer(client, fake, resident, building.lat, building.lng)

    view = await runtime.tickets.get(number)
    assert sorted(kind for kind, _ in view.evidence) == ["image", "voice"], view.evidence
    for _, url in view.evidence:
        assert await runtime.media.exists(url.rsplit("/", 1)[-1])
    assert {p["file_id"] for p in fake.sent("getFile")} == {"ph-1", "vo-1"}
    # Every tapped button was answered, so the resident's client stopped its spinner.
    taps = [c for n, c in fake.calls if n == "answerCallbackQuery"]
    assert all(t["callback_query_id"].startswith("cb-") for t in taps)

    # Status pushes go through the outbox and the output side.
    await runtime.tickets.claim(number, "网格员")
    await _drain(client)
    assert number in _texts(fake, resident.user_id)[-1]
    await runtime.tickets.resolve(number, "网格员", "灯已更换")
    await _drain(client)
    pushed = fake.sent("sendMessage", resident.user_id)[-1]
    assert number in pushed["text"]
    rating = pushed["reply_markup"]["inline_keyboard"]
    titles = [row[0]["text"] for row in rating]
    assert "满意" in titles, titles

    # The rating, by inline button.
    calls = len(fake.calls)
    tap = resident.tap(pushed, titles.index("满意"))
    assert await _post(client, tap) == 200
    assert fake.calls[calls][0] == "answerCallbackQuery"
    assert (await runtime.tickets.get(number)).rating == 5

    # A console answer: an outbox row reaches the resident like any push.
    async with runtime.sessions() as session:
        ticket_id = (await session.exec(select(Ticket.id).where(Ticket.number == number))).one()
        add_message(session, channel="telegram", recipient_id=str(resident.user_id),
                    text="您好，师傅明天上午到", now=utcnow(), ticket_id=ticket_id)
        await session.commit()
    await _drain(client)
    assert _texts(fake, resident.user_id)[-1] == "您好，师傅明天上午到"

    # Staff notices: to the community's staff group, once however many people they name.
    output = runtime.outputs.get("telegram")
    assert isinstance(output, TelegramOutput)
    staff = TelegramOutput(
        output.bot, runtime.sessions, create_state_store(""),
        staff_groups={str(view.community_code): STAFF_GROUP}, public_url="http://x", ttl=60,
    )
    async with runtime.sessions() as session:
        for person in ("1001", "1002"):
            add_message(session, channel="telegram", recipient_id=person,
                        text=f"【新工单】{number}", now=utcnow(), ticket_id=ticket_id,
                        audience=Audience.STAFF)
        await session.commit()
    await Dispatcher(runtime.sessions, OutputRegistry({"telegram": staff})).drain()
    assert [m["text"] for m in fake.sent("sendMessage", STAFF_GROUP)] == [f"【新工单】{number}"]
    assert not fake.sent("sendMessage", "1001")


async def test_retries_refusals_groups_locations_and_media_limits(
    client: TestClient, fake: FakeBotApi
) -> None:
    runtime = _runtime(client)
    resident = Resident(user_id=515151)

    # A retried update (same update_id) changes nothing: no second answer, no second step.
    update = resident.text("小区门口的路灯坏了，晚上一片黑")
    assert await _post(client, update) == 200
    calls = list(fake.calls)
    assert fake.sent("sendMessage", resident.user_id)
    for _ in range(2):
        assert await _post(client, update) == 200
    assert fake.calls == calls

    # Not Telegram: a wrong or missing secret, JSON that is not an update. Nothing changes.
    tickets = await _ticket_count(client)
    other = resident.text("确认")
    assert await _post(client, other, secret="guess") == 403
    response = await client.post("/webhooks/telegram", json=other)
    assert response.status == 403
    for body in (b"{not json", b"[1, 2]", b'{"update_id": "7"}', b'{"message": {}}'):
        response = await client.post("/webhooks/telegram", data=body,
                                     headers={HEADER: SECRET, "Content-Type": "application/json"})
        assert response.status == 400, body
        assert (await response.json())["error"]["code"] == "bad_json"
    response = await client.post("/webhooks/telegram", data=b"{" + b" " * 300_000 + b"}",
                                 headers={HEADER: SECRET})
    assert response.status == 413
    assert fake.calls == calls and await _ticket_count(client) == tickets
    # ... and the update refused for its secret is handled when Telegram sends it properly.
    assert await _post(client, other) == 200

    # A pin: kept until the resident says what happened, then the nearest buildings.
    walker = Resident(user_id=616161)
    code = runtime.addresses.resolve("锦园小区2号楼").candidates[0].building_code
    building = runtime.addresses.route(code).building
    assert building is not None and building.lat is not None and building.lng is not None
    assert await _post(client, walker.location(building.lat, building.lng)) == 200
    assert fake.sent("sendMessage", walker.user_id)
    assert await _post(client, walker.text("这里楼道灯坏了")) == 200
    near = fake.sent("sendMessage", walker.user_id)[-1]
    offered = [row[0]["text"] for row in near.get("reply_markup", {}).get("inline_keyboard", [])]
    assert any("锦园" in title for title in [near["text"], *offered]), near

    # Media over the limit is refused before it is fetched; a "photo" that is not one is
    # refused by its bytes.
    fetched = len(fake.sent("getFile"))
    assert await _post(client, walker.message(video={
        "file_id": "huge", "file_unique_id": "h", "width": 1920, "height": 1080,
        "duration": 60, "file_size": 5 * 1024 * 1024,
    })) == 200
    assert "文件太大" in _texts(fake, walker.user_id)[-1]
    fake.files["fake-jpg"] = ("photos/file_9.jpg", b"<html>not a picture</html>")
    assert await _post(client, walker.photo("fake-jpg", 26)) == 200
    assert "格式不支持" in _texts(fake, walker.user_id)[-1]
    assert len(fake.sent("getFile")) == fetched + 1

    # Group chats: residents talking among themselves are left alone; a mention (or a
    # clear demand) gets a short public answer, and the details move to the private chat.
    neighbour = Resident(user_id=717171, first_name="老李")
    before = len(fake.sent("sendMessage"))
    fetched = len(fake.sent("getFile"))
    assert await _post(client, neighbour.text("今天天气真不错", group=GROUP)) == 200
    fake.files["party"] = ("photos/file_10.jpg", JPEG)
    party = [{"file_id": "party", "file_unique_id": "p", "width": 9, "height": 9,
              "file_size": len(JPEG)}]
    assert await _post(client, neighbour.message(group=GROUP, photo=party)) == 200
    assert len(fake.sent("sendMessage")) == before
    assert len(fake.sent("getFile")) == fetched, "a neighbour's photo is not our evidence"
    mention = f"@{BOT_USERNAME} 3号楼楼道灯坏了好几天了，晚上很黑"
    assert await _post(client, neighbour.text(mention, group=GROUP, entities=[
        {"type": "mention", "offset": 0, "length": len(BOT_USERNAME) + 1}
    ])) == 200
    public = _texts(fake, GROUP)
    assert len(public) == 1 and "私信" in public[0], public
    private = _texts(fake, neighbour.user_id)
    assert private, "the details continue in the private chat"
    assert not any(m.get("reply_markup", {}).get("keyboard") for m in fake.sent(
        "sendMessage", GROUP)), "share-phone and location keys are for private chats only"


async def test_long_polling_and_set_webhook(
    make_settings: Any, aiohttp_client: Any, fake: FakeBotApi, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # minsheng telegram poll: the gateway serves as usual and fetches updates itself.
    settings = telegram_settings(make_settings, fake, telegram_poll=True)
    client = await aiohttp_client(create_app(settings, background=False))
    resident = Resident(user_id=818181)
    fake.queue_update(resident.text("/start"))
    welcome = await fake.wait_for("sendMessage", resident.user_id)
    assert "社区小助手" in welcome["text"]
    assert fake.sent("deleteWebhook"), "polling needs the webhook off"
    code = _runtime(client).addresses.resolve("锦园小区2号楼").candidates[0].building_code
    fake.queue_update(resident.text(f"/start {code}"))
    while len(fake.sent("sendMessage", resident.user_id)) < 2:
        await _next_call(fake)
    assert "锦园" in _texts(fake, resident.user_id)[1]
    await client.close()

    # minsheng telegram set-webhook: our URL, with the secret token Telegram will echo.
    for name, value in {
        "TELEGRAM_TOKEN": TOKEN, "TELEGRAM_SECRET": SECRET, "TELEGRAM_API_BASE": _base(fake),
        "PUBLIC_URL": "https://minsheng.example.org", "VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "REDIS_URL": "",
    }.items():
        monkeypatch.setenv(f"MINSHENG_{name}", value)
    # The command runs its own event loop (asyncio.run), so off this one.
    assert await asyncio.to_thread(cli_main, ["telegram", "set-webhook"]) == 0
    [hook] = fake.sent("setWebhook")
    assert hook["url"] == "https://minsheng.example.org/webhooks/telegram"
    assert hook["secret_token"] == SECRET
    assert set(hook["allowed_updates"]) == {"message", "callback_query"}


async def _next_call(fake: FakeBotApi) -> None:
    fake.called.clear()
    await asyncio.wait_for(fake.called.wait(), 15)


@pytest.mark.redis
async def test_update_claims_are_shared_by_workers_through_redis(
    redis_namespace: tuple[str, str],
) -> None:
    """Two workers (two Redis connections): of an update and its retries exactly one is
    handled, whichever worker each lands on; a failed one is handled afresh."""
    from bot.state import RedisStateStore
    from connectors.telegram.claims import Claims

    url, prefix = redis_namespace
    stores = [RedisStateStore.from_url(url, namespace=prefix) for _ in range(2)]
    try:
        workers = [Claims(store, namespace="tg:", ttl=60) for store in stores]
        outcomes = await asyncio.gather(*(workers[i % 2].claim(41) for i in range(6)))
        assert sum(outcomes) == 1
        await workers[0].done(41)
        assert not await workers[1].claim(41)
        assert await workers[1].claim(42)
        await workers[1].release(42)
        assert await workers[0].claim(42)
    finally:
        for store in stores:
            await store.close()
