"""The aiohttp application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from bot.appkeys import ADDRESS_BOOK, NLU_SERVICE, RUNTIME, TICKET_SERVICE
from bot.config import Settings, get_settings
from bot.runtime import Runtime
from connectors.web import page, rest

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent.parent / "connectors" / "web" / "static"


async def healthz(request: web.Request) -> web.Response:
    report = await request.app[RUNTIME].health()
    return web.json_response(report, status=200 if report["status"] == "ok" else 503)


def _runtime_context(settings: Settings, background: bool):  # type: ignore[no-untyped-def]
    async def context(app: web.Application) -> AsyncIterator[None]:
        runtime = await Runtime.start(settings, background=background)
        app[RUNTIME] = runtime
        app[NLU_SERVICE] = runtime.nlu
        app[ADDRESS_BOOK] = runtime.addresses
        app[TICKET_SERVICE] = runtime.tickets
        log.info(
            "minsheng ready: database=%s state=%s model=%s",
            runtime.db_engine.dialect.name,
            runtime.store.kind,
            runtime.nlu.model.version,
        )
        yield
        await runtime.stop()

    return context


def create_app(settings: Settings | None = None, *, background: bool = True) -> web.Application:
    """Build the gateway; the Runtime starts with the app and stops with it."""
    settings = settings or get_settings()
    # Uploads stream through the multipart reader with their own limit; leave head-room.
    app = web.Application(client_max_size=settings.upload_max_bytes + 1024 * 1024)
    app.cleanup_ctx.append(_runtime_context(settings, background))
    app.router.add_get("/healthz", healthz)
    page.setup_routes(app, STATIC_DIR)
    rest.setup_routes(app)
    _setup_area_routes(app)
    return app


def _setup_area_routes(app: web.Application) -> None:
    """Routes owned by the NLU, address and ticket areas."""
    from bot.addresses.web import setup_routes as setup_address_routes
    from bot.tickets.open311 import setup_routes as setup_open311_routes
    from nlu.http import setup_routes as setup_nlu_routes

    setup_nlu_routes(app, NLU_SERVICE)
    setup_address_routes(app, ADDRESS_BOOK)
    setup_open311_routes(app, TICKET_SERVICE)
