"""Fixtures of the address tests: a migrated database with the demo registry, and books."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.addresses import AddressBook, import_csv
from bot.addresses.importer import parse_buildings, parse_people, read_rows
from bot.addresses.repository import SessionFactory
from bot.db import create_engine_for, make_session_factory

DEMO_DIR = Path(__file__).resolve().parents[2] / "training_data" / "addresses"
DEMO_BUILDINGS = DEMO_DIR / "buildings.csv"
DEMO_PEOPLE = DEMO_DIR / "people.csv"


@pytest.fixture
async def session_factory(database_url: str) -> AsyncIterator[SessionFactory]:
    engine = create_engine_for(database_url)
    try:
        yield make_session_factory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
async def sqlite_session_factory(sqlite_url: str) -> AsyncIterator[SessionFactory]:
    engine = create_engine_for(sqlite_url)
    try:
        yield make_session_factory(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def demo_book() -> AddressBook:
    """The demo registry parsed straight from the CSVs (the same validation as an import);
    the database round trip is covered by the importer tests."""
    _, rows = read_rows(DEMO_BUILDINGS)
    registry, bad = parse_buildings(rows)
    assert not bad
    _, people_rows = read_rows(DEMO_PEOPLE)
    registry.people, bad = parse_people(people_rows, registry)
    assert not bad
    return AddressBook.from_registry(registry)


async def import_demo(session_factory: SessionFactory) -> None:
    for path in (DEMO_BUILDINGS, DEMO_PEOPLE):
        report = await import_csv(session_factory, path)
        assert report.ok, report.summary()
