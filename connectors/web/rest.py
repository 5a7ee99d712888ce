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
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from bot.errors import RateLimited
from bot.gateway import Gateway
from bot.media import content_type_of
from bot.messages import CLIENT_KEY, InboundMessage, outbound_to_dict
from bot.ratelimit import client_ip
from bot.uploads import UploadQuotaExceeded
from connectors.body import read_capped
from connectors.errors import dumps, error_response
from connectors.errors import json_error as _json_error
from connectors.text import clean_text
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
from connectors.web.session import SENDER_PREFIX, BadSession, Session, WebSessions

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
    return await read_capped(request, MAX_BODY_BYTES)


async def _foreign_uploads(message: InboundMessage, gateway: Gateway) -> bool:
    """An attachment names one of our uploads that this sender did not upload (someone
    else's, or one never stored)."""
    for attachment in message.attachments:
        if upload_name(attachment.url) is not None and not await gateway.uploads.owned_by(
            attachment.url, message.channel, message.sender_id
        ):
            return True
    return False


def _with_client(message: InboundMessage, request: web.Request, gateway: Gateway) -> InboundMessage:
    """The message with the hashed client address in its metadata (clusters count one
    client once); the raw address goes nowhere."""
    address = client_ip(request, gateway.settings.trusted_proxies)
    metadata = {**message.metadata, CLIENT_KEY: gateway.client_key("ip", address)}
    return replace(message, metadata=metadata)


async def _read_file_part(request: web.Request, limit: int) -> tuple[bytearray, str] | None:
    """The ``file`` part's bytes (stopping just past ``limit``) and a ``sender`` field sent
    before it (Rasa-style clients without a session), or None without a file."""
    reader = await request.multipart()
    sender = ""
    part = await reader.next()
    while part is not None and getattr(part, "name", None) != "file":
        if isinstance(part, BodyPartReader) and part.name == "sender":
            sender = (await part.read_chunk(MAX_ID_CHARS + 1)).decode("utf-8", "replace")
        part = await reader.next()
    if not isinstance(part, BodyPartReader):
        return None
    data = bytearray()
    while chunk := await part.read_chunk(64 * 1024):
        data.extend(chunk)
        if len(data) > limit:
            break
    return data, sender


