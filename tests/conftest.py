"""Shared fixtures: real SQLite and PostgreSQL databases, a real Redis.

PostgreSQL (127.0.0.1:5432, trust auth) and Redis (127.0.0.1:6379) are started by the test
command (`make test`) when installed but stopped; if they still cannot be reached the whole
run stops with a message saying which one and how to start it.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.db.migrate import upgrade_sync

PG_HOST = os.environ.get("MINSHENG_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("MINSHENG_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("MINSHENG_TEST_PG_USER", "postgres")
PG_ADMIN_DB = os.environ.get("MINSHENG_TEST_PG_DB", "test")
REDIS_URL = os.environ.get("MINSHENG_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def postgres_server() -> str:
    if not _reachable(PG_HOST, PG_PORT):
        pytest.exit(
            f"PostgreSQL is not reachable on {PG_HOST}:{PG_PORT}. Start it with "
            "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` "
            "or run the suite through `make test`, which starts it.",
            returncode=3,
        )
    return f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}"


@pytest.fixture(scope="session")
def redis_server() -> str:
    host, port = "127.0.0.1", 6379
    if not _reachable(host, port):
        pytest.exit(
            f"Redis is not reachable on {host}:{port}. Start it with "
            "`redis-server --daemonize yes` "
            "or run the suite through `make test`, which starts it.",
            returncode=3,
        )
    return REDIS_URL


async def _pg_admin_async(server: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(f"{server}/{PG_ADMIN_DB}")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _off_loop(function: Callable[..., object], *args: object) -> None:
    # Run in a thread of its own: a fixture may be resolved from inside a running event loop
    # (an async fixture asking for it), where asyncio.run (also used by Alembic's env) fails.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(function, *args).result()


def _pg_admin(server: str, sql: str) -> None:
    _off_loop(asyncio.run, _pg_admin_async(server, sql))


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for one test, dropped afterwards."""
    name = f"minsheng_t_{uuid.uuid4().hex[:12]}"
    _pg_admin(postgres_server, f'CREATE DATABASE "{name}"')
    url = f"{postgres_server}/{name}"
    try:
        _off_loop(upgrade_sync, url)
        yield url
    finally:
        _pg_admin(postgres_server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh, migrated SQLite file for one test."""
    url = f"sqlite:///{tmp_path / 'minsheng.db'}"
    _off_loop(upgrade_sync, url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Runs the test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def redis_namespace(redis_server: str) -> Iterator[tuple[str, str]]:
    """A Redis URL and a key prefix unique to this test; its keys are removed afterwards."""
    from redis import Redis

    prefix = f"minsheng-test:{uuid.uuid4().hex[:10]}:"
    yield redis_server, prefix
    client = Redis.from_url(redis_server)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture(scope="session")
def default_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default NLU model, trained once per test session from training_data/."""
    from bot.config import load_settings
    from bot.nlu_setup import ensure_model

    model_dir = tmp_path_factory.mktemp("models")
    ensure_model(load_settings(model_dir=model_dir))
    return model_dir


@pytest.fixture(scope="session")
def default_model_digest(default_model_dir: Path) -> str:
    """The shared model's digest: pinned as trusted, as an operator pins a copied-in model."""
    from nlu.artifact import artifact_digest, default_model_path

    return artifact_digest(default_model_path(default_model_dir))


@pytest.fixture
def make_settings(  # type: ignore[no-untyped-def]
    tmp_path: Path, default_model_dir: Path, default_model_digest: str
):
    """Settings for a whole gateway in ``tmp_path``: SQLite by default, demo data, shared model."""
    from bot.config import Settings, load_settings

    def factory(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "var_dir": tmp_path / "var",
            "model_dir": default_model_dir,
            "database_url": f"sqlite:///{tmp_path / 'gateway.db'}",
            "redis_url": "",
            "nlu_trusted_digests": [default_model_digest],
        }
        values.update(overrides)
        return load_settings(**values)

    return factory
