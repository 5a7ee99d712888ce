"""Builds and tears down everything one gateway process runs, from one Settings object.

The same :class:`Runtime` backs ``minsheng serve`` (inside the aiohttp app's cleanup
context), ``minsheng chat`` and the tests, so every entry point runs the same wiring.

Each resource is one async context manager entered on an :class:`~contextlib.AsyncExitStack`
(opened in dependency order, closed in reverse, and closed as far as it got when start-up
fails half-way)::

    database (migrations, engine)  -> state store -> address book -> NLU model
      -> ticket service -> dialogue -> engine + gateway
      -> each connector's lifespan (its output joins the registry)
      -> background: model watcher, address-book watcher, outbox dispatcher, scheduler
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.addresses import AddressBook, ensure_demo_data
from bot.config import Settings, check_worker_setup
from bot.db import create_engine_for, make_session_factory, upgrade
from bot.engine import Engine
from bot.gateway import Gateway
from bot.handoff import HandoffService, handoff_jobs
from bot.intake.callbacks import IntakeCallbacks
from bot.media import LocalMediaStore, MediaStore
from bot.messages import InboundMessage
from bot.nlu_setup import start_nlu
from bot.ports import OutputChannel, OutputRegistry
from bot.ratelimit import create_rate_limiter
from bot.review import record_for_review
from bot.server_secret import load_secret
from bot.staff.jobs import staff_jobs
from bot.staff.service import StaffPolicy, StaffService
from bot.state import StateStore, create_state_store
from bot.tickets import (
    Catalog,
    ConsoleInbox,
    Dispatcher,
    TicketService,
    scheduler_loop,
    ticket_jobs,
)
from bot.tickets.catalog import watch_catalog
from bot.tickets.info_watch import InfoRequestWatch
from bot.uploads import Uploads, upload_jobs
from connectors import discover
from connectors.base import Connector
from flows import DialogueManager, FlowServices, Knowledge, end_handoff
from nlu import FALLBACK_INTENT, ParseResult
from nlu.service import NLUService

log = logging.getLogger(__name__)

FLOWS_DIR = Path(__file__).resolve().parent.parent / "flows"


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def catalog_path(settings: Settings) -> Path:
    return settings.training_data_dir / "catalog.yml"


def build_connectors(settings: Settings) -> list[Connector]:
    """The connectors the settings switch on, found through the registry."""
    connectors = []
    for cls in discover(settings.extra_connectors).values():
        connector = cls.from_settings(settings)
        if connector is not None:
            connectors.append(connector)
    return connectors


# ---------------------------------------------------------------- one context per resource


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """Migrated to head, then one engine for the process; disposed last."""
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    url = settings.effective_database_url
    await upgrade(url)
    engine = create_engine_for(url, pool_size=settings.max_concurrent_turns)
    try:
        yield engine
    finally:
        await engine.dispose()


@asynccontextmanager
async def state_store(settings: Settings) -> AsyncIterator[StateStore]:
    store = create_state_store(settings.redis_url)
    try:
        yield store
    finally:
        await store.close()


async def address_book(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> AddressBook:
    if settings.load_demo_data:
        await ensure_demo_data(sessions, settings)
    return await AddressBook.load(sessions)


def dialogue_manager(
    settings: Settings,
    tickets: TicketService,
    addresses: AddressBook,
    catalog: Catalog,
    handoff: HandoffService,
    nlu: NLUService | None = None,
) -> DialogueManager:
    knowledge = Knowledge.load(settings.training_data_dir / "knowledge.yml")
    services = FlowServices(
        tickets=tickets,
        addresses=addresses,
        catalog=catalog,
        knowledge=knowledge,
        settings=settings,
        clock=utcnow,
        handoff=handoff,
        parse=nlu.parse if nlu is not None else None,
    )
    return DialogueManager.from_directory(FLOWS_DIR, services)


def conversation_engine(
    settings: Settings,
    store: StateStore,
    nlu: NLUService,
    dialogue: DialogueManager,
    sessions: async_sessionmaker[AsyncSession],
) -> Engine:
    async def review(message: InboundMessage, parse: ParseResult) -> None:
        await record_for_review(
            sessions, parse.text, parse, message.channel, model_version=nlu.model.version
        )

    watch = dialogue.services.tickets.info_watch
    return Engine(
        store=store,
        nlu=nlu,
        dialogue=dialogue,
        dedupe_ttl=settings.dedupe_ttl_seconds,
        # Whether staff wait for this resident's answer (补充情况) is asked on every message.
        read_along=(None if watch is None else lambda m: [watch.key(m.channel, m.sender_id)]),
        on_uncertain=review,
        # Out-of-scope messages are reviewed too: they are where new kinds of demand
        # first show up.
        is_uncertain=lambda p: (
            p.intent.name in {FALLBACK_INTENT, "out_of_scope"}
            or p.intent.confidence < settings.nlu_review_threshold
        ),
    )


@asynccontextmanager
async def gateway_lifespan(gateway: Gateway, runtime: Runtime) -> AsyncIterator[Gateway]:
    try:
        yield gateway
    finally:
        # Slow messages still running are answered (queued) before the database closes.
        await gateway.aclose(grace=runtime.stop_grace)


@asynccontextmanager
async def connector_lifespan(
    connector: Connector, gateway: Gateway, outputs: OutputRegistry
) -> AsyncIterator[Connector]:
    """Start a connector; its output side (ready after start) joins the registry."""
    await connector.start(gateway)
    try:
        if connector.output is not None:
            outputs.register(connector.output)
        yield connector
    finally:
        await connector.stop()


@asynccontextmanager
async def background_task(
    runtime: Runtime, name: str, work: Callable[[asyncio.Event], Coroutine[Any, Any, None]]
) -> AsyncIterator[asyncio.Task[None]]:
    """Run ``work(stop)`` as a task; on exit ask it to stop, give it the grace, then cancel."""
    task = asyncio.create_task(work(runtime.stopping), name=name)
    runtime.tasks.append(task)
    try:
        yield task
    finally:
        runtime.stopping.set()
        # A task stuck on a dead database gets the grace period, then is cancelled.
        done, _ = await asyncio.wait({task}, timeout=runtime.stop_grace)
        if not done:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if task in runtime.tasks:
            runtime.tasks.remove(task)


# ---------------------------------------------------------------- the runtime


@dataclass
class Runtime:
    settings: Settings
    db_engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    store: StateStore
    nlu: NLUService
    addresses: AddressBook
    catalog: Catalog
    tickets: TicketService
    dialogue: DialogueManager
    engine: Engine
    outputs: OutputRegistry
    media: MediaStore
    handoff: HandoffService
    staff: StaffService
    gateway: Gateway = field(init=False)
    connectors: list[Connector] = field(default_factory=list)
    dispatcher: Dispatcher | None = None
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    stop_grace: float = 10.0
    _stack: AsyncExitStack = field(default_factory=AsyncExitStack, repr=False)

    @classmethod
    async def start(
        cls,
        settings: Settings,
        *,
        background: bool = True,
        extra_outputs: list[OutputChannel] | None = None,
        connectors: Sequence[Connector] | None = None,
    ) -> Runtime:
        """Open every resource, start the connectors (those the settings switch on unless
        given) and, with ``background``, the workers."""
        check_worker_setup(settings)
        stack = AsyncExitStack()
        try:
            db_engine = await stack.enter_async_context(database(settings))
            sessions = make_session_factory(db_engine)
            store = await stack.enter_async_context(state_store(settings))
            addresses = await address_book(settings, sessions)
            nlu = await start_nlu(settings, sessions)
            stack.push_async_callback(nlu.aclose)
            catalog = Catalog.load(catalog_path(settings))
            info_watch = InfoRequestWatch(store)
            tickets = TicketService(
                sessions, catalog, addresses, settings=settings, info_watch=info_watch
            )
            handoff = HandoffService.from_settings(sessions, settings)
            dialogue = dialogue_manager(settings, tickets, addresses, catalog, handoff, nlu)
            engine = conversation_engine(settings, store, nlu, dialogue, sessions)
            # Staff close a handoff from outside a turn: they change its state under its lock.
            handoff.attach(engine.update_state, end_handoff)
            outputs = OutputRegistry({"console": ConsoleInbox()})
            # Status changes of orders go back to the hotline or platform that sent them.
            callbacks = IntakeCallbacks(sessions)
            stack.push_async_callback(callbacks.aclose)
            outputs.register(callbacks)
            runtime = cls(
                settings=settings,
                db_engine=db_engine,
                sessions=sessions,
                store=store,
                nlu=nlu,
                addresses=addresses,
                catalog=catalog,
                tickets=tickets,
                dialogue=dialogue,
                engine=engine,
                outputs=outputs,
                media=LocalMediaStore(settings.upload_dir),
                handoff=handoff,
                staff=StaffService(sessions, policy=StaffPolicy.from_settings(settings)),
                _stack=stack,
            )
            uploads = Uploads(
                sessions,
                runtime.media,
                per_day=settings.upload_max_per_sender_per_day,
                unused_after=timedelta(hours=settings.upload_unused_hours),
            )
            limiter = create_rate_limiter(settings)
            stack.push_async_callback(limiter.close)
            runtime.gateway = Gateway(
                engine,
                settings=settings,
                sessions=sessions,
                outputs=outputs,
                tickets=tickets,
                media=runtime.media,
                handoff=handoff,
                nlu=nlu,
                addresses=addresses,
                limiter=limiter,
                uploads=uploads,
                secret=load_secret(settings.secret_key, settings.var_dir),
            )
            await stack.enter_async_context(gateway_lifespan(runtime.gateway, runtime))
            for connector in build_connectors(settings) if connectors is None else connectors:
                await stack.enter_async_context(
                    connector_lifespan(connector, runtime.gateway, outputs)
                )
                runtime.connectors.append(connector)
            for channel in extra_outputs or ():
                outputs.register(channel)
            if background:
                await runtime._start_background()
        except BaseException:
            await stack.aclose()
            raise
        return runtime

    @property
    def web_inbox(self) -> Any:
        """The web channel's output side (kept for callers written before connectors)."""
        return self.outputs.get("web")

    async def _start_background(self) -> None:
        stack, settings = self._stack, self.settings
        self.dispatcher = Dispatcher(
            self.sessions, self.outputs, info_watch=self.tickets.info_watch
        )
        self.gateway.on_queued = self.dispatcher.wake
        await stack.enter_async_context(
            background_task(self, "nlu-model-watch", lambda stop: self.nlu.watch(stop=stop))
        )
        if settings.data_reload_seconds > 0:
            # Imports by another worker or the CLI reach this worker within the interval.
            interval, catalog_file = settings.data_reload_seconds, catalog_path(settings)
            await stack.enter_async_context(
                background_task(
                    self, "address-book-watch", lambda stop: self.addresses.watch(interval, stop)
                )
            )
            await stack.enter_async_context(
                background_task(
                    self,
                    "catalog-watch",
                    lambda stop: watch_catalog(self.catalog, catalog_file, interval, stop),
                )
            )
        dispatcher = self.dispatcher
        await stack.enter_async_context(
            background_task(self, "outbox-dispatcher", dispatcher.run_forever)
        )
        await stack.enter_async_context(
            background_task(
                self,
                "scheduler",
                lambda stop: scheduler_loop(
                    self.tickets,
                    self.sessions,
                    jobs=[
                        *ticket_jobs(self.tickets),
                        *handoff_jobs(self.handoff),
                        *staff_jobs(self.staff),
                        *upload_jobs(self.gateway.uploads),
                    ],
                    stop=stop,
                ),
            )
        )

    async def start_workers(self) -> None:
        """Start the background workers on a runtime started with ``background=False``."""
        if self.dispatcher is None:
            await self._start_background()

    async def health(self) -> dict[str, Any]:
        """Liveness and readiness of each part, for /healthz."""
        database_ok = True
        try:
            async with self.db_engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:  # a health probe reports failures, it does not raise them
            log.exception("database health check failed")
            database_ok = False
        store_ok = await self.store.ping()
        model = self.nlu.model
        return {
            "status": "ok" if database_ok and store_ok else "degraded",
            "database": {"ok": database_ok, "backend": self.db_engine.dialect.name},
            "state_store": {"ok": store_ok, "kind": self.store.kind},
            "nlu": {"ok": True, "model_version": model.version, "backend": self.nlu.backend},
            "addresses": {"buildings": len(self.addresses)},
            "connectors": [c.name for c in self.connectors],
        }

    async def stop(self, *, grace: float = 10.0) -> None:
        """Let the workers finish their current round, then release everything in reverse
        order of opening (connectors before the database)."""
        self.stop_grace = grace
        self.stopping.set()
        await self._stack.aclose()
