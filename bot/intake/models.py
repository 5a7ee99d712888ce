"""Intake tables (SQLModel); the migration is ``0012_intake_sources``."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from bot.tickets.clock import utcnow


class IntakeSource(SQLModel, table=True):
    """A system that sends demands in: a 12345 hotline, a platform, a sensor network.

    Only a hash of the API key is kept; the key itself is shown once, when it is made.
    """

    __tablename__ = "intake_source"

    name: str = Field(primary_key=True, max_length=32)
    label: str = Field(max_length=64)
    #: ``orders`` (work orders with text and an address) or ``alarms`` (device readings).
    kind: str = Field(default="orders", max_length=16)
    key_hash: str = Field(max_length=64, unique=True)
    #: Where status changes are pushed back (POST, JSON, signed with ``callback_secret``).
    callback_url: str | None = Field(default=None, max_length=500)
    callback_secret: str | None = Field(default=None, max_length=64)
    enabled: bool = True
    created_at: datetime = Field(default_factory=utcnow)
