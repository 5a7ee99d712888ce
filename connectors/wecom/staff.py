"""Who writes to the app: a WeCom userid is a person of the address registry (their
``wecom`` channel binding, ``minsheng addresses bind-channel PERSON wecom USERID``), and that
person's active console account (``person_code``) gives the role and scope.

The same binding routes staff notices to this userid (:mod:`bot.tickets.routing`), so one
binding makes a grid worker both hear of and act on the tickets of their area. Read from the
database on each message, not the address book's snapshot: a binding or a disabled account
takes effect at once.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.addresses.models import PersonChannel
from bot.staff import StaffIdentity
from bot.staff.models import StaffAccount

CHANNEL = "wecom"


async def staff_for_userid(
    sessions: async_sessionmaker[AsyncSession], user_id: str
) -> StaffIdentity | None:
    """The active staff account bound to this WeCom userid, or None."""
    async with sessions() as session:
        person = (
            await session.exec(
                select(PersonChannel.person_code).where(
                    PersonChannel.channel == CHANNEL, PersonChannel.user_id == user_id
                )
            )
        ).first()
        if person is None:
            return None
        account = (
            await session.exec(
                select(StaffAccount)
                .where(StaffAccount.person_code == person, col(StaffAccount.active).is_(True))
                .order_by(col(StaffAccount.id))
                .limit(1)
            )
        ).first()
        return StaffIdentity.of(account) if account is not None else None
