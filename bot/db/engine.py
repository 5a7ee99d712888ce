"""Async SQLAlchemy engines for SQLite (embedded) and PostgreSQL (city scale)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession


def async_url(url: str) -> str:
    """Map a plain database URL to the async driver we use for it."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if backend in {"postgresql", "postgres"}:
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database backend: {backend}")


def sync_url(url: str) -> str:
    """The same database through a driver Alembic can use synchronously inside run_sync."""
    return async_url(url)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # WAL lets readers proceed while a writer commits; busy_timeout waits instead of failing.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _ping_on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Hand out only live connections: ping each one as it is checked out, and have the pool
    replace it (DisconnectionError) whatever way the ping fails.

    SQLAlchemy's own ``pool_pre_ping`` lets through the error asyncpg raises for a
    connection the server dropped a moment ago (InternalClientError: asyncpg marks it
    closed only once the event loop has read the server's goodbye), so the first request
    after a PostgreSQL restart failed instead of getting a fresh connection.
    """
    try:
        dbapi_connection.ping()
    except Exception as exc:
        raise DisconnectionError("a pooled connection did not answer a ping") from exc


def create_engine_for(url: str, *, pool_size: int = 16, max_overflow: int = 4) -> AsyncEngine:
    """Create an async engine; SQLite files get their folder created and sane pragmas.

    Parameters are hidden from SQLAlchemy's error messages: they hold residents' phones and
    descriptions, and errors end up in the log.

    The pool keeps ``pool_size`` connections (one per concurrent turn,
    ``Settings.max_concurrent_turns``): connections beyond it are opened for a burst and
    closed again, each costing a TCP and authentication handshake (PostgreSQL) or a thread
    and a file open (SQLite).
    """
    target = async_url(url)
    if is_sqlite(url):
        database = make_url(url).database
        pool: dict[str, int] = {}
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            # The same pool as PostgreSQL's: SQLAlchemy's default for SQLite files keeps 5,
            # and every connection beyond those is a new aiosqlite thread, a file open and
            # four pragmas, thrown away after one checkout (a tenth of a turn's CPU at load).
            pool = {"pool_size": pool_size, "max_overflow": max_overflow}
        engine = create_async_engine(target, hide_parameters=True, **pool)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_async_engine(
        target, pool_size=pool_size, max_overflow=max_overflow, hide_parameters=True
    )
    event.listen(engine.sync_engine, "checkout", _ping_on_checkout)
    return engine


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
