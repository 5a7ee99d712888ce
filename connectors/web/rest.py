"""Rasa-compatible REST channel and the chat page's helpers (uploads, pushes).

``POST /webhooks/rest/webhook`` takes ``{"sender", "message", "metadata"}`` and answers a JSON
list of ``{"recipient_id", "text", "buttons"?, "image"?}``, exactly like Rasa's REST channel,
so existing Rasa clients work unchanged. Metadata keys are mapped to the neutral fields of
:class:`~bot.messages.InboundMessage` (see DESIGN.md).
"""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path
from typing import Any

from aiohttp import BodyPartReader, web

from bot.appkeys import RUNTIME
from bot.messages import InboundMessage, outbound_to_dict
from bot.state import LockTimeout
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
from connectors.web.media import sniff

log = logging.getLogger(__name__)

__all__ = ["CHANNEL", "inbound_from_rest", "setup_routes"]


def _dumps(value: Any) -> str:
    # Readable Chinese in responses and logs; JSON clients decode either form.
    return json.dumps(value, ensure_ascii=False)


def json_error(status: int, code: str, **fmt: Any) -> web.Response:
    message = texts.ERRORS[code].format(**fmt)
    return web.json_response(
        {"error": {"code": code, "message": message}}, status=status, dumps=_dumps
    )


def field_error(field: str, *, code: str = "bad_field") -> web.Response:
    """400 naming the wrong field and what it should be, so a client developer can fix it."""
    message = texts.ERRORS[code].format(field=field, expected=texts.FIELD_RULES[field])
    return web.json_response(
        {"error": {"code": code, "field": field, "message": message}}, status=400, dumps=_dumps
    )


async def _read_body(request: web.Request) -> bytes | None:
    """The raw body, or None when it is bigger than any chat message (chunked or not)."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return None
    data = bytearray()
    while chunk := await request.content.read(16 * 1024):
        data.extend(chunk)
        if len(data) > MAX_BODY_BYTES:
            return None
    return bytes(data)


def _missing_uploads(message: InboundMessage, upload_dir: Path) -> bool:
    """An attachment names one of our uploads that was never stored (a bogus address)."""
    for attachment in message.attachments:
        name = upload_name(attachment.url)
        if name is not None and not (upload_dir / name).is_file():
            return True
    return False


async def rest_webhook(request: web.Request) -> web.Response:
    raw = await _read_body(request)
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
    runtime = request.app[RUNTIME]
    if _missing_uploads(message, runtime.settings.upload_dir):
        log.info("rejected REST message: attachment names no stored upload")
        return field_error("metadata.attachments", code="unknown_upload")
    try:
        replies = await runtime.engine.handle(message)
    except LockTimeout:
        return json_error(503, "busy")
    except Exception:
        # A bug must still get a clear answer (JSON, in Chinese) rather than aiohttp's
        # plain-text page; the message id is not marked answered, so a retry is handled.
        log.exception("REST message from the web channel could not be handled")
        return json_error(500, "internal_error")
    return web.json_response([outbound_to_dict(reply) for reply in replies], dumps=_dumps)


async def inbox(request: web.Request) -> web.Response:
    """Pushes (status changes, secretary answers) for a web resident, newer than ``after``."""
    sender = request.query.get("sender", "")
    try:
        after = int(request.query.get("after", "0"))
    except ValueError:
        return field_error("after")
    if not sender or len(sender) > MAX_ID_CHARS:
        return field_error("sender")
    messages = await request.app[RUNTIME].web_inbox.fetch(sender, after=after)
    return web.json_response(messages, dumps=_dumps)


async def upload(request: web.Request) -> web.Response:
    """Store one photo, video or voice file; answer its URL for the next message's metadata."""
    runtime = request.app[RUNTIME]
    limit = runtime.settings.upload_max_bytes
    limit_mb = round(limit / 1024 / 1024, 1)
    if request.content_length is not None and request.content_length > limit + 64 * 1024:
        return json_error(413, "too_large", limit_mb=limit_mb)
    if not request.content_type.startswith("multipart/"):
        return json_error(400, "no_file")
    reader = await request.multipart()
    part = await reader.next()
    while part is not None and getattr(part, "name", None) != "file":
        part = await reader.next()
    if not isinstance(part, BodyPartReader):
        return json_error(400, "no_file")
    data = bytearray()
    while chunk := await part.read_chunk(64 * 1024):
        data.extend(chunk)
        if len(data) > limit:
            return json_error(413, "too_large", limit_mb=limit_mb)
    if not data:
        return json_error(400, "no_file")
    sniffed = sniff(bytes(data[:64]))
    if sniffed is None:
        return json_error(415, "unsupported_media")
    folder: Path = runtime.settings.upload_dir
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}.{sniffed.extension}"
    (folder / name).write_bytes(bytes(data))
    return web.json_response(
        {
            "url": f"/uploads/{name}",
            "kind": sniffed.kind.value,
            "content_type": sniffed.content_type,
            "size": len(data),
        },
        status=201,
    )


async def uploaded_file(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    path = request.app[RUNTIME].settings.upload_dir / name
    if not SAFE_UPLOAD_NAME.match(name) or not path.is_file():
        return json_error(404, "not_found")
    return web.FileResponse(path)


def setup_routes(app: web.Application) -> None:
    app.router.add_post("/webhooks/rest/webhook", rest_webhook)
    app.router.add_get("/webhooks/rest/inbox", inbox)
    app.router.add_post("/webhooks/rest/upload", upload)
    app.router.add_get("/uploads/{name}", uploaded_file)
