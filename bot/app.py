"""The aiohttp application factory: the runtime, the connectors and the HTTP surfaces."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence

from aiohttp import web

from bot.appkeys import (
    ADDRESS_BOOK,
    GATEWAY,
    NLU_SERVICE,
    RATE_LIMITER,
    RUNTIME,
    TICKET_SERVICE,
)
from bot.config import Settings, check_worker_setup, get_settings
from bot.intake.sources import SourceRegistry
from bot.intake.web import INTAKE_SOURCES
from bot.runtime import Runtime, build_connectors
from bot.staff.web import STAFF_SERVICE
from bot.surfaces import setup_all
from connectors.base import Connector

log = logging.getLogger(__name__)


def _runtime_context(
    settings: Settings, background: bool, connectors: Sequence[Connector]
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def context(app: web.Application) -> AsyncIterator[None]:
        runtime = await Runtime.start(settings, background=background, connectors=connectors)
        app[RUNTIME] = runtime
        app[GATEWAY] = runtime.gateway
        app[RATE_LIMITER] = runtime.gateway.limiter
        app[NLU_SERVICE] = runtime.nlu
        app[ADDRESS_BOOK] = runtime.addresses
        app[TICKET_SERVICE] = runtime.tickets
        app[STAFF_SERVICE] = runtime.staff
        app[INTAKE_SOURCES] = SourceRegistry(runtime.tickets.session_factory)
        log.info(
            "minsheng ready: database=%s state=%s model=%s connectors=%s",
            runtime.db_engine.dialect.name,
            runtime.store.kind,
            runtime.nlu.model.version,
            ",".join(c.name for c in runtime.connectors),
        )
        yield
        await runtime.stop()

    return context


def create_app(settings: Settings | None = None, *, background: bool = True) -> web.Application:
    """Build the gateway; the Runtime (and every connector's lifespan) starts with the app
    and stops with it."""
    settings = settings or get_settings()
    check_worker_setup(settings)  # fail before binding the port, not on the first start-up
    connectors = build_connectors(settings)
    # Uploads stream through the multipart reader with their own limit; leave head-room.
    app = web.Application(client_max_size=settings.upload_max_bytes + 1024 * 1024)
    app.cleanup_ctx.append(_runtime_context(settings, background, connectors))
    setup_all(
        app, connectors, public_url=settings.public_url, trusted_proxies=settings.trusted_proxies
    )
    return app
