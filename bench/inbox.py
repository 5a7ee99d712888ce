"""Time of the console inbox's first page on 1,000,000 tickets (SQLite, or PostgreSQL).

    uv run python bench/inbox.py [--tickets 1000000] [--runs 3] [--compare]
        [--database-url postgresql://postgres@127.0.0.1:5432]

A scratch database is created and migrated (a temporary SQLite file, or a scratch database
on the PostgreSQL server given, dropped at the end), given the demo address registry, and
filled with :func:`bot.demo_history.generate` (the generator behind ``minsheng demo
history``) in windows of days, so a million rows never sit in memory at once.

Printed: the load time; the query plan of the district's first page; then the time of
:func:`bot.console.inbox.list_tickets` — the first page (30 rows, newest first) and its
total, exactly what ``GET /console/`` runs — as median and max of ``--runs`` runs, for each
scope (district, street, community secretary, grid worker) and each inbox group. With
``--compare`` the indexes of migration 0009 are dropped afterwards and the "all" group is
timed again (the figures before the migration).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.addresses import import_csv
from bot.addresses.importer import iter_demo_files
from bot.config import PROJECT_ROOT
from bot.console.inbox import InboxFilter, _where, list_tickets
from bot.db import create_engine_for, make_session_factory, upgrade
from bot.demo_history import CHUNK, demo_buildings, generate
from bot.staff.roles import ScopeLevel
from bot.staff.scope import Scope
from bot.tickets import Catalog
from bot.tickets.clock import LOCAL_TZ, utcnow
from bot.tickets.models import Incident, Ticket

DAYS = 182
WINDOW_DAYS = 14
GROUPS = ("all", "new", "urgent", "overdue", "escalated", "waiting")
INDEXES_0009 = (
    "ix_ticket_district_created", "ix_ticket_street_created", "ix_ticket_community_created",
    "ix_ticket_grid_created", "ix_ticket_department_created", "ix_ticket_dispatched_created",
)


async def timed(runs: int, step: Callable[[], Awaitable[Any]]) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await step()
        times.append(time.perf_counter() - started)
    return statistics.median(times), max(times)


async def load(engine: AsyncEngine, tickets: int) -> tuple[int, float]:
    """Fill the database window by window; returns (incidents, seconds)."""
    sessions = make_session_factory(engine)
    buildings = await demo_buildings(sessions)
    catalog = Catalog.load(PROJECT_ROOT / "training_data" / "catalog.yml")
    now = utcnow()
    # Windows end on local midnights so consecutive windows never share a day (numbers
    # are per day); the last one ends now.
    local_now = now.replace(tzinfo=None) + timedelta(hours=8)
    midnight = local_now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(hours=8)
    per_day = max(1, round(tickets / DAYS / 1.03))
    started = time.perf_counter()
    incident_id, incidents_total = 1, 0
    windows = [(midnight - timedelta(days=d - WINDOW_DAYS), WINDOW_DAYS)
               for d in range(DAYS, 0, -WINDOW_DAYS)]
    windows.append((now, 0))  # today, up to now
    for window, (end, days) in enumerate(windows):
        incidents, rows = generate(buildings, list(catalog.items()), end=end, days=days,
                                   per_day=per_day, seed=1000 + window,
                                   first_incident_id=incident_id)
        incident_id += len(incidents)
        incidents_total += len(incidents)
        async with sessions() as session:
            conn = await session.connection()
            for start in range(0, len(incidents), CHUNK):
                await conn.execute(insert(Incident), incidents[start:start + CHUNK])
            for start in range(0, len(rows), CHUNK):
                await conn.execute(insert(Ticket), rows[start:start + CHUNK])
            await session.commit()
    # ANALYZE in a committed transaction: statistics are transactional (PostgreSQL's
    # pg_statistic, SQLite's sqlite_stat1); rolled back, the planner guesses.
    async with engine.begin() as conn:
        await conn.exec_driver_sql("ANALYZE")
    return incidents_total, time.perf_counter() - started


async def plan(engine: AsyncEngine, scope: Scope) -> str:
    """The database's plan for the first page of ``scope``'s inbox."""
    where = _where(scope, InboxFilter(), utcnow())
    query = (
        select(Ticket.id).where(*where)
        .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(30)  # type: ignore[attr-defined]
    )
    sql = str(query.compile(engine.sync_engine, compile_kwargs={"literal_binds": True}))
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    async with engine.connect() as conn:
        rows = (await conn.exec_driver_sql(prefix + sql)).all()
    return "\n".join("      " + " ".join(str(c) for c in row) for row in rows)


async def time_groups(engine: AsyncEngine, scopes: dict[str, Scope], groups: tuple[str, ...],
                      runs: int) -> None:
    sessions = make_session_factory(engine)
    now = utcnow()
    for label, scope in scopes.items():
        for group in groups:
            page: dict[str, int] = {}

            async def step(scope: Scope = scope, group: str = group,
                           page: dict[str, int] = page) -> None:
                found = await list_tickets(sessions, scope, InboxFilter(group=group), now)
                page["total"], page["rows"] = found.total, len(found.rows)

            median, worst = await timed(runs, step)
            print(f"  inbox {label:<12} {group:<9}: median {median * 1000:8.1f} ms, "
                  f"max {worst * 1000:8.1f} ms  ({page['rows']} rows of {page['total']:,})")


async def bench(url: str, tickets: int, runs: int, compare: bool) -> None:
    await upgrade(url)
    engine = create_engine_for(url)
    sessions = make_session_factory(engine)
    try:
        for path in iter_demo_files(PROJECT_ROOT / "training_data" / "addresses"):
            await import_csv(sessions, path)
        incidents, seconds = await load(engine, tickets)
        async with sessions() as session:
            conn = await session.connection()
            count = (await conn.execute(select(func.count()).select_from(Ticket))).scalar_one()
        print(f"{engine.dialect.name}: {count:,} tickets, {incidents} incidents over {DAYS} "
              f"days (generated and inserted in {seconds:.0f} s); local time zone {LOCAL_TZ}")
        first = (await demo_buildings(sessions))[0]
        scopes = {
            "district": Scope(ScopeLevel.DISTRICT, first.district_code),
            "street": Scope(ScopeLevel.STREET, first.street_code),
            "secretary": Scope(ScopeLevel.COMMUNITY, first.community_code),
            "grid worker": Scope(ScopeLevel.GRID, first.grid_code),
        }
        print("  plan of the district's first page:")
        print(await plan(engine, scopes["district"]))
        await time_groups(engine, scopes, GROUPS, runs)
        if compare:
            async with engine.begin() as conn:
                for name in INDEXES_0009:
                    await conn.exec_driver_sql(f"DROP INDEX {name}")
                await conn.exec_driver_sql("ANALYZE")
            print("  without the indexes of 0009 — plan of the district's first page:")
            print(await plan(engine, scopes["district"]))
            await time_groups(engine, scopes, ("all",), runs)
    finally:
        await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--compare", action="store_true",
                        help="also time the 'all' group without the indexes of 0009")
    parser.add_argument("--database-url", default=None,
                        help="a PostgreSQL server, e.g. postgresql://postgres@127.0.0.1:5432 "
                             "(a scratch database is created on it and dropped)")
    args = parser.parse_args()
    if not args.database_url:
        with tempfile.TemporaryDirectory() as folder:
            await bench(f"sqlite:///{Path(folder) / 'bench.db'}", args.tickets, args.runs,
                        args.compare)
        return
    server = args.database_url.rstrip("/")
    name = f"minsheng_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(f"{server}/postgres")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            await bench(f"{server}/{name}", args.tickets, args.runs, args.compare)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
