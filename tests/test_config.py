from pathlib import Path

import pytest

from bot.config import load_settings
from bot.errors import ConfigError


def test_defaults_are_the_embedded_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MINSHENG_DATABASE_URL", "MINSHENG_REDIS_URL", "MINSHENG_PORT"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.effective_database_url.startswith("sqlite:///")
    assert settings.effective_database_url.endswith("var/minsheng.db")
    assert settings.redis_url == ""
    assert settings.port == 8080


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINSHENG_DATABASE_URL", "postgresql://postgres@127.0.0.1/test")
    monkeypatch.setenv("MINSHENG_REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("MINSHENG_VAR_DIR", "/tmp/x")
    settings = load_settings()
    assert settings.effective_database_url == "postgresql://postgres@127.0.0.1/test"
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert settings.var_dir == Path("/tmp/x")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("MINSHENG_DATABASE_URL", "mysql://root@localhost/x"),
        ("MINSHENG_REDIS_URL", "http://127.0.0.1:6379"),
        ("MINSHENG_PORT", "not-a-port"),
    ],
)
def test_bad_setting_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert variable in str(info.value)


def test_several_workers_need_redis() -> None:
    from bot.config import check_worker_setup

    check_worker_setup(load_settings(workers=1, redis_url=""))
    check_worker_setup(
        load_settings(
            workers=4,
            redis_url="redis://127.0.0.1:6379/0",
            database_url="postgresql://postgres@127.0.0.1/test",
        )
    )
    with pytest.raises(ConfigError) as info:
        check_worker_setup(load_settings(workers=2, redis_url=""))
    assert "MINSHENG_REDIS_URL" in str(info.value) and "工作进程" in str(info.value)
    # Redis alone is not enough: SQLite has one writer, so several workers need PostgreSQL.
    for database_url in ("", "sqlite:///var/x.db"):
        with pytest.raises(ConfigError) as info:
            check_worker_setup(
                load_settings(
                    workers=2, redis_url="redis://127.0.0.1:6379/0", database_url=database_url
                )
            )
        assert "MINSHENG_DATABASE_URL" in str(info.value) and "PostgreSQL" in str(info.value)


def test_serve_refuses_several_workers_on_the_memory_store(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    monkeypatch.delenv("MINSHENG_REDIS_URL", raising=False)
    assert main(["serve", "--workers", "3"]) == 2
    assert "MINSHENG_REDIS_URL" in capsys.readouterr().err


def test_the_event_loop_is_uvloop_unless_asked_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    import uvloop

    from bot.serve import gunicorn_argv, new_event_loop

    monkeypatch.delenv("MINSHENG_EVENT_LOOP", raising=False)
    settings = load_settings()
    argv = gunicorn_argv(settings)
    assert argv[argv.index("--worker-class") + 1] == "aiohttp.GunicornUVLoopWebWorker"
    loop = new_event_loop(settings)
    assert isinstance(loop, uvloop.Loop)
    loop.close()

    monkeypatch.setenv("MINSHENG_EVENT_LOOP", "asyncio")
    settings = load_settings()
    argv = gunicorn_argv(settings)
    assert argv[argv.index("--worker-class") + 1] == "aiohttp.GunicornWebWorker"
    loop = new_event_loop(settings)
    assert not isinstance(loop, uvloop.Loop) and isinstance(loop, asyncio.AbstractEventLoop)
    loop.close()

    monkeypatch.setenv("MINSHENG_EVENT_LOOP", "tokio")
    with pytest.raises(ConfigError):
        load_settings()


def test_serve_writes_no_access_log_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    import logging

    import aiohttp.web
    import uvloop

    import bot.app
    from bot.cli import main

    seen: list[dict[str, object]] = []

    def run_app(app: object, **kwargs: object) -> None:
        seen.append(kwargs)
        loop = kwargs["loop"]
        assert isinstance(loop, uvloop.Loop)
        loop.close()

    monkeypatch.setattr(aiohttp.web, "run_app", run_app)
    monkeypatch.setattr(bot.app, "create_app", lambda settings: object())
    monkeypatch.delenv("MINSHENG_ACCESS_LOG", raising=False)
    monkeypatch.delenv("MINSHENG_EVENT_LOOP", raising=False)
    assert main(["serve"]) == 0
    assert seen[-1]["access_log"] is None
    monkeypatch.setenv("MINSHENG_ACCESS_LOG", "true")
    assert main(["serve"]) == 0
    assert seen[-1]["access_log"] is logging.getLogger("aiohttp.access")
    import asyncio

    asyncio.set_event_loop(None)  # serve made its (now closed) loop the current one
