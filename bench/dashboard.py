"""Time to compute the dashboard's figures on 100,000 tickets (SQLite, or PostgreSQL).

    uv run python bench/dashboard.py [--tickets 100000] [--runs 5] [--compare] [--days 30,180]
        [--database-url postgresql://postgres@127.0.0.1:5432]

A scratch database is created and migrated (a temporary SQLite file, or a scratch database
on the PostgreSQL server given, dropped at the end), given the demo address registry, and
filled with :func:`bot.demo_history.generate` — the generator behind ``minsheng demo
history`` — with ``--per-day`` chosen so six months hold about ``--tickets`` tickets.

Printed: the load time, then the time of :func:`bot.console.dashboard.dashboard_data`
(every figure the page shows: summary rates, counts by status, category, grid and day, tier
shares, heat-map centroids, hot topics, 自比, 他比) as median and max of ``--runs`` runs,
for district staff (the whole district, the heaviest scope), for a street and for one
community's secretary, each over the last 30 and the last 180 days; and the CSV export of
the district's 30 days.
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
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg
from sqlalchemy import func, insert, select

from bot.addresses import import_csv
from bot.addresses.importer import iter_demo_files
from bot.config import PROJECT_ROOT
from bot.console.dashboard import dashboard_data, export_rows
from bot.db import create_engine_for, make_session_factory, upgrade
from bot.demo_history import CHUNK, demo_buildings, generate
from bot.staff.roles import ScopeLevel
from bot.staff.scope import Scope
from bot.tickets import Catalog
from bot.tickets.clock import utcnow
from bot.tickets.models import Incident, Ticket

DAYS = 182


async def timed(runs: int, step: Callable[[], Awaitable[Any]]) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await step()
        times.append(time.perf_counter() - started)
    return statistics.median(times), max(times)


INDEXES_0009 = (
    "ix_ticket_district_created", "ix_ticket_street_created", "ix_ticket_community_created",
    "ix_ticket_grid_created", "ix_ticket_department_created", "ix_ticket_dispatched_created",
)


async def bench(url: str, tickets: int, runs: int, compare: bool = False,
                days_list: tuple[int, ...] = (30, 180)) -> None:
    await upgrade(url)
    engine = create_engine_for(url)
    sessions = make_session_factory(engine)
    try:
        for path in iter_demo_files(PROJECT_ROOT / "training_data" / "addresses"):
            await import_csv(sessions, path)
        buildings = await demo_buildings(sessions)
        catalog = Catalog.load(PROJECT_ROOT / "training_data" / "catalog.yml")
        now = utcnow()
        started = time.perf_counter()
        per_day = max(1, round(tickets / DAYS / 1.03))
        incidents, rows = generate(buildings, list(catalog.items()), end=now, days=DAYS,
                                   per_day=per_day)
        generated = time.perf_counter() - started
        async with sessions() as session:
            conn = await session.connection()
            for start in range(0, len(incidents), CHUNK):
                await conn.execute(insert(Incident), incidents[start:start + CHUNK])
            for start in range(0, len(rows), CHUNK):
                await conn.execute(insert(Ticket), rows[start:start + CHUNK])
            await session.commit()
        loaded = time.perf_counter() - started
        # ANALYZE in a committed transaction: statistics are transactional (PostgreSQL's
        # pg_statistic, SQLite's sqlite_stat1); rolled back, the planner guesses.
        async with engine.begin() as conn:
            await conn.exec_driver_sql("ANALYZE")
        async with sessions() as session:
            conn = await session.connection()
            count = (await conn.execute(select(func.count()).select_from(Ticket))).scalar_one()
        dialect = engine.dialect.name
        print(f"{dialect}: {count:,} tickets, {len(incidents)} incidents over {DAYS} days "
              f"(generated in {generated:.1f} s, generated+inserted in {loaded:.1f} s)")
        first = buildings[0]
        scopes = {
            "district staff": Scope(ScopeLevel.DISTRICT, first.district_code),
            "street staff": Scope(ScopeLevel.STREET, first.street_code),
            "secretary": Scope(ScopeLevel.COMMUNITY, first.community_code),
        }
        names = {item.intent: item.name for item in catalog.items()}
        for label, scope in scopes.items():
            for days in days_list:
                data: dict[str, Any] = {}

                async def step(scope: Scope = scope, days: int = days,
                               data: dict[str, Any] = data) -> None:
                    data.update(await dashboard_data(sessions, scope, now=now, days=days,
                                                     category_names=names))

                median, worst = await timed(runs, step)
                print(f"  dashboard_data {label:<15} {days:>3} days: "
                      f"median {median * 1000:7.1f} ms, max {worst * 1000:7.1f} ms "
                      f"({data['summary']['total']:,} tickets in the window)")

        async def export() -> None:
            lines = 0
            async for batch in export_rows(sessions, scopes["district staff"], now=now,
                                           days=30, category_names=names):
                lines += len(batch)

        median, worst = await timed(runs, export)
        print(f"  CSV export district 30 days: median {median * 1000:.1f} ms, "
              f"max {worst * 1000:.1f} ms")
        if compare:
            # The same figures without migration 0009's (unit, created_at) indexes: what
            # the dashboard cost before them, measured on the same machine in the same run.
            async with engine.begin() as conn:
                for name in INDEXES_0009:
                    await conn.exec_driver_sql(f"DROP INDEX {name}")
                await conn.exec_driver_sql("ANALYZE")
            for label, scope in scopes.items():
                found: dict[str, Any] = {}

                async def again(scope: Scope = scope, found: dict[str, Any] = found) -> None:
                    found.update(await dashboard_data(sessions, scope, now=now, days=30,
                                                      category_names=names))

                median, worst = await timed(runs, again)
                print(f"  without 0009: dashboard_data {label:<15}  30 days: "
                      f"median {median * 1000:7.1f} ms, max {worst * 1000:7.1f} ms")
    finally:
        await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--compare", action="store_true",
                        help="also time 30 days without the indexes of migration 0009")
    parser.add_argument("--days", default="30,180", help="windows to time, e.g. 30")
    parser.add_argument("--database-url", default=None,
                        help="a PostgreSQL server, e.g. postgresql://postgres@127.0.0.1:5432 "
                             "(a scratch database is created on it and dropped)")
    args = parser.parse_args()
    days_list = tuple(int(d) for d in args.days.split(","))
    if not args.database_url:
        with tempfile.TemporaryDirectory() as folder:
            await bench(f"sqlite:///{Path(folder) / 'bench.db'}", args.tickets, args.runs,
                        args.compare, days_list)
        return
    server = args.database_url.rstrip("/")
    name = f"minsheng_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(f"{server}/postgres")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            await bench(f"{server}/{name}", args.tickets, args.runs, args.compare, days_list)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
