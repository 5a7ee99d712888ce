"""awaiting_info with an InfoRequestWatch: residents without a pending request cost no query,
and a request staff make on any worker (or a ticket pushed back to the resident) is seen by
every worker at the resident's next message."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine as SyncEngine
from sqlmodel import select

from bot.engine import DialogueResult, Engine
from bot.messages import InboundMessage, OutboundMessage
from bot.ports import OutputChannel, OutputRegistry
from bot.state import MemoryStateStore, RedisStateStore, StateStore
from bot.tickets import Dispatcher, TicketService
from bot.tickets.info_watch import InfoRequestWatch
from bot.tickets.models import Ticket
from bot.tickets.outbox import add_message
from tests.tickets.conftest import World


def worker(world: World, store: StateStore) -> TicketService:
    """Another worker's ticket service: the same database, its own memory."""
    return TicketService(
        world.sessions,
        world.catalog,
        world.book,
        clock=world.clock,
        policy=world.service.policy,
        info_watch=InfoRequestWatch(store),
    )


class QueryCounter:
    def __init__(self, world: World) -> None:
        self.count = 0
        self._engine: SyncEngine = world.engine.sync_engine

    def __enter__(self) -> QueryCounter:
        event.listen(self._engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self._engine, "before_cursor_execute", self._seen)

    def _seen(self, *args: object) -> None:
        self.count += 1


@pytest.fixture(params=["memory", "redis"])
async def stores(
    request: pytest.FixtureRequest,
) -> AsyncIterator[tuple[StateStore, StateStore]]:
    """Two workers' views of one shared store (Redis), or the one store of a pilot."""
    if request.param == "memory":
        store = MemoryStateStore()
        yield store, store
        return
    url, prefix = request.getfixturevalue("redis_namespace")
    pair = (
        RedisStateStore.from_url(url, namespace=prefix),
        RedisStateStore.from_url(url, namespace=prefix),
    )
    yield pair
    for s in pair:
        await s.close()


async def test_a_resident_without_a_request_is_asked_about_once(
    world: World, stores: tuple[StateStore, StateStore]
) -> None:
    a = worker(world, stores[0])
    await a.file(world.draft())
    assert await a.awaiting_info("web", "resident-1") is None
    with QueryCounter(world) as queries:
        for _ in range(5):
            assert await a.awaiting_info("web", "resident-1") is None
    assert queries.count == 0


async def test_a_request_made_on_another_worker_is_seen_at_once(
    world: World, stores: tuple[StateStore, StateStore]
) -> None:
    a, b = worker(world, stores[0]), worker(world, stores[1])
    number = (await a.file(world.draft())).number
    assert await a.awaiting_info("web", "resident-1") is None  # remembered as empty
    await b.request_info(number, "韩书记", "请问是几单元？")
    assert await a.awaiting_info("web", "resident-1") == number
    await a.attach_resident_message(number, "2单元")
    assert await b.awaiting_info("web", "resident-1") is None


async def test_a_push_to_the_resident_marks_them_before_it_is_sent(
    world: World, stores: tuple[StateStore, StateStore]
) -> None:
    """A reopened ticket can bring back an unanswered request without request_info: the
    dispatcher marks the resident before the push reaches them."""
    a, b = worker(world, stores[0]), worker(world, stores[1])
    number = (await a.file(world.draft())).number
    await b.request_info(number, "韩书记", "请问是几单元？")
    assert await a.awaiting_info("web", "resident-1") == number
    await a.reject(number, "韩书记", "重复反映")
    assert await a.awaiting_info("web", "resident-1") is None  # closed: remembered empty

    async with world.sessions() as session:
        ticket = (await session.exec(select(Ticket).where(Ticket.number == number))).one()
        ticket.status = "submitted"  # brought back, as a reopening does
        session.add(ticket)
        await session.commit()

    seen_on_send: list[str | None] = []

    class Resident(OutputChannel):
        name = "web"

        async def send(self, message: OutboundMessage) -> None:
            seen_on_send.append(await a.awaiting_info("web", message.recipient_id))

    async with world.sessions() as session:
        add_message(
            session,
            channel="web",
            recipient_id="resident-1",
            text="您的工单已重新办理",
            now=world.clock(),
        )
        await session.commit()
    dispatcher = Dispatcher(
        world.sessions,
        OutputRegistry({"web": Resident()}),
        info_watch=b.info_watch,
        clock=world.clock,
    )
    await dispatcher.drain()
    assert seen_on_send and seen_on_send[-1] == number


async def test_without_a_store_answer_the_watch_asks_the_database(world: World) -> None:
    class Broken(MemoryStateStore):
        async def get(self, key: str) -> dict[str, object] | None:
            raise ConnectionError("store down")

    a = worker(world, Broken())
    number = (await a.file(world.draft())).number
    assert await a.awaiting_info("web", "resident-1") is None
    await world.service.request_info(number, "韩书记", "请问是几单元？")  # no watch at all
    assert await a.awaiting_info("web", "resident-1") == number


class CountingGets:
    """A store's ``get`` calls, counted."""

    def __init__(self, store: StateStore) -> None:
        self.count = 0
        original = store.get

        async def get(key: str) -> dict[str, object] | None:
            self.count += 1
            return await original(key)

        store.get = get  # type: ignore[method-assign]


async def test_the_engine_reads_the_mark_with_the_state_in_one_round_trip(
    world: World, stores: tuple[StateStore, StateStore]
) -> None:
    """The mark is read as the turn's lock is taken (one round trip with the state on
    Redis); within the turn the watch asks the store nothing, and a mark made during the
    turn is read afresh."""
    a, b = worker(world, stores[0]), worker(world, stores[1])
    number = (await a.file(world.draft())).number
    seen: list[str | None] = []

    class Dialogue:
        async def handle(
            self, state: dict[str, object], message: InboundMessage, parse: object
        ) -> DialogueResult:
            seen.append(await a.awaiting_info(message.channel, message.sender_id))
            return DialogueResult(state, [])

    class NoParse:
        async def parse_message(self, text: str, message_id: str | None = None) -> None:
            return None

    engine = Engine(
        store=stores[0],
        nlu=NoParse(),  # type: ignore[arg-type]
        dialogue=Dialogue(),
        read_along=lambda m: [InfoRequestWatch.key(m.channel, m.sender_id)],
    )
    gets = CountingGets(stores[0])
    message = InboundMessage(channel="web", sender_id="resident-1", text="还有一件事")
    await engine.handle(message)  # asks the database once, remembers "none"
    await engine.handle(message)
    assert seen == [None, None]
    if stores[0] is not stores[1]:  # Redis: the lock's script read the mark, not a get
        assert gets.count == 0
    await b.request_info(number, "韩书记", "请问是几单元？")
    await engine.handle(message)
    assert seen[-1] == number
