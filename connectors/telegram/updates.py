"""One update, from the webhook or from long polling, through the gateway and back.

The update is claimed first (:mod:`.claims`): a second delivery of the same ``update_id``
changes nothing. A tapped inline button is answered (answerCallbackQuery) at once, so the
resident's client stops its spinner. Media are fetched with getFile, checked for size and by
their bytes, and kept in the evidence store; the replies are sent straight away, and any the
Bot API does not take now go through the outbox (which retries).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from telegram import Bot, Update
from telegram.error import TelegramError

from bot.messages import Attachment, InboundMessage, MediaKind, OutboundMessage
from bot.ports import DeliveryError
from connectors.telegram import texts
from connectors.telegram.claims import Claims
from connectors.telegram.inbound import CHANNEL, Action, Me, MediaRef, classify
from connectors.telegram.output import TelegramOutput
from connectors.web.media import SNIFF_BYTES, sniff

if TYPE_CHECKING:
    from bot.gateway import Gateway
    from bot.media import StoredMedia

log = logging.getLogger(__name__)

__all__ = ["UpdateHandler"]


class MediaRefused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UpdateHandler:
    def __init__(
        self, bot: Bot, claims: Claims, output: TelegramOutput, gateway: Gateway
    ) -> None:
        self.bot = bot
        self._me: Me | None = None
        self.claims = claims
        self.output = output
        self.gateway = gateway

    async def handle(self, update: Update) -> None:
        """Handle ``update`` once; an error leaves it unclaimed (for Telegram's retry)."""
        if not await self.claims.claim(update.update_id):
            log.info("Telegram update %s delivered again: nothing to do", update.update_id)
            return
        try:
            limit = self.gateway.settings.upload_max_bytes
            action = classify(update, await self.me(), media_limit=limit)
            if action.callback_id is not None:
                await self._answer_callback(action.callback_id)
            replies = await self._replies(action)
        except BaseException:
            await self.claims.release(update.update_id)
            raise
        await self.claims.done(update.update_id)
        await self._deliver(action, replies)

    async def _answer_callback(self, callback_id: str) -> None:
        """Stop the client's spinner. A query Telegram no longer takes (too old, say) must
        not keep the tap itself from being handled."""
        try:
            await self.bot.answer_callback_query(callback_id)
        except TelegramError as exc:
            log.info("answerCallbackQuery refused (%s); the tap is handled all the same",
                     type(exc).__name__)

    async def me(self) -> Me:
        """The bot's own id and username (getMe, once): mentions are recognised by them."""
        if self._me is None:
            found = await self.bot.get_me()
            self._me = Me(found.id, found.username or "")
        return self._me

    async def _replies(self, action: Action) -> list[OutboundMessage]:
        if action.reply is not None:
            return [OutboundMessage(recipient_id=action.chat_id, text=action.reply)]
        if action.message is None:
            return []
        ready, notes = await self._prepare(action, action.message)
        if ready is None:
            return notes
        return notes + await self.gateway.receive(ready)

    async def _deliver(self, action: Action, replies: list[OutboundMessage]) -> None:
        for index, reply in enumerate(replies):
            try:
                await self.output.send(reply)
            except DeliveryError as exc:
                if exc.permanent:
                    log.info("a Telegram reply was refused for good (%s)", exc)
                    continue
                # The dialogue has moved on: what the Bot API does not take now, the
                # outbox delivers (and retries).
                sender = action.message.sender_id if action.message else action.chat_id
                origin = InboundMessage(channel=CHANNEL, sender_id=sender)
                await self.gateway.queue(origin, replies[index:])
                return

    # -- media -----------------------------------------------------------------------------

    async def _prepare(
        self, action: Action, message: InboundMessage
    ) -> tuple[InboundMessage | None, list[OutboundMessage]]:
        """The message with its media stored as evidence, and notes on media refused. None
        instead of the message when nothing is left to say."""
        attachments: list[Attachment] = []
        notes: list[OutboundMessage] = []
        for ref in action.media:
            try:
                stored = await self._fetch(ref)
            except MediaRefused as refused:
                kind = (ref.kind or MediaKind.FILE).value
                log.info("Telegram %s not kept: %s", kind, refused.reason)
                notes.append(OutboundMessage(
                    recipient_id=message.sender_id,
                    group_id=message.group_id,
                    text=texts.MEDIA_REFUSED.format(
                        kind=texts.MEDIA_KINDS[kind], reason=texts.MEDIA_REASONS[refused.reason]
                    ),
                ))
                continue
            attachments.append(Attachment(
                kind=stored.kind, url=stored.url, content_type=stored.content_type,
                size=stored.size,
            ))
        if action.media and not attachments and not message.text and not message.location:
            return None, notes
        return replace(message, attachments=tuple(attachments)), notes

    async def _fetch(self, ref: MediaRef) -> StoredMedia:
        limit = self.gateway.settings.upload_max_bytes
        if ref.file_size is not None and ref.file_size > limit:
            raise MediaRefused("too_large")
        try:
            file = await self.bot.get_file(ref.file_id)
            if file.file_size is not None and file.file_size > limit:
                raise MediaRefused("too_large")
            data = bytes(await file.download_as_bytearray())
        except TelegramError as exc:
            raise MediaRefused("unavailable") from exc
        if len(data) > limit:
            raise MediaRefused("too_large")
        sniffed = sniff(data[:SNIFF_BYTES])
        # The bytes decide the type, never the declared one; a "voice" that is a picture is
        # refused rather than filed as what it claims. A document is what its bytes are.
        if sniffed is None or (ref.kind is not None and sniffed.kind is not ref.kind):
            raise MediaRefused("unsupported")
        return await self.gateway.media.save(data, sniffed.kind, sniffed.content_type)
