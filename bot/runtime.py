"""Builds and tears down everything one gateway process runs, from one Settings object.

The same :class:`Runtime` backs ``minsheng serve`` (inside the aiohttp app's cleanup
context), ``minsheng chat`` and the tests, so every entry point runs the same wiring.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.addresses import AddressBook, ensure_demo_data
from bot.config import Settings
from bot.db import create_engine_for, make_session_factory, upgrade
from bot.engine import Engine
from bot.handoff import HandoffService, handoff_jobs
from bot.messages import InboundMessage
from bot.nlu_setup import ensure_model
from bot.review import record_for_review
from bot.state import StateStore, create_state_store
from bot.tickets import (
    Catalog,
    ConsoleInbox,
    Dispatcher,
    TicketService,
    scheduler_loop,
    ticket_jobs,
)
from connectors.base import OutputChannel, OutputRegistry
from connectors.web.inbox import WebInbox
from flows import DialogueManager, FlowServices, Knowledge, end_handoff
from nlu import FALLBACK_INTENT, ParseResult
from nlu.service import NLUService

log = logging.getLogger(__name__)

FLOWS_DIR = Path(__file__).resolve().parent.parent / "flows"


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


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
    web_inbox: WebInbox
    handoff: HandoffService
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    async def start(
        cls,
        settings: Settings,
        *,
        background: bool = True,
        extra_outputs: list[OutputChannel] | None = None,
    ) -> Runtime:
        """Migrate, load data and models, and (with ``background``) start the workers."""
        settings.var_dir.mkdir(parents=True, exist_ok=True)
        url = settings.effective_database_url
        await upgrade(url)
        db_engine = create_engine_for(url)
        sessions = make_session_factory(db_engine)
        if settings.load_demo_data:
            await ensure_demo_data(sessions, settings)
        addresses = await AddressBook.load(sessions)
        model = await asyncio.to_thread(ensure_model, settings)
        nlu = NLUService(model)
        catalog = Catalog.load(settings.training_data_dir / "catalog.yml")
        tickets = TicketService(sessions, catalog, addresses, settings=settings)
        knowledge = Knowledge.load(settings.training_data_dir / "knowledge.yml")
        handoff = HandoffService.from_settings(sessions, settings)
        services = FlowServices(
            tickets=tickets,
            addresses=addresses,
            catalog=catalog,
            knowledge=knowledge,
            settings=settings,
            clock=utcnow,
            handoff=handoff,
        )
        dialogue = DialogueManager.from_directory(FLOWS_DIR, services)
        store = create_state_store(settings.redis_url)

        async def review(message: InboundMessage, parse: ParseResult) -> None:
            await record_for_review(
                sessions, parse.text, parse, message.channel, model_version=nlu.model.version
            )

        engine = Engine(
            store=store,
            nlu=nlu,
            dialogue=dialogue,
            dedupe_ttl=settings.dedupe_ttl_seconds,
            on_uncertain=review,
            # Out-of-scope messages are reviewed too: they are where new kinds of demand
            # first show up.
            is_uncertain=lambda p: (
                p.intent.name in {FALLBACK_INTENT, "out_of_scope"}
                or p.intent.confidence < settings.nlu_review_threshold
            ),
        )
        handoff.attach(engine.update_state, end_handoff)
        web_inbox = WebInbox(sessions)
        outputs = OutputRegistry({web_inbox.name: web_inbox, "console": ConsoleInbox()})
        for channel in extra_outputs or ():
            outputs.register(channel)
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
            web_inbox=web_inbox,
            handoff=handoff,
        )
        if background:
            runtime.start_background()
        return runtime

    def start_background(self) -> None:
        dispatcher = Dispatcher(self.sessions, self.outputs)
        self.tasks.append(
            asyncio.create_task(self.nlu.watch(stop=self.stopping), name="nlu-model-watch")
        )
        self.tasks.append(
            asyncio.create_task(dispatcher.run_forever(self.stopping), name="outbox-dispatcher")
        )
        self.tasks.append(
            asyncio.create_task(
                scheduler_loop(
                    self.tickets,
                    self.sessions,
                    jobs=[*ticket_jobs(self.tickets), *handoff_jobs(self.handoff)],
                    stop=self.stopping,
                ),
                name="scheduler",
            )
        )

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
            "nlu": {"ok": True, "model_version": model.version},
            "addresses": {"buildings": len(self.addresses)},
        }

    async def stop(self, *, grace: float = 10.0) -> None:
        """Let the workers finish their current round, then release connections."""
        self.stopping.set()
        if self.tasks:
            _, pending = await asyncio.wait(self.tasks, timeout=grace)
            for task in pending:  # stuck on a dead database: give up on it
                task.cancel()
            for task in pending:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self.tasks.clear()
        await self.store.close()
        await self.db_engine.dispose()
