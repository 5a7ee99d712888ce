"""The PostgreSQL pool hands out live connections, even right after the server dropped them."""

from __future__ import annotations

import asyncpg
from sqlalchemy import text

from bot.db import create_engine_for


async def _backend_pids(engine, n: int) -> set[int]:  # type: ignore[no-untyped-def]
    """Check ``n`` connections out at once (so the pool holds ``n``) and return their pids."""
    connections = [await engine.connect() for _ in range(n)]
    try:
        query = text("SELECT pg_backend_pid()")
        return {(await c.execute(query)).scalar_one() for c in connections}
    finally:
        for connection in connections:
            await connection.close()


async def test_connections_the_server_closed_are_replaced_without_an_error(
    postgres_url: str,
) -> None:
    engine = create_engine_for(postgres_url, pool_size=3, max_overflow=0)
    try:
        pids = await _backend_pids(engine, 3)
        admin = await asyncpg.connect(postgres_url)
        try:  # what a server restart does to every pooled connection
            await admin.execute("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) pid",
                                list(pids))
        finally:
            await admin.close()
        for _ in range(3):  # each checkout now gets a live connection at the first try
            async with engine.connect() as connection:
                pid = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
                assert pid not in pids
    finally:
        await engine.dispose()
