"""Security headers on every answer the gateway gives: one policy per kind of page.

nosniff, no framing and same-origin referrers everywhere; a Content-Security-Policy that
fits what each page loads. Nothing is inline (the chat page's words are a JSON data block,
not a script), so no policy needs 'unsafe-inline'.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Final

from aiohttp import web

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
# The staff console: its own pages, scripts, styles and API, nothing from elsewhere.
CSP_CONSOLE = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
CONSOLE_PREFIX: Final = "/console"
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
    if is_console(path):
        return CSP_CONSOLE
    return CSP_OTHER


def is_console(path: str) -> bool:
    return path == CONSOLE_PREFIX or path.startswith(CONSOLE_PREFIX + "/")


def secure(request: web.Request, response: web.StreamResponse) -> None:
    """Set the headers for ``request``'s path; the console's answers are never cached.
    Also usable from an ``on_response_prepare`` hook, while the headers are still open."""
    response.headers.update(SECURITY_HEADERS)
    response.headers.setdefault("Content-Security-Policy", content_security_policy(request.path))
    if is_console(request.path):
        response.headers["Cache-Control"] = "no-store"


def _secure_unsent(request: web.Request, response: web.StreamResponse) -> None:
    if not response.prepared:  # a streamed answer has sent its headers already
        secure(request, response)


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """nosniff, no framing, same-origin referrers and a fitting CSP on every answer
    (errors raised as HTTP exceptions too)."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        _secure_unsent(request, exc)
        raise
    _secure_unsent(request, response)
    return response
