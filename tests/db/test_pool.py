"""The PostgreSQL pool hands out live connections without a ping round trip per checkout."""

from __future__ import annotations

import asyncpg
from sqlalchemy import text

from bot.db import create_engine_for
from bot.db import engine as db_engine


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


async def test_a_busy_connection_is_not_pinged_but_an_idle_one_is(
    postgres_url: str, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Was: pool_pre_ping spent three round trips (BEGIN, a query, ROLLBACK) on every
    checkout, as many as a turn's own query."""
    from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection

    pings = 0
    ping = AsyncAdapt_asyncpg_connection.ping

    def counting_ping(self) -> None:  # type: ignore[no-untyped-def]
        nonlocal pings
        pings += 1
        ping(self)

    monkeypatch.setattr(AsyncAdapt_asyncpg_connection, "ping", counting_ping)
    engine = create_engine_for(postgres_url, pool_size=1, max_overflow=0)
    try:
        for _ in range(5):
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        assert pings == 0
        monkeypatch.setattr(db_engine, "PING_IDLE_SECONDS", -1.0)
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        assert pings == 1
    finally:
        await engine.dispose()
