"""The intake API's key check and error shape, shared by every ``/intake/v1/...`` route.

Errors are JSON ``{"error": {"code": ..., "message": ...}}`` with a Chinese message: the
people reading them maintain the partner system and read Chinese.
"""

from __future__ import annotations

import json

from aiohttp import web

from bot.intake import texts
from bot.intake.sources import SourceRegistry, SourceView

INTAKE_SOURCES: web.AppKey[SourceRegistry] = web.AppKey("intake_sources")


def error_response(status: int, code: str, message: str | None = None) -> web.Response:
    body = {"error": {"code": code, "message": message or texts.ERRORS.get(code, code)}}
    return web.json_response(body, status=status, dumps=lambda v: json.dumps(v, ensure_ascii=False))


def api_key_of(request: web.Request) -> str | None:
    """``Authorization: Bearer <key>`` or ``X-Api-Key: <key>``."""
    auth = request.headers.get("Authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip() or None
    return request.headers.get("X-Api-Key", "").strip() or None


class SourceRejected(Exception):
    """Raised by :func:`require_source`; ``response`` is the answer to send."""

    def __init__(self, response: web.Response) -> None:
        super().__init__(response.status)
        self.response = response


async def require_source(request: web.Request, kind: str) -> SourceView:
    """The source the request's API key belongs to, allowed to send ``kind``.

    Raises :class:`SourceRejected` with a 401 (no or bad key) or 403 (wrong kind).
    """
    key = api_key_of(request)
    if key is None:
        raise SourceRejected(error_response(401, "missing_api_key"))
    source = await request.app[INTAKE_SOURCES].authenticate(key)
    if source is None:
        raise SourceRejected(error_response(401, "bad_api_key"))
    if source.kind != kind:
        raise SourceRejected(error_response(403, "wrong_kind"))
    return source
