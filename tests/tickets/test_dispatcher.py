"""The outbox dispatcher: delivery, retries with backoff, dead letters, a crash and restart,
and several dispatchers at once delivering every message exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

from sqlmodel import select

from bot.db import create_engine_for, make_session_factory
from bot.messages import OutboundMessage
from bot.ports import CollectingOutput, DeliveryError, OutputChannel, OutputRegistry
from bot.tickets import (
    ConsoleInbox,
    Dispatcher,
    counts_by_status,
    dead_letters,
    requeue,
    staff_inbox,
)
from bot.tickets.models import OutboxMessage
from bot.tickets.outbox import add_message
from tests.tickets.conftest import World


class FlakyOutput(OutputChannel):
    """A channel that fails its first ``failures`` sends, then delivers."""

    def __init__(self, name: str, failures: int, *, permanent: bool = False) -> None:
        self.name = name
        self.failures = failures
        self.permanent = permanent
        self.delivered: list[OutboundMessage] = []
        self.calls = 0

    async def send(self, message: OutboundMessage) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise DeliveryError("platform said 503", permanent=self.permanent)
        self.delivered.append(message)


class StuckOutput(OutputChannel):
    """A channel whose send never returns (the worker will be killed mid-send)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.entered = asyncio.Event()

    async def send(self, message: OutboundMessage) -> None:
        self.entered.set()
        await asyncio.Event().wait()


async def queue(world: World, count: int, channel: str = "web") -> list[int]:
    async with world.sessions() as session:
        rows = [
            add_message(
                session, channel=channel, recipient_id=f"r{i}", text=f"消息{i}", now=world.clock()
            )
            for i in range(count)
        ]
        await session.commit()
        return [r.id for r in rows if r.id is not None]


def dispatcher(world: World, outputs: OutputRegistry, **options: object) -> Dispatcher:
    options.setdefault("jitter", 0.0)
    return Dispatcher(world.sessions, outputs, clock=world.clock, **options)  # type: ignore[arg-type]


async def test_ticket_pushes_are_delivered_once(world: World) -> None:
    s = world.service
    number = (await s.file(world.draft())).number
    await s.claim(number, "张网格")
    await s.resolve(number, "张网格", "已修好")
    report = await dispatcher(world, world.outputs).drain()
    assert report.sent == report.claimed == 4  # two staff notices, two resident pushes
    assert [m.recipient_id for m in world.resident_out.messages] == ["resident-1"] * 2
    resolved = world.resident_out.messages[1]
    assert [b.title for b in resolved.buttons] == ["满意", "基本满意", "不满意"]
    assert resolved.custom["ticket_id"] is not None and resolved.custom["outbox_id"]
    assert sorted(m.recipient_id for m in world.staff_out.messages) == ["gw-g1", "sec-c1"]
    again = await dispatcher(world, world.outputs).drain()
    assert again.claimed == 0 and len(world.resident_out.messages) == 2
    assert (await counts_by_status(world.sessions)) == {"sent": 4}


async def test_transient_failures_back_off_then_deliver(world: World) -> None:
    flaky = FlakyOutput("web", failures=2)
    d = dispatcher(world, OutputRegistry({"web": flaky}), base_backoff=timedelta(seconds=10))
    (row_id,) = await queue(world, 1)
    first = await d.run_once()
    assert (first.claimed, first.retried) == (1, 1)
    (row,) = await world.outbox()
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.next_attempt_at == world.clock() + timedelta(seconds=10)
    assert "503" in (row.last_error or "")
    assert (await d.run_once()).claimed == 0  # not due yet
    world.clock.advance(seconds=10)
    assert (await d.run_once()).retried == 1
    (row,) = await world.outbox()
    assert row.next_attempt_at == world.clock() + timedelta(seconds=20)  # doubled
    world.clock.advance(seconds=20)
    assert (await d.run_once()).sent == 1
    (row,) = await world.outbox()
    assert (row.status, row.attempts, row.sent_at) == ("sent", 3, world.clock())
    assert [m.custom["outbox_id"] for m in flaky.delivered] == [row_id]


async def test_backoff_is_capped_and_jittered() -> None:
    d = Dispatcher(
        None,
        OutputRegistry(),
        base_backoff=timedelta(seconds=10),  # type: ignore[arg-type]
        max_backoff=timedelta(minutes=5),
        jitter=0.0,
    )
    assert [d.backoff(n).total_seconds() for n in (1, 2, 3, 6, 20)] == [10, 20, 40, 300, 300]
    jittery = Dispatcher(None, OutputRegistry(), jitter=0.1)  # type: ignore[arg-type]
    assert all(10 <= jittery.backoff(1).total_seconds() <= 11 for _ in range(50))


async def test_permanent_failures_and_exhausted_retries_are_dead_letters(world: World) -> None:
    outputs = OutputRegistry(
        {
            "web": FlakyOutput("web", failures=99),
            "blocked": FlakyOutput("blocked", failures=1, permanent=True),
        }
    )
    d = dispatcher(world, outputs, max_attempts=3, base_backoff=timedelta(seconds=1))
    await queue(world, 1, "web")
    await queue(world, 1, "blocked")
    await queue(world, 1, "carrier-pigeon")
    for _ in range(3):
        await d.run_once()
        world.clock.advance(minutes=1)
    letters = await dead_letters(world.sessions)
    assert sorted((x.channel, x.attempts) for x in letters) == [
        ("blocked", 1),
        ("carrier-pigeon", 1),
        ("web", 3),
    ]
    errors = {x.channel: x.last_error for x in letters}
    assert "no output channel named 'carrier-pigeon'" in (errors["carrier-pigeon"] or "")
    # Staff fix the channel and requeue.
    fixed = CollectingOutput("web")
    assert (
        await requeue(world.sessions, [x.id for x in letters if x.channel == "web"], world.clock())
        == 1
    )
    await dispatcher(world, OutputRegistry({"web": fixed})).drain()
    assert [m.text for m in fixed.messages] == ["消息0"]


