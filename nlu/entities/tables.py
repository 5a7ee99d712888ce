"""Entities from the training data's own regex features and lookup tables.

As in Rasa's RegexEntityExtractor, a regex or lookup table extracts an entity when its
name is the entity's name; synonyms then map extracted text to a canonical value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from nlu.data import TrainingData
from nlu.entities.matcher import PhraseMatcher
from nlu.types import Entity

REGEX_EXTRACTOR = "RegexEntityExtractor"
LOOKUP_EXTRACTOR = "LookupEntityExtractor"


class TableExtractor:
    """Regex and lookup matches for tables named after an entity."""

    name = REGEX_EXTRACTOR

    def __init__(
        self,
        regexes: Iterable[tuple[str, str]],
        lookups: dict[str, list[str]],
        entity_names: Iterable[str],
    ) -> None:
        wanted = set(entity_names)
        self.regexes = [(n, re.compile(p)) for n, p in regexes if n in wanted]
        self.lookups = {n: PhraseMatcher(v) for n, v in lookups.items() if n in wanted}

    @classmethod
    def from_data(cls, data: TrainingData, entity_names: Iterable[str]) -> TableExtractor:
        names = set(entity_names) | data.annotated_entities | data.declared_entities
        return cls([(r.name, r.pattern) for r in data.regexes], data.lookups, names)

    def extract(self, text: str) -> list[Entity]:
        found: list[Entity] = []
        for name, pattern in self.regexes:
            for m in pattern.finditer(text):
                if m.end() > m.start():
                    found.append(
                        Entity(name, m.start(), m.end(), m.group(0), extractor=REGEX_EXTRACTOR)
                    )
        for name, matcher in self.lookups.items():
            for start, end, _ in matcher.finditer(text):
                found.append(Entity(name, start, end, text[start:end], extractor=LOOKUP_EXTRACTOR))
        return found
