"""A fake of WeCom's server API on 127.0.0.1, following the documented JSON.

``GET /cgi-bin/gettoken?corpid&corpsecret`` → ``{"errcode": 0, "access_token", "expires_in"}``
(40013 for an unknown corp, 40001 for a wrong secret); ``POST /cgi-bin/message/send
?access_token`` → ``{"errcode": 0, "errmsg": "ok", "invaliduser": ""}`` (42001 once the token
is expired). What was sent is kept in :attr:`FakeWeCom.sent`.
"""

from __future__ import annotations

import itertools
from typing import Any

from aiohttp import web


class FakeWeCom:
    def __init__(self, corp_id: str, secret: str) -> None:
        self.corp_id = corp_id
        self.secret = secret
        self.sent: list[dict[str, Any]] = []
        self.tokens_issued = 0
        self.valid_tokens: set[str] = set()
        self._counter = itertools.count(1)

    def expire_tokens(self) -> None:
        self.valid_tokens.clear()

    async def gettoken(self, request: web.Request) -> web.Response:
        if request.query.get("corpid") != self.corp_id:
            return web.json_response({"errcode": 40013, "errmsg": "invalid corpid"})
        if request.query.get("corpsecret") != self.secret:
            return web.json_response({"errcode": 40001, "errmsg": "invalid secret"})
        token = f"token-{next(self._counter)}"
        self.valid_tokens.add(token)
        self.tokens_issued += 1
        return web.json_response(
            {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}
        )

    async def send(self, request: web.Request) -> web.Response:
        if request.query.get("access_token") not in self.valid_tokens:
            return web.json_response({"errcode": 42001, "errmsg": "access_token expired"})
        body = await request.json()
        if body.get("msgtype") != "text" or not body.get("touser"):
            return web.json_response({"errcode": 40008, "errmsg": "invalid message type"})
        self.sent.append(body)
        return web.json_response({"errcode": 0, "errmsg": "ok", "invaliduser": ""})

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/cgi-bin/gettoken", self.gettoken)
        app.router.add_post("/cgi-bin/message/send", self.send)
        return app
