"""Result types of a parse, shaped like Rasa's ``/model/parse`` response."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FALLBACK_INTENT = "nlu_fallback"


@dataclass(frozen=True, slots=True)
class IntentScore:
    """One intent with the classifier's confidence in it (0..1)."""

    name: str
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "confidence": round(float(self.confidence), 6)}


@dataclass(frozen=True, slots=True)
class Entity:
    """An entity found in the text; ``text[start:end]`` is the span, ``value`` its normal form."""

    entity: str
    start: int
    end: int
    value: str
    confidence_entity: float = 1.0
    extractor: str = "RuleEntityExtractor"
    role: str | None = None  # Rasa's entity roles and groups, when an extractor gives them
    group: str | None = None

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "entity": self.entity,
            "start": self.start,
            "end": self.end,
            "value": self.value,
            "confidence_entity": round(float(self.confidence_entity), 6),
            "extractor": self.extractor,
        }
        if self.role is not None:
            body["role"] = self.role
        if self.group is not None:
            body["group"] = self.group
        return body


@dataclass(frozen=True, slots=True)
class ParseResult:
    """What the NLU understood of one message."""

    text: str
    intent: IntentScore
    intent_ranking: list[IntentScore] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)

    @property
    def is_fallback(self) -> bool:
        return self.intent.name == FALLBACK_INTENT

    @property
    def understood_nothing(self) -> bool:
        """Nothing in the text to classify (keyboard mash, filler, digits alone: see
        :mod:`nlu.meaning`): a fallback with no guess behind it."""
        return self.is_fallback and len(self.intent_ranking) <= 1

    def entity_values(self, name: str) -> list[str]:
        """Values of every entity called ``name``, in text order."""
        return [e.value for e in self.entities if e.entity == name]

    def to_dict(self) -> dict[str, Any]:
        """The JSON body Rasa's ``POST /model/parse`` answers."""
        return {
            "text": self.text,
            "intent": self.intent.to_dict(),
            "entities": [e.to_dict() for e in self.entities],
            "intent_ranking": [s.to_dict() for s in self.intent_ranking],
        }
