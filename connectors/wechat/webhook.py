"""``/webhooks/wechat``: the Official Account's callback URL.

``GET`` is WeChat's URL verification (answer ``echostr`` when the signature is ours);
``POST`` carries one message or event, in plaintext or safe mode (``encrypt_type=aes``).
Every request is checked before anything else is done with it, and a refused one changes
nothing: 403 for a bad signature, 400 for XML that is malformed or declares a DTD, 413 for
a body bigger than any WeChat message.

A message is answered passively (in the HTTP response) when the dialogue is done within
``MINSHENG_WECHAT_PASSIVE_SECONDS``; otherwise WeChat gets "success" at once and the replies
follow as customer-service messages through the outbox (:meth:`Gateway.receive_within`).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from aiohttp import web

from bot.errors import ConfigError, SignatureError
from bot.gateway import LATE_FAILURE_TEXT, Gateway, finish_or_cancel
from bot.messages import Attachment, InboundMessage, OutboundMessage
from connectors.body import read_capped
from connectors.errors import error_response, json_error
from connectors.web.media import sniff
from connectors.wechat import texts
from connectors.wechat.api import MediaTooLarge, MediaUnavailable, WeChatApi
from connectors.wechat.dedupe import ANSWERED, Claims
from connectors.wechat.inbound import CHANNEL, Action, BadMessage, MediaRef, classify
from connectors.wechat.output import fits, plain_text
from connectors.wechat.signing import BadEncryption, Signer
from connectors.wechat.xml import BadXml, ForbiddenXml, parse_flat, render_text_reply

if TYPE_CHECKING:
    from bot.media import StoredMedia

log = logging.getLogger(__name__)

__all__ = ["MAX_BODY_BYTES", "WeChatWebhook"]

#: WeChat's messages are a few kilobytes (safe mode adds base64); more is not WeChat.
MAX_BODY_BYTES = 64 * 1024
SUCCESS = "success"


class MediaRefused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _error(status: int, code: str, **fmt: object) -> web.Response:
    return json_error(status, code, texts.ERRORS[code].format(**fmt))



class WeChatWebhook:
    """The callback's handlers for one Official Account."""

    def __init__(
        self,
        gateway_key: web.AppKey[Gateway],
        signer: Signer,
        *,
        passive_seconds: float,
    ) -> None:
        self._key = gateway_key
        self.signer = signer
        self.passive_seconds = passive_seconds
        # Set when the connector starts (they need the running loop and the settings).
        self.api: WeChatApi | None = None
        self.claims: Claims | None = None
        self._late: set[asyncio.Task[None]] = set()

    # -- GET: URL verification -------------------------------------------------------------

    async def verify(self, request: web.Request) -> web.Response:
        query = request.query
        if not all(query.get(name) for name in ("signature", "timestamp", "nonce")):
            return _error(403, "missing_params")
        try:
            self.signer.check(query)
        except SignatureError:
            log.warning("WeChat URL verification with a bad signature refused")
            return _error(403, "bad_signature")
        return web.Response(text=query.get("echostr", ""), content_type="text/plain")

    # -- POST: messages and events ---------------------------------------------------------

    async def receive(self, request: web.Request) -> web.Response:
        query = request.query
        raw = await read_capped(request, MAX_BODY_BYTES)
        if raw is None:
            log.info("WeChat callback refused: body over %s bytes", MAX_BODY_BYTES)
            return _error(413, "body_too_large", limit_kb=MAX_BODY_BYTES // 1024)
        if not all(query.get(name) for name in ("signature", "timestamp", "nonce")):
            return _error(403, "missing_params")
        encrypted = query.get("encrypt_type", "raw").lower() == "aes"
        try:
            self.signer.check(query)
            inner = self.signer.decrypt(raw, query) if encrypted else raw
            action = classify(parse_flat(inner))
        except SignatureError:
            log.warning("WeChat callback with a bad signature refused")
            return _error(403, "bad_signature")
        except ConfigError:
            return _error(400, "no_aes_key")
        except BadEncryption:
            log.warning("WeChat safe-mode callback that does not decrypt refused")
            return _error(400, "bad_encryption")
        except ForbiddenXml:
            log.warning("WeChat callback declaring a DTD or entities refused")
            return _error(400, "forbidden_xml")
        except (BadXml, BadMessage) as exc:
            log.info("WeChat callback with malformed XML refused (%s)", exc)
            return _error(400, "bad_xml")
        return await self._answer(request.app[self._key], action, encrypted)

    async def _answer(self, gateway: Gateway, action: Action, encrypted: bool) -> web.Response:
        assert self.claims is not None, "the connector has not started"
        key = f"{action.account}:{action.dedupe_key}"
        previous = await self.claims.claim(key)
        if previous is not None:
            # The key of an event holds the openid: log the outcome only.
            log.info("WeChat retry of a delivery answered before (%s)", previous.state)
            if previous.state == ANSWERED and previous.text:
                return self._passive(action, previous.text, encrypted)
            return web.Response(text=SUCCESS)
        try:
            if action.reply is not None:
                replies: list[OutboundMessage] | None = [
                    OutboundMessage(recipient_id=action.openid, text=action.reply)
                ]
            elif action.message is not None:
                replies = await self._run(gateway, action, action.message)
            else:
                replies = []
        except Exception as exc:
            await self.claims.release(key)
            return error_response(exc, context="WeChat message")
        if replies is None:
            await self.claims.late(key)
            return web.Response(text=SUCCESS)
        text = plain_text(replies)
        if not fits(text):
            # Too long for a passive reply: customer-service messages, in pieces.
            await self.claims.late(key)
            await gateway.queue(_origin(action), replies)
            return web.Response(text=SUCCESS)
        if not await self.claims.answered(key, text):
            # A retry came while we worked: this answer may go nowhere, so it goes through
            # the customer-service API (once; the retry answered "success").
            await gateway.queue(_origin(action), replies)
            return web.Response(text=SUCCESS)
        if not text:
            return web.Response(text=SUCCESS)
        return self._passive(action, text, encrypted)

    def _passive(self, action: Action, text: str, encrypted: bool) -> web.Response:
        body = render_text_reply(action.openid, action.account, text)
        if encrypted:
            body = self.signer.encrypt(body)
        return web.Response(text=body, content_type="application/xml")

    async def _run(
        self, gateway: Gateway, action: Action, message: InboundMessage
    ) -> list[OutboundMessage] | None:
        """The replies if all is done within the passive window, else None (they follow)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.passive_seconds
        prepare = asyncio.create_task(self._prepare(gateway, action, message))
        done, _ = await asyncio.wait({prepare}, timeout=self.passive_seconds)
        if not done:
            self._later(gateway, action, prepare)
            return None
        ready, notes = prepare.result()
        if ready is None:
            return notes
        replies = await gateway.receive_within(ready, max(deadline - loop.time(), 0.05))
        if replies is None:
            if notes:
                await gateway.queue(ready, notes)
            return None
        return notes + replies

    def _later(
        self,
        gateway: Gateway,
        action: Action,
        prepare: asyncio.Task[tuple[InboundMessage | None, list[OutboundMessage]]],
    ) -> None:
        async def finish() -> None:
            origin = _origin(action)
            try:
                ready, notes = await prepare
                replies = notes + (await gateway.receive(ready) if ready is not None else [])
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("a late WeChat message failed")
                replies = [OutboundMessage(recipient_id=action.openid, text=LATE_FAILURE_TEXT)]
            await gateway.queue(origin, replies)

        task = asyncio.create_task(finish(), name="wechat-late")
        self._late.add(task)
        task.add_done_callback(self._late.discard)

    # -- media -----------------------------------------------------------------------------

    async def _prepare(
        self, gateway: Gateway, action: Action, message: InboundMessage
    ) -> tuple[InboundMessage | None, list[OutboundMessage]]:
        """The message with its media stored as evidence, and notes on media refused.
        None instead of the message when nothing is left to say."""
        attachments: list[Attachment] = []
        notes: list[OutboundMessage] = []
        text = message.text
        for ref in action.media:
            try:
                stored = await self._fetch(gateway, ref)
            except MediaRefused as refused:
                log.info("WeChat %s not kept: %s", ref.kind.value, refused.reason)
                notes.append(OutboundMessage(
                    recipient_id=action.openid,
                    text=texts.MEDIA_REFUSED.format(
                        kind=texts.MEDIA_KINDS[ref.kind.value],
                        reason=texts.MEDIA_REASONS[refused.reason],
                    ),
                ))
                if ref.recognition and not text:
                    text = ref.recognition  # the words survive even if the audio did not
                continue
            attachments.append(Attachment(
                kind=ref.kind, url=stored.url, content_type=stored.content_type,
                size=stored.size, recognized_text=ref.recognition,
            ))
        ready = replace(message, text=text, attachments=tuple(attachments))
        if action.media and not attachments and not text:
            return None, notes
        return ready, notes

    async def _fetch(self, gateway: Gateway, ref: MediaRef) -> StoredMedia:
        assert self.api is not None, "the connector has not started"
        limit = gateway.settings.upload_max_bytes
        try:
            downloaded = await self.api.download_media(ref.media_id, limit)
        except MediaTooLarge as exc:
            raise MediaRefused("too_large") from exc
        except MediaUnavailable as exc:
            raise MediaRefused("unavailable") from exc
        sniffed = sniff(downloaded.data[:64])
        # The bytes decide the type, never the declared one; a "voice" that is a picture
        # is refused rather than filed as what it claims.
        if sniffed is None or sniffed.kind is not ref.kind:
            raise MediaRefused("unsupported")
        return await gateway.media.save(downloaded.data, sniffed.kind, sniffed.content_type)

    async def aclose(self, grace: float = 10.0) -> None:
        await finish_or_cancel(self._late, grace)


def _origin(action: Action) -> InboundMessage:
    """Who late replies go to (the gateway's queue needs the channel and the sender)."""
    return InboundMessage(channel=CHANNEL, sender_id=action.openid)
