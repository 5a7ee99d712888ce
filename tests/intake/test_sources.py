"""The intake source registry on SQLite and PostgreSQL, and ``minsheng intake source ...``."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from bot.cli import main
from bot.db import create_engine_for, make_session_factory
from bot.errors import BadInput
from bot.intake.sources import SourceRegistry


async def test_keys_are_shown_once_and_checked(database_url: str) -> None:
    engine = create_engine_for(database_url)
    registry = SourceRegistry(make_session_factory(engine))
    try:
        source, key = await registry.add(
            "12345", "12345热线", callback_url="http://127.0.0.1:9/cb"
        )
        assert source.callback_secret and source.kind == "orders"
        found = await registry.authenticate(key)
        assert found is not None and found.name == "12345" and found.label == "12345热线"
        assert await registry.authenticate(key + "x") is None
        assert await registry.authenticate("") is None

        new_key = await registry.rotate_key("12345")
        assert await registry.authenticate(key) is None
        assert (await registry.authenticate(new_key)) is not None

        await registry.set_enabled("12345", False)
        assert await registry.authenticate(new_key) is None
        assert await registry.labels() == {"12345": "12345热线"}

        with pytest.raises(BadInput):
            await registry.add("12345", "again")
        for bad in ("wechat", "staff", "Has Space", "", "x" * 33):
            with pytest.raises(BadInput):
                await registry.add(bad, "bad")
        with pytest.raises(BadInput):
            await registry.add("alarms-1", "传感器", kind="weather")
        with pytest.raises(BadInput):
            await registry.add("cb", "bad callback", callback_url="file:///etc/passwd")
    finally:
        await engine.dispose()


def test_cli_adds_lists_rotates_and_disables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'intake.db'}"
    db = ["--database-url", url]
    assert main(["intake", "source", "list", *db]) == 0
    assert "还没有登记任何来源" in capsys.readouterr().out
    assert main(["intake", "source", "add", "12345", "--label", "12345热线", *db]) == 0
    out = capsys.readouterr().out
    key = re.search(r"msk_\S+", out)
    assert key is not None and "只显示这一次" in out
    assert main(["intake", "source", "list", *db]) == 0
    listed = capsys.readouterr().out
    assert "12345热线" in listed and key.group(0) not in listed
    assert main(["intake", "source", "disable", "12345", *db]) == 0

    async def check() -> bool:
        engine = create_engine_for(url)
        try:
            return await SourceRegistry(make_session_factory(engine)).authenticate(
                key.group(0)
            ) is None
        finally:
            await engine.dispose()

    assert asyncio.run(check())
    assert main(["intake", "source", "add", "web", *db]) != 0
