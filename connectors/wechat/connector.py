"""The WeChat Official Account connector (公众号), after the contract in connectors/base.py.

Switched on by ``MINSHENG_WECHAT_TOKEN`` (with ``_APP_ID`` and ``_APP_SECRET``; safe mode
with ``_AES_KEY``). Routes: ``GET/POST /webhooks/wechat``. Output side: customer-service
messages, template messages outside the 48-hour window, group-robot announcements.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from typing import TYPE_CHECKING, Self

from aiohttp import web

from bot.errors import ConfigError
from bot.state import StateStore, create_state_store
from connectors.base import Connector
from connectors.wechat.announce import IncidentAnnouncer
from connectors.wechat.api import WeChatApi
from connectors.wechat.dedupe import Claims
from connectors.wechat.groups import GroupRobots
from connectors.wechat.inbound import CHANNEL
from connectors.wechat.output import WeChatOutput
from connectors.wechat.signing import Signer
from connectors.wechat.webhook import WeChatWebhook

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.gateway import Gateway

__all__ = ["WeChatConnector"]

NAMESPACE = "minsheng:wechat:"
ANNOUNCE_INTERVAL_SECONDS = 30.0


class WeChatConnector(Connector):
    name = CHANNEL

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.signer = Signer(settings.wechat_token, settings.wechat_aes_key,
                             settings.wechat_app_id)
        self.webhook: WeChatWebhook | None = None
        self.api: WeChatApi | None = None
        self.store: StateStore | None = None
        self.groups = GroupRobots(settings.wechat_group_webhooks)
        self.announcer: IncidentAnnouncer | None = None
        self._stop = asyncio.Event()
        self._announcing: asyncio.Task[None] | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Self | None:
        if not settings.wechat_token:
            return None
        missing = [
            f"MINSHENG_WECHAT_{name.upper()}"
            for name in ("app_id", "app_secret")
            if not getattr(settings, f"wechat_{name}")
        ]
        if missing:
            raise ConfigError(
                f"MINSHENG_WECHAT_TOKEN is set but {', '.join(missing)} missing: the Official "
                "Account needs both to send customer-service and template messages"
            )
        return cls(settings)

    def setup_routes(self, app: web.Application, gateway_key: web.AppKey[Gateway]) -> None:
        self.webhook = WeChatWebhook(
            gateway_key, self.signer, passive_seconds=self.settings.wechat_passive_seconds
        )
        app.router.add_get("/webhooks/wechat", self.webhook.verify)
        app.router.add_post("/webhooks/wechat", self.webhook.receive)

    async def start(self, gateway: Gateway) -> None:
        settings = self.settings
        self.api = WeChatApi(
            settings.wechat_api_base, settings.wechat_app_id, settings.wechat_app_secret,
            redis_url=settings.redis_url,
        )
        # The same store the engine uses (Redis when configured), under our own keys: a
        # retry reaching another worker finds the first delivery's record there.
        self.store = create_state_store(settings.redis_url, namespace=NAMESPACE)
        claims = Claims(self.store, namespace=f"{settings.wechat_app_id}:",
                        ttl=settings.dedupe_ttl_seconds)
        if self.webhook is not None:
            self.webhook.api, self.webhook.claims = self.api, claims
        self.output = WeChatOutput(
            self.api, gateway.sessions, template_id=settings.wechat_status_template_id,
            groups=self.groups, public_url=settings.public_url,
        )

        def wake() -> None:
            if gateway.on_queued is not None:
                gateway.on_queued()

        self.announcer = IncidentAnnouncer(
            gateway.sessions, self.store, self.groups.grids,
            namespace=f"{settings.wechat_app_id}:", on_queued=wake,
        )
        if self.groups.grids:
            self._announcing = asyncio.create_task(
                self.announcer.run_forever(ANNOUNCE_INTERVAL_SECONDS, self._stop),
                name="wechat-incident-announcements",
            )

    async def stop(self) -> None:
        self._stop.set()
        if self._announcing is not None:
            self._announcing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._announcing
        if self.webhook is not None:
            await self.webhook.aclose()
        await self.groups.aclose()
        if self.api is not None:
            await self.api.aclose()
        if self.store is not None:
            await self.store.close()

    @classmethod
    def register_cli(cls, subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
        from connectors.wechat.cli import register_cli

        register_cli(subparsers)
