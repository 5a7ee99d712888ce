"""Shared fixtures: real SQLite and PostgreSQL databases, a real Redis.

PostgreSQL (127.0.0.1:5432, trust auth) and Redis (127.0.0.1:6379) are started by the test
command (`make test`) when installed but stopped; if they still cannot be reached the whole
run stops with a message saying which one and how to start it.
"""

from __future__ import annotations

import asyncio
import os
import shutil
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


@pytest.fixture(scope="session")
def postgres_template(postgres_server: str) -> Iterator[str]:
    """A database migrated to head once per run; each test's database is a copy of it
    (``CREATE DATABASE ... TEMPLATE``), which is what migrating a fresh one would give."""
    name = f"minsheng_tpl_{uuid.uuid4().hex[:12]}"
    _pg_admin(postgres_server, f'CREATE DATABASE "{name}"')
    try:
        _off_loop(upgrade_sync, f"{postgres_server}/{name}")
        yield name
    finally:
        _pg_admin(postgres_server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url(postgres_server: str, postgres_template: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for one test, dropped afterwards."""
    name = f"minsheng_t_{uuid.uuid4().hex[:12]}"
    _pg_admin(postgres_server, f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"')
    url = f"{postgres_server}/{name}"
    try:
        yield url
    finally:
        _pg_admin(postgres_server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per run, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "migrated.db"
    _off_loop(upgrade_sync, f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def sqlite_demo_template(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Path:
    """The migrated template with the demo address registry loaded, as a gateway's first
    start leaves it; copied for each gateway that runs on the default settings."""
    from bot.addresses import ensure_demo_data
    from bot.config import load_settings
    from bot.db import create_engine_for, make_session_factory

    path = tmp_path_factory.mktemp("template") / "demo.db"
    shutil.copyfile(sqlite_template, path)

    async def load() -> None:
        engine = create_engine_for(f"sqlite:///{path}")
        try:
            await ensure_demo_data(make_session_factory(engine), load_settings())
        finally:
            await engine.dispose()

    _off_loop(asyncio.run, load())
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A fresh, migrated SQLite file for one test."""
    path = tmp_path / "minsheng.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


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
def default_model_digest(default_model_dir: Path) -> Iterator[str]:
    """The shared model's digest: pinned as trusted, as an operator pins a copied-in model."""
    from nlu.artifact import artifact_digest, default_model_path

    digest = artifact_digest(default_model_path(default_model_dir))
    yield digest
    # A test whose gateway wrote into the shared directory makes every later gateway
    # retrain (minutes of CI): give such a test its own copy (``private_model_dir``).
    assert artifact_digest(default_model_path(default_model_dir)) == digest, (
        "a test replaced the shared NLU model; give its gateway private_model_dir"
    )


@pytest.fixture
def private_model_dir(tmp_path: Path, default_model_dir: Path) -> Path:
    """A copy of the shared model for one test's gateway: whatever that gateway writes to its
    model directory (a retrained artifact) stays in this test. Written into the shared one,
    it would no longer match the pinned digest, and every later gateway would retrain."""
    target = tmp_path / "model-copy"
    shutil.copytree(default_model_dir, target, dirs_exist_ok=True)
    return target


@pytest.fixture
def make_settings(  # type: ignore[no-untyped-def]
    tmp_path: Path, private_model_dir: Path, default_model_digest: str,
    sqlite_demo_template: Path,
):
    """Settings for a whole gateway in ``tmp_path``: SQLite by default, demo data, shared model."""
    from bot.config import Settings, load_settings

    def factory(**overrides: object) -> Settings:
        database = tmp_path / "gateway.db"
        # The default database starts as a first start would leave it (migrated, demo
        # registry loaded), copied rather than rebuilt for every gateway.
        if not ({"database_url", "load_demo_data", "training_data_dir"} & overrides.keys()
                or database.exists()):
            shutil.copyfile(sqlite_demo_template, database)
        values: dict[str, object] = {
            "var_dir": tmp_path / "var",
            "model_dir": private_model_dir,
            "database_url": f"sqlite:///{database}",
            "redis_url": "",
            "nlu_trusted_digests": [default_model_digest],
        }
        values.update(overrides)
        return load_settings(**values)

    return factory
