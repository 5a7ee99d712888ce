"""A small real world for sensor alarms: the ticket tests' world (migrated database, a tiny
address registry, the shipped catalog, a settable clock), an ``alarms`` source with its key,
the shipped alarm rules, and the alarms route served over real HTTP on loopback; and for
orders, an ``orders`` source with the shared default NLU model."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlmodel import col, select

from bot.config import PROJECT_ROOT
from bot.intake.alarms.models import SensorCase
from bot.intake.alarms.rules import AlarmRules
from bot.intake.alarms.service import AlarmService
from bot.intake.alarms.web import ALARM_BATCH_MAX, ALARM_SERVICE, setup_routes
from bot.intake.orders import OrderIntake
from bot.intake.sources import SourceRegistry, SourceView
from bot.intake.web import INTAKE_SOURCES
from bot.tickets.models import Ticket
from nlu import ParseResult
from tests.tickets.conftest import World, make_world

RULES_PATH = PROJECT_ROOT / "training_data" / "alarm_rules.yml"
SOURCE = "fume-net"
#: A point in the test registry's 东风社区 (near its building B1), for outdoor sensors.
STREET_POINT = (36.8002, 118.0001)


@dataclass
class AlarmWorld:
    world: World
    service: AlarmService
    client: TestClient
    key: str
    #: Minute 0 of a test's readings (naive UTC, the world clock's start).
    t0: datetime

    @property
    def clock(self) -> Any:
        return self.world.clock

    def at(self, minutes: float = 0) -> str:
        """An ISO 8601 time ``minutes`` after minute 0, in China time (+08:00)."""
        moment = self.t0.replace(tzinfo=UTC) + timedelta(minutes=minutes)
        return moment.astimezone(_CHINA).isoformat()

    def now_is(self, minutes: float) -> None:
        """Move the clock on to ``minutes`` after minute 0 (never back)."""
        self.world.clock.now = max(self.world.clock.now, self.t0 + timedelta(minutes=minutes))

    async def post(self, body: object, *, key: str | None = None) -> tuple[int, Any]:
        response = await self.client.post(
            "/intake/v1/alarms",
            json=body,
            headers={"Authorization": f"Bearer {key or self.key}"},
        )
        return response.status, await response.json()

    async def send(
        self, device_id: str, readings: Sequence[tuple[float, float]], **extra: object
    ) -> Any:
        """(minute, value) readings of one device in one request, sent when the last of
        them is taken (the clock moves on to it)."""
        self.now_is(max(m for m, _ in readings))
        status, body = await self.post(
            {
                "readings": [
                    {"device_id": device_id, "time": self.at(m), "value": v, **extra}
                    for m, v in readings
                ]
            }
        )
        assert status == 200, body
        return body

    async def cases(self) -> list[SensorCase]:
        async with self.world.sessions() as session:
            return list(await session.exec(select(SensorCase).order_by(col(SensorCase.id))))

    async def tickets(self) -> list[Ticket]:
        async with self.world.sessions() as session:
            return list(await session.exec(select(Ticket).order_by(col(Ticket.id))))


#: Devices in China send their local time; the gateway must read any zone.
_CHINA = timezone(timedelta(hours=8))


async def make_alarm_world(world: World, aiohttp_client: Any, batch_max: int = 50) -> AlarmWorld:
    registry = SourceRegistry(world.sessions)
    _, key = await registry.add(SOURCE, "油烟在线监测", kind="alarms")
    service = AlarmService(
        world.sessions, world.service, AlarmRules.load(RULES_PATH, world.catalog)
    )
    app = web.Application()
    app[INTAKE_SOURCES] = registry
    app[ALARM_SERVICE] = service
    app[ALARM_BATCH_MAX] = batch_max
    setup_routes(app)
    client = await aiohttp_client(app)
    return AlarmWorld(world, service, client, key, world.clock.now)


@pytest.fixture
async def alarms(
    database_url: str, tmp_path: Path, aiohttp_client: Any
) -> AsyncIterator[AlarmWorld]:
    world = await make_world(database_url, tmp_path)
    try:
        yield await make_alarm_world(world, aiohttp_client)
    finally:
        await world.engine.dispose()


@dataclass
class IntakeWorld:
    world: World
    registry: SourceRegistry
    source: SourceView
    key: str
    intake: OrderIntake


@pytest.fixture(scope="session")
def shared_model(default_model_dir: Path, default_model_digest: str):  # type: ignore[no-untyped-def]
    from nlu.artifact import default_model_path, load_model

    return load_model(
        default_model_path(default_model_dir), trusted=lambda d: d == default_model_digest
    )


async def build(url: str, tmp_path: Path, *, callback: str | None = None, model=None  # type: ignore[no-untyped-def]
                ) -> IntakeWorld:
    world = await make_world(url, tmp_path)
    registry = SourceRegistry(world.sessions)
    source, key = await registry.add("12345", "12345热线", callback_url=callback)

    async def parse(text: str) -> ParseResult:
        assert model is not None, "this test gives every order a category"
        return model.parse(text)  # type: ignore[no-any-return]

    intake = OrderIntake(world.service, world.book, world.catalog, parse=parse)
    return IntakeWorld(world, registry, source, key, intake)


@pytest.fixture
async def intake_world(database_url: str, tmp_path: Path) -> AsyncIterator[IntakeWorld]:
    built = await build(database_url, tmp_path)
    yield built
    await built.world.engine.dispose()
