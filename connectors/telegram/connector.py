"""The Telegram connector, after the contract in connectors/base.py.

Switched on by ``MINSHENG_TELEGRAM_TOKEN`` (with ``_SECRET``, the webhook's secret token);
``MINSHENG_TELEGRAM_API_BASE`` points python-telegram-bot's ``base_url`` and
``base_file_url`` elsewhere (a local Bot API server, or the tests' fake). Route:
``POST /webhooks/telegram``; with ``MINSHENG_TELEGRAM_POLL`` (``minsheng telegram poll``)
updates are fetched by long polling instead. We hold a PTB :class:`telegram.Bot` as an
attribute and run our own aiohttp server; PTB's ``Application`` is not used.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from typing import TYPE_CHECKING, Self

from aiohttp import web
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.errors import ConfigError
from bot.state import StateStore, create_state_store
from connectors.base import Connector
from connectors.telegram.claims import Claims
from connectors.telegram.inbound import CHANNEL
from connectors.telegram.output import TelegramOutput
from connectors.telegram.polling import POLL_SECONDS, poll_forever
from connectors.telegram.updates import UpdateHandler
from connectors.telegram.webhook import TelegramWebhook

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.gateway import Gateway

__all__ = ["TelegramConnector", "make_bot"]

NAMESPACE = "minsheng:telegram:"


def make_bot(settings: Settings) -> tuple[Bot, tuple[HTTPXRequest, HTTPXRequest]]:
    """A PTB bot speaking to ``settings.telegram_api_base`` (Telegram's, by default), and
    its two HTTP clients (to close)."""
    base = settings.telegram_api_base.rstrip("/")
    requests = (
        HTTPXRequest(connection_pool_size=16),
        # getUpdates holds its connection open for the long poll.
        HTTPXRequest(read_timeout=POLL_SECONDS + 10),
    )
    bot = Bot(
        settings.telegram_token,
        base_url=f"{base}/bot",
        base_file_url=f"{base}/file/bot",
        request=requests[0],
        get_updates_request=requests[1],
    )
    return bot, requests


class TelegramConnector(Connector):
    name = CHANNEL

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.webhook = TelegramWebhook(settings.telegram_secret)
        self.bot: Bot | None = None
        self.store: StateStore | None = None
        self.handler: UpdateHandler | None = None
        self._stop = asyncio.Event()
        self._polling: asyncio.Task[None] | None = None
        self._requests: tuple[HTTPXRequest, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> Self | None:
        if not settings.telegram_token:
            return None
        if not settings.telegram_secret:
            raise ConfigError(
                "MINSHENG_TELEGRAM_TOKEN is set but MINSHENG_TELEGRAM_SECRET missing: the "
                "webhook accepts only calls carrying that secret token"
            )
        return cls(settings)

    def setup_routes(self, app: web.Application, gateway_key: web.AppKey[Gateway]) -> None:
        app.router.add_post("/webhooks/telegram", self.webhook.receive)

    async def start(self, gateway: Gateway) -> None:
        settings = self.settings
        # Not bot.initialize(): it calls getMe, and the gateway must start even while
        # Telegram is out of reach (getMe is asked on the first update instead).
        self.bot, self._requests = make_bot(settings)
        # The same store the engine uses (Redis when configured), under our own keys: a
        # retry reaching another worker finds the first delivery's claim there.
        self.store = create_state_store(settings.redis_url, namespace=NAMESPACE)
        output = TelegramOutput(
            self.bot, gateway.sessions, self.store,
            staff_groups=settings.telegram_staff_groups, public_url=settings.public_url,
            ttl=settings.dedupe_ttl_seconds,
        )
        self.output = output
        bot_id = settings.telegram_token.split(":", 1)[0]
        claims = Claims(self.store, namespace=f"{bot_id}:", ttl=settings.dedupe_ttl_seconds)
        self.handler = UpdateHandler(self.bot, claims, output, gateway)
        self.webhook.handler = self.handler
        if settings.telegram_poll:
            self._polling = asyncio.create_task(
                poll_forever(self.handler, self._stop), name="telegram-polling"
            )

    async def stop(self) -> None:
        self._stop.set()
        if self._polling is not None:
            self._polling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._polling
        for request in self._requests:
            await request.shutdown()
        if self.store is not None:
            await self.store.close()

    @classmethod
    def register_cli(cls, subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
        from connectors.telegram.cli import register_cli

        register_cli(subparsers)
