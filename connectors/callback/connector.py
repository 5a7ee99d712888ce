"""Rasa's callback channel as a connector.

An assistant front-end that speaks Rasa's callback channel posts ``{"sender", "message",
"metadata"?}`` (the REST channel's body) to ``POST /webhooks/callback/webhook`` and gets
``"success"`` back; the bot's answers, and every later push to that resident (status
changes, a secretary's answer), are POSTed to ``MINSHENG_CALLBACK_URL``. Answers go through
the outbox: committed before ``"success"`` is sent, retried until the URL takes them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Self

import aiohttp
from aiohttp import web

from connectors.base import Connector
from connectors.callback.output import CallbackOutput
from connectors.errors import error_response
from connectors.web.body import MAX_BODY_BYTES, BadField, BodyTooDeep, inbound_from_rest, loads
from connectors.web.rest import field_error, json_error, read_body

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.gateway import Gateway

log = logging.getLogger(__name__)

CHANNEL = "callback"
PATH = "/webhooks/callback/webhook"


class CallbackConnector(Connector):
    name = CHANNEL

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        self.url = url
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None
        self.output = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Self | None:
        if not settings.callback_url:
            return None
        return cls(settings.callback_url, timeout=settings.callback_timeout_seconds)

    def setup_routes(self, app: web.Application, gateway_key: web.AppKey[Gateway]) -> None:
        async def webhook(request: web.Request) -> web.StreamResponse:
            raw = await read_body(request)
            if raw is None:
                return json_error(413, "body_too_large", limit_kb=MAX_BODY_BYTES // 1024)
            try:
                body = loads(raw)
            except BodyTooDeep:
                return json_error(400, "bad_json_depth")
            except ValueError:
                return json_error(400, "bad_json")
            try:
                message = inbound_from_rest(body, channel=CHANNEL)
            except BadField as exc:
                log.info("rejected callback-channel message: bad field %s", exc.field)
                return field_error(exc.field)
            gateway = request.app[gateway_key]
            try:
                replies = await gateway.receive(message)
                await gateway.queue(message, replies)
            except Exception as exc:
                return error_response(exc, context="message from the callback channel")
            return web.Response(text="success")

        app.router.add_post(PATH, webhook)

    async def start(self, gateway: Gateway) -> None:
        self._session = aiohttp.ClientSession(timeout=self._timeout)
        self.output = CallbackOutput(self.url, self._session, name=CHANNEL)

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
