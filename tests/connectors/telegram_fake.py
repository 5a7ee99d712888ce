"""A fake Telegram Bot API on 127.0.0.1, and updates built as Telegram sends them.

:class:`FakeBotApi` answers ``/bot<token>/<method>`` the way the Bot API does (``{"ok":
true, "result": ...}``, or ``ok: false`` with ``error_code`` and ``description``):
getMe, sendMessage, sendPhoto, answerCallbackQuery, getFile, setWebhook, deleteWebhook,
getUpdates (a long poll that answers as soon as an update is queued) and file downloads at
``/file/bot<token>/<path>``. python-telegram-bot posts form fields whose nested values are
JSON; they are decoded as Telegram would.

:class:`Resident` builds the JSON of updates (messages, photos, locations, contacts,
callback queries) with increasing ``update_id``s.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

TOKEN = "123456789:AAFake-token-of-the-minsheng-bot"
SECRET = "webhook-secret-Token_1"
BOT_ID = 123456789
BOT_USERNAME = "minsheng_bot"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 200
OGG = b"OggS" + b"\x00" * 300

_JSON_FIELDS = ("reply_markup", "allowed_updates", "entities")


@dataclass
class FakeBotApi:
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # file_id -> path, data
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    pending: list[dict[str, Any]] = field(default_factory=list)  # for getUpdates
    blocked: set[str] = field(default_factory=set)  # chats that blocked the bot (403)
    server: TestServer | None = None
    _queued: asyncio.Event = field(default_factory=asyncio.Event)
    #: Set on every call (a test waiting for the polling bot clears it and waits).
    called: asyncio.Event = field(default_factory=asyncio.Event)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self.method)
        app.router.add_get("/file/bot{token}/{path:.+}", self.download)
        return app

    async def start(self) -> str:
        self.server = TestServer(self.app(), host="127.0.0.1")
        await self.server.start_server()
        return str(self.server.make_url("")).rstrip("/")

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    # -- what the tests look at ------------------------------------------------------------

    def sent(self, method: str, chat_id: int | str | None = None) -> list[dict[str, Any]]:
        return [
            params for name, params in self.calls
            if name == method and (chat_id is None or str(params.get("chat_id")) == str(chat_id))
        ]

    async def wait_for(self, method: str, chat_id: int | str | None = None) -> dict[str, Any]:
        """The first call of ``method`` (to ``chat_id``), waiting for it if need be."""
        while not self.sent(method, chat_id):
            self.called.clear()
            await asyncio.wait_for(self.called.wait(), 15)
        return self.sent(method, chat_id)[0]

    def queue_update(self, update: dict[str, Any]) -> None:
        self.pending.append(update)
        self._queued.set()

    # -- the API ---------------------------------------------------------------------------

    @staticmethod
    def _ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _fail(code: int, description: str) -> web.Response:
        return web.json_response(
            {"ok": False, "error_code": code, "description": description}, status=code
        )

    async def method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TOKEN:
            return self._fail(401, "Unauthorized")
        name = request.match_info["method"]
        form = await request.post() if request.can_read_body else {}
        params: dict[str, Any] = {}
        for key, value in form.items():
            text = value if isinstance(value, str) else ""
            params[key] = json.loads(text) if key in _JSON_FIELDS else text
        self.calls.append((name, params))
        self.called.set()
        handler = getattr(self, f"api_{name}", None)
        if handler is None:
            return self._fail(404, "Not Found: method not found")
        result: web.Response = await handler(params)
        return result

    async def api_getMe(self, params: dict[str, Any]) -> web.Response:
        return self._ok({"id": BOT_ID, "is_bot": True, "first_name": "民生小助手",
                         "username": BOT_USERNAME})

    def _message(self, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        return {
            "message_id": next(self._ids), "date": 1_764_590_000,
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "民生小助手",
                     "username": BOT_USERNAME},
            **extra,
        }

    async def api_sendMessage(self, params: dict[str, Any]) -> web.Response:
        if str(params["chat_id"]) in self.blocked:
            return self._fail(403, "Forbidden: bot was blocked by the user")
        extra: dict[str, Any] = {"text": params["text"]}
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            extra["reply_markup"] = markup
        return self._ok(self._message(params, **extra))

    async def api_sendPhoto(self, params: dict[str, Any]) -> web.Response:
        size = {"file_id": "sent-photo", "file_unique_id": "sp", "width": 1, "height": 1}
        return self._ok(self._message(params, photo=[size]))

    async def api_answerCallbackQuery(self, params: dict[str, Any]) -> web.Response:
        return self._ok(True)

    async def api_setWebhook(self, params: dict[str, Any]) -> web.Response:
        return self._ok(True)

    async def api_deleteWebhook(self, params: dict[str, Any]) -> web.Response:
        return self._ok(True)

    async def api_getFile(self, params: dict[str, Any]) -> web.Response:
        file_id = params["file_id"]
        if file_id not in self.files:
            return self._fail(400, "Bad Request: invalid file_id")
        path, data = self.files[file_id]
        return self._ok({"file_id": file_id, "file_unique_id": f"u-{file_id}",
                         "file_size": len(data), "file_path": path})

    async def api_getUpdates(self, params: dict[str, Any]) -> web.Response:
        offset = int(params.get("offset") or 0)
        self.pending = [u for u in self.pending if u["update_id"] >= offset]
        if not self.pending:
            self._queued.clear()
            # A long poll: answer when an update comes, or (empty) after a moment.
            wait = min(float(params.get("timeout") or 0), 1.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._queued.wait(), wait)
        return self._ok(list(self.pending))

    async def download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TOKEN:
            return web.Response(status=401)
        path = request.match_info["path"]
        for stored_path, data in self.files.values():
            if stored_path == path:
                return web.Response(body=data, content_type="application/octet-stream")
        return web.Response(status=404)


_UPDATE_IDS = itertools.count(700_000_001)


@dataclass
class Resident:
    """One Telegram user; builds the updates Telegram would send for what they do."""

    user_id: int
    first_name: str = "小王"
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    # update_id counts up per bot, across all its users.
    updates: itertools.count[int] = field(default_factory=lambda: _UPDATE_IDS)

    @property
    def user(self) -> dict[str, Any]:
        return {"id": self.user_id, "is_bot": False, "first_name": self.first_name,
                "language_code": "zh-hans"}

    def _chat(self, group: int | None) -> dict[str, Any]:
        if group is not None:
            return {"id": group, "type": "supergroup", "title": "锦园业主群"}
        return {"id": self.user_id, "type": "private", "first_name": self.first_name}

    def message(self, group: int | None = None, **fields: Any) -> dict[str, Any]:
        return {
            "update_id": next(self.updates),
            "message": {
                "message_id": next(self._ids), "date": 1_764_590_000,
                "from": self.user, "chat": self._chat(group), **fields,
            },
        }

    def text(self, text: str, group: int | None = None, **fields: Any) -> dict[str, Any]:
        if text.startswith("/"):
            command = text.split(" ", 1)[0]
            fields.setdefault("entities", [
                {"type": "bot_command", "offset": 0, "length": len(command)}
            ])
        return self.message(group, text=text, **fields)

    def photo(self, file_id: str, size: int, caption: str | None = None) -> dict[str, Any]:
        sizes = [
            {"file_id": f"{file_id}-small", "file_unique_id": "s", "width": 90, "height": 67,
             "file_size": 1200},
            {"file_id": file_id, "file_unique_id": "l", "width": 1280, "height": 960,
             "file_size": size},
        ]
        extra = {"caption": caption} if caption else {}
        return self.message(photo=sizes, **extra)

    def location(self, lat: float, lng: float) -> dict[str, Any]:
        return self.message(location={"latitude": lat, "longitude": lng})

    def contact(self, phone: str, user_id: int | None = None) -> dict[str, Any]:
        return self.message(contact={"phone_number": phone, "first_name": self.first_name,
                                     "user_id": self.user_id if user_id is None else user_id})

    def tap(self, sent: dict[str, Any], index: int) -> dict[str, Any]:
        """A tap on button ``index`` of a message the bot sent (as the fake returned it)."""
        markup = sent["reply_markup"]
        buttons = [button for row in markup["inline_keyboard"] for button in row]
        return {
            "update_id": next(self.updates),
            "callback_query": {
                "id": f"cb-{next(self._ids)}", "from": self.user, "chat_instance": "ci-1",
                "data": buttons[index]["callback_data"],
                "message": {
                    "message_id": next(self._ids), "date": 1_764_590_000,
                    "chat": self._chat(None),
                    "from": {"id": BOT_ID, "is_bot": True, "first_name": "民生小助手"},
                    "text": sent.get("text", ""), "reply_markup": markup,
                },
            },
        }
