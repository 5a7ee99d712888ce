"""Public value types of the address book: what the resolver, routing and pages return."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ResolutionStatus = Literal["resolved", "need_building", "need_community", "unknown"]


@dataclass(frozen=True, slots=True)
class Candidate:
    """One building the text (or a location pin) may mean.

    ``score`` is in 0..1 for text matches; for :meth:`AddressBook.nearest` it falls with
    distance and ``distance_m`` says how far the building is.
    """

    building_code: str
    label: str
    score: float
    distance_m: float | None = None


@dataclass(frozen=True, slots=True)
class Resolution:
    """What :meth:`AddressBook.resolve` understood and what is still unknown.

    * ``resolved``: ``candidates[0]`` is the building (more candidates are alternatives).
    * ``need_building``: the compound (or only the community) is known; ask with
      ``question_choices``.
    * ``need_community``: several compounds share the name; ask which community.
    * ``unknown``: no place recognised.

    Every ``question_choices`` value is a code that, passed back as the text of
    :meth:`AddressBook.resolve`, continues the dialogue (a building code resolves; a
    compound code asks for the building). ``unit`` and ``room`` of the first answer stay
    valid across those follow-up questions.
    """

    status: ResolutionStatus
    candidates: list[Candidate] = field(default_factory=list)
    unit: str | None = None
    room: str | None = None
    question_choices: list[tuple[str, str]] = field(default_factory=list)
    building_number: str | None = None
    compound_code: str | None = None
    community_code: str | None = None
    span: tuple[int, int] | None = None

    @property
    def building_code(self) -> str | None:
        """The building when resolved, else None."""
        if self.status == "resolved" and self.candidates:
            return self.candidates[0].building_code
        return None


@dataclass(frozen=True, slots=True)
class Level:
    """One administrative level of a route: its code and name."""

    code: str
    name: str


@dataclass(frozen=True, slots=True)
class BuildingInfo:
    """A building with its whole administrative chain, ready to show or store."""

    code: str
    address: str
    name: str
    number: str
    units: int
    door_plate: str
    compound_code: str | None
    compound_name: str | None
    microgrid_code: str | None
    microgrid_name: str | None
    grid_code: str
    grid_name: str
    community_code: str
    community_name: str
    street_code: str
    street_name: str
    district_code: str
    district_name: str
    lat: float
    lng: float

    @property
    def label(self) -> str:
        """Short label for buttons and lists: ``城南社区 锦园小区2号楼``."""
        return f"{self.community_name} {self.compound_name or ''}{self.name}"


@dataclass(frozen=True, slots=True)
class Contact:
    """A person in charge; ``level`` is where they are attached (grid, community, ...).

    ``channels`` maps each channel the person is reachable on (``wecom``, ``wechat``,
    ``miniprogram``, ``telegram``, ...) to their id there, by channel name.
    """

    role: Literal["secretary", "grid_worker", "police", "lift_rescue"]
    name: str
    phone: str
    level: str
    person_code: str = ""
    scope_code: str = ""
    channels: dict[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class Route:
    """Building (or just a grid, for outdoor reports) up to the district, and who is in
    charge: grid worker first, then the community secretary and police."""

    building: BuildingInfo | None
    microgrid: Level | None
    grid: Level
    community: Level
    street: Level
    district: Level
    contacts: list[Contact]

    def contact(self, role: str) -> Contact | None:
        """The first (most local) person with ``role``."""
        return next((c for c in self.contacts if c.role == role), None)


@dataclass(frozen=True, slots=True)
class GridInfo:
    """The grid a point falls in (by its nearest building) and how far that building is."""

    code: str
    name: str
    community_code: str
    community_name: str
    street_code: str
    street_name: str
    district_code: str
    district_name: str
    nearest_building_code: str
    distance_m: float
