"""Training data held in memory: examples, synonyms, regex features and lookup tables.

The shape follows Rasa 3.x's NLU training data so files round-trip through
:mod:`nlu.rasa_io` without losing anything a trainer wrote.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class EntityAnnotation:
    """An entity marked in a training example; ``text[start:end]`` is the annotated span."""

    entity: str
    start: int
    end: int
    value: str
    role: str | None = None
    group: str | None = None


@dataclass(frozen=True, slots=True)
class Example:
    """One training sentence (annotations already stripped from ``text``)."""

    text: str
    intent: str
    entities: tuple[EntityAnnotation, ...] = ()
    metadata: dict[str, Any] | None = None
    source: str = ""  # "file.yml" (for messages a trainer reads), not part of equality below

    def key(self) -> tuple[str, str, tuple[EntityAnnotation, ...]]:
        return (self.text, self.intent, self.entities)


@dataclass(frozen=True, slots=True)
class RegexFeature:
    name: str
    pattern: str


@dataclass(slots=True)
class TrainingData:
    """Everything the ``nlu:`` sections of one or more Rasa files declare."""

    examples: list[Example] = field(default_factory=list)
    synonyms: dict[str, str] = field(default_factory=dict)  # variant -> canonical value
    regexes: list[RegexFeature] = field(default_factory=list)
    lookups: dict[str, list[str]] = field(default_factory=dict)
    intent_metadata: dict[str, dict[str, Any]] = field(default_factory=dict)
    declared_entities: set[str] = field(default_factory=set)  # from domain files, if any
    domain_found: bool = False

    @property
    def intents(self) -> list[str]:
        """Intent names in first-seen order."""
        return list(dict.fromkeys(e.intent for e in self.examples))

    @property
    def annotated_entities(self) -> set[str]:
        return {a.entity for e in self.examples for a in e.entities}

    def intent_counts(self) -> Counter[str]:
        return Counter(e.intent for e in self.examples)

    def merge(self, other: TrainingData) -> TrainingData:
        """A new object holding both; later files win on conflicting synonyms."""
        lookups = {k: list(v) for k, v in self.lookups.items()}
        for name, values in other.lookups.items():
            lookups.setdefault(name, []).extend(values)
        meta = dict(self.intent_metadata)
        meta.update(other.intent_metadata)
        return TrainingData(
            examples=[*self.examples, *other.examples],
            synonyms={**self.synonyms, **other.synonyms},
            regexes=[*self.regexes, *other.regexes],
            lookups=lookups,
            intent_metadata=meta,
            declared_entities=self.declared_entities | other.declared_entities,
            domain_found=self.domain_found or other.domain_found,
        )

    def subset(self, indices: list[int]) -> TrainingData:
        """The same features with only the examples at ``indices`` (for cross-validation)."""
        return TrainingData(
            examples=[self.examples[i] for i in indices],
            synonyms=dict(self.synonyms),
            regexes=list(self.regexes),
            lookups={k: list(v) for k, v in self.lookups.items()},
            intent_metadata=dict(self.intent_metadata),
            declared_entities=set(self.declared_entities),
            domain_found=self.domain_found,
        )

    def fingerprint(self) -> str:
        """A stable hash of the content (not of the files' layout or comments)."""
        payload = {
            "examples": sorted(
                [
                    e.text,
                    e.intent,
                    [[a.entity, a.start, a.end, a.value, a.role, a.group] for a in e.entities],
                ]
                for e in self.examples
            ),
            "synonyms": sorted(self.synonyms.items()),
            "regexes": sorted([r.name, r.pattern] for r in self.regexes),
            "lookups": sorted([k, sorted(v)] for k, v in self.lookups.items()),
        }
        blob = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()
