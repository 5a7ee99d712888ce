"""Residents' uploads: who stored which file, a daily quota, and the clean-up of unused ones.

Every file a resident uploads (through any connector) is stored with :class:`Uploads`, which
records its owner — the (channel, sender) that uploaded it — in the ``upload`` table. Only
that sender may attach it to a message (:meth:`Uploads.owned_by`); each sender may upload
``upload_max_per_sender_per_day`` files per China-time day; and a file that no ticket took
as evidence within ``upload_unused_hours`` is deleted from the store by the
``upload_cleanup`` job (:func:`upload_jobs`, run by the scheduler like every periodic job);
files a handoff transcript names are kept (a person may still be looking at them).
Files staff attach (the console's photos) do not pass through here and are never cleaned.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import MinshengError
from bot.handoff.models import Handoff
from bot.media import UPLOAD_PREFIX, MediaStore, StoredMedia, key_from_url
from bot.messages import MediaKind
from bot.tickets.clock import LOCAL_TZ, Clock, to_local, to_utc, utcnow
from bot.tickets.models import TicketEvidence
from bot.tickets.scheduler import Job

__all__ = ["Upload", "UploadQuotaExceeded", "Uploads", "upload_jobs"]

log = logging.getLogger(__name__)

BATCH = 500


class UploadQuotaExceeded(MinshengError):
    """The sender uploaded their day's quota already."""

    code = "upload_quota"

    def __init__(self, limit: int) -> None:
        super().__init__(f"daily upload quota of {limit} reached")
        self.limit = limit


class Upload(SQLModel, table=True):
    """One stored upload and the resident who sent it."""

    __tablename__ = "upload"

    key: str = Field(primary_key=True, max_length=64)
    channel: str = Field(max_length=32)
    owner: str = Field(max_length=128)
    size: int = 0
    created_at: datetime = Field(default_factory=utcnow, index=True)


class Uploads:
    """Stores residents' files with their owner; quota and clean-up."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        media: MediaStore,
        *,
        per_day: int = 50,
        unused_after: timedelta = timedelta(hours=24),
        clock: Clock = utcnow,
    ) -> None:
        self._sessions = sessions
        self.media = media
        self.per_day = per_day
        self.unused_after = unused_after
        self._clock = clock

    async def used_today(self, channel: str, owner: str) -> int:
        local = to_local(self._clock())
        midnight = to_utc(local.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=LOCAL_TZ))
        async with self._sessions() as session:
            result = await session.exec(
                select(func.count()).select_from(Upload).where(
                    Upload.channel == channel,
                    Upload.owner == owner,
                    col(Upload.created_at) >= midnight,
                )
            )
            return int(result.one())

    async def save(
        self, channel: str, owner: str, data: bytes, kind: MediaKind, content_type: str
    ) -> StoredMedia:
        """Store a resident's file under a new key, owned by (``channel``, ``owner``).

        Raises:
            UploadQuotaExceeded: the sender's uploads today reached the quota.
            ValueError: a content type the store refuses.
        """
        # Counted before storing: two uploads racing at the limit may both pass, which
        # costs one file, not the quota's point (a few, not thousands, per sender).
        if await self.used_today(channel, owner) >= self.per_day:
            raise UploadQuotaExceeded(self.per_day)
        stored = await self.media.save(data, kind, content_type)
        async with self._sessions() as session:
            session.add(
                Upload(
                    key=stored.key,
                    channel=channel,
                    owner=owner,
                    size=stored.size,
                    created_at=self._clock(),
                )
            )
            await session.commit()
        return stored

    async def owned_by(self, url: str, channel: str, owner: str) -> bool:
        """``url`` names an upload of this sender that is still stored."""
        key = key_from_url(url)
        if key is None:
            return False
        async with self._sessions() as session:
            row = await session.get(Upload, key)
        if row is None or (row.channel, row.owner) != (channel, owner):
            return False
        return await self.media.exists(key)

    async def purge_unused(self, now: datetime, *, batch: int = BATCH) -> int:
        """Delete uploads older than ``unused_after`` that no ticket holds as evidence and
        no handoff transcript names; their rows go either way (the day-old upload is no
        longer attachable). Returns the number of files deleted."""
        cutoff = now - self.unused_after
        async with self._sessions() as session:
            rows = await session.exec(
                select(Upload)
                .where(col(Upload.created_at) < cutoff)
                .order_by(col(Upload.created_at))
                .limit(batch)
            )
            old = list(rows)
            if not old:
                return 0
            urls = [UPLOAD_PREFIX + row.key for row in old]
            kept = await session.exec(
                select(TicketEvidence.url).where(col(TicketEvidence.url).in_(urls))
            )
            used = set(kept)
            deleted = 0
            for row in old:
                # Kept: a ticket's evidence, or a file a person saw in a handoff.
                kept_file = UPLOAD_PREFIX + row.key in used or await _in_a_handoff(
                    session, row.key
                )
                if not kept_file:
                    await self.media.delete(row.key)
                    deleted += 1
                # Either way the row has done its job: a kept file belongs to its ticket or
                # handoff now, and no one attaches a day-old upload to a new message.
                await session.delete(row)
            await session.commit()
        if deleted:
            log.info("deleted %d unused uploads", deleted)
        return deleted


async def _in_a_handoff(session: AsyncSession, key: str) -> bool:
    """A handoff transcript (JSON text) names the upload."""
    found = await session.exec(
        select(Handoff.id).where(col(Handoff.messages).contains(UPLOAD_PREFIX + key)).limit(1)
    )
    return found.first() is not None


def upload_jobs(uploads: Uploads) -> list[Job]:
    return [Job("upload_cleanup", timedelta(hours=1), uploads.purge_unused)]
