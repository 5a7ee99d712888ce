"""0004_people_channels keeps every channel id: old columns -> rows -> old columns."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from bot.db import create_engine_for
from bot.db.migrate import alembic_config, upgrade_sync
from tests.conftest import _off_loop, _pg_admin

BEFORE = "0003_tickets"
NOW = datetime(2026, 11, 30, 8, 0)
# code, wechat_openid, wecom_userid, telegram_chat_id
OLD_PEOPLE = [
    ("A-W", "oA", "zhang", "111"),
    ("B-S", None, "li", ""),
    ("C-S", "", "zhang", None),  # shares A's wecom id: the older columns allowed it
    ("D-P", None, None, None),
]


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty (unmigrated) database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    server = request.getfixturevalue("postgres_server")
    name = f"minsheng_m_{uuid.uuid4().hex[:12]}"
    _pg_admin(server, f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        _pg_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _execute(url: str, sql: str, rows: list[dict[str, object]] | None = None
                   ) -> list[tuple]:
    engine = create_engine_for(url)
    try:
        async with engine.begin() as connection:
            result = await connection.execute(text(sql), rows or {})
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        await engine.dispose()


async def test_upgrade_moves_columns_to_rows_and_downgrade_restores_them(empty_url: str
                                                                        ) -> None:
    _off_loop(upgrade_sync, empty_url, BEFORE)
    await _execute(
        empty_url,
        "INSERT INTO addr_person (code, role, level, scope_code, name, phone, wechat_openid, "
        "wecom_userid, telegram_chat_id, updated_at) VALUES (:code, 'secretary', 'community', "
        "'370399001001', '李书记', '13900000002', :wechat, :wecom, :telegram, :now)",
        [{"code": c, "wechat": w, "wecom": m, "telegram": t, "now": NOW}
         for c, w, m, t in OLD_PEOPLE],
    )

    _off_loop(upgrade_sync, empty_url, "heads")

    rows = await _execute(empty_url, "SELECT person_code, channel, user_id, updated_at "
                          "FROM addr_person_channel ORDER BY person_code, channel")
    assert [row[:3] for row in rows] == [
        ("A-W", "telegram", "111"),
        ("A-W", "wechat", "oA"),
        ("A-W", "wecom", "zhang"),
        ("B-S", "wecom", "li"),
    ]
    # SQLite hands raw text back; either way the person's own time is kept.
    assert {str(row[3])[:19] for row in rows} == {"2026-11-30 08:00:00"}
    people = await _execute(empty_url, "SELECT * FROM addr_person ORDER BY code")
    assert [p[0] for p in people] == ["A-W", "B-S", "C-S", "D-P"]
    assert all(len(person) == 7 for person in people)  # the per-platform columns are gone
    with pytest.raises(Exception, match=r"(?i)unique"):  # one person per id and channel
        await _execute(empty_url, "INSERT INTO addr_person_channel VALUES "
                       "('D-P', 'wecom', 'li', :now)", [{"now": NOW}])

    await _execute(empty_url, "INSERT INTO addr_person_channel VALUES "
                   "('D-P', 'wechat_mp', 'mp-1', :now)", [{"now": NOW}])
    _off_loop(command.downgrade, alembic_config(empty_url), BEFORE)
    restored = await _execute(empty_url, "SELECT code, wechat_openid, wecom_userid, "
                              "telegram_chat_id FROM addr_person ORDER BY code")
    assert restored == [
        ("A-W", "oA", "zhang", "111"),
        ("B-S", None, "li", None),
        ("C-S", None, None, None),
        ("D-P", None, None, None),
    ]

    _off_loop(upgrade_sync, empty_url, "heads")  # and up again
    again = await _execute(empty_url, "SELECT count(*) FROM addr_person_channel")
    assert again == [(4,)]
