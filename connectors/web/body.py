"""Reading a REST channel body into the neutral :class:`~bot.messages.InboundMessage`.

Everything a caller sends is checked here, field by field, so a bad request is refused with
the name of the field that is wrong (:class:`BadField`) and nothing reaches the dialogue:
wrong types are never coerced (``"mentioned": "false"`` is not true, ``"sender": true`` is
not the sender ``"True"``), attachments must point at our own uploads or an http(s) address,
text loses other control characters (:mod:`connectors.text`, shared by every connector),
and a NUL or lone surrogate, which no keyboard types and no database stores, refuses the
field that holds it.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from bot.messages import Attachment, ChatType, InboundMessage, Location, MediaKind
from connectors.text import clean_text, has_unstorable, without_mentions

MAX_TEXT_CHARS = 2000
MAX_ID_CHARS = 128
MAX_PHONE_CHARS = 32
MAX_ATTACHMENTS = 9
MAX_URL_CHARS = 500
# A REST body is a short chat message with a little metadata; anything bigger is not one.
MAX_BODY_BYTES = 64 * 1024
# Nesting deeper than this is no chat message either (and deep nesting costs recursion).
MAX_JSON_DEPTH = 8

UPLOAD_PREFIX = "/uploads/"
SAFE_UPLOAD_NAME = re.compile(r"^[0-9a-f]{32}\.[a-z0-9]{2,5}$")
_HTTP_URL = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)
# What an upload's extension says it is (connectors.web.media names stored files this way).
UPLOAD_KINDS: dict[str, MediaKind] = {
    "jpg": MediaKind.IMAGE, "png": MediaKind.IMAGE, "gif": MediaKind.IMAGE,
    "webp": MediaKind.IMAGE, "heic": MediaKind.IMAGE,
    "mp4": MediaKind.VIDEO, "webm": MediaKind.VIDEO,
    "amr": MediaKind.VOICE, "ogg": MediaKind.VOICE, "wav": MediaKind.VOICE,
    "mp3": MediaKind.VOICE, "m4a": MediaKind.VOICE, "weba": MediaKind.VOICE,
}
CHANNEL = "web"


class BadField(ValueError):
    """One field of the body is missing or wrong; ``field`` names it (``metadata.location``)."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


class BodyTooDeep(ValueError):
    """The JSON nests deeper than any chat message does."""


def loads(raw: bytes) -> Any:
    """Parse a body; ValueError (or BodyTooDeep) for anything that is not sane JSON."""
    text = raw.decode("utf-8")  # UnicodeDecodeError is a ValueError
    depth = deepest = 0
    in_string = escaped = False
    # Count nesting before parsing: json.loads recurses once per level, and a body of
    # 100 000 brackets would end in RecursionError, not a clear answer.
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_JSON_DEPTH:
                raise BodyTooDeep("too deep")
        elif char in "]}":
            depth -= 1
    return json.loads(text)


def _identifier(value: Any, field: str, *, limit: int = MAX_ID_CHARS) -> str | None:
    """An id-like string (an integer is fine, as Rasa clients send both); None if absent."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise BadField(field)
    text = str(value)
    if len(text) > limit or clean_text(text) != text:
        raise BadField(field)
    return text


def _flag(value: Any, field: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise BadField(field)
    return value


def _location(value: Any) -> Location | None:
    field = "metadata.location"
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadField(field)
    try:
        raw_lat, raw_lng = value["lat"], value["lng"]
    except KeyError:
        raise BadField(field) from None
    if any(isinstance(v, bool) or not isinstance(v, int | float) for v in (raw_lat, raw_lng)):
        raise BadField(field)
    lat, lng = float(raw_lat), float(raw_lng)
    if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180):
        raise BadField(field)
    label = value.get("label")
    if label is not None and not isinstance(label, str):
        raise BadField(field)
    return Location(lat=lat, lng=lng, label=clean_text(label)[:200] or None if label else None)


def upload_name(url: str) -> str | None:
    """The stored file name of one of our uploads, or None for another address."""
    if not url.startswith(UPLOAD_PREFIX):
        return None
    return url[len(UPLOAD_PREFIX):]


def _attachment(item: Any, field: str) -> Attachment:
    if not isinstance(item, dict):
        raise BadField(field)
    try:
        kind = MediaKind(str(item.get("kind")))
    except ValueError:
        raise BadField(field) from None
    url = item.get("url")
    if not isinstance(url, str) or not url or len(url) > MAX_URL_CHARS or clean_text(url) != url:
        # clean_text: a NUL or surrogate in a stored address broke every later 确认.
        raise BadField(field)
    name = upload_name(url)
    if name is not None:
        # Our own upload: the name must be one we give, and say the kind it claims.
        if not SAFE_UPLOAD_NAME.match(name):
            raise BadField(field)
        if UPLOAD_KINDS.get(name.rsplit(".", 1)[-1]) is not kind and kind is not MediaKind.FILE:
            raise BadField(field)
    elif not _HTTP_URL.match(url):
        raise BadField(field)  # javascript:, data:, relative paths ...
    content_type = item.get("content_type")
    if content_type is not None and (
        not isinstance(content_type, str)
        or len(content_type) > 100
        or clean_text(content_type) != content_type
    ):
        raise BadField(field)
    recognized = item.get("recognized_text")
    if recognized is not None and not isinstance(recognized, str):
        raise BadField(field)
    return Attachment(
        kind=kind,
        url=url,
        content_type=content_type,
        recognized_text=clean_text(recognized)[:MAX_TEXT_CHARS] or None if recognized else None,
    )


def _attachments(value: Any) -> tuple[Attachment, ...]:
    field = "metadata.attachments"
    if value is None or value == []:
        return ()
    if not isinstance(value, list) or len(value) > MAX_ATTACHMENTS:
        raise BadField(field)
    return tuple(_attachment(item, field) for item in value)


def inbound_from_rest(body: Any, *, channel: str = CHANNEL) -> InboundMessage:
    """Validate a REST channel body and map it to the neutral message.

    Raises:
        BadField: the body is not an object, or one field is missing or wrong (``body``
            when the body as a whole is wrong, ``message`` when there is nothing to answer).
    """
    if not isinstance(body, dict):
        raise BadField("body")
    sender = _identifier(body.get("sender"), "sender")
    if sender is None:
        raise BadField("sender")
    text = body.get("message")
    if text is None:
        text = ""
    if not isinstance(text, str) or has_unstorable(text):
        raise BadField("message")
    metadata = body.get("metadata")
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise BadField("metadata")
    try:
        chat_type = ChatType(metadata.get("chat_type") or "private")
    except ValueError:
        raise BadField("metadata.chat_type") from None
    group_id = _identifier(metadata.get("group_id"), "metadata.group_id")
    if chat_type is ChatType.GROUP and group_id is None:
        raise BadField("metadata.group_id")
    text = clean_text(text)
    if chat_type is ChatType.GROUP:
        text = without_mentions(text)
    message = InboundMessage(
        channel=channel,
        sender_id=sender,
        text=text,
        message_id=_identifier(metadata.get("message_id"), "metadata.message_id"),
        chat_type=chat_type,
        group_id=group_id,
        mentioned=_flag(metadata.get("mentioned"), "metadata.mentioned"),
        scene=_identifier(metadata.get("scene"), "metadata.scene"),
        phone=_identifier(metadata.get("phone"), "metadata.phone", limit=MAX_PHONE_CHARS),
        location=_location(metadata.get("location")),
        attachments=_attachments(metadata.get("attachments")),
    )
    if not (message.text or message.attachments or message.location or message.scene):
        raise BadField("message")
    return message
