"""The handoff table (SQLModel). Timestamps are naive UTC; the migration is ``0005_handoff``.

One row per time a conversation was handed to a person. The dialogue state's ``handoff``
flag is only a cache of "a person is on this conversation"; this row is the record.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, text
from sqlmodel import Field, SQLModel

from bot.tickets.clock import utcnow

#: SQL for "a person is (or should be) on this conversation"; must match ``OPEN_STATUSES``.
OPEN_STATUS_SQL = "status IN ('waiting', 'answered')"


class HandoffStatus:
    WAITING = "waiting"  # nobody has answered yet
    ANSWERED = "answered"  # a person answered at least once
    CLOSED = "closed"  # a person (or the resident) handed the conversation back to the bot
    EXPIRED = "expired"  # nobody answered in time; back to the bot, ticket offered


OPEN_STATUSES = (HandoffStatus.WAITING, HandoffStatus.ANSWERED)


class Handoff(SQLModel, table=True):
    """A conversation handed to a person, and what was said meanwhile."""

    __tablename__ = "handoff"
    __table_args__ = (
        # At most one open handoff per conversation: ``open`` is idempotent on it.
        Index(
            "ux_handoff_open_conversation",
            "conversation_id",
            unique=True,
            postgresql_where=text(OPEN_STATUS_SQL),
            sqlite_where=text(OPEN_STATUS_SQL),
        ),
        # The time-out scan reads open handoffs whose resident has waited longest.
        Index("ix_handoff_status_waiting", "status", "waiting_since"),
    )

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(max_length=300, index=True)
    channel: str = Field(max_length=32)
    sender_id: str = Field(max_length=128)
    group_id: str | None = Field(default=None, max_length=128)
    reason: str = Field(default="", max_length=64)
    status: str = Field(default=HandoffStatus.WAITING, max_length=16)
    opened_at: datetime = Field(default_factory=utcnow)
    # Since when the resident waits for a person's (next) answer; None after an answer
    # until the resident writes again. The time-out counts from here.
    waiting_since: datetime | None = None
    last_resident_at: datetime | None = None
    last_staff_at: datetime | None = None
    closed_at: datetime | None = None
    closed_by: str | None = Field(default=None, max_length=128)
    # The latest lines of both sides, JSON ``[{"at", "by", "staff", "text", "attachments"}]``,
    # bounded (see ``service.MAX_LINES``). Not masked: the staff in charge need them.
    messages: str = Field(default="[]", sa_column=Column(Text, nullable=False))
