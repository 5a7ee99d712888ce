"""The address book: the whole registry in memory, answering without touching the database.

Every message of a report goes through :meth:`AddressBook.resolve`, so it must be fast and
lock-free. The book holds one immutable snapshot (buildings, resolver index, point index);
:meth:`AddressBook.reload` builds a new snapshot and swaps the reference, so requests in
flight finish on the old one and nothing ever blocks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlmodel import SQLModel

from bot.addresses.geo import PointIndex
from bot.addresses.numerals import number_sort_key
from bot.addresses.places import Place, PlaceIndex
from bot.addresses.records import PersonRecord, Registry
from bot.addresses.repository import SessionFactory, load_registry
from bot.addresses.resolver import Resolver
from bot.addresses.types import (
    BuildingInfo,
    Candidate,
    Contact,
    GridInfo,
    Level,
    Resolution,
    Route,
)
from bot.errors import AddressError

log = logging.getLogger(__name__)

#: A pin farther than this from every building is outside the registry's area.
GRID_MAX_DISTANCE_M = 1500.0
_LEVEL_ORDER = ("compound", "microgrid", "grid", "community", "street", "district")
#: Contact order on routes and pages: the grid worker is the first to call.
ROLES_ORDER = ("grid_worker", "secretary", "police")
# Every role a route carries: the contact roles and the lift company's rescue line.
_ROUTE_ROLES = (*ROLES_ORDER, "lift_rescue")


class UnknownAddress(AddressError):
    """A building or grid code that is not in the registry."""

    code = "unknown_address"


@dataclass(frozen=True, slots=True)
class _Snapshot:
    registry: Registry
    infos: dict[str, BuildingInfo]
    resolver: Resolver
    points: PointIndex
    places: PlaceIndex
    people_by_scope: dict[str, list[PersonRecord]]
    people_by_channel: dict[tuple[str, str], PersonRecord]
    community_buildings: dict[str, list[str]]


def _build_infos(registry: Registry) -> dict[str, BuildingInfo]:
    areas = registry.areas
    infos: dict[str, BuildingInfo] = {}
    for b in registry.buildings.values():
        grid = areas["grid"].get(b.grid_code)
        community = areas["community"].get(grid.parent_code or "") if grid else None
        street = areas["street"].get(community.parent_code or "") if community else None
        district = areas["district"].get(street.parent_code or "") if street else None
        if grid is None or community is None or street is None or district is None:
            log.warning("building %s skipped: its grid chain is incomplete", b.code)
            continue
        compound = areas["compound"].get(b.compound_code or "")
        microgrid = areas["microgrid"].get(b.microgrid_code or "")
        address = "".join((district.name, street.name, community.name,
                           compound.name if compound else "", b.name))
        infos[b.code] = BuildingInfo(
            code=b.code, address=address, name=b.name, number=b.number, units=b.units,
            door_plate=b.door_plate,
            compound_code=compound.code if compound else None,
            compound_name=compound.name if compound else None,
            microgrid_code=microgrid.code if microgrid else None,
            microgrid_name=microgrid.name if microgrid else None,
            grid_code=grid.code, grid_name=grid.name,
            community_code=community.code, community_name=community.name,
            street_code=street.code, street_name=street.name,
            district_code=district.code, district_name=district.name,
            lat=b.lat, lng=b.lng,
        )
    return infos


def _snapshot(registry: Registry) -> _Snapshot:
    infos = _build_infos(registry)
    ordered = sorted(infos.values(), key=lambda i: (i.community_code, i.compound_code or "",
                                                    number_sort_key(i.number), i.code))
    people: dict[str, list[PersonRecord]] = {}
    for person in sorted(registry.people.values(), key=lambda p: p.code):
        people.setdefault(person.scope_code, []).append(person)
    by_channel: dict[tuple[str, str], PersonRecord] = {}
    for person in registry.people.values():
        for channel, user_id in person.channels.items():
            by_channel[(channel, user_id)] = person
    community_buildings: dict[str, list[str]] = {}
    for info in ordered:
        community_buildings.setdefault(info.community_code, []).append(info.code)
    return _Snapshot(
        registry=registry,
        infos=infos,
        resolver=Resolver(registry, infos),
        points=PointIndex([i.code for i in ordered], [i.lat for i in ordered],
                          [i.lng for i in ordered]),
        places=PlaceIndex(registry, infos),
        people_by_scope=people,
        people_by_channel=by_channel,
        community_buildings=community_buildings,
    )


class AddressBook:
    """In-memory standard-address registry: resolve text, route buildings, find by point."""

    def __init__(self, registry: Registry, session_factory: SessionFactory | None = None
                 ) -> None:
        self._session_factory = session_factory
        self._snap = _snapshot(registry)
        self._version: tuple[Any, ...] | None = None

    @classmethod
    async def load(cls, session_factory: SessionFactory) -> AddressBook:
        """Read the registry from the database (an empty registry gives an empty book)."""
        # The version first: a change landing while we read is then seen by the next check.
        version = await _data_version(session_factory)
        book = cls(await load_registry(session_factory), session_factory)
        book._version = version
        return book

    @classmethod
    def from_registry(cls, registry: Registry) -> AddressBook:
        return cls(registry)

    async def reload(self) -> None:
        """Re-read the database and swap in the new snapshot atomically."""
        if self._session_factory is None:
            raise RuntimeError("this address book was not loaded from a database")
        version = await _data_version(self._session_factory)
        registry = await load_registry(self._session_factory)
        self._snap = _snapshot(registry)
        self._version = version
        log.info("address book reloaded: %d buildings", len(self._snap.infos))

    async def reload_if_changed(self) -> bool:
        """Reload when the registry's tables changed since the last load (one cheap query:
        row counts and latest ``updated_at``). True when it reloaded."""
        if self._session_factory is None:
            return False
        if await _data_version(self._session_factory) == self._version:
            return False
        await self.reload()
        return True

    async def watch(self, interval: float, stop: asyncio.Event | None = None) -> None:
        """Check every ``interval`` seconds and reload on change (a background task), so an
        import by any worker or the CLI reaches every worker."""
        stop = stop or asyncio.Event()
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
                return
            try:
                await self.reload_if_changed()
            except Exception:  # keep serving the old snapshot; the database may be back soon
                log.exception("could not check the address registry for changes")

    def __len__(self) -> int:
        return len(self._snap.infos)

    # ------------------------------------------------------------ lookups

    def building(self, code: str) -> BuildingInfo | None:
        return self._snap.infos.get(code)

    def buildings_in_community(self, community_code: str) -> list[BuildingInfo]:
        """Buildings of one community, by compound and natural building number."""
        snap = self._snap
        return [snap.infos[c] for c in snap.community_buildings.get(community_code, [])]

    def community_name(self, code: str) -> str | None:
        area = self._snap.registry.areas["community"].get(code)
        return area.name if area else None

    def resolve(self, text: str, *, community_hint: str | None = None) -> Resolution:
        """Free text (a whole message is fine) -> ranked buildings and what is missing.

        ``community_hint`` (a community code or name) narrows compounds with the same name,
        e.g. when the chat group belongs to one community.
        """
        return self._snap.resolver.resolve(text, community_hint)

    def locate(self, text: str, *, community_hint: str | None = None, context: str = "",
               resolution: Resolution | None = None) -> Place | None:
        """A place outdoors that ``text`` names — a crossing of two roads, a compound's gate,
        a road — with a point to route it by; None when it names none (or a building, or a
        compound several communities share: resolve first and ask). ``resolution``: what
        :meth:`resolve` already made of ``text``; ``context``: more of what the resident said
        ("东门外" in the description places the gate of the compound ``text`` names)."""
        snap = self._snap
        if resolution is None:
            resolution = snap.resolver.resolve(text, community_hint)
        return snap.places.locate(text, resolution, context)

    def nearest(self, lat: float, lng: float, k: int = 3) -> list[Candidate]:
        """The ``k`` buildings closest to a location pin; score falls with distance."""
        snap = self._snap
        out = []
        for code, metres in snap.points.nearest(lat, lng, k):
            info = snap.infos[code]
            out.append(Candidate(code, info.label, round(1.0 / (1.0 + metres / 100.0), 4),
                                 distance_m=round(metres, 1)))
        return out

    def grid_for_point(self, lat: float, lng: float) -> GridInfo | None:
        """The grid of the nearest building, for outdoor reports; None when the point is
        farther than :data:`GRID_MAX_DISTANCE_M` from every building."""
        found = self._snap.points.nearest(lat, lng, 1)
        if not found or found[0][1] > GRID_MAX_DISTANCE_M:
            return None
        code, metres = found[0]
        info = self._snap.infos[code]
        return GridInfo(
            code=info.grid_code, name=info.grid_name,
            community_code=info.community_code, community_name=info.community_name,
            street_code=info.street_code, street_name=info.street_name,
            district_code=info.district_code, district_name=info.district_name,
            nearest_building_code=code, distance_m=round(metres, 1),
        )

    def staff_for_channel(self, channel: str, user_id: str) -> Contact | None:
        """The person in charge who talks to us as ``user_id`` on ``channel`` (any channel
        name: wecom, wechat, miniprogram, ...), or None for a resident."""
        person = self._snap.people_by_channel.get((channel, user_id))
        return _contact(person) if person else None

    # ------------------------------------------------------------ routing

    def route(self, code: str) -> Route:
        """Building -> micro-grid -> grid -> community -> street -> district, with the
        people in charge (most local first). Raises :class:`UnknownAddress`."""
        info = self._snap.infos.get(code)
        if info is None:
            raise UnknownAddress(f"unknown building code {code!r}")
        microgrid = (Level(info.microgrid_code, info.microgrid_name or "")
                     if info.microgrid_code else None)
        return self._route(info, microgrid, info.grid_code)

    def grid_route(self, grid_code: str) -> Route:
        """The route of a grid without a building (outdoor reports)."""
        grid = self._snap.registry.areas["grid"].get(grid_code)
        if grid is None:
            raise UnknownAddress(f"unknown grid code {grid_code!r}")
        return self._route(None, None, grid_code)

    def _route(self, info: BuildingInfo | None, microgrid: Level | None, grid_code: str
               ) -> Route:
        areas = self._snap.registry.areas
        grid = areas["grid"][grid_code]
        community = areas["community"][grid.parent_code or ""]
        street = areas["street"][community.parent_code or ""]
        district = areas["district"][street.parent_code or ""]
        scopes = {
            "compound": info.compound_code if info else None,
            "microgrid": microgrid.code if microgrid else None,
            "grid": grid.code,
            "community": community.code,
            "street": street.code,
            "district": district.code,
        }
        contacts: list[Contact] = []
        for role in _ROUTE_ROLES:
            for level in _LEVEL_ORDER:
                scope = scopes[level]
                if scope is None:
                    continue
                for person in self._snap.people_by_scope.get(scope, []):
                    if person.role == role and person.level == level:
                        contacts.append(_contact(person))
        return Route(
            building=info,
            microgrid=microgrid,
            grid=Level(grid.code, grid.name),
            community=Level(community.code, community.name),
            street=Level(street.code, street.name),
            district=Level(district.code, district.name),
            contacts=contacts,
        )



def _contact(person: PersonRecord) -> Contact:
    return Contact(
        role=person.role, name=person.name, phone=person.phone, level=person.level,
        person_code=person.code, scope_code=person.scope_code,
        channels=dict(person.channels),
    )


async def _data_version(session_factory: SessionFactory) -> tuple[Any, ...]:
    """Row count and latest ``updated_at`` of every address table (``addr_*``), in one query.

    Any insert, update (they stamp ``updated_at``) or delete changes it.
    """
    parts: list[Any] = []
    for name, table in sorted(SQLModel.metadata.tables.items()):
        if not name.startswith("addr_"):
            continue
        parts.append(select(func.count()).select_from(table).scalar_subquery())
        if "updated_at" in table.c:
            parts.append(select(func.max(table.c.updated_at)).scalar_subquery())
    async with session_factory() as session:
        row = (await session.exec(select(*parts))).one()  # type: ignore[call-overload]
    return tuple(row)
