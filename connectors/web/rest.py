"""Rasa-compatible REST channel and the chat page's helpers (uploads, pushes).

``POST /webhooks/rest/webhook`` takes ``{"sender", "message", "metadata"}`` and answers a JSON
list of ``{"recipient_id", "text", "buttons"?, "image"?}``, exactly like Rasa's REST channel,
so existing Rasa clients work unchanged. Metadata keys are mapped to the neutral fields of
:class:`~bot.messages.InboundMessage` (see DESIGN.md).
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from pathlib import Path
from typing import Any

from aiohttp import BodyPartReader, web

from bot.appkeys import RUNTIME
from bot.messages import (
    Attachment,
    ChatType,
    InboundMessage,
    Location,
    MediaKind,
    outbound_to_dict,
)
from bot.state import LockTimeout
from connectors.web import texts
from connectors.web.media import sniff

log = logging.getLogger(__name__)

CHANNEL = "web"
MAX_TEXT_CHARS = 2000
MAX_ID_CHARS = 128
_SAFE_NAME = re.compile(r"^[0-9a-f]{32}\.[a-z0-9]{2,5}$")


def _dumps(value: Any) -> str:
    # Readable Chinese in responses and logs; JSON clients decode either form.
    return json.dumps(value, ensure_ascii=False)


def json_error(status: int, code: str, **fmt: Any) -> web.Response:
    message = texts.ERRORS[code].format(**fmt)
    return web.json_response(
        {"error": {"code": code, "message": message}}, status=status, dumps=_dumps
    )


def _optional_str(value: Any, limit: int = MAX_ID_CHARS) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str | int) or len(str(value)) > limit:
        raise ValueError("bad string field")
    return str(value)


def _location(value: Any) -> Location | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError("location must be an object")
    lat, lng = float(value["lat"]), float(value["lng"])
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise ValueError("location out of range")
    label = value.get("label")
    return Location(lat=lat, lng=lng, label=str(label)[:200] if label else None)


def _attachments(value: Any) -> tuple[Attachment, ...]:
    if not value:
        return ()
    if not isinstance(value, list) or len(value) > 9:
        raise ValueError("attachments must be a list of at most 9 items")
    result = []
    for item in value:
        kind = MediaKind(item["kind"])
        url = str(item["url"])
        if len(url) > 500:
            raise ValueError("attachment url too long")
        recognized = item.get("recognized_text")
        result.append(
            Attachment(
                kind=kind,
                url=url,
                content_type=item.get("content_type"),
                recognized_text=str(recognized)[:MAX_TEXT_CHARS] if recognized else None,
            )
        )
    return tuple(result)


def inbound_from_rest(body: Any, *, channel: str = CHANNEL) -> InboundMessage:
    """Validate a REST channel body and map it to the neutral message; ValueError if bad."""
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    sender = _optional_str(body.get("sender"))
    if sender is None:
        raise ValueError("sender is required")
    text = body.get("message", "")
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise ValueError("message must be a string")
    metadata = body.get("metadata")
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise ValueError("metadata must be an object")
    chat_type = ChatType(metadata.get("chat_type", "private"))
    return InboundMessage(
        channel=channel,
        sender_id=sender,
        text=text.strip(),
        message_id=_optional_str(metadata.get("message_id")),
        chat_type=chat_type,
        group_id=_optional_str(metadata.get("group_id")),
        mentioned=bool(metadata.get("mentioned", False)),
        scene=_optional_str(metadata.get("scene")),
        phone=_optional_str(metadata.get("phone"), limit=32),
        location=_location(metadata.get("location")),
        attachments=_attachments(metadata.get("attachments")),
    )


async def rest_webhook(request: web.Request) -> web.Response:
    try:
        body = await request.json(loads=json.loads)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return json_error(400, "bad_json")
    if (
        isinstance(body, dict)
        and isinstance(body.get("message"), str)
        and len(body["message"]) > MAX_TEXT_CHARS
    ):
        return json_error(413, "message_too_long", limit=MAX_TEXT_CHARS)
    try:
        message = inbound_from_rest(body)
    except (ValueError, KeyError, TypeError) as exc:
        log.info("rejected REST message: %s", exc)
        return json_error(400, "bad_request")
    if not message.text and not message.attachments and not message.location and not message.scene:
        return json_error(400, "bad_request")
    try:
        replies = await request.app[RUNTIME].engine.handle(message)
    except LockTimeout:
        return json_error(503, "busy")
    return web.json_response([outbound_to_dict(reply) for reply in replies], dumps=_dumps)


async def inbox(request: web.Request) -> web.Response:
    """Pushes (status changes, secretary answers) for a web resident, newer than ``after``."""
    try:
        sender = _optional_str(request.query.get("sender"))
        after = int(request.query.get("after", "0"))
    except ValueError:
        return json_error(400, "bad_request")
    if sender is None:
        return json_error(400, "bad_request")
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
    if not _SAFE_NAME.match(name) or not path.is_file():
        return json_error(404, "not_found")
    return web.FileResponse(path)


def setup_routes(app: web.Application) -> None:
    app.router.add_post("/webhooks/rest/webhook", rest_webhook)
    app.router.add_get("/webhooks/rest/inbox", inbox)
    app.router.add_post("/webhooks/rest/upload", upload)
    app.router.add_get("/uploads/{name}", uploaded_file)
