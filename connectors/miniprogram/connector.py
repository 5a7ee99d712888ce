"""The mini-program (小程序) connector: an HTTP API under ``/mp/`` (see :mod:`.api`).

On when ``MINSHENG_MP_APP_ID``, ``MINSHENG_MP_APP_SECRET`` and ``MINSHENG_MP_SESSION_SECRET``
are set. Residents are identified by their openid (channel ``miniprogram``); login goes
through WeChat's code2session at ``MINSHENG_WECHAT_API_BASE``.

Its output side pushes status changes as subscribe messages (:mod:`.push`) when
``MINSHENG_MP_SUBSCRIBE_TEMPLATE_ID`` names a template; without one, a resident reads every
change in the mini-program's ticket list and detail, and a push counts as delivered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

import aiohttp
from aiohttp import web

from bot.errors import ConfigError
from bot.messages import OutboundMessage
from connectors.base import Connector, OutputChannel
from connectors.miniprogram.api import CHANNEL, MiniProgramApi, setup_routes
from connectors.miniprogram.push import SubscribePush
from connectors.miniprogram.session import SessionSigner
from connectors.miniprogram.wxapi import Code2Session

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.gateway import Gateway


class ShownInApp(OutputChannel):
    """Status changes are read in the mini-program itself (see the module docstring)."""

    name = CHANNEL

    async def send(self, message: OutboundMessage) -> None:
        return None


class MiniProgramConnector(Connector):
    name = CHANNEL

    def __init__(
        self,
        *,
        app_id: str,
        app_secret: str,
        session_secret: str,
        api_base: str,
        session_hours: int,
        per_session: int,
        per_ip: int,
        template_id: str = "",
        page: str = "",
    ) -> None:
        if len(session_secret) < 16:
            raise ConfigError("MINSHENG_MP_SESSION_SECRET: use at least 16 random characters")
        self.wechat = Code2Session(api_base, app_id, app_secret)
        self.app_id, self._app_secret, self.api_base = app_id, app_secret, api_base
        self.template_id, self.page = template_id, page
        self.signer = SessionSigner(session_secret, session_hours * 3600)
        self.limits = (per_session, per_ip)
        self.output: OutputChannel | None = None
        self._http: aiohttp.ClientSession | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Self | None:
        values = {
            "MINSHENG_MP_APP_ID": settings.mp_app_id,
            "MINSHENG_MP_APP_SECRET": settings.mp_app_secret,
            "MINSHENG_MP_SESSION_SECRET": settings.mp_session_secret,
        }
        if not any(values.values()):
            return None
        missing = [name for name, value in values.items() if not value]
        if missing:
            raise ConfigError(f"the mini-program is half configured: set {', '.join(missing)}")
        return cls(
            app_id=settings.mp_app_id,
            app_secret=settings.mp_app_secret,
            session_secret=settings.mp_session_secret,
            api_base=settings.wechat_api_base,
            session_hours=settings.mp_session_hours,
            per_session=settings.mp_rate_per_minute,
            per_ip=settings.mp_ip_rate_per_minute,
            template_id=settings.mp_subscribe_template_id,
            page=settings.mp_subscribe_page,
        )

    def setup_routes(self, app: web.Application, gateway_key: web.AppKey[Gateway]) -> None:
        per_session, per_ip = self.limits
        api = MiniProgramApi(
            gateway_key, self.signer, self.wechat, per_session=per_session, per_ip=per_ip
        )
        setup_routes(app, api)

    async def start(self, gateway: Gateway) -> None:
        await self.wechat.start()
        if not self.template_id:
            self.output = ShownInApp()
            return
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        self.output = SubscribePush(
            CHANNEL, self.api_base, self.app_id, self._app_secret, self.template_id,
            self.page, gateway.tickets, self._http,
        )

    async def stop(self) -> None:
        await self.wechat.close()
        if self._http is not None:
            await self._http.close()
            self._http = None
