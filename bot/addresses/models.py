"""Database tables of the standard address registry (统一标准地址).

The administrative chain is district → street (镇/街道) → community (社区/村) → grid (网格)
→ micro-grid (微网格). A building (楼栋) belongs to one grid (and optionally one micro-grid)
for routing, and to one compound (小区) for naming; the compound belongs to a community.
Keeping both links on the building is deliberate: a large compound is often split between
two grids, so "which grid" cannot be derived from the compound.

Aliases are stored as one ``|``-separated string: they are only ever read whole, by the
in-memory :class:`~bot.addresses.book.AddressBook`, never queried one by one.

People (secretary, grid worker, community police) hang off any level by ``scope_code`` so a
street-level duty officer can be added without a schema change. Their ids on messaging
channels are rows of :class:`PersonChannel` (one row per person and channel), so a new
channel (a WeChat mini-program, whose openid is not the Official Account's) needs no
migration; they are often learned later, when the person first talks to the bot.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

CODE_LENGTH = 32
PERSON_CODE_LENGTH = 64
CHANNEL_LENGTH = 32
USER_ID_LENGTH = 128
NAME_LENGTH = 64
ALIASES_LENGTH = 500


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class AddrDistrict(SQLModel, table=True):
    """区/县."""

    __tablename__ = "addr_district"

    code: str = Field(primary_key=True, max_length=CODE_LENGTH)
    name: str = Field(max_length=NAME_LENGTH)
    aliases: str = Field(default="", max_length=ALIASES_LENGTH)
    updated_at: datetime = Field(default_factory=utcnow)


class AddrStreet(SQLModel, table=True):
    """镇/街道."""

    __tablename__ = "addr_street"

    code: str = Field(primary_key=True, max_length=CODE_LENGTH)
    district_code: str = Field(foreign_key="addr_district.code", index=True,
                               max_length=CODE_LENGTH)
    name: str = Field(max_length=NAME_LENGTH)
    aliases: str = Field(default="", max_length=ALIASES_LENGTH)
    updated_at: datetime = Field(default_factory=utcnow)


class AddrCommunity(SQLModel, table=True):
    """社区/村."""

    __tablename__ = "addr_community"

    code: str = Field(primary_key=True, max_length=CODE_LENGTH)
    street_code: str = Field(foreign_key="addr_street.code", index=True, max_length=CODE_LENGTH)
    name: str = Field(max_length=NAME_LENGTH)
    aliases: str = Field(default="", max_length=ALIASES_LENGTH)
    updated_at: datetime = Field(default_factory=utcnow)


class AddrGrid(SQLModel, table=True):
    """网格 (about 300 households)."""

    __tablename__ = "addr_grid"

    code: str = Field(primary_key=True, max_length=CODE_LENGTH)
    community_code: str = Field(foreign_key="addr_community.code", index=True,
                                max_length=CODE_LENGTH)
    name: str = Field(max_length=NAME_LENGTH)
    aliases: str = Field(default="", max_length=ALIASES_LENGTH)
    updated_at: datetime = Field(default_factory=utcnow)


class AddrMicrogrid(SQLModel, table=True):
    """微网格 (a few buildings or one large building)."""

    __tablename__ = "addr_microgrid"

    code: str = Field(primary_key=True, max_length=CODE_LENGTH)
    grid_code: str = Field(foreign_key="addr_grid.code", index=True, max_length=CODE_LENGTH)
    name: str = Field(max_length=NAME_LENGTH)
    aliases: str = Field(default="", max_length=ALIASES_LENGTH)
    updated_at: datetime = Field(default_factory=utcnow)


class AddrCompound(SQLModel, table=True):
    """小区 (or a village group, or a work unit's residential yard)."""

    __tablename__ = "addr_compound"

    code: str = Field(primary_key=True, max_length=CODE_LENGTH)
    community_code: str = Field(foreign_key="addr_community.code", index=True,
                                max_length=CODE_LENGTH)
    name: str = Field(max_length=NAME_LENGTH)
    aliases: str = Field(default="", max_length=ALIASES_LENGTH)
    updated_at: datetime = Field(default_factory=utcnow)


class AddrBuilding(SQLModel, table=True):
    """楼栋: the unit a standard address code names and a door plate carries."""

    __tablename__ = "addr_building"

    code: str = Field(primary_key=True, max_length=CODE_LENGTH)
    compound_code: str | None = Field(default=None, foreign_key="addr_compound.code",
                                      index=True, max_length=CODE_LENGTH)
    grid_code: str = Field(foreign_key="addr_grid.code", index=True, max_length=CODE_LENGTH)
    microgrid_code: str | None = Field(default=None, foreign_key="addr_microgrid.code",
                                       index=True, max_length=CODE_LENGTH)
    number: str = Field(max_length=16)
    name: str = Field(max_length=NAME_LENGTH)
    aliases: str = Field(default="", max_length=ALIASES_LENGTH)
    units: int = Field(default=1, ge=1)
    door_plate: str = Field(default="", max_length=NAME_LENGTH)
    lat: float
    lng: float
    updated_at: datetime = Field(default_factory=utcnow)


class AddrPerson(SQLModel, table=True):
    """Someone in charge at one level: 社区书记, 网格员 or 社区民警."""

    __tablename__ = "addr_person"

    code: str = Field(primary_key=True, max_length=PERSON_CODE_LENGTH)
    role: str = Field(max_length=16, index=True)
    level: str = Field(max_length=16)
    scope_code: str = Field(max_length=CODE_LENGTH, index=True)
    name: str = Field(max_length=NAME_LENGTH)
    phone: str = Field(max_length=32)
    updated_at: datetime = Field(default_factory=utcnow)


class PersonChannel(SQLModel, table=True):
    """A person's id on one messaging channel (``wecom``, ``wechat``, ``miniprogram``, ...).

    A person has at most one id per channel (the primary key), and an id on a channel
    belongs to at most one person (``uq_addr_person_channel_user``): a message from it
    identifies its sender, and a staff notice for the person goes to exactly that id.
    """

    __tablename__ = "addr_person_channel"
    __table_args__ = (
        UniqueConstraint("channel", "user_id", name="uq_addr_person_channel_user"),
    )

    person_code: str = Field(foreign_key="addr_person.code", primary_key=True,
                             max_length=PERSON_CODE_LENGTH)
    channel: str = Field(primary_key=True, max_length=CHANNEL_LENGTH)
    user_id: str = Field(max_length=USER_ID_LENGTH)
    updated_at: datetime = Field(default_factory=utcnow)


AREA_TABLES: dict[str, type[SQLModel]] = {
    "district": AddrDistrict,
    "street": AddrStreet,
    "community": AddrCommunity,
    "grid": AddrGrid,
    "microgrid": AddrMicrogrid,
    "compound": AddrCompound,
}
"""Area level -> table, in the order rows must be written (parents first)."""

PARENT_COLUMN: dict[str, str | None] = {
    "district": None,
    "street": "district_code",
    "community": "street_code",
    "grid": "community_code",
    "microgrid": "grid_code",
    "compound": "community_code",
}
