"""The migrations build exactly the tables the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from bot.db import create_engine_for
from bot.db.metadata import target_metadata
from bot.db.migrate import alembic_config
from connectors import import_models

import_models()  # connector-owned tables (web_inbox) belong to the schema too


def test_one_linear_history() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1
    revisions = list(script.walk_revisions())
    assert revisions[-1].revision == "0001_core"
    assert all(isinstance(r.down_revision, str | None) for r in revisions)


async def test_models_match_migrated_schema(database_url: str) -> None:
    def diff(connection: Connection) -> list:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        return compare_metadata(context, target_metadata)

    engine = create_engine_for(database_url)
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(diff)
    finally:
        await engine.dispose()
    assert differences == []
