"""The alarm rules file (``training_data/alarm_rules.yml``): one rule per device kind.

Validated where it enters, like the service catalog: a bad file raises
:class:`~bot.errors.ConfigError` naming the file, the line and the key, and what is wrong.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.errors import ConfigError
from bot.tickets.catalog import Catalog
from bot.tickets.status import Urgency

#: The device kinds a sensor network may register.
KINDS = ("fume", "noise", "water_level", "smoke")

_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _RuleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=32)
    unit: str = Field(min_length=1, max_length=16)
    threshold: float
    direction: Literal["above", "below"] = "above"
    times: int = Field(ge=1, le=1000)
    minutes: float = Field(gt=0, le=24 * 60)
    clear_after_minutes: float = Field(gt=0, le=7 * 24 * 60)
    silent_after_minutes: float = Field(default=120, gt=0, le=7 * 24 * 60)
    category: str = Field(min_length=1)
    urgency: Literal["normal", "red"] = "normal"

    @field_validator("threshold")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value


class _RulesSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1]
    note_every_minutes: float = Field(default=60, gt=0)
    kinds: dict[Literal["fume", "noise", "water_level", "smoke"], _RuleSpec]


@dataclass(frozen=True, slots=True)
class Rule:
    """When readings of one kind of device make a case, and where the case goes."""

    kind: str
    name: str
    unit: str
    threshold: float
    direction: str
    times: int
    minutes: float
    clear_after_minutes: float
    silent_after_minutes: float
    category: str
    urgency: Urgency | None

    def exceeded(self, value: float) -> bool:
        return value > self.threshold if self.direction == "above" else value < self.threshold


@dataclass(frozen=True, slots=True)
class AlarmRules:
    rules: dict[str, Rule]
    note_every_minutes: float

    def rule(self, kind: str) -> Rule | None:
        return self.rules.get(kind)

    @classmethod
    def load(cls, path: str | Path, catalog: Catalog | None = None) -> AlarmRules:
        """Read and validate a rules file; with ``catalog``, every category must be in it.

        Raises:
            ConfigError: missing file, not YAML, or a rule broken; the message names the
                file, the line and the dotted key.
        """
        source = Path(path)
        try:
            text = source.read_bytes().decode("utf-8")
            node = yaml.compose(text, Loader=_SAFE_LOADER)
            raw = yaml.load(text, Loader=_SAFE_LOADER)
        except OSError as exc:
            raise ConfigError(f"{source}: cannot read the alarm rules ({exc})") from exc
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{source}: not valid YAML ({exc})") from exc
        return cls.from_dict(raw, origin=str(source), node=node, catalog=catalog)

    @classmethod
    def from_dict(
        cls,
        raw: object,
        *,
        origin: str = "alarm rules",
        node: yaml.Node | None = None,
        catalog: Catalog | None = None,
    ) -> AlarmRules:
        try:
            spec = _RulesSpec.model_validate(raw)
        except ValidationError as exc:
            problems = "; ".join(
                f"{_where(node, err['loc'])}{_dotted(err['loc'])}: {err['msg']}"
                for err in exc.errors()
            )
            raise ConfigError(f"{origin}: invalid alarm rules: {problems}") from exc
        rules: dict[str, Rule] = {}
        for kind, r in spec.kinds.items():
            if catalog is not None and not catalog.has(r.category):
                loc = ("kinds", kind, "category")
                raise ConfigError(
                    f"{origin}: invalid alarm rules: {_where(node, loc)}{_dotted(loc)}: "
                    f"{r.category!r} is not an item of the service catalog"
                )
            rules[kind] = Rule(
                kind=kind,
                name=r.name,
                unit=r.unit,
                threshold=r.threshold,
                direction=r.direction,
                times=r.times,
                minutes=r.minutes,
                clear_after_minutes=r.clear_after_minutes,
                silent_after_minutes=float(r.silent_after_minutes),
                category=r.category,
                urgency=Urgency.RED if r.urgency == "red" else None,
            )
        return cls(rules, spec.note_every_minutes)


def _dotted(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top)"


def _where(node: yaml.Node | None, loc: tuple[int | str, ...]) -> str:
    """``line N, `` of the deepest node of ``loc`` the file has (1-based), or nothing."""
    line: int | None = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if not isinstance(node, yaml.MappingNode):
            break
        found = next(
            ((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == part),
            None,
        )
        if found is None:
            break
        key, node = found
        line = key.start_mark.line + 1
    return f"line {line}, " if line is not None else ""
