"""CSV import of the address registry: validate every row, report, upsert idempotently.

Two kinds of file, told apart by their header (column order is free, extra columns are
ignored, UTF-8 with or without BOM, or GB18030 as Excel saves it in China):

**Buildings** (one row per building, each row carrying its whole administrative chain):

=====================  ========  ==========================================================
column                 required  meaning
=====================  ========  ==========================================================
district_code          yes       区/县 code
district_name          yes       e.g. 张店区
district_aliases       no        ``|``-separated other names, e.g. 张店
street_code            yes       镇/街道 code
street_name            yes       e.g. 车站街道
street_aliases         no
community_code         yes       社区/村 code
community_name         yes       e.g. 城南社区
community_aliases      no
grid_code              yes       网格 code
grid_name              yes       e.g. 城南社区第一网格
grid_aliases           no
microgrid_code         no        微网格 code (with microgrid_name)
microgrid_name         no
compound_code          no        小区 code (with compound_name)
compound_name          no        e.g. 锦园小区
compound_aliases       no        e.g. 锦园 (``小区`` is stripped automatically as well)
building_code          yes       the standard address code on the door plate
building_number        yes       2, 02, 二, 2号楼, A
building_name          no        defaults to ``<number>号楼``
building_aliases       no        e.g. 综合楼
units                  no        number of 单元 (default 1)
door_plate             no        门牌, e.g. 华光路88号
lat, lng               yes       WGS-84 degrees of the building
=====================  ========  ==========================================================

A code that appears on several rows must carry the same name and parent on each (aliases
are merged). Codes: 1..32 of ``A-Za-z0-9_-``; building codes also need a digit.

**People** (one row per person in charge):

=================  ========  ================================================================
column             required  meaning
=================  ========  ================================================================
person_code        yes       stable id of this duty post/person
role               yes       secretary / grid_worker / police (or 社区书记 / 网格员 / 社区民警)
level              yes       grid, microgrid, community, street or district
scope_code         yes       code of that grid/community/... (must already be in the registry)
name               yes
phone              yes       the public duty number shown on the door-plate page
channels           no        the person's ids on messaging channels, ``NAME=ID`` pairs
                             separated by ``;``: ``wecom=zhangsan;telegram=123456``
channel:NAME       no        one channel's id, e.g. a column ``channel:miniprogram``
wechat_openid      no        older form of ``channel:wechat`` (still read)
wecom_userid       no        older form of ``channel:wecom``
telegram_chat_id   no        older form of ``channel:telegram``
=================  ========  ================================================================

Channel ids are optional and often learned later (``minsheng addresses bind-channel``); an
empty one means "not known here" and keeps the stored id, it never unbinds. A channel name
is 1..32 of ``a-z 0-9 _`` starting with a letter (``wechat`` is the Official Account,
``miniprogram`` the mini-program: their openids differ); any name is accepted, so a new
channel needs no code change. One id per person and channel: a row naming a channel twice
with different ids is refused, and so is an id another person already has on that channel
(in the file or in the database).

Rows that fail validation are skipped and reported with their line number and reason; the
good rows are imported (``dry_run`` validates without writing). Rows are never deleted:
a registry shrinks only by hand.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from bot.addresses.codes import BUILDING_CODE_RE, CODE_RE, PERSON_CODE_RE
from bot.addresses.models import USER_ID_LENGTH
from bot.addresses.numerals import normalize_number
from bot.addresses.records import (
    PERSON_LEVELS,
    AreaLevel,
    AreaRecord,
    BuildingRecord,
    PersonLevel,
    PersonRecord,
    Registry,
    Role,
    split_aliases,
)
from bot.addresses.repository import (
    SessionFactory,
    TableCount,
    check_channel_name,
    load_registry,
    write_registry,
)
from bot.errors import AddressError

FileKind = Literal["buildings", "people"]

BUILDING_COLUMNS: tuple[str, ...] = (
    "district_code", "district_name", "district_aliases",
    "street_code", "street_name", "street_aliases",
    "community_code", "community_name", "community_aliases",
    "grid_code", "grid_name", "grid_aliases",
    "microgrid_code", "microgrid_name",
    "compound_code", "compound_name", "compound_aliases",
    "building_code", "building_number", "building_name", "building_aliases",
    "units", "door_plate", "lat", "lng",
)
REQUIRED_BUILDING_COLUMNS: tuple[str, ...] = (
    "district_code", "district_name", "street_code", "street_name", "community_code",
    "community_name", "grid_code", "grid_name", "building_code", "building_number", "lat", "lng",
)
PEOPLE_COLUMNS: tuple[str, ...] = (
    "person_code", "role", "level", "scope_code", "name", "phone", "channels",
)
#: Older people.csv columns, one per platform, and the channel each one fills.
LEGACY_CHANNEL_COLUMNS: dict[str, str] = {
    "wechat_openid": "wechat", "wecom_userid": "wecom", "telegram_chat_id": "telegram",
}
CHANNEL_COLUMN_PREFIX = "channel:"
REQUIRED_PEOPLE_COLUMNS: tuple[str, ...] = (
    "person_code", "role", "level", "scope_code", "name", "phone",
)

ROLE_NAMES: dict[str, Role] = {
    "secretary": "secretary", "社区书记": "secretary", "书记": "secretary",
    "grid_worker": "grid_worker", "网格员": "grid_worker",
    "police": "police", "社区民警": "police", "民警": "police",
    "lift_rescue": "lift_rescue", "电梯救援": "lift_rescue",
}
_PHONE_RE = re.compile(r"^\+?[0-9][0-9 -]{1,18}[0-9]$")
_MAX_NAME = 64
_MAX_ALIASES = 500


@dataclass(frozen=True, slots=True)
class BadRow:
    line: int
    reason: str


@dataclass(slots=True)
class ImportReport:
    """What an import did: rows read, rows refused (with reasons) and per-table counts."""

    path: str
    kind: FileKind
    rows: int = 0
    bad_rows: list[BadRow] = field(default_factory=list)
    counts: dict[str, TableCount] = field(default_factory=dict)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.bad_rows

    @property
    def good_rows(self) -> int:
        return self.rows - len(self.bad_rows)

    def summary(self) -> str:
        """Plain-text summary for the operator's terminal (no personal data)."""
        verb = "validated (dry run)" if self.dry_run else "imported"
        lines = [
            f"{self.path}: {self.kind} file, {self.rows} rows, {self.good_rows} {verb}, "
            f"{len(self.bad_rows)} bad"
        ]
        for table, count in self.counts.items():
            if count.total:
                lines.append(
                    f"  {table:<10} {count.inserted:>6} new  {count.updated:>6} updated  "
                    f"{count.unchanged:>6} unchanged"
                )
        for bad in self.bad_rows[:50]:
            lines.append(f"  line {bad.line}: {bad.reason}")
        if len(self.bad_rows) > 50:
            lines.append(f"  ... and {len(self.bad_rows) - 50} more bad rows")
        return "\n".join(lines)


