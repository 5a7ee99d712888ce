"""``minsheng handoff list / answer / close`` against a real database (and Redis)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlmodel import col, select

from bot.cli import main
from bot.db import create_engine_for, make_session_factory
from bot.handoff import HandoffService, HandoffStatus
from bot.handoff.cli import mask_sender
from bot.tickets.models import OutboxMessage


def _run(url: str, work: Any) -> Any:
    async def go() -> Any:
        engine = create_engine_for(url)
        try:
            return await work(HandoffService(make_session_factory(engine)), engine)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def _open(url: str, sender: str, said: str) -> int:
    async def work(service: HandoffService, _engine: Any) -> int:
        view = await service.open(
            conversation_id=f"web:{sender}", channel="web", sender_id=sender,
            reason="misunderstood",
        )
        await service.append_resident_message(view.id, said)
        return view.id

    return int(_run(url, work))


def test_list_answer_close(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["handoff", "list", "--database-url", sqlite_url]) == 0
    assert "没有等待" in capsys.readouterr().out

    handoff_id = _open(sqlite_url, "resident-0042", "电梯困人了吗?不是,是电梯一直响")
    assert main(["handoff", "list", "--database-url", sqlite_url]) == 0
    out = capsys.readouterr().out
    assert f"#{handoff_id}" in out and "等待回复" in out and "机器人没听懂" in out
    assert "re***42" in out and "resident-0042" not in out  # the id is masked
    assert "电梯一直响" in out  # what the resident said is shown to the staff

    assert main(["handoff", "answer", str(handoff_id), "您好,我们马上联系物业",
                 "--staff", "李书记", "--database-url", sqlite_url]) == 0
    assert "已回复" in capsys.readouterr().out
    assert main(["handoff", "close", str(handoff_id), "--staff", "李书记",
                 "--database-url", sqlite_url]) == 0
    assert "已结束" in capsys.readouterr().out
    # Closing twice, or an unknown id: a clear error, exit code 1.
    assert main(["handoff", "close", str(handoff_id), "--staff", "李书记",
                 "--database-url", sqlite_url]) == 1
    assert "已经结束" in capsys.readouterr().err
    assert main(["handoff", "answer", "999", "在吗", "--staff", "李书记",
                 "--database-url", sqlite_url]) == 1
    assert "999" in capsys.readouterr().err

    async def check(service: HandoffService, engine: Any) -> None:
        view = await service.get(handoff_id)
        assert (view.status, view.closed_by) == (HandoffStatus.CLOSED, "李书记")
        async with make_session_factory(engine)() as session:
            rows = (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))))
            pushes = [(r.channel, r.recipient_id, r.text) for r in rows]
        assert [p[:2] for p in pushes] == [("web", "resident-0042")] * 2
        assert "李书记" in pushes[0][2] and "马上联系物业" in pushes[0][2]

    _run(sqlite_url, check)


def test_close_hands_the_conversation_back_in_redis(
    sqlite_url: str, redis_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.state import create_state_store

    sender = f"cli-{uuid.uuid4().hex[:8]}"
    handoff_id = _open(sqlite_url, sender, "有人吗")

    async def stored(value: dict[str, Any] | None) -> dict[str, Any] | None:
        store = create_state_store(redis_server)
        try:
            key = f"conv:web:{sender}"
            if value is not None:
                await store.set(key, value, ttl=60)
            state = await store.get(key)
            if value is None:
                await store.delete(key)
            return state
        finally:
            await store.close()

    asyncio.run(stored({"v": 1, "handoff": True, "handoff_info": {"id": handoff_id}, "stack": []}))
    assert main(["handoff", "close", str(handoff_id), "--staff", "张网格",
                 "--database-url", sqlite_url, "--redis-url", redis_server]) == 0
    capsys.readouterr()
    state = asyncio.run(stored(None))
    assert state is not None and state["handoff"] is False and state["handoff_info"] is None


def test_mask_sender() -> None:
    assert mask_sender("oAbCdEfGh123") == "oA***23"
    assert mask_sender("abc") == "***"
