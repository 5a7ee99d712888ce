"""Alembic environment: runs migrations through the same async drivers the app uses."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from bot.db.engine import create_engine_for
from bot.db.metadata import target_metadata
from connectors import import_models

# The Alembic environment composes the whole schema: the core's tables and the connectors'
# (found through the registry) so autogenerate sees every table.
import_models()

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    engine = create_engine_for(config.get_main_option("sqlalchemy.url") or "")
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `minsheng db upgrade`")
asyncio.run(_run_online())