class RowError(ValueError):
    """One row's problem; the message becomes the report's reason."""


# ---------------------------------------------------------------- reading

def read_rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and ``(line number, row)`` pairs; line numbers count the header as line 1."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise AddressError(f"{path}: neither UTF-8 nor GB18030 text") from exc
    return parse_rows(text)


def parse_rows(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [column.strip().lower() for column in next(reader)]
    except StopIteration as exc:
        raise AddressError("empty CSV file") from exc
    rows: list[tuple[int, dict[str, str]]] = []
    line = reader.line_num
    for values in reader:
        start = line + 1
        line = reader.line_num
        if not any(value.strip() for value in values):
            continue
        row = {name: (values[i].strip() if i < len(values) else "")
               for i, name in enumerate(header)}
        if len(values) > len(header):
            row["\0extra"] = "x"
        rows.append((start, row))
    return header, rows


def detect_kind(header: list[str]) -> FileKind:
    if "building_code" in header:
        missing = [c for c in REQUIRED_BUILDING_COLUMNS if c not in header]
        kind: FileKind = "buildings"
    elif "person_code" in header:
        missing = [c for c in REQUIRED_PEOPLE_COLUMNS if c not in header]
        kind = "people"
    else:
        raise AddressError(
            "unknown CSV: the header needs building_code (buildings) or person_code (people)"
        )
    if missing:
        raise AddressError(f"{kind} CSV lacks required columns: {', '.join(missing)}")
    return kind


# ---------------------------------------------------------------- validating

def _code(row: dict[str, str], column: str, *, building: bool = False) -> str:
    value = row.get(column, "")
    if not value:
        raise RowError(f"{column} is empty")
    pattern = BUILDING_CODE_RE if building else CODE_RE
    if not pattern.match(value):
        raise RowError(
            f"{column} {value!r} is not a code (1-32 of A-Z a-z 0-9 _ -"
            + (", with a digit)" if building else ")")
        )
    return value


def _name(row: dict[str, str], column: str) -> str:
    value = " ".join(row.get(column, "").split())
    if not value:
        raise RowError(f"{column} is empty")
    if len(value) > _MAX_NAME:
        raise RowError(f"{column} is longer than {_MAX_NAME} characters")
    return value


def _aliases(row: dict[str, str], column: str) -> tuple[str, ...]:
    aliases = split_aliases(row.get(column, ""))
    if len("|".join(aliases)) > _MAX_ALIASES:
        raise RowError(f"{column} is longer than {_MAX_ALIASES} characters")
    if any(len(alias) > _MAX_NAME for alias in aliases):
        raise RowError(f"{column} has an alias longer than {_MAX_NAME} characters")
    return aliases


def _coordinate(row: dict[str, str], column: str, bound: float) -> float:
    raw = row.get(column, "")
    try:
        value = float(raw)
    except ValueError:
        raise RowError(f"{column} {raw!r} is not a number") from None
    if not math.isfinite(value) or not -bound <= value <= bound:
        raise RowError(f"{column} {raw!r} is out of range")
    return value


def _optional_pair(row: dict[str, str], code_col: str, name_col: str) -> tuple[str, str] | None:
    if not row.get(code_col) and not row.get(name_col):
        return None
    if not row.get(code_col) or not row.get(name_col):
        raise RowError(f"{code_col} and {name_col} must be given together")
    return _code(row, code_col), _name(row, name_col)


def _building_row(row: dict[str, str]) -> tuple[list[AreaRecord], BuildingRecord]:
    """Validate one buildings row into its area records (parents first) and its building."""
    if "\0extra" in row:
        raise RowError("more values than header columns")
    areas: list[AreaRecord] = []
    parent: str | None = None
    for level in ("district", "street", "community", "grid"):
        code = _code(row, f"{level}_code")
        areas.append(AreaRecord(level=level, code=code, name=_name(row, f"{level}_name"),
                                parent_code=parent, aliases=_aliases(row, f"{level}_aliases")))
        parent = code
    community_code = areas[2].code
    grid_code = areas[3].code
    microgrid = _optional_pair(row, "microgrid_code", "microgrid_name")
    if microgrid is not None:
        areas.append(AreaRecord(level="microgrid", code=microgrid[0], name=microgrid[1],
                                parent_code=grid_code, aliases=()))
    compound = _optional_pair(row, "compound_code", "compound_name")
    if compound is not None:
        areas.append(AreaRecord(level="compound", code=compound[0], name=compound[1],
                                parent_code=community_code,
                                aliases=_aliases(row, "compound_aliases")))
    number_raw = row.get("building_number", "")
    number = normalize_number(number_raw)
    if number is None:
        raise RowError(f"building_number {number_raw!r} is not a number like 2, 二, A")
    units_raw = row.get("units", "") or "1"
    try:
        units = int(units_raw)
    except ValueError:
        raise RowError(f"units {units_raw!r} is not a whole number") from None
    if not 1 <= units <= 99:
        raise RowError(f"units {units} is out of range 1..99")
    lat = _coordinate(row, "lat", 90.0)
    lng = _coordinate(row, "lng", 180.0)
    if lat == 0.0 and lng == 0.0:
        raise RowError("lat/lng are 0,0 (missing coordinates)")
    name = " ".join(row.get("building_name", "").split()) or (
        f"{number}号楼" if number.isdigit() else f"{number}座"
    )
    if len(name) > _MAX_NAME:
        raise RowError(f"building_name is longer than {_MAX_NAME} characters")
    door_plate = " ".join(row.get("door_plate", "").split())
    if len(door_plate) > _MAX_NAME:
        raise RowError(f"door_plate is longer than {_MAX_NAME} characters")
    building = BuildingRecord(
        code=_code(row, "building_code", building=True),
        number=number,
        name=name,
        grid_code=grid_code,
        lat=lat,
        lng=lng,
        compound_code=compound[0] if compound else None,
        microgrid_code=microgrid[0] if microgrid else None,
        units=units,
        door_plate=door_plate,
        aliases=_aliases(row, "building_aliases"),
    )
    return areas, building


def parse_buildings(rows: list[tuple[int, dict[str, str]]]) -> tuple[Registry, list[BadRow]]:
    """Validate buildings rows into a registry; conflicting or malformed rows are refused."""
    registry = Registry()
    first_line: dict[tuple[str, str], int] = {}
    numbers: dict[tuple[str, str], int] = {}
    bad: list[BadRow] = []
    for line, row in rows:
        try:
            areas, building = _building_row(row)
            merged = [_merge(registry, area, first_line) for area in areas]
            if building.code in registry.buildings:
                raise RowError(
                    f"building_code {building.code} repeats line "
                    f"{first_line[('building', building.code)]}"
                )
            slot = (building.compound_code or building.grid_code, building.number)
            if slot in numbers:
                raise RowError(
                    f"building number {building.number} already used in the same compound "
                    f"on line {numbers[slot]}"
                )
        except RowError as exc:
            bad.append(BadRow(line, str(exc)))
            continue
        for area in merged:
            if area.code not in registry.areas[area.level]:
                first_line[(area.level, area.code)] = line
            registry.add_area(area)
        registry.buildings[building.code] = building
        first_line[("building", building.code)] = line
        numbers[slot] = line
    return registry, bad


def _merge(registry: Registry, area: AreaRecord, first_line: dict[tuple[str, str], int]
           ) -> AreaRecord:
    known = registry.areas[area.level].get(area.code)
    if known is None:
        return area
    line = first_line[(area.level, area.code)]
    if known.name != area.name:
        raise RowError(
            f"{area.level} {area.code} is named {area.name!r} here but {known.name!r} "
            f"on line {line}"
        )
    if known.parent_code != area.parent_code:
        raise RowError(
            f"{area.level} {area.code} is under {area.parent_code} here but under "
            f"{known.parent_code} on line {line}"
        )
    aliases = tuple(dict.fromkeys(known.aliases + area.aliases))
    return AreaRecord(area.level, area.code, area.name, area.parent_code, aliases)


def _channel_ids(row: dict[str, str]) -> dict[str, str]:
    """The channel ids of a people row, from ``channels``, ``channel:NAME`` and the older
    per-platform columns; empty ids are left out."""
    pairs: list[tuple[str, str, str]] = []  # (channel, id, where it came from)
    parts = [p for p in row.get("channels", "").replace("；", ";").split(";") if p.strip()]
    for number, part in enumerate(parts, 1):
        name, sep, user_id = part.replace("＝", "=").partition("=")
        if not sep:
            raise RowError(f"channels: part {number} is not NAME=ID")
        pairs.append((name.strip().lower(), user_id.strip(), "channels"))
    for column, value in row.items():
        if column.startswith(CHANNEL_COLUMN_PREFIX):
            pairs.append((column[len(CHANNEL_COLUMN_PREFIX):].strip(), value, column))
        elif column in LEGACY_CHANNEL_COLUMNS:
            pairs.append((LEGACY_CHANNEL_COLUMNS[column], value, column))
    channels: dict[str, str] = {}
    for name, user_id, where in pairs:
        if not user_id:
            continue
        try:
            check_channel_name(name)
        except ValueError as exc:
            raise RowError(f"{where}: {exc}") from None
        if len(user_id) > USER_ID_LENGTH or any(c.isspace() for c in user_id):
            raise RowError(f"{where}: the {name} id is not 1..{USER_ID_LENGTH} characters "
                           "without spaces")
        if channels.setdefault(name, user_id) != user_id:
            raise RowError(f"two different {name} ids in one row")
    return channels


_SCOPE_LEVELS: dict[PersonLevel, AreaLevel] = {
    "compound": "compound", "microgrid": "microgrid", "grid": "grid", "community": "community",
    "street": "street", "district": "district",
}


def parse_people(rows: list[tuple[int, dict[str, str]]], known: Registry
                 ) -> tuple[dict[str, PersonRecord], list[BadRow]]:
    """Validate people rows; ``scope_code`` must name an area of ``level`` in ``known``."""
    people: dict[str, PersonRecord] = {}
    lines: dict[str, int] = {}
    bad: list[BadRow] = []
    holders = {(channel, user_id): person.code for person in known.people.values()
               for channel, user_id in person.channels.items()}
    for line, row in rows:
        try:
            if "\0extra" in row:
                raise RowError("more values than header columns")
            code = row.get("person_code", "")
            if not PERSON_CODE_RE.match(code):
                raise RowError(f"person_code {code!r} is not a code")
            if code in people:
                raise RowError(f"person_code {code} repeats line {lines[code]}")
            role = ROLE_NAMES.get(row.get("role", "").lower())
            if role is None:
                raise RowError(
                    f"role {row.get('role')!r} is not secretary/grid_worker/police/lift_rescue"
                )
            level = row.get("level", "").lower()
            if level not in PERSON_LEVELS:
                raise RowError(f"level {level!r} is not one of {', '.join(PERSON_LEVELS)}")
            scope = _code(row, "scope_code")
            if known.area(_SCOPE_LEVELS[level], scope) is None:  # type: ignore[index]
                raise RowError(f"{level} {scope} is not in the registry (import buildings first)")
            phone = row.get("phone", "")
            if not _PHONE_RE.match(phone):
                raise RowError("phone is not a phone number")
            channels = _channel_ids(row)
            for channel, user_id in channels.items():
                holder = holders.get((channel, user_id), code)
                if holder != code:
                    where = f"line {lines[holder]}" if holder in lines else "the registry"
                    raise RowError(f"that {channel} id is person {holder}'s ({where})")
            people[code] = PersonRecord(
                code=code, role=role, level=level, scope_code=scope,  # type: ignore[arg-type]
                name=_name(row, "name"), phone=phone, channels=channels,
            )
            lines[code] = line
            holders.update({(channel, user_id): code for channel, user_id in channels.items()})
        except RowError as exc:
            bad.append(BadRow(line, str(exc)))
    return people, bad


# ---------------------------------------------------------------- importing

async def import_csv(session_factory: SessionFactory, path: str | Path, *,
                     dry_run: bool = False) -> ImportReport:
    """Validate ``path`` (buildings or people CSV) and upsert its good rows.

    Raises :class:`AddressError` only when the file as a whole is unusable (unreadable,
    unknown header); bad rows are reported, not raised.
    """
    path = Path(path)
    try:
        header, rows = read_rows(path)
    except OSError as exc:
        raise AddressError(f"{path}: {exc.strerror or exc}") from exc
    kind = detect_kind(header)
    report = ImportReport(path=str(path), kind=kind, rows=len(rows), dry_run=dry_run)
    if kind == "buildings":
        registry, report.bad_rows = parse_buildings(rows)
    else:
        known = await load_registry(session_factory)
        registry = Registry()
        registry.people, report.bad_rows = parse_people(rows, known)
    counts = await write_registry(session_factory, registry, write=not dry_run)
    report.counts = {name: count for name, count in counts.items() if count.total}
    return report


def iter_demo_files(directory: Path) -> Iterator[Path]:
    """Demo CSVs in import order: buildings before the people who reference them."""
    for name in ("buildings.csv", "people.csv"):
        path = directory / name
        if path.exists():
            yield path
