"""WeChat's ``/sns/jscode2session``: a mini-program login code → the user's openid.

A plain HTTPS GET with the app's id and secret; aiohttp, so it never blocks the loop. The
base URL is ``MINSHENG_WECHAT_API_BASE`` (a fake on 127.0.0.1 in tests).
"""

from __future__ import annotations

import aiohttp

from bot.errors import BadInput, MinshengError

__all__ = ["Code2Session", "WeChatUnavailable"]

#: errcodes of a bad, used or expired code (the user should log in again).
_BAD_CODE = frozenset({40029, 40163, 40226})


class WeChatUnavailable(MinshengError):
    code = "wechat_unavailable"


class Code2Session:
    def __init__(self, base: str, app_id: str, secret: str, *, timeout: float = 5.0) -> None:
        self.url = base.rstrip("/") + "/sns/jscode2session"
        self.app_id = app_id
        self._secret = secret
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=self._timeout)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def openid(self, code: str) -> str:
        """The openid for a login code. Raises BadInput (bad code) or WeChatUnavailable."""
        if self._session is None:
            raise WeChatUnavailable("the mini-program client is not started")
        params = {
            "appid": self.app_id,
            "secret": self._secret,
            "js_code": code,
            "grant_type": "authorization_code",
        }
        try:
            async with self._session.get(self.url, params=params) as response:
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise WeChatUnavailable(f"jscode2session failed ({type(exc).__name__})") from None
        if not isinstance(body, dict):
            raise WeChatUnavailable("jscode2session answered no JSON object")
        errcode = int(body.get("errcode") or 0)
        if errcode in _BAD_CODE:
            raise BadInput("login code rejected by WeChat", code="bad_code")
        openid = body.get("openid")
        if errcode or not isinstance(openid, str) or not openid:
            raise WeChatUnavailable(f"jscode2session errcode {errcode}")
        return openid
