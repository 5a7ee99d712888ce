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

from sqlalchemy import delete, func, insert, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.addresses.codes import CHANNEL_NAME_RE
from bot.addresses.models import (
    AREA_TABLES,
    PARENT_COLUMN,
    USER_ID_LENGTH,
    AddrBuilding,
    AddrPerson,
    PersonChannel,
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
from bot.errors import AddressError

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
    return {
        "code": record.code,
        "role": record.role,
        "level": record.level,
        "scope_code": record.scope_code,
        "name": record.name,
        "phone": record.phone,
    }


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
        counts["channel"] = await _upsert_channels(session, registry.people.values(),
                                                   write=write)
        if write:
            await session.commit()
    return counts


async def _upsert_channels(session: AsyncSession, people: Iterable[PersonRecord], *,
                           write: bool) -> TableCount:
    """Add or replace the channel ids the records carry. A channel a record does not name
    keeps its stored row: an empty id in a CSV means "not known here", not "unbind"."""
    count = TableCount()
    result = await session.exec(
        select(PersonChannel.person_code, PersonChannel.channel, PersonChannel.user_id)
    )
    stored = {(code, channel): user_id for code, channel, user_id in result}
    now = utcnow()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for person in people:
        for channel, user_id in person.channels.items():
            old = stored.get((person.code, channel))
            values = {"person_code": person.code, "channel": channel, "user_id": user_id,
                      "updated_at": now}
            if old is None:
                inserts.append(values)
                count.inserted += 1
            elif old != user_id:
                updates.append(values)
                count.updated += 1
            else:
                count.unchanged += 1
    if write:
        for values in updates:
            await session.exec(
                update(PersonChannel)
                .where(PersonChannel.person_code == values["person_code"],  # type: ignore[arg-type]
                       PersonChannel.channel == values["channel"])  # type: ignore[arg-type]
                .values(user_id=values["user_id"], updated_at=now)
            )
        for start in range(0, len(inserts), _BATCH):
            await session.exec(insert(PersonChannel), params=inserts[start:start + _BATCH])
    return count


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
        channels: dict[str, dict[str, str]] = {}
        result = await session.exec(
            select(PersonChannel.person_code, PersonChannel.channel, PersonChannel.user_id)
            .order_by(PersonChannel.person_code, PersonChannel.channel)
        )
        for code, channel, user_id in result:
            channels.setdefault(code, {})[channel] = user_id
        for row in await session.exec(select(*_columns(AddrPerson))):
            p = row._mapping
            registry.people[p["code"]] = PersonRecord(
                code=p["code"], role=p["role"], level=p["level"], scope_code=p["scope_code"],
                name=p["name"], phone=p["phone"], channels=channels.get(p["code"], {}),
            )
    return registry


class ChannelTaken(AddressError):
    """The id on that channel already belongs to another person."""

    code = "channel_taken"

    def __init__(self, channel: str, user_id: str, person_code: str) -> None:
        super().__init__(f"that {channel} id is already bound to person {person_code}")
        self.channel = channel
        self.user_id = user_id
        self.person_code = person_code


def check_channel_name(channel: str) -> str:
    """``channel`` if it is a well-formed channel name (``wecom``, ``miniprogram``), else
    ValueError. Any such name is accepted: a new channel needs no code here."""
    if not CHANNEL_NAME_RE.match(channel):
        raise ValueError(
            f"channel {channel!r} is not a channel name (lower-case letters, digits and _, "
            "starting with a letter, at most 32)"
        )
    return channel


async def bind_person_channel(session_factory: SessionFactory, person_code: str, channel: str,
                              user_id: str | None) -> bool:
    """Record, replace or (with None) remove the id a person in charge has on ``channel``.

    Channel ids are learned after the import (a grid worker binds their WeChat once); a
    later import without them keeps them. Returns False when no such person exists.
    Raises :class:`ChannelTaken` when the id belongs to another person on that channel
    (unbind it there first), ValueError for a malformed channel name or id. Reload the
    address book to see the change.
    """
    check_channel_name(channel)
    if user_id is not None:
        user_id = user_id.strip()
        if not user_id or len(user_id) > USER_ID_LENGTH:
            raise ValueError(f"a channel id is 1..{USER_ID_LENGTH} characters")
    async with session_factory() as session:
        exists = await session.exec(
            select(AddrPerson.code).where(AddrPerson.code == person_code)
        )
        if exists.first() is None:
            return False
        if user_id is None:
            await session.exec(
                delete(PersonChannel)
                .where(PersonChannel.person_code == person_code,  # type: ignore[arg-type]
                       PersonChannel.channel == channel)  # type: ignore[arg-type]
            )
            await session.commit()
            return True
        holder = (await session.exec(
            select(PersonChannel.person_code)
            .where(PersonChannel.channel == channel, PersonChannel.user_id == user_id)
        )).first()
        if holder is not None and holder != person_code:
            raise ChannelTaken(channel, user_id, holder)
        row = await session.get(PersonChannel, (person_code, channel))
        if row is None:
            session.add(PersonChannel(person_code=person_code, channel=channel,
                                      user_id=user_id))
        else:
            row.user_id = user_id
            row.updated_at = utcnow()
            session.add(row)
        await session.commit()
        return True
