"""The service catalog (服务事项清单), loaded from ``training_data/catalog.yml``.

Validated where it enters: a bad file fails at start-up with a :class:`ConfigError` naming
the item and the field (``domains.transport.items.report_traffic.first_tier: ...``), and the
rest of the code only ever sees the frozen :class:`CatalogItem` values.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.errors import ConfigError
from bot.tickets.deadlines import WorkCalendar
from bot.tickets.status import Tier, Urgency

# The C parser when PyYAML was built with libyaml: the same safe semantics, faster.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

log = logging.getLogger(__name__)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _ItemSpec(_Strict):
    name: str = Field(min_length=1)
    department: str = Field(min_length=1)
    standard: str = Field(min_length=1)
    time_limit: float = Field(gt=0, le=24 * 365)
    hours: Literal["calendar", "working"]
    first_tier: Tier
    urgency: Literal["normal", "high"] = "normal"


class _DomainSpec(_Strict):
    name: str = Field(min_length=1)
    items: dict[str, _ItemSpec] = Field(min_length=1)

    @field_validator("items")
    @classmethod
    def _intent_names(cls, items: dict[str, _ItemSpec]) -> dict[str, _ItemSpec]:
        for key in items:
            if not key.startswith("report_"):
                raise ValueError(f"item {key!r} must be a demand intent named report_*")
        return items


class _DepartmentSpec(_Strict):
    name: str = Field(min_length=1)


class _CalendarSpec(_Strict):
    periods: list[str] = Field(default_factory=lambda: ["09:00-12:00", "13:30-17:30"])
    weekdays: list[int] = Field(default_factory=lambda: [1, 2, 3, 4, 5])
    holidays: list[date] = Field(default_factory=list)
    extra_workdays: list[date] = Field(default_factory=list)


class _CatalogSpec(_Strict):
    version: Literal[1]
    calendar: _CalendarSpec = Field(default_factory=_CalendarSpec)
    departments: dict[str, _DepartmentSpec] = Field(min_length=1)
    domains: dict[str, _DomainSpec] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class Department:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class CatalogItem:
    """One kind of demand: what the NLU calls it, who handles it, how fast."""

    intent: str
    name: str
    domain: str
    domain_name: str
    department: Department
    standard: str
    time_limit_hours: float
    working_hours: bool
    first_tier: Tier
    urgency: Urgency


class Catalog:
    """Domains → items, departments and the office calendar, read-only once loaded."""

    def __init__(
        self,
        items: dict[str, CatalogItem],
        departments: dict[str, Department],
        domains: dict[str, str],
        calendar: WorkCalendar,
    ) -> None:
        self._items = items
        self._departments = departments
        self._domains = domains
        self.calendar = calendar
        #: Digest of the file it was loaded from (None when built from a dict).
        self.digest: str | None = None

    def replace_with(self, other: Catalog) -> None:
        """Take over ``other``'s contents in place, so every service holding this catalog
        sees the new one (one synchronous swap: no request sees half of each)."""
        self._items, self._departments, self._domains, self.calendar, self.digest = (
            other._items, other._departments, other._domains, other.calendar, other.digest
        )

    @classmethod
    def load(cls, path: str | Path) -> Catalog:
        """Read and validate a catalog file.

        Raises:
            ConfigError: the file is missing, is not YAML, or breaks a rule; the message
                names the file, the dotted location and what is wrong.
        """
        source = Path(path)
        try:
            data = source.read_bytes()
            raw = yaml.load(data.decode("utf-8"), Loader=_SAFE_LOADER)
        except OSError as exc:
            raise ConfigError(f"{source}: cannot read the service catalog ({exc})") from exc
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{source}: not valid YAML ({exc})") from exc
        catalog = cls.from_dict(raw, origin=str(source))
        catalog.digest = _digest(data)
        return catalog

    @classmethod
    def from_dict(cls, raw: object, *, origin: str = "catalog") -> Catalog:
        try:
            spec = _CatalogSpec.model_validate(raw)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in err['loc']) or '(top)'}: {err['msg']}"
                for err in exc.errors()
            )
            raise ConfigError(f"{origin}: invalid service catalog: {problems}") from exc
        try:
            calendar = WorkCalendar.from_spec(
                spec.calendar.periods,
                spec.calendar.weekdays,
                spec.calendar.holidays,
                spec.calendar.extra_workdays,
            )
        except ValueError as exc:
            raise ConfigError(f"{origin}: calendar: {exc}") from exc
        departments = {code: Department(code, d.name) for code, d in spec.departments.items()}
        items: dict[str, CatalogItem] = {}
        domains: dict[str, str] = {}
        for domain_code, domain in spec.domains.items():
            domains[domain_code] = domain.name
            for intent, item in domain.items.items():
                where = f"domains.{domain_code}.items.{intent}"
                if intent in items:
                    raise ConfigError(
                        f"{origin}: {where}: {intent} is already listed under domain "
                        f"{items[intent].domain}"
                    )
                if item.department not in departments:
                    raise ConfigError(
                        f"{origin}: {where}.department: unknown department "
                        f"{item.department!r}; known: {', '.join(sorted(departments))}"
                    )
                items[intent] = CatalogItem(
                    intent=intent,
                    name=item.name,
                    domain=domain_code,
                    domain_name=domain.name,
                    department=departments[item.department],
                    standard=item.standard,
                    time_limit_hours=item.time_limit,
                    working_hours=item.hours == "working",
                    first_tier=item.first_tier,
                    urgency=Urgency(item.urgency),
                )
        return cls(items, departments, domains, calendar)

    @property
    def emergency_time_limit_hours(self) -> float:
        """The time limit of a life-safety emergency: the shortest of the catalog's items."""
        return min(item.time_limit_hours for item in self._items.values())

    def item(self, intent: str) -> CatalogItem:
        """The item for a demand intent.

        Raises:
            KeyError: the intent is not in the catalog (a programmer or training-data error:
                every report_* intent the NLU knows must be listed).
        """
        try:
            return self._items[intent]
        except KeyError:
            raise KeyError(f"{intent!r} is not in the service catalog") from None

    def has(self, intent: str) -> bool:
        return intent in self._items

    def items(self) -> list[CatalogItem]:
        return list(self._items.values())

    def department(self, code: str) -> Department:
        try:
            return self._departments[code]
        except KeyError:
            raise KeyError(f"{code!r} is not a department of the service catalog") from None

    def departments(self) -> list[Department]:
        return list(self._departments.values())

    def domains(self) -> dict[str, str]:
        """Domain code → Chinese name."""
        return dict(self._domains)

    def missing_intents(self, intents: set[str] | list[str]) -> list[str]:
        """Demand intents (``report_*``) the NLU knows that the catalog does not list."""
        return sorted(i for i in intents if i.startswith("report_") and i not in self._items)


def _digest(data: bytes) -> str:
    # A digest, not the mtime: an edit within one timestamp tick (or a copy that keeps the
    # mtime) must still count; the file is a few kilobytes.
    return hashlib.sha256(data).hexdigest()


def _stamp(path: Path) -> str | None:
    try:
        return _digest(path.read_bytes())
    except OSError:
        return None


async def watch_catalog(
    catalog: Catalog, path: str | Path, interval: float, stop: asyncio.Event | None = None
) -> None:
    """Reload ``catalog`` in place whenever its file changes (a background task, one per
    worker). A broken file is logged and the old catalog keeps serving."""
    source = Path(path)
    stop = stop or asyncio.Event()
    # From the loaded file, so a change made between loading and watching is seen too.
    seen = catalog.digest or _stamp(source)
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
            return
        stamp = _stamp(source)
        if stamp is None or stamp == seen:
            continue
        seen = stamp
        try:
            catalog.replace_with(Catalog.load(source))
        except ConfigError:
            log.exception("the changed service catalog %s is invalid; keeping the old one", source)
            continue
        log.info("service catalog reloaded from %s", source)
