"""Rasa-compatible REST channel and the chat page's helpers (uploads, pushes).

``POST /webhooks/rest/webhook`` takes ``{"sender", "message", "metadata"}`` and answers a JSON
list of ``{"recipient_id", "text", "buttons"?, "image"?}``, exactly like Rasa's REST channel,
so existing Rasa clients work unchanged. Metadata keys are mapped to the neutral fields of
:class:`~bot.messages.InboundMessage` (see DESIGN.md).

Handlers reach the core only through the :class:`~bot.gateway.Gateway` under the app key
given to :func:`setup_routes`; evidence goes through the gateway's media store.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from bot.gateway import Gateway
from bot.media import MediaStore, content_type_of
from bot.messages import InboundMessage, outbound_to_dict
from connectors.errors import dumps, error_response
from connectors.errors import json_error as _json_error
from connectors.web import texts
from connectors.web.body import (
    CHANNEL,
    MAX_BODY_BYTES,
    MAX_ID_CHARS,
    MAX_TEXT_CHARS,
    SAFE_UPLOAD_NAME,
    BadField,
    BodyTooDeep,
    inbound_from_rest,
    loads,
    upload_name,
)
from connectors.web.media import SNIFF_BYTES, sniff

if TYPE_CHECKING:
    from connectors.web.inbox import WebInbox

log = logging.getLogger(__name__)

# Inbox ids are 64-bit database integers; a cursor outside them is no cursor.
MAX_INBOX_ID = 2**63 - 1

__all__ = ["CHANNEL", "inbound_from_rest", "setup_routes"]


def json_error(status: int, code: str, **fmt: Any) -> web.Response:
    return _json_error(status, code, texts.ERRORS[code].format(**fmt))


def field_error(field: str, *, code: str = "bad_field") -> web.Response:
    """400 naming the wrong field and what it should be, so a client developer can fix it."""
    message = texts.ERRORS[code].format(field=field, expected=texts.FIELD_RULES[field])
    return _json_error(400, code, message, field=field)


async def read_body(request: web.Request) -> bytes | None:
    """The raw body, or None when it is bigger than any chat message (chunked or not).

    Also read by the callback channel, which takes the same body."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return None
    data = bytearray()
    while chunk := await request.content.read(16 * 1024):
        data.extend(chunk)
        if len(data) > MAX_BODY_BYTES:
            return None
    return bytes(data)


async def _missing_uploads(message: InboundMessage, media: MediaStore) -> bool:
    """An attachment names one of our uploads that was never stored (a bogus address)."""
    for attachment in message.attachments:
        key = upload_name(attachment.url)
        if key is not None and not await media.exists(key):
            return True
    return False


async def _read_file_part(request: web.Request, limit: int) -> bytearray | None:
    """The ``file`` part's bytes (stopping just past ``limit``), or None without one."""
    reader = await request.multipart()
    part = await reader.next()
    while part is not None and getattr(part, "name", None) != "file":
        part = await reader.next()
    if not isinstance(part, BodyPartReader):
        return None
    data = bytearray()
    while chunk := await part.read_chunk(64 * 1024):
        data.extend(chunk)
        if len(data) > limit:
            break
    return data


