"""WeCom's server API, the two calls the connector needs: ``gettoken`` and ``message/send``.

Plain aiohttp (the calls are two small JSON requests; wechatpy's client is synchronous and
fetches its token from a fixed host). The base URL comes from ``MINSHENG_WECOM_API_BASE``,
so tests point it at a fake on 127.0.0.1. The access token is cached until shortly before
it expires and fetched again when WeCom says it is invalid or expired (40014, 42001).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import aiohttp

from bot.ports import DeliveryError

log = logging.getLogger(__name__)

__all__ = ["WeComApi"]

#: errcodes that mean "fetch a new token and try once more".
_TOKEN_ERRORS = frozenset({40014, 42001})
#: errcodes that will not change by retrying (user not in the app's range, bad agent).
_PERMANENT = frozenset({60111, 81013, 40056, 301002})


class WeComApi:
    def __init__(
        self, base: str, corp_id: str, secret: str, agent_id: int, *, timeout: float = 10.0
    ) -> None:
        self.base = base.rstrip("/")
        self.corp_id = corp_id
        self._secret = secret
        self.agent_id = agent_id
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None
        self._token: str | None = None
        self._expires_at = 0.0
        self._token_lock = asyncio.Lock()

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=self._timeout)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        if self._session is None:
            raise DeliveryError("the WeCom client is not started")
        try:
            async with self._session.request(method, self.base + path, **kwargs) as response:
                if response.status >= 500:
                    raise DeliveryError(f"WeCom answered HTTP {response.status}")
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise DeliveryError(f"WeCom unreachable ({type(exc).__name__})") from None
        if not isinstance(body, dict):
            raise DeliveryError("WeCom answered something that is not a JSON object")
        return body

    async def token(self, *, refresh: bool = False) -> str:
        """The cached access token (one fetch at a time, shared by every send)."""
        async with self._token_lock:
            if refresh or self._token is None or time.monotonic() >= self._expires_at:
                body = await self._json(
                    "GET", "/cgi-bin/gettoken",
                    params={"corpid": self.corp_id, "corpsecret": self._secret},
                )
                if body.get("errcode", 0) != 0 or not body.get("access_token"):
                    raise DeliveryError(
                        f"gettoken failed: {body.get('errcode')}", permanent=False
                    )
                self._token = str(body["access_token"])
                # Renew five minutes early: a token that dies mid-send costs a retry.
                lifetime = int(body.get("expires_in", 7200))
                self._expires_at = time.monotonic() + max(lifetime - 300, 60)
            return self._token

    async def send_text(self, user_id: str, content: str) -> None:
        """Send a text message from the app to one member. Raises DeliveryError."""
        payload = {
            "touser": user_id,
            "msgtype": "text",
            "agentid": self.agent_id,
            "text": {"content": content},
            "safe": 0,
        }
        for attempt in range(2):
            token = await self.token(refresh=attempt > 0)
            body = await self._json(
                "POST", "/cgi-bin/message/send", params={"access_token": token}, json=payload
            )
            code = int(body.get("errcode", 0))
            if code in _TOKEN_ERRORS and attempt == 0:
                continue
            if code != 0:
                raise DeliveryError(f"message/send errcode {code}", permanent=code in _PERMANENT)
            if body.get("invaliduser"):
                raise DeliveryError("the member is not in the app's visible range", permanent=True)
            return
