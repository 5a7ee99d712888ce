"""Routing seam: from an address to the units and people who handle a ticket.

The address registry belongs to ``bot.addresses`` (the :class:`AddressBook`); this module only
*asks* it — ``book.route(code)`` for a building, ``book.grid_for_point(lat, lng)`` for an
outdoor report — and turns the answer into a :class:`Placement` the ticket snapshots, and
into :class:`Recipient` rows for staff notices. Nothing here knows how addresses are stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from bot.errors import AddressError, BadInput
from bot.tickets import texts
from bot.tickets.status import Tier

#: Contact roles that handle a ticket at community level (the police officer is shown to
#: residents for one-tap calls but does not receive ticket notices).
_COMMUNITY_ROLES = ("grid_worker", "secretary")


class AddressBookLike(Protocol):
    """The part of ``bot.addresses.AddressBook`` routing uses."""

    def route(self, code: str) -> Any: ...

    def grid_for_point(self, lat: float, lng: float) -> Any: ...


@dataclass(frozen=True, slots=True)
class Unit:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a ticket is, as snapshotted on the ticket row."""

    building_code: str | None
    address_text: str
    lat: float | None
    lng: float | None
    district: Unit | None
    street: Unit | None
    community: Unit | None
    grid: Unit | None

    def unit_for(self, tier: Tier) -> Unit | None:
        return {
            Tier.COMMUNITY: self.community,
            Tier.STREET: self.street,
            Tier.DISTRICT: self.district,
        }[tier]


@dataclass(frozen=True, slots=True)
class Recipient:
    """Where a staff notice goes: a channel user id, or a unit's inbox on the console."""

    recipient_id: str
    role: str


def _unit(value: Any) -> Unit | None:
    if value is None:
        return None
    code = getattr(value, "code", None)
    name = getattr(value, "name", None)
    if not code:
        return None
    return Unit(str(code), str(name or code))


class Router:
    """Places tickets and finds who to notify, using the address book."""

    def __init__(self, address_book: AddressBookLike) -> None:
        self.book = address_book

    def place_building(self, building_code: str, unit: str | None, room: str | None) -> Placement:
        """Snapshot of a building's administrative chain.

        Raises:
            AddressError: the code is not a known standard address.
        """
        route = self.book.route(building_code)
        if route is None:
            raise AddressError(f"unknown building code {building_code!r}", code="unknown_building")
        building = route.building
        address = str(
            getattr(building, "address", "") or getattr(building, "label", "") or building_code
        )
        suffix = "".join(part for part in (_unit_suffix(unit), _room_suffix(room)) if part)
        return Placement(
            building_code=str(building.code),
            address_text=f"{address}{suffix}",
            lat=getattr(building, "lat", None),
            lng=getattr(building, "lng", None),
            district=_unit(route.district),
            street=_unit(route.street),
            community=_unit(route.community),
            grid=_unit(route.grid),
        )

    def place_outdoors(self, landmark: str | None, lat: float, lng: float) -> Placement:
        """An outdoor report: a landmark and a point, routed to the grid that covers it."""
        route = self.book.grid_for_point(lat, lng)
        if route is None:
            raise AddressError("no grid covers this location", code="outside_area")
        grid = _unit(getattr(route, "grid", None))
        label = landmark or ""
        address = texts.OUTDOOR_ADDRESS.format(landmark=label, grid=grid.name if grid else "")
        return Placement(
            building_code=None,
            address_text=address if label else (grid.name if grid else ""),
            lat=lat,
            lng=lng,
            district=_unit(getattr(route, "district", None)),
            street=_unit(getattr(route, "street", None)),
            community=_unit(getattr(route, "community", None)),
            grid=grid,
        )

    def place(
        self,
        *,
        building_code: str | None,
        unit: str | None,
        room: str | None,
        landmark: str | None,
        lat: float | None,
        lng: float | None,
    ) -> Placement:
        if building_code:
            return self.place_building(building_code, unit, room)
        if lat is None or lng is None:
            raise BadInput(
                "a ticket needs a building code, or a landmark with lat/lng for outdoor reports",
                code="missing_address",
            )
        return self.place_outdoors(landmark, lat, lng)

    def handlers(
        self, building_code: str | None, grid_code: str | None, tier: Tier, unit_code: str | None
    ) -> list[Recipient]:
        """Staff to notify when a ticket lands at ``tier``.

        People come from the address book's contacts at that level (fresh, not snapshotted:
        handlers change jobs). A unit without registered people still gets the notice in its
        console inbox (``unit:<code>``), so nothing is addressed to nobody.
        """
        contacts: list[Any] = []
        if building_code:
            route = self.book.route(building_code)
            contacts = list(getattr(route, "contacts", []) or []) if route is not None else []
        recipients: list[Recipient] = []
        for contact in contacts:
            level = str(getattr(contact, "level", ""))
            role = str(getattr(contact, "role", ""))
            if tier is Tier.COMMUNITY:
                wanted = level in {"grid", "community", "microgrid"} and role in _COMMUNITY_ROLES
            else:
                wanted = level == tier.value
            ident = getattr(contact, "channel_id", None) or getattr(contact, "phone", None)
            if wanted and ident:
                recipients.append(Recipient(str(ident), role))
        if not recipients and unit_code:
            recipients.append(Recipient(f"unit:{unit_code}", "unit"))
        return _dedupe(recipients)


def department_recipient(department_code: str) -> Recipient:
    """A department's console inbox (departments have no per-person contacts here)."""
    return Recipient(f"dept:{department_code}", "department")


def _dedupe(recipients: list[Recipient]) -> list[Recipient]:
    seen: set[str] = set()
    unique: list[Recipient] = []
    for recipient in recipients:
        if recipient.recipient_id not in seen:
            seen.add(recipient.recipient_id)
            unique.append(recipient)
    return unique


def _unit_suffix(unit: str | None) -> str:
    if not unit:
        return ""
    return unit if unit.endswith(texts.UNIT_SUFFIX) else f"{unit}{texts.UNIT_SUFFIX}"


def _room_suffix(room: str | None) -> str:
    if not room:
        return ""
    return room if room.endswith(texts.ROOM_SUFFIX) else f"{room}{texts.ROOM_SUFFIX}"
