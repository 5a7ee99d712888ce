"""Staff inboxes on the console: notices for units and departments without a chat channel.

A notice addressed to ``unit:<code>`` or ``dept:<code>`` on the ``console`` channel is kept
in the outbox table itself; "delivering" it only marks it delivered (the console shows it
from there). Register :class:`ConsoleInbox` in the output registry so such notices are
delivered rather than dead-lettered, and list them with :func:`staff_inbox`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.messages import OutboundMessage
from bot.ports import OutputChannel
from bot.tickets.models import OutboxMessage, Ticket
from bot.tickets.outbox import Audience
from bot.tickets.routing import CONSOLE_CHANNEL


class ConsoleInbox(OutputChannel):
    """The console's output side: the notice is already stored, nothing else to send."""

    name = CONSOLE_CHANNEL

    async def send(self, message: OutboundMessage) -> None:
        return None


@dataclass(frozen=True, slots=True)
class StaffNotice:
    id: int
    created_at: datetime
    recipient_id: str
    ticket_number: str | None
    text: str
    status: str


async def staff_inbox(
    session_factory: async_sessionmaker[AsyncSession],
    recipient_ids: list[str],
    *,
    limit: int = 100,
) -> list[StaffNotice]:
    """Notices for these recipients (``unit:<code>``, ``dept:<code>`` or people's channel
    ids), newest first, with the ticket number they concern."""
    async with session_factory() as session:
        rows = await session.exec(
            select(OutboxMessage, Ticket.number)
            .join(Ticket, col(Ticket.id) == OutboxMessage.ticket_id, isouter=True)
            .where(
                OutboxMessage.audience == Audience.STAFF,
                col(OutboxMessage.recipient_id).in_(recipient_ids),
            )
            .order_by(col(OutboxMessage.id).desc())
            .limit(limit)
        )
        return [
            StaffNotice(m.id or 0, m.created_at, m.recipient_id, number, m.text, m.status)
            for m, number in rows
        ]
