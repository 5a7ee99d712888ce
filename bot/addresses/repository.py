"""Reading the registry from the database and writing it back idempotently.

Upserts compare each incoming record with the stored row and write only what changed, so a
second import of the same file reports everything ``unchanged`` and touches nothing. The
whole registry is read at once: even a city district (25,000 buildings) is a few megabytes,
and it saves one query per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.addresses.models import (
    AREA_TABLES,
    PARENT_COLUMN,
    AddrBuilding,
    AddrPerson,
    utcnow,
)
from bot.addresses.records import (
    AREA_LEVELS,
    AreaRecord,
    BuildingRecord,
    PersonRecord,
    Registry,
    join_aliases,
    split_aliases,
)

SessionFactory = async_sessionmaker[AsyncSession]

# Rows per INSERT/UPDATE batch: well under SQLite's and asyncpg's bound-parameter limits.
_BATCH = 500


@dataclass(slots=True)
class TableCount:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged


def _area_values(record: AreaRecord) -> dict[str, Any]:
    values: dict[str, Any] = {
        "code": record.code,
        "name": record.name,
        "aliases": join_aliases(record.aliases),
    }
    parent = PARENT_COLUMN[record.level]
    if parent is not None:
        values[parent] = record.parent_code
    return values


def _building_values(record: BuildingRecord) -> dict[str, Any]:
    return {
        "code": record.code,
        "compound_code": record.compound_code,
        "grid_code": record.grid_code,
        "microgrid_code": record.microgrid_code,
        "number": record.number,
        "name": record.name,
        "aliases": join_aliases(record.aliases),
        "units": record.units,
        "door_plate": record.door_plate,
        "lat": record.lat,
        "lng": record.lng,
    }


def _person_values(record: PersonRecord) -> dict[str, Any]:
    values: dict[str, Any] = {
        "code": record.code,
        "role": record.role,
        "level": record.level,
        "scope_code": record.scope_code,
        "name": record.name,
        "phone": record.phone,
    }
    # Empty channel ids in a CSV mean "not known here", not "unbind".
    for column in ("wechat_openid", "wecom_userid", "telegram_chat_id"):
        value = getattr(record, column)
        if value is not None:
            values[column] = value
    return values


def _columns(table: type[SQLModel], exclude: tuple[str, ...] = ("updated_at",)) -> list[Any]:
    return [column for name, column in table.__table__.columns.items()  # type: ignore[attr-defined]
            if name not in exclude]


async def _upsert(
    session: AsyncSession,
    table: type[SQLModel],
    incoming: Iterable[Mapping[str, Any]],
    *,
    write: bool,
) -> TableCount:
    """Insert new codes, update changed ones. A key missing from an incoming row keeps the
    stored value (people's channel ids, learned after the import)."""
    count = TableCount()
    incoming = list(incoming)
    if not incoming:
        return count
    columns = _columns(table)
    names = [column.name for column in columns]
    result = await session.exec(select(*columns))
    stored = {row.code: dict(row._mapping) for row in result}
    now = utcnow()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for values in incoming:
        old = stored.get(values["code"])
        if old is None:
            inserts.append({**dict.fromkeys(names), **values, "updated_at": now})
            count.inserted += 1
        elif _differs(old, values):
            updates.append({**old, **values, "updated_at": now})
            count.updated += 1
        else:
            count.unchanged += 1
    if write:
        for start in range(0, len(inserts), _BATCH):
            await session.exec(insert(table), params=inserts[start:start + _BATCH])
        for start in range(0, len(updates), _BATCH):
            await session.exec(update(table), params=updates[start:start + _BATCH])
    return count


def _differs(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    for key, value in new.items():
        current = old.get(key)
        if isinstance(value, float) and isinstance(current, float):
            if abs(value - current) > 1e-9:
                return True
        elif current != value:
            return True
    return False


async def write_registry(
    session_factory: SessionFactory, registry: Registry, *, write: bool = True
) -> dict[str, TableCount]:
    """Upsert every record of ``registry`` (parents first) in one transaction."""
    counts: dict[str, TableCount] = {}
    async with session_factory() as session:
        for level in AREA_LEVELS:
            values = [_area_values(r) for r in registry.areas[level].values()]
            counts[level] = await _upsert(session, AREA_TABLES[level], values, write=write)
        counts["building"] = await _upsert(
            session, AddrBuilding, map(_building_values, registry.buildings.values()), write=write
        )
        counts["person"] = await _upsert(
            session, AddrPerson, map(_person_values, registry.people.values()), write=write
        )
        if write:
            await session.commit()
    return counts


async def count_buildings(session_factory: SessionFactory) -> int:
    async with session_factory() as session:
        result = await session.exec(select(func.count()).select_from(AddrBuilding))
        return int(result.one())


async def load_registry(session_factory: SessionFactory) -> Registry:
    """The whole registry as records, ready for :class:`AddressBook`.

    Plain column rows, not ORM instances: building 25,000 validated models would cost
    seconds at every start and reload.
    """
    registry = Registry()
    async with session_factory() as session:
        for level in AREA_LEVELS:
            table = AREA_TABLES[level]
            parent = PARENT_COLUMN[level]
            for row in await session.exec(select(*_columns(table))):
                m = row._mapping
                registry.add_area(AreaRecord(
                    level=level,
                    code=m["code"],
                    name=m["name"],
                    parent_code=m[parent] if parent else None,
                    aliases=split_aliases(m["aliases"]),
                ))
        for row in await session.exec(select(*_columns(AddrBuilding))):
            b = row._mapping
            registry.buildings[b["code"]] = BuildingRecord(
                code=b["code"], number=b["number"], name=b["name"], grid_code=b["grid_code"],
                lat=b["lat"], lng=b["lng"], compound_code=b["compound_code"],
                microgrid_code=b["microgrid_code"], units=b["units"],
                door_plate=b["door_plate"], aliases=split_aliases(b["aliases"]),
            )
        for row in await session.exec(select(*_columns(AddrPerson))):
            p = row._mapping
            registry.people[p["code"]] = PersonRecord(
                code=p["code"], role=p["role"], level=p["level"], scope_code=p["scope_code"],
                name=p["name"], phone=p["phone"], wechat_openid=p["wechat_openid"],
                wecom_userid=p["wecom_userid"], telegram_chat_id=p["telegram_chat_id"],
            )
    return registry


CHANNEL_COLUMNS = {
    "wechat": "wechat_openid", "wecom": "wecom_userid", "telegram": "telegram_chat_id",
}


async def bind_person_channel(session_factory: SessionFactory, person_code: str, channel: str,
                              user_id: str | None) -> bool:
    """Record (or clear, with None) the id a person in charge has on ``channel``.

    Channel ids are learned after the import (a grid worker binds their WeChat once); a
    later import with empty channel columns keeps them. Returns False when no such person
    exists. Reload the address book to see the change.
    """
    column = CHANNEL_COLUMNS.get(channel)
    if column is None:
        raise ValueError(f"unknown channel {channel!r}; one of {', '.join(CHANNEL_COLUMNS)}")
    async with session_factory() as session:
        result = await session.exec(
            update(AddrPerson)
            .where(AddrPerson.code == person_code)  # type: ignore[arg-type]
            .values({column: user_id, "updated_at": utcnow()})
        )
        await session.commit()
        return bool(result.rowcount)
