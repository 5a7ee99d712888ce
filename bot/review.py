"""Messages the NLU was unsure about, kept (masked) for trainers to annotate.

The engine's ``on_uncertain`` hook calls :func:`record_for_review` for fallback and
low-confidence parses; ``minsheng nlu review`` calls :func:`export_review`, which writes the
unexported rows as Rasa YAML (:func:`nlu.review.review_yaml`) and marks them exported.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

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


_ID_CARD = re.compile(r"(?<![0-9])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9])")
_MOBILE = re.compile(r"(?<![0-9])(1[3-9]\d)[-\s]?\d{4}[-\s]?(\d{4})(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])(0\d{2,3})[-\s)）]?\d{3,4}(\d{4})(?![0-9])")
_NAME_AFTER = re.compile(
    r"(我叫|叫我|名字是|名字叫|姓名[是:：]?|联系人[是:：]?|本人)\s*([\u4e00-\u9fff]{2,3})"
)
_SURNAME = re.compile(r"(我姓|免贵姓|姓)([\u4e00-\u9fff])")
# A surname before a title ("王女士", "找李师傅"); words that end in the same characters
# ("这位女士", "修理师傅", "物业师傅") are left alone.
_TITLE = re.compile(
    r"[\u4e00-\u9fff](?<![这那位个的理业修老工电保哪])(?=(?:先生|女士|小姐|阿姨|大爷|师傅))"
)


def mask_personal_data(text: str) -> str:
    """Mask phone numbers, ID card numbers and names a resident gave about themselves.

    Phones keep their first three and last four digits (``138****5678``) so a trainer
    still sees that a number was given; names become ``*``.
    """
    text = _ID_CARD.sub(lambda m: f"{m.group(1)}********{m.group(2)[-1]}", text)
    text = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
    text = _LANDLINE.sub(lambda m: f"{m.group(1)}-****{m.group(2)}", text)
    text = _NAME_AFTER.sub(lambda m: m.group(1) + "*" * len(m.group(2)), text)
    text = _SURNAME.sub(lambda m: m.group(1) + "*", text)
    return _TITLE.sub("*", text)


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
        text=mask_personal_data(" ".join(text.split()))[:MAX_TEXT],
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
