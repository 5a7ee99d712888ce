"""Every worker's address book follows changes made by any other (or by the CLI)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from sqlalchemy import update

from bot.addresses import AddressBook, ensure_demo_data
from bot.addresses.models import AddrBuilding
from bot.db import create_engine_for, make_session_factory


async def test_a_change_in_the_database_is_picked_up(sqlite_url: str, make_settings: Any) -> None:
    engine = create_engine_for(sqlite_url)
    sessions = make_session_factory(engine)
    try:
        await ensure_demo_data(sessions, make_settings())
        book = await AddressBook.load(sessions)
        other = await AddressBook.load(sessions)  # another worker
        assert not await book.reload_if_changed()
        code = next(iter(book._snap.infos))
        async with sessions() as session:
            await session.exec(  # type: ignore[call-overload]
                update(AddrBuilding)
                .where(AddrBuilding.code == code)  # type: ignore[arg-type]
                .values(name="新名字楼", updated_at=datetime(2099, 1, 1))
            )
            await session.commit()
        stop = asyncio.Event()
        watcher = asyncio.create_task(other.watch(0.05, stop))
        assert await book.reload_if_changed()
        assert book.building(code).name == "新名字楼"  # type: ignore[union-attr]
        assert not await book.reload_if_changed()
        for _ in range(100):
            if other.building(code).name == "新名字楼":  # type: ignore[union-attr]
                break
            await asyncio.sleep(0.05)
        stop.set()
        await watcher
        assert other.building(code).name == "新名字楼"  # type: ignore[union-attr]
    finally:
        await engine.dispose()
