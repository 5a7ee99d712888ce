"""The handoff service on real SQLite and PostgreSQL databases."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.db import create_engine_for, make_session_factory
from bot.handoff import HandoffNotFound, HandoffNotOpen, HandoffService, HandoffStatus, texts
from bot.handoff.jobs import handoff_jobs
from bot.tickets.models import OutboxMessage

START = datetime(2026, 12, 1, 2, 0)  # 10:00 in China, a Tuesday


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine_for(database_url)
    try:
        yield make_session_factory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


class Conversations:
    """Stands in for Engine.update_state: records which conversations were handed back."""

    def __init__(self) -> None:
        self.states: dict[str, dict[str, Any]] = {}

    async def update_state(self, conversation_id: str, fn: Any) -> dict[str, Any] | None:
        state = self.states.get(conversation_id)
        if state is None:
            return None
        self.states[conversation_id] = fn(state)
        return self.states[conversation_id]


@pytest.fixture
def conversations() -> Conversations:
    return Conversations()


@pytest.fixture
def service(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, conversations: Conversations
) -> HandoffService:
    service = HandoffService(sessions, timeout_seconds=600, clock=clock)
    service.attach(conversations.update_state, lambda state: {**state, "handoff": False})
    return service


async def _outbox(sessions: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    async with sessions() as session:
        return list(
            (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all()
        )


async def _open(service: HandoffService, sender: str = "u1", **kw: Any) -> Any:
    return await service.open(
        conversation_id=f"wechat:{sender}", channel="wechat", sender_id=sender,
        reason="resident_asked", **kw,
    )


async def test_open_is_idempotent_per_conversation(service: HandoffService) -> None:
    first = await _open(service)
    again = await _open(service)
    other = await _open(service, "u2")
    assert first.id == again.id != other.id
    assert first.status == HandoffStatus.WAITING and first.waiting_since == START
    assert [h.id for h in await service.list_waiting()] == [first.id, other.id]
    assert (await service.current("wechat:u1")) == first


async def test_answer_goes_out_on_the_residents_channel_in_the_same_transaction(
    service: HandoffService, sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    handoff = await _open(service, group_id=None)
    clock.now += timedelta(minutes=1)
    await service.append_resident_message(handoff.id, "楼上漏水,电话13812345678", ["/u/1.jpg"])
    clock.now += timedelta(minutes=1)
    answered = await service.answer(handoff.id, "李书记", "您好,马上联系物业")
    assert answered.status == HandoffStatus.ANSWERED
    assert answered.last_staff_at == clock.now and answered.waiting_since is None
    # Nothing masked for the staff: they need the number to call back.
    assert [(line.by, line.text) for line in answered.lines] == [
        ("resident", "楼上漏水,电话13812345678"),
        ("staff", "您好,马上联系物业"),
    ]
    assert answered.lines[0].attachments == ("/u/1.jpg",)
    [push] = await _outbox(sessions)
    assert (push.channel, push.recipient_id, push.audience) == ("wechat", "u1", "resident")
    assert push.text == texts.STAFF_ANSWER.format(staff="李书记", text="您好,马上联系物业")
    # The resident writes again: waiting for the next answer from now.
    clock.now += timedelta(minutes=1)
    again = await service.append_resident_message(handoff.id, "好的,谢谢")
    assert again.waiting_since == clock.now


async def test_close_tells_the_resident_and_gives_the_conversation_back(
    service: HandoffService,
    sessions: async_sessionmaker[AsyncSession],
    conversations: Conversations,
) -> None:
    handoff = await _open(service)
    conversations.states["wechat:u1"] = {"handoff": True}
    closed = await service.close(handoff.id, "李书记")
    assert (closed.status, closed.closed_by) == (HandoffStatus.CLOSED, "李书记")
    assert conversations.states["wechat:u1"] == {"handoff": False}
    assert [p.text for p in await _outbox(sessions)] == [texts.CLOSED]
    assert await service.list_waiting() == []
    assert await service.current("wechat:u1") is None
    with pytest.raises(HandoffNotOpen):
        await service.answer(handoff.id, "李书记", "还在吗")
    with pytest.raises(HandoffNotOpen):
        await service.close(handoff.id, "李书记")
    with pytest.raises(HandoffNotFound):
        await service.get(9999)
    # A new request opens a new handoff.
    assert (await _open(service)).id != handoff.id


async def test_expire_overdue_offers_a_ticket_after_the_timeout(
    service: HandoffService,
    sessions: async_sessionmaker[AsyncSession],
    conversations: Conversations,
    clock: Clock,
) -> None:
    waiting = await _open(service)
    answered = await _open(service, "u2")
    await service.answer(answered.id, "张网格", "在的")
    conversations.states["wechat:u1"] = {"handoff": True}
    assert await service.expire_overdue(START + timedelta(seconds=599)) == []
    assert await service.expire_overdue(START + timedelta(seconds=600)) == [waiting.id]
    view = await service.get(waiting.id)
    assert (view.status, view.closed_by) == (HandoffStatus.EXPIRED, "system")
    assert conversations.states["wechat:u1"] == {"handoff": False}
    pushes = [p for p in await _outbox(sessions) if p.recipient_id == "u1"]
    assert [p.text for p in pushes] == [texts.EXPIRED]
    assert json.loads(pushes[0].buttons or "[]") == [
        [texts.FILE_BUTTON, texts.FILE_BUTTON], [texts.DECLINE_BUTTON, texts.DECLINE_BUTTON]
    ]
    # Answered: not waiting, so not expired; once the resident writes and nobody answers,
    # the time-out counts from that message.
    assert await service.expire_overdue(START + timedelta(hours=5)) == []
    clock.now = START + timedelta(hours=5)
    await service.append_resident_message(answered.id, "还有个问题")
    assert await service.expire_overdue(clock.now + timedelta(seconds=600)) == [answered.id]
    assert await service.expire_overdue(clock.now + timedelta(hours=1)) == []


async def test_leave_ends_without_a_push(
    service: HandoffService, sessions: async_sessionmaker[AsyncSession]
) -> None:
    handoff = await _open(service)
    left = await service.leave(handoff.id)
    assert left is not None and left.closed_by == "resident"
    assert await service.leave(handoff.id) is None
    assert await _outbox(sessions) == []
    # A line that arrives just after the end is kept, but nobody is waited for.
    late = await service.append_resident_message(handoff.id, "还在吗")
    assert late.waiting_since is None and late.lines[-1].text == "还在吗"


async def test_lines_are_bounded(service: HandoffService) -> None:
    from bot.handoff import MAX_LINES

    handoff = await _open(service)
    for number in range(MAX_LINES + 5):
        view = await service.append_resident_message(handoff.id, f"第{number}句")
    assert len(view.lines) == MAX_LINES
    assert view.lines[-1].text == f"第{MAX_LINES + 4}句"


async def test_the_expiry_runs_as_a_scheduler_job(
    service: HandoffService, sessions: async_sessionmaker[AsyncSession]
) -> None:
    from bot.tickets.scheduler import Scheduler

    handoff = await _open(service)
    scheduler = Scheduler(sessions, handoff_jobs(service))
    assert await scheduler.run_due_jobs(START + timedelta(minutes=11)) == ["handoff_expiry"]
    assert (await service.get(handoff.id)).status == HandoffStatus.EXPIRED
