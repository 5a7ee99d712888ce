"""The registry of intake sources and the check of their API keys.

A source name is what ``Ticket.source`` holds for what it sent, so it must not be taken for
a resident channel's name (``web``, ``wechat``, ...) and stays short and plain. Keys are
random 32-byte tokens; only their SHA-256 is stored, and a lookup by that hash is a unique
index probe (a key this long needs no slow hash: it cannot be guessed from its hash).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import BadInput
from bot.intake.models import IntakeSource

KINDS = ("orders", "alarms")
#: Names a source may not take: they are resident channels or the gateway's own sources.
RESERVED_NAMES = frozenset(
    {
        "web", "wechat", "miniprogram", "wecom", "telegram", "callback", "staff", "open311",
        "terminal", "intake", "rasa", "console",
    }
)  # fmt: skip
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


@dataclass(frozen=True, slots=True)
class SourceView:
    name: str
    label: str
    kind: str
    callback_url: str | None
    callback_secret: str | None
    enabled: bool

    @classmethod
    def of(cls, row: IntakeSource) -> SourceView:
        return cls(
            row.name, row.label, row.kind, row.callback_url, row.callback_secret, row.enabled
        )


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _new_key() -> str:
    return "msk_" + secrets.token_urlsafe(32)


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise BadInput(
            "a source name is 1-32 lowercase letters, digits, '-' or '_' (e.g. 12345, mayor-mail)",
            code="bad_source_name",
        )
    if name in RESERVED_NAMES:
        raise BadInput(f"{name!r} is a channel's name, not free for a source", code="reserved")
    return name


class SourceRegistry:
    """Adds, lists and authenticates intake sources. Safe to share across tasks."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self.session_factory = session_factory

    async def add(
        self,
        name: str,
        label: str,
        *,
        kind: str = "orders",
        callback_url: str | None = None,
    ) -> tuple[SourceView, str]:
        """Register a source; returns it and its API key (shown once, stored hashed)."""
        check_name(name)
        if kind not in KINDS:
            raise BadInput(f"kind must be one of {', '.join(KINDS)}", code="bad_kind")
        if callback_url is not None and not re.match(r"^https?://", callback_url):
            raise BadInput("the callback must be an http(s) URL", code="bad_callback")
        key = _new_key()
        row = IntakeSource(
            name=name,
            label=label.strip()[:64] or name,
            kind=kind,
            key_hash=key_hash(key),
            callback_url=callback_url,
            callback_secret=secrets.token_urlsafe(24) if callback_url else None,
        )
        try:
            async with self.session_factory() as session:
                session.add(row)
                await session.commit()
        except IntegrityError:
            raise BadInput(f"source {name!r} exists already", code="duplicate") from None
        return SourceView.of(row), key

    async def rotate_key(self, name: str) -> str:
        key = _new_key()
        async with self.session_factory() as session:
            row = await session.get(IntakeSource, name)
            if row is None:
                raise BadInput(f"no source {name!r}", code="unknown_source")
            row.key_hash = key_hash(key)
            session.add(row)
            await session.commit()
        return key

    async def set_enabled(self, name: str, enabled: bool) -> None:
        async with self.session_factory() as session:
            row = await session.get(IntakeSource, name)
            if row is None:
                raise BadInput(f"no source {name!r}", code="unknown_source")
            row.enabled = enabled
            session.add(row)
            await session.commit()

    async def get(self, name: str) -> SourceView | None:
        async with self.session_factory() as session:
            row = await session.get(IntakeSource, name)
            return SourceView.of(row) if row else None

    async def all(self) -> list[SourceView]:
        async with self.session_factory() as session:
            rows = await session.exec(select(IntakeSource).order_by(col(IntakeSource.name)))
            return [SourceView.of(r) for r in rows]

    async def authenticate(self, key: str) -> SourceView | None:
        """The enabled source whose key this is, or None."""
        if not key or len(key) > 200:
            return None
        async with self.session_factory() as session:
            rows = await session.exec(
                select(IntakeSource).where(IntakeSource.key_hash == key_hash(key))
            )
            row = rows.first()
        if row is None or not row.enabled:
            return None
        return SourceView.of(row)

    async def labels(self) -> Mapping[str, str]:
        """Source name → label, for the console's and the dashboard's source labels."""
        return {s.name: s.label for s in await self.all()}