class _Handlers:
    """The REST routes, bound to the gateway's app key and the channel's inbox."""

    def __init__(
        self,
        gateway_key: web.AppKey[Gateway],
        inbox: Callable[[], WebInbox | None],
        sessions: Callable[[], WebSessions | None],
    ) -> None:
        self._key = gateway_key
        self._inbox = inbox
        self._sessions = sessions

    def _session(self, request: web.Request) -> Session | None:
        """The request's verified session, None without one.

        Raises:
            BadSession: the token is forged, altered or expired.
        """
        sessions = self._sessions()
        return sessions.from_request(request) if sessions is not None else None

    def _identify(self, request: web.Request, claimed: Any) -> Session | None | web.Response:
        """Who is speaking: the request's session; None when it has none and may use the
        bare sender it ``claimed`` (checked by the caller); a refusal to answer otherwise
        (forged token, sessions required, or a session sender claimed without its token)."""
        try:
            session = self._session(request)
        except BadSession as exc:
            log.info("refused a web session token (%s)", exc)
            return json_error(401, "bad_session")
        if session is not None:
            return session
        if request.app[self._key].settings.web_require_session:
            return json_error(401, "session_required")
        if isinstance(claimed, str) and claimed.startswith(SENDER_PREFIX):
            # A page resident's id without their token: someone guessing or copying it.
            log.info("refused a session sender claimed without its token")
            return json_error(401, "bad_session")
        return None

    async def session(self, request: web.Request) -> web.Response:
        """A new session for a client that is not the chat page (the page gets its cookie
        with the page): ``{"token", "sender"}``, the token also set as the cookie."""
        sessions = self._sessions()
        if sessions is None:
            return json_error(503, "not_ready")
        session = sessions.issue()
        response = web.json_response({"token": session.token, "sender": session.sender})
        secure = request.app[self._key].settings.public_url.startswith("https://")
        sessions.set_cookie(response, session, secure=secure)
        return response

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
        identity = self._identify(request, body.get("sender") if isinstance(body, dict) else None)
        if isinstance(identity, web.Response):
            return identity
        if identity is not None and isinstance(body, dict):
            body = {**body, "sender": identity.sender}  # the session speaks, not the body
        try:
            message = inbound_from_rest(body)
        except BadField as exc:
            log.info("rejected REST message: bad field %s", exc.field)
            return field_error(exc.field)
        gateway = request.app[self._key]
        message = _with_client(message, request, gateway)
        if await _foreign_uploads(message, gateway):
            log.info("rejected REST message: attachment names no upload of this sender")
            return field_error("metadata.attachments", code="unknown_upload")
        try:
            replies = await gateway.receive(message, polite_limit=False)
        except Exception as exc:
            # A bug must still get a clear answer (JSON, in Chinese) rather than aiohttp's
            # plain-text page; the message id is not marked answered, so a retry is handled.
            return error_response(exc, context="REST message from the web channel")
        return web.json_response([outbound_to_dict(reply) for reply in replies], dumps=dumps)

    async def inbox(self, request: web.Request) -> web.Response:
        """Pushes (status changes, secretary answers) for a web resident, newer than ``after``.

        The resident is named by their session (cookie or header), never in the URL: a
        query string lands in every access log. A bare ``?sender=`` is still read for Rasa
        clients without sessions, unless sessions are required.
        """
        identity = self._identify(request, request.query.get("sender", ""))
        if isinstance(identity, web.Response):
            return identity
        sender = identity.sender if identity is not None else request.query.get("sender", "")
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
        """Store one photo, video or voice file owned by the sender (session, or the
        ``sender`` form field / query of a client without one); answer its URL for the
        sender's next message."""
        gateway = request.app[self._key]
        identity = self._identify(request, request.query.get("sender", ""))
        if isinstance(identity, web.Response):
            return identity
        limit = gateway.settings.upload_max_bytes
        limit_mb = round(limit / 1024 / 1024, 1)
        if request.content_length is not None and request.content_length > limit + 64 * 1024:
            return json_error(413, "too_large", limit_mb=limit_mb)
        if not request.content_type.startswith("multipart/"):
            return json_error(400, "no_file")
        try:
            upload = await _read_file_part(request, limit)
        except (ValueError, AssertionError, HttpProcessingError) as exc:
            # aiohttp's multipart reader raises these on a body that is not multipart
            # (no boundary, no headers end, no closing boundary).
            log.info("rejected upload: malformed multipart body (%s)", type(exc).__name__)
            return json_error(400, "bad_request")
        if upload is None:
            return json_error(400, "no_file")
        data, form_sender = upload
        if len(data) > limit:
            return json_error(413, "too_large", limit_mb=limit_mb)
        if not data:
            return json_error(400, "no_file")
        sniffed = sniff(bytes(data[:SNIFF_BYTES]))
        if sniffed is None:
            return json_error(415, "unsupported_media")
        # Tied to its sender: only they may attach it (checked when a message names it).
        if identity is not None:
            owner = identity.sender
        else:
            owner = request.query.get("sender", "") or form_sender
            if (
                not owner
                or len(owner) > MAX_ID_CHARS
                or clean_text(owner) != owner
                or owner.startswith(SENDER_PREFIX)  # a page resident's id without its token
            ):
                return field_error("sender")
        try:
            await gateway.limiter.check("upload", f"{CHANNEL}\0{owner}")
        except RateLimited as exc:
            return error_response(exc)
        try:
            stored = await gateway.uploads.save(
                CHANNEL, owner, bytes(data), sniffed.kind, sniffed.content_type
            )
        except UploadQuotaExceeded as exc:
            return json_error(429, "upload_quota", limit=exc.limit)
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
    sessions: Callable[[], WebSessions | None] = lambda: None,
) -> None:
    """The webhook, the page's session, inbox and upload routes; ``inbox`` and
    ``sessions`` give the channel's output side and session signer once it has started."""
    handlers = _Handlers(gateway_key, inbox, sessions)
    app.router.add_post("/webhooks/rest/webhook", handlers.webhook)
    app.router.add_post("/webhooks/rest/session", handlers.session)
    app.router.add_get("/webhooks/rest/inbox", handlers.inbox)
    app.router.add_post("/webhooks/rest/upload", handlers.upload)
    app.router.add_get("/uploads/{name}", handlers.uploaded_file)
