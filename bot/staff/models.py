"""Staff tables (SQLModel); the migration is ``0006_staff``. Timestamps are naive UTC.

``person_code`` names a person of the address registry (``bot.addresses``) by code only:
no foreign key, so the registry's people tables can change shape without touching this.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.tickets.clock import utcnow


class StaffAccount(SQLModel, table=True):
    """One person who signs in to the console, bound to one scope."""

    __tablename__ = "staff_account"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(default="", max_length=64)
    role: str = Field(max_length=32)
    scope_level: str = Field(max_length=16)
    scope_code: str = Field(max_length=64)
    person_code: str | None = Field(default=None, max_length=64)
    password_hash: str = Field(max_length=255)
    active: bool = True
    # Bumped by "log out everywhere", a password change and disabling: every session
    # carries the epoch it was opened under and dies when the account's moves on.
    session_epoch: int = 0
    created_at: datetime = Field(default_factory=utcnow)


class StaffSession(SQLModel, table=True):
    """A server-side console session. ``id`` is the SHA-256 of the cookie's token, so a
    leaked table does not hand out live sessions."""

    __tablename__ = "staff_session"

    id: str = Field(primary_key=True, max_length=64)
    account_id: int = Field(foreign_key="staff_account.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)
    csrf_token: str = Field(max_length=64)
    epoch: int = 0


class StaffLoginThrottle(SQLModel, table=True):
    """Failed logins of one username or one client address within the current window.

    ``kind`` is ``"user"`` or ``"ip"``. When ``failures`` reaches the limit the key is
    locked until ``locked_until``; a lock is not lifted by a later success from elsewhere.
    """

    __tablename__ = "staff_login_throttle"
    __table_args__ = (
        UniqueConstraint("kind", "key", name="uq_staff_login_throttle_key"),
        Index("ix_staff_login_throttle_window", "window_start"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=8)
    key: str = Field(max_length=128)
    failures: int = 0
    window_start: datetime = Field(default_factory=utcnow)
    locked_until: datetime | None = None
