"""The database of a command-line command: settings from ``--database-url``, migrated, opened.

Every ``minsheng <area> ...`` command that touches the database starts the same way; this is
that one way, so each command only says what it does with the sessions.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings, load_settings
from bot.db.engine import create_engine_for, make_session_factory
from bot.db.migrate import upgrade


def command_settings(args: argparse.Namespace) -> Settings:
    """The deployment's settings, with the command's ``--database-url`` if it was given."""
    overrides: dict[str, object] = {}
    if getattr(args, "database_url", None):
        overrides["database_url"] = args.database_url
    return load_settings(**overrides)


@asynccontextmanager
async def command_database(
    settings: Settings, *, pool_size: int = 16
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on the deployment's database, migrated to the newest schema first (a
    command may be the first thing run on a new machine); the engine is closed after."""
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    url = settings.effective_database_url
    await upgrade(url)
    engine = create_engine_for(url, pool_size=pool_size)
    try:
        yield make_session_factory(engine)
    finally:
        await engine.dispose()
