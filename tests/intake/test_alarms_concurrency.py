"""Two workers (two apps, two engines) take readings of one device at once on PostgreSQL:
exactly one case and one ticket, and every exceedance counted."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.db import create_engine_for, make_session_factory
from bot.intake.alarms.rules import AlarmRules
from bot.intake.alarms.service import AlarmService
from bot.intake.alarms.web import ALARM_SERVICE, setup_routes
from bot.intake.sources import SourceRegistry
from bot.intake.web import INTAKE_SOURCES
from bot.tickets import TicketService
from tests.intake.conftest import RULES_PATH, SOURCE, make_alarm_world
from tests.tickets.conftest import B1, make_world


async def test_concurrent_readings_open_one_case(
    postgres_url: str, tmp_path: Path, aiohttp_client: Any
) -> None:
    world = await make_world(postgres_url, tmp_path)
    other_engine = create_engine_for(postgres_url)
    try:
        first = await make_alarm_world(world, aiohttp_client)
        await first.service.add_device(SOURCE, "F-C", "fume", building_code=B1)
        # The second worker: its own engine, ticket service and alarm service.
        sessions = make_session_factory(other_engine)
        tickets = TicketService(sessions, world.catalog, world.book, clock=world.clock)
        app = web.Application()
        app[INTAKE_SOURCES] = SourceRegistry(sessions)
        app[ALARM_SERVICE] = AlarmService(
            sessions, tickets, AlarmRules.load(RULES_PATH, world.catalog)
        )
        setup_routes(app)
        second = await aiohttp_client(app)
        first.now_is(10)
        headers = {"Authorization": f"Bearer {first.key}"}

        async def one(index: int) -> Any:
            client = first.client if index % 2 else second
            reading = {"device_id": "F-C", "time": first.at(index * 0.5), "value": 3.0 + index}
            response = await client.post("/intake/v1/alarms", json=reading, headers=headers)
            assert response.status == 200
            return await response.json()

        answers = await asyncio.gather(*(one(i) for i in range(16)))
        opened = [case for answer in answers for case in answer["opened"]]
        assert len(opened) == 1
        [case] = await first.cases()
        [ticket] = await first.tickets()
        assert case.status == "open" and case.ticket_number == ticket.number
        assert case.exceed_count >= 3  # the racing losers' readings may count after commit
        # A second burst, all at once: still the one case.
        answers = await asyncio.gather(*(one(i) for i in range(16, 20)))
        assert all(a["opened"] == [] for a in answers)
        assert len(await first.cases()) == 1 and len(await first.tickets()) == 1
    finally:
        await other_engine.dispose()
        await world.engine.dispose()
