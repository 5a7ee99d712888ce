"""Messages the NLU was unsure about, kept (masked) for trainers to annotate."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Field, SQLModel


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
