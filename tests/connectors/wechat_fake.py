"""A fake of WeChat's HTTP API on 127.0.0.1, and a fake WeChat server that calls us.

:class:`FakeWeChatApi` answers the documented endpoints with the documented JSON, errors
included: ``/cgi-bin/token`` (40013 for a wrong app id, 40125 for a wrong secret),
``/cgi-bin/message/custom/send`` (45015 for residents outside the 48-hour window, 42001 for
an expired token), ``/cgi-bin/message/template/send``, ``/cgi-bin/media/get`` (the file, or
40007 for an unknown media id), ``/cgi-bin/menu/create``, ``/cgi-bin/qrcode/create``, and a
group robot at ``/cgi-bin/webhook/send?key=``.

:class:`WeChatServer` builds callbacks exactly as WeChat sends them: XML, signature over
token/timestamp/nonce, and in safe mode the AES envelope with ``msg_signature``.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from aiohttp import web
from aiohttp.test_utils import TestServer
from wechatpy.crypto import WeChatCrypto

APP_ID = "wx1234567890abcdef"
APP_SECRET = "s3cr3t-of-the-account"
TOKEN = "minsheng-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters
ACCOUNT = "gh_minsheng"

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 200
AMR = b"#!AMR\n" + b"\x3c" * 300
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 300


@dataclass
class FakeWeChatApi:
    """State of the fake: what was sent, which tokens are valid, which media exist."""

    tokens_issued: int = 0
    valid_tokens: set[str] = field(default_factory=set)
    outside_window: set[str] = field(default_factory=set)
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    custom_sent: list[dict[str, Any]] = field(default_factory=list)
    templates_sent: list[dict[str, Any]] = field(default_factory=list)
    menus: list[dict[str, Any]] = field(default_factory=list)
    qrcodes: list[dict[str, Any]] = field(default_factory=list)
    robot_posts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    token_delay: float = 0.0
    server: TestServer | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/cgi-bin/token", self.token)
        app.router.add_post("/cgi-bin/message/custom/send", self.custom_send)
        app.router.add_post("/cgi-bin/message/template/send", self.template_send)
        app.router.add_get("/cgi-bin/media/get", self.media_get)
        app.router.add_post("/cgi-bin/menu/create", self.menu_create)
        app.router.add_post("/cgi-bin/qrcode/create", self.qrcode_create)
        app.router.add_post("/cgi-bin/webhook/send", self.robot_send)
        return app

    async def start(self) -> str:
        self.server = TestServer(self.app(), host="127.0.0.1")
        await self.server.start_server()
        return str(self.server.make_url("")).rstrip("/")

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    def expire_tokens(self) -> None:
        """WeChat retired every token (42001 on the next call)."""
        self.valid_tokens.clear()

    # -- endpoints -------------------------------------------------------------------------

    def _token_error(self, request: web.Request) -> web.Response | None:
        token = request.query.get("access_token", "")
        if token in self.valid_tokens:
            return None
        if token.startswith("TOKEN-"):
            return web.json_response({"errcode": 42001, "errmsg": "access_token expired"})
        return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})

    async def token(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("grant_type") != "client_credential":
            return web.json_response({"errcode": 40002, "errmsg": "invalid grant_type"})
        if q.get("appid") != APP_ID:
            return web.json_response({"errcode": 40013, "errmsg": "invalid appid"})
        if q.get("secret") != APP_SECRET:
            return web.json_response({"errcode": 40125, "errmsg": "invalid appsecret"})
        if self.token_delay:
            await asyncio.sleep(self.token_delay)
        self.tokens_issued += 1
        token = f"TOKEN-{self.tokens_issued}"
        self.valid_tokens.add(token)
        return web.json_response({"access_token": token, "expires_in": 7200})

    async def custom_send(self, request: web.Request) -> web.Response:
        if (error := self._token_error(request)) is not None:
            return error
        body = json.loads(await request.read())
        if body.get("touser") in self.outside_window:
            return web.json_response(
                {"errcode": 45015, "errmsg": "response out of time limit"}
            )
        self.custom_sent.append(body)
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def template_send(self, request: web.Request) -> web.Response:
        if (error := self._token_error(request)) is not None:
            return error
        body = json.loads(await request.read())
        if not body.get("template_id"):
            return web.json_response({"errcode": 40037, "errmsg": "invalid template_id"})
        self.templates_sent.append(body)
        return web.json_response({"errcode": 0, "errmsg": "ok", "msgid": len(self.templates_sent)})

    async def media_get(self, request: web.Request) -> web.StreamResponse:
        if (error := self._token_error(request)) is not None:
            return error
        found = self.media.get(request.query.get("media_id", ""))
        if found is None:
            return web.json_response({"errcode": 40007, "errmsg": "invalid media_id"})
        data, content_type = found
        return web.Response(
            body=data, content_type=content_type,
            headers={"Content-disposition": 'attachment; filename="media"'},
        )

    async def menu_create(self, request: web.Request) -> web.Response:
        if (error := self._token_error(request)) is not None:
            return error
        body = json.loads(await request.read())
        if not body.get("button"):
            return web.json_response({"errcode": 40016, "errmsg": "invalid button size"})
        self.menus.append(body)
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def qrcode_create(self, request: web.Request) -> web.Response:
        if (error := self._token_error(request)) is not None:
            return error
        body = json.loads(await request.read())
        self.qrcodes.append(body)
        scene = body["action_info"]["scene"]["scene_str"]
        ticket = hashlib.sha1(scene.encode()).hexdigest()
        return web.json_response({"ticket": ticket, "url": f"http://weixin.qq.com/q/{ticket[:22]}"})

    async def robot_send(self, request: web.Request) -> web.Response:
        key = request.query.get("key", "")
        if not key.startswith("robot-"):
            return web.json_response({"errcode": 93000, "errmsg": "invalid webhook url"})
        self.robot_posts.append((key, json.loads(await request.read())))
        return web.json_response({"errcode": 0, "errmsg": "ok"})


# ---------------------------------------------------------------- WeChat calling us

# Unique across runs too (a Redis store keeps the claims of earlier runs for a day).
_msg_ids = itertools.count(time.time_ns() // 1000)
_times = itertools.count(int(time.time()))


def sign(token: str, *parts: str) -> str:
    return hashlib.sha1("".join(sorted([token, *parts])).encode()).hexdigest()


def message_xml(openid: str, msg_type: str, *, msg_id: int | None = None,
                create_time: int | None = None, **fields: str) -> str:
    """A callback body as WeChat writes it (CDATA for strings)."""
    parts = [
        f"<ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>",
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>",
        f"<CreateTime>{create_time or next(_times)}</CreateTime>",
        f"<MsgType><![CDATA[{msg_type}]]></MsgType>",
    ]
    for name, value in fields.items():
        numeric = value.replace(".", "").lstrip("-").isdigit()
        parts.append(
            f"<{name}>{escape(value)}</{name}>" if numeric
            else f"<{name}><![CDATA[{value}]]></{name}>"
        )
    if msg_type != "event":
        parts.append(f"<MsgId>{msg_id or next(_msg_ids)}</MsgId>")
    return "<xml>" + "".join(parts) + "</xml>"


@dataclass
class Posted:
    status: int
    body: str


class WeChatServer:
    """Sends callbacks to the gateway the way WeChat does (plaintext or safe mode)."""

    def __init__(
        self, client: Any, *, safe_mode: bool = False, token: str = TOKEN,
        aes_key: str = AES_KEY,
    ) -> None:
        self.client = client
        self.safe_mode = safe_mode
        self.token = token
        self.crypto = WeChatCrypto(TOKEN, aes_key, APP_ID)

    def query(self, body: str | None = None) -> tuple[dict[str, str], str]:
        timestamp, nonce = str(int(time.time())), f"n{next(_msg_ids) % 10_000_000}"
        query = {"timestamp": timestamp, "nonce": nonce, "openid": "x",
                 "signature": sign(self.token, timestamp, nonce)}
        if self.safe_mode and body is not None:
            envelope = self.crypto.encrypt_message(body, nonce, timestamp)
            # encrypt_message signs with the configured token; WeChat sends that signature
            # as msg_signature and the envelope without it.
            encrypted = re.search(r"<Encrypt><!\[CDATA\[(.*?)\]\]>", envelope).group(1)  # type: ignore[union-attr]
            query["encrypt_type"] = "aes"
            query["msg_signature"] = sign(self.token, timestamp, nonce, encrypted)
            body = (
                f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
                f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
            )
        return query, body or ""

    async def post(self, body: str, **extra_query: str) -> Posted:
        query, sent = self.query(body)
        query.update(extra_query)
        response = await self.client.post("/webhooks/wechat", params=query, data=sent.encode())
        text = await response.text()
        return Posted(response.status, text)

    def reply_text(self, posted: Posted) -> str:
        """The text of a passive reply ("" for "success"), decrypted in safe mode."""
        from connectors.wechat.xml import parse_flat

        if posted.body in ("success", ""):
            return ""
        fields = parse_flat(posted.body.encode())
        if "Encrypt" in fields:
            inner = self.crypto.decrypt_message(
                {"Encrypt": fields["Encrypt"]}, fields["MsgSignature"], fields["TimeStamp"],
                fields["Nonce"],
            )
            fields = parse_flat(inner.encode())
        assert fields["MsgType"] == "text"
        return fields["Content"]


_OPTION = re.compile(r"^(\d+)\. (.+)$", re.MULTILINE)


def next_answer(text: str, photo_sent: bool) -> tuple[str, str]:
    """What a resident sends next: ("image", "") for a photo, else ("text", words). Buttons
    arrive as numbered lines; the resident types the number of the one they choose."""
    from tests.e2e.resident import choose

    if not photo_sent and re.search(r"照片|图片|拍", text):
        return "image", ""
    options = _OPTION.findall(text)
    if options:
        index = choose([title for _, title in options])
        return "text", options[index or 0][0]
    return "text", "确认" if re.search(r"确认|提交|对吗", text) else "跳过"
