"""The transactional outbox: pushes are rows written with the change they announce.

A status change and its push commit together or not at all, so a crash can neither lose an
announcement nor announce a change that did not happen. The :mod:`dispatcher` delivers the
rows later; this module writes them and answers the console's questions about them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.messages import Button
from bot.tickets.models import OutboxMessage


class OutboxStatus:
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"


class Audience:
    RESIDENT = "resident"
    STAFF = "staff"


def add_message(
    session: AsyncSession,
    *,
    channel: str,
    recipient_id: str,
    text: str,
    now: datetime,
    audience: str = Audience.RESIDENT,
    ticket_id: int | None = None,
    buttons: Sequence[Button] = (),
    group_id: str | None = None,
    kind: str | None = None,
) -> OutboxMessage:
    """Queue one push in the caller's transaction (it is sent only if that commits)."""
    row = OutboxMessage(
        created_at=now,
        ticket_id=ticket_id,
        audience=audience,
        kind=kind,
        channel=channel,
        recipient_id=recipient_id,
        group_id=group_id,
        text=text,
        buttons=json.dumps([[b.title, b.payload] for b in buttons], ensure_ascii=False)
        if buttons
        else None,
        next_attempt_at=now,
    )
    session.add(row)
    return row


def decode_buttons(raw: str | None) -> tuple[Button, ...]:
    if not raw:
        return ()
    return tuple(Button(title, payload) for title, payload in json.loads(raw))


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """An undeliverable push, for staff to follow up by other means (phone, visit)."""

    id: int
    created_at: datetime
    ticket_id: int | None
    audience: str
    channel: str
    recipient_id: str
    text: str
    attempts: int
    last_error: str | None


async def dead_letters(
    session_factory: async_sessionmaker[AsyncSession], *, limit: int = 100
) -> list[DeadLetter]:
    """Messages the dispatcher gave up on, newest first (the console lists these)."""
    async with session_factory() as session:
        rows = await session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.DEAD)
            .order_by(col(OutboxMessage.id).desc())
            .limit(limit)
        )
        return [
            DeadLetter(
                r.id or 0,
                r.created_at,
                r.ticket_id,
                r.audience,
                r.channel,
                r.recipient_id,
                r.text,
                r.attempts,
                r.last_error,
            )
            for r in rows
        ]


async def requeue(
    session_factory: async_sessionmaker[AsyncSession], ids: Iterable[int], now: datetime
) -> int:
    """Give dead letters another round (after staff fixed a channel); returns how many."""
    from sqlalchemy import update

    wanted = list(ids)
    if not wanted:
        return 0
    async with session_factory() as session:
        result = await session.exec(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id).in_(wanted), col(OutboxMessage.status) == OutboxStatus.DEAD
            )
            .values(status=OutboxStatus.PENDING, attempts=0, next_attempt_at=now, last_error=None)
        )
        await session.commit()
        return result.rowcount or 0


async def counts_by_status(session_factory: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """How many pushes are pending, in flight, sent and dead (for the dashboard)."""
    async with session_factory() as session:
        rows = await session.exec(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        )
        return {status: count for status, count in rows}
