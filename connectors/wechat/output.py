"""The output side: customer-service messages, template messages past the 48-hour window,
and announcements to micro-grid groups.

WeChat lets an Official Account write to a resident for 48 hours after the resident's last
message (customer-service API). A status change may come later: WeChat then answers 45015,
and the push goes out as a template message with the ticket's number and status instead
(``MINSHENG_WECHAT_STATUS_TEMPLATE_ID``). A message for a group (``group_id``, a grid code)
goes to that grid's group robot.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.messages import OutboundMessage
from bot.ports import DeliveryError, OutputChannel
from bot.tickets.models import Ticket
from bot.tickets.texts import status_label
from connectors.wechat import texts
from connectors.wechat.api import WeChatApi, WeChatApiError
from connectors.wechat.groups import GroupRobots
from connectors.wechat.inbound import CHANNEL

log = logging.getLogger(__name__)

__all__ = ["WeChatOutput", "fits", "plain_text", "split_text"]

#: WeChat takes at most 2048 bytes of text in a passive reply or a customer-service message.
MAX_TEXT_BYTES = 2048
#: Errors no retry can fix: the resident unfollowed (43004), or the openid is not ours.
PERMANENT_ERRORS = frozenset({40003, 43004, 40013})
CHINA = timedelta(hours=8)


def plain_text(replies: list[OutboundMessage]) -> str:
    """Several replies as one WeChat text (a passive reply is one message): buttons as
    numbered lines (the resident answers with the number), images and links as lines."""
    parts = []
    for reply in replies:
        lines = [reply.as_plain_text()] if reply.text or reply.buttons else []
        lines += [extra for extra in (reply.image, reply.link) if extra and extra not in reply.text]
        if lines:
            parts.append("\n".join(lines))
    return "\n\n".join(parts)


def fits(text: str) -> bool:
    return len(text.encode("utf-8")) <= MAX_TEXT_BYTES


def split_text(text: str) -> list[str]:
    """``text`` in pieces WeChat takes, cut between paragraphs or lines where possible."""
    pieces: list[str] = []
    rest = text
    while not fits(rest):
        cut = rest.encode("utf-8")[:MAX_TEXT_BYTES].decode("utf-8", "ignore")
        for mark in ("\n\n", "\n"):
            at = cut.rfind(mark)
            if at > len(cut) // 2:
                cut = cut[:at]
                break
        pieces.append(cut.rstrip())
        rest = rest[len(cut):].lstrip("\n")
    if rest:
        pieces.append(rest)
    return pieces


class WeChatOutput(OutputChannel):
    name = CHANNEL

    def __init__(
        self,
        api: WeChatApi,
        sessions: async_sessionmaker[AsyncSession],
        *,
        template_id: str,
        groups: GroupRobots,
        public_url: str,
    ) -> None:
        self.api = api
        self._sessions = sessions
        self._template_id = template_id
        self.groups = groups
        self._public_url = public_url.rstrip("/")

    async def send(self, message: OutboundMessage) -> None:
        if message.group_id:
            await self.groups.announce(message.group_id, message.as_plain_text())
            return
        text = plain_text([message])
        if not text:
            return
        try:
            for piece in split_text(text):
                await self.api.send_text(message.recipient_id, piece)
        except WeChatApiError as exc:
            if exc.outside_window:
                await self._send_template(message, exc)
                return
            raise DeliveryError(
                f"customer-service message failed: {exc}",
                permanent=exc.errcode in PERMANENT_ERRORS,
            ) from exc

    async def _send_template(self, message: OutboundMessage, cause: WeChatApiError) -> None:
        ticket_id = message.custom.get("ticket_id")
        if not self._template_id or not isinstance(ticket_id, int):
            # A conversation reply has no ticket to summarise; WeChat will not take it now.
            raise DeliveryError(
                f"outside the 48-hour window ({cause.errcode}) and no template applies",
                permanent=True,
            ) from cause
        async with self._sessions() as session:
            row = (
                await session.exec(
                    select(Ticket.number, Ticket.status).where(Ticket.id == ticket_id)
                )
            ).first()
        if row is None:
            raise DeliveryError(f"ticket {ticket_id} is gone", permanent=True) from cause
        number, status = row
        now = datetime.now(UTC) + CHINA
        data = {
            "first": {"value": texts.TEMPLATE_FIRST},
            "keyword1": {"value": number},
            "keyword2": {"value": status_label(status)},
            "keyword3": {"value": now.strftime("%Y-%m-%d %H:%M")},
            "remark": {"value": message.text[: texts.TEMPLATE_REMARK_LIMIT]},
        }
        try:
            await self.api.send_template(message.recipient_id, self._template_id, data)
        except WeChatApiError as exc:
            raise DeliveryError(
                f"template message failed: {exc}", permanent=exc.errcode in PERMANENT_ERRORS
            ) from exc
        log.info("status of ticket %s pushed as a template (outside the 48-hour window)", number)
