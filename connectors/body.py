"""Reading a webhook's body with a cap, for every connector.

A platform's callback is small; a body bigger than the cap is refused before it is held in
memory whole, whether the client announced its length or sent it chunked.
"""

from __future__ import annotations

from aiohttp import web

__all__ = ["read_capped"]

_CHUNK = 16 * 1024


async def read_capped(request: web.Request, max_bytes: int) -> bytes | None:
    """The raw body, or None when it is longer than ``max_bytes``."""
    if request.content_length is not None and request.content_length > max_bytes:
        return None
    data = bytearray()
    while chunk := await request.content.read(_CHUNK):
        data.extend(chunk)
        if len(data) > max_bytes:
            return None
    return bytes(data)
