"""Status pushes to mini-program residents as subscribe messages (订阅消息).

A resident who tapped "allow" on the template (``wx.requestSubscribeMessage``) receives one
message per change: ticket number, status and a short note, opening the ticket's page. One
who did not (errcode 43101) reads the change in the mini-program instead; that is not a
failure, so it is not retried or dead-lettered. Without a configured template nothing is sent.

The access token (``/cgi-bin/token``) is cached and fetched again on 40001 / 42001.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Any

import aiohttp

from bot.errors import TicketNotFound
from bot.messages import OutboundMessage
from bot.ports import DeliveryError, OutputChannel
from bot.tickets import TicketService

log = logging.getLogger(__name__)

__all__ = ["SubscribePush"]

_NUMBER = re.compile(r"\b(\d{8}-\d{4,6})\b")
_TOKEN_ERRORS = frozenset({40001, 42001, 40014})
_NOT_SUBSCRIBED = 43101
#: A ``thing`` field holds at most 20 characters.
_THING = 20


class SubscribePush(OutputChannel):
    def __init__(
        self,
        name: str,
        base: str,
        app_id: str,
        secret: str,
        template_id: str,
        page: str,
        tickets: TicketService,
        session: aiohttp.ClientSession,
    ) -> None:
        self.name = name
        self.base = base.rstrip("/")
        self.app_id = app_id
        self._secret = secret
        self.template_id = template_id
        self.page = page
        self.tickets = tickets
        self._http = session
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    async def _json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            async with self._http.request(method, self.base + path, **kwargs) as response:
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise DeliveryError(f"WeChat unreachable ({type(exc).__name__})") from None
        if not isinstance(body, dict):
            raise DeliveryError("WeChat answered no JSON object")
        return body

    async def _access_token(self, *, refresh: bool) -> str:
        async with self._lock:
            if refresh or self._token is None or time.monotonic() >= self._expires_at:
                body = await self._json(
                    "GET", "/cgi-bin/token",
                    params={"grant_type": "client_credential", "appid": self.app_id,
                            "secret": self._secret},
                )
                if not body.get("access_token"):
                    raise DeliveryError(f"token errcode {body.get('errcode')}")
                self._token = str(body["access_token"])
                lifetime = int(body.get("expires_in", 7200))
                self._expires_at = time.monotonic() + max(lifetime - 300, 60)
            return self._token

    async def send(self, message: OutboundMessage) -> None:
        found = _NUMBER.search(message.text or "")
        if found is None:
            return  # not about a ticket (a late chat reply): nothing a template can carry
        number = found.group(1)
        try:
            ticket = await self.tickets.get(number)
        except TicketNotFound:
            return
        note = " ".join((message.text or "").split())
        payload = {
            "touser": message.recipient_id,
            "template_id": self.template_id,
            "page": f"{self.page}?number={number}",
            "data": {
                "character_string1": {"value": number},
                "phrase2": {"value": ticket.status_label_zh[:5]},
                "thing3": {"value": note[:_THING]},
            },
        }
        for attempt in range(2):
            token = await self._access_token(refresh=attempt > 0)
            body = await self._json(
                "POST", "/cgi-bin/message/subscribe/send",
                params={"access_token": token}, json=payload,
            )
            code = int(body.get("errcode") or 0)
            if code in _TOKEN_ERRORS and attempt == 0:
                continue
            if code == _NOT_SUBSCRIBED:
                log.info("subscribe message for %s skipped: not subscribed", number)
                return
            if code != 0:
                raise DeliveryError(f"subscribe/send errcode {code}", permanent=code == 40037)
            return
