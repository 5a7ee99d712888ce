"""A small real world for order intake: the ticket tests' registry and catalog on SQLite and
PostgreSQL, a registered 12345 source, and the shared NLU model for predicted categories."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.intake.orders import OrderIntake
from bot.intake.sources import SourceRegistry, SourceView
from nlu import ParseResult
from tests.tickets.conftest import World, make_world


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
