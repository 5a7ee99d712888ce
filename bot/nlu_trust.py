"""Which NLU artifacts the gateway may load: those the trainers' own command wrote.

A model artifact is a pickle, and unpickling runs code. The model folder may be writable by
more people (or processes) than the gateway's own configuration, so an artifact is loaded
only if its digest (:func:`nlu.artifact.artifact_digest`, over its bytes, never its own
metadata) was recorded here by ``minsheng nlu train`` or by the gateway training its own.
The record lives in the gateway's database, which every worker shares.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class NluTrustedArtifact(SQLModel, table=True):
    __tablename__ = "nlu_trusted_artifact"

    digest: str = Field(primary_key=True, max_length=80)
    path: str = Field(max_length=500)
    recorded_at: datetime = Field(default_factory=_utcnow)


async def record_trusted(
    sessions: async_sessionmaker[AsyncSession], digest: str, path: str | Path
) -> None:
    """Remember an artifact this installation wrote (idempotent)."""
    async with sessions() as session:
        if await session.get(NluTrustedArtifact, digest) is not None:
            return
        session.add(NluTrustedArtifact(digest=digest, path=str(path)[:500]))
        try:
            await session.commit()
        except IntegrityError:  # another worker recorded it first
            await session.rollback()


async def trusted_digests(sessions: async_sessionmaker[AsyncSession]) -> set[str]:
    async with sessions() as session:
        return set(await session.exec(select(NluTrustedArtifact.digest)))
