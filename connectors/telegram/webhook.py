"""``POST /webhooks/telegram``: the updates Telegram delivers to the webhook.

The secret token given to setWebhook comes back in ``X-Telegram-Bot-Api-Secret-Token``
and is checked before anything else: 403 without it, 400 for a body that is not an update's
JSON, 413 for one bigger than any update. A refused request changes nothing. An update is
handled before the answer (200), so an error (500) makes Telegram retry it, and the claim on
its ``update_id`` keeps a retry of a handled one from doing anything twice.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import TYPE_CHECKING

from aiohttp import web
from telegram import Update

from connectors.body import read_capped
from connectors.errors import error_response, json_error
from connectors.telegram import texts

if TYPE_CHECKING:
    from connectors.telegram.updates import UpdateHandler

log = logging.getLogger(__name__)

__all__ = ["MAX_BODY_BYTES", "SECRET_HEADER", "TelegramWebhook"]

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: An update is a few kilobytes (a long text with entities, a reply quoted); more is not one.
MAX_BODY_BYTES = 256 * 1024


def _error(status: int, code: str, **fmt: object) -> web.Response:
    return json_error(status, code, texts.ERRORS[code].format(**fmt))



class TelegramWebhook:
    def __init__(self, secret: str) -> None:
        self._secret = secret.encode("utf-8")
        #: Set when the connector starts (it needs the bot's identity from getMe).
        self.handler: UpdateHandler | None = None

    async def receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8")
        if not hmac.compare_digest(given, self._secret):
            log.warning("Telegram webhook call without the right secret token refused")
            return _error(403, "bad_secret")
        raw = await read_capped(request, MAX_BODY_BYTES)
        if raw is None:
            return _error(413, "body_too_large", limit_kb=MAX_BODY_BYTES // 1024)
        try:
            data = json.loads(raw)
            if not isinstance(data, dict) or type(data.get("update_id")) is not int:
                raise ValueError("not an update")
            handler = self.handler
            assert handler is not None, "the connector has not started"
            update = Update.de_json(data, handler.bot)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            log.info("Telegram webhook body that is not an update refused (%s)",
                     type(exc).__name__)
            return _error(400, "bad_json")
        try:
            await handler.handle(update)
        except Exception as exc:
            return error_response(exc, context="Telegram update")
        return web.Response(status=200)
