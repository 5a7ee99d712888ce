"""Deadline scan time with 1,000,000 tickets in a PostgreSQL database.

    uv run python bench/deadline_scan.py [--tickets 1000000]
        [--server postgresql://postgres@127.0.0.1:5432]

A scratch database is created, migrated, given the demo address registry, and bulk-loaded
in SQL (``INSERT … SELECT … FROM generate_series``) with tickets spread over the last half
year: 95 % closed, 5 % still open (about 50,000), of which about 1,200 have just passed their
deadline and not yet been escalated — what the scan must find. The database is dropped at
the end.

Printed:

* the scan query (one batch of 200, the exact statement ``jobs.escalate_overdue`` issues,
  ``FOR UPDATE SKIP LOCKED``): median and max of 20 runs, and its plan;
* counting every overdue ticket with the same predicate;
* the same scan with index scans switched off, to show the figure comes from the partial
  index ``ix_ticket_deadline_open`` and not from caching;
* the whole deadline job: finding *and* escalating every overdue ticket (new tier, new
  deadline, event rows, staff notices and resident pushes in the outbox);
* filing 200 tickets into the big table (routing, numbering, duplicate/cluster check).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg
from sqlalchemy import func, text
from sqlalchemy.dialects import postgresql
from sqlmodel import col, select

from bot.addresses import AddressBook, import_csv
from bot.addresses.importer import iter_demo_files
from bot.addresses.models import AddrBuilding
from bot.config import PROJECT_ROOT
from bot.db import create_engine_for, make_session_factory, upgrade
from bot.tickets import Catalog, TicketDraft, TicketService, jobs
from bot.tickets.clock import utcnow
from bot.tickets.models import OPEN_STATUS_SQL, OutboxMessage, Ticket

FILINGS = 200

LOAD_SQL = """
INSERT INTO ticket (
    number, category, domain, description, building_code, address_text,
    district_code, district_name, street_code, street_name, community_code, community_name,
    grid_code, grid_name, lat, lng, reporter_channel, reporter_id, anonymous, status,
    urgency, department, tier, responsible_unit, deadline, expected_hours, working_hours,
    overdue, escalations, reminder_sent, supporters, created_at, updated_at, resolved_at,
    resolved_tier, closed_at)
SELECT
    to_char(DATE '2025-01-01' + (i / 5000), 'YYYYMMDD') || '-' || lpad((i % 5000)::text, 4, '0'),
    c.category, c.domain, '楼道灯坏了，晚上很黑', b.code, b.address,
    b.district_code, b.district_name, b.street_code, b.street_name,
    b.community_code, b.community_name, b.grid_code, b.grid_name, b.lat, b.lng,
    'web', 'resident-' || i, false,
    CASE WHEN i % 20 = 0
         THEN (ARRAY['submitted', 'accepted', 'in_progress', 'reopened'])[1 + (i / 20) % 4]
         ELSE 'closed' END,
    'normal', 'municipal', 'community', b.community_name,
    t.created + interval '72 hours', 72, false,
    -- Open tickets past their deadline were handled by earlier scans, except one in 40:
    -- those just fell due and are what this scan must find.
    (i % 20 = 0 AND t.created + interval '72 hours' <= $1::timestamp AND (i / 20) % 40 <> 0),
    0, false, 0, t.created, t.created,
    CASE WHEN i % 20 = 0 THEN NULL ELSE t.created + interval '24 hours' END,
    CASE WHEN i % 20 = 0 THEN NULL ELSE 'community' END,
    CASE WHEN i % 20 = 0 THEN NULL ELSE t.created + interval '48 hours' END
