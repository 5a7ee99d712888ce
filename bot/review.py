"""Messages the NLU was unsure about, kept (masked) for trainers to annotate.

The engine's ``on_uncertain`` hook calls :func:`record_for_review` for fallback and
low-confidence parses; ``minsheng nlu review`` calls :func:`export_review`, which writes the
unexported rows as Rasa YAML (:func:`nlu.review.review_yaml`) and marks them exported.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.privacy import mask_text
from nlu import ParseResult
from nlu.review import review_label, review_yaml

log = logging.getLogger(__name__)

MAX_TEXT = 2000


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class NluReviewItem(SQLModel, table=True):
    """One low-confidence or fallback parse; text has phone numbers and names masked."""

    __tablename__ = "nlu_review_item"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    channel: str = Field(max_length=32)
    text: str = Field(max_length=2000)
    predicted_intent: str = Field(max_length=64)
    confidence: float
    model_version: str = Field(max_length=64)
    exported: bool = Field(default=False, index=True)


async def record_for_review(
    session_factory: async_sessionmaker[AsyncSession],
    text: str,
    result: ParseResult,
    channel: str,
    *,
    model_version: str = "",
) -> None:
    """Store one uncertain message, masked, for trainers to annotate later."""
    intent, confidence = review_label(result)
    item = NluReviewItem(
        channel=channel[:32],
        text=mask_text(" ".join(text.split()))[:MAX_TEXT],
        predicted_intent=intent[:64],
        confidence=confidence,
        model_version=model_version[:64],
    )
    async with session_factory() as session:
        session.add(item)
        await session.commit()


async def export_review(
    session_factory: async_sessionmaker[AsyncSession],
    path: Path,
    *,
    include_exported: bool = False,
    limit: int | None = None,
    mark: bool = True,
) -> int:
    """Write pending review items to ``path`` as Rasa YAML; returns how many were written."""
    async with session_factory() as session:
        query = select(NluReviewItem).order_by(col(NluReviewItem.created_at), col(NluReviewItem.id))
        if not include_exported:
            query = query.where(col(NluReviewItem.exported).is_(False))
        if limit is not None:
            query = query.limit(limit)
        items = list((await session.exec(query)).all())
        if not items:
            return 0
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(review_yaml(items), encoding="utf-8")
        if mark:
            for item in items:
                item.exported = True
                session.add(item)
            await session.commit()
    log.info("exported %d review items to %s", len(items), path)
    return len(items)
