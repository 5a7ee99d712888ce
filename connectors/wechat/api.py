"""WeChat's HTTP API for one Official Account, called off the event loop.

wechatpy's client is synchronous (requests): every call runs in a worker thread
(:func:`asyncio.to_thread`) so a slow WeChat never stalls the event loop. The client is
pointed at ``MINSHENG_WECHAT_API_BASE`` (a fake WeChat on 127.0.0.1 in the tests) and reads
its token from the shared :class:`~connectors.wechat.token.TokenCache`. A token WeChat calls
invalid or expired is dropped and the call made once more with a fresh one.

Media are downloaded with aiohttp instead: the SDK reads a whole body into memory, and a
resident's video must be refused past the size limit before it is all read.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from connectors.wechat.token import TokenCache

__all__ = ["MediaTooLarge", "MediaUnavailable", "WeChatApi", "WeChatApiError"]

T = TypeVar("T")

#: Error codes meaning "this token is no good": fetch a new one and try once more.
TOKEN_ERRORS = frozenset({40001, 40014, 42001})
#: Outside the 48-hour customer-service window (or its reply quota is used up).
OUTSIDE_WINDOW = frozenset({45015, 45047})


class WeChatApiError(Exception):
    """WeChat answered with an error code (``errcode``), or could not be reached (None)."""

    def __init__(self, errcode: int | None, errmsg: str) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg

    @property
    def outside_window(self) -> bool:
        return self.errcode in OUTSIDE_WINDOW


class MediaTooLarge(Exception):
    """A media file over the evidence size limit (not downloaded further)."""


class MediaUnavailable(Exception):
    """WeChat would not give us the file (expired or unknown media id, or unreachable)."""


@dataclass(frozen=True, slots=True)
class Downloaded:
    data: bytes
    content_type: str


class WeChatApi:
    def __init__(
        self, api_base: str, app_id: str, secret: str, *, redis_url: str = "",
        timeout: float = 10.0,
    ) -> None:
        self.api_base = api_base.rstrip("/")
        self.tokens = TokenCache(api_base, app_id, secret, redis_url=redis_url, timeout=timeout)
        self.client = WeChatClient(
            app_id, secret, session=self.tokens, timeout=timeout, auto_retry=False
        )
        # An instance attribute, so another client in the process keeps its own base.
        self.client.API_BASE_URL = f"{self.api_base}/cgi-bin/"
        self._timeout = timeout
        self._http: aiohttp.ClientSession | None = None

    # -- JSON calls through wechatpy -----------------------------------------------------

    def _call_sync(self, call: Callable[[WeChatClient], T]) -> T:
        for attempt in (1, 2):
            token = self.tokens.token()
            try:
                return call(self.client)
            except WeChatClientException as exc:
                code = int(exc.errcode) if exc.errcode is not None else None
                if code in TOKEN_ERRORS and attempt == 1:
                    self.tokens.invalidate(token)
                    continue
                raise WeChatApiError(code, str(exc.errmsg or "")) from exc
            except Exception as exc:  # requests' connection errors, timeouts, bad JSON
                raise WeChatApiError(None, type(exc).__name__) from exc
        raise AssertionError("unreachable")

    async def call(self, call: Callable[[WeChatClient], T]) -> T:
        return await asyncio.to_thread(self._call_sync, call)

    async def send_text(self, openid: str, text: str) -> None:
        await self.call(lambda c: c.message.send_text(openid, text))

    async def send_template(
        self, openid: str, template_id: str, data: dict[str, dict[str, str]]
    ) -> None:
        await self.call(lambda c: c.message.send_template(openid, template_id, data))

    async def create_menu(self, menu: dict[str, Any]) -> None:
        await self.call(lambda c: c.menu.create(menu))

    async def create_qrcode(self, scene_str: str) -> dict[str, Any]:
        """A permanent parametric QR code (``QR_LIMIT_STR_SCENE``): ``ticket`` and ``url``."""
        data = {"action_name": "QR_LIMIT_STR_SCENE",
                "action_info": {"scene": {"scene_str": scene_str}}}
        result: dict[str, Any] = await self.call(lambda c: c.qrcode.create(data))
        return result

    # -- media, streamed with a limit ------------------------------------------------------

    async def download_media(self, media_id: str, limit: int) -> Downloaded:
        for attempt in (1, 2):
            token = await asyncio.to_thread(self.tokens.token)
            try:
                return await self._download(token, media_id, limit)
            except WeChatApiError as exc:
                if exc.errcode in TOKEN_ERRORS and attempt == 1:
                    await asyncio.to_thread(self.tokens.invalidate, token)
                    continue
                raise MediaUnavailable(str(exc)) from exc
        raise AssertionError("unreachable")

    async def _download(self, token: str, media_id: str, limit: int) -> Downloaded:
        if self._http is None:
            self._http = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self._timeout * 3)
            )
        url = f"{self.api_base}/cgi-bin/media/get"
        try:
            async with self._http.get(
                url, params={"access_token": token, "media_id": media_id}
            ) as response:
                content_type = response.content_type
                if response.status != 200:
                    raise WeChatApiError(None, f"HTTP {response.status}")
                if content_type in ("application/json", "text/plain"):
                    # Errors come back as JSON with status 200.
                    body = await response.content.read(64 * 1024)
                    try:
                        error = json.loads(body)
                    except ValueError as exc:
                        raise WeChatApiError(None, "not a media file") from exc
                    raise WeChatApiError(
                        int(error.get("errcode", -1)), str(error.get("errmsg", ""))
                    )
                if response.content_length is not None and response.content_length > limit:
                    raise MediaTooLarge(str(response.content_length))
                data = bytearray()
                async for chunk in response.content.iter_chunked(64 * 1024):
                    data.extend(chunk)
                    if len(data) > limit:
                        raise MediaTooLarge(str(len(data)))
                return Downloaded(bytes(data), content_type)
        except aiohttp.ClientError as exc:
            raise WeChatApiError(None, type(exc).__name__) from exc
        except TimeoutError as exc:
            raise WeChatApiError(None, "timeout") from exc

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.close()
        await asyncio.to_thread(self.tokens.close)