class _Handlers:
    """The REST routes, bound to the gateway's app key and the channel's inbox."""

    def __init__(
        self, gateway_key: web.AppKey[Gateway], inbox: Callable[[], WebInbox | None]
    ) -> None:
        self._key = gateway_key
        self._inbox = inbox

    async def webhook(self, request: web.Request) -> web.Response:
        raw = await read_body(request)
        if raw is None:
            return json_error(413, "body_too_large", limit_kb=MAX_BODY_BYTES // 1024)
        try:
            body = loads(raw)
        except BodyTooDeep:
            return json_error(400, "bad_json_depth")
        except ValueError:  # also UnicodeDecodeError and json.JSONDecodeError
            return json_error(400, "bad_json")
        if (
            isinstance(body, dict)
            and isinstance(body.get("message"), str)
            and len(body["message"]) > MAX_TEXT_CHARS
        ):
            return json_error(413, "message_too_long", limit=MAX_TEXT_CHARS)
        try:
            message = inbound_from_rest(body)
        except BadField as exc:
            log.info("rejected REST message: bad field %s", exc.field)
            return field_error(exc.field)
        gateway = request.app[self._key]
        if await _missing_uploads(message, gateway.media):
            log.info("rejected REST message: attachment names no stored upload")
            return field_error("metadata.attachments", code="unknown_upload")
        try:
            replies = await gateway.receive(message)
        except Exception as exc:
            # A bug must still get a clear answer (JSON, in Chinese) rather than aiohttp's
            # plain-text page; the message id is not marked answered, so a retry is handled.
            return error_response(exc, context="REST message from the web channel")
        return web.json_response([outbound_to_dict(reply) for reply in replies], dumps=dumps)

    async def inbox(self, request: web.Request) -> web.Response:
        """Pushes (status changes, secretary answers) for a web resident, newer than ``after``."""
        sender = request.query.get("sender", "")
        try:
            after = int(request.query.get("after", "0"))
        except ValueError:
            return field_error("after")
        if not 0 <= after <= MAX_INBOX_ID:
            # Beyond a BIGINT the database fails (a 500 on PostgreSQL, OverflowError on SQLite).
            return field_error("after")
        if not sender or len(sender) > MAX_ID_CHARS:
            return field_error("sender")
        inbox = self._inbox()
        messages = await inbox.fetch(sender, after=after) if inbox is not None else []
        return web.json_response(messages, dumps=dumps)

    async def upload(self, request: web.Request) -> web.Response:
        """Store one photo, video or voice file; answer its URL for the next message."""
        gateway = request.app[self._key]
        limit = gateway.settings.upload_max_bytes
        limit_mb = round(limit / 1024 / 1024, 1)
        if request.content_length is not None and request.content_length > limit + 64 * 1024:
            return json_error(413, "too_large", limit_mb=limit_mb)
        if not request.content_type.startswith("multipart/"):
            return json_error(400, "no_file")
        try:
            data = await _read_file_part(request, limit)
        except (ValueError, AssertionError, HttpProcessingError) as exc:
            # aiohttp's multipart reader raises these on a body that is not multipart
            # (no boundary, no headers end, no closing boundary).
            log.info("rejected upload: malformed multipart body (%s)", type(exc).__name__)
            return json_error(400, "bad_request")
        if data is None:
            return json_error(400, "no_file")
        if len(data) > limit:
            return json_error(413, "too_large", limit_mb=limit_mb)
        if not data:
            return json_error(400, "no_file")
        sniffed = sniff(bytes(data[:SNIFF_BYTES]))
        if sniffed is None:
            return json_error(415, "unsupported_media")
        stored = await gateway.media.save(bytes(data), sniffed.kind, sniffed.content_type)
        return web.json_response(
            {
                "url": stored.url,
                "kind": stored.kind.value,
                "content_type": stored.content_type,
                "size": stored.size,
            },
            status=201,
        )

    async def uploaded_file(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        data = None
        if SAFE_UPLOAD_NAME.match(name):
            data = await request.app[self._key].media.open(name)
        if data is None:
            return json_error(404, "not_found")
        return web.Response(body=data, content_type=content_type_of(name))


def setup_routes(
    app: web.Application,
    gateway_key: web.AppKey[Gateway],
    inbox: Callable[[], WebInbox | None],
) -> None:
    """The webhook, the page's inbox and upload routes; ``inbox`` gives the channel's
    output side once the connector has started."""
    handlers = _Handlers(gateway_key, inbox)
    app.router.add_post("/webhooks/rest/webhook", handlers.webhook)
    app.router.add_get("/webhooks/rest/inbox", handlers.inbox)
    app.router.add_post("/webhooks/rest/upload", handlers.upload)
    app.router.add_get("/uploads/{name}", handlers.uploaded_file)
