"""Six months of made-up but realistic tickets, so the dashboard has something to show.

``minsheng demo history [--months 6] [--per-day N] [--force]`` spreads tickets over the demo
district's buildings and the service catalog's items: busier and quieter communities, a
weekly rhythm, statuses by age (old tickets are closed, recent ones still open), the tier
that resolved each one near the 60/30/10 target, deadlines mostly met, ratings, and a few
incidents (clusters, some of them red).

History tickets are marked by their channel (:data:`HISTORY_CHANNEL`) and an ``H`` number
prefix, so they never collide with real numbering and can be replaced (``--force``).
Rows are written with bulk ``INSERT ... VALUES`` statements in chunks, not one by one.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.addresses.book import AddressBook
from bot.addresses.repository import load_registry
from bot.addresses.types import BuildingInfo
from bot.tickets._ops import DEMO_HISTORY_CHANNEL
from bot.tickets.catalog import Catalog, CatalogItem
from bot.tickets.clock import utcnow
from bot.tickets.models import (
    Incident,
    OutboxMessage,
    Ticket,
    TicketEvent,
    TicketEvidence,
    TicketSupporter,
)

HISTORY_CHANNEL = DEMO_HISTORY_CHANNEL
CHUNK = 2000
#: Share of resolved tickets each tier resolves (community, street, district).
TIER_WEIGHTS = (0.6, 0.3, 0.1)
TIERS = ("community", "street", "district")
RATING_SCORES = (5, 4, 3, 2, 1)
RATING_SHARES = (0.55, 0.22, 0.11, 0.07, 0.05)
_PHRASES = ("，好几天了", "，希望尽快处理", "，麻烦来看看", "，影响出行", "，晚上尤其明显", "")


class HistoryExists(Exception):
    """History tickets are already there (use ``force`` to replace them)."""

    def __init__(self, count: int) -> None:
        super().__init__(f"{count} history tickets exist")
        self.count = count


@dataclass(frozen=True, slots=True)
class HistoryReport:
    tickets: int
    incidents: int
    removed: int
    start: datetime
    end: datetime


def _item_weights(items: Sequence[CatalogItem], rng: random.Random) -> list[float]:
    # A long tail: a few kinds of demand dominate, as in real 12345 data.
    return [1.0 / (1 + rank) ** 0.8 * rng.uniform(0.7, 1.3) for rank in range(len(items))]


def _local_day_start(moment_utc: datetime) -> datetime:
    aware = (moment_utc + timedelta(hours=8)).replace(hour=0, minute=0, second=0, microsecond=0)
    return aware - timedelta(hours=8)  # China has no summer time: +8 all year


def generate(
    buildings: Sequence[BuildingInfo],
    items: Sequence[CatalogItem],
    *,
    end: datetime,
    days: int,
    per_day: int,
    seed: int = 12345,
    first_incident_id: int = 1,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows (as dicts for bulk insert) of incidents and tickets over ``days`` days ending at
    ``end`` (naive UTC). Incident ids are assigned from ``first_incident_id``."""
    if not buildings or not items:
        return [], []
    rng = random.Random(seed)
    communities = sorted({b.community_code for b in buildings})
    busy = {code: rng.uniform(0.4, 1.8) for code in communities}
    # A few communities get busier lately (so 自比 has something to point at).
    rising = set(rng.sample(communities, max(1, len(communities) // 5)))
    streets = sorted({b.street_code for b in buildings})
    street_tiers = {
        code: [w * rng.uniform(0.8, 1.2) for w in TIER_WEIGHTS] for code in streets
    }
    street_quality = {code: rng.uniform(0.7, 0.95) for code in streets}
    item_weights = _item_weights(items, rng)
    first_day = _local_day_start(end) - timedelta(days=days)
    incidents: list[dict[str, Any]] = []
    tickets: list[dict[str, Any]] = []
    incident_id = first_incident_id
    for day_index in range(days + 1):  # ``days`` whole days, then today up to ``end``
        day = first_day + timedelta(days=day_index)
        if day >= end:
            break
        local_day = day + timedelta(hours=8)
        weekday = local_day.weekday()
        rhythm = (1.1 if weekday < 5 else 0.75) * (1 + 0.15 * math.sin(day_index / 9.0))
        recent = day_index >= days - 30
        day_number = f"H{local_day:%Y%m%d}"
        sequence = 0
        expected = per_day * rhythm
        count = max(0, int(rng.gauss(expected, math.sqrt(expected) + 0.5)))
        weights = [
            busy[b.community_code] * (1.8 if recent and b.community_code in rising else 1.0)
            for b in buildings
        ]
        chosen = rng.choices(buildings, weights=weights, k=count)
        kinds = rng.choices(items, weights=item_weights, k=count)
        cluster: list[tuple[int, BuildingInfo, CatalogItem, bool]] = []
        if rng.random() < 0.12:  # an incident: several reports of one thing in one place
            place = rng.choice(buildings)
            kind = rng.choices(items, weights=item_weights)[0]
            size = rng.randint(3, 9)
            red = size >= 6
            age_days = days - day_index
            status = "open" if age_days <= 5 else "resolved"
            created = day + timedelta(hours=rng.uniform(0, 10))
            incidents.append({
                "id": incident_id, "category": kind.intent, "grid_code": place.grid_code,
                "community_code": place.community_code, "street_code": place.street_code,
                "street_name": place.street_name,
                "title": f"{place.community_name}{place.compound_name or ''}{kind.name}",
                "status": status, "urgency": "red" if red else "high", "reporters": size,
                "created_at": created, "red_at": created + timedelta(hours=2) if red else None,
                "resolved_at": None if status == "open" else created + timedelta(days=1),
            })
            cluster = [(incident_id, place, kind, red)] * size
            incident_id += 1
        for index, (place, kind) in enumerate(zip(chosen, kinds, strict=True)):
            row = _ticket(
                rng, place, kind, day, end, f"{day_number}-{sequence + 1:05d}",
                street_tiers[place.street_code], street_quality[place.street_code],
                reporter=f"demo-{day_index}-{index}",
            )
            if row["created_at"] < end - timedelta(minutes=5):  # none from the future
                sequence += 1
                tickets.append(row)
        for index, (incident, place, kind, red) in enumerate(cluster):
            sequence += 1
            row = _ticket(
                rng, place, kind, day, end, f"{day_number}-{sequence:05d}",
                street_tiers[place.street_code], street_quality[place.street_code],
                reporter=f"demo-{day_index}-i{index}",
            )
            row["incident_id"] = incident
            row["urgency"] = "red" if red else "high"
            tickets.append(row)
    return incidents, tickets


def _ticket(
    rng: random.Random,
    place: BuildingInfo,
    kind: CatalogItem,
    day: datetime,
    now: datetime,
    number: str,
    tier_weights: list[float],
    quality: float,
    *,
    reporter: str,
) -> dict[str, Any]:
    created = day + timedelta(hours=rng.uniform(-1, 13.5))  # local 07:00-21:30
    created = min(created, now - timedelta(minutes=5))  # incident tickets of today
    limit = kind.time_limit_hours * (2.8 if kind.working_hours else 1.0)
    deadline = created + timedelta(hours=limit)
    age_hours = (now - created).total_seconds() / 3600
    # Old tickets are done; young ones are still being worked on.
    done_chance = min(0.97, 0.15 + age_hours / max(limit * 1.6, 1.0))
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    resolved_tier: str | None = None
    rating: int | None = None
    roll = rng.random()
    if roll < 0.03:
        status = "rejected"
        closed_at = created + timedelta(hours=rng.uniform(1, 24))
    elif roll < done_chance:
        on_time = rng.random() < quality
        share = rng.uniform(0.15, 0.95) if on_time else rng.uniform(1.05, 2.5)
        resolved_at = min(created + timedelta(hours=limit * share), now - timedelta(minutes=1))
        resolved_tier = rng.choices(TIERS, weights=tier_weights)[0]
        if (now - resolved_at) > timedelta(days=3) or rng.random() < 0.5:
            status = "closed"
            closed_at = resolved_at + timedelta(hours=rng.uniform(2, 72))
            if rng.random() < 0.72:
                score = rng.choices(RATING_SCORES, weights=RATING_SHARES)[0]
                if not on_time and score > 2 and rng.random() < 0.3:
                    score -= 2
                rating = score
        else:
            status = "resolved"
    else:
        status = rng.choices(
            ("submitted", "accepted", "in_progress", "transferred", "escalated", "reopened"),
            weights=(3, 3, 5, 1, 1, 0.5),
        )[0]
    tier = resolved_tier or ("street" if status == "escalated" else kind.first_tier.value)
    return {
        "number": number,
        "category": kind.intent,
        "domain": kind.domain,
        "description": f"{place.compound_name or ''}{place.name}{kind.name}{rng.choice(_PHRASES)}",
        "building_code": place.code,
        "lat": place.lat,
        "lng": place.lng,
        "address_text": place.address,
        "district_code": place.district_code,
        "district_name": place.district_name,
        "street_code": place.street_code,
        "street_name": place.street_name,
        "community_code": place.community_code,
        "community_name": place.community_name,
        "grid_code": place.grid_code,
        "grid_name": place.grid_name,
        "reporter_channel": HISTORY_CHANNEL,
        "reporter_id": reporter,
        "status": status,
        "urgency": kind.urgency.value,
        "department": kind.department.code,
        "tier": tier,
        "responsible_unit": kind.department.name,
        "deadline": deadline,
        "expected_hours": kind.time_limit_hours,
        "working_hours": kind.working_hours,
        "overdue": (resolved_at or now) > deadline and status != "rejected",
        "escalations": TIERS.index(tier),
        "incident_id": None,
        "resolved_tier": resolved_tier,
        "rating": rating,
        # The rating reminder is not for made-up residents (their channel has no output).
        "reminder_sent": True,
        "created_at": created,
        "updated_at": closed_at or resolved_at or created,
        "resolved_at": resolved_at,
        "closed_at": closed_at,
    }


async def demo_buildings(sessions: async_sessionmaker[AsyncSession]) -> list[BuildingInfo]:
    """Every building of the registry with its whole chain (the demo district's, by default)."""
    registry = await load_registry(sessions)
    book = AddressBook.from_registry(registry)
    found = (book.building(code) for code in sorted(registry.buildings))
    return [info for info in found if info is not None]


async def history_count(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        conn = await session.connection()
        result = await conn.execute(
            select(func.count()).select_from(Ticket).where(
                col(Ticket.reporter_channel) == HISTORY_CHANNEL
            )
        )
        return int(result.scalar_one())


async def remove_history(sessions: async_sessionmaker[AsyncSession]) -> int:
    """Delete history tickets (with anything staff attached to them since) and their
    incidents. Returns how many tickets went."""
    history = col(Ticket.reporter_channel) == HISTORY_CHANNEL
    async with sessions() as session:
        conn = await session.connection()
        ids = select(col(Ticket.id)).where(history)
        incidents = [
            row[0] for row in await conn.execute(
                select(col(Ticket.incident_id)).where(
                    history, col(Ticket.incident_id).is_not(None)
                ).distinct()
            )
        ]
        await conn.execute(delete(TicketEvent).where(col(TicketEvent.ticket_id).in_(ids)))
        await conn.execute(
            delete(TicketSupporter).where(col(TicketSupporter.ticket_id).in_(ids))
        )
        await conn.execute(delete(TicketEvidence).where(col(TicketEvidence.ticket_id).in_(ids)))
        await conn.execute(delete(OutboxMessage).where(col(OutboxMessage.ticket_id).in_(ids)))
        result = await conn.execute(delete(Ticket).where(history))
        if incidents:
            await conn.execute(delete(Incident).where(col(Incident.id).in_(incidents)))
        await session.commit()
        return int(result.rowcount or 0)


async def write_history(
    sessions: async_sessionmaker[AsyncSession],
    buildings: Sequence[BuildingInfo],
    catalog: Catalog,
    *,
    months: int = 6,
    per_day: int = 40,
    force: bool = False,
    now: datetime | None = None,
    seed: int = 12345,
) -> HistoryReport:
    """Write ``months`` months of history ending now. Raises :class:`HistoryExists` when
    history is already there, unless ``force`` (which replaces it)."""
    end = now or utcnow()
    removed = 0
    existing = await history_count(sessions)
    if existing:
        if not force:
            raise HistoryExists(existing)
        removed = await remove_history(sessions)
    days = round(months * 30.4)
    async with sessions() as session:
        conn = await session.connection()
        last = (await conn.execute(select(func.max(col(Incident.id))))).scalar_one()
        first_incident = int(last or 0) + 1
    incidents, tickets = generate(
        buildings, list(catalog.items()), end=end, days=days, per_day=per_day, seed=seed,
        first_incident_id=first_incident,
    )
    async with sessions() as session:
        connection = await session.connection()
        for start in range(0, len(incidents), CHUNK):
            await connection.execute(insert(Incident), incidents[start:start + CHUNK])
        for start in range(0, len(tickets), CHUNK):
            await connection.execute(insert(Ticket), tickets[start:start + CHUNK])
        if connection.dialect.name == "postgresql" and incidents:
            await connection.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('incident', 'id'), "
                "(SELECT max(id) FROM incident))"
            )
        await session.commit()
    start_at = end - timedelta(days=days)
    return HistoryReport(len(tickets), len(incidents), removed, start_at, end)


# -- the command line -----------------------------------------------------------------------


async def _run(args: argparse.Namespace) -> int:
    from bot.config import load_settings
    from bot.console import dashboard_texts as texts
    from bot.db import create_engine_for, make_session_factory
    from bot.runtime import catalog_path

    overrides: dict[str, object] = {}
    if args.database_url:
        overrides["database_url"] = args.database_url
    settings = load_settings(**overrides)
    engine = create_engine_for(settings.effective_database_url)
    try:
        sessions = make_session_factory(engine)
        buildings = await demo_buildings(sessions)
        if not buildings:
            print(texts.CLI_NO_BUILDINGS)
            return 1
        try:
            report = await write_history(
                sessions, buildings, Catalog.load(catalog_path(settings)),
                months=args.months, per_day=args.per_day, force=args.force,
            )
        except HistoryExists as exc:
            print(texts.CLI_HISTORY_EXISTS.format(count=exc.count))
            return 1
    finally:
        await engine.dispose()
    print(texts.CLI_HISTORY_DONE.format(
        tickets=report.tickets, incidents=report.incidents, removed=report.removed,
        start=f"{report.start + timedelta(hours=8):%Y-%m-%d}",
        end=f"{report.end + timedelta(hours=8):%Y-%m-%d}",
    ))
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))


def register_cli(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``minsheng demo history``."""
    from bot.console import dashboard_texts as texts

    demo = sub.add_parser("demo", help=texts.CLI_DEMO_HELP)
    demo_sub = demo.add_subparsers(dest="demo_command", required=True)
    history = demo_sub.add_parser("history", help=texts.CLI_HISTORY_HELP)
    history.add_argument("--months", type=int, default=6)
    history.add_argument("--per-day", type=int, default=40, dest="per_day")
    history.add_argument("--force", action="store_true", help=texts.CLI_FORCE_HELP)
    history.add_argument("--database-url", default=None, dest="database_url")
    history.set_defaults(handler=cmd_history)


__all__ = [
    "HISTORY_CHANNEL", "HistoryExists", "HistoryReport", "demo_buildings", "generate",
    "register_cli", "remove_history", "write_history",
]
