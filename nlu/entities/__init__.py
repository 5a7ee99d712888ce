"""Entity extraction: built-in rules plus the training data's regex and lookup tables."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Protocol

from nlu.data import TrainingData
from nlu.entities.rules import RULE_ENTITIES, RuleExtractor
from nlu.entities.tables import TableExtractor
from nlu.types import Entity

__all__ = ["RULE_ENTITIES", "EntityExtractor", "EntityPipeline", "RuleExtractor", "TableExtractor"]


class EntityExtractor(Protocol):
    name: str

    def extract(self, text: str) -> list[Entity]: ...


class EntityPipeline:
    """Runs every extractor, drops duplicates and applies synonyms to values."""

    def __init__(
        self,
        extractors: Iterable[EntityExtractor],
        synonyms: dict[str, str],
        entity_synonyms: dict[tuple[str, str], str] | None = None,
    ) -> None:
        self.extractors = list(extractors)
        self._synonyms = {k.lower(): v for k, v in synonyms.items()}
        # Learnt from annotations: only valid for the entity they were annotated as, so
        # "[2号楼]{building: 2}" never turns an address "2号楼" into "2".
        self._entity_synonyms = {(e, k.lower()): v for (e, k), v in (entity_synonyms or {}).items()}

    @classmethod
    def build(cls, data: TrainingData, place_names: Iterable[str] = ()) -> EntityPipeline:
        # Lookup tables named after "address" add place names to the address rule as well.
        places = [*place_names, *data.lookups.get("address", [])]
        learnt: dict[tuple[str, str], str] = {}
        for example in data.examples:  # annotations with a value are synonyms too (as Rasa)
            for ann in example.entities:
                span = example.text[ann.start : ann.end]
                if ann.value != span:
                    learnt.setdefault((ann.entity, span), ann.value)
        return cls(
            [RuleExtractor(places), TableExtractor.from_data(data, RULE_ENTITIES)],
            data.synonyms,
            learnt,
        )

    def extract(self, text: str) -> list[Entity]:
        out: list[Entity] = []
        for extractor in self.extractors:
            for ent in extractor.extract(text):
                # An earlier extractor's span of the same entity wins over an overlapping one.
                if any(
                    o.entity == ent.entity
                    and o.start < ent.end
                    and ent.start < o.end
                    and o.extractor != ent.extractor
                    for o in out
                ):
                    continue
                span = text[ent.start : ent.end].lower()
                canonical = self._synonyms.get(span)
                if canonical is None and ent.extractor != RuleExtractor.name:
                    canonical = self._entity_synonyms.get((ent.entity, span))
                out.append(replace(ent, value=canonical) if canonical is not None else ent)
        return sorted(out, key=lambda e: (e.start, -e.end, e.entity))
