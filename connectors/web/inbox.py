"""Pushes for web residents: kept in the database until the chat page fetches them.

A web page cannot be called back, so the web channel's output side writes each push to
``web_inbox`` and the page polls for rows newer than the last one it has shown. Rows
survive a restart, so a status change is never lost between two visits.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.messages import OutboundMessage, outbound_to_dict
from bot.ports import OutputChannel


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class WebInboxMessage(SQLModel, table=True):
    __tablename__ = "web_inbox"

    id: int | None = Field(default=None, primary_key=True)
    recipient_id: str = Field(max_length=128, index=True)
    payload: str
    created_at: datetime = Field(default_factory=_utcnow)


class WebInbox(OutputChannel):
    """Output side of the web channel."""

    name = "web"

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = session_factory

    async def send(self, message: OutboundMessage) -> None:
        async with self._sessions() as session:
            session.add(
                WebInboxMessage(
                    recipient_id=message.recipient_id,
                    payload=json.dumps(outbound_to_dict(message), ensure_ascii=False),
                )
            )
            await session.commit()

    async def fetch(
        self, recipient_id: str, *, after: int = 0, limit: int = 50
    ) -> list[dict[str, Any]]:
        """Messages for ``recipient_id`` with an id above ``after``, oldest first."""
        async with self._sessions() as session:
            rows = await session.exec(
                select(WebInboxMessage)
                .where(WebInboxMessage.recipient_id == recipient_id)
                .where(col(WebInboxMessage.id) > after)
                .order_by(col(WebInboxMessage.id))
                .limit(limit)
            )
            return [{"id": row.id, **json.loads(row.payload)} for row in rows]
