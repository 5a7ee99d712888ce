"""The gateway: replies now, or later through the outbox when the dialogue is slow."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import load_settings
from bot.db import create_engine_for, make_session_factory
from bot.gateway import LATE_FAILURE_TEXT, Gateway
from bot.messages import CLIENT_KEY, Button, ChatType, InboundMessage, OutboundMessage
from bot.ports import CollectingOutput, OutputRegistry
from bot.tickets import Dispatcher
from bot.tickets.models import OutboxMessage


class SlowDialogue:
    """An engine whose answer takes ``delay`` seconds (or fails after it)."""

    def __init__(self, delay: float, *, fail: bool = False) -> None:
        self.delay = delay
        self.fail = fail
        self.handled: list[InboundMessage] = []

    async def handle(self, message: InboundMessage) -> list[OutboundMessage]:
        await asyncio.sleep(self.delay)
        self.handled.append(message)
        if self.fail:
            raise RuntimeError("dialogue bug")
        return [
            OutboundMessage(message.sender_id, "已收到您的反映", group_id=message.group_id),
            OutboundMessage(message.sender_id, "请选择", buttons=(Button("是", "/yes"),)),
        ]


@pytest.fixture
async def sessions(sqlite_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine_for(sqlite_url)
    yield make_session_factory(engine)
    await engine.dispose()


def _gateway(engine: SlowDialogue, sessions: async_sessionmaker[AsyncSession],
             outputs: OutputRegistry) -> Gateway:
    return Gateway(engine, settings=load_settings(), sessions=sessions, outputs=outputs)


def _message(**kw: object) -> InboundMessage:
    return InboundMessage(channel="slowchat", sender_id="r-1", text="路灯坏了", **kw)  # type: ignore[arg-type]


async def _queued(sessions: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    async with sessions() as session:
        return list((await session.exec(select(OutboxMessage).order_by(OutboxMessage.id))).all())


async def test_fast_enough_returns_the_replies_and_queues_nothing(sessions) -> None:  # type: ignore[no-untyped-def]
    gateway = _gateway(SlowDialogue(0.0), sessions, OutputRegistry())
    replies = await gateway.receive_within(_message(), 5.0)
    assert replies is not None and [r.text for r in replies] == ["已收到您的反映", "请选择"]
    assert await gateway.receive(_message()) == replies
    await gateway.aclose()
    assert await _queued(sessions) == []


async def test_too_slow_returns_none_and_the_replies_are_delivered_later(sessions) -> None:  # type: ignore[no-untyped-def]
    sink = CollectingOutput(name="slowchat")
    outputs = OutputRegistry({"slowchat": sink})
    woken: list[bool] = []
    engine = SlowDialogue(0.3)
    gateway = _gateway(engine, sessions, outputs)
    gateway.on_queued = lambda: woken.append(True)
    message = _message(chat_type=ChatType.GROUP, group_id="g-7")
    assert await gateway.receive_within(message, 0.01) is None
    assert await _queued(sessions) == []  # not yet: the dialogue is still thinking
    await gateway.aclose()
    rows = await _queued(sessions)
    assert [(r.channel, r.recipient_id, r.audience) for r in rows] == [
        ("slowchat", "r-1", "resident")
    ] * 2
    assert rows[0].group_id == "g-7" and rows[0].text == "已收到您的反映"
    assert woken == [True]
    report = await Dispatcher(sessions, outputs).drain()
    assert report.sent == 2
    assert [m.text for m in sink.messages] == ["已收到您的反映", "请选择"]
    assert sink.messages[1].buttons == (Button("是", "/yes"),)
    # Handled once, never twice (the gateway adds the client key clusters count by).
    assert [replace(m, metadata={}) for m in engine.handled] == [message]
    assert CLIENT_KEY in engine.handled[0].metadata


async def test_a_late_failure_still_answers_politely(sessions) -> None:  # type: ignore[no-untyped-def]
    gateway = _gateway(SlowDialogue(0.1, fail=True), sessions, OutputRegistry())
    assert await gateway.receive_within(_message(), 0.01) is None
    await gateway.aclose()
    assert [r.text for r in await _queued(sessions)] == [LATE_FAILURE_TEXT]


async def test_an_early_failure_is_raised_to_the_connector(sessions) -> None:  # type: ignore[no-untyped-def]
    gateway = _gateway(SlowDialogue(0.0, fail=True), sessions, OutputRegistry())
    with pytest.raises(RuntimeError):
        await gateway.receive_within(_message(), 5.0)
    assert await _queued(sessions) == []


async def test_a_caller_that_hangs_up_still_gets_the_answer_later(sessions) -> None:  # type: ignore[no-untyped-def]
    gateway = _gateway(SlowDialogue(0.2), sessions, OutputRegistry())
    waiting = asyncio.create_task(gateway.receive_within(_message(), 5.0))
    await asyncio.sleep(0.05)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await gateway.aclose()
    assert len(await _queued(sessions)) == 2


class CountingDialogue(SlowDialogue):
    """A slow engine that records how many turns ran at once."""

    def __init__(self, delay: float) -> None:
        super().__init__(delay)
        self.running = 0
        self.peak = 0

    async def handle(self, message: InboundMessage) -> list[OutboundMessage]:
        self.running += 1
        self.peak = max(self.peak, self.running)
        try:
            return await super().handle(message)
        finally:
            self.running -= 1


async def test_a_burst_runs_at_most_max_concurrent_turns_at_once(sessions) -> None:  # type: ignore[no-untyped-def]
    """Was: every message of a burst ran its turn at once; with hundreds in flight the event
    loop lagged past the conversation locks' lease and the database pool ran dry."""
    engine = CountingDialogue(0.02)
    gateway = Gateway(engine, settings=load_settings(max_concurrent_turns=3), sessions=sessions,
                      outputs=OutputRegistry())
    burst = [replace(_message(), sender_id=f"r-{i}") for i in range(20)]
    answers = await asyncio.gather(*(gateway.receive(m) for m in burst))
    assert all(len(replies) == 2 for replies in answers)
    assert len(engine.handled) == 20
    assert engine.peak == 3
