"""A fake of WeChat's mini-program APIs on 127.0.0.1, following the documented JSON.

``/sns/jscode2session``: a login code ``code-<openid>`` is good once; a code seen before
answers 40163 ("code been used"), an unknown one 40029 ("invalid code"), a wrong app id or
secret 40013 / 40125. ``/cgi-bin/token`` issues access tokens;
``/cgi-bin/message/subscribe/send`` keeps what it is sent (``subscribe_sent``) for users in
``subscribed`` and answers 43101 for the others, 40001 for a bad token.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web


class FakeWeChat:
    def __init__(self, app_id: str, secret: str) -> None:
        self.app_id = app_id
        self.secret = secret
        self.used: set[str] = set()
        self.subscribed: set[str] = set()
        self.subscribe_sent: list[dict[str, Any]] = []
        self.tokens: set[str] = set()

    async def token(self, request: web.Request) -> web.Response:
        query = request.query
        if query.get("appid") != self.app_id or query.get("secret") != self.secret:
            return web.json_response({"errcode": 40013, "errmsg": "invalid appid"})
        token = f"mp-token-{len(self.tokens) + 1}"
        self.tokens.add(token)
        return web.json_response({"access_token": token, "expires_in": 7200})

    async def subscribe_send(self, request: web.Request) -> web.Response:
        if request.query.get("access_token") not in self.tokens:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        body = await request.json()
        if body.get("touser") not in self.subscribed:
            return web.json_response({"errcode": 43101, "errmsg": "user refuse to accept"})
        self.subscribe_sent.append(body)
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def jscode2session(self, request: web.Request) -> web.Response:
        query = request.query
        if query.get("appid") != self.app_id:
            return web.json_response({"errcode": 40013, "errmsg": "invalid appid"})
        if query.get("secret") != self.secret:
            return web.json_response({"errcode": 40125, "errmsg": "invalid appsecret"})
        if query.get("grant_type") != "authorization_code":
            return web.json_response({"errcode": 40002, "errmsg": "invalid grant_type"})
        code = query.get("js_code", "")
        if code in self.used:
            return web.json_response({"errcode": 40163, "errmsg": "code been used"})
        if not code.startswith("code-"):
            return web.json_response({"errcode": 40029, "errmsg": "invalid code"})
        self.used.add(code)
        # WeChat answers text/plain JSON here; clients must not insist on application/json.
        return web.Response(
            text=f'{{"openid":"{code[5:]}","session_key":"c2Vzc2lvbg=="}}',
            content_type="text/plain",
        )

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/sns/jscode2session", self.jscode2session)
        app.router.add_get("/cgi-bin/token", self.token)
        app.router.add_post("/cgi-bin/message/subscribe/send", self.subscribe_send)
        return app
