"""The output side: replies, status pushes, console answers and staff notices.

A message goes to the resident's private chat (``recipient_id``, the Telegram user id,
which is their private chat's id) or to a group (``group_id``, the chat id). Staff notices
(``custom["audience"] == "staff"``) of a ticket in a community or street that has a staff
group (``MINSHENG_TELEGRAM_STAFF_GROUPS``, community first) go to that group once, however
many of its members the notice was addressed to.
"""

from __future__ import annotations

import hashlib
import logging

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot
from telegram.error import BadRequest, Forbidden, InvalidToken, TelegramError

from bot.messages import OutboundMessage
from bot.ports import DeliveryError, OutputChannel
from bot.state import StateStore
from bot.tickets.models import Ticket
from connectors.telegram.inbound import CHANNEL
from connectors.telegram.keyboards import markup

log = logging.getLogger(__name__)

__all__ = ["TelegramOutput", "split_text"]

#: Telegram takes at most 4096 characters of text per message.
MAX_TEXT_CHARS = 4096


def split_text(text: str) -> list[str]:
    """``text`` in pieces Telegram takes, cut at a line break where possible."""
    pieces: list[str] = []
    rest = text
    while len(rest) > MAX_TEXT_CHARS:
        cut = rest[:MAX_TEXT_CHARS]
        at = cut.rfind("\n")
        if at > MAX_TEXT_CHARS // 2:
            cut = cut[:at]
        pieces.append(cut.rstrip())
        rest = rest[len(cut):].lstrip("\n")
    if rest:
        pieces.append(rest)
    return pieces


class TelegramOutput(OutputChannel):
    name = CHANNEL

    def __init__(
        self,
        bot: Bot,
        sessions: async_sessionmaker[AsyncSession],
        store: StateStore,
        *,
        staff_groups: dict[str, str],
        public_url: str,
        ttl: float,
    ) -> None:
        self.bot = bot
        self._sessions = sessions
        self._store = store
        self._staff_groups = dict(staff_groups)
        self._public_url = public_url.rstrip("/")
        self._ttl = ttl

    async def send(self, message: OutboundMessage) -> None:
        chat_id = message.group_id or message.recipient_id
        claimed: str | None = None
        if message.custom.get("audience") == "staff" and self._staff_groups:
            group = await self._staff_group(message.custom.get("ticket_id"))
            if group is not None:
                claimed = self._group_key(group, message)
                if not await self._store.add_if_absent(claimed, ttl=self._ttl):
                    return  # another member's copy of this notice went to the group
                chat_id = group
        try:
            await self._send(chat_id, message)
        except BaseException:
            if claimed is not None:
                await self._store.delete(claimed)  # the retry must reach the group
            raise

    async def _send(self, chat_id: str, message: OutboundMessage) -> None:
        try:
            await self._post(chat_id, message)
        except Forbidden as exc:
            # The resident blocked the bot, or never opened a private chat with it.
            raise DeliveryError(f"Telegram refused: {exc.message}", permanent=True) from exc
        except (BadRequest, InvalidToken) as exc:
            raise DeliveryError(f"Telegram bad request: {exc.message}", permanent=True) from exc
        except TelegramError as exc:  # network, time-outs, RetryAfter: the outbox retries
            raise DeliveryError(f"Telegram unavailable: {type(exc).__name__}") from exc

    async def _post(self, chat_id: str, message: OutboundMessage) -> None:
        lines = [message.text] if message.text else []
        if message.link and message.link not in message.text:
            lines.append(message.link)
        text = "\n".join(lines)
        keyboard = markup(message)
        if text or keyboard is not None:
            pieces = split_text(text) or [" "]
            for piece in pieces[:-1]:
                await self.bot.send_message(chat_id, piece)
            await self.bot.send_message(chat_id, pieces[-1], reply_markup=keyboard)
        if message.image:
            image = message.image
            if image.startswith("/"):
                image = f"{self._public_url}{image}"
            await self.bot.send_photo(chat_id, image)

    async def _staff_group(self, ticket_id: object) -> str | None:
        if not isinstance(ticket_id, int):
            return None
        async with self._sessions() as session:
            row = (
                await session.exec(
                    select(Ticket.community_code, Ticket.street_code).where(Ticket.id == ticket_id)
                )
            ).first()
        if row is None:
            return None
        for code in row:
            if code and code in self._staff_groups:
                return self._staff_groups[code]
        return None

    @staticmethod
    def _group_key(group: str, message: OutboundMessage) -> str:
        digest = hashlib.sha256(message.text.encode("utf-8")).hexdigest()[:32]
        return f"staff-group:{group}:{message.custom.get('ticket_id')}:{digest}"
