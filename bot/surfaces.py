"""The HTTP surfaces of the gateway, one setup function each.

Each surface adds its routes and reads the one service it needs from the app under a typed
key (:mod:`bot.appkeys`), filled in when the runtime has started. The staff console and the
dashboard get their own ``setup_console`` / ``setup_dashboard`` here, next to the others.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from aiohttp import web

from bot.appkeys import ADDRESS_BOOK, GATEWAY, NLU_SERVICE, RUNTIME, TICKET_SERVICE
from bot.gateway import Gateway


class RoutedConnector(Protocol):
    """What this module needs of a connector (``connectors.base.Connector`` has it); the
    connectors themselves are found by the composition roots, never named here."""

    def setup_routes(self, app: web.Application, gateway_key: web.AppKey[Gateway]) -> None: ...


async def healthz(request: web.Request) -> web.Response:
    report = await request.app[RUNTIME].health()
    return web.json_response(report, status=200 if report["status"] == "ok" else 503)


def setup_health(app: web.Application) -> None:
    """``GET /healthz``: liveness and readiness of each part."""
    app.router.add_get("/healthz", healthz)


def setup_nlu(app: web.Application) -> None:
    """``POST /model/parse``: the NLU as a Rasa-compatible HTTP service."""
    from nlu.http import setup_routes

    setup_routes(app, NLU_SERVICE)


def setup_door_plates(app: web.Application) -> None:
    """``/b/{code}``: the pages door-plate QR codes open."""
    from bot.addresses.web import setup_routes

    setup_routes(app, ADDRESS_BOOK)


def setup_open311(app: web.Application) -> None:
    """``/open311/...``: the GeoReport v2 API for other systems."""
    from bot.tickets.open311 import setup_routes

    setup_routes(app, TICKET_SERVICE)


def setup_connectors(app: web.Application, connectors: Sequence[RoutedConnector]) -> None:
    """Each connector's own routes; they reach the core through :data:`GATEWAY`."""
    for connector in connectors:
        connector.setup_routes(app, GATEWAY)


# Content-Security-Policy per kind of page. Nothing is inline (the chat page's words are a
# JSON data block, not a script), so no policy needs 'unsafe-inline'.
_LOCKED = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
CSP_CHAT = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
CSP_DOOR_PLATE = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# An uploaded file opened directly: shown as what it is, never run as a page.
CSP_UPLOAD = "default-src 'none'; img-src 'self' data:; media-src 'self'; sandbox"
CSP_OTHER = _LOCKED  # JSON APIs, health, errors: nothing to load at all

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def content_security_policy(path: str) -> str:
    """The policy for a response to ``path``."""
    if path == "/" or path.startswith("/static/"):
        return CSP_CHAT
    if path.startswith("/b/"):
        return CSP_DOOR_PLATE
    if path.startswith("/uploads/"):
        return CSP_UPLOAD
    return CSP_OTHER


def _secure(request: web.Request, response: web.StreamResponse) -> None:
    if response.prepared:  # a streamed answer has sent its headers already
        return
    response.headers.update(SECURITY_HEADERS)
    response.headers.setdefault("Content-Security-Policy", content_security_policy(request.path))


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """nosniff, no framing, same-origin referrers and a fitting CSP on every answer
    (errors raised as HTTP exceptions too)."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        _secure(request, exc)
        raise
    _secure(request, response)
    return response


def setup_security_headers(app: web.Application) -> None:
    app.middlewares.append(security_headers)


def setup_all(app: web.Application, connectors: Sequence[RoutedConnector]) -> None:
    setup_security_headers(app)
    setup_health(app)
    setup_connectors(app, connectors)
    setup_nlu(app)
    setup_door_plates(app)
    setup_open311(app)
