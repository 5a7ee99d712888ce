"""Human-friendly ticket numbers: ``20261121-0042``, the 42nd ticket of that local day.

The per-day counter row is bumped with one ``INSERT … ON CONFLICT DO UPDATE … RETURNING``
statement, which PostgreSQL and SQLite both execute atomically: two workers filing at the
same instant get different numbers without any application-side locking. The bump commits
in its own short transaction so the counter row is not held locked while a ticket is being
written; a filing that fails afterwards leaves a gap in the day's numbers, never a duplicate.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.tickets.clock import to_local
from bot.tickets.models import TicketCounter


def day_key(now_utc: datetime) -> str:
    """The China-local calendar day a ticket is numbered in (a report at 01:00 local on
    the 22nd is a ticket of the 22nd, although it is still the 21st in UTC)."""
    return to_local(now_utc).strftime("%Y%m%d")


def format_number(day: str, sequence: int) -> str:
    return f"{day}-{sequence:04d}"


async def allocate_number(
    session_factory: async_sessionmaker[AsyncSession], now_utc: datetime
) -> str:
    day = day_key(now_utc)
    async with session_factory() as session:
        dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        connection = await session.connection()
        if dialect == "postgresql":
            # Safe without waiting for the disk: the ticket that uses this number commits
            # later and durably, and WAL is flushed in order, so a ticket that survives a
            # crash implies its counter bump did. Saves one fsync per filing.
            await connection.execute(text("SET LOCAL synchronous_commit = off"))
        statement = (
            insert(TicketCounter)
            .values(day=day, last=1)
            .on_conflict_do_update(
                index_elements=["day"], set_={"last": col(TicketCounter.last) + 1}
            )
            .returning(col(TicketCounter.last))
        )
        result = await connection.execute(statement)
        sequence = int(result.scalar_one())
        await session.commit()
    return format_number(day, sequence)