FROM generate_series($2::int, $3::int) AS i
CROSS JOIN LATERAL (SELECT $1::timestamp - ($4::int - i) * interval '15 seconds' AS created) AS t
JOIN bench_building AS b ON b.k = i % $5::int
JOIN bench_category AS c ON c.k = i % $6::int
"""


async def load(
    admin_url: str, book: AddressBook, catalog: Catalog, codes: list[str], count: int, now
) -> float:  # type: ignore[no-untyped-def]
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(
            "CREATE TEMP TABLE bench_building (k int, code text, address text, district_code text,"
            " district_name text, street_code text, street_name text, community_code text,"
            " community_name text, grid_code text, grid_name text, lat float, lng float)"
        )
        rows = []
        for k, code in enumerate(codes):
            info = book.building(code)
            assert info is not None
            rows.append(
                (
                    k,
                    info.code,
                    info.address,
                    info.district_code,
                    info.district_name,
                    info.street_code,
                    info.street_name,
                    info.community_code,
                    info.community_name,
                    info.grid_code,
                    info.grid_name,
                    info.lat,
                    info.lng,
                )
            )
        await conn.copy_records_to_table("bench_building", records=rows)
        await conn.execute("CREATE TEMP TABLE bench_category (k int, category text, domain text)")
        items = catalog.items()
        await conn.copy_records_to_table(
            "bench_category", records=[(k, i.intent, i.domain) for k, i in enumerate(items)]
        )
        started = time.perf_counter()
        step = 200_000
        for first in range(1, count + 1, step):
            last = min(first + step - 1, count)
            await conn.execute(LOAD_SQL, now, first, last, count, len(rows), len(items))
            print(f"  loaded {last:,} tickets", flush=True)
        await conn.execute("ANALYZE ticket")
        return time.perf_counter() - started
    finally:
        await conn.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    args = parser.parse_args()

    name = f"minsheng_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(f"{args.server}/postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{args.server}/{name}"
    engine = create_engine_for(url)
    try:
        await upgrade(url)
        sessions = make_session_factory(engine)
        for path in iter_demo_files(PROJECT_ROOT / "training_data" / "addresses"):
            await import_csv(sessions, path)
        book = await AddressBook.load(sessions)
        catalog = Catalog.load(PROJECT_ROOT / "training_data" / "catalog.yml")
        async with sessions() as session:
            codes = list(await session.exec(select(AddrBuilding.code).order_by(AddrBuilding.code)))
        now = utcnow().replace(microsecond=0)
        print(f"bulk-loading {args.tickets:,} tickets ...", flush=True)
        seconds = await load(url, book, catalog, codes, args.tickets, now)
        service = TicketService(sessions, catalog, book, clock=lambda: now)

        async with sessions() as session:
            total = (await session.exec(select(func.count()).select_from(Ticket))).one()
            open_count = (
                await session.exec(
                    select(func.count()).select_from(Ticket).where(text(OPEN_STATUS_SQL))
                )
            ).one()
            due = (
                await session.exec(
                    select(func.count())
                    .select_from(Ticket)
                    .where(
                        text(OPEN_STATUS_SQL),
                        col(Ticket.overdue).is_(False),
                        col(Ticket.deadline) <= now,
                    )
                )
            ).one()
        print(
            f"loaded in {seconds:.1f} s: {total:,} tickets, {open_count:,} open, "
            f"{due:,} past their deadline and not yet escalated"
        )

        query = jobs.overdue_query(now, jobs.BATCH)
        sql = str(
            query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
        )

        async def timed(statement: str, repeat: int, setup: tuple[str, ...] = ()) -> list[float]:
            conn = await asyncpg.connect(url)
            try:
                for line in setup:
                    await conn.execute(line)
                times = []
                for _ in range(repeat):
                    transaction = conn.transaction()
                    await transaction.start()
                    started = time.perf_counter()
                    await conn.fetch(statement)
                    times.append(time.perf_counter() - started)
                    await transaction.rollback()  # release the row locks untouched
                return times
            finally:
                await conn.close()

        scan = await timed(sql, 20)
        print(
            f"scan, one batch of {jobs.BATCH} (FOR UPDATE SKIP LOCKED): "
            f"median {statistics.median(scan) * 1000:.2f} ms, max {max(scan) * 1000:.2f} ms"
        )
        count_sql = (
            f"SELECT count(*) FROM ticket WHERE {OPEN_STATUS_SQL} AND overdue = false "
            f"AND deadline <= '{now.isoformat(sep=' ')}'"
        )
        counted = await timed(count_sql, 10)
        print(f"count every overdue ticket: median {statistics.median(counted) * 1000:.2f} ms")
        conn = await asyncpg.connect(url)
        try:
            plan = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        finally:
            await conn.close()
        print("plan:\n  " + "\n  ".join(r[0] for r in plan))
        seq = await timed(sql, 3, ("SET enable_indexscan = off", "SET enable_bitmapscan = off"))
        print(
            f"same scan without index scans (sequential): median "
            f"{statistics.median(seq) * 1000:.0f} ms"
        )

        started = time.perf_counter()
        handled = await jobs.escalate_overdue(service, now)
        elapsed = time.perf_counter() - started
        async with sessions() as session:
            queued = (await session.exec(select(func.count()).select_from(OutboxMessage))).one()
        print(
            f"whole deadline job: {handled:,} tickets escalated in {elapsed:.2f} s "
            f"({handled / elapsed:,.0f} tickets/s, {queued:,} outbox rows queued)"
        )
        again = time.perf_counter()
        assert await jobs.escalate_overdue(service, now + timedelta(seconds=1)) == 0
        print(f"next run with nothing due: {(time.perf_counter() - again) * 1000:.2f} ms")

        # Filing is not slowed down by a big table: the duplicate/cluster check reads one
        # category's last hours through ix_ticket_category_created.
        started = time.perf_counter()
        for i in range(FILINGS):
            await service.file(
                TicketDraft(
                    category=catalog.items()[i % len(catalog.items())].intent,
                    description="楼道灯坏了，晚上很黑",
                    reporter_channel="web",
                    reporter_id=f"late-{i}",
                    building_code=codes[i % len(codes)],
                )
            )
        elapsed = time.perf_counter() - started
        print(
            f"filing with the big table: {FILINGS} tickets one after another, "
            f"{elapsed / FILINGS * 1000:.1f} ms each"
        )
    finally:
        await engine.dispose()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
