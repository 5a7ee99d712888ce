"""A small real world for ticket tests: a migrated database (SQLite and PostgreSQL), a tiny
address registry imported through the address importer, the shipped catalog, a settable
clock and collecting outputs as push sinks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.addresses import AddressBook, import_csv
from bot.config import PROJECT_ROOT
from bot.db import create_engine_for, make_session_factory
from bot.ports import CollectingOutput, OutputRegistry
from bot.tickets import Catalog, TicketDraft, TicketPolicy, TicketService
from bot.tickets.clock import LOCAL_TZ, to_utc
from bot.tickets.models import OutboxMessage

# One district, one street, two communities. B1, B2 and B3 stand within ~150 m of each
# other in two grids of 东风社区; B4 is 2 km away in 西湖社区.
BUILDINGS_CSV = """\
district_code,district_name,street_code,street_name,community_code,community_name,grid_code,grid_name,compound_code,compound_name,building_code,building_number,units,door_plate,lat,lng
370399,测试区,370399001,东风街道,370399001001,东风社区,370399001001W01,东风社区第一网格,370399001001X01,幸福小区,370399001001X01-001,1,3,东风路1号,36.800000,118.000000
370399,测试区,370399001,东风街道,370399001001,东风社区,370399001001W01,东风社区第一网格,370399001001X01,幸福小区,370399001001X01-002,2,3,东风路1号,36.800400,118.000100
370399,测试区,370399001,东风街道,370399001001,东风社区,370399001001W02,东风社区第二网格,370399001001X02,和平小区,370399001001X02-001,1,2,东风路9号,36.801200,118.000500
370399,测试区,370399001,东风街道,370399001002,西湖社区,370399001002W01,西湖社区第一网格,370399001002X01,湖畔小区,370399001002X01-001,1,2,湖滨路3号,36.818000,118.000000
"""

PEOPLE_CSV = """\
person_code,role,level,scope_code,name,phone,wechat_openid,wecom_userid,telegram_chat_id
G1-W,grid_worker,grid,370399001001W01,张网格,13900000001,,gw-g1,
C1-S,secretary,community,370399001001,李书记,13900000002,,sec-c1,
C1-P,police,community,370399001001,王民警,13900000003,,police-c1,
S1-S,secretary,street,370399001,赵主任,13900000004,,street-s1,
"""

B1, B2, B3, B4 = (
    "370399001001X01-001",
    "370399001001X01-002",
    "370399001001X02-001",
    "370399001002X01-001",
)
CATALOG_PATH = PROJECT_ROOT / "training_data" / "catalog.yml"


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    """China wall-clock time as the naive UTC the code stores."""
    return to_utc(datetime(y, m, d, hh, mm, tzinfo=LOCAL_TZ))


class Clock:
    """The injected clock: tests set and advance it; nothing reads the wall clock."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class World:
    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    book: AddressBook
    catalog: Catalog
    clock: Clock
    service: TicketService
    resident_out: CollectingOutput = field(default_factory=lambda: CollectingOutput("web"))
    staff_out: CollectingOutput = field(default_factory=lambda: CollectingOutput("wecom"))
    console_out: CollectingOutput = field(default_factory=lambda: CollectingOutput("console"))

    @property
    def outputs(self) -> OutputRegistry:
        return OutputRegistry(
            {o.name: o for o in (self.resident_out, self.staff_out, self.console_out)}
        )

    def draft(self, **overrides: object) -> TicketDraft:
        values: dict[str, object] = {
            "category": "report_lighting",
            "description": "幸福小区1号楼楼道灯坏了，晚上很黑",
            "reporter_channel": "web",
            "reporter_id": "resident-1",
            "building_code": B1,
        }
        values.update(overrides)
        return TicketDraft(**values)  # type: ignore[arg-type]

    async def outbox(self, **where: object) -> list[OutboxMessage]:
        async with self.sessions() as session:
            query = select(OutboxMessage).order_by(col(OutboxMessage.id))
            for name, value in where.items():
                query = query.where(getattr(OutboxMessage, name) == value)
            return list(await session.exec(query))


async def make_world(url: str, tmp_path: Path, policy: TicketPolicy | None = None) -> World:
    engine = create_engine_for(url)
    sessions = make_session_factory(engine)
    (tmp_path / "buildings.csv").write_text(BUILDINGS_CSV, encoding="utf-8")
    (tmp_path / "people.csv").write_text(PEOPLE_CSV, encoding="utf-8")
    for name in ("buildings.csv", "people.csv"):
        report = await import_csv(sessions, tmp_path / name)
        assert not report.bad_rows, report.bad_rows
    book = await AddressBook.load(sessions)
    catalog = Catalog.load(CATALOG_PATH)
    clock = Clock(local(2026, 11, 18, 10, 0))  # a Wednesday morning
    service = TicketService(
        sessions, catalog, book, clock=clock, policy=policy or TicketPolicy(cluster_min_reporters=3)
    )
    return World(url, engine, sessions, book, catalog, clock, service)


@pytest.fixture
async def world(database_url: str, tmp_path: Path) -> AsyncIterator[World]:
    built = await make_world(database_url, tmp_path)
    yield built
    await built.engine.dispose()


@pytest.fixture
async def pg_world(postgres_url: str, tmp_path: Path) -> AsyncIterator[World]:
    built = await make_world(postgres_url, tmp_path)
    yield built
    await built.engine.dispose()
