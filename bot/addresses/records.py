"""Plain, immutable records of the registry: what the importer validates and the book indexes.

The importer turns CSV rows into these, the loader turns database rows into these, and the
benchmark builds them straight from a generator; so the resolver never depends on where the
registry came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

AreaLevel = Literal["district", "street", "community", "grid", "microgrid", "compound"]
# lift_rescue: the lift company's rescue line for a compound (the name is the company's),
# told to a resident trapped in a lift beside 119.
Role = Literal["secretary", "grid_worker", "police", "lift_rescue"]
PersonLevel = Literal["compound", "microgrid", "grid", "community", "street", "district"]

AREA_LEVELS: tuple[AreaLevel, ...] = (
    "district", "street", "community", "grid", "microgrid", "compound",
)
ROLES: tuple[Role, ...] = ("secretary", "grid_worker", "police", "lift_rescue")
PERSON_LEVELS: tuple[PersonLevel, ...] = (
    "compound", "microgrid", "grid", "community", "street", "district",
)

PARENT_LEVEL: dict[AreaLevel, AreaLevel | None] = {
    "district": None,
    "street": "district",
    "community": "street",
    "grid": "community",
    "microgrid": "grid",
    "compound": "community",
}


@dataclass(frozen=True, slots=True)
class AreaRecord:
    """One district, street, community, grid, micro-grid or compound."""

    level: AreaLevel
    code: str
    name: str
    parent_code: str | None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BuildingRecord:
    code: str
    number: str
    name: str
    grid_code: str
    lat: float
    lng: float
    compound_code: str | None = None
    microgrid_code: str | None = None
    units: int = 1
    door_plate: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """A person in charge; ``channels`` maps a channel name (``wecom``, ``miniprogram``, ...)
    to the person's id there. Read-only by convention: build a new record to change it."""

    code: str
    role: Role
    level: PersonLevel
    scope_code: str
    name: str
    phone: str
    channels: dict[str, str] = field(default_factory=dict, hash=False)


@dataclass(slots=True)
class Registry:
    """A whole registry in memory; ``areas[level][code]``."""

    areas: dict[AreaLevel, dict[str, AreaRecord]] = field(
        default_factory=lambda: {level: {} for level in AREA_LEVELS}
    )
    buildings: dict[str, BuildingRecord] = field(default_factory=dict)
    people: dict[str, PersonRecord] = field(default_factory=dict)

    def add_area(self, record: AreaRecord) -> None:
        self.areas[record.level][record.code] = record

    def area(self, level: AreaLevel, code: str | None) -> AreaRecord | None:
        if code is None:
            return None
        return self.areas[level].get(code)


def split_aliases(value: str) -> tuple[str, ...]:
    """``"锦园|锦园小区 "`` -> ``("锦园", "锦园小区")``; empty parts dropped, order kept."""
    seen: dict[str, None] = {}
    for part in value.replace("｜", "|").split("|"):
        part = part.strip()
        if part:
            seen.setdefault(part, None)
    return tuple(seen)


def join_aliases(aliases: tuple[str, ...]) -> str:
    return "|".join(aliases)
