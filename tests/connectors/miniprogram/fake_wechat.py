"""A fake of WeChat's ``/sns/jscode2session`` on 127.0.0.1, following the documented JSON.

A login code ``code-<openid>`` is good once; a code seen before answers 40163 ("code been
used"), an unknown one 40029 ("invalid code"), a wrong app id or secret 40013 / 40125.
"""

from __future__ import annotations

from aiohttp import web


class FakeWeChat:
    def __init__(self, app_id: str, secret: str) -> None:
        self.app_id = app_id
        self.secret = secret
        self.used: set[str] = set()

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
        return app
