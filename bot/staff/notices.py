"""The staff notice feed: the one way anything learns of notices meant for staff.

Writing: every staff notice (a new or urgent ticket, a red high-frequency incident, an
escalation, an overdue ticket, an urging, ...) is written by ``bot.tickets._ops.notify_staff``
as staff outbox rows, one per recipient, tagged with its ``kind``, in the transaction of the
change it announces. The dispatcher delivers the rows addressed to a person's WeCom,
WeChat or Telegram id through that channel's registered output — a connector "subscribes"
to personal notices by registering its output, nothing more.

Reading: :func:`notices_for` answers "what should this staff member know about", scoped the
way every console query is (:func:`bot.staff.scope.ticket_filter`): the notices about
tickets in their scope, whoever they were addressed to, plus those addressed to them
personally (their channel ids) or to their unit's console inbox. One notice sent to three
handlers is listed once. The console's notices page and its live alerts read it; a
connector that serves a whole unit (a street office's Telegram group) polls it the same way
with an ``after_id`` cursor.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final

from sqlalchemy import and_, func, or_
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.staff.scope import Scope, ticket_filter
from bot.tickets.models import OutboxMessage, Ticket
from bot.tickets.outbox import Audience

#: Notices that interrupt the console (a live alert), not only listed.
ALERT_KINDS: Final = frozenset({"red", "urgent", "escalated", "overdue"})
#: Kinds the feed knows; rows written before kinds were stored read as "other".
KINDS: Final = (
    "red", "urgent", "new", "escalated", "overdue", "urged", "reopened", "transferred",
    "dispatched", "info_received",
)
_FETCH_FACTOR: Final = 4  # rows per wanted notice: one notice is a row per recipient


@dataclass(frozen=True, slots=True)
class Notice:
    """One notice as staff read it (the newest row of its recipients)."""

    id: int
    created_at: datetime
    kind: str
    ticket_number: str | None
    text: str


def personal_ids(scope: Scope, channel_ids: Sequence[str] = ()) -> list[str]:
    """The recipient ids a staff member reads besides their scope: their unit's console
    inbox (``unit:<code>``, ``dept:<code>``) and their own channel ids."""
    ids: list[str] = []
    if scope.code:
        prefix = "dept" if scope.level.value == "department" else "unit"
        ids.append(f"{prefix}:{scope.code}")
    ids += [i for i in channel_ids if i]
    return ids


async def notices_for(
    sessions: async_sessionmaker[AsyncSession],
    scope: Scope,
    recipient_ids: Collection[str] = (),
    *,
    after_id: int = 0,
    kinds: Collection[str] | None = None,
    limit: int = 100,
) -> list[Notice]:
    """Notices for a staff member of ``scope`` who also reads ``recipient_ids`` (see
    :func:`personal_ids`): newest first, or — with ``after_id`` — only newer ones, oldest
    first (a cursor for live feeds)."""
    audience = [col(OutboxMessage.audience) == Audience.STAFF]
    reach = [and_(col(OutboxMessage.ticket_id).is_not(None), ticket_filter(scope))]
    if recipient_ids:
        reach.append(col(OutboxMessage.recipient_id).in_(list(recipient_ids)))
    query = (
        select(OutboxMessage, Ticket.number)
        .join(Ticket, col(Ticket.id) == col(OutboxMessage.ticket_id), isouter=True)
        .where(*audience, or_(*reach))
    )
    if kinds is not None:
        query = query.where(col(OutboxMessage.kind).in_(list(kinds)))
    if after_id:
        query = query.where(col(OutboxMessage.id) > after_id).order_by(col(OutboxMessage.id))
    else:
        query = query.order_by(col(OutboxMessage.id).desc())
    async with sessions() as session:
        rows = (await session.exec(query.limit(limit * _FETCH_FACTOR))).all()
    # One notice is a row per recipient, written together: keep one per notice, with the
    # highest id of its rows (a cursor past it skips the rest of its rows too).
    groups: dict[tuple[object, ...], Notice] = {}
    for row, number in rows:
        key = (row.ticket_id, row.kind, row.created_at, row.text)
        known = groups.get(key)
        row_id = row.id or 0
        if known is None:
            if len(groups) >= limit:
                continue
            groups[key] = Notice(row_id, row.created_at, row.kind or "other", number, row.text)
        elif row_id > known.id:
            groups[key] = replace(known, id=row_id)
    return list(groups.values())


async def latest_notice_id(sessions: async_sessionmaker[AsyncSession]) -> int:
    """Where a live notice feed starts (nothing older is alerted)."""
    async with sessions() as session:
        value = (await session.exec(select(func.max(OutboxMessage.id)))).one()
        return int(value or 0)
