"""The web channel as a connector: chat page, Rasa-compatible REST webhook, uploads, inbox.

Always on (it is the embedded mode's only channel). Its output side is the ``web_inbox``
table the chat page polls (:mod:`connectors.web.inbox`), so it owns that table.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Self

from aiohttp import web

from connectors.base import Connector
from connectors.web import page, rest
from connectors.web.inbox import WebInbox
from connectors.web.session import WebSessions

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.gateway import Gateway

STATIC_DIR = Path(__file__).resolve().parent / "static"


class WebConnector(Connector):
    name = "web"
    models_module = "connectors.web.inbox"

    def __init__(self) -> None:
        self.inbox: WebInbox | None = None
        self.sessions: WebSessions | None = None
        self.output = None
        self.secure_cookies = False

    @classmethod
    def from_settings(cls, settings: Settings) -> Self | None:
        return cls()

    def setup_routes(self, app: web.Application, gateway_key: web.AppKey[Gateway]) -> None:
        page.setup_routes(
            app, STATIC_DIR, gateway_key, lambda: self.sessions, lambda: self.secure_cookies
        )
        rest.setup_routes(app, gateway_key, lambda: self.inbox, lambda: self.sessions)

    async def start(self, gateway: Gateway) -> None:
        self.inbox = WebInbox(gateway.sessions)
        self.output = self.inbox
        settings = gateway.settings
        self.sessions = WebSessions(
            gateway.secret, max_age=settings.web_session_max_days * 24 * 3600
        )
        self.secure_cookies = settings.public_url.startswith("https://")
