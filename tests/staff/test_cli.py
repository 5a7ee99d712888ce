"""``minsheng staff add/list/disable/logout-all`` on a SQLite file."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from bot.cli import main
from bot.db import create_engine_for, make_session_factory
from bot.staff import StaffService


def _run(argv: list[str], monkeypatch: pytest.MonkeyPatch, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(argv)


async def _sign_in(url: str, username: str, password: str) -> bool:
    engine = create_engine_for(url)
    try:
        service = StaffService(make_session_factory(engine))
        login = await service.authenticate(username, password, "127.0.0.1")
        return await service.session_for(login.token) is not None
    finally:
        await engine.dispose()


def test_add_list_disable_logout_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # the default var/ goes here, not into the repository
    url = f"sqlite:///{tmp_path / 'staff.db'}"
    db = ["--database-url", url]
    assert _run(["staff", "list", *db], monkeypatch) == 0
    assert "还没有工作人员账号" in capsys.readouterr().out

    code = _run(
        ["staff", "add", "li", "--role", "secretary", "--scope", "community:370303001001",
         "--person", "C1-S", "--name", "李书记", "--password-stdin", *db],
        monkeypatch, stdin="a long secret 1\n",
    )
    out = capsys.readouterr().out
    assert code == 0 and "已创建账号 li（社区书记，community:370303001001）" in out
    assert "a long secret" not in out
    assert asyncio.run(_sign_in(url, "li", "a long secret 1"))

    assert _run(["staff", "list", *db], monkeypatch) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[0].startswith("用户名")
    assert listing[1].split("\t") == [
        "li", "李书记", "社区书记", "community:370303001001", "C1-S", "启用"
    ]

    assert _run(["staff", "logout-all", "li", *db], monkeypatch) == 0
    assert "所有设备上退出登录" in capsys.readouterr().out
    assert _run(["staff", "disable", "li", *db], monkeypatch) == 0
    assert "已停用账号 li" in capsys.readouterr().out
    assert _run(["staff", "list", *db], monkeypatch) == 0
    assert capsys.readouterr().out.splitlines()[1].endswith("停用")


def test_add_refuses_bad_input_with_chinese_messages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    db = ["--database-url", f"sqlite:///{tmp_path / 'staff.db'}"]
    assert _run(["staff", "add", "wang", "--role", "grid_worker", "--scope", "street:370303001",
                 "--password-stdin", *db], monkeypatch, stdin="long enough 1\n") == 1
    assert "只能绑定到以下级别：网格" in capsys.readouterr().err
    assert _run(["staff", "add", "wang", "--role", "grid_worker", "--scope", "grid",
                 "--password-stdin", *db], monkeypatch, stdin="long enough 1\n") == 1
    assert "级别:编码" in capsys.readouterr().err
    assert _run(["staff", "add", "wang", "--role", "grid_worker", "--scope",
                 "grid:370303001001W01", "--password-stdin", *db], monkeypatch,
                stdin="short\n") == 1
    assert "至少需要 8 个字符" in capsys.readouterr().err
    assert _run(["staff", "disable", "ghost", *db], monkeypatch) == 1
    assert "没有用户名为“ghost”的账号" in capsys.readouterr().err


def test_prompted_password_must_match(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    answers = iter(["first password", "other password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    db = ["--database-url", f"sqlite:///{tmp_path / 'staff.db'}"]
    assert _run(["staff", "add", "wang", "--role", "admin", "--scope", "district:370303",
                 *db], monkeypatch) == 1
    assert "两次输入的密码不一致" in capsys.readouterr().err
    answers = iter(["same password", "same password"])
    assert _run(["staff", "add", "wang", "--role", "admin", "--scope", "district:370303",
                 *db], monkeypatch) == 0
    assert asyncio.run(_sign_in(f"sqlite:///{tmp_path / 'staff.db'}", "wang", "same password"))