async def test_a_killed_worker_is_taken_over_after_its_lease(world: World) -> None:
    ids = await queue(world, 3)
    stuck = StuckOutput("web")
    crashed = dispatcher(
        world, OutputRegistry({"web": stuck}), lease=timedelta(seconds=60), send_timeout=30
    )
    task = asyncio.create_task(crashed.run_once())
    await stuck.entered.wait()
    task.cancel()  # the process dies mid-send: its three rows stay claimed
    await asyncio.gather(task, return_exceptions=True)
    rows = await world.outbox()
    assert {r.status for r in rows} == {"sending"}

    sink = CollectingOutput("web")
    restarted = dispatcher(world, OutputRegistry({"web": sink}))  # a new process
    assert (await restarted.run_once()).claimed == 0  # lease still valid
    world.clock.advance(seconds=61)
    report = await restarted.drain()
    assert report.sent == 3
    assert [m.custom["outbox_id"] for m in sink.messages] == ids
    assert {r.status for r in await world.outbox()} == {"sent"}
    assert await restarted.drain() == type(report)()  # nothing left, nothing sent twice


async def test_undelivered_messages_survive_a_restart(world: World) -> None:
    await queue(world, 5)
    down = dispatcher(world, OutputRegistry({"web": FlakyOutput("web", failures=99)}))
    await down.drain()
    assert {r.status for r in await world.outbox()} == {"pending"}
    await world.engine.dispose()  # the whole process goes away
    engine = create_engine_for(world.url)
    try:
        sessions = make_session_factory(engine)
        sink = CollectingOutput("web")
        world.clock.advance(hours=1)
        fresh = Dispatcher(sessions, OutputRegistry({"web": sink}), clock=world.clock)
        assert (await fresh.drain()).sent == 5
        assert sorted(m.text for m in sink.messages) == [f"消息{i}" for i in range(5)]
    finally:
        await engine.dispose()


class SlowOutput(OutputChannel):
    """A real sink shared by several dispatchers; each send yields so that the others run."""

    name = "web"

    def __init__(self) -> None:
        self.received: list[int] = []

    async def send(self, message: OutboundMessage) -> None:
        await asyncio.sleep(0.001)
        self.received.append(message.custom["outbox_id"])


async def test_two_dispatchers_deliver_each_message_exactly_once(world: World) -> None:
    ids = await queue(world, 300)
    sink = SlowOutput()
    # Two engines: two connection pools, as two worker processes would have.
    engines = [create_engine_for(world.url) for _ in range(2)]
    try:
        workers = [
            Dispatcher(
                make_session_factory(e),
                OutputRegistry({"web": sink}),
                clock=world.clock,
                worker_id=f"w{i}",
                batch_size=10,
            )
            for i, e in enumerate(engines)
        ]
        await asyncio.gather(*(w.drain() for w in workers))
    finally:
        for engine in engines:
            await engine.dispose()
    delivered = Counter(sink.received)
    assert sorted(delivered) == sorted(ids)
    assert set(delivered.values()) == {1}
    async with world.sessions() as session:
        rows = list(await session.exec(select(OutboxMessage)))
    assert {r.status for r in rows} == {"sent"}
    assert {r.attempts for r in rows} == {1}
    assert {r.claimed_by for r in rows} == {"w0", "w1"}  # both workers took a share


async def test_console_inbox_notices_are_delivered_and_listed(world: World) -> None:
    number = (await world.service.file(world.draft())).number
    await world.service.dispatch(number, "municipal", "李书记")
    outputs = OutputRegistry(
        {
            "web": CollectingOutput("web"),
            "wecom": CollectingOutput("wecom"),
            "console": ConsoleInbox(),
        }
    )
    report = await dispatcher(world, outputs).drain()
    assert report.dead == 0 and report.sent == 4
    inbox = await staff_inbox(world.sessions, ["dept:municipal"])
    assert [(n.ticket_number, n.status) for n in inbox] == [(number, "sent")]
    assert inbox[0].text.startswith("【社区派单】")


async def test_a_recipients_later_messages_wait_behind_one_to_retry(world: World) -> None:
    flaky = FlakyOutput("web", failures=1)
    d = dispatcher(world, OutputRegistry({"web": flaky}), base_backoff=timedelta(seconds=10))
    async with world.sessions() as session:
        for text in ("已受理", "已办结"):
            add_message(session, channel="web", recipient_id="r1", text=text, now=world.clock())
        await session.commit()
    first = await d.run_once()
    assert (first.claimed, first.retried, first.sent) == (2, 1, 0)
    waiting = await world.outbox()
    assert [(r.status, r.attempts) for r in waiting] == [("pending", 1), ("pending", 0)]
    assert waiting[1].next_attempt_at == waiting[0].next_attempt_at
    world.clock.advance(seconds=10)
    await d.drain()
    assert [m.text for m in flaky.delivered] == ["已受理", "已办结"]
