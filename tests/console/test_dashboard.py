"""The dashboard's figures on a small hand-made set of tickets (SQLite and PostgreSQL),
their scoping, and the demo history generator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.addresses.demo import ensure_demo_data
from bot.cli import main
from bot.config import load_settings
from bot.console.dashboard import dashboard_data, export_rows
from bot.db import create_engine_for, make_session_factory
from bot.demo_history import HISTORY_CHANNEL, HistoryExists, demo_buildings, write_history
from bot.runtime import catalog_path
from bot.staff.roles import ScopeLevel
from bot.staff.scope import Scope
from bot.tickets.catalog import Catalog
from bot.tickets.models import Incident, Ticket
from tests.tickets.conftest import local

NOW = local(2026, 12, 15, 12, 0)
DISTRICT = Scope(ScopeLevel.DISTRICT, "D1")
ADMIN = Scope(ScopeLevel.DISTRICT, "elsewhere", everything=True)
SECRETARY_A = Scope(ScopeLevel.COMMUNITY, "CA")
SECRETARY_B = Scope(ScopeLevel.COMMUNITY, "CB")
STREET_2 = Scope(ScopeLevel.STREET, "S2")

Sessions = async_sessionmaker[AsyncSession]


def ticket(number: str, community: str, created: datetime, **fields: Any) -> Ticket:
    street, grid = ("S1", "GA1") if community == "CA" else ("S2", "GB1")
    values: dict[str, Any] = {
        "number": number, "category": "report_lighting", "domain": "property",
        "district_code": "D1", "district_name": "示范区",
        "street_code": street, "street_name": f"街道{street}",
        "community_code": community, "community_name": f"社区{community}",
        "grid_code": grid, "grid_name": f"网格{grid}",
        "lat": 36.8 if community == "CA" else 36.9, "lng": 118.0,
        "reporter_channel": "web", "reporter_id": f"r-{number}", "department": "property",
        "created_at": created, "deadline": created + timedelta(days=2),
    }
    values.update(fields)
    return Ticket(**values)


def done(created: datetime, *, hours: float, tier: str, status: str = "closed",
         rating: int | None = None) -> dict[str, Any]:
    return {"status": status, "resolved_at": created + timedelta(hours=hours),
            "resolved_tier": tier, "rating": rating}


async def seed(sessions: Sessions) -> None:
    d = {n: local(2026, 12, n, 10) for n in range(10, 15)}
    async with sessions() as session:
        incident = Incident(category="report_lighting", community_code="CA", street_code="S1",
                            title="社区CA 路灯成片不亮", urgency="red", reporters=4)
        session.add(incident)
        await session.flush()
        session.add_all([
            ticket("T1", "CA", d[10], **done(d[10], hours=20, tier="community", rating=5)),
            ticket("T2", "CA", d[11], **done(d[11], hours=60, tier="street", status="resolved")),
            ticket("T3", "CA", d[14], status="submitted", urgency="red",
                   incident_id=incident.id),
            ticket("T4", "CA", d[12], **done(d[12], hours=5, tier="community", rating=2)),
            ticket("T5", "CB", d[13], **done(d[13], hours=30, tier="district", rating=4)),
            ticket("T6", "CB", d[14], status="rejected"),
            ticket("T7", "CB", local(2026, 11, 10, 9), status="closed"),  # before the window
            ticket("T8", "CA", local(2026, 8, 5, 9), status="closed"),
            ticket("T9", "CA", local(2026, 5, 20, 9), status="closed"),  # older than 6 months
        ])
        await session.commit()


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[Sessions]:
    engine = create_engine_for(database_url)
    factory = make_session_factory(engine)
    await seed(factory)
    yield factory
    await engine.dispose()


async def test_figures_for_the_whole_district(sessions: Sessions) -> None:
    data = await dashboard_data(sessions, DISTRICT, now=NOW, days=30,
                                category_names={"report_lighting": "路灯"})
    s = data["summary"]
    assert (s["total"], s["done"], s["on_time"], s["rated"], s["satisfied"]) == (6, 4, 3, 3, 2)
    assert s["done_rate"] == pytest.approx(4 / 6, abs=1e-4)
    assert s["on_time_rate"] == 0.75
    assert s["satisfaction_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert (s["open_now"], s["red_now"]) == (1, 1)
    assert data["window"] == {"days": 30, "start": "2026-11-16", "end": "2026-12-15"}
    by_day = {d["day"]: d["count"] for d in data["by_day"]}
    assert len(by_day) == 30 and sum(by_day.values()) == 6
    assert by_day["2026-12-14"] == 2 and by_day["2026-11-20"] == 0
    assert {r["status"]: r["count"] for r in data["by_status"]} == {
        "closed": 3, "resolved": 1, "submitted": 1, "rejected": 1}
    assert data["by_category"] == [{"category": "report_lighting", "label": "路灯", "count": 6}]
    tiers = {t["tier"]: (t["count"], t["share"], t["target"]) for t in data["tiers"]}
    assert tiers == {"community": (2, 0.5, 0.6), "street": (1, 0.25, 0.3),
                     "district": (1, 0.25, 0.1)}
    grids = {g["grid"]: g["count"] for g in data["grids"]}
    assert grids == {"GA1": 4, "GB1": 2}
    assert all(g["lat"] is not None for g in data["grids"])  # falls back to the tickets' points
    assert [h["title"] for h in data["hot"]] == ["社区CA 路灯成片不亮"]
    assert data["hot"][0]["red"] and data["hot"][0]["tickets"] == 1
    self_compare = {r["community"]: r for r in data["self_compare"]}
    assert self_compare["CA"]["this_month"] == 4 and self_compare["CA"]["avg_6m"] == 0.2
    assert self_compare["CB"]["this_month"] == 2 and self_compare["CB"]["avg_6m"] == 0.2
    streets = data["ranking"]["streets"]
    assert [(u["code"], u["rank"], u["score"]) for u in streets] == [("S2", 1, 80.0),
                                                                    ("S1", 2, 65.0)]


async def test_a_secretary_sees_only_their_community(sessions: Sessions) -> None:
    a = await dashboard_data(sessions, SECRETARY_A, now=NOW)
    assert (a["summary"]["total"], a["summary"]["done"]) == (4, 3)
    assert a["summary"]["satisfaction_rate"] == 0.5
    assert {g["grid"] for g in a["grids"]} == {"GA1"}
    assert [r["community"] for r in a["self_compare"]] == ["CA"]
    assert [u["code"] for u in a["ranking"]["communities"]] == ["CA"]
    b = await dashboard_data(sessions, SECRETARY_B, now=NOW)
    assert b["summary"]["total"] == 2 and b["summary"]["red_now"] == 0
    assert b["hot"] == []  # the incident's tickets are all in CA
    assert {g["grid"] for g in b["grids"]} == {"GB1"}
    street = await dashboard_data(sessions, STREET_2, now=NOW)
    assert street["summary"]["total"] == 2
    nobody = await dashboard_data(sessions, Scope(ScopeLevel.COMMUNITY, ""), now=NOW)
    assert nobody["summary"]["total"] == 0 and nobody["summary"]["done_rate"] is None
    admin = await dashboard_data(sessions, ADMIN, now=NOW)
    assert admin["summary"]["total"] == 6


async def test_export_rows_are_scoped(sessions: Sessions) -> None:
    rows = [row async for batch in export_rows(sessions, SECRETARY_B, now=NOW) for row in batch]
    assert rows[0][0] == "工单编号"
    assert [r[0] for r in rows[1:]] == ["T5", "T6"]
    assert rows[1][12] == "是" and rows[1][13] == "4"


async def test_demo_history_writes_realistic_tickets(sqlite_url: str, tmp_path: Path) -> None:
    settings = load_settings(database_url=sqlite_url, var_dir=tmp_path / "var")
    engine = create_engine_for(sqlite_url)
    sessions = make_session_factory(engine)
    try:
        await ensure_demo_data(sessions, settings)
        buildings = await demo_buildings(sessions)
        assert buildings
        catalog = Catalog.load(catalog_path(settings))
        report = await write_history(sessions, buildings, catalog, months=6, per_day=20, now=NOW)
        assert report.tickets > 3000 and report.incidents > 5
        with pytest.raises(HistoryExists):
            await write_history(sessions, buildings, catalog, months=1, per_day=5, now=NOW)
        data = await dashboard_data(sessions, ADMIN, now=NOW, days=180)
        s = data["summary"]
        assert s["total"] > 3000
        assert 0.75 < s["done_rate"] < 0.99
        assert 0.6 < s["on_time_rate"] < 0.97
        assert 0.7 < s["satisfaction_rate"] < 0.95
        shares = {t["tier"]: t["share"] for t in data["tiers"]}
        assert 0.5 < shares["community"] < 0.7 and 0.04 < shares["district"] < 0.16
        assert len(data["grids"]) > 3 and len(data["self_compare"]) > 3
        replaced = await write_history(sessions, buildings, catalog, months=1, per_day=5,
                                       now=NOW, force=True)
        assert replaced.removed == report.tickets
        async with sessions() as session:
            count = (await session.exec(
                select(func.count()).select_from(Ticket).where(
                    Ticket.reporter_channel == HISTORY_CHANNEL)
            )).one()
        assert count == replaced.tickets
    finally:
        await engine.dispose()


def test_demo_history_command(sqlite_url: str, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    async def load_addresses() -> None:
        engine = create_engine_for(sqlite_url)
        settings = load_settings(database_url=sqlite_url, var_dir=tmp_path / "var")
        await ensure_demo_data(make_session_factory(engine), settings)
        await engine.dispose()

    asyncio.run(load_addresses())
    argv = ["demo", "history", "--months", "1", "--per-day", "5", "--database-url", sqlite_url]
    assert main(argv) == 0
    assert "已生成" in capsys.readouterr().out
    assert main(argv) == 1
    assert "--force" in capsys.readouterr().out
    assert main([*argv, "--force"]) == 0
