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
