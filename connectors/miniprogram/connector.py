"""The mini-program (小程序) connector: an HTTP API under ``/mp/`` (see :mod:`.api`).

On when ``MINSHENG_MP_APP_ID``, ``MINSHENG_MP_APP_SECRET`` and ``MINSHENG_MP_SESSION_SECRET``
are set. Residents are identified by their openid (channel ``miniprogram``); login goes
through WeChat's code2session at ``MINSHENG_WECHAT_API_BASE``.

Its output side has nothing to push yet: a resident sees every status change in the
mini-program's ticket list and detail (subscribe messages need a template the operator
registers with WeChat first), so a status push counts as delivered rather than dead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from aiohttp import web

from bot.errors import ConfigError
from bot.messages import OutboundMessage
from connectors.base import Connector, OutputChannel
from connectors.miniprogram.api import CHANNEL, MiniProgramApi, setup_routes
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
    ) -> None:
        if len(session_secret) < 16:
            raise ConfigError("MINSHENG_MP_SESSION_SECRET: use at least 16 random characters")
        self.wechat = Code2Session(api_base, app_id, app_secret)
        self.signer = SessionSigner(session_secret, session_hours * 3600)
        self.limits = (per_session, per_ip)
        self.output: ShownInApp | None = None

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
        )

    def setup_routes(self, app: web.Application, gateway_key: web.AppKey[Gateway]) -> None:
        per_session, per_ip = self.limits
        api = MiniProgramApi(
            gateway_key, self.signer, self.wechat, per_session=per_session, per_ip=per_ip
        )
        setup_routes(app, api)

    async def start(self, gateway: Gateway) -> None:
        await self.wechat.start()
        self.output = ShownInApp()

    async def stop(self) -> None:
        await self.wechat.close()
