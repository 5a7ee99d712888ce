"""The WeCom (企业微信) connector: the staff side of the gateway in the app staff work in.

On when ``MINSHENG_WECOM_CORP_ID``, ``_AGENT_ID``, ``_SECRET``, ``_TOKEN`` and ``_AES_KEY``
are set. Inbound: the app's encrypted callback (:mod:`.callback`), where grid workers and
secretaries act on tickets with short commands. Outbound: staff notices from the outbox
(new and red tickets, escalations, overdue, urgings...) as app text messages
(:mod:`.output`). ``MINSHENG_WECOM_API_BASE`` points the API client elsewhere (a fake in
tests).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from aiohttp import web

from bot.errors import ConfigError
from bot.state import StateStore, create_state_store
from connectors.base import Connector
from connectors.wecom.api import WeComApi
from connectors.wecom.callback import Callback, Sender
from connectors.wecom.crypto import CallbackCrypto
from connectors.wecom.output import WeComOutput

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.gateway import Gateway

PATH = "/webhooks/wecom"


class WeComConnector(Connector):
    name = "wecom"

    def __init__(
        self,
        *,
        corp_id: str,
        agent_id: int,
        secret: str,
        token: str,
        aes_key: str,
        api_base: str,
        public_url: str,
        redis_url: str = "",
    ) -> None:
        if len(aes_key) != 43:
            raise ConfigError("MINSHENG_WECOM_AES_KEY: the EncodingAESKey is 43 characters")
        self.corp_id = corp_id
        self.public_url = public_url
        self.api = WeComApi(api_base, corp_id, secret, agent_id)
        self.crypto = CallbackCrypto(token, aes_key, corp_id)
        self.redis_url = redis_url
        self.store: StateStore | None = None
        self.output: WeComOutput | None = None
        self.callback: Callback | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Self | None:
        values = {
            "MINSHENG_WECOM_CORP_ID": settings.wecom_corp_id,
            "MINSHENG_WECOM_AGENT_ID": str(settings.wecom_agent_id or ""),
            "MINSHENG_WECOM_SECRET": settings.wecom_secret,
            "MINSHENG_WECOM_TOKEN": settings.wecom_token,
            "MINSHENG_WECOM_AES_KEY": settings.wecom_aes_key,
        }
        if not any(values.values()):
            return None
        missing = [name for name, value in values.items() if not value]
        if missing:
            raise ConfigError(f"WeCom is half configured: set {', '.join(missing)}")
        return cls(
            corp_id=settings.wecom_corp_id,
            agent_id=settings.wecom_agent_id,
            secret=settings.wecom_secret,
            token=settings.wecom_token,
            aes_key=settings.wecom_aes_key,
            api_base=settings.wecom_api_base,
            public_url=settings.public_url,
            redis_url=settings.redis_url,
        )

    def _sender(self) -> Sender | None:
        return self.api.send_text if self.output is not None else None

    def setup_routes(self, app: web.Application, gateway_key: web.AppKey[Gateway]) -> None:
        self.callback = Callback(
            self.crypto, self.corp_id, gateway_key, self._sender, lambda: self.store
        )
        app.router.add_get(PATH, self.callback.verify)
        app.router.add_post(PATH, self.callback.receive)

    async def start(self, gateway: Gateway) -> None:
        await self.api.start()
        # Claimed MsgIds and their answers, shared by every worker when Redis is set.
        self.store = create_state_store(self.redis_url)
        self.output = WeComOutput(self.api, self.public_url)

    async def stop(self) -> None:
        if self.callback is not None:
            await self.callback.aclose()
        self.output = None
        await self.api.close()
        if self.store is not None:
            await self.store.close()
            self.store = None
