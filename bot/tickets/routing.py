"""Routing seam: from an address to the units and people who handle a ticket.

The address registry belongs to ``bot.addresses`` (the :class:`AddressBook`); this module only
*asks* it — ``book.route(code)`` for a building, ``book.grid_for_point(lat, lng)`` for an
outdoor report — and turns the answer into a :class:`Placement` the ticket snapshots, and
into :class:`Recipient` rows for staff notices. Nothing here knows how addresses are stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.addresses.types import Contact, GridInfo, Level, Resolution, Route
from bot.errors import AddressError, BadInput
from bot.tickets import texts
from bot.tickets.status import Tier


class AddressBookLike(Protocol):
    """The part of :class:`bot.addresses.AddressBook` routing uses."""

    def route(self, code: str) -> Route: ...

    def grid_route(self, grid_code: str) -> Route: ...

    def grid_for_point(self, lat: float, lng: float) -> GridInfo | None: ...

    def resolve(self, text: str, *, community_hint: str | None = None) -> Resolution: ...


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
    district: Unit
    street: Unit
    community: Unit
    grid: Unit

    def unit_for(self, tier: Tier) -> Unit:
        return {
            Tier.COMMUNITY: self.community,
            Tier.STREET: self.street,
            Tier.DISTRICT: self.district,
        }[tier]


#: Output channel name of the staff console's inboxes (units and departments without
#: registered people); the console registers an output under this name.
CONSOLE_CHANNEL = "console"


@dataclass(frozen=True, slots=True)
class Recipient:
    """Where a staff notice goes: a person's id on a channel, or a unit's console inbox."""

    recipient_id: str
    role: str
    channel: str


def _unit(level: Level) -> Unit:
    return Unit(level.code, level.name)


def channel_preference(staff_channel: str | Sequence[str]) -> tuple[str, ...]:
    """``"wecom,wechat"`` (the setting) or a sequence -> channel names, most wanted first."""
    names = staff_channel.split(",") if isinstance(staff_channel, str) else staff_channel
    return tuple(dict.fromkeys(name.strip() for name in names if name.strip()))


def pick_channel(channels: Mapping[str, str], preferred: Sequence[str]) -> str | None:
    """The channel to reach a person on: the first of ``preferred`` they have an id on,
    else the first of their other channels by name; None when they have none."""
    for name in preferred:
        if channels.get(name):
            return name
    return next((name for name in sorted(channels) if channels[name]), None)


class Router:
    """Places tickets and finds who to notify, using the address book."""

    def __init__(self, address_book: AddressBookLike) -> None:
        self.book = address_book

    def place_building(self, building_code: str) -> Placement:
        """Snapshot of a building's administrative chain.

        Raises:
            AddressError: the code is not a known standard address.
        """
        route = self.book.route(building_code)
        building = route.building
        assert building is not None
        return Placement(
            building_code=building.code,
            address_text=building.address,
            lat=building.lat,
            lng=building.lng,
            district=_unit(route.district),
            street=_unit(route.street),
            community=_unit(route.community),
            grid=_unit(route.grid),
        )

    def place_outdoors(self, landmark: str | None, lat: float, lng: float) -> Placement:
        """An outdoor report: a landmark and a point, routed to the grid of the nearest
        building.

        Raises:
            AddressError: the point is outside the registry's area.
        """
        grid = self.book.grid_for_point(lat, lng)
        if grid is None:
            raise AddressError("no grid covers this location", code="outside_area")
        address = (
            texts.OUTDOOR_ADDRESS.format(landmark=landmark, grid=grid.name)
            if landmark
            else grid.name
        )
        return Placement(
            building_code=None,
            address_text=address,
            lat=lat,
            lng=lng,
            district=Unit(grid.district_code, grid.district_name),
            street=Unit(grid.street_code, grid.street_name),
            community=Unit(grid.community_code, grid.community_name),
            grid=Unit(grid.code, grid.name),
        )

    def place(
        self,
        *,
        building_code: str | None,
        landmark: str | None,
        lat: float | None,
        lng: float | None,
    ) -> Placement:
        if building_code:
            return self.place_building(building_code)
        if lat is None or lng is None:
            raise BadInput(
                "a ticket needs a building code, or a landmark with lat/lng for outdoor reports",
                code="missing_address",
            )
        return self.place_outdoors(landmark, lat, lng)

    def handlers(
        self,
        building_code: str | None,
        grid_code: str | None,
        tier: Tier,
        unit_code: str | None,
        staff_channel: str | Sequence[str],
    ) -> list[Recipient]:
        """Staff to notify when a ticket lands at ``tier``.

        People come from the address book's contacts at that level, looked up now (not
        snapshotted: handlers change jobs): at community tier the grid worker(s) and the
        secretary, above it whoever is registered at the street or district. Each person
        is reached on the first channel of ``staff_channel`` (comma-separated names, most
        wanted first) they have an id on, else on another channel they have (by name):
        see :func:`pick_channel`. A unit with nobody reachable still gets the notice in its
        console inbox (``unit:<code>``), so nothing is addressed to nobody.
        """
        contacts: list[Contact] = []
        try:
            if building_code:
                contacts = self.book.route(building_code).contacts
            elif grid_code:
                contacts = self.book.grid_route(grid_code).contacts
        except AddressError:
            # The registry was re-imported without this place; the console inbox remains.
            contacts = []
        wanted_levels = _TIER_LEVELS[tier]
        preferred = channel_preference(staff_channel)
        recipients: list[Recipient] = []
        for contact in contacts:
            if contact.level not in wanted_levels or contact.role not in _HANDLER_ROLES:
                continue
            channel = pick_channel(contact.channels, preferred)
            if channel is not None:
                recipients.append(Recipient(contact.channels[channel], contact.role, channel))
        if not recipients and unit_code:
            recipients.append(Recipient(f"unit:{unit_code}", "unit", CONSOLE_CHANNEL))
        return _dedupe(recipients)


#: Contact levels that handle a ticket at each tier.
_TIER_LEVELS: dict[Tier, frozenset[str]] = {
    Tier.COMMUNITY: frozenset({"microgrid", "grid", "community"}),
    Tier.STREET: frozenset({"street"}),
    Tier.DISTRICT: frozenset({"district"}),
}

#: The police officer is shown to residents for one-tap calls but does not handle tickets.
_HANDLER_ROLES = frozenset({"grid_worker", "secretary"})


def department_recipient(department_code: str) -> Recipient:
    """A department's console inbox (departments have no per-person contacts here)."""
    return Recipient(f"dept:{department_code}", "department", CONSOLE_CHANNEL)


def _dedupe(recipients: list[Recipient]) -> list[Recipient]:
    seen: set[tuple[str, str]] = set()
    unique: list[Recipient] = []
    for recipient in recipients:
        key = (recipient.channel, recipient.recipient_id)
        if key not in seen:
            seen.add(key)
            unique.append(recipient)
    return unique


def full_address(address: str, unit: str | None, room: str | None) -> str:
    """The building's standard address plus unit and room, as residents and handlers read
    it. Only the building part is public (Open311): unit and room point to one household."""
    return f"{address}{_unit_suffix(unit)}{_room_suffix(room)}"


def _unit_suffix(unit: str | None) -> str:
    if not unit:
        return ""
    return unit if unit.endswith(texts.UNIT_SUFFIX) else f"{unit}{texts.UNIT_SUFFIX}"


def _room_suffix(room: str | None) -> str:
    if not room:
        return ""
    return room if room.endswith(texts.ROOM_SUFFIX) else f"{room}{texts.ROOM_SUFFIX}"
